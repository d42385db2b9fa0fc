/**
 * Function-transform cases (func.*, against torch.func): jvp of inv (forward mode against inv's
 * own forward), the Hessian of a GP's −log p in its 3 hyperparameters (forward over reverse), and
 * the Jacobian of x ↦ solve(A, x) by reverse mode (vmap over vjp). Checked like the others before
 * they are timed: X and J against the input, dX against −X·V·X, the Hessian against central
 * differences of the plain-JavaScript GP gradient (gp.ts).
 */
import { type BenchCase, type CaseInput, gaussian, shiftedGaussian, uniform } from './cases.js';
import { inverseResidual, matmulRef } from './checks.js';
import { gpInput, gpReference } from './gp.js';

const INF = Number.POSITIVE_INFINITY;

/** [X, dX] of func.jvp(inv, A, V): X's inverse residual, and max|dX + X·V·X| / max|X·V·X|. */
export function jvpInvError(input: CaseInput, out: Float64Array): number {
  const { n } = input;
  if (out.length !== 2 * n * n) return INF;
  const X = out.subarray(0, n * n);
  const dX = out.subarray(n * n);
  const res = inverseResidual(input, X);
  if (!(res <= 1e-8)) return res;
  const xvx = matmulRef(matmulRef(X, 0, input.b!, 0, n, n, n), 0, X, 0, n, n, n);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < n * n; i++) {
    scale = Math.max(scale, Math.abs(xvx[i]!));
    const e = Math.abs(dX[i]! + xvx[i]!);
    if (!(e <= worst)) worst = e;
  }
  return worst / scale;
}

/** The 3×3 Hessian of the GP's −log p against central differences of its reference gradient. */
export function gpHessianError(input: CaseInput, out: Float64Array): number {
  if (out.length !== 9) return INF;
  const h = 1e-5;
  let worst = 0;
  for (let j = 0; j < 3; j++) {
    const at = (s: number) => {
      const theta = Float64Array.from(input.theta!);
      theta[j]! += s * h;
      return gpReference({ ...input, theta });
    };
    const [p, m] = [at(1), at(-1)];
    for (let i = 0; i < 3; i++) {
      const fd = (p[1 + i]! - m[1 + i]!) / (2 * h);
      const e = Math.abs(out[i * 3 + j]! - fd) / Math.max(1, Math.abs(fd));
      if (!(e <= worst)) worst = e;
    }
  }
  return worst;
}

export const FUNC_CASES: readonly BenchCase[] = [
  {
    id: 'jvp-inv-256',
    title: 'func.jvp(inv, [A], [V]): inverse and its tangent −X·V·X, 256×256',
    op: 'jvpInv',
    batch: 1,
    n: 256,
    forwardOf: 'inv-256',
    make: () => ({ batch: 1, n: 256, a: shiftedGaussian(1, 256, 1256), b: gaussian(256 * 256, 2_256) }),
    check: jvpInvError,
    tol: 1e-10,
    errName: 'max(|A·X − I| ≤ 1e-8, max|dX + X·V·X| / max|X·V·X|)',
  },
  {
    id: 'hessian-gp-200',
    title: 'func.hessian of GP −log p(y | θ) in θ (3 hyperparameters), n = 200',
    op: 'gpHessian',
    batch: 1,
    n: 200,
    make: () => gpInput(200, uniform(11_200)),
    check: gpHessianError,
    tol: 1e-5,
    errName: 'max relative error against central differences of the reference gradient',
  },
  {
    id: 'jacrev-solve-256',
    title: 'func.jacrev(x ↦ solve(A, x)) = A⁻¹, 256×256',
    op: 'jacrevSolve',
    batch: 1,
    n: 256,
    make: () => ({ batch: 1, n: 256, a: shiftedGaussian(1, 256, 3_256), b: gaussian(256, 4_256) }),
    check: inverseResidual,
    tol: 1e-8,
    errName: 'max|A·J − I|',
  },
];
