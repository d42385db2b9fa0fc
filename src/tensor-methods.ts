/**
 * The op methods of Tensor (`x.add(y)`, `x.sum(0)`, `x.inverse()`, …): each only calls its op
 * through the hook (src/ops-hook.ts). src/tensor.ts merges `TensorMethods` into the Tensor class's
 * type and installs `tensorMethods` on Tensor.prototype (non-enumerable, as class methods are), so
 * the class file keeps the storage, autograd and reading parts. This module imports Tensor as a
 * type only, so it loads without it.
 */
import { tensorOps as ops } from './ops-hook.js';
import type { Tensor } from './tensor.js';

type Operand = Tensor | number;

/** The Tensor methods that call an op (all differentiable, all broadcasting like PyTorch). */
export interface TensorMethods {
  /** this + o, broadcasting (o may be a number). @example tensor([1, 2]).add(1); // tensor([2., 3.]) */
  add(o: Operand): Tensor;
  /** this − o, broadcasting. @example tensor([1, 2]).sub(tensor([1])); // tensor([0., 1.]) */
  sub(o: Operand): Tensor;
  /** this · o elementwise, broadcasting. @example tensor([1, 2]).mul(3); // tensor([3., 6.]) */
  mul(o: Operand): Tensor;
  /** this / o elementwise, broadcasting. @example tensor([1, 2]).div(2); // tensor([0.5000, 1.0000]) */
  div(o: Operand): Tensor;
  /** this raised to o elementwise. @example tensor([2, 3]).pow(2); // tensor([4., 9.]) */
  pow(o: Operand): Tensor;
  /** The larger of this and o elementwise. @example tensor([1, 5]).maximum(3); // tensor([3., 5.]) */
  maximum(o: Operand): Tensor;
  /** The smaller of this and o elementwise. @example tensor([1, 5]).minimum(3); // tensor([1., 3.]) */
  minimum(o: Operand): Tensor;
  /** 1 where this > o, else 0. @example tensor([1, 5]).gt(3); // tensor([0., 1.]) */
  gt(o: Operand): Tensor;
  /** 1 where this < o, else 0. @example tensor([1, 5]).lt(3); // tensor([1., 0.]) */
  lt(o: Operand): Tensor;
  /** 1 where this ≥ o, else 0. @example tensor([3, 5]).ge(3); // tensor([1., 1.]) */
  ge(o: Operand): Tensor;
  /** 1 where this ≤ o, else 0. @example tensor([3, 5]).le(3); // tensor([1., 0.]) */
  le(o: Operand): Tensor;
  /** 1 where this = o, else 0. @example tensor([3, 5]).eq(3); // tensor([1., 0.]) */
  eq(o: Operand): Tensor;
  /** 1 where this ≠ o, else 0. @example tensor([3, 5]).ne(3); // tensor([0., 1.]) */
  ne(o: Operand): Tensor;
  /** Sine elementwise. @example tensor([0]).sin(); // tensor([0.]) */
  sin(): Tensor;
  /** Cosine elementwise. @example tensor([0]).cos(); // tensor([1.]) */
  cos(): Tensor;
  /** 1 / this elementwise. @example tensor([2]).reciprocal(); // tensor([0.5000]) */
  reciprocal(): Tensor;
  /** −this. @example tensor([1]).neg(); // tensor([-1.]) */
  neg(): Tensor;
  /** Square root elementwise. @example tensor([4]).sqrt(); // tensor([2.]) */
  sqrt(): Tensor;
  /** eˣ elementwise. @example tensor([0]).exp(); // tensor([1.]) */
  exp(): Tensor;
  /** Natural logarithm elementwise. @example tensor([1]).log(); // tensor([0.]) */
  log(): Tensor;
  /** |x| elementwise. @example tensor([-2]).abs(); // tensor([2.]) */
  abs(): Tensor;
  /** x² elementwise. @example tensor([3]).square(); // tensor([9.]) */
  square(): Tensor;
  /** −1, 0 or 1 elementwise. @example tensor([-2, 0]).sign(); // tensor([-1.,  0.]) */
  sign(): Tensor;
  /** Hyperbolic tangent elementwise. @example tensor([0]).tanh(); // tensor([0.]) */
  tanh(): Tensor;
  /** max(this, 0) elementwise. @example tensor([-1, 2]).relu(); // tensor([0., 2.]) */
  relu(): Tensor;
  /** The logistic function elementwise. @example tensor([0]).sigmoid(); // tensor([0.5000]) */
  sigmoid(): Tensor;
  /** log(1 + e^(βx)) / β (x past the threshold). @example tensor([0]).softplus(); // tensor([0.6931]) */
  softplus(beta?: number, threshold?: number): Tensor;
  /** x Φ(x) (or its tanh approximation). @example tensor([1]).gelu(); // tensor([0.8413]) */
  gelu(approximate?: 'none' | 'tanh'): Tensor;
  /** x · sigmoid(x). @example tensor([1]).silu(); // tensor([0.7311]) */
  silu(): Tensor;
  /** log(1 + x), accurate near 0. @example tensor([0]).log1p(); // tensor([0.]) */
  log1p(): Tensor;
  /** eˣ − 1, accurate near 0. @example tensor([0]).expm1(); // tensor([0.]) */
  expm1(): Tensor;
  /** Tangent elementwise. @example tensor([0]).tan(); // tensor([0.]) */
  tan(): Tensor;
  /** Arctangent elementwise. @example tensor([1]).atan(); // tensor([0.7854]) */
  atan(): Tensor;
  /** atan2(this, o), broadcasting. @example tensor([1]).atan2(-1); // tensor([2.3562]) */
  atan2(o: Operand): Tensor;
  /** The error function elementwise. @example tensor([1]).erf(); // tensor([0.8427]) */
  erf(): Tensor;
  /** 1 / √x elementwise. @example tensor([4]).rsqrt(); // tensor([0.5000]) */
  rsqrt(): Tensor;
  /** this limited to [min, max] (numbers or tensors; one may be omitted). @example tensor([-2, 3]).clamp(-1, 1); // tensor([-1.,  1.]) */
  clamp(min?: Operand | null, max?: Operand | null): Tensor;
  /** The largest integer ≤ x. @example tensor([1.5]).floor(); // tensor([1.]) */
  floor(): Tensor;
  /** The smallest integer ≥ x. @example tensor([1.5]).ceil(); // tensor([2.]) */
  ceil(): Tensor;
  /** The nearest integer, halves to even. @example tensor([2.5]).round(); // tensor([2.]) */
  round(): Tensor;
  /** Sum over all elements, or over `dim` (keeping it as size 1 with `keepdim`).
   * @example tensor([[1, 2], [3, 4]]).sum(0); // tensor([4., 6.]) */
  sum(dim?: number | number[], keepdim?: boolean): Tensor;
  /** Mean over all elements, or over `dim`. @example tensor([[1, 2], [3, 4]]).mean(); // tensor(2.5000) */
  mean(dim?: number | number[], keepdim?: boolean): Tensor;
  /** Maximum over all elements or `dim`; ties share the gradient. @example tensor([1, 3]).amax(); // tensor(3.) */
  amax(dim?: number | number[], keepdim?: boolean): Tensor;
  /** Minimum over all elements or `dim`; ties share the gradient. @example tensor([1, 3]).amin(); // tensor(1.) */
  amin(dim?: number | number[], keepdim?: boolean): Tensor;
  /** Index (int32) of the first maximum. @example tensor([1, 3]).argmax(); // tensor(1, dtype=int32) */
  argmax(dim?: number, keepdim?: boolean): Tensor;
  /** Index (int32) of the first minimum. @example tensor([1, 3]).argmin(); // tensor(0, dtype=int32) */
  argmin(dim?: number, keepdim?: boolean): Tensor;
  /** Maximum of all elements, or `{ values, indices }` along `dim`. @example tensor([1, 3]).max(); // tensor(3.) */
  max(): Tensor;
  max(
    dim: number,
    keepdim?: boolean,
  ): {
    values: Tensor;
    indices: Tensor;
  };
  /** Minimum of all elements, or `{ values, indices }` along `dim`. @example tensor([1, 3]).min(); // tensor(1.) */
  min(): Tensor;
  min(
    dim: number,
    keepdim?: boolean,
  ): {
    values: Tensor;
    indices: Tensor;
  };
  /** log Σ exp over all elements or `dim`, stably. @example tensor([0, 0]).logsumexp(); // tensor(0.6931) */
  logsumexp(dim?: number | number[], keepdim?: boolean): Tensor;
  /** Softmax along `dim`. @example tensor([0, 0]).softmax(0); // tensor([0.5000, 0.5000]) */
  softmax(dim: number): Tensor;
  /** Log-softmax along `dim`. @example tensor([0, 0]).logSoftmax(0); // tensor([-0.6931, -0.6931]) */
  logSoftmax(dim: number): Tensor;
  /** Variance (correction 1 by default). @example tensor([1, 2, 3, 4]).var(); // tensor(1.6667) */
  var(
    dim?: number | number[],
    opts?: {
      correction?: number;
      keepdim?: boolean;
    },
  ): Tensor;
  /** Standard deviation (correction 1 by default). @example tensor([1, 3]).std(); // tensor(1.4142) */
  std(
    dim?: number | number[],
    opts?: {
      correction?: number;
      keepdim?: boolean;
    },
  ): Tensor;
  /** Cumulative sum along `dim`. @example tensor([1, 2, 3]).cumsum(0); // tensor([1., 3., 6.]) */
  cumsum(dim: number): Tensor;
  /** Cumulative product along `dim`. @example tensor([1, 2, 3]).cumprod(0); // tensor([1., 2., 6.]) */
  cumprod(dim: number): Tensor;
  /** Product over all elements or `dim`. @example tensor([[1, 2], [3, 4]]).prod(1); // tensor([ 2., 12.]) */
  prod(dim?: number | number[], keepdim?: boolean): Tensor;
  /** Vector p-norm (default 2) over all elements or `dim`. @example tensor([3, 4]).norm(); // tensor(5.) */
  norm(p?: number, dim?: number | number[], keepdim?: boolean): Tensor;
  /** Matrix product (torch.matmul: vectors, matrices, broadcast batches).
   * @example eye(2).matmul(tensor([1, 2])); // tensor([1., 2.]) */
  matmul(o: Tensor): Tensor;
  /** The same values in a new shape (one dim may be −1); sizes as arguments or one array.
   * @example arange(6).reshape(2, -1).shape; // [2, 3] */
  reshape(...shape: number[] | [number[]]): Tensor;
  /** Swaps dims d0 and d1. @example zeros([2, 3]).transpose(0, 1).shape; // [3, 2] */
  transpose(d0: number, d1: number): Tensor;
  /** Reorders the dims. @example zeros([2, 3, 4]).permute(2, 0, 1).shape; // [4, 2, 3] */
  permute(...dims: number[] | [number[]]): Tensor;
  /** Inserts a dim of size 1. @example tensor([1, 2]).unsqueeze(0).shape; // [1, 2] */
  unsqueeze(dim: number): Tensor;
  /** Removes dims of size 1 (only `dim` when given). @example zeros([1, 2, 1]).squeeze().shape; // [2] */
  squeeze(dim?: number): Tensor;
  /** Broadcasts to a larger shape (−1 keeps a dim).
   * @example tensor([[1], [2]]).expand(2, 3).shape; // [2, 3] */
  expand(...shape: number[] | [number[]]): Tensor;
  /** `length` entries of `dim` from `start`. @example arange(5).narrow(0, 1, 2); // tensor([1., 2.]) */
  narrow(dim: number, start: number, length: number): Tensor;
  /** The diagonal at `offset` of dims dim1 and dim2, as the last dim.
   * @example eye(3).diagonal(); // tensor([1., 1., 1.]) */
  diagonal(offset?: number, dim1?: number, dim2?: number): Tensor;
  /** The lower triangle below and on diagonal k; zeros elsewhere.
   * @example ones([2, 2]).tril(); // tensor([[1., 0.], [1., 1.]]) */
  tril(k?: number): Tensor;
  /** The upper triangle above and on diagonal k; zeros elsewhere.
   * @example ones([2, 2]).triu(1); // tensor([[0., 1.], [0., 0.]]) */
  triu(k?: number): Tensor;
  // ---- indexing and layout (src/ops/gather.ts, src/ops/indexing.ts) ----
  /** Entries along `dim` at an int32 index of the same rank (torch.gather).
   * @example tensor([1, 2, 3]).gather(0, tensor([2, 0], { dtype: 'int32' })); // tensor([3., 1.]) */
  gather(dim: number, index: Tensor): Tensor;
  /** A copy with src added at the int32 index along `dim` (out-of-place scatter_add_).
   * @example zeros([2]).scatterAdd(0, tensor([1, 1], { dtype: 'int32' }), ones([2])); // tensor([0., 2.]) */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
  /** The entries at the int32 vector index along `dim` (torch.index_select).
   * @example eye(2).indexSelect(0, tensor([1], { dtype: 'int32' })); // tensor([[0., 1.]]) */
  indexSelect(dim: number, index: Tensor): Tensor;
  /** Entries start, start + step, … below end of `dim` (negative indices count from the end).
   * @example arange(6).slice(0, 1, -1, 2); // tensor([1., 3.]) */
  slice(dim: number, start?: number, end?: number, step?: number): Tensor;
  /** Reverses the entries along `dims`. @example tensor([1, 2, 3]).flip(0); // tensor([3., 2., 1.]) */
  flip(dims: number | readonly number[]): Tensor;
  /** Shifts entries along `dims`, wrapping around. @example tensor([1, 2, 3]).roll(1); // tensor([3., 1., 2.]) */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
  /** Tiles the tensor `reps[i]` times along dim i. @example tensor([1, 2]).repeat(2).shape; // [4] */
  repeat(...reps: number[] | [readonly number[]]): Tensor;
  /** Pieces along `dim` of `size` entries (or of the given sizes). @example arange(5).split(2).length; // 3 */
  split(sizes: number | readonly number[], dim?: number): Tensor[];
  /** `chunks` pieces of (at most) equal size along `dim`. @example arange(6).chunk(3).length; // 3 */
  chunk(chunks: number, dim?: number): Tensor[];
  /** Sum of the main diagonal of a matrix. @example eye(3).trace(); // tensor(3.) */
  trace(): Tensor;
  /** Outer product with another vector. @example tensor([1, 2]).outer(tensor([3])).shape; // [2, 1] */
  outer(other: Tensor): Tensor;
  /** Kronecker product with `other`. @example eye(2).kron(ones([2, 2])).shape; // [4, 4] */
  kron(other: Tensor): Tensor;
  /** linalg.inv(this).
   * @example tensor([[2, 0], [0, 4]]).inverse(); // tensor([[0.5000, 0.0000], [0.0000, 0.2500]]) */
  inverse(): Tensor;
}

