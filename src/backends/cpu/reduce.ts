import { numelOf } from '../../shape.js';
import type { CpuView } from '../backend.js';
import { splitReduced } from '../layout.js';
import { type CpuScalar, compileLoop, partNames, REAL } from './scalar.js';

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

/**
 * The sum loop for scalar S, generated from S's expressions: for each output o, the elements at
 * base[o] + roff[r] (element offsets) are added up. The accumulator is a JS number (double
 * precision even for float32 storage).
 */
function sumLoop(S: CpuScalar) {
  const acc = partNames(S, 'acc');
  const sum = S.add(acc, S.load('src', 'b + roff[r]'));
  const update =
    S.width === 1
      ? `${acc[0]} = ${sum[0]};`
      : `${sum.map((e, q) => `const t${q} = ${e};`).join(' ')} ${acc.map((a, q) => `${a} = t${q};`).join(' ')}`;
  return compileLoop(
    ['src', 'dst', 'base', 'roff'],
    `for (let o = 0; o < base.length; o++) {
  ${acc.map((a, q) => `let ${a} = ${S.zero[q]};`).join(' ')}
  const b = base[o];
  for (let r = 0; r < roff.length; r++) { ${update} }
  ${S.store('dst', 'o', acc)}
}`,
  );
}

/**
 * The sum loop over a contiguous run of `len` elements per output (the reduced dims are the
 * trailing ones: element r of the run is at base[o] + r): the same additions in the same order
 * as sumLoop, without a table of 4 bytes per reduced element.
 */
function runSumLoop(S: CpuScalar) {
  const acc = partNames(S, 'acc');
  const sum = S.add(acc, S.load('src', 'b + r'));
  const update =
    S.width === 1
      ? `${acc[0]} = ${sum[0]};`
      : `${sum.map((e, q) => `const t${q} = ${e};`).join(' ')} ${acc.map((a, q) => `${a} = t${q};`).join(' ')}`;
  return compileLoop(
    ['src', 'dst', 'base', 'len'],
    `for (let o = 0; o < base.length; o++) {
  ${acc.map((a, q) => `let ${a} = ${S.zero[q]};`).join(' ')}
  const b = base[o];
  for (let r = 0; r < len; r++) { ${update} }
  ${S.store('dst', 'o', acc)}
}`,
  );
}

/** Whether offsets(shape, strides) would be 0, 1, 2, … (row-major contiguous strides). */
function isRun(shape: readonly number[], strides: readonly number[]): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}

/**
 * out = the sum of x over `dims` (sorted, distinct), kept dims in order; x and out hold elements
 * of scalar S (REAL by default; COMPLEX reads interleaved pairs).
 */
export function sumCpu(x: CpuView, out: CpuView, dims: readonly number[], S: CpuScalar = REAL): void {
  const { kept, red } = splitReduced(x.shape, dims);
  const base = offsets(kept.shape, kept.strides);
  if (isRun(red.shape, red.strides)) {
    runSumLoop(S)(x.data, out.data, base, numelOf(red.shape));
    return;
  }
  const roff = offsets(red.shape, red.strides);
  sumLoop(S)(x.data, out.data, base, roff);
}
