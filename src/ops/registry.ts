import { forwardADActive, propagateTangents } from '../autograd/forward-ad.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { BackwardContext, BackwardFn, Edge, Tuple } from '../autograd/node.js';
import { Node } from '../autograd/node.js';
import type { CpuView, GpuStorage, GpuView, StorageDType } from '../backends/backend.js';
import { getGpu } from '../backends/webgpu/device.js';
import type { WebGPURuntime } from '../backends/webgpu/runtime.js';
import { allocArray, isComplex, isDifferentiableDtype, isFloat } from '../dtype.js';
import { broadcastShapes, numelOf, sameShape, shapeStr } from '../shape.js';
import { Tensor } from '../tensor.js';

/** The dtype lists of op sections (defined in dtype.ts, a leaf module, so reading them at load time is safe). */
export { allDtypes, floatDtypes } from '../dtype.js';

/** Shape and dtype of one tensor, as an op's shape rule sees it. */
export interface TensorMeta {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** The tensor's dtype. */
  readonly dtype: StorageDType;
}

/**
 * An op's forward-mode rule (jvp): the tangents of the outputs from those of the inputs (null
 * where an input has none), written with differentiable tensor ops like a backward formula.
 */
export type JvpFn<A, NIn extends number = number, NOut extends number = number> = (
  ctx: BackwardContext<A, NIn, NOut>,
  tangents: Tuple<Tensor | null, NIn>,
) => (Tensor | null)[];

/**
 * The jvp slot: a rule, or a shortcut (as PyTorch's auto_element_wise / auto_linear):
 * - 'elementwise': Σᵢ backward(ctx, [tᵢ])[i], valid for real elementwise ops whose backward is
 *   g·∂f/∂xᵢ (the tangent is broadcast to the output's shape first);
 * - 'linear': the op applied to the tangents (zeros for inputs without one);
 * - 'not-differentiable': the outputs are piecewise constant or integer (zero / no tangent);
 * - 'not-implemented': not written yet (evaluating it throws, naming the op).
 */
export type JvpRule<A, NIn extends number = number, NOut extends number = number> =
  | JvpFn<A, NIn, NOut>
  | 'elementwise'
  | 'linear'
  | 'not-differentiable'
  | 'not-implemented';

/**
 * One op, in one place: its name, dtypes, core ranks, shape/dtype rule, CPU kernel, WGSL kernel,
 * backward formula and forward-mode (jvp) rule. The kernels and `backward` are required, so the
 * type checker rejects an op that lacks a kernel or a backward rule; an op with no derivative says
 * so with `backward: 'not-differentiable'`.
 *
 * Shapes come from one of two rules: `shape`, written on the core dims only (the last
 * `coreRanks[i]` dims of input i; applyOp splits off the leading batch dims, combines them as
 * `batch` says and prepends them to every output), or `infer`, the override for ops whose rule
 * is not "core dims + batch" (reductions, shape ops). The order of the checks applyOp runs is
 * fixed: `check`, the dtype check (unless `dtypeCheck: 'op'`), the rank check, the shape rule,
 * `outDtypes`.
 *
 * `A` is the type of the op's attributes (`undefined` when it has none); `NIn` and `NOut`, when
 * given as number literals, make the inputs, outputs and gradients tuples of that length.
 */
