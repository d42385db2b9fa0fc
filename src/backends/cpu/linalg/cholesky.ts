/**
 * Cholesky factorization (LAPACK potrf, lower) and the inverse from the factor (potri), batched,
 * row-major n×n matrices stored back to back.
 */

import { choleskyBatched } from '../wasm-batched.js';
import {
  copyInto,
  type FloatArray,
  gemm,
  lowerInverse,
  splitHalf,
  transposeInto,
  trsmLeft,
} from './triangular.js';

/** Matrices at most this large are factored by the row-oriented (bordered) algorithm. */
const CHOL_BASE = 32;
/** Row-block height of the symmetric rank-k update. */
const SYRK_BLOCK = 64;

/**
 * In-place lower Cholesky of the n×n block at w[o] (leading dim ld), reading and producing only
 * the lower triangle (the strict upper triangle may be overwritten with garbage). Returns 0 or
 * the 1-based order of the first leading minor that is not positive-definite (a pivot ≤ 0, +inf
 * or NaN), stopping there. `tmp` holds at least ⌈n/2⌉·⌊n/2⌋ + 4n doubles.
 */
function potrf(w: Float64Array, o: number, ld: number, n: number, tmp: Float64Array): number {
  if (n <= CHOL_BASE) return potrfBase(w, o, ld, n);
  const h = splitHalf(n);
  const r = n - h;
  const info = potrf(w, o, ld, h, tmp);
  if (info !== 0) return info;
  // L21 = A21 L11⁻ᵀ, computed transposed: L11 · T = A21ᵀ gives T = L21ᵀ (h × r, leading dim r).
  const o21 = o + h * ld;
  transposeInto(w, o21, ld, r, h, tmp, 0, r);
  trsmLeft(false, false, w, o, ld, tmp, 0, r, h, r);
  transposeInto(tmp, 0, r, h, r, w, o21, ld);
  // A22 -= L21 L21ᵀ, lower part, one row block at a time.
  for (let i0 = 0; i0 < r; i0 += SYRK_BLOCK) {
    const iw = Math.min(r - i0, SYRK_BLOCK);
    const ro = o21 + i0 * ld;
    gemm(-1, w, ro, ld, 1, tmp, 0, r, w, ro + h, ld, iw, i0 + iw, h);
  }
  const info2 = potrf(w, o21 + h, ld, r, tmp);
  return info2 !== 0 ? info2 + h : 0;
}

/** Row-by-row Cholesky: every inner loop is a dot product of two contiguous rows of L. */
function potrfBase(w: Float64Array, o: number, ld: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const ri = o + i * ld;
    for (let j = 0; j < i; j++) {
      const rj = o + j * ld;
      let s = w[ri + j]!;
      for (let t = 0; t < j; t++) s -= w[ri + t]! * w[rj + t]!;
      w[ri + j] = s / w[rj + j]!;
    }
    let d = w[ri + i]!;
    for (let t = 0; t < i; t++) d -= w[ri + t]! * w[ri + t]!;
    if (!(d > 0 && d < Number.POSITIVE_INFINITY)) {
      w[ri + i] = d;
      return i + 1;
    }
    w[ri + i] = Math.sqrt(d);
  }
  return 0;
}

/**
 * Cholesky factorization A = L·Lᵀ (or A = Uᵀ·U when `upper`), batched (torch.linalg.cholesky).
 * - `a`: batch × n × n row-major; only the lower triangle is read, or only the upper one when
 *   `upper` (as PyTorch: it calls potrf with uplo 'U' on triu(A)). For a symmetric A the upper
 *   result is exactly the transpose of the lower one.
 * - `l`: batch × n × n; receives L (or U) with the other triangle zeroed. It may be the same
 *   array as `a`.
 * - `info[b]` = 0, or the 1-based order k of the first leading minor that is not positive-definite
 *   (a pivot ≤ 0, +inf or NaN; so NaN or ±inf in the read triangle never yields a silently finite
 *   factor: an infinite entry makes its own or a later pivot infinite or NaN). The factorization
 *   of that batch element stops there, like LAPACK potrf: its output is then a partial result.
 * Float32 arrays are factored in float64 and rounded once into `l`.
 */
