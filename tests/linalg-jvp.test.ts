/**
 * The forward-mode (jvp) rules of the linalg ops, one step at a time through jvpOp: each op and
 * its attribute variants (batched too) against
 * - a central finite difference of the op in float64, with a step and tolerance derived from
 *   eps and the problem's condition number;
 * - the VJP from autograd.grad: ⟨v, J u⟩ (jvp) = ⟨Jᵀ v, u⟩ (backward), and the gradient of
 *   ⟨v, J u⟩ with respect to u through the rule itself (so the rule is built of differentiable
 *   ops) equals Jᵀ v;
 * - autograd through the rule in the primal (second order, for forward-over-reverse).
 * Inputs are well-conditioned random matrices with a known spectrum (gradcheck/linalg-rand); the
 * checks live in tests/helpers/linalg-jvp.ts. Degenerate inputs have their own cases: det at a
 * (nearly) singular A, eigh/svd at repeated values (finite tangents, right projector tangents).
 */
import { describe, expect, it } from 'vitest';
import { undefinedGradOp } from '../gradcheck/gradcheck.js';
import { agreementTolerance, linalgTolerance } from '../gradcheck/index.js';
import { AutogradError, setSpectralGradMode, type Tensor, toCpu, zeros } from '../src/index.js';
import { jvpOp } from '../src/ops/jvp.js';
import { choleskyInverseOp, choleskyOp } from '../src/ops/linalg/cholesky.js';
import { cofactorOp } from '../src/ops/linalg/cofactor.js';
import { eighOp } from '../src/ops/linalg/eigh.js';
import { detOp, invOp, luFactorOp, slogdetOp, solveOp } from '../src/ops/linalg/lu.js';
import { extremumOp } from '../src/ops/linalg/norms.js';
import { pinvOp } from '../src/ops/linalg/pinv.js';
import { qrOp } from '../src/ops/linalg/qr.js';
import { svdOp } from '../src/ops/linalg/svd.js';
import { solveTriangularOp } from '../src/ops/linalg/triangular.js';
import { applyOp, type OpDef, registeredOps } from '../src/ops/registry.js';
import { maxAbs } from './helpers/jvp.js';
import {
  type Case,
  eyeOf,
  forwardRtol,
  gapCondition,
  kappa,
  op,
  runCases as runCpuCases,
  symmetricTangent,
  tangent,
  tensorOf,
  withEigenvalues,
  withSingularValues,
} from './helpers/linalg-jvp.js';
import { describeWebGPU } from './helpers/webgpu.js';

/** Every case, for the WebGPU agreement suite at the end. */
const allCases: Case[] = [];
const runCases = (cases: Case[]) => {
  allCases.push(...cases);
  runCpuCases(cases);
};

// ---- the LU family ------------------------------------------------------------------------------

