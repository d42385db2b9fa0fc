/**
 * Linear algebra II, the spectral family: eigh, svd, qr and pinv (each one op with CPU and WGSL
 * kernels and a backward formula), and the functions built on them. `spectralLinalg` is
 * spread into the `linalg` namespace (src/ops/linalg/index.ts); the guard settings
 * (setSpectralGradMode, getSpectralGradMode) are top-level exports of src/index.ts.
 */
import { eigh, eighOp, eigvalsh } from './eigh.js';
import { lstsq } from './lstsq.js';
import { cond, matrixNorm, matrixRank } from './norms.js';
import { pinv, pinvOp } from './pinv.js';
import { qr, qrOp } from './qr.js';
import { svd, svdOp, svdvals } from './svd.js';

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

/** The ops of this family by name (for op tables and completeness checks). */
export const spectralOps = { eigh: eighOp, svd: svdOp, qr: qrOp, pinv: pinvOp };

/** The public functions, to spread into the `linalg` namespace. */
export const spectralLinalg = {
  eigh,
  eigvalsh,
  svd,
  svdvals,
  pinv,
  qr,
  lstsq,
  matrixNorm,
  cond,
  matrixRank,
};