export function cholesky(
  a: FloatArray,
  batch: number,
  n: number,
  l: FloatArray,
  info: Int32Array,
  upper: boolean,
): void {
  if (batch <= 0) return;
  if (choleskyBatched(a, batch, n, l, info, upper)) return; // n ≤ 8: WebAssembly SIMD, same bits
  const nn = n * n;
  const tmp = new Float64Array(((n + 1) >> 1) * (n >> 1) + 4 * n);
  const direct = l instanceof Float64Array && !upper ? l : null;
  const w = direct ? null : new Float64Array(nn);
  if (direct && (a as FloatArray) !== direct) copyInto(direct, 0, a, 0, batch * nn);
  for (let e = 0; e < batch; e++) {
    const base = e * nn;
    if (direct) {
      info[e] = potrf(direct, base, n, n, tmp);
      // The strict upper triangle: a loop (fill() per short row costs more than the factorization).
      for (let i = 0; i < n; i++)
        for (let j = base + i * n + i + 1; j < base + (i + 1) * n; j++) direct[j] = 0;
      continue;
    }
    // Upper: factor Aᵀ's lower triangle (= A's upper one) and return its transpose.
    if (upper) transposeInto(a, base, n, n, n, w!, 0, n);
    else copyInto(w!, 0, a, base, nn);
    info[e] = potrf(w!, 0, n, n, tmp);
    for (let i = 0; i < n; i++) {
      const ri = base + i * n;
      if (upper) {
        for (let j = 0; j < i; j++) l[ri + j] = 0;
        for (let j = i; j < n; j++) l[ri + j] = w![j * n + i]!;
      } else {
        for (let j = 0; j <= i; j++) l[ri + j] = w![i * n + j]!;
        for (let j = i + 1; j < n; j++) l[ri + j] = 0;
      }
    }
  }
}

/**
 * Inverse of A = L·Lᵀ (or Uᵀ·U when `upper`) from its Cholesky factor, batched (LAPACK potri,
 * torch.cholesky_inverse).
 * - `l`: batch × n × n row-major factor; only its lower (`upper`: upper) triangle is read.
 * - `out`: batch × n × n, receives the full symmetric inverse. May be the same array as `l`.
 * - `info[b]` = 0, or the 1-based index k of the first exactly-zero diagonal element L[k-1,k-1]
 *   (the matrix is singular; that element's output then holds ±inf/NaN).
 * Cost 2n³/3 flops (like potri): L⁻¹ in column blocks, then the lower half of L⁻ᵀL⁻¹ as GEMM blocks.
 */
export function choleskyInverse(
  l: FloatArray,
  batch: number,
  n: number,
  upper: boolean,
  out: FloatArray,
  info: Int32Array,
): void {
  if (batch <= 0) return;
  const nn = n * n;
  const f = new Float64Array(nn);
  const v = new Float64Array(nn);
  const out64 = out instanceof Float64Array ? out : null;
  const cw = out64 ? null : new Float64Array(nn);
  for (let e = 0; e < batch; e++) {
    if (upper) transposeInto(l, e * nn, n, n, n, f, 0, n);
    else copyInto(f, 0, l, e * nn, nn);
    let bad = 0;
    for (let k = 0; k < n; k++) {
      if (f[k * n + k] === 0) {
        bad = k + 1;
        break;
      }
    }
    info[e] = bad;
    lowerInverse(f, 0, n, false, v, 0);
    const c = out64 ?? cw!;
    const co = out64 ? e * nn : 0;
    c.fill(0, co, co + nn);
    // C[I, 0..i1) = Σ_{k ≥ i0} V[k, I]ᵀ V[k, 0..i1): A(i, k) = V[k, i] via strides (1, n).
    for (let i0 = 0; i0 < n; i0 += SYRK_BLOCK) {
      const iw = Math.min(n - i0, SYRK_BLOCK);
      gemm(1, v, i0 * n + i0, 1, n, v, i0 * n, n, c, co + i0 * n, n, iw, i0 + iw, n - i0);
    }
    for (let i = 1; i < n; i++) {
      const ri = co + i * n;
      for (let j = 0; j < i; j++) c[co + j * n + i] = c[ri + j]!;
    }
    if (!out64) copyInto(out, e * nn, c, 0, nn);
  }
}
