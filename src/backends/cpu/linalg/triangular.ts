/**
 * Triangular solves on batches of row-major matrices, plus the shared float64 building blocks
 * (GEMM micro-kernel, recursive TRSM, triangular inverse) used by the LU and Cholesky kernels.
 *
 * All internal work happens in Float64Array buffers addressed by (offset, leading dimension).
 * Float32 data is widened into a float64 scratch once per batch element and rounded once on the
 * way out, so float32 results are at least as accurate as a float32 LAPACK would give.
 */

import type { FloatArray } from '../../backend.js';
import { wasmGemm, wasmTrsm } from '../wasm-gemm.js';

export type { FloatArray } from '../../backend.js';

/** Options of {@link solveTriangular}, as in `torch.linalg.solve_triangular`. */
export interface TriangularOptions {
  upper: boolean;
  left: boolean;
  unitriangular: boolean;
  /**
   * Internal (backward formulas): solve with Aᵀ instead of A, read in place; `upper` then names
   * the triangle of Aᵀ (so the other triangle of A is read).
   */
  trans?: boolean;
}

const GEMM_KC = 128;
/**
 * Products of at least this many multiply-adds, with an inner dimension of at least WASM_MIN_K,
 * go to the WebAssembly SIMD kernel (wasm-gemm.ts): its copies in and out cost about 2·m·n
 * element moves, against 2·m·n·k flops it runs several times faster than these loops.
 */
const WASM_MIN_WORK = 32768;
const WASM_MIN_K = 8;
const GEMM_JC = 512;
const TRSM_BASE = 16;
/** Base-case solves with at least this many right-hand sides run in WebAssembly (wasm-trsm.ts). */
const WASM_TRSM_MIN_M = 8;
const INV_COL_BLOCK = 64;

/** Copies `len` elements `src[so..]` into `dst[dst0..]` (any float types). @internal */
export function copyInto(dst: FloatArray, d0: number, src: FloatArray, s0: number, len: number): void {
  if (len > 1024) {
    dst.set(src.subarray(s0, s0 + len), d0);
    return;
  }
  for (let i = 0; i < len; i++) dst[d0 + i] = src[s0 + i]!;
}

/** dst[j, i] = src[i, j] for a rows×cols row-major block of src (leading dims lds, ldd). @internal */
export function transposeInto(
  src: FloatArray,
  so: number,
  lds: number,
  rows: number,
  cols: number,
  dst: FloatArray,
  d0: number,
  ldd: number,
): void {
  // By 32×32 tiles: a tile's column writes stay in the cache (a whole column of a large block
  // would not).
  for (let i0 = 0; i0 < rows; i0 += 32) {
    const i1 = Math.min(rows, i0 + 32);
    for (let j0 = 0; j0 < cols; j0 += 32) {
      const j1 = Math.min(cols, j0 + 32);
      for (let i = i0; i < i1; i++) {
        const si = so + i * lds;
        for (let j = j0; j < j1; j++) dst[d0 + j * ldd + i] = src[si + j]!;
      }
    }
  }
}

/**
 * C[m×n] += alpha · A[m×k] · B[k×n] on row-major sub-blocks. A is addressed with a row stride and
 * a column stride (so Aᵀ costs nothing); B and C have unit column stride. C must not overlap A or B.
 * @internal
 */
export function gemm(
  alpha: number,
  a: Float64Array,
  ao: number,
  ars: number,
  acs: number,
  b: Float64Array,
  bo: number,
  ldb: number,
  c: Float64Array,
  co: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  if (m * n * k >= WASM_MIN_WORK && k >= WASM_MIN_K) {
    if (wasmGemm(alpha, a, ao, ars, acs, b, bo, ldb, c, co, ldc, m, n, k)) return;
  }
  for (let j0 = 0; j0 < n; j0 += GEMM_JC) {
    const jn = Math.min(n - j0, GEMM_JC);
    for (let p0 = 0; p0 < k; p0 += GEMM_KC) {
      const kn = Math.min(k - p0, GEMM_KC);
      gemmKernel(alpha, a, ao + p0 * acs, ars, acs, b, bo + p0 * ldb + j0, ldb, c, co + j0, ldc, m, jn, kn);
    }
  }
}

