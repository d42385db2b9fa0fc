import { numelOf } from '../../../shape.js';
import type { GpuView } from '../../backend.js';
import { F32 } from '../kernel.js';
import type { WebGPURuntime } from '../runtime.js';
import { elementwiseGpu } from './elementwise.js';
import { scatterNoFillGpu } from './strided.js';

/** WGSL of the shape ops that are not plain strided gathers (strided.ts). */

/** tril (upper: triu) of the last two dims: entries with j − i beyond k become 0. */
export function trilGpu(gpu: WebGPURuntime, x: GpuView, out: GpuView, k: number, upper: boolean): void {
  const [r, c] = x.shape.slice(-2);
  // Column and row of element e come from e itself; r, c and k are inlined into the expression.
  // complex64: the float32 storage is run over as (…, 2), element e = i / 2 of slot i.
  const e = x.complex ? '(i / 2u)' : 'i';
  const cond = upper
    ? `i32(${e} % ${c}u) - i32((${e} / ${c}u) % ${r}u) >= ${k}`
    : `i32(${e} % ${c}u) - i32((${e} / ${c}u) % ${r}u) <= ${k}`;
  const asReal = (v: GpuView): GpuView =>
    v.complex ? { storage: v.storage, shape: [...v.shape, 2], dtype: 'float32' } : v;
  elementwiseGpu(gpu, `select(${F32.zero}, a, ${cond})`, [asReal(x)], asReal(out));
}

/** Concatenation of `ins` along `dim` into out. */
export function catGpu(gpu: WebGPURuntime, ins: readonly GpuView[], out: GpuView, dim: number): void {
  const inner = numelOf(out.shape.slice(dim + 1));
  const outChunk = out.shape[dim] * inner;
  let off = 0;
  for (const x of ins) {
    const chunk = x.shape[dim] * inner;
    if (chunk > 0) {
      const outer = numelOf(x.shape) / chunk;
      // Input x is the view [outer, chunk] of the output with strides [outChunk, 1] at offset `off`.
      scatterNoFillGpu(gpu, x, out, { shape: [outer, chunk], strides: [outChunk, 1], offset: off });
    }
    off += chunk;
  }
}