export interface OpDef<A = undefined, NIn extends number = number, NOut extends number = number> {
  /** The op's name, shown as `gradFn` and in error messages. */
  readonly name: string;
  /**
   * The dtypes the op accepts for its inputs (the op table's dtypes come from here). applyOp
   * rejects others with requireFloat's message (float ops) unless `dtypeCheck` is 'op'.
   */
  readonly dtypes?: readonly StorageDType[];
  /**
   * Who checks `dtypes`: 'registry' (default; before the shape rule, each input) or 'op' (the op's
   * `check`/`infer`/`outDtypes` does, with its own wording, e.g. elementwise ops, which check the
   * promoted dtype, or linalg ops, which check the rank first).
   */
  readonly dtypeCheck?: 'registry' | 'op';
  /**
   * Per input, the rank of its core dims ([2] for inv, [2, 2] for solve, [0] for an elementwise
   * op: all its dims are batch dims), or 'any' for ops that are not batched over leading dims
   * (reductions, shape ops, variadic ops). A vmap batching rule derives from these.
   */
  readonly coreRanks?: readonly number[] | 'any';
  /**
   * How the inputs' batch dims combine (with `shape`): 'same' (default; they must be equal) or
   * 'broadcast' (broadcastShapes over the inputs, in order).
   */
  readonly batch?: 'same' | 'broadcast';
  /** Validation that needs the whole inputs (messages worded the op's own way); runs first. */
  readonly check?: (inputs: Tuple<TensorMeta, NIn>, attrs: A) => void;
  /**
   * The shape rule on core dims: the outputs' core shapes from the inputs' (the full inputs are
   * passed too, for error messages). Needs `coreRanks`; the batch dims are added by applyOp.
   */
  readonly shape?: (
    core: Tuple<readonly number[], NIn>,
    attrs: A,
    inputs: Tuple<TensorMeta, NIn>,
  ) => Tuple<readonly number[], NOut>;
  /** The outputs' dtypes from the inputs' (with `shape`; default: every output has input 0's dtype). */
  readonly outDtypes?: (dtypes: Tuple<StorageDType, NIn>, attrs: A) => Tuple<StorageDType, NOut>;
  /**
   * The override of `shape`: validates the inputs (throwing errors that name the op and shapes)
   * and returns the outputs' metas.
   */
  readonly infer?: (inputs: Tuple<TensorMeta, NIn>, attrs: A) => Tuple<TensorMeta, NOut>;
  /**
   * Per output, whether a gradient flows through it (default: all true; an info or pivots int32
   * output is false). Integer outputs never join the graph either way.
   */
  readonly differentiable?: Tuple<boolean, NOut>;
  /** Fills `outputs` (freshly allocated, zeroed) from `inputs`; all contiguous row-major. */
  readonly cpu: (inputs: Tuple<CpuView, NIn>, outputs: Tuple<CpuView, NOut>, attrs: A) => void;
  /**
   * Encodes the WGSL dispatches that fill `outputs` from `inputs` (float32/int32 only), with
   * `gpu.run`. Each dispatch keeps the loop rule: it states `loops`, its invocations' loop
   * iterations, at most LOOP_BUDGET (backends/webgpu/loops.ts); longer work is split over
   * dispatches.
   */
  readonly webgpu: (
    gpu: WebGPURuntime,
    inputs: Tuple<GpuView, NIn>,
    outputs: Tuple<GpuView, NOut>,
    attrs: A,
  ) => void;
  /** The gradients of the inputs from those of the outputs, written with differentiable tensor ops. */
  readonly backward: BackwardFn<A, NIn, NOut> | 'not-differentiable';
  /** The forward-mode rule or a shortcut (see JvpRule); evaluated by jvpOp (ops/jvp.ts). */
  readonly jvp?: JvpRule<A, NIn, NOut>;
  /**
   * The vmap batching rule, for ops whose rule does not follow from numeric `coreRanks` and
   * `shape` (attributes that name dims or shapes, kernels that take a fixed rank). See VmapRule;
   * without one (and without a derived rule), vmap runs the op in a loop over the batch.
   */
  readonly vmap?: VmapRule<A, NIn, NOut>;
}

/**
 * A vmap batching rule: the op applied to a whole batch. Each input comes with its vmapped dim
 * moved to dim 0 where `batched[i]` (the others are as the function passed them); the rule returns
 * the outputs with the vmapped dim, of size `batchSize`, at dim 0. The per-sample shapes have
 * passed the op's own checks first, so the rule only restates the attributes for the batch.
 */
export type VmapRule<A, NIn extends number = number, NOut extends number = number> = (
  inputs: Tuple<Tensor, NIn>,
  batched: Tuple<boolean, NIn>,
  attrs: A,
  batchSize: number,
) => Tuple<Tensor, NOut> | Tensor[];

/**
 * A hook applyOp calls before running an op (installed by src/func while a vmap runs; ops never
 * import src/func): it returns the outputs when an input is batched by vmap, null otherwise.
 */
export type BatchInterceptor = (
  op: OpDef<unknown>,
  inputs: readonly Tensor[],
  attrs: unknown,
) => Tensor[] | null;

