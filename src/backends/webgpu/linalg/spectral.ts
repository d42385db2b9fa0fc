/**
 * WebGPU kernels of the spectral family: symmetric eigendecomposition, SVD and QR as raw functions
 * on float32 GpuStorage batches (row-major matrices back to back), mirroring
 * `backends/cpu/linalg/spectral.ts`. They only encode dispatches: info is computed on the device
 * and nothing is read back.
 */
export { EIGH_MAX_SWEEPS, eighGpu } from './eigh.js';
export { type QrGpuMode, qrGpu, type SpectralThreads, type SpectralTuning } from './qr.js';
export { SVD_MAX_SWEEPS, type SvdGpuOptions, svdGpu } from './svd.js';
