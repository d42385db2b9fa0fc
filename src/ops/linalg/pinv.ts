import { noGrad } from '../../autograd/grad-mode.js';
import { pinvDims as dims, type PinvAttrs, pinvCpu } from '../../backends/cpu/linalg/pinv.js';
import { pinvGpu } from '../../backends/webgpu/kernels/pinv.js';
import { eps, type FloatDType } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';
import { zerosLike } from '../creation.js';
import { applyOp, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
import { boolOption, checkFloat, checkMatrix, checkSquare } from './common.js';
import { checkConvergence, diagnosticActive, reportIllDefined } from './guards.js';
import { type ToleranceArg, withTolerances } from './tolerance-args.js';

export type { PinvAttrs };

/**
 * The pseudoinverse P = A⁺ as one op: forward by the SVD A = U S Vh (or, with `hermitian`, by
 * eigh of the lower triangle), P = V diag(1/s for s > cutoff, else 0) Uᴴ with
 * cutoff = max(atol, rtol·σ_max); backward by Golub–Pereyra. Outputs: P (n×m), the singular values
 * S (k; |eigenvalues| in eigenvalue order when hermitian), cutoff and rank per matrix, and info.
 * Only P is differentiable; the others serve lstsq and the rank-change diagnostic.
 */
export const pinvOp: OpDef<PinvAttrs> = defineBuiltinOp<PinvAttrs>({
  name: 'pinv',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a], { hermitian }) => {
    if (hermitian) checkSquare('linalg.pinv', a);
    else checkMatrix('linalg.pinv', a);
  },
  // P, S, cutoff, rank, info.
  shape: ([[m, n]], { hermitian }) => [[n, m], [hermitian ? n : Math.min(m, n)], [], [], []],
  outDtypes: ([dt]) => [dt, dt, dt, 'int32', 'int32'],
  differentiable: [true, false, false, false, false],
  cpu: ([a], outs, attrs) => pinvCpu(a, outs, attrs),
  webgpu: (gpu, [a], outs, attrs) => pinvGpu(gpu, a, outs, attrs),
  // Golub & Pereyra (1973), valid where the rank is locally constant:
  // gA = −Pᴴ G Pᴴ + (I − A P) Gᴴ P Pᴴ + Pᴴ P Gᴴ (I − P A), multiplied in the order with the smaller intermediates.
  backward: (c, [g]) => {
    if (!g) return [null];
    const a = c.inputs[0];
    if (a.numel === 0) return [zerosLike(a)];
    const { hermitian } = c.attrs;
    const A = hermitian ? a.tril().add(a.tril(-1).mH) : a;
    const [P, S, cutoff] = c.outputs;
    const { m, n } = dims(a.shape);
    const Ph = P.mH;
    const Gh = g.mH;
    const tall = m >= n;
    const X = tall ? Gh.matmul(P.matmul(Ph)) : Gh.matmul(P).matmul(Ph);
    const t2 = tall ? X.sub(A.matmul(P.matmul(X))) : X.sub(A.matmul(P).matmul(X));
    const Y = tall ? Ph.matmul(P.matmul(Gh)) : Ph.matmul(P).matmul(Gh);
    const t3 = tall ? Y.sub(Y.matmul(P.matmul(A))) : Y.sub(Y.matmul(P).matmul(A));
    let gA = Ph.matmul(g).matmul(Ph).neg().add(t2).add(t3);
    // hermitian: A is Hermitian by assumption, so only the Hermitian part of gA is meaningful (as eigh's).
    if (hermitian) gA = gA.add(gA.mH).mul(0.5);
    if (diagnosticActive('linalg.pinv')) {
      const count = noGrad(() => {
        const cut = cutoff.unsqueeze(-1);
        return S.ge(cut.mul(0.5))
          .mul(S.le(cut.mul(2)))
          .sum();
      });
      reportIllDefined(
        'linalg.pinv',
        count,
        'a singular value of A lies within a factor 2 of the cutoff max(atol, rtol·σ_max), where a small ' +
          'change of A changes its numerical rank and pinv jumps, so pinv has no derivative there',
        [gA],
      );
    }
    return [gA];
  },
  jvp: (c, [dA]) => {
    const outs: (Tensor | null)[] = [null, null, null, null, null];
    if (!dA) return outs;
    const a = c.inputs[0];
    if (a.numel === 0) return [zerosLike(c.outputs[0]), null, null, null, null];
    const hermitian = c.attrs.hermitian;
    // hermitian: A is read from its lower triangle and the backward's gA is Hermitian, so the
    // rule sees the Hermitian part of dA.
    const A = hermitian ? a.tril().add(a.tril(-1).mH) : a;
    outs[0] = pinvJvp(A, c.outputs[0], hermitian ? dA.add(dA.mH).mul(0.5) : dA);
    return outs;
  },
});

