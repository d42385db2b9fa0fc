/**
 * WebGPU kernels for the LU / Cholesky / triangular family: raw functions on float32 GpuStorage
 * batches (row-major n×n matrices back to back), mirroring `backends/cpu/linalg`. They only encode
 * dispatches: info arrays are computed on the device and nothing is read back.
 */
export { choleskyGpu, choleskyInverseGpu } from './cholesky.js';
export { luDetGpu, luFactorGpu, luFactorRectGpu, luInverseGpu, luSlogdetGpu, luSolveGpu } from './lu.js';
export { solveTriangularGpu, type TriangularGpuOptions } from './triangular.js';
