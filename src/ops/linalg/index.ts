import type { GpuStorage } from '../../backends/backend.js';
import { getGpu } from '../../backends/webgpu/device.js';
import { broadcastShapes, numelOf, sameShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { where } from '../elementwise.js';
import { matmul } from '../matmul.js';
import { allSamples, applyOp } from '../registry.js';
import { expand, reshape, squeeze, unsqueeze } from '../shape.js';
import { choleskyInverseOp, choleskyOp } from './cholesky.js';
import {
  boolOption,
  checkFloat,
  checkMatrix,
  checkSameDtype,
  checkSquare,
  deferInfoCheck,
  type Failure,
  raiseOnInfo,
  rejectComplex,
} from './common.js';
import { detOp, invOp, luFactorOp, slogdetOp, solveOp } from './lu.js';
import { spectralLinalg } from './spectral.js';
import { solveTriangularOp } from './triangular.js';

/**
 * The public linear-algebra functions (torch.linalg names in camelCase). Each validates shapes
 * before any work, calls its op, and turns a nonzero info into PyTorch's LinAlgError: at once on
 * the CPU, and when a result is first read on WebGPU.
 */

/**
 * Raises (CPU) or defers (WebGPU) the error for `info`, then releases the info tensor, unless
 * `keepInfo` (the *Ex ops with checkErrors, which return info): then the caller keeps it.
 */
function check(
  op: string,
  a: Tensor,
  outputs: Tensor[],
  info: Tensor,
  kind: Failure,
  keepInfo = false,
): void {
  // Inside vmap the check covers every sample (allSamples), numbered as in the whole batch.
  const batched = allSamples(a).ndim > 2;
  outputs = outputs.map(allSamples);
  info = allSamples(info);
  if (info.device === 'cpu') {
    raiseOnInfo(op, info.dataSync() as Int32Array, batched, kind);
    if (!keepInfo) info.dispose();
    return;
  }
  const storages = outputs.map((o) => o.gpuView().storage);
  const infoStorage = (keepInfo ? info.gpuView().storage : info.takeStorage()) as GpuStorage;
  deferInfoCheck(getGpu(), storages, infoStorage, op, batched, kind, !keepInfo);
}

function inv(A: Tensor): Tensor {
  const [x, info] = applyOp(invOp, [A], undefined);
  check('linalg.inv', A, [x], info, 'singular-inverse');
  return x;
}

function invEx(
  A: Tensor,
  opts: { checkErrors?: boolean } = {},
): {
  /** A⁻¹ (garbage where info ≠ 0). */
  inverse: Tensor;
  /** int32 per matrix: 0, or the 1-based index of a zero pivot of U. */
  info: Tensor;
} {
  const checkErrors = boolOption('linalg.invEx', 'checkErrors', opts.checkErrors, false);
  const [inverse, info] = applyOp(invOp, [A], undefined);
  if (checkErrors) check('linalg.invEx', A, [inverse], info, 'singular-inverse', true);
  return { inverse, info };
}

function luFactorEx(A: Tensor): {
  /** L below the diagonal (unit diagonal implied) and U on and above it. */
  LU: Tensor;
  /** int32, 1-based: row i was swapped with row pivots[i] (LAPACK's convention). */
  pivots: Tensor;
  /** int32 per matrix: 0, or the 1-based index of the first zero pivot. */
  info: Tensor;
} {
  const [LU, pivots, info] = applyOp(luFactorOp, [A], undefined);
  return { LU, pivots, info };
}

function luFactor(A: Tensor): {
  /** L below the diagonal (unit diagonal implied) and U on and above it. */
  LU: Tensor;
  /** int32, 1-based: row i was swapped with row pivots[i] (LAPACK's convention). */
  pivots: Tensor;
} {
  const [LU, pivots, info] = applyOp(luFactorOp, [A], undefined);
  check('linalg.luFactor', A, [LU], info, 'lu-singular');
  return { LU, pivots };
}

/** Batch-broadcasts A [..., n, n] against B [..., n, k] and flattens both to 3-D. */
function batched3(
  op: string,
  A: Tensor,
  B: Tensor,
  bRows: number,
  bCols: number,
): { a3: Tensor; b3: Tensor; batch: number[] } {
  const n = A.shape[A.ndim - 1];
  const batch = broadcastShapes(op, A.shape.slice(0, -2), B.shape.slice(0, -2));
  const B3 = numelOf(batch);
  const a3 = reshape(expand(A, [...batch, n, n]), [B3, n, n]);
  const b3 = reshape(expand(B, [...batch, bRows, bCols]), [B3, bRows, bCols]);
  return { a3, b3, batch };
}

/** B is a (batch of) vector(s) when it is 1-D or has exactly A's batch shape plus n, as in PyTorch. */
function isVectorRhs(A: Tensor, B: Tensor): boolean {
  return B.ndim === 1 || (B.ndim === A.ndim - 1 && sameShape(B.shape, A.shape.slice(0, -1)));
}

function solve(A: Tensor, B: Tensor, opts: { left?: boolean } = {}): Tensor {
  const op = 'linalg.solve';
  const left = boolOption(op, 'left', opts.left, true);
  const [, n] = checkSquare(op, A);
  checkFloat(op, B.dtype, 'B');
  checkSameDtype(op, A, B);
  const vector = isVectorRhs(A, B);
  if (!left) {
    // As PyTorch: a vector B (…, n) is a column n×1 also here, which XA = B cannot take.
    if (vector)
      throw new RangeError(
        `${op}: Incompatible shapes of A and B for the equation XA = B (${n}x${n} and ${B.shape[B.ndim - 1]}x1); ` +
          'with left=false, B must be a batch of k×n matrices',
      );
    return solve(A.mT, B.mT).mT;
  }
  const Bm = vector ? unsqueeze(B, -1) : B;
  const [rows, k] = Bm.shape.slice(-2);
  if (rows !== n) {
    throw new RangeError(
      `${op}: Incompatible shapes of A and B for the equation AX = B (${n}x${n} and ${rows}x${k})`,
    );
  }
  const { a3, b3, batch } = batched3(op, A, Bm, n, k);
  const [x3, info] = applyOp(solveOp, [a3, b3], undefined);
  check(op, A.ndim > 2 || Bm.ndim > 2 ? a3 : A, [x3], info, 'singular-solve');
  const x = reshape(x3, [...batch, n, k]);
  return vector ? squeeze(x, -1) : x;
}

function solveTriangular(
  A: Tensor,
  B: Tensor,
  opts: { upper: boolean; left?: boolean; unitriangular?: boolean },
): Tensor {
  const op = 'linalg.solveTriangular';
  if (opts?.upper === undefined)
    throw new TypeError(`${op}: the keyword argument upper is required (true or false)`);
  const upper = boolOption(op, 'upper', opts.upper, false);
  const left = boolOption(op, 'left', opts.left, true);
  const unitriangular = boolOption(op, 'unitriangular', opts.unitriangular, false);
  const [, n] = checkSquare(op, A);
  checkMatrix(op, B, 'B');
  checkSameDtype(op, A, B);
  const [r, c] = B.shape.slice(-2);
  if ((left ? r : c) !== n) {
    throw new RangeError(
      `${op}: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${n}x${n} and ${r}x${c})`,
    );
  }
  const { a3, b3, batch } = batched3(op, A, B, r, c);
  const x = applyOp(solveTriangularOp, [a3, b3], {
    upper,
    left,
    unitriangular,
  })[0];
  return reshape(x, [...batch, r, c]);
}

function det(A: Tensor): Tensor {
  return applyOp(detOp, [A], undefined)[0];
}

function slogdet(A: Tensor): {
  /** −1, 0 or 1: the sign of det A. */
  sign: Tensor;
  /** log |det A| (−inf for singular A). */
  logabsdet: Tensor;
} {
  const [sign, logabsdet] = applyOp(slogdetOp, [A], undefined);
  return { sign, logabsdet };
}

/**
 * log(det A): NaN where det < 0 and −inf where det = 0, as torch.logdet.
 * @example
 * logdet(tensor([[2, 0], [0, 3]])); // tensor(1.7918) (log 6)
 */
export function logdet(A: Tensor): Tensor {
  checkSquare('logdet', A);
  const { sign, logabsdet } = slogdet(A);
  return where(sign.lt(0), Number.NaN, logabsdet);
}

function choleskyEx(
  A: Tensor,
  opts: { upper?: boolean; checkErrors?: boolean } = {},
): {
  /** The Cholesky factor (garbage where info ≠ 0). */
  L: Tensor;
  /** int32 per matrix: 0, or the order of the leading minor that is not positive-definite. */
  info: Tensor;
} {
  const upper = boolOption('linalg.choleskyEx', 'upper', opts.upper, false);
  const checkErrors = boolOption('linalg.choleskyEx', 'checkErrors', opts.checkErrors, false);
  const [L, info] = applyOp(choleskyOp, [A], { upper });
  if (checkErrors) check('linalg.choleskyEx', A, [L], info, 'not-pd', true);
  return { L, info };
}

function cholesky(A: Tensor, opts: { upper?: boolean } = {}): Tensor {
  const upper = boolOption('linalg.cholesky', 'upper', opts.upper, false);
  const [L, info] = applyOp(choleskyOp, [A], { upper });
  check('linalg.cholesky', A, [L], info, 'not-pd');
  return L;
}

/**
 * The inverse of A = L Lᴴ (or Uᴴ U with upper) from its Cholesky factor (torch.cholesky_inverse).
 * @example
 * choleskyInverse(linalg.cholesky(tensor([[4, 2], [2, 2]]))); // the inverse of [[4, 2], [2, 2]]
 */
export function choleskyInverse(L: Tensor, opts: { upper?: boolean } = {}): Tensor {
  const upper = boolOption('cholesky_inverse', 'upper', opts.upper, false);
  const [x, info] = applyOp(choleskyInverseOp, [L], { upper });
  check('cholesky_inverse', L, [x], info, 'singular-inverse');
  return x;
}

/**
 * The linear-algebra functions, with torch.linalg's names in camelCase; see docs/linalg.md and
 * docs/linalg-spectral.md.
 * @example
 * const { eigenvalues } = linalg.eigh(tensor([[2, 1], [1, 2]])); // tensor([1., 3.])
 */
export const linalg = rejectComplex({
  ...spectralLinalg,
  /**
   * The inverse of square matrices (torch.linalg.inv); a LinAlgError for singular ones (on WebGPU
   * when the result is read).
   * @example
   * linalg.inv(tensor([[1, 2], [3, 4]])); // tensor([[-2.0000,  1.0000], [ 1.5000, -0.5000]])
   */
  inv,
  /**
   * The inverse and its info (0, or the 1-based index of a zero pivot), never raising for singular
   * input unless `checkErrors` (torch.linalg.inv_ex).
   * @example
   * const { inverse, info } = linalg.invEx(tensor([[1, 2], [2, 4]])); // info: tensor(2, dtype=int32)
   */
  invEx,
  /**
   * LU factorization with partial pivoting: { LU, pivots } with 1-based LAPACK pivots
   * (torch.linalg.lu_factor); takes rectangular matrices too.
   * @example
   * const { LU, pivots } = linalg.luFactor(tensor([[1, 2], [3, 4]])); // pivots tensor([2, 2], dtype=int32)
   */
  luFactor,
  /**
   * LU factorization with partial pivoting and its info (0, or the 1-based index of the first zero
   * pivot), never raising (torch.linalg.lu_factor_ex).
   * @example
   * const { LU, pivots, info } = linalg.luFactorEx(tensor([[0, 1], [1, 0]]));
   */
  luFactorEx,
  /**
   * X with A X = B (or X A = B with `left: false`), torch.linalg.solve; B may be a vector. Batched
   * and broadcast; a LinAlgError for singular A.
   * @example
   * linalg.solve(tensor([[3, 1], [1, 2]]), tensor([9, 8])); // tensor([2., 3.])
   */
  solve,
  /**
   * X with A X = B for triangular A (torch.linalg.solve_triangular): `upper` says which triangle is
   * read; `left: false` solves X A = B; `unitriangular` assumes ones on the diagonal.
   * @example
   * linalg.solveTriangular(tensor([[2, 0], [1, 1]]), tensor([[2], [3]]), { upper: false }); // [[1], [2]]
   */
  solveTriangular,
  /**
   * The determinant of square matrices (torch.linalg.det); differentiable also at singular matrices
   * (the adjugate).
   * @example
   * linalg.det(tensor([[1, 2], [3, 4]])); // tensor(-2.)
   */
  det,
  /**
   * The sign and log |det| of square matrices (torch.linalg.slogdet), stable where det over- or
   * underflows.
   * @example
   * const { sign, logabsdet } = linalg.slogdet(tensor([[1, 2], [3, 4]])); // -1, log 2
   */
  slogdet,
  /**
   * The lower Cholesky factor L with A = L Lᴴ (U with A = Uᴴ U for `upper: true`),
   * torch.linalg.cholesky; a LinAlgError when A is not positive-definite.
   * @example
   * linalg.cholesky(tensor([[4, 2], [2, 2]])); // tensor([[2., 0.], [1., 1.]])
   */
  cholesky,
  /**
   * The Cholesky factor and info (0, or the order of the first minor that is not positive-definite),
   * never raising unless `checkErrors` (torch.linalg.cholesky_ex).
   * @example
   * const { L, info } = linalg.choleskyEx(tensor([[1, 2], [2, 1]])); // info: tensor(2, dtype=int32)
   */
  choleskyEx,
  /**
   * torch.matmul: dot, matrix-vector, vector-matrix, and batched products with broadcast batch dims.
   * @example
   * matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])); // tensor([3., 7.])
   * matmul(randn([10, 3, 4]), randn([4, 5])).shape; // [10, 3, 5] (batched, broadcast)
   */
  matmul,
});
