import type { Device, Storage, StorageDType, TypedArray } from '../backends/backend.js';
import { getGpu } from '../backends/webgpu/device.js';
import { allocArray, checkDtype, type DType, dtypeOfArray, isComplex } from '../dtype.js';
import { numelOf, shapeStr } from '../shape.js';
import { type NestedArray, Tensor } from '../tensor.js';

/**
 * Options of the tensor factories (tensor, zeros, ones, full, eye, arange, rand, randn).
 * @example
 * zeros([2, 3], { dtype: 'float32', requiresGrad: true });
 */
export interface TensorOptions {
  /**
   * The element type. Default: getDefaultDtype() (float64), integer-valued data included;
   * Int32Array data gives int32.
   */
  dtype?: DType;
  /** 'cpu' or 'webgpu' (after initWebGPU()). Default: getDefaultDevice() ('cpu'). */
  device?: Device;
  /**
   * Make the tensor a leaf whose gradient backward() computes (floating-point dtypes only). Default
   * false.
   */
  requiresGrad?: boolean;
}

let defaultDevice: Device = 'cpu';

/**
 * The device of tensors made without a `device` option (default cpu); webgpu needs initWebGPU()
 * first.
 * @example
 * await initWebGPU();
 * setDefaultDevice('webgpu');
 * tensor([1, 2], { dtype: 'float32' }).device; // 'webgpu'
 */
export function setDefaultDevice(device: Device): void {
  if (device !== 'cpu' && device !== 'webgpu')
    throw new TypeError(`setDefaultDevice: unknown device ${String(device)}`);
  if (device === 'webgpu') getGpu(); // throws with instructions when initWebGPU() has not succeeded
  defaultDevice = device;
}

/**
 * The device of tensors made without a `device` option.
 * @example
 * getDefaultDevice(); // 'cpu'
 */
export function getDefaultDevice(): Device {
  return defaultDevice;
}

/**
 * Puts host values on a device as a new leaf tensor. The dtype is the array's, unless given: a
 * complex tensor's interleaved (re, im) data is a Float32Array (complex64) or Float64Array
 * (complex128) of 2·numel, which the array's type alone cannot tell from a real one.
 */
export function fromHost(
  data: TypedArray,
  shape: readonly number[],
  device: Device,
  requiresGrad = false,
  dtype: StorageDType = dtypeOfArray(data),
): Tensor {
  let storage: Storage;
  if (device === 'cpu') {
    storage = { device: 'cpu', dtype, data };
  } else {
    if (dtype === 'float64') {
      throw new TypeError(
        'float64 is not supported on WebGPU (WGSL has no f64); create the tensor with { dtype: "float32" } ' +
          "or convert it with .to('float32') before moving it to webgpu",
      );
    }
    if (dtype === 'complex128') {
      throw new TypeError(
        'complex128 is not supported on WebGPU (WGSL has no f64); create the tensor with { dtype: "complex64" } ' +
          "or convert it with .to('complex64') before moving it to webgpu",
      );
    }
    const stDtype = dtype === 'complex64' ? 'float32' : (dtype as 'float32' | 'int32');
    storage = getGpu().upload(data as Float32Array | Int32Array, stDtype);
  }
  const t = Tensor.fromStorage(storage, shape, dtype);
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: TypedArray): void {
  let k = 0;
  const rec = (d: NestedArray, depth: number) => {
    if (depth === shape.length) {
      if (typeof d !== 'number')
        throw new TypeError(`tensor: expected a number at depth ${depth}, got ${typeof d}`);
      out[k++] = d;
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[depth]) {
      throw new RangeError(
        `tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${Array.isArray(d) ? d.length : typeof d}`,
      );
    }
    for (const x of d) rec(x, depth + 1);
  };
  rec(data, 0);
}

/**
 * Makes a tensor from a number, nested arrays or a typed array (copied).
 * @example
 * tensor([[1, 2], [3, 4]]); // float64, shape [2, 2]
 * tensor([1, 2, 3, 4], { shape: [2, 2], dtype: 'float32', requiresGrad: true });
 * tensor(new Float32Array([1, 2])); // float32, from the array's type
 */
