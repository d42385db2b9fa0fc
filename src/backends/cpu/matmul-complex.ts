/**
 * Complex matrix products on the CPU (complex128 and complex64), the complex counterpart of
 * bmmCpu in matmul.ts. Storage is interleaved (re, im): a complex [B, m, k] tensor is a
 * Float64Array (complex128) or Float32Array (complex64) of 2·B·m·k numbers.
 *
 * Large products run on the real GEMM (WebAssembly SIMD, the worker pool above its threshold)
 * through the realification of B: every complex entry b = br + i·bi becomes the real 2×2 block
 * [[br, bi], [−bi, br]], so that an interleaved row (ar₀, ai₀, ar₁, ai₁, …) of A, read as a real
 * row of 2k numbers, times the 2k × 2n real matrix B′ gives the interleaved row of C:
 *   C[i, 2j]   = Σ_p ar·br − ai·bi = Re (A·B)[i, j]
 *   C[i, 2j+1] = Σ_p ar·bi + ai·br = Im (A·B)[i, j].
 * These are the four real products Ar·Br, Ai·Bi, Ar·Bi, Ai·Br of the plane split, fused into
 * one GEMM call: A and C are used in place (no split or interleave pass over them), only B is
 * rewritten (one pass, 4·k·n numbers), and one call gives the pool one large product.
 *
 * Why not the 3-multiplication trick (Gauss/Karatsuba: Cr = P1 − P2, Ci = (Ar+Ai)(Br+Bi) − P1 − P2):
 * its imaginary part carries the error of the cancelling difference, bounded by γ·(|Ar|+|Ai|)(|Br|+|Bi|)
 * instead of γ·(|Ar||Bi| + |Ai||Br|), so Ci has no small relative error when it is small against
 * |A||B| (Higham, Accuracy and Stability, §23.2.4); it saves a quarter of the flops only.
 *
 * complex64 is widened to float64 once and rounded once on the way out (as the real float32
 * GEMM does), so it is the complex128 product of the same values, rounded.
 */
import type { CpuView } from '../backend.js';
import { gemm } from './linalg/triangular.js';

/**
 * The direct interleaved loops run below these sizes: B′ and the GEMM's packing cost about
 * 8·k·n element moves per product, paid back over its rows. Measured on 2 cores (ms, direct /
 * GEMM): 12³ 0.0053 / 0.0055, 16³ 0.011 / 0.0099, 32³ 0.093 / 0.057, 256³ 41 / 10.4;
 * 4×256×256 0.64 / 1.15, 8×256×256 1.31 / 1.30, 16×256×256 3.1 / 1.8.
 */
const COMPLEX_GEMM_MIN_WORK = 2048;
const COMPLEX_GEMM_MIN_ROWS = 8;

type FloatData = Float32Array | Float64Array;

function floatData(op: string, name: string, v: Pick<CpuView, 'data'>): FloatData {
  const d = v.data;
  if (d instanceof Float64Array || d instanceof Float32Array) return d;
  throw new TypeError(
    `${op}: ${name} must hold complex64 or complex128 (interleaved float) data, got Int32Array`,
  );
}

/**
 * Batched complex product c = a·b of [Ba, m, k] and [Bb, k, n] into [B, m, n] (shapes count
 * complex elements; data interleaved, 2 numbers per element), where B = c.shape[0] and each of
 * Ba, Bb is B or 1 (a batch of 1 is broadcast). All three hold the same precision (Float64Array
 * for complex128, Float32Array for complex64). c is overwritten.
 */
