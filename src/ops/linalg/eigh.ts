import { isGradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { eighScaledCpu } from '../../backends/cpu/linalg/scaling.js';
import { eighGpu } from '../../backends/webgpu/linalg/spectral.js';
import type { FloatDType } from '../../dtype.js';
import { numelOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { zerosLike } from '../creation.js';
import { maximum } from '../elementwise.js';
import { applyOp, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
import { diagEmbed } from '../shape.js';
import { checkSquare } from './common.js';
import {
  checkConvergence,
  diagnosticActive,
  frobScale,
  gapTolerance,
  gaugeViolations,
  guardedReciprocal,
  reportIllDefined,
} from './guards.js';

/**
 * Symmetric (Hermitian) eigendecomposition A = V diag(λ) Vᴴ, as torch.linalg.eigh: eigenvalues
 * ascending, eigenvectors as columns, only the `UPLO` triangle of A read. Outputs: λ, V (shape
 * […, 0] when `vectors` is false, for eigvalsh without gradient) and info (0; k > 0 no convergence;
 * −1 NaN/Inf input, whose outputs are NaN).
 */
export interface EighAttrs {
  readonly upper: boolean;
  readonly vectors: boolean;
  /** The public name, for error messages. */
  readonly op: string;
}

const sizes = (shape: readonly number[]): [number, number] => [
  numelOf(shape.slice(0, -2)),
  shape[shape.length - 1],
];

export const eighOp: OpDef<EighAttrs> = defineBuiltinOp<EighAttrs>({
  name: 'eigh',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a], { op }) => void checkSquare(op, a),
  shape: ([[, n]], { vectors }) => [[n], vectors ? [n, n] : [0], []],
  outDtypes: ([dt]) => [dt, dt, 'int32'],
  differentiable: [true, true, false],
  cpu: ([a], outs, { upper, vectors }) => eighScaledCpu(a, outs, upper, vectors),
  webgpu: (gpu, [a], [w, v, info], { upper, vectors }) => {
    const [batch, n] = sizes(a.shape);
    eighGpu(gpu, a.storage, batch, n, upper, w.storage, vectors ? v.storage : null, info.storage);
  },
  // M = Vᴴ gV, R = ½(M − Mᴴ) ⊘ E with E_ij = λ_j − λ_i (guarded), diag(R) = gλ; gA = V R Vᴴ (docs/design.md, derivative formulas).
  backward: (c, [gw, gv]) => {
    const a = c.inputs[0];
    const [w, v] = c.outputs;
    const n = a.shape[a.ndim - 1];
    if (!c.attrs.vectors) throw new Error('internal: eigh backward needs the eigenvectors');
    if (n === 0 || a.numel === 0) return [zerosLike(a)];
    if (!gv) return [v.mul(gw!.unsqueeze(-2)).matmul(v.mH)];
    const m = v.mH.matmul(gv);
    const num = m.sub(m.mH);
    const d = w.unsqueeze(-2).sub(w.unsqueeze(-1));
    const scale = noGrad(() => maximum(w.narrow(-1, 0, 1).abs(), w.narrow(-1, n - 1, 1).abs()).unsqueeze(-1));
    const tol = noGrad(() => scale.mul(gapTolerance(a.dtype as FloatDType, n)));
    const { inv, degenerate } = guardedReciprocal(d, tol);
    let r = num.mul(inv).mul(0.5);
    if (gw) r = r.add(diagEmbed(gw));
    const gA = v.matmul(r).matmul(v.mH);
    if (diagnosticActive('linalg.eigh')) {
      reportIllDefined(
        'linalg.eigh',
        gaugeViolations(degenerate, num, frobScale(m)),
        'the eigenvalues are (numerically) repeated, so the eigenvectors are not unique, and the loss ' +
          'depends on which basis of the eigenspace is chosen (only functions of whole eigenspaces, such ' +
          'as eigenvalues or projectors onto all eigenvectors of a repeated eigenvalue, have a gradient there)',
        [gA],
      );
    }
    return [gA];
  },
  jvp: (c, [dA]) => (dA ? eighJvp(c.inputs[0], c.outputs, c.attrs, dA) : [null, null, null]),
});

/**
 * P = Vᴴ dS V with dS = ½(dA + dAᴴ) (only a Hermitian A is read, and the backward's gA is
 * Hermitian); dλ = Re diag(P), dV = V (F ∘ P) with F_ij = 1/(λ_j − λ_i) guarded exactly as the
 * backward guards it (0 on the diagonal and below the gap tolerance). Without `vectors`
 * (eigvalsh) the eigenvectors are computed here. No diagnostic: in forward mode the loss is not
 * known, and a gauge-invariant use of V (a projector onto a whole eigenspace) gets the right
 * tangent from the guarded F, so a warning would fire for correct uses too.
 */
function eighJvp(a: Tensor, outputs: readonly Tensor[], attrs: EighAttrs, dA: Tensor): (Tensor | null)[] {
  const n = a.shape[a.ndim - 1];
  let [w, v] = outputs;
  if (n === 0 || a.numel === 0) return [zerosLike(w), attrs.vectors ? zerosLike(v) : null, null];
  if (!attrs.vectors) {
    const [w2, v2, info] = applyOp(eighOp, [a], { ...attrs, vectors: true });
    info.dispose();
    [w, v] = [w2, v2];
  }
  const dS = dA.add(dA.mH).mul(0.5);
  const p = v.mH.matmul(dS).matmul(v);
  const dw = p.diagonal(0, -2, -1).real();
  if (!attrs.vectors) return [dw, null, null];
  const d = w.unsqueeze(-2).sub(w.unsqueeze(-1));
  const scale = noGrad(() => maximum(w.narrow(-1, 0, 1).abs(), w.narrow(-1, n - 1, 1).abs()).unsqueeze(-1));
  const tol = noGrad(() => scale.mul(gapTolerance(a.dtype as FloatDType, n)));
  const { inv } = guardedReciprocal(d, tol);
  return [dw, v.matmul(p.mul(inv)), null];
}

export type Uplo = 'L' | 'U';

function checkUplo(op: string, uplo: unknown): boolean {
  if (uplo === undefined || uplo === 'L' || uplo === 'l') return false;
  if (uplo === 'U' || uplo === 'u') return true;
  throw new RangeError(`${op}: Expected UPLO argument to be 'L' or 'U', but got ${JSON.stringify(uplo)}`);
}

function run(A: Tensor, op: string, uplo: unknown, vectors: boolean): [Tensor, Tensor] {
  const upper = checkUplo(op, uplo);
  const [w, v, info] = applyOp(eighOp, [A], { upper, vectors, op });
  checkConvergence(op, info, A.ndim > 2, 'eigenvalues', vectors ? [w, v] : [w]);
  return [w, v];
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric matrices, as
 * torch.linalg.eigh. Only the lower (UPLO 'L', default) or upper ('U') triangle is read. Each
 * eigenvector's largest-magnitude component is positive.
 * @example
 * const { eigenvalues, eigenvectors } = linalg.eigh(tensor([[2, 1], [1, 2]]));
 * // eigenvalues tensor([1., 3.]); eigenvectors' columns [0.7071, -0.7071], [0.7071, 0.7071]
 */
export function eigh(
  A: Tensor,
  opts: { UPLO?: Uplo } = {},
): {
  /** (…, n), ascending. */
  eigenvalues: Tensor;
  /** (…, n, n), eigenvector j in column j. */
  eigenvectors: Tensor;
} {
  const [eigenvalues, eigenvectors] = run(A, 'linalg.eigh', opts.UPLO, true);
  return { eigenvalues, eigenvectors };
}

/**
 * Eigenvalues of symmetric matrices, ascending (eigenvectors are computed only for the gradient).
 * @example
 * linalg.eigvalsh(tensor([[2, 1], [1, 2]])); // tensor([1., 3.])
 */
export function eigvalsh(A: Tensor, opts: { UPLO?: Uplo } = {}): Tensor {
  return run(A, 'linalg.eigvalsh', opts.UPLO, A.requiresGrad && isGradEnabled())[0];
}