let batchInterceptor: BatchInterceptor | null = null;

/** Installs (or, with null, removes) the vmap hook of applyOp. */
export function setBatchInterceptor(hook: BatchInterceptor | null): void {
  batchInterceptor = hook;
}

let samplesOf: ((t: Tensor) => Tensor) | null = null;

/**
 * The values of every sample behind `t`: for a tensor batched by vmap, the tensor that holds the
 * whole batch (every vmap level peeled); else `t` itself. For the checks that read an op's values
 * (info codes, counts): inside vmap they hold for the whole batch.
 */
export function allSamples(t: Tensor): Tensor {
  return samplesOf ? samplesOf(t) : t;
}

/** Installs allSamples' unwrapping (src/func, when it loads). */
export function setAllSamples(unwrap: (t: Tensor) => Tensor): void {
  samplesOf = unwrap;
}

const registry: OpDef<never>[] = [];

/**
 * Defines an op (kernels and backward formula, as the built-in ops are defined); returns `def`.
 * Give the input and output counts as type arguments to get tuples instead of arrays. Every op
 * defined is recorded (registeredOps).
 * @example
 * // y = 2x, one input and one output, no attributes:
 * const twiceOp = defineOp<undefined, 1, 1>({
 *   name: 'twice',
 *   dtypes: ['float32', 'float64'],
 *   coreRanks: [0],
 *   shape: () => [[]],
 *   cpu: ([x], [out]) => x.data.forEach((v, i) => { out.data[i] = 2 * v; }),
 *   webgpu: () => { throw new Error('twice: no WebGPU kernel'); },
 *   backward: (_ctx, [g]) => [g ? g.mul(2) : null],
 *   jvp: 'linear',
 * });
 * const y = applyOp1(twiceOp, [tensor([1, 2])]); // tensor([2., 4.])
 */
export function defineOp<A = undefined, NIn extends number = number, NOut extends number = number>(
  def: OpDef<A, NIn, NOut>,
): OpDef<A, NIn, NOut> {
  registry.push(def as unknown as OpDef<never>);
  return def;
}

/**
 * An op section as every built-in op writes it: `dtypes`, `coreRanks` and the `jvp` slot are
 * required, so an op that leaves out its dtype rule, its batching ranks or its forward-mode rule
 * (or shortcut) does not compile. Users' custom ops (defineOp) may still leave them out.
 */
export type BuiltinOpDef<A = undefined, NIn extends number = number, NOut extends number = number> = OpDef<
  A,
  NIn,
  NOut
> &
  Required<Pick<OpDef<A, NIn, NOut>, 'dtypes' | 'coreRanks' | 'jvp'>>;

/** defineOp for the built-in ops (src/ops): the whole section is required (BuiltinOpDef). */
export function defineBuiltinOp<A = undefined, NIn extends number = number, NOut extends number = number>(
  def: BuiltinOpDef<A, NIn, NOut>,
): OpDef<A, NIn, NOut> {
  return defineOp(def);
}

/** Every OpDef defined so far, in definition order (the op table checks each has an entry). */
export function registeredOps(): readonly OpDef<never>[] {
  return [...registry];
}

