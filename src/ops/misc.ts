import {
  propagateTangents,
  setTangentIfActive,
  tangentsOf,
  withoutTangents,
} from '../autograd/forward-ad.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { Node } from '../autograd/node.js';
import type { Device, StorageDType } from '../backends/backend.js';
import { getGpu } from '../backends/webgpu/device.js';
import { elementwiseGpu } from '../backends/webgpu/kernels/elementwise.js';
import {
  allDtypes,
  checkDtype,
  everyDtype,
  isComplex,
  isDifferentiableDtype,
  realDtypeOf,
} from '../dtype.js';
import { AutogradError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { complex, real, viewAsComplex, viewAsReal } from './complex.js';
import { fromHost, zerosLike } from './creation.js';
import { apply1, defineBuiltinOp } from './registry.js';

/** Converts between dtypes; the gradient is converted back. */
export const castOp = defineBuiltinOp<{ dtype: StorageDType }>({
  name: 'cast',
  dtypes: allDtypes,
  coreRanks: [0],
  shape: () => [[]],
  outDtypes: (_dts, { dtype }) => [dtype],
  cpu: ([x], [out]) => out.data.set(x.data),
  webgpu: (gpu, [x], [out]) => elementwiseGpu(gpu, 'a', [x], out),
  backward: (c, [g]) => [cast(g!, c.inputs[0].dtype)],
  jvp: 'linear',
});

/** A differentiable copy. */
export const cloneOp = defineBuiltinOp<undefined>({
  name: 'clone',
  dtypes: everyDtype,
  coreRanks: [0],
  shape: () => [[]],
  cpu: ([x], [out]) => out.data.set(x.data),
  webgpu: (gpu, [x], [out]) => gpu.copy(x.storage, out.storage),
  backward: (_c, [g]) => [g],
  jvp: 'linear',
});

export const miscOps = { cast: castOp, clone: cloneOp };

/**
 * Converts to another dtype (differentiable: the gradient is converted back); the same as
 * `x.to(dtype)`.
 * @example
 * cast(tensor([1.5]), 'float32'); // tensor([1.5000], dtype=float32)
 */
export function cast(x: Tensor, dtype: StorageDType): Tensor {
  const dt = checkDtype(dtype, 'to');
  if (dt === x.dtype) return x;
  if (isComplex(dt) || isComplex(x.dtype)) return castComplex(x, dt);
  return apply1(castOp, [x], { dtype: dt });
}

let warnedDiscard = false;

/**
 * Casts into, out of and between complex dtypes, as composites of the real casts and views, so
 * that the gradient follows: real → complex takes the real part of the gradient back, complex →
 * real (dropping the imaginary part, with a one-time warning as PyTorch) gives a complex gradient
 * with zero imaginary part.
 */
function castComplex(x: Tensor, dt: StorageDType): Tensor {
  if (isComplex(x.dtype) && isComplex(dt)) return viewAsComplex(cast(viewAsReal(x), realDtypeOf(dt)));
  if (isComplex(dt)) {
    const re = cast(x, realDtypeOf(dt));
    return complex(re, zerosLike(re));
  }
  if (!warnedDiscard) {
    warnedDiscard = true;
    console.warn('Casting complex values to real discards the imaginary part');
  }
  return cast(real(x), dt);
}

/**
 * A copy that stays in the graph (the gradient flows through).
 * @example
 * clone(tensor([1, 2], { requiresGrad: true })); // gradFn=<clone>
 */
export function clone(x: Tensor): Tensor {
  return apply1(cloneOp, [x], undefined);
}

/**
 * Same values, no history, requiresGrad false, no forward-mode tangent (a copy: tensors never
 * share storage).
 * @example
 * const w = tensor([1], { requiresGrad: true });
 * detach(w.mul(2)).requiresGrad; // false
 */
export function detach(x: Tensor): Tensor {
  return noGrad(() => withoutTangents(() => clone(x)));
}

/**
 * Moves a tensor between devices (differentiable: the gradient moves back). Moving float64 to
 * webgpu is an error that says to convert to float32 first.
 */
export function toDevice(x: Tensor, device: Device): Tensor {
  x.assertAlive('to');
  if (device === x.device) return x;
  if (device === 'webgpu' && x.dtype === 'float64') {
    throw new TypeError(
      "to('webgpu'): float64 is not supported on WebGPU (WGSL has no f64); convert first with .to('float32')",
    );
  }
  if (device === 'webgpu' && x.dtype === 'complex128') {
    throw new TypeError(
      "to('webgpu'): complex128 is not supported on WebGPU (WGSL has no f64); convert first with .to('complex64')",
    );
  }
  if (device === 'webgpu') {
    getGpu();
    if (x.requiresGrad && isGradEnabled()) {
      throw new AutogradError(
        "to('webgpu'): this cpu tensor requires grad, but a gradient cannot flow back from webgpu to the cpu " +
          'synchronously during backward(). Create the leaf on webgpu instead: ' +
          "x.detach().to('webgpu').requiresGrad_(), or tensor(data, { device: 'webgpu', requiresGrad: true })",
      );
    }
  }
  const out = x.device === 'cpu' ? fromHost(x.cpuView().data.slice(), x.shape, device, false, x.dtype) : null;
  if (!out) {
    throw new TypeError(
      "to('cpu'): reading a webgpu tensor is asynchronous; use `await toCpu(t)` (or `await t.data()`)",
    );
  }
  recordTransfer(x, out);
  propagateTangents('to', [x], [out], ([t]) => [toDevice(t!, device)]);
  return out;
}

/**
 * Copies a webgpu tensor to the cpu (async, since GPU reads are); differentiable like toDevice.
 * @example
 * const g = tensor([1, 2], { device: 'webgpu', dtype: 'float32' });
 * (await toCpu(g)).toArray(); // [1, 2]
 */
export async function toCpu(x: Tensor): Promise<Tensor> {
  if (x.device === 'cpu') return x;
  const tangents = tangentsOf(x); // the levels active now (the copy finishes after an await)
  const out = fromHost(await x.data(), x.shape, 'cpu', false, x.dtype);
  recordTransfer(x, out);
  for (const { level, tangent } of tangents) setTangentIfActive(level, out, await toCpu(tangent));
  return out;
}

function recordTransfer(x: Tensor, out: Tensor): void {
  if (!isGradEnabled() || !x.requiresGrad || !isDifferentiableDtype(x.dtype)) return;
  const src = x.device;
  const gn = x.gradNode;
  const node = new Node(
    'to',
    [gn ? { node: gn, index: x.outputIndex } : { leaf: x }],
    { inputs: [x], outputs: [out], attrs: undefined, needsInputGrad: [true] },
    (_c, [g]) => [toDevice(g!, src)],
    [x.shape],
    [x.dtype],
    [out.shape],
  );
  out.attachNode(node, 0);
}
