import { isGradEnabled } from '../autograd/grad-mode.js';
import type { BackwardFn, Edge } from '../autograd/node.js';
import { Node } from '../autograd/node.js';
import type { CpuView, GpuStorage, GpuView, StorageDType } from '../backends/backend.js';
import { getGpu } from '../backends/webgpu/device.js';
import type { WebGPURuntime } from '../backends/webgpu/runtime.js';
import { allocArray, isFloat } from '../dtype.js';
import { numelOf, shapeStr } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Shape and dtype of one tensor, as an op's shape rule sees it. */
export interface TensorMeta {
  readonly shape: readonly number[];
  readonly dtype: StorageDType;
}

/**
 * One op, in one place: its name, shape/dtype rule, CPU kernel, WGSL kernel and backward formula.
 * Every field is required, so the type checker rejects an op that lacks a kernel or a backward rule;
 * an op with no derivative says so with `backward: 'not-differentiable'`.
 */
export interface OpDef<A = undefined> {
  readonly name: string;
  /** Validates the inputs (throwing errors that name the op and shapes) and returns the outputs' metas. */
  readonly infer: (inputs: readonly TensorMeta[], attrs: A) => TensorMeta[];
  /** Fills `outputs` (freshly allocated, zeroed) from `inputs`; all contiguous row-major. */
  readonly cpu: (inputs: readonly CpuView[], outputs: readonly CpuView[], attrs: A) => void;
  /** Encodes the WGSL dispatches that fill `outputs` from `inputs` (float32/int32 only). */
  readonly webgpu: (
    gpu: WebGPURuntime,
    inputs: readonly GpuView[],
    outputs: readonly GpuView[],
    attrs: A,
  ) => void;
  readonly backward: BackwardFn<A> | 'not-differentiable';
}

/** Defines an op; the identity function, here so that user ops and built-in ops go through one path. */
export function defineOp<A = undefined>(def: OpDef<A>): OpDef<A> {
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

/** Runs an op's kernel on the inputs' device and records it for autograd. Returns all outputs. */
export function applyOp<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
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

/** Single-output convenience. */
export function apply1<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  return applyOp(op, inputs, attrs)[0];
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