describe('inv, solve, det, slogdet, luFactor', () => {
  const sv = [2, 1.5, 1, 0.5];
  const A = withSingularValues(1, [], 4, 4, sv);
  const Ab = withSingularValues(2, [2], 4, 4, sv);
  const B = tangent(3, [4, 3]).mul(2);
  const Bb = tangent(4, [2, 4, 3]).mul(2);
  const dA = tangent(5, [4, 4]);
  const dAb = tangent(6, [2, 4, 4]);
  const dB = tangent(7, [4, 3]);
  const dBb = tangent(8, [2, 4, 3]);
  const tall = withSingularValues(9, [], 5, 3, [2, 1.2, 0.7]);
  const wide = withSingularValues(10, [2], 3, 5, [2, 1.2, 0.7]);
  runCases([
    { name: 'inv', op: op(invOp), attrs: undefined, inputs: [A], tangents: [dA], cond: kappa(A) },
    { name: 'inv, batched', op: op(invOp), attrs: undefined, inputs: [Ab], tangents: [dAb], cond: kappa(Ab) },
    { name: 'solve', op: op(solveOp), attrs: undefined, inputs: [A, B], tangents: [dA, dB], cond: kappa(A) },
    {
      name: 'solve, batched',
      op: op(solveOp),
      attrs: undefined,
      inputs: [Ab, Bb],
      tangents: [dAb, dBb],
      cond: kappa(Ab),
    },
    {
      name: 'solve, dA only',
      op: op(solveOp),
      attrs: undefined,
      inputs: [A, B],
      tangents: [dA, null],
      cond: kappa(A),
    },
    {
      name: 'solve, dB only',
      op: op(solveOp),
      attrs: undefined,
      inputs: [A, B],
      tangents: [null, dB],
      cond: kappa(A),
    },
    { name: 'det', op: op(detOp), attrs: undefined, inputs: [A], tangents: [dA], cond: kappa(A) },
    { name: 'det, batched', op: op(detOp), attrs: undefined, inputs: [Ab], tangents: [dAb], cond: kappa(Ab) },
    { name: 'slogdet', op: op(slogdetOp), attrs: undefined, inputs: [A], tangents: [dA], cond: kappa(A) },
    {
      name: 'slogdet, batched',
      op: op(slogdetOp),
      attrs: undefined,
      inputs: [Ab.neg()],
      tangents: [dAb],
      cond: kappa(Ab),
    },
    ...luCases('luFactor, square', A, dA),
    ...luCases('luFactor, square batched', Ab, dAb),
    ...luCases('luFactor, tall 5×3', tall, tangent(11, [5, 3])),
    ...luCases('luFactor, wide 3×5 batched', wide, tangent(12, [2, 3, 5])),
  ]);

  it('det: a finite tangent at nearly singular and singular A (the cofactor)', () => {
    for (const small of [1e-10, 0]) {
      const a = withSingularValues(13, [], 3, 3, [1.5, 1, small]);
      const u = tangent(14, [3, 3]);
      const { tangents } = jvpOp(detOp, [a], [u], undefined);
      const t = tangents[0]!.item();
      expect(Number.isFinite(t)).toBe(true);
      // det is a cubic in the step: (det(A + hu) − det(A − hu))/2h = d det[u] + h²·det(u) exactly.
      const h = 1e-5;
      const fd =
        (applyOp(detOp, [a.add(u.mul(h))], undefined)[0]!.item() -
          applyOp(detOp, [a.sub(u.mul(h))], undefined)[0]!.item()) /
        (2 * h);
      const exactShift = h * h * applyOp(detOp, [u], undefined)[0]!.item();
      // Each det carries an error ≲ c·n·eps·‖A‖³ (‖A‖ ≤ 1.5 + h), divided by 2h in the difference.
      const tol = linalgTolerance({ dtype: 'float64', cond: 1, n: 3, scale: 1.5 ** 3 }).atol / h;
      expect(Math.abs(t - (fd - exactShift))).toBeLessThanOrEqual(tol);
      expect(Math.abs(t)).toBeGreaterThan(1e-3); // the tangent does not vanish with det
    }
  });
});

/** luFactor with the sensitivity κ(L₁)·κ(U₁) of X = L₁⁻¹ Pᵀ dA U₁⁻¹ (the factors' conditions). */
function luCases(name: string, a: Tensor, da: Tensor): Case[] {
  const [LU] = applyOp(luFactorOp, [a], undefined);
  const k = Math.min(...a.shape.slice(-2));
  const L1 = LU!.narrow(-1, 0, k).narrow(-2, 0, k);
  const lower = L1.tril(-1).add(eyeOf(L1));
  const upper = LU!.narrow(-2, 0, k).narrow(-1, 0, k).triu();
  const cond = kappa(lower) * kappa(upper);
  return [{ name, op: op(luFactorOp), attrs: undefined, inputs: [a], tangents: [da], cond }];
}

// ---- triangular solves and the Cholesky family --------------------------------------------------

/** The matrix a triangular solve uses: the triangle read (of Aᵀ with `trans`), unit diagonal if asked. */
function readTriangle(a: Tensor, o: { upper: boolean; unitriangular: boolean; trans?: boolean }): Tensor {
  const e = o.trans ? a.mT : a;
  if (!o.unitriangular) return o.upper ? e.triu() : e.tril();
  return (o.upper ? e.triu(1) : e.tril(-1)).add(eyeOf(e));
}

