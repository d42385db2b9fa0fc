import { numelOf } from '../../shape.js';
import type { CpuView } from '../backend.js';
import type { View } from '../layout.js';
import { type CpuScalar, REAL } from './scalar.js';

/** CPU gathers and scatters through strided views (layout.ts): the kernels of every shape op. */

/** Calls f(k, p) for the k-th element of the view (row-major order) at buffer position p. */
function forEachOffset(v: View, f: (k: number, p: number) => void): void {
  const n = numelOf(v.shape);
  const nd = v.shape.length;
  if (n === 0) return;
  if (nd === 0) {
    f(0, v.offset);
    return;
  }
  const idx = new Array<number>(nd).fill(0);
  const inner = v.shape[nd - 1];
  const s = v.strides[nd - 1];
  let base = v.offset;
  for (let k = 0; k < n; k += inner) {
    for (let j = 0, p = base; j < inner; j++, p += s) f(k + j, p);
    for (let d = nd - 2; d >= 0; d--) {
      base += v.strides[d];
      if (++idx[d] < v.shape[d]) break;
      base -= v.strides[d] * v.shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * out (contiguous, shape v.shape) = input read through the view. Elements are of scalar S (REAL
 * by default; with COMPLEX, shapes, strides and offsets count (re, im) pairs).
 */
export function gatherCpu(input: CpuView, out: CpuView, v: View, S: CpuScalar = REAL): void {
  const src = input.data;
  const dst = out.data;
  if (S.width === 1) {
    forEachOffset(v, (k, p) => {
      dst[k] = src[p];
    });
    return;
  }
  const w = S.width;
  forEachOffset(v, (k, p) => {
    for (let q = 0; q < w; q++) dst[k * w + q] = src[p * w + q];
  });
}

/** out (zeros of its shape) receives input (contiguous, shape v.shape) at the view's positions. */
export function scatterCpu(input: CpuView, out: CpuView, v: View, S: CpuScalar = REAL): void {
  const src = input.data;
  const dst = out.data;
  if (S.width === 1) {
    forEachOffset(v, (k, p) => {
      dst[p] = src[k];
    });
    return;
  }
  const w = S.width;
  forEachOffset(v, (k, p) => {
    for (let q = 0; q < w; q++) dst[p * w + q] = src[k * w + q];
  });
}
