/**
 * Fills the slots of src/ops-hook.ts with the ops, so Tensor methods and the backward engine reach
 * them without importing src/ops (no import cycle through tensor.ts). src/ops/index.ts and
 * src/index.ts import this module; package.json lists it under `sideEffects` so bundlers keep it.
 */
import { installTensorOps } from '../ops-hook.js';
import type { Tensor } from '../tensor.js';
import { onesLike } from './creation.js';
import {
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
  noGradAdd,
  pow,
  reciprocal,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tanh,
} from './elementwise.js';
import { linalg } from './linalg/index.js';
import { matmul } from './matmul.js';
import { cast, clone, detach, toDevice } from './misc.js';
import { mean, sum } from './reduce.js';
import {
  diagonal,
  expand,
  mT,
  narrow,
  permute,
  reshape,
  squeeze,
  sumTo,
  transpose,
  tril,
  triu,
  unsqueeze,
} from './shape.js';

/**
 * The complex conjugate, the place where the elementwise conj op for complex dtypes goes; Tensor.conj()
 * calls it only for complex dtypes (real conj is the identity), and none is stored yet.
 */
function conjComplex(x: Tensor): Tensor {
  throw new TypeError(`conj: dtype ${x.dtype} is not supported yet; use float32 or float64`);
}

installTensorOps({
  cast,
  noGradAdd,
  onesLike,
  sumTo,
  detach,
  clone,
  toDevice,
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  gt,
  lt,
  ge,
  le,
  eq,
  ne,
  sin,
  cos,
  reciprocal,
  neg,
  sqrt,
  exp,
  log,
  abs,
  square,
  sign,
  tanh,
  sum,
  mean,
  matmul,
  reshape,
  transpose,
  permute,
  unsqueeze,
  squeeze,
  expand,
  narrow,
  diagonal,
  tril,
  triu,
  mT,
  linalg,
  conjComplex,
});