describe('solveTriangular, cholesky, choleskyInverse', () => {
  const triCases: Case[] = [];
  let seed = 100;
  for (const upper of [false, true])
    for (const left of [true, false])
      for (const unitriangular of [false, true])
        for (const trans of [false, true]) {
          const batch = (seed & 1) === 0 ? [] : [2];
          // Both triangles filled: the one not read is noise the rule must ignore (as must dA's).
          const a = tangent(seed++, [...batch, 4, 4]).add(eyeOf(tangent(0, [4, 4])).mul(1.5));
          const b = tangent(seed++, left ? [...batch, 4, 3] : [...batch, 3, 4]);
          const o = { upper, left, unitriangular, trans };
          triCases.push({
            name: `solveTriangular ${JSON.stringify(o)}${batch.length ? ', batched' : ''}`,
            op: op(solveTriangularOp),
            attrs: o,
            inputs: [a, b],
            tangents: [tangent(seed++, a.shape), tangent(seed++, b.shape)],
            cond: kappa(readTriangle(a, o)),
          });
        }
  const spd = withEigenvalues(20, [], [0.5, 1, 2, 3]);
  const spdB = withEigenvalues(21, [2], [0.5, 1, 2, 3]);
  const cholCases = [false, true].flatMap((upper): Case[] =>
    [spd, spdB].flatMap((a, i): Case[] => {
      const name = `${upper ? 'upper' : 'lower'}${i ? ', batched' : ''}`;
      const [f] = applyOp(choleskyOp, [a], { upper });
      const triangle = (t: Tensor) => (upper ? t.triu() : t.tril());
      return [
        {
          name: `cholesky, ${name}`,
          op: op(choleskyOp),
          attrs: { upper },
          inputs: [a],
          // The op reads one triangle of a symmetric A: a symmetric direction for the difference,
          // any direction for the VJP (the rule sees its Hermitian part, as the backward).
          tangents: [symmetricTangent(22 + i, a.shape)],
          vjpTangents: [tangent(24 + i, a.shape)],
          cond: kappa(a),
        },
        {
          name: `choleskyInverse, ${name}`,
          op: op(choleskyInverseOp),
          attrs: { upper },
          inputs: [f!],
          tangents: [triangle(tangent(26 + i, a.shape))],
          vjpTangents: [tangent(28 + i, a.shape)],
          cond: kappa(a),
        },
      ];
    }),
  );
  runCases([...triCases, ...cholCases]);
});

// ---- cofactor and amax --------------------------------------------------------------------------

describe('cofactor, amax', () => {
  const a = withSingularValues(40, [], 3, 3, [1.5, 1, 0.6]);
  const ab = withSingularValues(41, [2], 4, 4, [1.5, 1.2, 1, 0.6]);
  const singular = withSingularValues(42, [], 3, 3, [1.5, 1, 0]);
  const x = tangent(43, [3, 5]).mul(5);
  runCases([
    {
      name: 'cofactor',
      op: op(cofactorOp),
      attrs: undefined,
      inputs: [a],
      tangents: [tangent(44, a.shape)],
      cond: kappa(a),
    },
    {
      name: 'cofactor, batched',
      op: op(cofactorOp),
      attrs: undefined,
      inputs: [ab],
      tangents: [tangent(45, ab.shape)],
      cond: kappa(ab),
    },
    {
      // cof of a 3×3 matrix is a quadratic polynomial of its entries (no truncation error), whose
      // first derivative is ≤ ‖A‖₂ times its scale: κ = ‖A‖₂ = 1.5 also at singular A (the SVD route).
      name: 'cofactor, singular A',
      op: op(cofactorOp),
      attrs: undefined,
      inputs: [singular],
      tangents: [tangent(46, singular.shape)],
      cond: 1.5,
    },
    ...[false, true].map(
      (min): Case => ({
        name: `amax, min ${min}`,
        op: op(extremumOp),
        attrs: { min },
        inputs: [x],
        tangents: [tangent(47, x.shape)],
        cond: 1,
      }),
    ),
  ]);
});

// ---- the spectral family ------------------------------------------------------------------------

