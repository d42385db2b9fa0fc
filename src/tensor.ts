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

type Operand = Tensor | number;

/**
 * A dense, contiguous, row-major n-dimensional array on one device, with autograd fields.
 * Ops never mutate a tensor's values; `requiresGrad_` and optimizers are the only in-place changes.
 */
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

  // ---- math (all differentiable, all broadcasting like PyTorch) ----------------------------------
  /** this + o, broadcasting (o may be a number). @example tensor([1, 2]).add(1); // tensor([2., 3.]) */
  add(o: Operand): Tensor {
    return ops.add(this, o);
  }
  /** this − o, broadcasting. @example tensor([1, 2]).sub(tensor([1])); // tensor([0., 1.]) */
  sub(o: Operand): Tensor {
    return ops.sub(this, o);
  }
  /** this · o elementwise, broadcasting. @example tensor([1, 2]).mul(3); // tensor([3., 6.]) */
  mul(o: Operand): Tensor {
    return ops.mul(this, o);
  }
  /** this / o elementwise, broadcasting. @example tensor([1, 2]).div(2); // tensor([0.5000, 1.0000]) */
  div(o: Operand): Tensor {
    return ops.div(this, o);
  }
  /** this raised to o elementwise. @example tensor([2, 3]).pow(2); // tensor([4., 9.]) */
  pow(o: Operand): Tensor {
    return ops.pow(this, o);
  }
  /** The larger of this and o elementwise. @example tensor([1, 5]).maximum(3); // tensor([3., 5.]) */
  maximum(o: Operand): Tensor {
    return ops.maximum(this, o);
  }
  /** The smaller of this and o elementwise. @example tensor([1, 5]).minimum(3); // tensor([1., 3.]) */
  minimum(o: Operand): Tensor {
    return ops.minimum(this, o);
  }
  /** 1 where this > o, else 0. @example tensor([1, 5]).gt(3); // tensor([0., 1.]) */
  gt(o: Operand): Tensor {
    return ops.gt(this, o);
  }
  /** 1 where this < o, else 0. @example tensor([1, 5]).lt(3); // tensor([1., 0.]) */
  lt(o: Operand): Tensor {
    return ops.lt(this, o);
  }
  /** 1 where this ≥ o, else 0. @example tensor([3, 5]).ge(3); // tensor([1., 1.]) */
  ge(o: Operand): Tensor {
    return ops.ge(this, o);
  }
  /** 1 where this ≤ o, else 0. @example tensor([3, 5]).le(3); // tensor([1., 0.]) */
  le(o: Operand): Tensor {
    return ops.le(this, o);
  }
  /** 1 where this = o, else 0. @example tensor([3, 5]).eq(3); // tensor([1., 0.]) */
  eq(o: Operand): Tensor {
    return ops.eq(this, o);
  }
  /** 1 where this ≠ o, else 0. @example tensor([3, 5]).ne(3); // tensor([0., 1.]) */
  ne(o: Operand): Tensor {
    return ops.ne(this, o);
  }
  /** Sine elementwise. @example tensor([0]).sin(); // tensor([0.]) */
  sin(): Tensor {
    return ops.sin(this);
  }
  /** Cosine elementwise. @example tensor([0]).cos(); // tensor([1.]) */
  cos(): Tensor {
    return ops.cos(this);
  }
  /** 1 / this elementwise. @example tensor([2]).reciprocal(); // tensor([0.5000]) */
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  /** −this. @example tensor([1]).neg(); // tensor([-1.]) */
  neg(): Tensor {
    return ops.neg(this);
  }
  /** Square root elementwise. @example tensor([4]).sqrt(); // tensor([2.]) */
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  /** eˣ elementwise. @example tensor([0]).exp(); // tensor([1.]) */
  exp(): Tensor {
    return ops.exp(this);
  }
  /** Natural logarithm elementwise. @example tensor([1]).log(); // tensor([0.]) */
  log(): Tensor {
    return ops.log(this);
  }
  /** |x| elementwise. @example tensor([-2]).abs(); // tensor([2.]) */
  abs(): Tensor {
    return ops.abs(this);
  }
  /** x² elementwise. @example tensor([3]).square(); // tensor([9.]) */
  square(): Tensor {
    return ops.square(this);
  }
  /** −1, 0 or 1 elementwise. @example tensor([-2, 0]).sign(); // tensor([-1.,  0.]) */
  sign(): Tensor {
    return ops.sign(this);
  }
  /** Hyperbolic tangent elementwise. @example tensor([0]).tanh(); // tensor([0.]) */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /** max(this, 0) elementwise. @example tensor([-1, 2]).relu(); // tensor([0., 2.]) */
  relu(): Tensor {
    return ops.relu(this);
  }
  /** The logistic function elementwise. @example tensor([0]).sigmoid(); // tensor([0.5000]) */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /** log(1 + e^(βx)) / β (x past the threshold). @example tensor([0]).softplus(); // tensor([0.6931]) */
  softplus(beta = 1, threshold = 20): Tensor {
    return ops.softplus(this, beta, threshold);
  }
  /** x Φ(x) (or its tanh approximation). @example tensor([1]).gelu(); // tensor([0.8413]) */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return ops.gelu(this, approximate);
  }
  /** x · sigmoid(x). @example tensor([1]).silu(); // tensor([0.7311]) */
  silu(): Tensor {
    return ops.silu(this);
  }
  /** log(1 + x), accurate near 0. @example tensor([0]).log1p(); // tensor([0.]) */
  log1p(): Tensor {
    return ops.log1p(this);
  }
  /** eˣ − 1, accurate near 0. @example tensor([0]).expm1(); // tensor([0.]) */
  expm1(): Tensor {
    return ops.expm1(this);
  }
  /** Tangent elementwise. @example tensor([0]).tan(); // tensor([0.]) */
  tan(): Tensor {
    return ops.tan(this);
  }
  /** Arctangent elementwise. @example tensor([1]).atan(); // tensor([0.7854]) */
  atan(): Tensor {
    return ops.atan(this);
  }
  /** atan2(this, o), broadcasting. @example tensor([1]).atan2(-1); // tensor([2.3562]) */
  atan2(o: Operand): Tensor {
    return ops.atan2(this, o);
  }
  /** The error function elementwise. @example tensor([1]).erf(); // tensor([0.8427]) */
  erf(): Tensor {
    return ops.erf(this);
  }
  /** 1 / √x elementwise. @example tensor([4]).rsqrt(); // tensor([0.5000]) */
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  /** this limited to [min, max] (numbers or tensors; one may be omitted). @example tensor([-2, 3]).clamp(-1, 1); // tensor([-1.,  1.]) */
  clamp(min?: Operand | null, max?: Operand | null): Tensor {
    return ops.clamp(this, min, max);
  }
  /** The largest integer ≤ x. @example tensor([1.5]).floor(); // tensor([1.]) */
  floor(): Tensor {
    return ops.floor(this);
  }
  /** The smallest integer ≥ x. @example tensor([1.5]).ceil(); // tensor([2.]) */
  ceil(): Tensor {
    return ops.ceil(this);
  }
  /** The nearest integer, halves to even. @example tensor([2.5]).round(); // tensor([2.]) */
  round(): Tensor {
    return ops.round(this);
  }
  /** Sum over all elements, or over `dim` (keeping it as size 1 with `keepdim`).
   * @example tensor([[1, 2], [3, 4]]).sum(0); // tensor([4., 6.]) */
  sum(dim?: number | number[], keepdim = false): Tensor {
    return ops.sum(this, dim, keepdim);
  }
  /** Mean over all elements, or over `dim`. @example tensor([[1, 2], [3, 4]]).mean(); // tensor(2.5000) */
  mean(dim?: number | number[], keepdim = false): Tensor {
    return ops.mean(this, dim, keepdim);
  }
  /** Maximum over all elements or `dim`; ties share the gradient. @example tensor([1, 3]).amax(); // tensor(3.) */
  amax(dim?: number | number[], keepdim = false): Tensor {
    return ops.amax(this, dim, keepdim);
  }
  /** Minimum over all elements or `dim`; ties share the gradient. @example tensor([1, 3]).amin(); // tensor(1.) */
  amin(dim?: number | number[], keepdim = false): Tensor {
    return ops.amin(this, dim, keepdim);
  }
  /** Index (int32) of the first maximum. @example tensor([1, 3]).argmax(); // tensor(1, dtype=int32) */
  argmax(dim?: number, keepdim = false): Tensor {
    return ops.argmax(this, dim, keepdim);
  }
  /** Index (int32) of the first minimum. @example tensor([1, 3]).argmin(); // tensor(0, dtype=int32) */
  argmin(dim?: number, keepdim = false): Tensor {
    return ops.argmin(this, dim, keepdim);
  }
  /** Maximum of all elements, or `{ values, indices }` along `dim`. @example tensor([1, 3]).max(); // tensor(3.) */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? ops.max(this) : ops.max(this, dim, keepdim);
  }
  /** Minimum of all elements, or `{ values, indices }` along `dim`. @example tensor([1, 3]).min(); // tensor(1.) */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? ops.min(this) : ops.min(this, dim, keepdim);
  }
  /** log Σ exp over all elements or `dim`, stably. @example tensor([0, 0]).logsumexp(); // tensor(0.6931) */
  logsumexp(dim?: number | number[], keepdim = false): Tensor {
    return ops.logsumexp(this, dim, keepdim);
  }
  /** Softmax along `dim`. @example tensor([0, 0]).softmax(0); // tensor([0.5000, 0.5000]) */
  softmax(dim: number): Tensor {
    return ops.softmax(this, dim);
  }
  /** Log-softmax along `dim`. @example tensor([0, 0]).logSoftmax(0); // tensor([-0.6931, -0.6931]) */
  logSoftmax(dim: number): Tensor {
    return ops.logSoftmax(this, dim);
  }
  /** Variance (correction 1 by default). @example tensor([1, 2, 3, 4]).var(); // tensor(1.6667) */
  var(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return ops.var_(this, dim, opts);
  }
  /** Standard deviation (correction 1 by default). @example tensor([1, 3]).std(); // tensor(1.4142) */
  std(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return ops.std(this, dim, opts);
  }
  /** Cumulative sum along `dim`. @example tensor([1, 2, 3]).cumsum(0); // tensor([1., 3., 6.]) */
  cumsum(dim: number): Tensor {
    return ops.cumsum(this, dim);
  }
  /** Cumulative product along `dim`. @example tensor([1, 2, 3]).cumprod(0); // tensor([1., 2., 6.]) */
  cumprod(dim: number): Tensor {
    return ops.cumprod(this, dim);
  }
  /** Product over all elements or `dim`. @example tensor([[1, 2], [3, 4]]).prod(1); // tensor([ 2., 12.]) */
  prod(dim?: number | number[], keepdim = false): Tensor {
    return ops.prod(this, dim, keepdim);
  }
  /** Vector p-norm (default 2) over all elements or `dim`. @example tensor([3, 4]).norm(); // tensor(5.) */
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    return ops.norm(this, p, dim, keepdim);
  }
  /** Matrix product (torch.matmul: vectors, matrices, broadcast batches).
   * @example eye(2).matmul(tensor([1, 2])); // tensor([1., 2.]) */
  matmul(o: Tensor): Tensor {
    return ops.matmul(this, o);
  }
  /** The same values in a new shape (one dim may be −1); sizes as arguments or one array.
   * @example arange(6).reshape(2, -1).shape; // [2, 3] */
  reshape(...shape: number[] | [number[]]): Tensor {
    return ops.reshape(this, Array.isArray(shape[0]) ? shape[0] : (shape as number[]));
  }
  /** Swaps dims d0 and d1. @example zeros([2, 3]).transpose(0, 1).shape; // [3, 2] */
  transpose(d0: number, d1: number): Tensor {
    return ops.transpose(this, d0, d1);
  }
  /** Reorders the dims. @example zeros([2, 3, 4]).permute(2, 0, 1).shape; // [4, 2, 3] */
  permute(...dims: number[] | [number[]]): Tensor {
    return ops.permute(this, Array.isArray(dims[0]) ? dims[0] : (dims as number[]));
  }
  /** Inserts a dim of size 1. @example tensor([1, 2]).unsqueeze(0).shape; // [1, 2] */
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  /** Removes dims of size 1 (only `dim` when given). @example zeros([1, 2, 1]).squeeze().shape; // [2] */
  squeeze(dim?: number): Tensor {
    return ops.squeeze(this, dim);
  }
  /** Broadcasts to a larger shape (−1 keeps a dim).
   * @example tensor([[1], [2]]).expand(2, 3).shape; // [2, 3] */
  expand(...shape: number[] | [number[]]): Tensor {
    return ops.expand(this, Array.isArray(shape[0]) ? shape[0] : (shape as number[]));
  }
  /** `length` entries of `dim` from `start`. @example arange(5).narrow(0, 1, 2); // tensor([1., 2.]) */
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  /** The diagonal at `offset` of dims dim1 and dim2, as the last dim.
   * @example eye(3).diagonal(); // tensor([1., 1., 1.]) */
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return ops.diagonal(this, offset, dim1, dim2);
  }
  /** The lower triangle below and on diagonal k; zeros elsewhere.
   * @example ones([2, 2]).tril(); // tensor([[1., 0.], [1., 1.]]) */
  tril(k = 0): Tensor {
    return ops.tril(this, k);
  }
  /** The upper triangle above and on diagonal k; zeros elsewhere.
   * @example ones([2, 2]).triu(1); // tensor([[0., 1.], [0., 0.]]) */
  triu(k = 0): Tensor {
    return ops.triu(this, k);
  }
  // ---- indexing and layout (src/ops/gather.ts, src/ops/indexing.ts) ----
  /** Entries along `dim` at an int32 index of the same rank (torch.gather).
   * @example tensor([1, 2, 3]).gather(0, tensor([2, 0], { dtype: 'int32' })); // tensor([3., 1.]) */
  gather(dim: number, index: Tensor): Tensor {
    return ops.gather(this, dim, index);
  }
  /** A copy with src added at the int32 index along `dim` (out-of-place scatter_add_).
   * @example zeros([2]).scatterAdd(0, tensor([1, 1], { dtype: 'int32' }), ones([2])); // tensor([0., 2.]) */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ops.scatterAdd(this, dim, index, src);
  }
  /** The entries at the int32 vector index along `dim` (torch.index_select).
   * @example eye(2).indexSelect(0, tensor([1], { dtype: 'int32' })); // tensor([[0., 1.]]) */
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.indexSelect(this, dim, index);
  }
  /** Entries start, start + step, … below end of `dim` (negative indices count from the end).
   * @example arange(6).slice(0, 1, -1, 2); // tensor([1., 3.]) */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return ops.slice(this, dim, start, end, step);
  }
  /** Reverses the entries along `dims`. @example tensor([1, 2, 3]).flip(0); // tensor([3., 2., 1.]) */
  flip(dims: number | readonly number[]): Tensor {
    return ops.flip(this, dims);
  }
  /** Shifts entries along `dims`, wrapping around. @example tensor([1, 2, 3]).roll(1); // tensor([3., 1., 2.]) */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return ops.roll(this, shifts, dims);
  }
  /** Tiles the tensor `reps[i]` times along dim i. @example tensor([1, 2]).repeat(2).shape; // [4] */
  repeat(...reps: number[] | [readonly number[]]): Tensor {
    return ops.repeat(this, Array.isArray(reps[0]) ? reps[0] : (reps as number[]));
  }
  /** Pieces along `dim` of `size` entries (or of the given sizes). @example arange(5).split(2).length; // 3 */
  split(sizes: number | readonly number[], dim = 0): Tensor[] {
    return ops.split(this, sizes, dim);
  }
  /** `chunks` pieces of (at most) equal size along `dim`. @example arange(6).chunk(3).length; // 3 */
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }
  /** Sum of the main diagonal of a matrix. @example eye(3).trace(); // tensor(3.) */
  trace(): Tensor {
    return ops.trace(this);
  }
  /** Outer product with another vector. @example tensor([1, 2]).outer(tensor([3])).shape; // [2, 1] */
  outer(other: Tensor): Tensor {
    return ops.outer(this, other);
  }
  /** Kronecker product with `other`. @example eye(2).kron(ones([2, 2])).shape; // [4, 4] */
  kron(other: Tensor): Tensor {
    return ops.kron(this, other);
  }
  /** linalg.inv(this).
   * @example tensor([[2, 0], [0, 4]]).inverse(); // tensor([[0.5000, 0.0000], [0.0000, 0.2500]]) */
  inverse(): Tensor {
    return ops.linalg.inv(this);
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