export function tensor(
  data: NestedArray | Float32Array | Float64Array | Int32Array,
  opts: TensorOptions & { shape?: number[] } = {},
): Tensor {
  let dtype: StorageDType;
  let shape: number[];
  let flat: TypedArray;
  if (ArrayBuffer.isView(data)) {
    dtype = opts.dtype ? checkDtype(opts.dtype, 'tensor') : dtypeOfArray(data);
    const w = isComplex(dtype) ? 2 : 1;
    if (w === 2) checkPairs(data.length);
    shape = opts.shape ?? [data.length / w];
    if (numelOf(shape) * w !== data.length) {
      throw new RangeError(
        `tensor: shape ${shapeStr(shape)} needs ${numelOf(shape) * w} values but the array has ${data.length}`,
      );
    }
    flat = allocArray(dtype, data.length / w);
    flat.set(data);
  } else {
    dtype = checkDtype(opts.dtype, 'tensor');
    const inferred = inferShape(data);
    const w = isComplex(dtype) ? 2 : 1;
    if (w === 2) checkPairs(inferred.at(-1) ?? 1);
    flat = allocArray(dtype, numelOf(inferred) / w);
    flatten(data, inferred, flat);
    // Complex: the innermost dim holds (re, im) pairs, so the tensor's last dim is half of it.
    const elementShape = w === 2 ? [...inferred.slice(0, -1), inferred.at(-1)! / 2] : inferred;
    shape = opts.shape ?? elementShape;
    if (numelOf(shape) * w !== flat.length) {
      throw new RangeError(
        `tensor: shape ${shapeStr(shape)} does not match the ${flat.length / w} values given`,
      );
    }
  }
  return fromHost(flat, shape, opts.device ?? defaultDevice, opts.requiresGrad, dtype);
}

/** Complex data is interleaved [re, im, …]: its (innermost) length must be even. */
function checkPairs(length: number): void {
  if (length % 2 !== 0) {
    throw new RangeError(
      `tensor: complex data is interleaved [re, im, …] pairs, so its innermost length must be even, got ${length}`,
    );
  }
}

function checkShape(op: string, shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`${op}: invalid shape ${shapeStr(shape)}; sizes must be integers >= 0`);
  }
}

/**
 * A tensor of `shape` filled with `value`.
 * @example
 * full([2, 2], 0.5); // tensor([[0.5000, 0.5000], [0.5000, 0.5000]])
 */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  const dtype = checkDtype(opts.dtype, 'full');
  const data = filled(dtype, numelOf(shape), value);
  return fromHost(data, shape, opts.device ?? defaultDevice, opts.requiresGrad, dtype);
}

/**
 * A tensor of zeros.
 * @example
 * zeros([2, 3]); // float64
 * zeros([4], { dtype: 'float32', device: 'webgpu' });
 */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/**
 * A tensor of ones.
 * @example
 * ones([3]); // tensor([1., 1., 1.])
 */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/**
 * n×m identity (m defaults to n).
 * @example
 * eye(2); // tensor([[1., 0.], [0., 1.]])
 * eye(2, 3, { dtype: 'float32' });
 */
export function eye(n: number, m: number | TensorOptions = n, opts: TensorOptions = {}): Tensor {
  if (typeof m === 'object') {
    opts = m;
    m = n;
  }
  checkShape('eye', [n, m]);
  const dtype = checkDtype(opts.dtype, 'eye');
  const data = allocArray(dtype, n * m);
  const w = isComplex(dtype) ? 2 : 1;
  for (let i = 0; i < Math.min(n, m); i++) data[(i * m + i) * w] = 1;
  return fromHost(data, [n, m], opts.device ?? defaultDevice, opts.requiresGrad, dtype);
}