function max(this: Tensor, dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  return dim === undefined ? ops.max(this) : ops.max(this, dim, keepdim);
}

function min(this: Tensor, dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  return dim === undefined ? ops.min(this) : ops.min(this, dim, keepdim);
}
/** The implementations, with `this` the tensor; src/tensor.ts puts them on Tensor.prototype. */
export const tensorMethods: TensorMethods & ThisType<Tensor> = {
  // ---- math (all differentiable, all broadcasting like PyTorch) ----------------------------------
  add(o: Operand): Tensor {
    return ops.add(this, o);
  },
  sub(o: Operand): Tensor {
    return ops.sub(this, o);
  },
  mul(o: Operand): Tensor {
    return ops.mul(this, o);
  },
  div(o: Operand): Tensor {
    return ops.div(this, o);
  },
  pow(o: Operand): Tensor {
    return ops.pow(this, o);
  },
  maximum(o: Operand): Tensor {
    return ops.maximum(this, o);
  },
  minimum(o: Operand): Tensor {
    return ops.minimum(this, o);
  },
  gt(o: Operand): Tensor {
    return ops.gt(this, o);
  },
  lt(o: Operand): Tensor {
    return ops.lt(this, o);
  },
  ge(o: Operand): Tensor {
    return ops.ge(this, o);
  },
  le(o: Operand): Tensor {
    return ops.le(this, o);
  },
  eq(o: Operand): Tensor {
    return ops.eq(this, o);
  },
  ne(o: Operand): Tensor {
    return ops.ne(this, o);
  },
  sin(): Tensor {
    return ops.sin(this);
  },
  cos(): Tensor {
    return ops.cos(this);
  },
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  },
  neg(): Tensor {
    return ops.neg(this);
  },
  sqrt(): Tensor {
    return ops.sqrt(this);
  },
  exp(): Tensor {
    return ops.exp(this);
  },
  log(): Tensor {
    return ops.log(this);
  },
  abs(): Tensor {
    return ops.abs(this);
  },
  square(): Tensor {
    return ops.square(this);
  },
  sign(): Tensor {
    return ops.sign(this);
  },
  tanh(): Tensor {
    return ops.tanh(this);
  },
  relu(): Tensor {
    return ops.relu(this);
  },
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  },
  softplus(beta = 1, threshold = 20): Tensor {
    return ops.softplus(this, beta, threshold);
  },
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return ops.gelu(this, approximate);
  },
  silu(): Tensor {
    return ops.silu(this);
  },
  log1p(): Tensor {
    return ops.log1p(this);
  },
  expm1(): Tensor {
    return ops.expm1(this);
  },
  tan(): Tensor {
    return ops.tan(this);
  },
  atan(): Tensor {
    return ops.atan(this);
  },
  atan2(o: Operand): Tensor {
    return ops.atan2(this, o);
  },
  erf(): Tensor {
    return ops.erf(this);
  },
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  },
  clamp(min?: Operand | null, max?: Operand | null): Tensor {
    return ops.clamp(this, min, max);
  },
  floor(): Tensor {
    return ops.floor(this);
  },
  ceil(): Tensor {
    return ops.ceil(this);
  },
  round(): Tensor {
    return ops.round(this);
  },
  sum(dim?: number | number[], keepdim = false): Tensor {
    return ops.sum(this, dim, keepdim);
  },
  mean(dim?: number | number[], keepdim = false): Tensor {
    return ops.mean(this, dim, keepdim);
  },
  amax(dim?: number | number[], keepdim = false): Tensor {
    return ops.amax(this, dim, keepdim);
  },
  amin(dim?: number | number[], keepdim = false): Tensor {
    return ops.amin(this, dim, keepdim);
  },
  argmax(dim?: number, keepdim = false): Tensor {
    return ops.argmax(this, dim, keepdim);
  },
  argmin(dim?: number, keepdim = false): Tensor {
    return ops.argmin(this, dim, keepdim);
  },
  max: max as TensorMethods['max'],
  min: min as TensorMethods['min'],
  logsumexp(dim?: number | number[], keepdim = false): Tensor {
    return ops.logsumexp(this, dim, keepdim);
  },
  softmax(dim: number): Tensor {
    return ops.softmax(this, dim);
  },
  logSoftmax(dim: number): Tensor {
    return ops.logSoftmax(this, dim);
  },
  var(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return ops.var_(this, dim, opts);
  },
  std(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return ops.std(this, dim, opts);
  },
  cumsum(dim: number): Tensor {
    return ops.cumsum(this, dim);
  },
  cumprod(dim: number): Tensor {
    return ops.cumprod(this, dim);
  },
  prod(dim?: number | number[], keepdim = false): Tensor {
    return ops.prod(this, dim, keepdim);
  },
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    return ops.norm(this, p, dim, keepdim);
  },
  matmul(o: Tensor): Tensor {
    return ops.matmul(this, o);
  },
  reshape(...shape: number[] | [number[]]): Tensor {
    return ops.reshape(this, Array.isArray(shape[0]) ? shape[0] : (shape as number[]));
  },
  transpose(d0: number, d1: number): Tensor {
    return ops.transpose(this, d0, d1);
  },
  permute(...dims: number[] | [number[]]): Tensor {
    return ops.permute(this, Array.isArray(dims[0]) ? dims[0] : (dims as number[]));
  },
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  },
  squeeze(dim?: number): Tensor {
    return ops.squeeze(this, dim);
  },
  expand(...shape: number[] | [number[]]): Tensor {
    return ops.expand(this, Array.isArray(shape[0]) ? shape[0] : (shape as number[]));
  },
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  },
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return ops.diagonal(this, offset, dim1, dim2);
  },
  tril(k = 0): Tensor {
    return ops.tril(this, k);
  },
  triu(k = 0): Tensor {
    return ops.triu(this, k);
  },
  // ---- indexing and layout (src/ops/gather.ts, src/ops/indexing.ts) ----
  gather(dim: number, index: Tensor): Tensor {
    return ops.gather(this, dim, index);
  },
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ops.scatterAdd(this, dim, index, src);
  },
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.indexSelect(this, dim, index);
  },
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return ops.slice(this, dim, start, end, step);
  },
  flip(dims: number | readonly number[]): Tensor {
    return ops.flip(this, dims);
  },
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return ops.roll(this, shifts, dims);
  },
  repeat(...reps: number[] | [readonly number[]]): Tensor {
    return ops.repeat(this, Array.isArray(reps[0]) ? reps[0] : (reps as number[]));
  },
  split(sizes: number | readonly number[], dim = 0): Tensor[] {
    return ops.split(this, sizes, dim);
  },
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  },
  trace(): Tensor {
    return ops.trace(this);
  },
  outer(other: Tensor): Tensor {
    return ops.outer(this, other);
  },
  kron(other: Tensor): Tensor {
    return ops.kron(this, other);
  },
  inverse(): Tensor {
    return ops.linalg.inv(this);
  },
};
