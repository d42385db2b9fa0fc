import { isGradEnabled } from '../autograd/grad-mode.js';
import type { BackwardFn, Edge, Tuple } from '../autograd/node.js';
import { Node } from '../autograd/node.js';
import type { CpuView, GpuStorage, GpuView, StorageDType } from '../backends/backend.js';
import { getGpu } from '../backends/webgpu/device.js';
import type { WebGPURuntime } from '../backends/webgpu/runtime.js';
import { allocArray, isFloat } from '../dtype.js';
import { numelOf, shapeStr } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Shape and dtype of one tensor, as an op's shape rule sees it. */
export interface TensorMeta {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** The tensor's dtype. */
  readonly dtype: StorageDType;
}

/**
 * One op, in one place: its name, shape/dtype rule, CPU kernel, WGSL kernel and backward formula.
 * Every field is required, so the type checker rejects an op that lacks a kernel or a backward rule;
 * an op with no derivative says so with `backward: 'not-differentiable'`.
 *
 * `A` is the type of the op's attributes (`undefined` when it has none); `NIn` and `NOut`, when
 * given as number literals, make the inputs, outputs and gradients tuples of that length.
 */
export interface OpDef<A = undefined, NIn extends number = number, NOut extends number = number> {
  /** The op's name, shown as `gradFn` and in error messages. */
  readonly name: string;
  /** Validates the inputs (throwing errors that name the op and shapes) and returns the outputs' metas. */
  readonly infer: (inputs: Tuple<TensorMeta, NIn>, attrs: A) => Tuple<TensorMeta, NOut>;
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
}

const registered: OpDef<never>[] = [];
/** Every OpDef defined so far, in definition order (the op table's coverage test reads it). */
export function registeredOps(): readonly OpDef<never>[] {
  return registered;
}

/**
 * Defines an op (kernels and backward formula, as the built-in ops are defined); returns `def`.
 * Give the input and output counts as type arguments to get tuples instead of arrays.
 * @example
 * // y = 2x, one input and one output, no attributes:
 * const twiceOp = defineOp<undefined, 1, 1>({
 *   name: 'twice',
 *   infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
 *   cpu: ([x], [out]) => x.data.forEach((v, i) => { out.data[i] = 2 * v; }),
 *   webgpu: () => { throw new Error('twice: no WebGPU kernel'); },
 *   backward: (_ctx, [g]) => [g ? g.mul(2) : null],
 * });
 * const y = applyOp1(twiceOp, [tensor([1, 2])]); // tensor([2., 4.])
 */
export function defineOp<A = undefined, NIn extends number = number, NOut extends number = number>(
  def: OpDef<A, NIn, NOut>,
): OpDef<A, NIn, NOut> {
  registered.push(def as unknown as OpDef<never>);
  return def;
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
  checkSameDevice(op.name, inputs);
  const metas = op.infer(inputs, attrs);
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
    }
    const outViews = metas.map((m) => {
      const storage: GpuStorage = gpu.alloc(m.dtype as 'float32' | 'int32', numelOf(m.shape));
      return { storage, shape: m.shape, dtype: m.dtype as 'float32' | 'int32' };
    });
    const inViews = inputs.map((t) => t.gpuView());
    try {
      if (outViews.some((v) => v.storage.length > 0)) op.webgpu(gpu, inViews, outViews, attrs);
    } catch (e) {
      for (const v of outViews) gpu.free(v.storage);
      throw e;
    }
    // A numerical failure found on the device surfaces when any result computed from it is read.
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
        v.storage.pendingError = own ? async () => (await own()) ?? (await inherited()) : inherited;
      }
    }
    outputs = outViews.map((v) => Tensor.fromStorage(v.storage, v.shape));
  }
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
      metas.map((m) => m.shape),
    );
    outputs.forEach((t, i) => {
      if (isFloat(t.dtype)) t.attachNode(node, i);
    });
  }
  return outputs;
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
