import { gatherDimCpu, scatterAddDimCpu } from '../backends/cpu/gather.js';
import { gatherDimGpu, scatterAddDimGpu } from '../backends/webgpu/kernels/gather.js';
import { normDim, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { zerosLike } from './creation.js';
import { pad } from './indexing.js';
import { apply1, defineBuiltinOp, type OpDef, type TensorMeta } from './registry.js';
import { expand, expandBatch, reshape } from './shape.js';

/**
 * gather, scatterAdd and indexSelect along a dim. The index is an int32 tensor of the data's
 * rank (indexSelect: a vector, expanded); it gets no gradient. gather's backward is a scatterAdd
 * into zeros, scatterAdd's a gather, so both have gradients of every order.
 */

/** `op` names the public function in error messages (indexSelect runs as a gather). */
type DimAttrs = { dim: number; op: string };

function checkIndex(op: string, x: TensorMeta, index: TensorMeta, dim: number, src?: TensorMeta): void {
  if (index.dtype !== 'int32')
    throw new TypeError(`${op}: expected index of dtype int32, got ${index.dtype}`);
  if (index.shape.length !== x.shape.length)
    throw new RangeError(
      `${op}: index tensor must have the same number of dimensions as input tensor, got index ${shapeStr(index.shape)} and input ${shapeStr(x.shape)}`,
    );
  const bad = index.shape.findIndex((s, d) => d !== dim && s > x.shape[d]);
  if (bad >= 0)
    throw new RangeError(
      `${op}: size of dimension ${bad} of index (${index.shape[bad]}) must not exceed that of input (${x.shape[bad]}); index ${shapeStr(index.shape)}, input ${shapeStr(x.shape)}`,
    );
  if (src) {
    if (src.dtype !== x.dtype)
      throw new TypeError(`${op}: expected src of dtype ${x.dtype}, got ${src.dtype}`);
    const b = index.shape.findIndex((s, d) => src.shape.length !== index.shape.length || s > src.shape[d]);
    if (b >= 0)
      throw new RangeError(
        `${op}: index ${shapeStr(index.shape)} must not be larger than src ${shapeStr(src.shape)} in any dimension`,
      );
  }
}

export const gatherOp: OpDef<DimAttrs> = defineBuiltinOp<DimAttrs>({
  name: 'gather',
  dtypes: ['float32', 'float64', 'complex64', 'complex128', 'int32'],
  dtypeCheck: 'op',
  coreRanks: 'any',
  infer: ([x, index], { dim, op }) => {
    checkIndex(op, x, index, dim);
    return [{ shape: index.shape, dtype: x.dtype }];
  },
  cpu: ([x, index], [out], { dim, op }) => gatherDimCpu(op, x, index, out, dim),
  webgpu: (gpu, [x, index], [out], { dim, op }) => gatherDimGpu(gpu, op, x, index, out, dim),
  // gx = the gradient added at the gathered positions.
  backward: (c, [g]) => [scatterAddRaw(zerosLike(c.inputs[0]), c.inputs[1], g!, c.attrs), null],
  jvp: (c, [dx]) => [dx ? apply1(gatherOp, [dx, c.inputs[1]], c.attrs) : null],
  vmap: ([x, index], batched, a, size) => [
    apply1(gatherOp, [batched[0] ? x : expandBatch(x, size), batched[1] ? index : expandBatch(index, size)], {
      ...a,
      dim: a.dim + 1,
    }),
  ],
});

export const scatterAddOp: OpDef<DimAttrs> = defineBuiltinOp<DimAttrs>({
  name: 'scatterAdd',
  dtypes: ['float32', 'float64', 'complex64', 'complex128', 'int32'],
  dtypeCheck: 'op',
  coreRanks: 'any',
  infer: ([x, index, src], { dim, op }) => {
    checkIndex(op, x, index, dim, src);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  cpu: ([x, index, src], [out], { dim, op }) => scatterAddDimCpu(op, x, index, src, out, dim),
  webgpu: (gpu, [x, index, src], [out], { dim, op }) => scatterAddDimGpu(gpu, op, x, index, src, out, dim),
  // gx = g; gsrc = g at the scattered positions (zeros where src is not indexed).
  backward: (c, [g]) => [g, null, gatherInto(g!, c.inputs[1], c.inputs[2].shape, c.attrs)],
  jvp: (c, [dx, , dsrc]) => {
    if (!dsrc) return [dx];
    return [scatterAddRaw(dx ?? zerosLike(c.inputs[0]), c.inputs[1], dsrc, c.attrs)];
  },
  vmap: (xs, batched, a, size) => [
    apply1(
      scatterAddOp,
      xs.map((t, i) => (batched[i] ? t : expandBatch(t, size))) as [Tensor, Tensor, Tensor],
      { ...a, dim: a.dim + 1 },
    ),
  ],
});

function scatterAddRaw(x: Tensor, index: Tensor, src: Tensor, a: DimAttrs): Tensor {
  return apply1(scatterAddOp, [x, index, src], a);
}

/** gather(g, index) placed in zeros of `shape` (src may be larger than index). */
function gatherInto(g: Tensor, index: Tensor, shape: readonly number[], a: DimAttrs): Tensor {
  const got = apply1(gatherOp, [g, index], a);
  const widths = [...shape.keys()].reverse().flatMap((d) => [0, shape[d] - index.shape[d]]);
  return widths.some((w) => w > 0) ? pad(got, widths) : got;
}

// ---- public functions -------------------------------------------------------------------------

/** 0-d inputs run as [1] (torch allows dim 0 of a 0-d tensor). */
function as1d(t: Tensor): Tensor {
  return t.ndim === 0 ? reshape(t, [1]) : t;
}

/**
 * Entries of x along `dim` at the int32 `index` (same rank as x): out[i][j] = x[index[i][j]][j]
 * for dim 0 (torch.gather). The gradient is added back at the gathered positions.
 * @example
 * gather(tensor([[1, 2], [3, 4]]), 1, tensor([[0, 0], [1, 0]], { dtype: 'int32' })); // tensor([[1., 1.], [4., 3.]])
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim('gather', dim, x.ndim);
  const out = apply1(gatherOp, [as1d(x), as1d(index)], { dim: d, op: 'gather' });
  return index.ndim === 0 ? reshape(out, []) : out;
}

/**
 * x with src added at the int32 `index` along `dim` (out-of-place Tensor.scatter_add_): for dim 0,
 * out[index[i][j]][j] += src[i][j]; repeated indices accumulate.
 * @example
 * scatterAdd(zeros([3]), 0, tensor([0, 2, 0], { dtype: 'int32' }), tensor([1, 2, 3])); // tensor([4., 0., 2.])
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normDim('scatterAdd', dim, x.ndim);
  const out = apply1(scatterAddOp, [as1d(x), as1d(index), as1d(src)], { dim: d, op: 'scatterAdd' });
  return x.ndim === 0 ? reshape(out, []) : out;
}

/**
 * The entries of x at the int32 vector `index` along `dim` (torch.index_select); a gather with
 * the index expanded over the other dims.
 * @example
 * indexSelect(tensor([[1, 2], [3, 4]]), 0, tensor([1, 1], { dtype: 'int32' })); // tensor([[3., 4.], [3., 4.]])
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim('indexSelect', dim, x.ndim);
  if (index.dtype !== 'int32')
    throw new TypeError(`indexSelect: expected index of dtype int32, got ${index.dtype}`);
  if (index.ndim > 1)
    throw new RangeError(
      `indexSelect: index must be a vector or a scalar, got shape ${shapeStr(index.shape)}`,
    );
  const xs = as1d(x);
  const n = index.numel;
  const shape = [...xs.shape];
  shape[d] = n;
  const along = shape.map((s, i) => (i === d ? s : 1));
  const idx = expand(reshape(index, along), shape);
  const out = apply1(gatherOp, [xs, idx], { dim: d, op: 'indexSelect' });
  return x.ndim === 0 ? reshape(out, []) : out;
}
