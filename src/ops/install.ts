/**
 * Fills the slots of src/ops-hook.ts with the ops, so Tensor methods and the backward engine reach
 * them without importing src/ops (no import cycle through tensor.ts). src/ops/index.ts and
 * src/index.ts import this module; package.json lists it under `sideEffects` so bundlers keep it.
 */
import { installTensorOps } from '../ops-hook.js';
import type { Tensor } from '../tensor.js';
import * as activations from './activations.js';
import * as complex from './complex.js';
import * as creation from './creation.js';
import * as elementwise from './elementwise.js';
import * as gather from './gather.js';
import * as indexing from './indexing.js';
import { evalJvpSlot } from './jvp.js';
import { linalg } from './linalg/index.js';
import * as matmul from './matmul.js';
import * as misc from './misc.js';
import * as reduce from './reduce.js';
import * as reductions from './reductions.js';
import { installJvpEvaluator } from './registry.js';
import * as shape from './shape.js';

/** The complex conjugate Tensor.conj() calls for complex dtypes (real conj is the identity). */
const conjComplex = (x: Tensor): Tensor => complex.conj(x);

// The hook takes the ops it names (src/ops-hook.ts, TENSOR_OP_NAMES) and ignores the rest.
installTensorOps({
  ...activations,
  ...complex,
  ...creation,
  ...elementwise,
  ...gather,
  ...indexing,
  ...matmul,
  ...misc,
  ...reduce,
  ...reductions,
  ...shape,
  linalg,
  conjComplex,
});

// Forward mode: applyOp evaluates the jvp slots of ops applied to dual tensors with this.
installJvpEvaluator(evalJvpSlot);
