import type { CpuView } from '../backends/backend.js';
import { COMPLEX, REAL } from '../backends/cpu/scalar.js';
import { catCpu, trilCpu } from '../backends/cpu/shape.js';
import { gatherCpu, scatterCpu } from '../backends/cpu/strided.js';
import type { View } from '../backends/layout.js';
import { catGpu, trilGpu } from '../backends/webgpu/kernels/shape.js';
import { gatherGpu, scatterGpu } from '../backends/webgpu/kernels/strided.js';
import { everyDtype, isComplex } from '../dtype.js';
import { normDim, numelOf, sameShape, shapeStr, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { apply1, applyOp, defineBuiltinOp, type OpDef } from './registry.js';

/** The CPU scalar of a view's elements: complex tensors move (re, im) pairs. */
const scalarOf = (x: CpuView) => (isComplex(x.dtype) ? COMPLEX : REAL);

/**
 * Shape ops. Tensors are always contiguous, so every view op materialises its result with one
 * strided gather; its backward scatters the gradient back through the same view.
 */

/** An injective view of the input (permute, transpose, narrow, diagonal): gather forward, scatter backward. */
function viewOp(name: string): OpDef<View> {
  const op: OpDef<View> = defineBuiltinOp<View>({
    name,
    dtypes: everyDtype,
    coreRanks: 'any',
    infer: ([x], v) => [{ shape: v.shape, dtype: x.dtype }],
    cpu: ([x], [out], v) => gatherCpu(x, out, v, scalarOf(x)),
    webgpu: (gpu, [x], [out], v) => gatherGpu(gpu, x, out, v),
    backward: (c, [g]) => [embed(g!, c.inputs[0].shape, c.attrs)],
    jvp: 'linear',
    // One sample is a contiguous block of the batch: the view gets a leading dim of that stride.
    vmap: ([x], _, v, size) => [apply1(op, [x], batchView(v, size, sampleNumel(x)))],
  });
  return op;
}

/** A view of one sample as the view of a batch of `size` samples, `stride` elements apart. */
function batchView(v: View, size: number, stride: number): View {
  return { shape: [size, ...v.shape], strides: [stride, ...v.strides], offset: v.offset };
}

/** The number of elements of one sample of a batch (vmapped dim at 0). */
function sampleNumel(x: Tensor): number {
  return numelOf(x.shape.slice(1));
}

export const permuteOp = viewOp('permute');
export const narrowOp = viewOp('narrow');
export const diagonalOp = viewOp('diagonal');

/** Places x (shape view.shape) into zeros of `shape` at the view's positions. */
export const embedOp: OpDef<View & { outShape: readonly number[] }> = defineBuiltinOp<
  View & { outShape: readonly number[] }
>({
  name: 'embed',
  dtypes: everyDtype,
  coreRanks: 'any',
  infer: ([x], a) => [{ shape: a.outShape, dtype: x.dtype }],
  cpu: ([x], [out], v) => scatterCpu(x, out, v, scalarOf(x)),
  webgpu: (gpu, [x], [out], v) => scatterGpu(gpu, x, out, v),
  backward: (c, [g]) => [apply1(diagonalOp, [g!], c.attrs)],
  jvp: 'linear',
  vmap: ([x], _, a, size) => [
    apply1(embedOp, [x], { ...batchView(a, size, numelOf(a.outShape)), outShape: [size, ...a.outShape] }),
  ],
});

function embed(x: Tensor, outShape: readonly number[], v: View): Tensor {
  return apply1(embedOp, [x], { ...v, outShape });
}

export const expandOp: OpDef<View> = defineBuiltinOp<View>({
  name: 'expand',
  dtypes: everyDtype,
  coreRanks: 'any',
  infer: ([x], v) => [{ shape: v.shape, dtype: x.dtype }],
  cpu: ([x], [out], v) => gatherCpu(x, out, v, scalarOf(x)),
  webgpu: (gpu, [x], [out], v) => gatherGpu(gpu, x, out, v),
  backward: (c, [g]) => [sumTo(g!, c.inputs[0].shape)],
  jvp: 'linear',
  vmap: ([x], _, v, size) => [apply1(expandOp, [x], batchView(v, size, sampleNumel(x)))],
});

export const reshapeOp: OpDef<{ shape: readonly number[] }> = defineBuiltinOp<{ shape: readonly number[] }>({
  name: 'reshape',
  dtypes: everyDtype,
  coreRanks: 'any',
  infer: ([x], a) => [{ shape: a.shape, dtype: x.dtype }],
  cpu: ([x], [out]) => out.data.set(x.data),
  webgpu: (gpu, [x], [out]) => gpu.copy(x.storage, out.storage),
  backward: (c, [g]) => [reshape(g!, c.inputs[0].shape)],
  jvp: 'linear',
  vmap: ([x], _, a, size) => [apply1(reshapeOp, [x], { shape: [size, ...a.shape] })],
});

type TriAttrs = { k: number; upper: boolean };
/** tril/triu over the last two dims; the gradient is masked the same way. */
export const triOp: OpDef<TriAttrs> = defineBuiltinOp<TriAttrs>({
  name: 'tril',
  dtypes: everyDtype,
  coreRanks: [2],
  check: ([x]) => {
    if (x.shape.length < 2)
      throw new RangeError(
        `tril/triu: input tensor must have at least 2 dimensions, got shape ${shapeStr(x.shape)}`,
      );
  },
  shape: ([core]) => [core],
  cpu: ([x], [out], { k, upper }) => trilCpu(x, out, k, upper),
  webgpu: (gpu, [x], [out], { k, upper }) => trilGpu(gpu, x, out, k, upper),
  backward: (c, [g]) => [apply1(triOp, [g!], c.attrs)],
  jvp: 'linear',
});

export const catOp: OpDef<{ dim: number }> = defineBuiltinOp<{ dim: number }>({
  name: 'cat',
  dtypes: everyDtype,
  coreRanks: 'any', // variadic, and dim is an attribute
  infer: (ins, { dim }) => {
    const ref = ins[0].shape;
    let total = 0;
    ins.forEach((t, i) => {
      if (t.shape.length !== ref.length || t.shape.some((d, j) => j !== dim && d !== ref[j])) {
        throw new RangeError(
          `cat: sizes of tensors must match except in dimension ${dim}; tensor 0 has shape ${shapeStr(ref)} and tensor ${i} has shape ${shapeStr(t.shape)}`,
        );
      }
      if (t.dtype !== ins[0].dtype)
        throw new TypeError(`cat: all tensors must have one dtype, got ${ins[0].dtype} and ${t.dtype}`);
      total += t.shape[dim];
    });
    const shape = [...ref];
    shape[dim] = total;
    return [{ shape, dtype: ins[0].dtype }];
  },
  cpu: (ins, [out], { dim }) => catCpu(ins, out, dim),
  webgpu: (gpu, ins, [out], { dim }) => catGpu(gpu, ins, out, dim),
  backward: (c, gs) => {
    let off = 0;
    return c.inputs.map((x) => {
      const g = narrow(gs[0]!, c.attrs.dim, off, x.shape[c.attrs.dim]);
      off += x.shape[c.attrs.dim];
      return g;
    });
  },
  jvp: 'linear',
  // Every input needs the batch dim (unbatched ones are repeated); the dim moves past it.
  vmap: (xs, batched, { dim }, size) =>
    applyOp(
      catOp,
      xs.map((x, i) => (batched[i] ? x : expandBatch(x, size))),
      { dim: dim + 1 },
    ),
});

/** An unbatched input of a vmapped op repeated `size` times along a new dim 0. */
export function expandBatch(x: Tensor, size: number): Tensor {
  return expand(unsqueeze(x, 0), [size, ...x.shape]);
}

export const shapeOps = {
  permute: permuteOp,
  narrow: narrowOp,
  diagonal: diagonalOp,
  embed: embedOp,
  expand: expandOp,
  reshape: reshapeOp,
  tril: triOp,
  cat: catOp,
};

// ---- public functions -------------------------------------------------------------------------

/**
 * The same values in a new shape (one dim may be −1).
 * @example
 * reshape(arange(6), [2, 3]); // or arange(6).reshape(2, 3)
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const n = x.numel;
  const infer = shape.indexOf(-1);
  const out = [...shape];
  if (infer >= 0) {
    const rest = numelOf(shape.filter((_, i) => i !== infer));
    if (rest === 0 || n % rest !== 0)
      throw new RangeError(`reshape: shape ${shapeStr(shape)} is invalid for input of size ${n}`);
    out[infer] = n / rest;
  }
  if (numelOf(out) !== n || out.some((d) => d < 0 || !Number.isInteger(d))) {
    throw new RangeError(
      `reshape: shape ${shapeStr(shape)} is invalid for input of size ${n} (shape ${shapeStr(x.shape)})`,
    );
  }
  if (sameShape(out, x.shape)) return x;
  return apply1(reshapeOp, [x], { shape: out });
}

/**
 * Reorders the dims.
 * @example
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const nd = x.ndim;
  if (dims.length !== nd) {
    throw new RangeError(
      `permute: number of dims don't match: got ${dims.length} dims for a tensor of shape ${shapeStr(x.shape)}`,
    );
  }
  const d = dims.map((k) => normDim('permute', k, nd));
  if (new Set(d).size !== nd) throw new RangeError(`permute: repeated dim in ${shapeStr(dims)}`);
  if (d.every((k, i) => k === i)) return x;
  const st = stridesOf(x.shape);
  return apply1(permuteOp, [x], { shape: d.map((k) => x.shape[k]), strides: d.map((k) => st[k]), offset: 0 });
}

/**
 * Swaps two dims.
 * @example
 * transpose(zeros([2, 3]), 0, 1).shape; // [3, 2]
 */
export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  const nd = x.ndim;
  const a = normDim('transpose', d0, nd);
  const b = normDim('transpose', d1, nd);
  const dims = [...Array(nd).keys()];
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/**
 * Transpose of the last two dims.
 * @example
 * mT(zeros([5, 2, 3])).shape; // [5, 3, 2]
 */
export function mT(x: Tensor): Tensor {
  if (x.ndim < 2)
    throw new RangeError(`mT: tensor must have at least 2 dimensions, got shape ${shapeStr(x.shape)}`);
  return transpose(x, -2, -1);
}

/**
 * Inserts a dim of size 1 at `dim`.
 * @example
 * unsqueeze(tensor([1, 2]), -1).shape; // [2, 1]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  const s = [...x.shape];
  s.splice(d, 0, 1);
  return reshape(x, s);
}

/**
 * Removes dims of size 1 (only `dim` when given).
 * @example
 * squeeze(zeros([2, 1, 3])).shape; // [2, 3]
 */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const d = normDim('squeeze', dim, x.ndim);
  if (x.ndim === 0 || x.shape[d] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== d),
  );
}

