import type { GpuStorage } from '../../backends/backend.js';
import { getGpu } from '../../backends/webgpu/device.js';
import { broadcastShapes, numelOf, sameShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { where } from '../elementwise.js';
import { matmul } from '../matmul.js';
import { applyOp } from '../registry.js';
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
  const batched = a.ndim > 2;
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

/** inverse and info (0, or the 1-based index of a zero pivot); never raises for singular input. */
function invEx(A: Tensor, opts: { checkErrors?: boolean } = {}): { inverse: Tensor; info: Tensor } {
  const checkErrors = boolOption('linalg.invEx', 'checkErrors', opts.checkErrors, false);
  const [inverse, info] = applyOp(invOp, [A], undefined);
  if (checkErrors) check('linalg.invEx', A, [inverse], info, 'singular-inverse', true);
  return { inverse, info };
}

function luFactorEx(A: Tensor): { LU: Tensor; pivots: Tensor; info: Tensor } {
  const [LU, pivots, info] = applyOp(luFactorOp, [A], undefined);
  return { LU, pivots, info };
}

function luFactor(A: Tensor): { LU: Tensor; pivots: Tensor } {
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

function slogdet(A: Tensor): { sign: Tensor; logabsdet: Tensor } {
  const [sign, logabsdet] = applyOp(slogdetOp, [A], undefined);
  return { sign, logabsdet };
}

/** log(det A): NaN where det < 0 and −inf where det = 0, as torch.logdet. */
export function logdet(A: Tensor): Tensor {
  checkSquare('logdet', A);
  const { sign, logabsdet } = slogdet(A);
  return where(sign.lt(0), Number.NaN, logabsdet);
}

function choleskyEx(
  A: Tensor,
  opts: { upper?: boolean; checkErrors?: boolean } = {},
): { L: Tensor; info: Tensor } {
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

/** The inverse of A = L Lᴴ (or Uᴴ U with upper) from its Cholesky factor (torch.cholesky_inverse). */
export function choleskyInverse(L: Tensor, opts: { upper?: boolean } = {}): Tensor {
  const upper = boolOption('cholesky_inverse', 'upper', opts.upper, false);
  const [x, info] = applyOp(choleskyInverseOp, [L], { upper });
  check('cholesky_inverse', L, [x], info, 'singular-inverse');
  return x;
}

export const linalg = {
  ...spectralLinalg,
  inv,
  invEx,
  luFactor,
  luFactorEx,
  solve,
  solveTriangular,
  det,
  slogdet,
  cholesky,
  choleskyEx,
  matmul,
};