describe('eigh', () => {
  const lambda = [-2, -0.5, 1, 3];
  const cases: Case[] = [];
  for (const batch of [[], [2]])
    for (const upper of [false, true])
      for (const vectors of [true, false]) {
        const a = withEigenvalues(50 + batch.length, batch, lambda);
        const attrs = { upper, vectors, op: 'linalg.eigh' };
        cases.push({
          name: `eigh ${JSON.stringify({ upper, vectors })}${batch.length ? ', batched' : ''}`,
          op: op(eighOp),
          attrs,
          inputs: [a],
          // One triangle of a symmetric A is read: a symmetric direction for the difference, any
          // for the VJP (the rule, like the backward, sees the Hermitian part).
          tangents: [symmetricTangent(52 + batch.length, a.shape)],
          vjpTangents: [tangent(54 + batch.length, a.shape)],
          vjpAttrs: vectors ? undefined : { ...attrs, vectors: true },
          cond: gapCondition(tensorOf(lambda), 3),
        });
      }
  runCases(cases);

  it('at a repeated eigenvalue: finite tangents, and the right ones for the eigenspace', () => {
    // λ = 1 twice: the eigenvectors of the pair are not determined, but their projector Π = V₀V₀ᵀ
    // and the pair's sum of eigenvalues are smooth; the guarded rule gets both right (F = 0
    // inside the pair), with the sensitivity ‖A‖/(gap to the rest) = 3.5/1.
    const a = withEigenvalues(56, [], [1, 1, 2, 3.5]);
    const u = symmetricTangent(57, a.shape);
    const attrs = { upper: false, vectors: true, op: 'linalg.eigh' };
    // No diagnostic in forward mode (the use of V is not known yet), so strict mode does not raise.
    setSpectralGradMode('strict');
    let tangents: (Tensor | null)[];
    try {
      tangents = jvpOp(eighOp, [a], [u], attrs).tangents;
    } finally {
      setSpectralGradMode('warn');
    }
    const [dw, dV] = [tangents[0]!, tangents[1]!];
    expect(Number.isFinite(maxAbs(dV))).toBe(true);
    const parts = (x: Tensor) => {
      const [w, V] = applyOp(eighOp, [x], attrs);
      const V0 = V!.narrow(-1, 0, 2);
      return { sum: w!.narrow(-1, 0, 2).sum(-1), proj: V0.matmul(V0.mT), V0 };
    };
    const { V0 } = parts(a);
    const dV0 = dV.narrow(-1, 0, 2);
    const dProj = dV0.matmul(V0.mT).add(V0.matmul(dV0.mT));
    const c: Case = { name: 'eigh, pair', op: op(eighOp), attrs, inputs: [a], tangents: [u], cond: 3.5 };
    const r = forwardRtol(c);
    const h = Math.cbrt(r / (2 * c.cond ** 3));
    const [p, m] = [parts(a.add(u.mul(h))), parts(a.sub(u.mul(h)))];
    const bound = (scale: number) => scale * (r / h + h * h * c.cond ** 3);
    expect(maxAbs(dProj.sub(p.proj.sub(m.proj).div(2 * h)))).toBeLessThanOrEqual(bound(1));
    const dSum = dw.narrow(-1, 0, 2).sum(-1);
    expect(maxAbs(dSum.sub(p.sum.sub(m.sum).div(2 * h)))).toBeLessThanOrEqual(bound(3.5));
  });
});