/** 4 rows × 4 inner-products register block; the innermost loop walks rows of B and C. */
function gemmKernel(
  alpha: number,
  a: Float64Array,
  ao: number,
  ars: number,
  acs: number,
  b: Float64Array,
  bo: number,
  ldb: number,
  c: Float64Array,
  co: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
): void {
  const k4 = k - (k & 3);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = co + i * ldc;
    const c1 = c0 + ldc;
    const c2 = c1 + ldc;
    const c3 = c2 + ldc;
    const r0 = ao + i * ars;
    const r1 = r0 + ars;
    const r2 = r1 + ars;
    const r3 = r2 + ars;
    let p = 0;
    for (; p < k4; p += 4) {
      const q0 = p * acs;
      const q1 = q0 + acs;
      const q2 = q1 + acs;
      const q3 = q2 + acs;
      const a00 = alpha * a[r0 + q0]!,
        a01 = alpha * a[r0 + q1]!,
        a02 = alpha * a[r0 + q2]!;
      const a03 = alpha * a[r0 + q3]!,
        a10 = alpha * a[r1 + q0]!,
        a11 = alpha * a[r1 + q1]!;
      const a12 = alpha * a[r1 + q2]!,
        a13 = alpha * a[r1 + q3]!,
        a20 = alpha * a[r2 + q0]!;
      const a21 = alpha * a[r2 + q1]!,
        a22 = alpha * a[r2 + q2]!,
        a23 = alpha * a[r2 + q3]!;
      const a30 = alpha * a[r3 + q0]!,
        a31 = alpha * a[r3 + q1]!,
        a32 = alpha * a[r3 + q2]!;
      const a33 = alpha * a[r3 + q3]!;
      const b0 = bo + p * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      for (let j = 0; j < n; j++) {
        const x0 = b[b0 + j]!,
          x1 = b[b1 + j]!,
          x2 = b[b2 + j]!,
          x3 = b[b3 + j]!;
        c[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
        c[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
        c[c2 + j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3;
        c[c3 + j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
      }
    }
    for (; p < k; p++) {
      const q = p * acs;
      const a0 = alpha * a[r0 + q]!,
        a1 = alpha * a[r1 + q]!,
        a2 = alpha * a[r2 + q]!;
      const a3 = alpha * a[r3 + q]!;
      const bp = bo + p * ldb;
      for (let j = 0; j < n; j++) {
        const x = b[bp + j]!;
        c[c0 + j] += a0 * x;
        c[c1 + j] += a1 * x;
        c[c2 + j] += a2 * x;
        c[c3 + j] += a3 * x;
      }
    }
  }
  for (; i < m; i++) {
    const ci = co + i * ldc;
    const ri = ao + i * ars;
    let p = 0;
    for (; p < k4; p += 4) {
      const a0 = alpha * a[ri + p * acs]!,
        a1 = alpha * a[ri + (p + 1) * acs]!;
      const a2 = alpha * a[ri + (p + 2) * acs]!,
        a3 = alpha * a[ri + (p + 3) * acs]!;
      const b0 = bo + p * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      for (let j = 0; j < n; j++)
        c[ci + j] += a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
    }
    for (; p < k; p++) {
      const a0 = alpha * a[ri + p * acs]!;
      const bp = bo + p * ldb;
      for (let j = 0; j < n; j++) c[ci + j] += a0 * b[bp + j]!;
    }
  }
}

/** Split point of a recursive step: about half, rounded to a multiple of 4, in [1, n). */
export function splitHalf(n: number): number {
  const h = ((n >> 1) + 3) & ~3;
  return h >= n ? n >> 1 : h;
}

/**
 * Solves T·X = B in place (B := X) for an n×n triangular T (row-major, leading dim lda; only the
 * `upper`/lower triangle is read, the diagonal is skipped when `unit`) and B n×m (leading dim
 * ldb); T[i][s] is read at to + i·lda + s·tcs, so tcs = n, lda = 1 reads the transpose of a
 * row-major matrix without copying it. Recursive: half of the work is a triangular solve, the rest GEMM. Zero diagonal entries
 * divide through to ±inf/NaN like LAPACK trsm. @internal
 */
export function trsmLeft(
  upper: boolean,
  unit: boolean,
  t: Float64Array,
  to: number,
  lda: number,
  b: Float64Array,
  bo: number,
  ldb: number,
  n: number,
  m: number,
  tcs = 1,
): void {
  if (n <= 0 || m <= 0) return;
  if (m < 4) {
    for (let col = 0; col < m; col++) trsvDot(upper, unit, t, to, lda, b, bo + col, ldb, n, tcs);
    return;
  }
  if (n <= TRSM_BASE) {
    if (m >= WASM_TRSM_MIN_M && wasmTrsm(upper, unit, t, to, lda, b, bo, ldb, n, m, tcs)) return;
    trsmBase(upper, unit, t, to, lda, b, bo, ldb, n, m, false, tcs);
    return;
  }
  const h = splitHalf(n);
  const r = n - h;
  const d = to + h * lda + h * tcs; // T₂₂
  if (!upper) {
    trsmLeft(false, unit, t, to, lda, b, bo, ldb, h, m, tcs);
    gemm(-1, t, to + h * lda, lda, tcs, b, bo, ldb, b, bo + h * ldb, ldb, r, m, h);
    trsmLeft(false, unit, t, d, lda, b, bo + h * ldb, ldb, r, m, tcs);
  } else {
    trsmLeft(true, unit, t, d, lda, b, bo + h * ldb, ldb, r, m, tcs);
    gemm(-1, t, to + h * tcs, lda, tcs, b, bo + h * ldb, ldb, b, bo, ldb, h, m, r);
    trsmLeft(true, unit, t, to, lda, b, bo, ldb, h, m, tcs);
  }
}

/**
 * Row-oriented substitution for a small triangle: row i of B minus Σ T[i,s]·(row s of X), four
 * rows s at a time; the innermost loop walks rows of B. With `tri`, the right-hand side is the
 * diagonal block of a triangular inverse: row s of X is zero beyond column s, so row i only
 * needs columns < (last s of the group) + 1 (used by lowerInverse; lower only).
 */
function trsmBase(
  upper: boolean,
  unit: boolean,
  t: Float64Array,
  to: number,
  lda: number,
  b: Float64Array,
  bo: number,
  ldb: number,
  n: number,
  m: number,
  tri: boolean,
  tcs = 1,
): void {
  for (let step = 0; step < n; step++) {
    const i = upper ? n - 1 - step : step;
    const ti = to + i * lda;
    const bi = bo + i * ldb;
    const s1 = upper ? n : i;
    let s = upper ? i + 1 : 0;
    for (; s + 4 <= s1; s += 4) {
      const l0 = t[ti + s * tcs]!;
      const l1 = t[ti + (s + 1) * tcs]!;
      const l2 = t[ti + (s + 2) * tcs]!;
      const l3 = t[ti + (s + 3) * tcs]!;
      const b0 = bo + s * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      const end = tri ? s + 4 : m;
      for (let j = 0; j < end; j++)
        b[bi + j] -= l0 * b[b0 + j]! + l1 * b[b1 + j]! + l2 * b[b2 + j]! + l3 * b[b3 + j]!;
    }
    for (; s < s1; s++) {
      const l = t[ti + s * tcs]!;
      const bs = bo + s * ldb;
      const end = tri ? s + 1 : m;
      for (let j = 0; j < end; j++) b[bi + j] -= l * b[bs + j]!;
    }
    if (!unit) {
      const d = t[ti + i * tcs]!;
      const end = tri ? i + 1 : m;
      for (let j = 0; j < end; j++) b[bi + j] /= d;
    }
  }
}

/** One right-hand side (stride ldb): dot products along contiguous rows of T. */
function trsvDot(
  upper: boolean,
  unit: boolean,
  t: Float64Array,
  to: number,
  lda: number,
  x: Float64Array,
  xo: number,
  ldx: number,
  n: number,
  tcs: number,
): void {
  for (let step = 0; step < n; step++) {
    const i = upper ? n - 1 - step : step;
    const ti = to + i * lda;
    const s0 = upper ? i + 1 : 0;
    const s1 = upper ? n : i;
    let acc = x[xo + i * ldx]!;
    for (let s = s0; s < s1; s++) acc -= t[ti + s * tcs]! * x[xo + s * ldx]!;
    x[xo + i * ldx] = unit ? acc : acc / t[ti + i * tcs]!;
  }
}

/**
 * X := L⁻¹ for an n×n lower-triangular L (row-major, leading dim n for both; only the lower
 * triangle read, unit diagonal when `unit`). X is fully written (zeros above the diagonal); it
 * is solved in column blocks so that the known zeros of L⁻¹ cost nothing (n³/3 flops). @internal
 */
export function lowerInverse(
  l: Float64Array,
  lo: number,
  n: number,
  unit: boolean,
  x: Float64Array,
  xo: number,
): void {
  x.fill(0, xo, xo + n * n);
  for (let j0 = 0; j0 < n; j0 += INV_COL_BLOCK) {
    const jw = Math.min(n - j0, INV_COL_BLOCK);
    const j1 = j0 + jw;
    const d = xo + j0 * n + j0;
    for (let j = 0; j < jw; j++) x[d + j * n + j] = 1;
    // Diagonal block: its own inverse. Rows below: X₂₁ = −L₂₁X₁₁, then L₂₂X₂₁ = that.
    trsmBase(false, unit, l, lo + j0 * n + j0, n, x, d, n, jw, jw, true);
    if (j1 < n) {
      gemm(-1, l, lo + j1 * n + j0, n, 1, x, d, n, x, xo + j1 * n + j0, n, n - j1, jw, jw);
      trsmLeft(false, unit, l, lo + j1 * n + j1, n, x, xo + j1 * n + j0, n, n - j1, jw);
    }
  }
}

/**
 * Solves A X = B (`left`) or X A = B (`!left`) for triangular A, batched.
 * - `a`: batch × n × n row-major; only the `upper` (or lower) triangle is read, and with
 *   `unitriangular` the diagonal is not read either (taken as 1).
 * - `b`, `x`: batch × n × nrhs when `left`, batch × nrhs × n when not (row-major). `x` may be the
 *   same array as `b` (in place); other overlaps are not supported.
 * - A zero on the diagonal yields ±inf/NaN like LAPACK trsm; nothing is checked or reported.
 * Float32 arrays are computed in float64 and rounded once into `x`.
 */
export function solveTriangular(
  a: FloatArray,
  batch: number,
  n: number,
  b: FloatArray,
  nrhs: number,
  x: FloatArray,
  opts: TriangularOptions,
): void {
  const nn = n * n;
  const nb = n * nrhs;
  if (batch <= 0 || nb === 0) return;
  const { upper, left, unitriangular: unit } = opts;
  // Row and column strides of the matrix solved with (A, or Aᵀ read in place).
  const [rs, cs] = opts.trans ? [1, n] : [n, 1];
  if (left) {
    const a64 = a instanceof Float64Array ? a : null;
    const x64 = x instanceof Float64Array ? x : null;
    const aw = a64 ? null : new Float64Array(nn);
    const xw = x64 ? null : new Float64Array(nb);
    if (x64 && (x as FloatArray) !== b) copyInto(x64, 0, b, 0, batch * nb);
    for (let e = 0; e < batch; e++) {
      let ta: Float64Array;
      let ao = 0;
      if (a64) {
        ta = a64;
        ao = e * nn;
      } else {
        ta = aw!;
        copyInto(ta, 0, a, e * nn, nn);
      }
      if (x64) {
        trsmLeft(upper, unit, ta, ao, rs, x64, e * nb, nrhs, n, nrhs, cs);
      } else {
        copyInto(xw!, 0, b, e * nb, nb);
        trsmLeft(upper, unit, ta, ao, rs, xw!, 0, nrhs, n, nrhs, cs);
        copyInto(x, e * nb, xw!, 0, nb);
      }
    }
    return;
  }
  // X A = B  ⇔  Aᵀ Xᵀ = Bᵀ: the left solver on Aᵀ read in place (strides swapped), B transposed
  // into scratch.
  const a64 = a instanceof Float64Array ? a : null;
  const aw = a64 ? null : new Float64Array(nn);
  const xt = new Float64Array(nb);
  for (let e = 0; e < batch; e++) {
    if (!a64) copyInto(aw!, 0, a, e * nn, nn);
    const [ta, ao] = a64 ? [a64, e * nn] : [aw!, 0];
    transposeInto(b, e * nb, n, nrhs, n, xt, 0, nrhs);
    trsmLeft(!upper, unit, ta, ao, cs, xt, 0, nrhs, n, nrhs, rs);
    transposeInto(xt, 0, nrhs, n, nrhs, x, e * nb, n);
  }
}
