import { numelOf } from '../../shape.js';
import type { CpuView } from '../backend.js';
import { splitReduced } from '../layout.js';

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

/** out = the sum of x over `dims` (sorted, distinct), kept dims in order. */
export function sumCpu(x: CpuView, out: CpuView, dims: readonly number[]): void {
  const { kept, red } = splitReduced(x.shape, dims);
  const base = offsets(kept.shape, kept.strides);
  const roff = offsets(red.shape, red.strides);
  const src = x.data;
  for (let o = 0; o < base.length; o++) {
    let acc = 0; // accumulate in double precision even for float32
    const b = base[o];
    for (let r = 0; r < roff.length; r++) acc += src[b + roff[r]];
    out.data[o] = acc;
  }
}
