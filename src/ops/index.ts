/** Every op function; importing this module also installs the ops behind Tensor methods (./install.ts). */
import './install.js';

export * from './activations.js';
export * from './complex.js';
export * from './creation.js';
export * from './einsum.js';
export * from './elementwise.js';
export * from './gather.js';
export * from './indexing.js';
export { choleskyInverse, linalg, logdet } from './linalg/index.js';
export * from './matmul.js';
export * from './misc.js';
export * from './reduce.js';
export * from './reductions.js';
export * from './shape.js';
