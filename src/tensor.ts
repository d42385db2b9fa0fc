import { runBackward } from './autograd/engine.js';
import type { GradHook, Node } from './autograd/node.js';
import type { CpuView, Device, GpuView, Storage, StorageDType, TypedArray } from './backends/backend.js';
import { getGpu } from './backends/webgpu/device.js';
import { getDefaultDtype, isFloat } from './dtype.js';
import { AutogradError } from './errors.js';
import { formatTensor } from './format.js';
import { retarget, track, untrack } from './memory.js';
import * as ops from './ops/index.js';
import { numelOf, shapeStr } from './shape.js';

declare global {
  /**
   * `Symbol.dispose` (for `using t = …`), declared as lib.esnext.disposable and @types/node do, so
   * that the declarations also type-check in projects whose `lib` predates it (ES2022 + DOM).
   */
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

export type NestedArray = number | NestedArray[];
type Operand = Tensor | number;

/**
 * A dense, contiguous, row-major n-dimensional array on one device, with autograd fields.
 * Ops never mutate a tensor's values; `requiresGrad_` and optimizers are the only in-place changes.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: StorageDType;
  readonly device: Device;
  /** The gradient accumulated by backward() for a leaf that requires grad (or a non-leaf with retainGrad). */
  grad: Tensor | null = null;
  private storage: Storage | null;
  private _requiresGrad = false;
  private node: Node | null = null;
  private outIndex = 0;
  private leafHooks: GradHook[] = [];
  private gradOwned = false;
  /** The values of a webgpu tensor, kept when they were read (small tensors only), for printing. */
  private lastRead: TypedArray | null = null;

  private constructor(storage: Storage, shape: readonly number[]) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = storage.dtype;
    this.device = storage.device;
    track(this, storage.device === 'webgpu' ? storage : null);
  }

  /** @internal Wraps a storage (owned from now on by the new tensor). */
  static fromStorage(storage: Storage, shape: readonly number[]): Tensor {
    const n = numelOf(shape);
    const len = storage.device === 'cpu' ? storage.data.length : storage.length;
    if (len !== n) throw new Error(`internal: storage of ${len} elements for shape ${shapeStr(shape)}`);
    return new Tensor(storage, shape);
  }

  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return numelOf(this.shape);
  }
  get isLeaf(): boolean {
    return this.node === null;
  }
  /** The name of the op that made this tensor (null for leaves), like PyTorch's grad_fn. */
  get gradFn(): string | null {
    return this.node?.name ?? null;
  }
  get isDisposed(): boolean {
    return this.storage === null;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** Sets requiresGrad in place (leaves only) and returns this tensor. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) {
      throw new AutogradError(
        `requiresGrad_: this tensor is not a leaf (it was made by '${this.gradFn}'); use .detach() to get a tensor without gradient tracking`,
      );
    }
    if (flag && !isFloat(this.dtype)) {
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
  /** @internal Tensors the autograd graph keeps alive for this tensor's backward. */
  savedByGraph(): readonly Tensor[] {
    return this.node?.savedTensors() ?? [];
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

  /** Registers a hook called with this tensor's gradient; it may return a replacement gradient. */
  registerHook(hook: GradHook): void {
    if (!this.requiresGrad) {
      throw new AutogradError(
        "registerHook: cannot register a hook on a tensor that doesn't require gradient",
      );
    }
    if (this.node) this.node.addHook(this.outIndex, hook);
    else this.leafHooks.push(hook);
  }

  /** Makes backward() fill .grad for this non-leaf tensor too. */
  retainGrad(): void {
    if (this.isLeaf) return;
    this.registerHook((g) => {
      this.grad = this.grad ? ops.noGradAdd(this.grad, g) : g;
      return undefined;
    });
  }

  /** Computes gradients of this tensor with respect to graph leaves, accumulating into their .grad. */
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
    return { storage: s, shape: this.shape, dtype: s.dtype };
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

  /** The values as a flat typed array (synchronous; cpu only). */
  dataSync(): TypedArray {
    this.assertAlive('dataSync');
    if (this.storage!.device !== 'cpu') {
      throw new TypeError(
        'dataSync: this tensor is on webgpu, which cannot be read synchronously; use `await t.data()`',
      );
    }
    return this.storage!.data.slice();
  }
  /** The values as a flat typed array. */
  async data(): Promise<TypedArray> {
    this.assertAlive('data');
    const s = this.storage!;
    if (s.device === 'cpu') return s.data.slice();
    const values = await getGpu().read(s);
    if (this.storage === s && values.length <= PRINT_CACHE_LIMIT) this.lastRead = values.slice();
    return values;
  }
  /** Nested JS arrays (synchronous; cpu only). */
  toArray(): NestedArray {
    this.assertAlive('toArray');
    if (this.storage!.device !== 'cpu') {
      throw new TypeError(
        'toArray: this tensor is on webgpu, which cannot be read synchronously; use `await t.array()`',
      );
    }
    return nest(this.storage!.data, this.shape);
  }
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }
  /** The single value of a one-element tensor (synchronous; cpu only). */
  item(): number {
    if (this.numel !== 1) {
      throw new RangeError(`item: a Tensor with ${this.numel} elements cannot be converted to a number`);
    }
    if (this.device !== 'cpu') {
      throw new TypeError(
        'item: this tensor is on webgpu, which cannot be read synchronously; use `(await t.data())[0]`',
      );
    }
    return this.dataSync()[0];
  }

  /** Frees the storage now (GPU buffers go back to the pool). Idempotent. */
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

  /** A tensor sharing nothing with the graph: same values, no gradient history. */
  detach(): Tensor {
    return ops.detach(this);
  }
  clone(): Tensor {
    return ops.clone(this);
  }
  /** Moves to a device or converts to a dtype (differentiable). */
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
  add(o: Operand): Tensor {
    return ops.add(this, o);
  }
  sub(o: Operand): Tensor {
    return ops.sub(this, o);
  }
  mul(o: Operand): Tensor {
    return ops.mul(this, o);
  }
  div(o: Operand): Tensor {
    return ops.div(this, o);
  }
  pow(o: Operand): Tensor {
    return ops.pow(this, o);
  }
  maximum(o: Operand): Tensor {
    return ops.maximum(this, o);
  }
  minimum(o: Operand): Tensor {
    return ops.minimum(this, o);
  }
  gt(o: Operand): Tensor {
    return ops.gt(this, o);
  }
  lt(o: Operand): Tensor {
    return ops.lt(this, o);
  }
  ge(o: Operand): Tensor {
    return ops.ge(this, o);
  }
  le(o: Operand): Tensor {
    return ops.le(this, o);
  }
  eq(o: Operand): Tensor {
    return ops.eq(this, o);
  }
  ne(o: Operand): Tensor {
    return ops.ne(this, o);
  }
  sin(): Tensor {
    return ops.sin(this);
  }
  cos(): Tensor {
    return ops.cos(this);
  }
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  sign(): Tensor {
    return ops.sign(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  sum(dim?: number | number[], keepdim = false): Tensor {
    return ops.sum(this, dim, keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return ops.mean(this, dim, keepdim);
  }
  matmul(o: Tensor): Tensor {
    return ops.matmul(this, o);
  }
  reshape(...shape: number[] | [number[]]): Tensor {
    return ops.reshape(this, Array.isArray(shape[0]) ? shape[0] : (shape as number[]));
  }
  transpose(d0: number, d1: number): Tensor {
    return ops.transpose(this, d0, d1);
  }
  permute(...dims: number[] | [number[]]): Tensor {
    return ops.permute(this, Array.isArray(dims[0]) ? dims[0] : (dims as number[]));
  }
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  squeeze(dim?: number): Tensor {
    return ops.squeeze(this, dim);
  }
  expand(...shape: number[] | [number[]]): Tensor {
    return ops.expand(this, Array.isArray(shape[0]) ? shape[0] : (shape as number[]));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return ops.diagonal(this, offset, dim1, dim2);
  }
  tril(k = 0): Tensor {
    return ops.tril(this, k);
  }
  triu(k = 0): Tensor {
    return ops.triu(this, k);
  }
  /** linalg.inv(this). */
  inverse(): Tensor {
    return ops.linalg.inv(this);
  }
  /** Transpose of the last two dims. */
  get mT(): Tensor {
    return ops.mT(this);
  }
  /** Conjugate transpose of the last two dims (the transpose, for real dtypes). */
  get mH(): Tensor {
    return ops.mT(this);
  }
  /** Complex conjugate: the tensor itself for real dtypes, as in PyTorch. */
  conj(): Tensor {
    return this;
  }
  /** Real part: the tensor itself for real dtypes. */
  real(): Tensor {
    return this;
  }
  imag(): Tensor {
    throw new TypeError('imag: imag is not implemented for tensors with non-complex dtypes');
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

function nest(data: TypedArray, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return data[0];
  const rec = (offset: number, d: number): NestedArray[] => {
    const n = shape[d];
    const out: NestedArray[] = new Array(n);
    if (d === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = data[offset + i];
      return out;
    }
    const stride = numelOf(shape.slice(d + 1));
    for (let i = 0; i < n; i++) out[i] = rec(offset + i * stride, d + 1);
    return out;
  };
  return rec(0, 0);
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
