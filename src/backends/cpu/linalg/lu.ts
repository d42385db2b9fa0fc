/**
 * LU factorization with partial pivoting (LAPACK getrf semantics) and what is computed from it:
 * solves, inverse, determinant. Batched, row-major, n×n matrices stored back to back.
 */
import { luFactorBatched } from '../wasm-batched.js';
import {
  factorDiagWasm,
  invWasm,
  luFactorWasm,
  luInverseWasm,
  luSolveWasm,
  solveWasm,
  wasmLuFits,
} from './lu-wasm.js';
import { copyInto, type FloatArray, gemm, lowerInverse, splitHalf, trsmLeft } from './triangular.js';

/** Panels at most this wide are factored column by column; wider ones recursively. */
const LU_BASE = 16;
/** Inverses up to this order use the fused unblocked path. */
const SMALL_INV = 8;

/**
 * Factors P·A = L·U in place on w[o..o+n²) (float64, row-major, leading dim n); columns
 * [k0, k0+kw), rows [k0, n), with previous columns' updates already applied. Rows are swapped
 * across their full width. Writes 1-based pivots to piv[po+k]; returns the 1-based index of the
 * first exactly-zero pivot in this column range, or 0.
 */
function getrfCols(
  w: Float64Array,
  o: number,
  n: number,
  k0: number,
  kw: number,
  piv: Int32Array,
  po: number,
): number {
  if (kw <= LU_BASE) return getrfPanel(w, o, n, k0, kw, piv, po);
  const h = splitHalf(kw);
  const r = kw - h;
  const info1 = getrfCols(w, o, n, k0, h, piv, po);
  const d = o + k0 * n + k0;
  // U12 := L11⁻¹ A12, then A22 -= L21 U12.
  trsmLeft(false, true, w, d, n, w, d + h, n, h, r);
  gemm(-1, w, d + h * n, n, 1, w, d + h, n, w, d + h * n + h, n, n - k0 - h, r, h);
  const info2 = getrfCols(w, o, n, k0 + h, r, piv, po);
  return info1 !== 0 ? info1 : info2;
}