/**
 * Broadcasts to a larger shape (−1 keeps a dim); the gradient sums back.
 * @example
 * expand(tensor([[1], [2]]), [2, 3]); // tensor([[1., 1., 1.], [2., 2., 2.]])
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const nd = shape.length;
  if (nd < x.ndim)
    throw new RangeError(
      `expand: the number of sizes provided (${nd}) must be >= the number of dims (${x.ndim})`,
    );
  const off = nd - x.ndim;
  const st = stridesOf(x.shape);
  const target: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < nd; i++) {
    const src = i >= off ? x.shape[i - off] : 1;
    const want = shape[i] === -1 ? src : shape[i];
    if (src !== want && src !== 1) {
      throw new RangeError(
        `expand: the expanded size of the tensor (${want}) must match the existing size (${src}) at non-singleton dimension ${i}; target sizes ${shapeStr(shape)}, tensor shape ${shapeStr(x.shape)}`,
      );
    }
    target.push(want);
    strides.push(i >= off && src !== 1 ? st[i - off] : 0);
  }
  if (sameShape(target, x.shape)) return x;
  return apply1(expandOp, [x], { shape: target, strides, offset: 0 });
}

/**
 * `length` entries of `dim` from `start` (torch.narrow).
 * @example
 * narrow(arange(5), 0, 1, 3); // tensor([1., 2., 3.])
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim('narrow', dim, x.ndim);
  const size = x.shape[d];
  if (start < 0) start += size;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(length) ||
    start < 0 ||
    length < 0 ||
    start + length > size
  ) {
    throw new RangeError(
      `narrow: start (${start}) + length (${length}) exceeds dimension size (${size}) of shape ${shapeStr(x.shape)}`,
    );
  }
  if (start === 0 && length === size) return x;
  const st = stridesOf(x.shape);
  const shape = [...x.shape];
  shape[d] = length;
  return apply1(narrowOp, [x], { shape, strides: st, offset: start * st[d] });
}

/** The view of diagonal `offset` over dims (dim1, dim2), appended as the last dim (torch.diagonal). */
function diagonalView(shape: readonly number[], offset: number, dim1: number, dim2: number): View {
  const nd = shape.length;
  const a = normDim('diagonal', dim1, nd);
  const b = normDim('diagonal', dim2, nd);
  if (a === b) throw new RangeError(`diagonal: diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  const st = stridesOf(shape);
  const len = Math.max(
    0,
    offset >= 0 ? Math.min(shape[a], shape[b] - offset) : Math.min(shape[a] + offset, shape[b]),
  );
  const start = len === 0 ? 0 : offset >= 0 ? offset * st[b] : -offset * st[a];
  const keep = [...Array(nd).keys()].filter((i) => i !== a && i !== b);
  return {
    shape: [...keep.map((i) => shape[i]), len],
    strides: [...keep.map((i) => st[i]), st[a] + st[b]],
    offset: start,
  };
}

/**
 * The diagonal at `offset` of the dims dim1, dim2, moved to the last dim.
 * @example
 * diagonal(tensor([[1, 2], [3, 4]])); // tensor([1., 4.])
 */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  if (x.ndim < 2)
    throw new RangeError(`diagonal: input must have at least 2 dimensions, got shape ${shapeStr(x.shape)}`);
  return apply1(diagonalOp, [x], diagonalView(x.shape, offset, dim1, dim2));
}

/**
 * Matrices with x's last dim on diagonal `offset` (torch.diag_embed with dim1=-2, dim2=-1).
 * @example
 * diagEmbed(tensor([1, 2])); // tensor([[1., 0.], [0., 2.]])
 */
export function diagEmbed(x: Tensor, offset = 0): Tensor {
  if (x.ndim < 1) throw new RangeError('diagEmbed: input must have at least 1 dimension');
  const n = x.shape[x.ndim - 1] + Math.abs(offset);
  const outShape = [...x.shape.slice(0, -1), n, n];
  return embed(x, outShape, diagonalView(outShape, offset, -2, -1));
}

/**
 * The lower triangle (entries below and on diagonal k), zeros elsewhere.
 * @example
 * tril(ones([3, 3]), -1); // strictly lower
 */
export function tril(x: Tensor, k = 0): Tensor {
  return apply1(triOp, [x], { k, upper: false });
}

/**
 * The upper triangle (entries above and on diagonal k), zeros elsewhere.
 * @example
 * triu(ones([2, 2])); // tensor([[1., 1.], [0., 1.]])
 */
export function triu(x: Tensor, k = 0): Tensor {
  return apply1(triOp, [x], { k, upper: true });
}

/**
 * Concatenates along an existing dim.
 * @example
 * cat([zeros([2, 3]), ones([1, 3])], 0).shape; // [3, 3]
 */
export function cat(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new RangeError('cat: expected a non-empty list of tensors');
  const d = normDim('cat', dim, xs[0].ndim);
  if (xs.length === 1) return xs[0];
  return applyOp(catOp, xs, { dim: d })[0];
}

/**
 * Stacks equal-shaped tensors along a new dim.
 * @example
 * stack([tensor([1, 2]), tensor([3, 4])], 0).shape; // [2, 2]
 */
export function stack(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new RangeError('stack: expected a non-empty list of tensors');
  for (const t of xs) {
    if (!sameShape(t.shape, xs[0].shape)) {
      throw new RangeError(
        `stack: expects each tensor to be equal size, but got ${shapeStr(xs[0].shape)} and ${shapeStr(t.shape)}`,
      );
    }
  }
  const d = normDim('stack', dim, xs[0].ndim + 1);
  return cat(
    xs.map((t) => unsqueeze(t, d)),
    d,
  );
}

/**
 * Sums a broadcast gradient back to `shape` (the engine's one place that undoes broadcasting).
 * @example
 * sumTo(ones([2, 3]), [3]); // tensor([2., 2., 2.])
 */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  return reshape(sum(g, dims, true), shape);
}
