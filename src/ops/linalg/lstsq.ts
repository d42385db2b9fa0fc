import { eps, type FloatDType } from '../../dtype.js';
import { shapeStr } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { zeros } from '../creation.js';
import { allSamples } from '../registry.js';
import { checkFloat, checkMatrix, checkSameDtype } from './common.js';
import { pinvParts } from './pinv.js';

export interface LstsqResult {
  /** X minimising ‖A X − B‖_F, the minimum-norm one when A is rank-deficient: (…, n, k) or (…, n). */
  solution: Tensor;
  /**
   * ‖A X − B‖² per column of B, (…, k) (or (…) for a vector B), when m > n and every matrix of A
   * has full rank n; otherwise an empty tensor, as PyTorch. On WebGPU the rank is not read back
   * and the residuals are returned whenever m > n (PyTorch's CUDA 'gels' driver also assumes full rank).
   */
  residuals: Tensor;
  /** Numerical rank per matrix (int32): the number of singular values > rcond·σ_max. */
  rank: Tensor;
  /** Singular values of A, descending, (…, min(m, n)) (PyTorch returns them for 'gelsd'/'gelss'). Not differentiable. */
  singularValues: Tensor;
}

/**
 * Least squares A X ≈ B, as torch.linalg.lstsq, computed like LAPACK's SVD-based driver 'gelsd':
 * X = A⁺ B with singular values ≤ rcond·σ_max treated as zero (rcond defaults to
 * eps(dtype)·max(m, n); a negative rcond also means that default, as in LAPACK). Batch
 * dimensions broadcast; B may be a (batch of) vector(s) (…, m). The solution and the residuals are
 * differentiable (through pinv's Golub–Pereyra rule with G Bᴴ for A, and Pᴴ G for B).
 * @example
 * const { solution, residuals, rank } = linalg.lstsq(tensor([[1, 0], [1, 1], [1, 2]]), tensor([[1], [2], [2]]));
 * // solution [[1.1667], [0.5]], residuals [0.1667], rank 2
 */
export function lstsq(A: Tensor, B: Tensor, opts: { rcond?: number } = {}): LstsqResult {
  const op = 'linalg.lstsq';
  checkMatrix(op, A);
  checkFloat(op, B.dtype, 'B');
  checkSameDtype(op, A, B);
  if (B.ndim > A.ndim || A.ndim - B.ndim > 1 || B.ndim < 1) {
    throw new RangeError(
      `${op}: A.dim() must be greater or equal to B.dim() and (A.dim() - B.dim()) <= 1, but A has shape ` +
        `${shapeStr(A.shape)} and B has shape ${shapeStr(B.shape)}`,
    );
  }
  const vector = B.ndim === A.ndim - 1;
  const Bm = vector ? B.unsqueeze(-1) : B;
  const [m, n] = A.shape.slice(-2);
  const [rows, k] = Bm.shape.slice(-2);
  if (rows !== m) {
    throw new RangeError(
      `${op}: Incompatible shapes of A and B for the equation AX = B (${m}x${n} and ${rows}x${k}); ` +
        'A and B must have the same number of rows',
    );
  }
  const rc = opts.rcond;
  if (rc !== undefined && (typeof rc !== 'number' || Number.isNaN(rc) || !Number.isFinite(rc))) {
    throw new RangeError(`${op}: rcond must be a finite number, got ${String(rc)}`);
  }
  const rtol = rc === undefined || rc < 0 ? eps(A.dtype as FloatDType) * Math.max(m, n) : rc;
  const { P, S, rank } = pinvParts(A, op, { atol: 0, rtol, hermitian: false });
  const X = P.matmul(Bm);
  const singularValues = S.detach();
  if (!P.requiresGrad) S.dispose();

  let full = m > n;
  // Inside vmap: residuals when every sample has full rank (allSamples).
  if (full && rank.device === 'cpu') full = (allSamples(rank).dataSync() as Int32Array).every((r) => r === n);
  let residuals: Tensor;
  if (full) {
    const r = A.matmul(X).sub(Bm).square().sum(-2);
    residuals = vector ? r.squeeze(-1) : r;
  } else {
    residuals = zeros([0], { dtype: A.dtype, device: A.device });
  }
  return { solution: vector ? X.squeeze(-1) : X, residuals, rank, singularValues };
}
