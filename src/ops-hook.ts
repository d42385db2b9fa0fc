/**
 * The one door from Tensor (src/tensor.ts) and the backward engine (src/autograd/engine.ts) to the
 * ops. Neither imports src/ops: both call `tensorOps.add(…)` etc., whose slots the ops fill in when
 * they load (src/ops/install.ts, imported by src/ops/index.ts and src/index.ts). So imports run one
 * way (backends ← ops ← tensor/autograd ← index) and any module can be loaded first; a slot called
 * before the ops are loaded throws an Error that says so.
 */
import type * as Ops from './ops/index.js';
import type { Tensor } from './tensor.js';

/** The ops Tensor methods and the engine call, by name (a name that is not an op does not compile). */
export const TENSOR_OP_NAMES = [
  // the engine and gradient accumulation
  'cast',
  'noGradAdd',
  'onesLike',
  'sumTo',
  // Tensor methods
  'detach',
  'clone',
  'toDevice',
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'gt',
  'lt',
  'ge',
  'le',
  'eq',
  'ne',
  'sin',
  'cos',
  'reciprocal',
  'neg',
  'sqrt',
  'exp',
  'log',
  'abs',
  'square',
  'sign',
  'tanh',
  'relu',
  'sigmoid',
  'softplus',
  'gelu',
  'silu',
  'log1p',
  'expm1',
  'tan',
  'atan',
  'atan2',
  'erf',
  'rsqrt',
  'clamp',
  'floor',
  'ceil',
  'round',
  'sum',
  'mean',
  'amax',
  'amin',
  'argmax',
  'argmin',
  'max',
  'min',
  'logsumexp',
  'softmax',
  'logSoftmax',
  'var_',
  'std',
  'cumsum',
  'norm',
  'prod',
  'cumprod',
  'matmul',
  'reshape',
  'transpose',
  'permute',
  'unsqueeze',
  'squeeze',
  'expand',
  'narrow',
  'diagonal',
  'tril',
  'triu',
  'mT',
  // indexing and layout
  'gather',
  'scatterAdd',
  'indexSelect',
  'slice',
  'flip',
  'roll',
  'repeat',
  'split',
  'chunk',
  'trace',
  'outer',
  'kron',
  'linalg',
  // complex numbers (src/ops/complex.ts)
  'real',
  'imag',
  'angle',
  'complexAbs',
] as const satisfies readonly (keyof typeof Ops)[];

export type TensorOpName = (typeof TENSOR_OP_NAMES)[number];

/** The slots: the ops above, plus the complex conjugate Tensor.conj() calls for complex dtypes. */
export type TensorOps = Pick<typeof Ops, TensorOpName> & {
  /** The elementwise complex conjugate (only called for complex dtypes; real conj is the identity). */
  conjComplex: (x: Tensor) => Tensor;
};

function notInstalled(name: string): never {
  throw new Error(
    `internal: the op '${name}' was called before the ops were loaded; import linagrad (src/index.ts) ` +
      'or src/ops/index.ts before calling Tensor methods',
  );
}

const SLOTS = [...TENSOR_OP_NAMES, 'conjComplex'] as const;

/** The ops, filled in by installTensorOps; until then each slot throws. */
export const tensorOps = Object.fromEntries(
  SLOTS.map((name) => [name, name === 'linalg' ? notInstalledNamespace(name) : () => notInstalled(name)]),
) as unknown as TensorOps;

/** A stand-in for a namespace slot (linalg): any property read throws the same error. */
function notInstalledNamespace(name: string): object {
  return new Proxy({}, { get: (_, key) => notInstalled(`${name}.${String(key)}`) });
}

/** Fills every slot (src/ops/install.ts calls this once, when the ops load). */
export function installTensorOps(impl: TensorOps): void {
  const target = tensorOps as unknown as Record<string, unknown>;
  for (const name of SLOTS) target[name] = impl[name];
}