describe('svd', () => {
  const cases: Case[] = [];
  const shapes: [number[], number, number, number[]][] = [
    [[], 4, 4, [3, 2, 1, 0.5]],
    [[], 5, 3, [2, 1.2, 0.7]],
    [[2], 3, 5, [2, 1.2, 0.7]],
    [[2], 4, 4, [3, 2, 1, 0.5]],
  ];
  let seed = 60;
  for (const [batch, m, n, sv] of shapes)
    for (const [fullMatrices, computeUV] of [
      [false, true],
      [true, true],
      [false, false],
    ]) {
      const a = withSingularValues(seed++, batch, m, n, sv);
      const k = Math.min(m, n);
      const attrs = { fullMatrices, computeUV, op: 'linalg.svd' };
      cases.push({
        name: `svd ${m}×${n} ${JSON.stringify({ fullMatrices, computeUV })}${batch.length ? ', batched' : ''}`,
        op: op(svdOp),
        attrs,
        inputs: [a],
        tangents: [tangent(seed++, a.shape)],
        vjpAttrs: computeUV ? undefined : { ...attrs, computeUV: true },
        // The first k columns of U (rows of Vh) are determined by A; a full basis's rest is not.
        view: (j, t) => (j === 0 ? t.narrow(-1, 0, k) : j === 2 ? t.narrow(-2, 0, k) : t),
        cond: gapCondition(tensorOf(sv), sv[0]!, m === n ? [] : [sv[sv.length - 1]!]),
      });
    }
  runCases(cases);

  it('fullMatrices: the completion of U and Vh gets a zero tangent (the backward ignores it too)', () => {
    const a = withSingularValues(70, [], 5, 3, [2, 1.2, 0.7]);
    const attrs = { fullMatrices: true, computeUV: true, op: 'linalg.svd' };
    const { tangents } = jvpOp(svdOp, [a], [tangent(71, a.shape)], attrs);
    expect(tangents[0]!.shape).toEqual([5, 5]);
    expect(maxAbs(tangents[0]!.narrow(-1, 3, 2))).toBe(0);
    const w = withSingularValues(72, [], 3, 5, [2, 1.2, 0.7]);
    const t2 = jvpOp(svdOp, [w], [tangent(73, w.shape)], attrs).tangents;
    expect(t2[2]!.shape).toEqual([5, 5]);
    expect(maxAbs(t2[2]!.narrow(-2, 3, 2))).toBe(0);
  });

  it('at a repeated singular value: finite tangents, and the right one for the singular subspace', () => {
    const a = withSingularValues(74, [], 4, 3, [2, 1, 1]);
    const u = tangent(75, a.shape);
    const attrs = { fullMatrices: false, computeUV: true, op: 'linalg.svd' };
    const { tangents } = jvpOp(svdOp, [a], [u], attrs);
    expect(tangents.slice(0, 3).every((t) => Number.isFinite(maxAbs(t!)))).toBe(true);
    // Π = U₁U₁ᵀ over the pair s = 1 (columns 1, 2) is smooth: sensitivity ‖A‖/min(gap, s_min) = 2.
    const proj = (x: Tensor) => {
      const U1 = applyOp(svdOp, [x], attrs)[0]!.narrow(-1, 1, 2);
      return U1.matmul(U1.mT);
    };
    const U1 = applyOp(svdOp, [a], attrs)[0]!.narrow(-1, 1, 2);
    const dU1 = tangents[0]!.narrow(-1, 1, 2);
    const dProj = dU1.matmul(U1.mT).add(U1.matmul(dU1.mT));
    const c: Case = { name: 'svd, pair', op: op(svdOp), attrs, inputs: [a], tangents: [u], cond: 2 };
    const r = forwardRtol(c);
    const h = Math.cbrt(r / (2 * c.cond ** 3));
    const fd = proj(a.add(u.mul(h)))
      .sub(proj(a.sub(u.mul(h))))
      .div(2 * h);
    expect(maxAbs(dProj.sub(fd))).toBeLessThanOrEqual(r / h + h * h * c.cond ** 3);
  });
});

describe('qr', () => {
  const cases: Case[] = [];
  let seed = 80;
  for (const [batch, m, n, mode] of [
    [[], 5, 3, 'reduced'],
    [[2], 5, 3, 'reduced'],
    [[], 4, 4, 'reduced'],
    [[2], 4, 4, 'complete'],
    [[], 3, 5, 'reduced'],
    [[2], 3, 5, 'complete'],
  ] as [number[], number, number, 'reduced' | 'complete'][]) {
    const k = Math.min(m, n);
    const a = withSingularValues(seed++, batch, m, n, [2, 1.5, 1, 0.6].slice(0, k));
    cases.push({
      name: `qr ${m}×${n} ${mode}${batch.length ? ', batched' : ''}`,
      op: op(qrOp),
      attrs: { mode },
      inputs: [a],
      tangents: [tangent(seed++, a.shape)],
      // κ(R) = κ(A) for m ≥ n; for m < n the square block X = Q U carries it: κ(X) for the solves.
      cond: m >= n ? kappa(a) : kappa(a.narrow(-1, 0, m)),
    });
  }
  runCases(cases);

  it("mode 'r' and 'complete' with m > n have no derivative: the backward's errors", () => {
    const a = withSingularValues(90, [], 5, 3, [2, 1, 0.5]);
    const u = tangent(91, a.shape);
    expect(() => jvpOp(qrOp, [a], [u], { mode: 'r' })).toThrow(AutogradError);
    expect(() => jvpOp(qrOp, [a], [u], { mode: 'r' })).toThrow(
      "linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when mode='r'.",
    );
    expect(() => jvpOp(qrOp, [a], [u], { mode: 'complete' })).toThrow(
      "linalg.qr: The QR decomposition is not differentiable when mode='complete' and nrows > ncols (here 5 > 3)",
    );
  });
});

