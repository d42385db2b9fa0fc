/** CPU kernels for the LU / Cholesky / triangular family: pure functions on typed arrays. */
export { cholesky, choleskyInverse } from './cholesky.js';
export { luDet, luFactorCpu, luFactorRect, luInverse, luSlogdet, luSolve } from './lu.js';
export { type FloatArray, solveTriangular, type TriangularOptions } from './triangular.js';