/** Unblocked right-looking LU of a narrow column panel (see getrfCols). */
function getrfPanel(
  w: Float64Array,
  o: number,
  n: number,
  k0: number,
  kw: number,
  piv: Int32Array,
  po: number,
): number {
  let info = 0;
  const kEnd = k0 + kw;
  for (let k = k0; k < kEnd; k++) {
    const rk = o + k * n;
    let p = k;
    let best = Math.abs(w[rk + k]!);
    for (let i = k + 1, q = rk + n + k; i < n; i++, q += n) {
      const v = Math.abs(w[q]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    piv[po + k] = p + 1;
    const rp = o + p * n;
    if (w[rp + k] !== 0) {
      if (p !== k) {
        for (let j = 0; j < n; j++) {
          const t = w[rk + j]!;
          w[rk + j] = w[rp + j]!;
          w[rp + j] = t;
        }
      }
      const pivot = w[rk + k]!;
      for (let q = rk + n + k, end = o + n * n; q < end; q += n) w[q] /= pivot;
    } else if (info === 0) {
      info = k + 1;
    }
    for (let ri = rk + n; ri < o + n * n; ri += n) {
      const l = w[ri + k]!;
      for (let j = k + 1; j < kEnd; j++) w[ri + j] -= l * w[rk + j]!;
    }
  }
  return info;
}

/**
 * LU factorization with partial pivoting, LAPACK getrf semantics, batched.
 * - `a`: batch × n × n row-major input. `lu` (same layout; may be the same array as `a`) receives
 *   L\U packed: U on and above the diagonal, the unit-lower L strictly below.
 * - `piv` (batch × n) receives 1-based pivot rows: row k was swapped with row piv[k] - 1, in
 *   order k = 0..n-1 (so P·A = L·U with P = swaps applied in that order).
 * - `info[b]` = 0, or the 1-based index k of the first exactly-zero pivot U[k-1, k-1]; the
 *   factorization still completes (as LAPACK), only solves with it divide by zero.
 * Float32 arrays are factored in float64 and rounded once into `lu`.
 */
export function luFactorCpu(
  a: FloatArray,
  batch: number,
  n: number,
  lu: FloatArray,
  piv: Int32Array,
  info: Int32Array,
): void {
  if (batch <= 0) return;
  if (luFactorBatched(a, batch, n, lu, piv, info)) return; // n ≤ 8: WebAssembly SIMD, same bits
  if (wasmLuFits(n, true) && luFactorWasm(a, batch, n, lu, piv, info)) return;
  const nn = n * n;
  if (lu instanceof Float64Array) {
    if ((a as FloatArray) !== lu) copyInto(lu, 0, a, 0, batch * nn);
    for (let e = 0; e < batch; e++) info[e] = getrfCols(lu, e * nn, n, 0, n, piv, e * n);
    return;
  }
  const w = new Float64Array(nn);
  for (let e = 0; e < batch; e++) {
    copyInto(w, 0, a, e * nn, nn);
    info[e] = getrfCols(w, 0, n, 0, n, piv, e * n);
    copyInto(lu, e * nn, w, 0, nn);
  }
}

/**
 * LU factorization with partial pivoting of rectangular m×n matrices (LAPACK getrf), batched:
 * P·A = L·U with L m×k unit lower trapezoidal and U k×n upper trapezoidal, k = min(m, n).
 * - `a`: batch × m × n row-major; `lu` (same layout) receives L\U packed as getrf does.
 * - `piv` (batch × k): 1-based pivot rows, as {@link luFactorCpu}; `info[b]`: 0 or the 1-based index
 *   of the first exactly-zero pivot among the k.
 * Each matrix is factored in an s×s float64 scratch, s = max(m, n), padded with zeros: a tall one
 * factors only its n columns (zero rows of a wide one never win a pivot search, ties keep the
 * diagonal row), then a wide one's last n − m columns get U₂ = L⁻¹·(P·A)₂. Cost O(m·n·k).
 */
export function luFactorRect(
  a: FloatArray,
  batch: number,
  m: number,
  n: number,
  lu: FloatArray,
  piv: Int32Array,
  info: Int32Array,
): void {
  if (m === n) {
    luFactorCpu(a, batch, n, lu, piv, info);
    return;
  }
  const k = Math.min(m, n);
  const s = Math.max(m, n);
  const w = new Float64Array(s * s);
  const p = new Int32Array(s);
  for (let e = 0; e < batch; e++) {
    w.fill(0);
    for (let i = 0; i < m; i++) copyInto(w, i * s, a, e * m * n + i * n, n);
    info[e] = getrfCols(w, 0, s, 0, k, p, 0);
    if (m < n) trsmLeft(false, true, w, 0, s, w, m, s, m, n - m);
    for (let i = 0; i < m; i++) copyInto(lu, e * m * n + i * n, w, i * s, n);
    piv.set(p.subarray(0, k), e * k);
  }
}

/** Applies the row interchanges k ↔ piv[k]-1 (k ascending) to an n×m row-major block. */
function applyRowSwaps(x: Float64Array, xo: number, n: number, m: number, piv: Int32Array, po: number): void {
  for (let k = 0; k < n; k++) {
    const p = piv[po + k]! - 1;
    if (p === k) continue;
    const rk = xo + k * m;
    const rp = xo + p * m;
    for (let j = 0; j < m; j++) {
      const t = x[rk + j]!;
      x[rk + j] = x[rp + j]!;
      x[rp + j] = t;
    }
  }
}

/**
 * Solves A X = B from `luFactorCpu`'s output, batched.
 * - `lu`, `piv` as produced by {@link luFactorCpu}; `b`, `x`: batch × n × nrhs row-major. `x` may be
 *   the same array as `b`; it must not overlap `lu`.
 * - No singularity check: a zero pivot gives ±inf/NaN (callers check `info` first).
 */
export function luSolve(
  lu: FloatArray,
  piv: Int32Array,
  batch: number,
  n: number,
  b: FloatArray,
  nrhs: number,
  x: FloatArray,
): void {
  const nn = n * n;
  const nb = n * nrhs;
  if (batch <= 0 || nb === 0) return;
  if (wasmLuFits(n) && luSolveWasm(lu, piv, batch, n, b, nrhs, x)) return;
  const lu64 = lu instanceof Float64Array ? lu : null;
  const x64 = x instanceof Float64Array ? x : null;
  const lw = lu64 ? null : new Float64Array(nn);
  const xw = x64 ? null : new Float64Array(nb);
  if (x64 && (x as FloatArray) !== b) copyInto(x64, 0, b, 0, batch * nb);
  for (let e = 0; e < batch; e++) {
    let f: Float64Array;
    let fo = 0;
    if (lu64) {
      f = lu64;
      fo = e * nn;
    } else {
      f = lw!;
      copyInto(f, 0, lu, e * nn, nn);
    }
    let xs: Float64Array;
    let xo = 0;
    if (x64) {
      xs = x64;
      xo = e * nb;
    } else {
      xs = xw!;
      copyInto(xs, 0, b, e * nb, nb);
    }
    applyRowSwaps(xs, xo, n, nrhs, piv, e * n);
    trsmLeft(false, true, f, fo, n, xs, xo, nrhs, n, nrhs);
    trsmLeft(true, false, f, fo, n, xs, xo, nrhs, n, nrhs);
    if (!x64) copyInto(x, e * nb, xs, 0, nb);
  }
}

/** X := U⁻¹L⁻¹ for a small packed LU (no blocking, no calls): the batched-tiny-matrix path. */
function smallInverse(f: Float64Array, fo: number, n: number, x: Float64Array, xo: number): void {
  for (let i = 0; i < n; i++) {
    const xi = xo + i * n;
    const fi = fo + i * n;
    for (let c = 0; c < n; c++) x[xi + c] = 0;
    x[xi + i] = 1;
    for (let s = 0; s < i; s++) {
      const l = f[fi + s]!;
      const xs = xo + s * n;
      for (let c = 0; c <= s; c++) x[xi + c] -= l * x[xs + c]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    const xi = xo + i * n;
    const fi = fo + i * n;
    for (let s = i + 1; s < n; s++) {
      const u = f[fi + s]!;
      const xs = xo + s * n;
      for (let c = 0; c < n; c++) x[xi + c] -= u * x[xs + c]!;
    }
    const d = f[fi + i]!;
    for (let c = 0; c < n; c++) x[xi + c] /= d;
  }
}

/**
 * Inverse from `luFactorCpu`'s output (what linalg.inv computes), batched: out = U⁻¹ L⁻¹ Pᵀ.
 * - `out`: batch × n × n row-major. It may share a buffer with `lu` (the factor is then copied
 *   to scratch first).
 * - Cost 4n³/3 flops (L⁻¹ exploiting its zeros, then a blocked U solve); no singularity check:
 *   a zero pivot gives ±inf/NaN (callers check `info` first).
 */
export function luInverse(lu: FloatArray, piv: Int32Array, batch: number, n: number, out: FloatArray): void {
  const nn = n * n;
  if (batch <= 0 || nn === 0) return;
  if (wasmLuFits(n) && luInverseWasm(lu, piv, batch, n, out)) return;
  const lu64 = lu instanceof Float64Array && lu.buffer !== out.buffer ? lu : null;
  const out64 = out instanceof Float64Array ? out : null;
  const lw = lu64 ? null : new Float64Array(nn);
  const xw = out64 ? null : new Float64Array(nn);
  const perm = new Int32Array(n);
  const row = new Float64Array(n);
  for (let e = 0; e < batch; e++) {
    let f: Float64Array;
    let fo = 0;
    if (lu64) {
      f = lu64;
      fo = e * nn;
    } else {
      f = lw!;
      copyInto(f, 0, lu, e * nn, nn);
    }
    const xs = out64 ?? xw!;
    const xo = out64 ? e * nn : 0;
    if (n <= SMALL_INV) {
      smallInverse(f, fo, n, xs, xo);
    } else {
      lowerInverse(f, fo, n, true, xs, xo);
      trsmLeft(true, false, f, fo, n, xs, xo, n, n, n);
    }
    // Right-multiply by Pᵀ = S_{n-1}···S_0: column swaps k ↔ piv[k]-1 for k descending,
    // composed into one gather per row.
    let swapped = false;
    for (let j = 0; j < n; j++) perm[j] = j;
    for (let k = n - 1; k >= 0; k--) {
      const p = piv[e * n + k]! - 1;
      if (p === k) continue;
      swapped = true;
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
    }
    if (swapped) {
      for (let i = 0; i < n; i++) {
        const ri = xo + i * n;
        for (let j = 0; j < n; j++) row[j] = xs[ri + perm[j]!]!;
        for (let j = 0; j < n; j++) xs[ri + j] = row[j]!;
      }
    }
    if (!out64) copyInto(out, e * nn, xs, 0, nn);
  }
}

/** Number of actual row interchanges in piv[po..po+n), mod 2 → ±1. */
function pivotSign(piv: Int32Array, po: number, n: number): number {
  let s = 1;
  for (let k = 0; k < n; k++) if (piv[po + k] !== k + 1) s = -s;
  return s;
}

/**
 * Determinant from `luFactorCpu`'s output: out[b] = ±∏ U[k,k] (sign from the pivots), batched.
 * A 0×0 matrix has determinant 1.
 */
export function luDet(lu: FloatArray, piv: Int32Array, batch: number, n: number, out: FloatArray): void {
  for (let e = 0; e < batch; e++) out[e] = detProduct(lu, e * n * n, n + 1, piv, e * n, n);
}

/** ±∏ of the n diagonal entries lu[q0 + k·stride] (sign from piv[po..po+n)), kept in range. */
function detProduct(
  lu: FloatArray,
  q0: number,
  stride: number,
  piv: Int32Array,
  po: number,
  n: number,
): number {
  // The product is kept in [2^-500, 2^500] by exact powers of two (exponent in ex), each pivot
  // brought into that range before it is multiplied in, so a partial product neither overflows
  // before a small pivot nor gives inf·0 = NaN with a zero one.
  let d = pivotSign(piv, po, n);
  let ex = 0;
  for (let k = 0, q = q0; k < n; k++, q += stride) {
    let u = lu[q]!;
    const au = Math.abs(u);
    if (au > 2 ** 500) {
      u *= 2 ** -600;
      ex += 600;
    } else if (au < 2 ** -500 && au > 0) {
      u *= 2 ** 600;
      ex -= 600;
    }
    d *= u;
    const a = Math.abs(d);
    if (a > 2 ** 500) {
      d *= 2 ** -500;
      ex += 500;
    } else if (a < 2 ** -500 && a > 0) {
      d *= 2 ** 500;
      ex -= 500;
    }
  }
  // Applied in two halves (2^ex alone could overflow); a zero product stays 0 (0·2^1350 = NaN).
  const h = ex >> 1;
  if (d !== 0) d = d * 2 ** h * 2 ** (ex - h);
  return d === 0 ? 0 : d;
}

/**
 * Sign and log|det| from `luFactorCpu`'s output, batched (torch.linalg.slogdet): sign[b] ∈ {-1, 0, 1}
 * (0 with logabsdet = -inf for an exactly singular U; NaN when U has a NaN), logabsdet[b] =
 * Σ log|U[k,k]|. A 0×0 matrix gives (1, 0).
 */
export function luSlogdet(
  lu: FloatArray,
  piv: Int32Array,
  batch: number,
  n: number,
  sign: FloatArray,
  logabsdet: FloatArray,
): void {
  for (let e = 0; e < batch; e++) slogdetOf(lu, e * n * n, n + 1, piv, e * n, n, sign, logabsdet, e);
}

/** sign[e], logabsdet[e] from the n diagonal entries lu[q0 + k·stride] and piv[po..po+n). */
function slogdetOf(
  lu: FloatArray,
  q0: number,
  stride: number,
  piv: Int32Array,
  po: number,
  n: number,
  sign: FloatArray,
  logabsdet: FloatArray,
  e: number,
): void {
  let s = pivotSign(piv, po, n);
  let acc = 0;
  for (let k = 0, q = q0; k < n; k++, q += stride) {
    const u = lu[q]!;
    s *= u > 0 ? 1 : u < 0 ? -1 : u === 0 ? 0 : Number.NaN;
    acc += Math.log(Math.abs(u));
  }
  sign[e] = s === 0 ? 0 : s;
  logabsdet[e] = acc;
}

// ---- fused entry points of the ops: the factor stays in scratch (on the WebAssembly heap from
// n = WASM_LU_MIN), only the result is written. Same pivots, info and results as the
// luFactorCpu + luInverse / luSolve / luDet pairs they replace.

/** Scratch factor of a (the JavaScript path's, for orders below the WebAssembly path's). */
function factorScratch(a: FloatArray, batch: number, n: number) {
  const lu = a instanceof Float32Array ? new Float32Array(batch * n * n) : new Float64Array(batch * n * n);
  const piv = new Int32Array(batch * n);
  const info = new Int32Array(batch);
  luFactorCpu(a, batch, n, lu, piv, info);
  return { lu, piv, info };
}

/** X = A⁻¹ for each matrix, info[b] as luFactorCpu's. */
export function invCpu(a: FloatArray, batch: number, n: number, out: FloatArray, info: Int32Array): void {
  if (batch <= 0) return;
  if (wasmLuFits(n) && invWasm(a, batch, n, out, info)) return;
  const f = factorScratch(a, batch, n);
  info.set(f.info);
  luInverse(f.lu, f.piv, batch, n, out);
}

/** A X = B for each matrix (B, X: n × nrhs), info[b] as luFactorCpu's. */
export function solveCpu(
  a: FloatArray,
  batch: number,
  n: number,
  b: FloatArray,
  nrhs: number,
  x: FloatArray,
  info: Int32Array,
): void {
  if (batch <= 0) return;
  if (wasmLuFits(n) && solveWasm(a, batch, n, b, nrhs, x, info)) return;
  const f = factorScratch(a, batch, n);
  info.set(f.info);
  luSolve(f.lu, f.piv, batch, n, b, nrhs, x);
}

/** det(A) for each matrix. */
export function detCpu(a: FloatArray, batch: number, n: number, out: FloatArray): void {
  if (batch <= 0) return;
  const fused = (e: number, d: Float64Array, st: number, piv: Int32Array) => {
    out[e] = detProduct(d, 0, st, piv, 0, n);
  };
  if (wasmLuFits(n, true) && factorDiagWasm(a, batch, n, fused)) return;
  const f = factorScratch(a, batch, n);
  luDet(f.lu, f.piv, batch, n, out);
}

/** sign(det A) and log|det A| for each matrix (as luSlogdet). */
export function slogdetCpu(
  a: FloatArray,
  batch: number,
  n: number,
  sign: FloatArray,
  logabsdet: FloatArray,
): void {
  if (batch <= 0) return;
  const fused = (e: number, d: Float64Array, st: number, piv: Int32Array) =>
    slogdetOf(d, 0, st, piv, 0, n, sign, logabsdet, e);
  if (wasmLuFits(n, true) && factorDiagWasm(a, batch, n, fused)) return;
  const f = factorScratch(a, batch, n);
  luSlogdet(f.lu, f.piv, batch, n, sign, logabsdet);
}
