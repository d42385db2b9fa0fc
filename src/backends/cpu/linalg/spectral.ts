/** The spectral family of CPU kernels: symmetric eigendecomposition, SVD and QR. */
export { eigh } from './eigh.js';
export { INFO_NONFINITE, type QrMode, qr } from './qr.js';
export { type SvdOptions, svdCpu } from './svd.js';