/** The outputs' metas of `op` applied to `inputs`: its checks, then its shape and dtype rules. */
export function inferMetas<A>(op: OpDef<A>, inputs: readonly TensorMeta[], attrs: A): TensorMeta[] {
  if (op.dtypes) rejectComplex(op.name, op.dtypes, inputs);
  op.check?.(inputs, attrs);
  if (op.dtypes && op.dtypeCheck !== 'op') checkDtypes(op.name, op.dtypes, inputs);
  if (op.infer) return op.infer(inputs, attrs) as TensorMeta[];
  const { shape, coreRanks } = op;
  if (!shape || !Array.isArray(coreRanks)) {
    throw new TypeError(`${op.name}: an OpDef needs infer, or shape with numeric coreRanks`);
  }
  // Plain loops: this runs for every elementwise op, where a few microseconds show.
  const n = inputs.length;
  const batches: (readonly number[])[] = new Array(n);
  const core: (readonly number[])[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = inputs[i].shape;
    const r: number = coreRanks[i] ?? 0;
    if (s.length < r) {
      throw new RangeError(
        `${op.name}: input ${i} must have at least ${r} dimensions, got shape ${shapeStr(s)}`,
      );
    }
    batches[i] = r === 0 ? s : s.slice(0, s.length - r);
    core[i] = r === 0 ? NO_DIMS : s.slice(s.length - r);
  }
  const batch = n === 0 ? NO_DIMS : combineBatches(op, batches);
  const outCore = shape(core, attrs, inputs);
  let dtypes: readonly StorageDType[];
  if (op.outDtypes) {
    const dts: StorageDType[] = new Array(n);
    for (let i = 0; i < n; i++) dts[i] = inputs[i].dtype;
    dtypes = op.outDtypes(dts, attrs);
  } else {
    dtypes = outCore.map(() => inputs[0].dtype);
  }
  const out: TensorMeta[] = new Array(outCore.length);
  for (let j = 0; j < outCore.length; j++) {
    const c = outCore[j];
    out[j] = { shape: c.length === 0 ? batch : [...batch, ...c], dtype: dtypes[j] };
  }
  return out;
}

const NO_DIMS: readonly number[] = [];

/** The batch dims of the outputs: the inputs' broadcast ('broadcast'), or their common value ('same'). */
function combineBatches<A>(op: OpDef<A>, batches: readonly (readonly number[])[]): readonly number[] {
  let out = batches[0];
  for (let i = 1; i < batches.length; i++) {
    const s = batches[i];
    if (sameShape(out, s)) continue;
    if (op.batch !== 'broadcast') {
      throw new RangeError(
        `${op.name}: the inputs must have the same batch dimensions, got ${batches.map(shapeStr).join(' and ')}`,
      );
    }
    out = broadcastShapes(op.name, out, s);
  }
  return out;
}

/**
 * PyTorch's wording for ops that are not defined over ℂ (ordering, rounding, relu, erf, atan2); others
 * get the general one.
 */
const COMPLEX_UNDEFINED: Readonly<Record<string, string>> = {
  gt: 'gt is not supported for complex tensors (complex numbers are not ordered)',
  lt: 'lt is not supported for complex tensors (complex numbers are not ordered)',
  ge: 'ge is not supported for complex tensors (complex numbers are not ordered)',
  le: 'le is not supported for complex tensors (complex numbers are not ordered)',
  maximum: 'maximum not implemented for complex tensors',
  minimum: 'minimum not implemented for complex tensors',
  clamp: 'clamp is not supported for complex types',
  floor: 'floor is not supported for complex inputs',
  ceil: 'ceil is not supported for complex inputs',
  round: 'round is not supported for complex inputs',
  // torch.relu clamps; erf and atan2 have no complex kernels in torch.
  relu: 'clamp is not supported for complex types',
  erf: 'erf not implemented for complex tensors',
  atan2: 'atan2 not implemented for complex tensors',
};

/** A TypeError naming the op and the dtype for a complex input the op's `dtypes` do not list. */
function rejectComplex(op: string, dtypes: readonly StorageDType[], inputs: readonly TensorMeta[]): void {
  for (const t of inputs) {
    if (!isComplex(t.dtype) || dtypes.includes(t.dtype)) continue;
    const reason = COMPLEX_UNDEFINED[op];
    throw new TypeError(
      reason
        ? `${op}: ${reason}, got ${t.dtype} of shape ${shapeStr(t.shape)}`
        : `${op}: complex inputs are not supported yet, got ${t.dtype} of shape ${shapeStr(t.shape)}; ` +
            'work on the parts with .real() and .imag() or viewAsReal(z)',
    );
  }
}

function checkDtypes(op: string, dtypes: readonly StorageDType[], inputs: readonly TensorMeta[]): void {
  if (dtypes.every(isFloat)) {
    requireFloat(op, inputs);
    return;
  }
  for (const t of inputs) {
    if (!dtypes.includes(t.dtype)) {
      throw new TypeError(
        `${op}: expected a tensor of dtype ${dtypes.join(' or ')}, got ${t.dtype} of shape ${shapeStr(t.shape)}`,
      );
    }
  }
}

