import { runBackward } from './autograd/engine.js';
import { tangentsOf } from './autograd/forward-ad.js';
import type { GradHook, Node } from './autograd/node.js';
import type { CpuView, Device, GpuView, Storage, StorageDType, TypedArray } from './backends/backend.js';
import { getGpu } from './backends/webgpu/device.js';
import { dtypeWidth, getDefaultDtype, isComplex, isDifferentiableDtype } from './dtype.js';
import { AutogradError } from './errors.js';
import { formatTensor } from './format.js';
import { retarget, track, untrack } from './memory.js';
import { tensorOps as ops } from './ops-hook.js';
import { type NestedArray, nest, numelOf, shapeStr } from './shape.js';
import { type TensorMethods, tensorMethods } from './tensor-methods.js';

declare global {
  /**
   * `Symbol.dispose` (for `using t = …`), declared as lib.esnext.disposable and @types/node do, so
   * that the declarations also type-check in projects whose `lib` predates it (ES2022 + DOM).
   */
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

export type { NestedArray } from './shape.js';

// The op methods (add … kron, inverse): declared and written in src/tensor-methods.ts, merged into
// the class's type here and installed on its prototype after it.
export interface Tensor extends TensorMethods {}

/**
 * A dense, contiguous, row-major n-dimensional array on one device, with autograd fields.
 * Ops never mutate a tensor's values; `requiresGrad_` and optimizers are the only in-place changes.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the op methods of src/tensor-methods.ts, which the loop after the class installs on the prototype
export class Tensor {
  /** The size of each dim (a frozen array). @example tensor([[1, 2, 3]]).shape; // [1, 3] */
  readonly shape: readonly number[];
  /** 'float64' (the default), 'float32' or 'int32'. @example tensor([1]).dtype; // 'float64' */
  readonly dtype: StorageDType;
  /** 'cpu' or 'webgpu'. @example tensor([1]).device; // 'cpu' */
  readonly device: Device;
  /**
   * The gradient accumulated by backward() for a leaf that requires grad (or a non-leaf with retainGrad).
   * @example
   * const x = tensor([1, 2], { requiresGrad: true });
   * x.square().sum().backward();
   * x.grad; // tensor([2., 4.])
   */
  grad: Tensor | null = null;
  private storage: Storage | null;
  private _requiresGrad = false;
  private node: Node | null = null;
  private outIndex = 0;
  private leafHooks: GradHook[] = [];
  private gradOwned = false;
  /** The values of a webgpu tensor, kept when they were read (small tensors only), for printing. */
  private lastRead: TypedArray | null = null;

  private constructor(storage: Storage, shape: readonly number[], dtype: StorageDType = storage.dtype) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.device = storage.device;
    track(this, storage.device === 'webgpu' ? storage : null);
  }

  /**
   * @internal Wraps a storage (owned from now on by the new tensor). A complex tensor's storage
   * holds 2·numel interleaved numbers; on webgpu its storage dtype is float32, so complex64 is
   * passed as `dtype`.
   */
  static fromStorage(
    storage: Storage,
    shape: readonly number[],
    dtype: StorageDType = storage.dtype,
  ): Tensor {
    const n = numelOf(shape) * dtypeWidth(dtype);
    const len = storage.device === 'cpu' ? storage.data.length : storage.length;
    if (len !== n) throw new Error(`internal: storage of ${len} elements for shape ${shapeStr(shape)}`);
    if (
      storage.device === 'webgpu' &&
      dtype !== storage.dtype &&
      !(dtype === 'complex64' && storage.dtype === 'float32')
    )
      throw new Error(`internal: ${storage.dtype} storage for a ${dtype} tensor`);
    return new Tensor(storage, shape, dtype);
  }

  /** The number of dims. @example zeros([2, 3]).ndim; // 2 */
  get ndim(): number {
    return this.shape.length;
  }
  /** The number of elements. @example zeros([2, 3]).numel; // 6 */
  get numel(): number {
    return numelOf(this.shape);
  }
  /**
   * True for tensors not made by a differentiable op (whose .grad backward fills when they require
   * grad).
   * @example
   * tensor([1], { requiresGrad: true }).mul(2).isLeaf; // false
   */
  get isLeaf(): boolean {
    return this.node === null;
  }
  /** The name of the op that made this tensor (null for leaves), like PyTorch's grad_fn.
   * @example tensor([1], { requiresGrad: true }).mul(2).gradFn; // 'mul' */
  get gradFn(): string | null {
    return this.node?.name ?? null;
  }
  /**
   * True after dispose() (or tidy) freed the storage.
   * @example
   * const t = tensor([1]);
   * t.dispose();
   * t.isDisposed; // true
   */
  get isDisposed(): boolean {
    return this.storage === null;
  }

  /** Whether backward computes a gradient for this tensor (leaves) or through it (results of ops).
   * @example tensor([1]).requiresGrad; // false */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** Sets requiresGrad in place (leaves only) and returns this tensor.
   * @example const w = randn([3, 3], { seed: 0 }).requiresGrad_(); */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) {
      throw new AutogradError(
        `requiresGrad_: this tensor is not a leaf (it was made by '${this.gradFn}'); use .detach() to get a tensor without gradient tracking`,
      );
    }
    if (flag && !isDifferentiableDtype(this.dtype)) {
      throw new TypeError(
        `requiresGrad_: only floating-point tensors can require gradients, got ${this.dtype}`,
      );
    }
    this._requiresGrad = flag;
    return this;
  }

  /** @internal */ get gradNode(): Node | null {
    return this.node;
  }
  /** @internal */ get outputIndex(): number {
    return this.outIndex;
  }
  /** @internal Makes this tensor output `index` of `node`. */
  attachNode(node: Node, index: number): void {
    this.node = node;
    this.outIndex = index;
    this._requiresGrad = true;
  }
  /** @internal Tensors the autograd graph keeps alive for this tensor's backward, and its tangents. */
  savedByGraph(): readonly Tensor[] {
    const saved = this.node?.savedTensors() ?? [];
    const tangents = tangentsOf(this);
    return tangents.length === 0 ? saved : [...saved, ...tangents.map((t) => t.tangent)];
  }
  /** @internal Runs leaf hooks, then accumulates into .grad as PyTorch does. */
  accumulateGrad(g: Tensor, createGraph: boolean): void {
    for (const h of this.leafHooks) g = h(g) ?? g;
    const old = this.grad;
    const next = old ? (createGraph ? old.add(g) : ops.noGradAdd(old, g)) : g;
    if (old && this.gradOwned && !createGraph && old !== next) old.dispose();
    untrack(next);
    this.grad = next;
    this.gradOwned = true;
  }

  /** Registers a hook called with this tensor's gradient; it may return a replacement gradient.
   * @example x.registerHook((g) => g.mul(2)); // doubles the gradient flowing into x */
  registerHook(hook: GradHook): void {
    if (!this.requiresGrad) {
      throw new AutogradError(
        "registerHook: cannot register a hook on a tensor that doesn't require gradient",
      );
    }
    if (this.node) this.node.addHook(this.outIndex, hook);
    else this.leafHooks.push(hook);
  }

  /**
   * Makes backward() fill .grad for this non-leaf tensor too.
   * @example
   * const h = x.mul(2);
   * h.retainGrad();
   * h.sum().backward();
   * h.grad; // ones
   */
  retainGrad(): void {
    if (this.isLeaf) return;
    this.registerHook((g) => {
      this.grad = this.grad ? ops.noGradAdd(this.grad, g) : g;
      return undefined;
    });
  }

  /**
   * Computes gradients of this tensor with respect to graph leaves, accumulating into their .grad.
   * @example
   * const x = tensor([1, 2], { requiresGrad: true });
   * x.square().sum().backward();
   * x.mul(3).backward(tensor([1, 1])); // a non-scalar output needs a gradient
   * x.grad; // tensor([5., 7.]) (accumulated)
   */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    runBackward([this], gradient ? [gradient] : null, {
      ...opts,
      accumulate: true,
      inputs: null,
      allowUnused: true,
    });
  }

  // ---- storage access -------------------------------------------------------------------------

  /** @internal Throws a clear error if this tensor was disposed. */
  assertAlive(op: string): void {
    if (!this.storage) {
      throw new AutogradError(
        `${op}: tensor of shape ${shapeStr(this.shape)} was disposed and cannot be used; ` +
          'if tidy() disposed it, return it from the tidy function or call keep(tensor)',
      );
    }
  }
  /** @internal */
  cpuView(): CpuView {
    this.assertAlive('read');
    const s = this.storage!;
    if (s.device !== 'cpu') throw new Error('internal: cpuView of a webgpu tensor');
    return { data: s.data, shape: this.shape, dtype: this.dtype };
  }
  /** @internal */
  gpuView(): GpuView {
    this.assertAlive('read');
    const s = this.storage!;
    if (s.device !== 'webgpu') throw new Error('internal: gpuView of a cpu tensor');
    return isComplex(this.dtype)
      ? { storage: s, shape: this.shape, dtype: s.dtype, complex: true }
      : { storage: s, shape: this.shape, dtype: s.dtype };
  }
  /** @internal Replaces the values in place with those of `src` (same shape/dtype/device), taking its storage. */
  assignFrom(src: Tensor): void {
    this.assertAlive('assign');
    src.assertAlive('assign');
    const old = this.storage!;
    this.lastRead = null;
    this.storage = src.storage;
    src.storage = null;
    untrack(src);
    if (old.device === 'webgpu') getGpu().free(old);
    const s = this.storage!;
    retarget(this, s.device === 'webgpu' ? s : null);
  }

  /** @internal Hands this tensor's storage to the caller, who frees it; the tensor counts as disposed. */
  takeStorage(): Storage {
    this.assertAlive('takeStorage');
    const s = this.storage!;
    this.storage = null;
    untrack(this);
    return s;
  }

  /** The values as a flat typed array (synchronous; cpu only).
   * @example tensor([1, 2]).dataSync(); // Float64Array [1, 2] */
  dataSync(): TypedArray {
    return this.cpuValues('dataSync', 'await t.data()').slice();
  }
  /** The values as a flat typed array.
   * @example await tensor([1, 2], { device: 'webgpu', dtype: 'float32' }).data(); // Float32Array [1, 2] */
  async data(): Promise<TypedArray> {
    this.assertAlive('data');
    const s = this.storage!;
    if (s.device === 'cpu') return s.data.slice();
    const values = await getGpu().read(s);
    if (this.storage === s && values.length <= PRINT_CACHE_LIMIT) this.lastRead = values.slice();
    return values;
  }
  /** Nested JS arrays (synchronous; cpu only); a complex tensor's innermost arrays are [re, im] pairs.
   * @example tensor([[1, 2], [3, 4]]).toArray(); // [[1, 2], [3, 4]] */
  toArray(): NestedArray {
    return nest(this.cpuValues('toArray', 'await t.array()'), this.nestShape());
  }
  /** The shape values nest to: complex tensors end in [re, im] pairs. */
  private nestShape(): readonly number[] {
    return isComplex(this.dtype) ? [...this.shape, 2] : this.shape;
  }
  /**
   * Nested JS arrays, on every device (rejects with the LinAlgError of a failed WebGPU
   * computation).
   * @example
   * await linalg.inv(A).array();
   */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.nestShape());
  }
  /** The single value of a one-element tensor (synchronous; cpu only). @example tensor([[3]]).item(); // 3 */
  item(): number {
    if (isComplex(this.dtype)) {
      throw new TypeError(
        `item: a ${this.dtype} tensor has no single number; read its parts with t.real().item() and t.imag().item()`,
      );
    }
    if (this.numel !== 1) {
      throw new RangeError(`item: a Tensor with ${this.numel} elements cannot be converted to a number`);
    }
    return this.cpuValues('item', '(await t.data())[0]')[0];
  }

  /** The cpu storage's values (not a copy), or the TypeError that names the async read to use. */
  private cpuValues(op: string, asyncRead: string): TypedArray {
    this.assertAlive(op);
    const s = this.storage!;
    if (s.device !== 'cpu') {
      throw new TypeError(
        `${op}: this tensor is on webgpu, which cannot be read synchronously; use \`${asyncRead}\``,
      );
    }
    return s.data;
  }

  /**
   * Frees the storage now (GPU buffers go back to the pool). Idempotent.
   * @example
   * const t = zeros([1000], { dtype: 'float32', device: 'webgpu' });
   * t.dispose();
   */
  dispose(): void {
    const s = this.storage;
    if (!s) return;
    this.storage = null;
    untrack(this);
    if (s.device === 'webgpu') getGpu().free(s);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A tensor sharing nothing with the graph: same values, no gradient history.
   * @example const y = w.mul(2).detach(); // y.requiresGrad === false */
  detach(): Tensor {
    return ops.detach(this);
  }
  /** A copy that stays in the graph. @example const c = x.clone(); */
  clone(): Tensor {
    return ops.clone(this);
  }
  /**
   * Moves to a device or converts to a dtype (differentiable).
   * @example
   * tensor([1, 2]).to('float32');
   * tensor([1, 2], { dtype: 'float32' }).to('webgpu');
   */
  to(target: Device | StorageDType): Tensor {
    return target === 'cpu' || target === 'webgpu' ? ops.toDevice(this, target) : ops.cast(this, target);
  }
  /**
   * The values, as PyTorch prints them: `tensor([[1.0000, 2.0000],` / `        [3.0000, 4.5000]],
   * requiresGrad=true)`, with the dtype when it is not the default, summarized beyond 1000
   * elements (see setPrintOptions). A webgpu tensor shows its values once they have been read
   * (`await t.array()`), else where to read them. `console.log(t)` in Node prints the same.
   * @example
   * String(tensor([[1, 2], [3, 4.5]])); // 'tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]])'
   */
  toString(): string {
    const s = this.storage;
    const data = s === null ? null : s.device === 'cpu' ? s.data : this.lastRead;
    return formatTensor({
      shape: this.shape,
      dtype: this.dtype,
      device: this.device,
      data,
      unreadable:
        s === null
          ? 'disposed'
          : this.numel > PRINT_CACHE_LIMIT
            ? 'on webgpu: read it with await t.array()'
            : 'on webgpu, not read yet: await t.array() reads it',
      defaultDtype: getDefaultDtype(),
      requiresGrad: this.requiresGrad,
      gradFn: this.gradFn,
    });
  }

  /**
   * What `JSON.stringify(t)` writes: the nested values (cpu tensors). A webgpu tensor cannot be read
   * synchronously, so this throws a TypeError that says to stringify `await t.array()` instead.
   */
  toJSON(): NestedArray {
    this.assertAlive('JSON.stringify');
    if (this.device !== 'cpu') {
      throw new TypeError(
        'JSON.stringify: this tensor is on webgpu, which cannot be read synchronously; ' +
          'stringify its values instead: JSON.stringify(await t.array())',
      );
    }
    return this.toArray();
  }

  /** Transpose of the last two dims. @example zeros([5, 2, 3]).mT.shape; // [5, 3, 2] */
  get mT(): Tensor {
    return ops.mT(this);
  }
  /** Conjugate transpose of the last two dims (the transpose, for real dtypes).
   * @example tensor([[1, 2]]).mH.shape; // [2, 1] */
  get mH(): Tensor {
    return this.conj().mT;
  }
  /** Complex conjugate x − iy (differentiable): the tensor itself for real dtypes, as in PyTorch.
   * @example tensor([1]).conj(); // the same tensor */
  conj(): Tensor {
    return isComplex(this.dtype) ? ops.conjComplex(this) : this;
  }
  /** Real part (differentiable; a real tensor of the parts' dtype): the tensor itself for real dtypes.
   * @example complex(tensor([1]), tensor([2])).real(); // tensor([1.]) */
  real(): Tensor {
    return ops.real(this);
  }
  /**
   * The imaginary part (differentiable; a real tensor of the parts' dtype): a TypeError for real
   * dtypes, as in PyTorch.
   * @example
   * complex(tensor([1]), tensor([2])).imag(); // tensor([2.])
   * tensor([1]).imag(); // TypeError
   */
  imag(): Tensor {
    return ops.imag(this);
  }
  /** The argument atan2(Im, Re) of each element (real dtypes: 0 or π), as torch.angle.
   * @example complex(tensor([0]), tensor([1])).angle(); // tensor([1.5708]) */
  angle(): Tensor {
    return ops.angle(this);
  }
  /** True for complex64 and complex128 tensors. @example tensor([1]).isComplex(); // false */
  isComplex(): boolean {
    return isComplex(this.dtype);
  }
}

// The op methods of src/tensor-methods.ts, defined as class methods are: writable, configurable and
// not enumerable.
for (const [name, value] of Object.entries(tensorMethods)) {
  Object.defineProperty(Tensor.prototype, name, { value, writable: true, configurable: true });
}

/** webgpu tensors up to this many elements keep a copy of their values when read, for printing. */
const PRINT_CACHE_LIMIT = 1000;

// Node's util.inspect (console.log) prints the same string instead of the private fields. Set on the
// prototype with the registered symbol, so the module needs no node: import and the declarations
// stay free of it.
Object.defineProperty(Tensor.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: Tensor) {
    return this.toString();
  },
});

/**
 * True for linagrad tensors.
 * @example
 * isTensor(tensor([1])); // true
 */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
