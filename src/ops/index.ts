/** Every op function, for the Tensor methods and the public index. */
export * from './creation.js';
export * from './elementwise.js';
export { choleskyInverse, linalg, logdet } from './linalg/index.js';
export * from './matmul.js';
export * from './misc.js';
export * from './reduce.js';
export * from './shape.js';
