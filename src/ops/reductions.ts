/**
 * Reductions built from existing ops (so their gradients and forward-mode rules come from those
 * ops' rules): amax/amin, argmax/argmin, max/min, logsumexp, softmax, logSoftmax, var, std,
 * cumsum, prod, cumprod and the vector norm. The one kernel they need, the extremum over the last dim, is the
 * `amax` op of ops/linalg/norms.ts; a reduction over other dims moves them last first.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { isComplex } from '../dtype.js';
import { normDim, numelOf, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { arange, ones, zeros } from './creation.js';
import { where } from './elementwise.js';
import { extremumOp } from './linalg/norms.js';
import { cast, detach } from './misc.js';
import { apply1, requireFloat } from './registry.js';
import { cat, narrow, permute, reshape } from './shape.js';

type Dims = number | readonly number[] | undefined;

/**
 * PyTorch's error for an op it does not define over ℂ (complex numbers are not ordered, or the op
 * is a real-valued loss): `${op}: ${reason}, got <dtype> of shape <shape>`.
 */
export function rejectComplexInput(op: string, reason: string, inputs: readonly Tensor[]): void {
  for (const t of inputs) {
    if (isComplex(t.dtype))
      throw new TypeError(`${op}: ${reason}, got ${t.dtype} of shape ${shapeStr(t.shape)}`);
  }
}

/** Why an ordered reduction rejects complex input, in PyTorch's words. */
const UNORDERED: Readonly<Record<string, string>> = {
  amax: 'amax is not implemented for complex tensors (complex numbers are not ordered)',
  amin: 'amin is not implemented for complex tensors (complex numbers are not ordered)',
  max: 'max(): does not support complex input',
  min: 'min(): does not support complex input',
  argmax: 'argmax(): does not support complex input',
  argmin: 'argmin(): does not support complex input',
  softmax: 'softmax is not implemented for complex tensors',
  logSoftmax: 'logSoftmax is not implemented for complex tensors',
};

/** requireFloat for ops defined over ℂ too: float or complex input. */
function requireFloatOrComplex(op: string, x: Tensor): void {
  if (!isComplex(x.dtype)) requireFloat(op, [x]);
}

/** requireFloat for ops over ordered values: PyTorch's error for complex input first. */
function requireOrdered(op: string, x: Tensor): void {
  rejectComplexInput(op, UNORDERED[op] ?? `${op} is not implemented for complex tensors`, [x]);
  requireFloat(op, [x]);
}

/** `dim` as sorted distinct dims (every dim when undefined or []), checked against x's rank. */
function reducedDims(op: string, x: Tensor, dim: Dims): number[] {
  if (dim === undefined || (Array.isArray(dim) && dim.length === 0)) return [...Array(x.ndim).keys()];
  const ds = (typeof dim === 'number' ? [dim] : dim).map((d) => normDim(op, d, x.ndim));
  if (new Set(ds).size !== ds.length)
    throw new RangeError(`${op}: dim ${JSON.stringify(dim)} appears multiple times in the list of dims`);
  return ds.sort((a, b) => a - b);
}

