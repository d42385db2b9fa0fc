/**
 * Linear algebra II, the spectral family: eigh, svd, qr and pinv (each one op with CPU and WGSL
 * kernels and a backward formula), and the functions built on them. `spectralLinalg` is
 * spread into the `linalg` namespace (src/ops/linalg/index.ts); the guard settings
 * (setSpectralGradMode, getSpectralGradMode) are top-level exports of src/index.ts.
 */
import { eigh, eigvalsh } from './eigh.js';
import { lstsq } from './lstsq.js';
import { cond, matrixNorm, matrixRank } from './norms.js';
import { pinv } from './pinv.js';
import { qr } from './qr.js';
import { svd, svdvals } from './svd.js';

export { type EighAttrs, eigh, eigvalsh, type Uplo } from './eigh.js';
export {
  GAP_FACTOR,
  getSpectralGradMode,
  resetSpectralGradWarnings,
  type SpectralGradMode,
  setSpectralGradMode,
} from './guards.js';
export { type LstsqResult, lstsq } from './lstsq.js';
export { cond, type MatrixNormOrd, matrixNorm, matrixRank } from './norms.js';
export { type PinvAttrs, type PinvOptions, pinv } from './pinv.js';
export { type QrMode, qr } from './qr.js';
export { type SvdAttrs, svd, svdvals } from './svd.js';

/** The public functions, to spread into the `linalg` namespace. */
export const spectralLinalg = {
  /**
   * Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric matrices, as
   * torch.linalg.eigh. Only the lower (UPLO 'L', default) or upper ('U') triangle is read. Each
   * eigenvector's largest-magnitude component is positive.
   * @example
   * const { eigenvalues, eigenvectors } = linalg.eigh(tensor([[2, 1], [1, 2]]));
   * // eigenvalues tensor([1., 3.]); eigenvectors' columns [0.7071, -0.7071], [0.7071, 0.7071]
   */
  eigh,
  /**
   * Eigenvalues of symmetric matrices, ascending (eigenvectors are computed only for the gradient).
   * @example
   * linalg.eigvalsh(tensor([[2, 1], [1, 2]])); // tensor([1., 3.])
   */
  eigvalsh,
  /**
   * Singular value decomposition, as torch.linalg.svd: { U, S, Vh } with S descending. With
   * `fullMatrices` (default true) U is m×m and Vh n×n; otherwise m×k and k×n, k = min(m, n).
   * The gradient ignores the last m − k columns of U and n − k rows of Vh (an arbitrary basis).
   * @example
   * const { U, S, Vh } = linalg.svd(tensor([[3, 0], [4, 5]])); // S tensor([6.7082, 2.2361])
   * U.mul(S.unsqueeze(-2)).matmul(Vh); // ≈ A
   */
  svd,
  /**
   * Singular values, descending (singular vectors are computed only for the gradient).
   * @example
   * linalg.svdvals(tensor([[3, 0], [4, 5]])); // tensor([6.7082, 2.2361])
   */
  svdvals,
  /**
   * Moore–Penrose pseudoinverse, as torch.linalg.pinv: singular values (|eigenvalues| when
   * `hermitian`) at or below max(atol, rtol·σ_max) are treated as zero. Differentiable by the
   * Golub–Pereyra formula where the numerical rank is locally constant.
   * @example
   * linalg.pinv(tensor([[1, 2], [2, 4], [3, 6]])); // rank 1: tensor([[0.0143, 0.0286, 0.0429], …])
   * linalg.pinv(A, { atol: 1e-8, hermitian: true });
   */
  pinv,
  /**
   * QR decomposition, as torch.linalg.qr: { Q, R } with mode 'reduced' (default: Q m×k, R k×n),
   * 'complete' (Q m×m, R m×n) or 'r' (R only; Q is an empty tensor, and there is no gradient).
   * Differentiable for 'reduced' and for 'complete' with m ≤ n, where R must have a nonzero diagonal.
   * @example
   * const { Q, R } = linalg.qr(tensor([[1, 2], [3, 4], [5, 6]])); // Q 3×2, R 2×2
   */
  qr,
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
  lstsq,
  /**
   * Matrix norm over the two dims `dim` (default the last two), as torch.linalg.matrix_norm:
   * 'fro' (default), 'nuc' (sum of singular values), 2 / −2 (largest / smallest singular value),
   * 1 / −1 (max / min absolute column sum), Infinity / −Infinity (max / min absolute row sum).
   * @example
   * linalg.matrixNorm(tensor([[1, -2], [3, 4]])); // tensor(5.4772) (Frobenius)
   * linalg.matrixNorm(tensor([[1, -2], [3, 4]]), 'nuc'); // tensor(7.0711)
   */
  matrixNorm,
  /**
   * Condition number, as torch.linalg.cond: σ_max/σ_min for p = 2 (default; any shape) and
   * σ_min/σ_max for −2, otherwise ‖A‖_p·‖A⁻¹‖_p for square A ('fro', 'nuc', ±1, ±Infinity), which
   * is Infinity for singular matrices.
   * @example
   * linalg.cond(tensor([[1, -2], [3, 4]])); // tensor(2.6180)
   * linalg.cond(tensor([[1, 2], [2, 4]]), 1); // tensor(inf)
   */
  cond,
  /**
   * Numerical rank, as torch.linalg.matrix_rank: the number of singular values (|eigenvalues| when
   * `hermitian`) greater than max(atol, rtol·σ_max), with pinv's defaults for atol and rtol (numbers,
   * or tensors with one tolerance per matrix).
   * Returns int32 (PyTorch: int64); an integer has no gradient.
   * @example
   * linalg.matrixRank(tensor([[1, 2], [2, 4], [3, 6]])); // tensor(1, dtype=int32)
   */
  matrixRank,
};
