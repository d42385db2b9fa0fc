import { stridesOf } from '../shape.js';

/**
 * Index layouts the CPU and WebGPU kernels share: strided views of a contiguous buffer and the
 * split of a shape into kept and reduced dims.
 */

/**
 * A strided view of a contiguous buffer: element idx (a multi-index over `shape`) lives at
 * `offset + Σ idx[d]·strides[d]`. Transpose, permute, narrow, diagonal and expand are all views.
 */
export interface View {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** A shape with the strides its elements have in the buffer. */
export type Dims = { shape: readonly number[]; strides: readonly number[] };

/** Splits a shape into the kept (output) part and the reduced part, each with input strides. */
export function splitReduced(shape: readonly number[], dims: readonly number[]): { kept: Dims; red: Dims } {
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
