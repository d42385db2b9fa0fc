import { numelOf } from '../../shape.js';
import type { CpuView } from '../backend.js';

/** CPU kernels of the shape ops that are not plain strided gathers (strided.ts). */

/** tril (upper: triu) of the last two dims: entries with j − i beyond k become 0. */
export function trilCpu(x: CpuView, out: CpuView, k: number, upper: boolean): void {
  const [r, c] = x.shape.slice(-2);
  const w = x.dtype === 'complex64' || x.dtype === 'complex128' ? 2 : 1; // (re, im) pairs
  const n = x.data.length;
  for (let q = 0; q < n; q++) {
    const p = w === 1 ? q : q >> 1;
    const j = p % c;
    const i = Math.floor(p / c) % r;
    const keep = upper ? j - i >= k : j - i <= k;
    out.data[q] = keep ? x.data[q] : 0;
  }
}

/** Concatenation of `ins` along `dim` into out (complex: (re, im) pairs move together). */
export function catCpu(ins: readonly CpuView[], out: CpuView, dim: number): void {
  const width = out.dtype === 'complex64' || out.dtype === 'complex128' ? 2 : 1;
  const inner = numelOf(out.shape.slice(dim + 1)) * width;
  const outChunk = out.shape[dim] * inner;
  let off = 0;
  for (const x of ins) {
    const chunk = x.shape[dim] * inner;
    const outer = chunk === 0 ? 0 : x.data.length / chunk;
    for (let o = 0; o < outer; o++)
      out.data.set(x.data.subarray(o * chunk, (o + 1) * chunk), o * outChunk + off);
    off += chunk;
  }
}