describe('pinv', () => {
  const rtol = (m: number, n: number) => 2 ** -52 * Math.max(m, n);
  const full = (seed: number, batch: number[], m: number, n: number): Case => {
    const sv = [2, 1.2, 0.7, 0.5].slice(0, Math.min(m, n));
    const a = withSingularValues(seed, batch, m, n, sv);
    return {
      name: `pinv ${m}×${n}${batch.length ? ', batched' : ''}`,
      op: op(pinvOp),
      attrs: { atol: 0, rtol: rtol(m, n), hermitian: false },
      inputs: [a],
      tangents: [tangent(seed + 1, a.shape)],
      cond: sv[0]! / sv[sv.length - 1]!,
    };
  };
  const herm = withEigenvalues(100, [2], [-2, -0.5, 1, 3]);
  // Rank 2 with atol 1e-3: the perturbed third singular value (≲ h) stays below the cutoff, so
  // the rank is locally constant and P is the truncated pseudoinverse, smooth there.
  const low = withSingularValues(101, [], 4, 3, [2, 0.8, 0]);
  runCases([
    full(102, [], 5, 3),
    full(104, [2], 3, 5),
    full(106, [], 4, 4),
    {
      name: 'pinv, hermitian, batched',
      op: op(pinvOp),
      attrs: { atol: 0, rtol: rtol(4, 4), hermitian: true },
      inputs: [herm],
      tangents: [symmetricTangent(108, herm.shape)],
      vjpTangents: [tangent(109, herm.shape)],
      cond: 3 / 0.5,
    },
    {
      name: 'pinv, rank 2 of 4×3 (atol)',
      op: op(pinvOp),
      attrs: { atol: 1e-3, rtol: 0, hermitian: false },
      inputs: [low],
      tangents: [tangent(110, low.shape)],
      cond: 2 / 0.8,
    },
  ]);
});

describe('empty matrices and batches', () => {
  const z = (shape: number[]) => zeros(shape, { dtype: 'float64' });
  const cases: [string, OpDef<never>, Tensor[], unknown][] = [];
  for (const sq of [
    [0, 0],
    [2, 0, 0],
    [0, 3, 3],
  ]) {
    const rhs = z([...sq.slice(0, -1), 2]);
    cases.push(
      [`inv ${sq}`, op(invOp), [z(sq)], undefined],
      [`det ${sq}`, op(detOp), [z(sq)], undefined],
      [`slogdet ${sq}`, op(slogdetOp), [z(sq)], undefined],
      [`cholesky ${sq}`, op(choleskyOp), [z(sq)], { upper: false }],
      [`choleskyInverse ${sq}`, op(choleskyInverseOp), [z(sq)], { upper: true }],
      [`cofactor ${sq}`, op(cofactorOp), [z(sq)], undefined],
      [`eigh ${sq}`, op(eighOp), [z(sq)], { upper: false, vectors: true, op: 'linalg.eigh' }],
      [`eigvalsh ${sq}`, op(eighOp), [z(sq)], { upper: false, vectors: false, op: 'linalg.eigvalsh' }],
      [`solve ${sq}`, op(solveOp), [z(sq), rhs], undefined],
      [
        `solveTriangular ${sq}`,
        op(solveTriangularOp),
        [z(sq), rhs],
        { upper: false, left: true, unitriangular: false },
      ],
    );
  }
  for (const r of [
    [0, 3],
    [3, 0],
    [2, 0, 3],
    [0, 4, 3],
  ]) {
    for (const [fullMatrices, computeUV] of [
      [false, true],
      [true, true],
      [false, false],
    ])
      cases.push([
        `svd ${r} ${fullMatrices} ${computeUV}`,
        op(svdOp),
        [z(r)],
        { fullMatrices, computeUV, op: 'linalg.svd' },
      ]);
    cases.push(
      [`qr ${r}`, op(qrOp), [z(r)], { mode: 'reduced' }],
      [`pinv ${r}`, op(pinvOp), [z(r)], { atol: 0, rtol: 1e-15, hermitian: false }],
      [`luFactor ${r}`, op(luFactorOp), [z(r)], undefined],
    );
  }
  it.each(cases)("%s: tangents with the outputs' shapes", (_n, o, xs, attrs) => {
    const { outputs, tangents } = jvpOp(
      o,
      xs,
      xs.map((x) => x.clone()),
      attrs as never,
    );
    tangents.forEach((t, j) => {
      if (t) expect(t.shape).toEqual(outputs[j]!.shape);
    });
  });
});