/**
 * dP = −P dA P + (I − P A) dAᴴ Pᴴ P + P Pᴴ dAᴴ (I − A P) (Golub–Pereyra forward, at a locally
 * constant rank; the truncated P as is), multiplied so the intermediates are min(m, n) square.
 */
function pinvJvp(A: Tensor, P: Tensor, dA: Tensor): Tensor {
  const [m, n] = A.shape.slice(-2);
  const wide = m <= n; // then m×m products are the small ones
  const Ph = P.mH;
  const dAh = dA.mH;
  const t1 = wide ? P.matmul(dA.matmul(P)) : P.matmul(dA).matmul(P);
  const W = wide ? dAh.matmul(Ph.matmul(P)) : dAh.matmul(Ph).matmul(P);
  const t2 = W.sub(wide ? P.matmul(A.matmul(W)) : P.matmul(A).matmul(W));
  const Y = wide ? P.matmul(Ph.matmul(dAh)) : P.matmul(Ph).matmul(dAh);
  const t3 = Y.sub(wide ? Y.matmul(A.matmul(P)) : Y.matmul(A).matmul(P));
  return t2.add(t3).sub(t1);
}

export interface PinvOptions {
  /** Absolute cutoff for singular values (default 0); a tensor gives one per matrix of the batch. */
  atol?: ToleranceArg;
  /**
   * Relative cutoff (times σ_max); default eps(dtype)·max(m, n), or 0 when atol > 0 is given. A
   * tensor gives one per matrix of the batch.
   */
  rtol?: ToleranceArg;
  /** A is symmetric: use eigh of its lower triangle (default false). */
  hermitian?: boolean;
}

/** Resolves PyTorch's tolerance defaults and validates them. */
export function resolveTolerances(
  op: string,
  A: Tensor,
  atol?: number,
  rtol?: number,
): { atol: number; rtol: number } {
  checkMatrix(op, A);
  const a = atol ?? 0;
  const [m, n] = A.shape.slice(-2);
  const r = rtol ?? (a > 0 ? 0 : eps(A.dtype as FloatDType) * Math.max(m, n));
  for (const [name, v] of [
    ['atol', a],
    ['rtol', r],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(`${op}: ${name} must be a finite number >= 0, got ${String(v)}`);
    }
  }
  return { atol: a, rtol: r };
}

/** The pinv op's outputs: P (differentiable), singular values, rank (both detached from the graph's use). */
export function pinvParts(A: Tensor, op: string, attrs: PinvAttrs): { P: Tensor; S: Tensor; rank: Tensor } {
  checkFloat(op, A.dtype);
  const [P, S, cutoff, rank, info] = applyOp(pinvOp, [A], attrs);
  checkConvergence(op, info, A.ndim > 2, attrs.hermitian ? 'eigenvalues' : 'singular values', [P]);
  if (!P.requiresGrad) cutoff.dispose();
  return { P, S, rank };
}

/**
 * Moore–Penrose pseudoinverse, as torch.linalg.pinv: singular values (|eigenvalues| when
 * `hermitian`) at or below max(atol, rtol·σ_max) are treated as zero. Differentiable by the
 * Golub–Pereyra formula where the numerical rank is locally constant.
 * @example
 * linalg.pinv(tensor([[1, 2], [2, 4], [3, 6]])); // rank 1: tensor([[0.0143, 0.0286, 0.0429], …])
 * linalg.pinv(A, { atol: 1e-8, hermitian: true });
 */
export function pinv(A: Tensor, opts: PinvOptions = {}): Tensor {
  const op = 'linalg.pinv';
  const hermitian = boolOption(op, 'hermitian', opts.hermitian, false);
  if (hermitian) checkSquare(op, A);
  return withTolerances(op, A, opts.atol, opts.rtol, (a, atol, rtol) => {
    const tol = resolveTolerances(op, a, atol, rtol);
    const { P, S, rank } = pinvParts(a, op, { ...tol, hermitian });
    if (!P.requiresGrad) S.dispose();
    rank.dispose();
    return P;
  });
}
