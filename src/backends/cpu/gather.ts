import { isComplex } from '../../dtype.js';
import { numelOf, shapeStr, stridesOf } from '../../shape.js';
import type { CpuView } from '../backend.js';

/**
 * CPU kernels of gather and scatterAdd along one dim (torch.gather / Tensor.scatter_add_): the
 * int32 index has the rank of the data; each index entry picks the position along `dim`, the
 * other coordinates are its own. Indices are checked first, so a bad one throws before any write.
 * Complex data (interleaved (re, im)) moves and adds both numbers of each element.
 */

/** Throws a RangeError naming the op, the first bad index, the dim and its size. */
export function checkIndexRange(op: string, index: CpuView, dim: number, size: number): void {
  const d = index.data;
  for (let k = 0; k < d.length; k++) {
    const i = d[k];
    if (i < 0 || i >= size)
      throw new RangeError(
        `${op}: index ${i} is out of bounds for dimension ${dim} with size ${size} (index shape ${shapeStr(index.shape)})`,
      );
  }
}

/** Buffer offsets, in `strides`, of each element of `shape` with dim `dim` replaced by `index`. */
function forEachIndexed(
  shape: readonly number[],
  dim: number,
  index: ArrayLike<number>,
  strides: readonly number[],
  own: readonly number[],
  f: (k: number, p: number, q: number) => void,
): void {
  const nd = shape.length;
  const n = numelOf(shape);
  for (let k = 0; k < n; k++) {
    let rem = k;
    let p = 0;
    let q = 0;
    for (let d = nd - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = (rem - c) / shape[d];
      p += (d === dim ? index[k] : c) * strides[d];
      q += c * own[d];
    }
    f(k, p, q);
  }
}

/** out (shape of index) = x at index along dim. */
export function gatherDimCpu(op: string, x: CpuView, index: CpuView, out: CpuView, dim: number): void {
  checkIndexRange(op, index, dim, x.shape[dim]);
  const src = x.data;
  const dst = out.data;
  const st = stridesOf(x.shape);
  const own = stridesOf(index.shape);
  if (isComplex(x.dtype)) {
    forEachIndexed(index.shape, dim, index.data, st, own, (k, p) => {
      dst[2 * k] = src[2 * p];
      dst[2 * k + 1] = src[2 * p + 1];
    });
    return;
  }
  forEachIndexed(index.shape, dim, index.data, st, own, (k, p) => {
    dst[k] = src[p];
  });
}

/** out = x, then src (at least index's shape) added at index along dim. */
export function scatterAddDimCpu(
  op: string,
  x: CpuView,
  index: CpuView,
  src: CpuView,
  out: CpuView,
  dim: number,
): void {
  checkIndexRange(op, index, dim, x.shape[dim]);
  const dst = out.data;
  dst.set(x.data);
  const s = src.data;
  const st = stridesOf(x.shape);
  const own = stridesOf(src.shape);
  if (isComplex(x.dtype)) {
    forEachIndexed(index.shape, dim, index.data, st, own, (_, p, q) => {
      dst[2 * p] += s[2 * q];
      dst[2 * p + 1] += s[2 * q + 1];
    });
    return;
  }
  forEachIndexed(index.shape, dim, index.data, st, own, (_, p, q) => {
    dst[p] += s[q];
  });
}
