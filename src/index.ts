/** linagrad: differentiable linear algebra with reverse-mode autograd on CPU and WebGPU. */
import { tidy as tidyImpl } from './memory.js';
import './ops/install.js'; // fills the ops hook behind Tensor methods (src/ops-hook.ts)
import { isTensor, type Tensor } from './tensor.js';

export { forwardAD } from './autograd/forward-ad.js';
export type { BackwardContext, BackwardFn, GradHook, Tuple } from './autograd/index.js';
export { autograd, enableGrad, type GradOptions, isGradEnabled, noGrad } from './autograd/index.js';
export type { Device, StorageDType } from './backends/backend.js';
export { setNumThreads } from './backends/cpu/pool.js';
export {
  getWebGPUInfo,
  initWebGPU,
  isWebGPUAvailable,
  resetWebGPU,
  type WebGPUInfo,
} from './backends/webgpu/device.js';
export {
  complexDtypeOf,
  type DType,
  eps,
  type FloatDType,
  getDefaultDtype,
  isComplex,
  promoteTypes,
  realDtypeOf,
  setDefaultDtype,
} from './dtype.js';
export { AutogradError, LinAlgError } from './errors.js';
export { getPrintOptions, type PrintOptions, setPrintOptions } from './format.js';
export { func } from './func/index.js';
export { keep } from './memory.js';
export {
  atan,
  atan2,
  ceil,
  clamp,
  erf,
  expm1,
  floor,
  gelu,
  log1p,
  relu,
  round,
  rsqrt,
  sigmoid,
  silu,
  softplus,
  tan,
} from './ops/activations.js';
// Complex numbers (docs/complex.md): creation, the real ↔ complex views and the boundary ops.
export {
  angle,
  complex,
  complexAbs,
  conj,
  imag,
  polar,
  real,
  viewAsComplex,
  viewAsReal,
} from './ops/complex.js';
export {
  arange,
  eye,
  full,
  getDefaultDevice,
  manualSeed,
  ones,
  onesLike,
  rand,
  randn,
  setDefaultDevice,
  type TensorOptions,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation.js';
export { einsum } from './ops/einsum.js';
export {
  abs,
  add,
  cos,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
} from './ops/elementwise.js';
export { gather, indexSelect, scatterAdd } from './ops/gather.js';
export { chunk, flip, kron, outer, pad, repeat, roll, slice, split, trace } from './ops/indexing.js';
export { choleskyInverse, linalg, logdet } from './ops/linalg/index.js';
export {
  getSpectralGradMode,
  resetSpectralGradWarnings,
  type SpectralGradMode,
  setSpectralGradMode,
} from './ops/linalg/spectral.js';
export { matmul } from './ops/matmul.js';
export { cast, clone, detach, toCpu } from './ops/misc.js';
export { mean, sum } from './ops/reduce.js';
export {
  amax,
  amin,
  argmax,
  argmin,
  cumprod,
  cumsum,
  logSoftmax,
  logsumexp,
  max,
  min,
  norm,
  prod,
  softmax,
  std,
  type ValuesIndices,
  type VarOptions,
  var_ as var,
  var_ as variance,
} from './ops/reductions.js';
export {
  applyOp,
  applyOp1,
  defineOp,
  type JvpFn,
  type JvpRule,
  type OpDef,
  type TensorMeta,
} from './ops/registry.js';
export {
  cat,
  diagEmbed,
  diagonal,
  expand,
  mT,
  narrow,
  permute,
  reshape,
  squeeze,
  stack,
  sumTo,
  transpose,
  tril,
  triu,
  unsqueeze,
} from './ops/shape.js';
export { isTensor, type NestedArray, Tensor } from './tensor.js';

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (and what their
 * autograd graph still needs). Use it around training steps on WebGPU to keep GPU memory flat.
 * @example
 * const loss = tidy(() => {
 *   opt.zeroGrad();
 *   const l = model(X).sub(Y).square().mean();
 *   l.backward();
 *   opt.step();
 *   return l.detach(); // kept; every other tensor made inside is disposed
 * });
 */
export function tidy<T>(fn: () => T): T {
  return tidyImpl(fn, isTensor);
}

/**
 * Disposes tensors now (also works on arrays and records of tensors).
 * @example
 * const [a, b] = [zeros([2]), ones([2])];
 * dispose([a, b]); // a.isDisposed === true
 */
export function dispose(x: Tensor | readonly Tensor[] | Record<string, Tensor>): void {
  const list = isTensor(x) ? [x] : Array.isArray(x) ? x : Object.values(x);
  for (const t of list) (t as Tensor).dispose();
}
export {
  type BCEWithLogitsOptions,
  type CrossEntropyOptions,
  type HuberLossOptions,
  type LossOptions,
  type NllLossOptions,
  nn,
  type Reduction,
} from './nn/functional.js';
export {
  Adam,
  type AdamOptions,
  AdamW,
  CosineAnnealingLR,
  type CosineAnnealingLROptions,
  LBFGS,
  type LBFGSOptions,
  optim,
  SGD,
  type SGDOptions,
  StepLR,
  type StepLROptions,
} from './optim.js';