function checkSameDevice(op: string, inputs: readonly Tensor[]): void {
  for (const t of inputs) {
    t.assertAlive(op);
    if (t.device !== inputs[0].device) {
      throw new TypeError(
        `${op}: expected all tensors to be on the same device, but found at least two devices, ` +
          `${inputs[0].device} and ${t.device}; move them with .to('${inputs[0].device}') first`,
      );
    }
  }
}

/**
 * Runs an op's kernel on the inputs' device and records it for autograd. Returns all outputs (a
 * tuple when the op was defined with an output count); applyOp1 returns the one output of an op.
 * @example
 * const [y] = applyOp(twiceOp, [tensor([1, 2])], undefined);
 */
export function applyOp<A, NIn extends number = number, NOut extends number = number>(
  op: OpDef<A, NIn, NOut>,
  inputs: Tuple<Tensor, NIn>,
  attrs: A,
): NOut extends 1 ? [Tensor] : number extends NOut ? Tensor[] : Tuple<Tensor, NOut> {
  return applyAny(op as unknown as OpDef<A>, inputs as readonly Tensor[], attrs) as never;
}

/**
 * Applies an op with exactly one output and returns that output (a `Tensor`, where
 * `applyOp(...)[0]` is `Tensor | undefined` under noUncheckedIndexedAccess). `attrs` may be left
 * out for ops without attributes. Throws a TypeError when the op does not produce one output.
 * @example
 * const softplus = (x: Tensor) => applyOp1(softplusOp, [x]);
 */
export function applyOp1<A, NIn extends number = number, NOut extends number = number>(
  op: OpDef<A, NIn, NOut>,
  inputs: Tuple<Tensor, NIn>,
  ...attrs: undefined extends A ? [attrs?: A] : [attrs: A]
): Tensor {
  const outputs = applyAny(op as unknown as OpDef<A>, inputs as readonly Tensor[], attrs[0] as A);
  if (outputs.length !== 1) {
    throw new TypeError(
      `applyOp1: op '${op.name}' produced ${outputs.length} outputs; use applyOp for ops with several`,
    );
  }
  return outputs[0];
}

function applyAny<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  // Inputs batched by vmap take the op's batching rule instead of the kernel (src/func/batching.ts);
  // either way the outputs join the graph below, so autograd works inside vmap too.
  const outputs = batchInterceptor?.(op as OpDef<unknown>, inputs, attrs) ?? runKernel(op, inputs, attrs);
  recordNode(op, inputs, attrs, outputs);
  // Forward mode: inside a dual level, the outputs' tangents from the inputs' (the op's jvp slot).
  if (forwardADActive()) {
    propagateTangents(op.name, inputs, outputs, (tangents) =>
      jvpEvaluator(op, { inputs, outputs, attrs, needsInputGrad: tangents.map((t) => t !== null) }, tangents),
    );
  }
  return outputs;
}

