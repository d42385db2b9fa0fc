import { sumCpu } from '../backends/cpu/reduce.js';
import { COMPLEX } from '../backends/cpu/scalar.js';
import { C64 } from '../backends/webgpu/kernel.js';
import { sumGpu } from '../backends/webgpu/kernels/reduce.js';
import { allocArray, floatDtypes, isComplex } from '../dtype.js';
import { normDim, numelOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { fromHost } from './creation.js';
import { apply1, defineBuiltinOp, type OpDef, requireFloat } from './registry.js';
import { expand, reshape } from './shape.js';

/** Sum over `dims` (sorted, distinct). The kept dims' order is preserved; keepdim keeps them as size 1. */
type SumAttrs = { dims: readonly number[]; keepdim: boolean };

export const sumOp: OpDef<SumAttrs> = defineBuiltinOp<SumAttrs>({
  name: 'sum',
  dtypes: [...floatDtypes, 'complex64', 'complex128'],
  dtypeCheck: 'op', // requireFloat's message for real inputs, as before complex
  check: ([x]) => {
    if (!isComplex(x.dtype)) requireFloat('sum', [x]);
  },
  coreRanks: 'any', // dims are attributes; the batching rule shifts them
  infer: ([x], { dims, keepdim }) => {
    const shape = keepdim
      ? x.shape.map((d, i) => (dims.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !dims.includes(i));
    return [{ shape, dtype: x.dtype }];
  },
  cpu: ([x], [out], { dims }) => sumCpu(x, out, dims, isComplex(x.dtype) ? COMPLEX : undefined),
  webgpu: (gpu, [x], [out], { dims }) => {
    // An empty complex input has no vec2 to bind: its sums are zeros.
    if (x.complex && numelOf(x.shape) === 0)
      return gpu.write(out.storage, new Float32Array(out.storage.length));
    sumGpu(gpu, x, out, dims, x.complex ? C64 : undefined);
  },
  // g expanded back (no conjugate: the sum is ℂ-linear).
  backward: (c, [g]) => {
    const x = c.inputs[0];
    const kshape = x.shape.map((d, i) => (c.attrs.dims.includes(i) ? 1 : d));
    return [expand(reshape(g!, kshape), x.shape)];
  },
  jvp: 'linear',
  vmap: ([x], _, { dims, keepdim }) => [apply1(sumOp, [x], { dims: dims.map((d) => d + 1), keepdim })],
});

export const reduceOps = { sum: sumOp };

function normDims(op: string, x: Tensor, dim: number | readonly number[] | undefined): number[] {
  // No dim, or an empty list, reduces every dim (PyTorch's behaviour for dim=[]).
  if (dim === undefined || (Array.isArray(dim) && dim.length === 0)) return [...Array(x.ndim).keys()];
  const ds = (typeof dim === 'number' ? [dim] : dim).map((d) => normDim(op, d, x.ndim));
  if (new Set(ds).size !== ds.length)
    throw new RangeError(`${op}: dim ${JSON.stringify(dim)} appears multiple times in the list of dims`);
  return ds.sort((a, b) => a - b);
}

/**
 * Sum over all elements, or over `dim` (a dim or a list), keeping reduced dims as size 1 with
 * `keepdim`.
 * @example
 * sum(tensor([[1, 2], [3, 4]]), 1); // tensor([3., 7.])
 * tensor([[1, 2], [3, 4]]).sum(); // tensor(10.)
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return apply1(sumOp, [x], { dims: normDims('sum', x, dim), keepdim });
}

/**
 * Mean over all elements or over `dim`, as sum.
 * @example
 * mean(tensor([[1, 2], [3, 4]]), 0, true); // tensor([[2., 3.]])
 */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  if (!isComplex(x.dtype)) requireFloat('mean', [x]);
  const dims = normDims('mean', x, dim);
  const count = dims.reduce((n, d) => n * (x.shape[d] ?? 1), 1);
  const total = sum(x, dims, keepdim);
  // The mean over nothing is NaN (NaN + NaN·i for complex x, as in PyTorch); its gradient is
  // structurally zero, not 0·∞.
  if (count !== 0) return total.div(count);
  if (!isComplex(x.dtype)) return total.mul(0).add(Number.NaN);
  const nan = allocArray(x.dtype, total.numel).fill(Number.NaN);
  return total.mul(0).add(fromHost(nan, total.shape, x.device, false, x.dtype));
}