export function bmmComplexCpu(
  a: Pick<CpuView, 'data' | 'shape'>,
  b: Pick<CpuView, 'data' | 'shape'>,
  c: Pick<CpuView, 'data' | 'shape'>,
): void {
  const op = 'matmul';
  const A = floatData(op, 'a', a);
  const Bm = floatData(op, 'b', b);
  const C = floatData(op, 'c', c);
  const [Ba, m, k] = a.shape as [number, number, number];
  const [Bb, k2, n] = b.shape as [number, number, number];
  const [B, m2, n2] = c.shape as [number, number, number];
  if (k !== k2 || m !== m2 || n !== n2 || (Ba !== B && Ba !== 1) || (Bb !== B && Bb !== 1)) {
    throw new RangeError(
      `${op}: complex product of [${a.shape}] and [${b.shape}] into [${c.shape}]: the inner dims must match and ` +
        'each batch must be 1 or that of the result',
    );
  }
  if (A.length < 2 * Ba * m * k || Bm.length < 2 * Bb * k * n || C.length < 2 * B * m * n) {
    throw new RangeError(`${op}: complex data shorter than 2 numbers per element of its shape`);
  }
  if (B === 0 || m === 0 || n === 0) return;
  if (k === 0) {
    C.fill(0, 0, 2 * B * m * n);
    return;
  }
  // Rows of one GEMM call: A's batches stack into one product when B is broadcast.
  const rows = Bb === 1 && Ba === B ? B * m : m;
  if (m * k * n < COMPLEX_GEMM_MIN_WORK || rows < COMPLEX_GEMM_MIN_ROWS)
    smallComplexProduct({ A, Ba, Bm, Bb, C, B, m, k, n });
  else realifiedProduct({ A, Ba, Bm, Bb, C, B, m, k, n });
}

/** One batched product: A [Ba, m, k] · Bm [Bb, k, n] → C [B, m, n], interleaved (re, im). */
interface Product {
  A: FloatData;
  Ba: number;
  Bm: FloatData;
  Bb: number;
  C: FloatData;
  B: number;
  m: number;
  k: number;
  n: number;
}

/** i-p-j loops over interleaved data, each row of C summed in a float64 scratch row. */
function smallComplexProduct({ A, Ba, Bm, Bb, C, B, m, k, n }: Product): void {
  const row = new Float64Array(2 * n);
  for (let z = 0; z < B; z++) {
    const ao = Ba === 1 ? 0 : 2 * z * m * k;
    const bo = Bb === 1 ? 0 : 2 * z * k * n;
    const co = 2 * z * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const ar = A[ao + 2 * (i * k + p)]!;
        const ai = A[ao + 2 * (i * k + p) + 1]!;
        const brow = bo + 2 * p * n;
        for (let j = 0; j < 2 * n; j += 2) {
          const br = Bm[brow + j]!;
          const bi = Bm[brow + j + 1]!;
          row[j] += ar * br - ai * bi;
          row[j + 1] += ar * bi + ai * br;
        }
      }
      C.set(row, co + 2 * i * n);
    }
  }
}

/** Writes the realified B′ (2k × 2n, row-major) of the k × n complex matrix at Bm[bo..]. */
function realify(Bm: FloatData, bo: number, k: number, n: number, out: Float64Array): void {
  const w = 2 * n;
  for (let p = 0; p < k; p++) {
    const src = bo + p * w;
    const r0 = 2 * p * w;
    const r1 = r0 + w;
    for (let j = 0; j < w; j += 2) {
      const br = Bm[src + j]!;
      const bi = Bm[src + j + 1]!;
      out[r0 + j] = br;
      out[r0 + j + 1] = bi;
      out[r1 + j] = -bi;
      out[r1 + j + 1] = br;
    }
  }
}

function realifiedProduct({ A, Ba, Bm, Bb, C, B, m, k, n }: Product): void {
  const a64 = A instanceof Float64Array ? A : Float64Array.from(A.subarray(0, 2 * Ba * m * k));
  const c64 = C instanceof Float64Array ? C : new Float64Array(2 * B * m * n);
  c64.fill(0, 0, 2 * B * m * n);
  const b2 = new Float64Array(4 * k * n);
  if (Bb === 1) {
    realify(Bm, 0, k, n, b2);
    // One B for every batch: with A batched too, its batches stack into B·m rows of one product.
    if (Ba === B) gemm(1, a64, 0, 2 * k, 1, b2, 0, 2 * n, c64, 0, 2 * n, B * m, 2 * n, 2 * k);
    else
      for (let z = 0; z < B; z++)
        gemm(1, a64, 0, 2 * k, 1, b2, 0, 2 * n, c64, 2 * z * m * n, 2 * n, m, 2 * n, 2 * k);
  } else {
    for (let z = 0; z < B; z++) {
      realify(Bm, 2 * z * k * n, k, n, b2);
      const ao = Ba === 1 ? 0 : 2 * z * m * k;
      gemm(1, a64, ao, 2 * k, 1, b2, 0, 2 * n, c64, 2 * z * m * n, 2 * n, m, 2 * n, 2 * k);
    }
  }
  if (c64 !== C) C.set(c64.subarray(0, 2 * B * m * n));
}
