import type { GpuStorage } from '../backends/backend.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex, wgslParams } from '../backends/webgpu/runtime.js';
import { normDim, numelOf, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { apply1, defineOp, requireFloat } from './registry.js';
import { expand, reshape } from './shape.js';

/** Sum over `dims` (sorted, distinct). The kept dims' order is preserved; keepdim keeps them as size 1. */
type SumAttrs = { dims: readonly number[]; keepdim: boolean };

/** Splits a shape into the kept (output) part and the reduced part, each with input strides. */
function split(shape: readonly number[], dims: readonly number[]) {
  const st = stridesOf(shape);
  const kept = { shape: [] as number[], strides: [] as number[] };
  const red = { shape: [] as number[], strides: [] as number[] };
  shape.forEach((d, i) => {
    const part = dims.includes(i) ? red : kept;
    part.shape.push(d);
    part.strides.push(st[i]);
  });
  return { kept, red };
}

/** Buffer offsets of every element of a (shape, strides) index space, row-major. */
function offsets(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = numelOf(shape);
  const out = new Int32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  let p = 0;
  for (let k = 0; k < n; k++) {
    out[k] = p;
    for (let d = shape.length - 1; d >= 0; d--) {
      p += strides[d];
      if (++idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

const WG = 64;

export const sumOp = defineOp<SumAttrs>({
  name: 'sum',
  infer: ([x], { dims, keepdim }) => {
    requireFloat('sum', [x]);
    const shape = keepdim
      ? x.shape.map((d, i) => (dims.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !dims.includes(i));
    return [{ shape, dtype: x.dtype }];
  },
  cpu: ([x], [out], { dims }) => {
    const { kept, red } = split(x.shape, dims);
    const base = offsets(kept.shape, kept.strides);
    const roff = offsets(red.shape, red.strides);
    const src = x.data;
    for (let o = 0; o < base.length; o++) {
      let acc = 0; // accumulate in double precision even for float32
      const b = base[o];
      for (let r = 0; r < roff.length; r++) acc += src[b + roff[r]];
      out.data[o] = acc;
    }
  },
  webgpu: (gpu, [x], [out], { dims }) => {
    const { kept, red } = split(x.shape, dims);
    sumGpu(gpu, x.storage, kept, red, out.storage);
  },
  backward: (c, [g]) => {
    const x = c.inputs[0];
    const kshape = x.shape.map((d, i) => (c.attrs.dims.includes(i) ? 1 : d));
    return [expand(reshape(g!, kshape), x.shape)];
  },
});

/** Reduced elements summed by one invocation at most (a chunk); more are summed in a second pass. */
const SUM_CHUNK = 1024;

// dst[o·C + c] = Σ src over the reduced elements [c·chunk, min(nr, (c+1)·chunk)) of output o.
// Params: [nOut·C, nr, nk, nd, chunk, C, keptShape(nk), keptStrides(nk), redShape(nd), redStrides(nd)].
const SUM_WGSL = `// sum
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
${wgslParams(2)}
${wgslFlatIndex(WG)}
fn offsetOf(k: u32, nd: u32, at: u32) -> u32 {
  var rem = k;
  var p = 0u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = pu(at + u32(d));
    p += (rem % size) * pu(at + nd + u32(d));
    rem = rem / size;
  }
  return p;
}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = flat_index(gid, nwg);
  if (g >= pu(0u)) { return; }
  let nr = pu(1u);
  let nk = pu(2u);
  let nd = pu(3u);
  let chunk = pu(4u);
  let c = g % pu(5u);
  let base = offsetOf(g / pu(5u), nk, 6u);
  var acc = 0.0;
  for (var r = c * chunk; r < min(nr, (c + 1u) * chunk); r++) { acc += src[base + offsetOf(r, nd, 6u + 2u * nk)]; }
  dst[g] = acc;
}`;

type Dims = { shape: readonly number[]; strides: readonly number[] };

/**
 * dst[o] = Σ over `red` of src at kept index o. Each invocation sums at most SUM_CHUNK elements
 * (the loop rule); a longer reduction writes one partial sum per chunk and sums those again.
 */
function sumGpu(gpu: WebGPURuntime, src: GpuStorage, kept: Dims, red: Dims, dst: GpuStorage): void {
  const nOut = numelOf(kept.shape);
  const nr = numelOf(red.shape);
  const [nk, nd] = [kept.shape.length, red.shape.length];
  const chunk = Math.max(1, Math.min(SUM_CHUNK, nr));
  const C = Math.max(1, Math.ceil(nr / chunk));
  const part = C > 1 ? gpu.alloc('float32', nOut * C) : dst;
  const params = [nOut * C, nr, nk, nd, chunk, C];
  params.push(...kept.shape, ...kept.strides, ...red.shape, ...red.strides);
  gpu.run({
    code: SUM_WGSL,
    inputs: [src],
    outputs: [part],
    params: Uint32Array.from(params),
    workgroups: dispatch1D(nOut * C, WG),
    loops: nk + chunk * (nd + 1),
  });
  if (C === 1) return;
  sumGpu(gpu, part, { shape: [nOut], strides: [C] }, { shape: [C], strides: [1] }, dst);
  gpu.free(part);
}

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
  requireFloat('mean', [x]);
  const dims = normDims('mean', x, dim);
  const count = dims.reduce((n, d) => n * (x.shape[d] ?? 1), 1);
  const total = sum(x, dims, keepdim);
  // The mean over nothing is NaN (as in PyTorch); its gradient is structurally zero, not 0·∞.
  return count === 0 ? total.mul(0).add(Number.NaN) : total.div(count);
}