/** Checks the inputs, allocates the outputs and runs the op's kernel on the inputs' device. */
function runKernel<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  checkSameDevice(op.name, inputs);
  const metas = inferMetas(op, inputs, attrs);
  const device = inputs[0]?.device ?? 'cpu';
  let outputs: Tensor[];
  if (device === 'cpu') {
    const outViews = metas.map((m) => ({
      data: allocArray(m.dtype, numelOf(m.shape)),
      shape: m.shape,
      dtype: m.dtype,
    }));
    const inViews = inputs.map((t) => t.cpuView());
    if (outViews.some((v) => v.data.length > 0)) op.cpu(inViews, outViews, attrs);
    outputs = outViews.map((v) =>
      Tensor.fromStorage({ device: 'cpu', dtype: v.dtype, data: v.data }, v.shape),
    );
  } else {
    const gpu = getGpu();
    for (const m of metas) {
      if (m.dtype === 'float64') {
        throw new TypeError(
          `${op.name}: float64 is not supported on WebGPU (WGSL has no f64); use float32 tensors ` +
            `(.to('float32')) on webgpu, or run float64 on the cpu device`,
        );
      }
      if (m.dtype === 'complex128') {
        throw new TypeError(
          `${op.name}: complex128 is not supported on WebGPU (WGSL has no f64); use complex64 tensors ` +
            `(.to('complex64')) on webgpu, or run complex128 on the cpu device`,
        );
      }
    }
    // complex64: float32 storage of two slots (re, im) per element.
    const outViews = metas.map((m) => {
      const c = m.dtype === 'complex64';
      const storage: GpuStorage = gpu.alloc(
        c ? 'float32' : (m.dtype as 'float32' | 'int32'),
        numelOf(m.shape) * (c ? 2 : 1),
      );
      return c
        ? { storage, shape: m.shape, dtype: 'float32' as const, complex: true }
        : { storage, shape: m.shape, dtype: m.dtype as 'float32' | 'int32' };
    });
    const inViews = inputs.map((t) => t.gpuView());
    try {
      if (outViews.some((v) => v.storage.length > 0)) op.webgpu(gpu, inViews, outViews, attrs);
    } catch (e) {
      for (const v of outViews) gpu.free(v.storage);
      throw e;
    }
    // A numerical failure found on the device surfaces when any result computed from it is read.
    // Each inherited check runs once and is dropped when it finds nothing (see settlePending).
    const pending = inViews.map((v) => v.storage.pendingError).filter((p) => p !== undefined);
    if (pending.length > 0) {
      const inherited = async () => {
        for (const p of pending) {
          const e = await p();
          if (e) return e;
        }
        return null;
      };
      for (const v of outViews) {
        const own = v.storage.pendingError;
        settlePending(v.storage, own ? async () => (await own()) ?? (await inherited()) : inherited);
      }
    }
    outputs = outViews.map((v, i) => Tensor.fromStorage(v.storage, v.shape, metas[i]!.dtype));
  }
  return outputs;
}

/**
 * Sets `s.pendingError` to `check`, started now and memoized, and removes it again once it resolves
 * to no error. Without this a training loop chains every step's checks through its parameters (the
 * update inherits from the gradient, which inherits from the last parameters), and a read walks
 * every path of that graph: exponential in the number of steps.
 */
function settlePending(s: GpuStorage, check: () => Promise<Error | null>): void {
  const result = check();
  const once = () => result;
  s.pendingError = once;
  result.then(
    (e) => {
      if (!e && s.pendingError === once) s.pendingError = undefined;
    },
    () => undefined,
  );
}

/** Records the op for autograd when gradients are on and an input requires grad. */
function recordNode<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A, outputs: Tensor[]): void {
  if (op.backward !== 'not-differentiable' && isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    const edges: Edge[] = inputs.map((t) => {
      if (!t.requiresGrad) return null;
      const n = t.gradNode;
      return n ? { node: n, index: t.outputIndex } : { leaf: t };
    });
    const ctx = { inputs, outputs, attrs, needsInputGrad: inputs.map((t) => t.requiresGrad) };
    const node = new Node(
      op.name,
      edges,
      ctx as never,
      op.backward as BackwardFn<unknown>,
      inputs.map((t) => t.shape),
      inputs.map((t) => t.dtype),
      outputs.map((t) => t.shape),
    );
    outputs.forEach((t, i) => {
      if (isDifferentiableDtype(t.dtype) && op.differentiable?.[i] !== false) t.attachNode(node, i);
    });
  }
}

type JvpEvaluator = <A>(
  op: OpDef<A>,
  ctx: BackwardContext<A>,
  tangents: readonly (Tensor | null)[],
) => (Tensor | null)[];

let jvpEvaluator: JvpEvaluator = () => {
  throw new Error('internal: forward-mode rules are not loaded; import linagrad (src/index.ts) first');
};

/**
 * @internal ops/install.ts installs the evaluator of jvp slots (ops/jvp.ts imports this module, so
 * this module cannot import it).
 */
export function installJvpEvaluator(fn: JvpEvaluator): void {
  jvpEvaluator = fn;
}

/** Single-output convenience for built-in ops (no output-count check). */
export function apply1<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  return applyAny(op, inputs, attrs)[0]!;
}

/** Throws unless every input is a floating-point tensor. */
export function requireFloat(op: string, inputs: readonly TensorMeta[]): void {
  for (const t of inputs) {
    if (!isFloat(t.dtype)) {
      throw new TypeError(
        `${op}: expected a floating-point tensor (float32 or float64), got ${t.dtype} of shape ${shapeStr(t.shape)}`,
      );
    }
  }
}
