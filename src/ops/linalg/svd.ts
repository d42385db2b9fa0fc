import { isGradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { svdScaledCpu } from '../../backends/cpu/linalg/scaling.js';
import { svdGpu } from '../../backends/webgpu/linalg/spectral.js';
import type { FloatDType } from '../../dtype.js';
import { numelOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { eye, zerosLike } from '../creation.js';
import { applyOp, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
import { cat, diagEmbed, expand } from '../shape.js';
import { boolOption, checkMatrix } from './common.js';
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
 * Singular value decomposition A = U diag(S) Vh, as torch.linalg.svd: S descending, U m×m and
 * Vh n×n with `fullMatrices`, else m×k and k×n (k = min(m, n)). Outputs U, S, Vh (U and Vh have
 * shape […, 0] without `computeUV`, for svdvals without gradient) and info (0; k' > 0 no
 * convergence; −1 NaN/Inf input, whose outputs are NaN).
 */
export interface SvdAttrs {
  readonly fullMatrices: boolean;
  readonly computeUV: boolean;
  /** The public name, for error messages. */
  readonly op: string;
}

function dims(shape: readonly number[]) {
  const [m, n] = shape.slice(-2);
  return { batch: numelOf(shape.slice(0, -2)), m, n, k: Math.min(m, n) };
}

export const svdOp: OpDef<SvdAttrs> = defineBuiltinOp<SvdAttrs>({
  name: 'svd',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a], { op }) => checkMatrix(op, a),
  shape: ([[m, n]], { fullMatrices, computeUV }) => {
    const k = Math.min(m, n);
    return [
      computeUV ? [m, fullMatrices ? m : k] : [0],
      [k],
      computeUV ? [fullMatrices ? n : k, n] : [0],
      [],
    ];
  },
  outDtypes: ([dt]) => [dt, dt, dt, 'int32'],
  differentiable: [true, true, true, false],
  cpu: ([a], outs, attrs) => svdScaledCpu(a, outs, attrs),
  webgpu: (gpu, [a], [u, s, vh, info], { fullMatrices, computeUV }) => {
    const { batch, m, n } = dims(a.shape);
    const U = computeUV ? u.storage : null;
    const V = computeUV ? vh.storage : null;
    svdGpu(gpu, a.storage, batch, m, n, U, s.storage, V, { fullMatrices, computeUV }, info.storage);
  },
  backward: svdBackward,
  jvp: (c, [dA]) => (dA ? svdJvp(c.inputs[0], c.outputs, c.attrs, dA) : [null, null, null, null]),
});

// With J = UᴴgU − (UᴴgU)ᴴ, K = Vh gVhᴴ − (Vh gVhᴴ)ᴴ: inner = ½[(J+K) ⊘ (s_j − s_i) + (J−K) ⊘ (s_j + s_i)]
// + diag(gS), which is (JS + SK) ⊘ E of docs/design.md, derivative formulas split so each factor can be guarded alone;
// gA = U inner Vh + (I − UUᴴ) gU S⁻¹ Vh (m > n) + U S⁻¹ gVh (I − VVᴴ) (m < n) (Townsend 2016).
function svdBackward(
  c: { inputs: readonly Tensor[]; outputs: readonly Tensor[]; attrs: SvdAttrs },
  [gU, gS, gVh]: readonly (Tensor | null)[],
): (Tensor | null)[] {
  const a = c.inputs[0];
  const [U, S, Vh] = c.outputs;
  const { m, n, k } = dims(a.shape);
  if (k === 0 || a.numel === 0) return [zerosLike(a)];
  if (!c.attrs.computeUV) throw new Error('internal: svd backward needs U and Vh');
  // Only the first k columns of U and rows of Vh are determined by A; the rest is ignored, as in PyTorch.
  const Uk = U.shape[U.ndim - 1] > k ? U.narrow(-1, 0, k) : U;
  const Vk = Vh.shape[Vh.ndim - 2] > k ? Vh.narrow(-2, 0, k) : Vh;
  const gUk = gU && gU.shape[gU.ndim - 1] > k ? gU.narrow(-1, 0, k) : gU;
  const gVk = gVh && gVh.shape[gVh.ndim - 2] > k ? gVh.narrow(-2, 0, k) : gVh;
  if (!gUk && !gVk) return [Uk.mul(gS!.unsqueeze(-2)).matmul(Vk)];

  const dtype = a.dtype as FloatDType;
  const tol = noGrad(() =>
    S.narrow(-1, 0, 1)
      .unsqueeze(-1)
      .mul(gapTolerance(dtype, Math.max(m, n))),
  );
  const uGu = gUk ? Uk.mH.matmul(gUk) : null;
  const vGv = gVk ? Vk.matmul(gVk.mH) : null;
  const J = uGu ? uGu.sub(uGu.mH) : null;
  const K = vGv ? vGv.sub(vGv.mH) : null;
  const P = J && K ? J.add(K) : (J ?? K)!;
  const Q = J && K ? J.sub(K) : (J ?? K!.neg());
  const si = S.unsqueeze(-1);
  const sj = S.unsqueeze(-2);
  const minus = guardedReciprocal(sj.sub(si), tol);
  const plus = guardedReciprocal(sj.add(si), tol);
  let inner = P.mul(minus.inv).add(Q.mul(plus.inv)).mul(0.5);
  if (gS) inner = inner.add(diagEmbed(gS));
  let gA = Uk.matmul(inner).matmul(Vk);

  const check = diagnosticActive('linalg.svd');
  const counts: Tensor[] = [];
  if (check) {
    // The scale of the terms P and Q are differences of (a gauge-invariant loss cancels them to rounding).
    const scale = noGrad(() => (uGu && vGv ? frobScale(uGu).add(frobScale(vGv)) : frobScale((uGu ?? vGv)!)));
    counts.push(gaugeViolations(minus.degenerate, P, scale), gaugeViolations(plus.degenerate, Q, scale));
  }
  const tall = m > k && uGu !== null;
  const wide = n > k && vGv !== null;
  if (tall || wide) {
    const sInv = guardedReciprocal(S, tol.squeeze(-1));
    const scaleCols = sInv.inv.unsqueeze(-2);
    if (tall) {
      const proj = gUk!.sub(Uk.matmul(uGu!)); // (I − UUᴴ) gU
      gA = gA.add(proj.mul(scaleCols).matmul(Vk));
      if (check) counts.push(columnViolations(sInv.degenerate, proj, gUk!));
    }
    if (wide) {
      const proj = gVk!.sub(vGv!.mH.matmul(Vk)); // gVh (I − VVᴴ)
      gA = gA.add(Uk.mul(scaleCols).matmul(proj));
      if (check) counts.push(columnViolations(sInv.degenerate, proj.mT, gVk!.mT));
    }
  }
  if (check) {
    const total = noGrad(() => counts.reduce((x, y) => x.add(y)));
    reportIllDefined(
      'linalg.svd',
      total,
      'the singular values are (numerically) repeated or zero, so the singular vectors are not unique, ' +
        'and the loss depends on which singular vectors are chosen (functions of S, of U·Vh for nonzero ' +
        'S, or of projectors onto whole singular subspaces have a gradient there)',
      [gA],
    );
  }
  return [gA];
}

/**
 * Forward mode of A = U S Vh (k = min(m, n), V = Vhᴴ, only the first k columns of U and rows of
 * Vh): P = Uᴴ dA V, dS = Re diag(P); with Ps = P + Pᴴ and Pa = P − Pᴴ,
 *   dU = U C_U + (I − UUᴴ) dA V S⁻¹,   C_U = ½[Ps ⊘ (s_j − s_i) + Pa ⊘ (s_j + s_i)],
 *   dV = V C_V + (I − VVᴴ) dAᴴ U S⁻¹,  C_V = ½[Ps ⊘ (s_j − s_i) − Pa ⊘ (s_j + s_i)],
 * which is F ∘ (P S + S Pᴴ) and F ∘ (S P + Pᴴ S) with F = 1/(s_j² − s_i²), split into the two
 * factors the backward guards one by one (same tolerance, and S⁻¹ guarded as there). The extra
 * columns of a full U (rows of Vh) get a zero tangent, as the backward ignores them (PyTorch
 * pads with zeros too). Without computeUV (svdvals) the vectors are computed here. No diagnostic,
 * as in eigh's rule: forward mode does not know whether the use of U, Vh is gauge-invariant.
 */
function svdJvp(a: Tensor, outputs: readonly Tensor[], attrs: SvdAttrs, dA: Tensor): (Tensor | null)[] {
  const { m, n, k } = dims(a.shape);
  let [U, S, Vh] = outputs;
  const uv = attrs.computeUV;
  if (k === 0 || a.numel === 0)
    return [uv ? zerosLike(U) : null, zerosLike(S), uv ? zerosLike(Vh) : null, null];
  if (!uv) {
    const [u2, , vh2, info] = applyOp(svdOp, [a], { ...attrs, fullMatrices: false, computeUV: true });
    info.dispose();
    [U, Vh] = [u2, vh2];
  }
  const Uk = U.shape[U.ndim - 1] > k ? U.narrow(-1, 0, k) : U;
  const Vk = (Vh.shape[Vh.ndim - 2] > k ? Vh.narrow(-2, 0, k) : Vh).mH;
  const dAV = dA.matmul(Vk);
  const P = Uk.mH.matmul(dAV);
  const dS = P.diagonal(0, -2, -1).real();
  if (!uv) return [null, dS, null, null];

  const tol = noGrad(() =>
    S.narrow(-1, 0, 1)
      .unsqueeze(-1)
      .mul(gapTolerance(a.dtype as FloatDType, Math.max(m, n))),
  );
  const si = S.unsqueeze(-1);
  const sj = S.unsqueeze(-2);
  const minus = P.add(P.mH).mul(guardedReciprocal(sj.sub(si), tol).inv);
  const plus = P.sub(P.mH).mul(guardedReciprocal(sj.add(si), tol).inv);
  let dU = Uk.matmul(minus.add(plus).mul(0.5));
  let dV = Vk.matmul(minus.sub(plus).mul(0.5));
  if (m > k || n > k) {
    const sInv = guardedReciprocal(S, tol.squeeze(-1)).inv.unsqueeze(-2);
    if (m > k) dU = dU.add(dAV.sub(Uk.matmul(P)).mul(sInv));
    if (n > k) dV = dV.add(dA.mH.matmul(Uk).sub(Vk.matmul(P.mH)).mul(sInv));
  }
  const fullU = U.shape[U.ndim - 1];
  const fullV = Vh.shape[Vh.ndim - 2];
  if (fullU > k) dU = cat([dU, zerosLike(U.narrow(-1, k, fullU - k))], -1);
  let dVh = dV.mH;
  if (fullV > k) dVh = cat([dVh, zerosLike(Vh.narrow(-2, k, fullV - k))], -2);
  return [dU, dS, dVh, null];
}

/** Columns of the projection `x` (…, r, k) of `g` with a non-negligible norm where `degenerate` (…, k) is 1. */
function columnViolations(degenerate: Tensor, x: Tensor, g: Tensor): Tensor {
  return noGrad(() => gaugeViolations(degenerate, x.square().sum(-2).sqrt(), frobScale(g).squeeze(-1)));
}

function run(A: Tensor, op: string, fullMatrices: boolean, computeUV: boolean): [Tensor, Tensor, Tensor] {
  const [u, s, vh, info] = applyOp(svdOp, [A], { fullMatrices, computeUV, op });
  checkConvergence(op, info, A.ndim > 2, 'singular values', computeUV ? [u, s, vh] : [s]);
  return [u, s, vh];
}

/** An identity of n×n for every batch element of A (the singular vectors of an empty matrix). */
function batchedEye(A: Tensor, n: number): Tensor {
  const I = eye(n, { dtype: A.dtype, device: A.device });
  return expand(I, [...A.shape.slice(0, -2), n, n]).clone();
}

/**
 * Singular value decomposition, as torch.linalg.svd: { U, S, Vh } with S descending. With
 * `fullMatrices` (default true) U is m×m and Vh n×n; otherwise m×k and k×n, k = min(m, n).
 * The gradient ignores the last m − k columns of U and n − k rows of Vh (an arbitrary basis).
 * @example
 * const { U, S, Vh } = linalg.svd(tensor([[3, 0], [4, 5]])); // S tensor([6.7082, 2.2361])
 * U.mul(S.unsqueeze(-2)).matmul(Vh); // ≈ A
 */
export function svd(
  A: Tensor,
  opts: { fullMatrices?: boolean } = {},
): {
  /** Left singular vectors in the columns. */
  U: Tensor;
  /** Singular values, descending. */
  S: Tensor;
  /** Right singular vectors in the rows (Vᴴ). */
  Vh: Tensor;
} {
  const fullMatrices = boolOption('linalg.svd', 'fullMatrices', opts.fullMatrices, true);
  let [U, S, Vh] = run(A, 'linalg.svd', fullMatrices, true);
  if (A.ndim >= 2 && Math.min(A.shape[A.ndim - 2], A.shape[A.ndim - 1]) === 0 && fullMatrices) {
    // No singular values: the full bases are identities, as in PyTorch.
    U = batchedEye(A, A.shape[A.ndim - 2]);
    Vh = batchedEye(A, A.shape[A.ndim - 1]);
  }
  return { U, S, Vh };
}

/**
 * Singular values, descending (singular vectors are computed only for the gradient).
 * @example
 * linalg.svdvals(tensor([[3, 0], [4, 5]])); // tensor([6.7082, 2.2361])
 */
export function svdvals(A: Tensor): Tensor {
  return run(A, 'linalg.svdvals', false, A.requiresGrad && isGradEnabled())[1];
}