describe('coverage', () => {
  it('every built-in op has a jvp rule or shortcut (none is left not-implemented)', () => {
    // gradcheck's own test op (defineOp, not built in) is left out, as in the op-table coverage.
    const missing = registeredOps()
      .filter((o) => o !== (undefinedGradOp as OpDef<never>))
      .filter((o) => o.jvp === undefined || o.jvp === 'not-implemented')
      .map((o) => o.name);
    expect(missing).toEqual([]);
  });
});

describeWebGPU('the linalg jvp rules on WebGPU (float32) agree with the CPU (float64)', () => {
  // The same rules run on the device's kernels; the tolerance is agreementTolerance's model
  // (float32 inputs and backward errors against a float64 reference) with factor 2 (the op and
  // its rule), at the case's sensitivity.
  // `trans` is internal: solveTriangularCore transposes before a WebGPU solve (its kernel reads A
  // as stored), so the op never runs on the device with it.
  const onDevice = allCases.filter((c) => !(c.attrs as { trans?: boolean } | undefined)?.trans);
  it.each(onDevice.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const dev = (x: Tensor | null) => (x ? x.to('float32').to('webgpu') : null);
    const { outputs: primal, tangents: cpu } = jvpOp(c.op, c.inputs, c.tangents, c.attrs as never);
    const run = jvpOp(
      c.op,
      c.inputs.map((x) => dev(x)!),
      c.tangents.map(dev),
      c.attrs as never,
    );
    const gpu: (Tensor | null)[] = [...run.tangents];
    if (c.op === op(svdOp) && gpu[0]) {
      // Singular vectors are unique up to a sign per pair (u_k, v_k), and the kernels may choose
      // differently; dU, dVh flip with them: compare in the CPU's gauge.
      const [U, Vh] = [await toCpu(run.outputs[0]!), await toCpu(run.outputs[2]!)];
      const du = U.to('float64').mul(primal[0]!).sum(-2).sign();
      const dv = Vh.to('float64').mul(primal[2]!).sum(-1).sign();
      gpu[0] = (await toCpu(gpu[0]!)).to('float64').mul(du.unsqueeze(-2));
      gpu[2] = (await toCpu(gpu[2]!)).to('float64').mul(dv.unsqueeze(-1));
    }
    const n = Math.max(...c.inputs.flatMap((x) => x.shape.slice(-2)));
    for (let j = 0; j < cpu.length; j++) {
      const want = cpu[j];
      if (!want) {
        expect(gpu[j], `${c.name}: output ${j}`).toBeNull();
        continue;
      }
      const view = c.view ?? ((_j: number, t: Tensor) => t);
      const got = view(j, gpu[j]!.device === 'cpu' ? gpu[j]! : await toCpu(gpu[j]!));
      const ref = view(j, want);
      const tol = agreementTolerance({ cond: c.cond, n, factor: 2, scale: maxAbs(ref) });
      const diff = maxAbs(got.to('float64').sub(ref));
      expect(diff, `${c.name}: output ${j} (tol ${tol.atol.toExponential(2)})`).toBeLessThanOrEqual(tol.atol);
    }
  });
});