/** x's shape with the reduced dims as size 1 (keepdim), or dropped. */
function outShape(x: Tensor, dims: readonly number[], keepdim: boolean): number[] {
  return keepdim
    ? x.shape.map((d, i) => (dims.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !dims.includes(i));
}

/** x with the kept dims first (in order) and the reduced dims flattened into one last dim. */
function reducedLast(x: Tensor, dims: readonly number[]): Tensor {
  const kept = [...Array(x.ndim).keys()].filter((d) => !dims.includes(d));
  const n = dims.reduce((p, d) => p * x.shape[d], 1);
  return reshape(permute(x, [...kept, ...dims]), [...kept.map((d) => x.shape[d]), n]);
}

function extremum(op: string, x: Tensor, dim: Dims, keepdim: boolean, min: boolean): Tensor {
  requireOrdered(op, x);
  const dims = reducedDims(op, x, dim);
  for (const d of dims) {
    if (x.shape[d] === 0) {
      throw new RangeError(
        `${op}: Expected reduction dim ${d} to have non-zero size (input of shape [${x.shape.join(', ')}])`,
      );
    }
  }
  return reshape(apply1(extremumOp, [reducedLast(x, dims)], { min }), outShape(x, dims, keepdim));
}

/**
 * The maximum over all elements or over `dim` (a dim or a list), as torch.amax: the gradient is
 * shared equally by tied maxima.
 * @example
 * amax(tensor([[1, 5], [3, 2]]), 1); // tensor([5., 3.])
 */
export function amax(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return extremum('amax', x, dim, keepdim, false);
}

/**
 * The minimum over all elements or over `dim`, as torch.amin (ties share the gradient).
 * @example
 * amin(tensor([[1, 5], [3, 2]]), 1); // tensor([1., 2.])
 */
export function amin(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return extremum('amin', x, dim, keepdim, true);
}

/** The first index of the extremum along `d` (float, as x's dtype), kept as size 1. */
function firstExtremumIndex(op: string, x: Tensor, d: number, min: boolean): Tensor {
  return noGrad(() => {
    const m = extremum(op, x, d, true, min);
    const n = x.shape[d];
    const idx = reshape(
      arange(0, n, 1, { dtype: x.dtype, device: x.device }),
      x.shape.map((_, i) => (i === d ? n : 1)),
    );
    // NaN is the extremum wherever it appears (as PyTorch): x ≠ x marks it.
    const hit = x.eq(m).add(x.ne(x)).gt(0);
    return extremum(op, where(hit, idx, n), d, true, true);
  });
}

/** PyTorch's error for max()/min()/argmax()/argmin() of all the elements of an empty tensor. */
const NO_DIM_EMPTY = 'Expected reduction dim to be specified for input.numel() == 0.';

function argExtremum(op: string, x: Tensor, dim: number | undefined, keepdim: boolean, min: boolean): Tensor {
  requireOrdered(op, x);
  if (dim === undefined) {
    if (x.numel === 0) throw new RangeError(`${op}: ${NO_DIM_EMPTY}`);
    const flat = reshape(x, [x.numel]);
    return cast(reshape(firstExtremumIndex(op, flat, 0, min), keepdim ? x.shape.map(() => 1) : []), 'int32');
  }
  const d = normDim(op, dim, x.ndim);
  const x1 = x.ndim === 0 ? reshape(x, [1]) : x;
  const i = firstExtremumIndex(op, x1, d, min);
  return cast(reshape(i, outShape(x, [d], keepdim)), 'int32');
}

/**
 * The index (int32) of the first maximum over all elements (flattened) or along `dim`, as
 * torch.argmax.
 * @example
 * argmax(tensor([[1, 5], [3, 2]]), 1); // tensor([1, 0], dtype=int32)
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum('argmax', x, dim, keepdim, false);
}

/**
 * The index (int32) of the first minimum over all elements or along `dim`, as torch.argmin.
 * @example
 * argmin(tensor([[1, 5], [3, 2]]), 1); // tensor([0, 1], dtype=int32)
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum('argmin', x, dim, keepdim, true);
}

/** The values and int32 indices of a max/min along one dim. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function selectExtremum(op: string, x: Tensor, dim: number | undefined, keepdim: boolean, min: boolean) {
  requireOrdered(op, x);
  if (dim === undefined) {
    if (x.numel === 0)
      throw new RangeError(`${op}: ${NO_DIM_EMPTY} Specify the reduction dim with the 'dim' argument.`);
    return extremum(op, x, undefined, false, min);
  }
  const d = normDim(op, dim, x.ndim);
  const x1 = x.ndim === 0 ? reshape(x, [1]) : x;
  const i = firstExtremumIndex(op, x1, d, min);
  const n = x1.shape[d];
  // The gradient goes to the selected entry only: the value is x where the index is i.
  const hit = noGrad(() =>
    reshape(
      arange(0, n, 1, { dtype: x.dtype, device: x.device }),
      x1.shape.map((_, k) => (k === d ? n : 1)),
    ).eq(i),
  );
  const values = reshape(where(hit, x1, 0).sum(d, true), outShape(x, [d], keepdim));
  const indices = cast(reshape(i, outShape(x, [d], keepdim)), 'int32');
  return { values, indices };
}

/**
 * The maximum of all elements, or with `dim` the values and (int32) indices of the maxima along
 * it, as torch.max; with `dim` the gradient goes to the selected entry (the first of tied maxima),
 * without it tied maxima share it evenly (as amax).
 * @example
 * max(tensor([[1, 5], [3, 2]])); // tensor(5.)
 * max(tensor([[1, 5], [3, 2]]), 1).indices; // tensor([1, 0], dtype=int32)
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return selectExtremum('max', x, dim, keepdim, false);
}

/**
 * The minimum of all elements, or with `dim` its values and (int32) indices along it, as torch.min.
 * @example
 * min(tensor([[1, 5], [3, 2]]), 1).values; // tensor([1., 2.])
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return selectExtremum('min', x, dim, keepdim, true);
}

/**
 * The shift of a stable exp-sum: the max over `dims` (kept) of x (of Re x for complex x, as
 * PyTorch: a real shift leaves the branch of the log unchanged), 0 where it is not finite; no
 * gradient.
 */
function shift(op: string, x: Tensor, dims: readonly number[]): Tensor {
  return noGrad(() => {
    const m = detach(extremum(op, isComplex(x.dtype) ? x.real() : x, dims, true, false));
    return where(m.abs().lt(Infinity), m, 0);
  });
}

/**
 * log Σ exp(x) over `dim` (all dims when undefined), computed as m + log Σ exp(x − m) with m the
 * maximum, so large entries neither overflow nor underflow, as torch.logsumexp. Complex x gives
 * the principal log of Σ exp(x) (shifted by the maximum real part); its gradient is
 * g·conj(softmax(x)), from exp's and log's.
 * @example
 * logsumexp(tensor([1000, 1000])); // tensor(1000.6931)
 */
export function logsumexp(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const op = 'logsumexp';
  requireFloatOrComplex(op, x);
  const dims = reducedDims(op, x, dim);
  // log of an empty sum: −∞ (as PyTorch), with a structurally zero gradient.
  if (dims.some((d) => x.shape[d] === 0)) return x.sum(dims, keepdim).mul(0).add(-Infinity);
  const m = shift(op, x, dims);
  const r = x.sub(m).exp().sum(dims, true).log().add(m);
  return reshape(r, outShape(x, dims, keepdim));
}

/**
 * exp(x) / Σ exp(x) along `dim`, shifted by the maximum first (stable), as torch.softmax.
 * @example
 * softmax(tensor([1000, 1001]), 0); // tensor([0.2689, 0.7311])
 */
export function softmax(x: Tensor, dim: number): Tensor {
  const op = 'softmax';
  requireOrdered(op, x);
  const d = normDim(op, dim, x.ndim);
  if (x.numel === 0) return x.exp();
  const dims = x.ndim === 0 ? [] : [d];
  const e = x.sub(shift(op, x, dims)).exp();
  return e.div(dims.length ? e.sum(d, true) : e);
}

/**
 * log softmax(x) along `dim`: x − m − log Σ exp(x − m) with m the maximum, as torch.log_softmax.
 * @example
 * logSoftmax(tensor([1000, 1001]), 0); // tensor([-1.3133, -0.3133])
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const op = 'logSoftmax';
  requireOrdered(op, x);
  const d = normDim(op, dim, x.ndim);
  if (x.numel === 0) return x.add(0);
  const dims = x.ndim === 0 ? [] : [d];
  const y = x.sub(shift(op, x, dims));
  return y.sub(y.exp().sum(dims, true).log());
}

/** Options of var and std: the correction (Bessel's, 1, by default) and keepdim. */
export interface VarOptions {
  /** The divisor is N − correction (at least 0); default 1. */
  correction?: number;
  /** Keep the reduced dims as size 1; default false. */
  keepdim?: boolean;
}

/** |w|² (real) for complex w, as Re² + Im² (smooth at 0, unlike abs(w)²); w² for real w. */
function absSquare(w: Tensor): Tensor {
  return isComplex(w.dtype) ? w.real().square().add(w.imag().square()) : w.square();
}

function variance(op: string, x: Tensor, dim: Dims, opts: VarOptions): Tensor {
  requireFloatOrComplex(op, x);
  const { correction = 1, keepdim = false } = opts;
  if (typeof correction !== 'number' || !Number.isFinite(correction))
    throw new TypeError(`${op}: correction must be a finite number, got ${String(correction)}`);
  const dims = reducedDims(op, x, dim);
  const n = dims.reduce((p, d) => p * x.shape[d], 1);
  const mu = x.sum(dims, true).div(n);
  return absSquare(x.sub(mu))
    .sum(dims, keepdim)
    .div(Math.max(0, n - correction));
}

/**
 * The variance over `dim` (all dims when undefined): Σ |x − mean|² / (N − correction), as
 * torch.var (real for complex x).
 * @example
 * variance(tensor([1, 2, 3, 4])); // tensor(1.6667)
 */
export function var_(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  return variance('var', x, dim, opts);
}

/**
 * The standard deviation, sqrt(var), as torch.std.
 * @example
 * std(tensor([1, 2, 3, 4]), undefined, { correction: 0 }); // tensor(1.1180)
 */
export function std(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  return variance('std', x, dim, opts).sqrt();
}

/** Zeros shaped as x's leading dims with `n` in the last, in x's dtype and device. */
function zerosLast(x: Tensor, n: number): Tensor {
  return zeros([...x.shape.slice(0, -1), n], { dtype: x.dtype, device: x.device });
}

/**
 * Cumulative sum along `dim`, as torch.cumsum: a scan of log₂ n elementwise sums
 * (y[i] ← y[i] + y[i − 2ᵏ]), so the work is n·log₂ n on either device and the gradient (the
 * reversed cumulative sum) is add's.
 * @example
 * cumsum(tensor([1, 2, 3]), 0); // tensor([1., 3., 6.])
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  const op = 'cumsum';
  requireFloatOrComplex(op, x);
  const d = normDim(op, dim, x.ndim);
  if (x.ndim === 0) return x.add(0);
  const n = x.shape[d];
  let y = x.transpose(d, -1);
  for (let s = 1; s < n; s *= 2) y = y.add(cat([zerosLast(y, s), narrow(y, -1, 0, n - s)], -1));
  return y.transpose(d, -1);
}

/**
 * The vector p-norm over `dim` (all elements when undefined), as torch.linalg.vector_norm:
 * (Σ |x|^p)^(1/p); Infinity / −Infinity give max / min |x|, 0 the number of nonzero entries. For
 * complex x, |x| is the modulus and the norm is real.
 * @example
 * norm(tensor([3, 4])); // tensor(5.)
 * norm(tensor([3, -4]), Infinity); // tensor(4.)
 */
export function norm(x: Tensor, p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  const op = 'norm';
  requireFloatOrComplex(op, x);
  if (typeof p !== 'number' || Number.isNaN(p))
    throw new TypeError(`${op}: ord must be a number, got ${String(p)}`);
  const dims = reducedDims(op, x, dim);
  const a = x.abs();
  if (p === Infinity) return extremum(op, a, dims, keepdim, false);
  if (p === -Infinity) return extremum(op, a, dims, keepdim, true);
  if (p === 0) return noGrad(() => a.ne(0).sum(dims, keepdim));
  if (p === 1) return a.sum(dims, keepdim);
  if (p === 2) {
    // sqrt with a zero (sub)gradient at 0 instead of NaN, as PyTorch.
    const sq = absSquare(x).sum(dims, keepdim);
    const zero = noGrad(() => sq.eq(0));
    return where(zero, 0, where(zero, 1, sq).sqrt());
  }
  if (numelOf(dims.map((d) => x.shape[d])) === 0) return a.sum(dims, keepdim);
  return a
    .pow(p)
    .sum(dims, keepdim)
    .pow(1 / p);
}

/** Ones shaped as x's leading dims with `n` in the last, in x's dtype and device. */
function onesLast(x: Tensor, n: number): Tensor {
  return ones([...x.shape.slice(0, -1), n], { dtype: x.dtype, device: x.device });
}

/**
 * The product of all elements or over `dim`, as torch.prod: a tree of elementwise products
 * (log₂ n multiplications deep), so zeros need no special case and every derivative, the second
 * too, is that of mul. The product over nothing is 1.
 * @example
 * prod(tensor([[1, 2], [3, 0]]), 1); // tensor([2., 0.])
 */
export function prod(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const op = 'prod';
  requireFloatOrComplex(op, x);
  const dims = reducedDims(op, x, dim);
  const shape = outShape(x, dims, keepdim);
  let y = reducedLast(x, dims);
  let n = y.shape[y.ndim - 1];
  if (n === 0) return reshape(y.sum(-1).mul(0).add(1), shape);
  while (n > 1) {
    if (n % 2 === 1) {
      y = cat([y, onesLast(y, 1)], -1);
      n += 1;
    }
    const h = n / 2;
    y = narrow(y, -1, 0, h).mul(narrow(y, -1, h, h));
    n = h;
  }
  return reshape(y, shape);
}

/**
 * Cumulative product along `dim`, as torch.cumprod: a scan of log₂ n elementwise products
 * (y[i] ← y[i]·y[i − 2ᵏ]), so zeros need no special case and the gradient is mul's.
 * @example
 * cumprod(tensor([1, 2, 0, 3]), 0); // tensor([1., 2., 0., 0.])
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  const op = 'cumprod';
  requireFloatOrComplex(op, x);
  const d = normDim(op, dim, x.ndim);
  if (x.ndim === 0) return x.add(0);
  const n = x.shape[d];
  let y = x.transpose(d, -1);
  for (let s = 1; s < n; s *= 2) y = y.mul(cat([onesLast(y, s), narrow(y, -1, 0, n - s)], -1));
  return y.transpose(d, -1);
}