/**
 * arange(end), arange(start, end), arange(start, end, step), as torch.arange.
 * @example
 * arange(4); // tensor([0., 1., 2., 3.])
 * arange(1, 2, 0.25); // tensor([1.0000, 1.2500, 1.5000, 1.7500])
 */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = checkDtype(opts.dtype, 'arange');
  const data = allocArray(dtype, n);
  const w = isComplex(dtype) ? 2 : 1;
  for (let i = 0; i < n; i++) data[i * w] = start + i * step;
  return fromHost(data, [n], opts.device ?? defaultDevice, opts.requiresGrad, dtype);
}

/** A deterministic generator (splitmix32) so seeded tensors are reproducible across platforms. */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return (z + 0.5) / 4294967296;
  };
}

let globalRng = makeRng(0x5eed);

/**
 * Reseeds the generator used by randn/rand when no seed is given (torch.manual_seed).
 * @example
 * manualSeed(42);
 * const a = randn([2]);
 * manualSeed(42);
 * randn([2]).eq(a).sum().item(); // 2
 */
export function manualSeed(seed: number): void {
  globalRng = makeRng(seed);
}

/**
 * Uniform samples in [0, 1); a `seed` makes them reproducible on every platform (torch.rand).
 * @example
 * rand([2, 2], { seed: 0 });
 */
export function rand(shape: readonly number[], opts: TensorOptions & { seed?: number } = {}): Tensor {
  checkShape('rand', shape);
  const rng = opts.seed === undefined ? globalRng : makeRng(opts.seed);
  const dtype = checkDtype(opts.dtype, 'rand');
  // Complex: real and imaginary parts each uniform in [0, 1), as torch.rand.
  const data = allocArray(dtype, numelOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng();
  return fromHost(data, shape, opts.device ?? defaultDevice, opts.requiresGrad, dtype);
}

/**
 * Standard normal samples (Box–Muller).
 * @example
 * randn([3, 3], { seed: 1 }); // the same values on every platform
 * randn([2], { dtype: 'float32', requiresGrad: true });
 */
export function randn(shape: readonly number[], opts: TensorOptions & { seed?: number } = {}): Tensor {
  checkShape('randn', shape);
  const rng = opts.seed === undefined ? globalRng : makeRng(opts.seed);
  const dtype = checkDtype(opts.dtype, 'randn');
  const data = allocArray(dtype, numelOf(shape));
  // Complex: real and imaginary parts each of variance ½ (E|z|² = 1), as torch.randn.
  const scale = isComplex(dtype) ? Math.SQRT1_2 : 1;
  for (let i = 0; i < data.length; i += 2) {
    const r = scale * Math.sqrt(-2 * Math.log(rng()));
    const th = 2 * Math.PI * rng();
    data[i] = r * Math.cos(th);
    if (i + 1 < data.length) data[i + 1] = r * Math.sin(th);
  }
  return fromHost(data, shape, opts.device ?? defaultDevice, opts.requiresGrad, dtype);
}

/** A constant with `like`'s dtype and device. */
export function fullLike(like: Tensor, value: number, shape: readonly number[] = like.shape): Tensor {
  return fromHost(filled(like.dtype, numelOf(shape), value), shape, like.device, false, like.dtype);
}

/** numel elements of `value` (a complex dtype: value + 0i). */
function filled(dtype: StorageDType, numel: number, value: number): TypedArray {
  const data = allocArray(dtype, numel);
  if (!isComplex(dtype)) data.fill(value);
  else if (value !== 0) for (let i = 0; i < data.length; i += 2) data[i] = value;
  return data;
}

/**
 * Ones with the shape, dtype and device of `like`.
 * @example
 * onesLike(tensor([1, 2], { dtype: 'float32' })); // tensor([1., 1.], dtype=float32)
 */
export function onesLike(like: Tensor): Tensor {
  return fullLike(like, 1);
}

/**
 * Zeros with the shape, dtype and device of `like`.
 * @example
 * zerosLike(eye(2)); // tensor([[0., 0.], [0., 0.]])
 */
export function zerosLike(like: Tensor): Tensor {
  return fullLike(like, 0);
}

/** A 0-d constant for mixing JS numbers into tensor ops (it takes the tensor's dtype, like PyTorch). */
export function scalarLike(like: Tensor, value: number): Tensor {
  return fullLike(like, value, []);
}
