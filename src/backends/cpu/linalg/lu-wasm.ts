/**
 * LU with partial pivoting and what is computed from it (inverse, solves, determinant) with the
 * whole matrix in the WebAssembly kernel's memory (wasm-lu.ts): the recursive column split of
 * lu.ts, its panels, triangular solves and GEMM updates all working in place there, so each matrix
 * is copied in once and its result out once (the JavaScript path copied every GEMM's blocks in and
 * out). Same pivots and info as lu.ts (the same pivot search, swaps and zero-pivot rule); the
 * rounding of the updates differs only by the order of additions.
 *
 * Layout, in doubles: the matrix padded to np×np (np = n rounded up to a multiple of 4, so every
 * product has dims that are multiples of 4) at 0, with zeros beside and below it and ones on the
 * padded diagonal (so the padded factor is diag(L\U, I) and solves through it are exact there); a
 * second np×np block at X (the inverse, or the right-hand sides), B's packed panels at PACK, the
 * pivots (int32) after them.
 */
import { type LuKernel, luKernel } from '../wasm-lu.js';
import type { FloatArray } from './triangular.js';
import { splitHalf } from './triangular.js';

/** Panels at most this wide are factored column by column (as lu.ts). */
const LU_BASE = 16;
/** Triangular solves of at most this order run in one call of the solve kernel. */
const TRSM_BASE = 16;
/** Column blocks of the triangular inverse. */
const INV_COL_BLOCK = 64;

const ceil4 = (x: number) => (x + 3) & ~3;

interface Work {
  k: LuKernel;
  n: number;
  np: number;
  /** Offsets (doubles) of the second block and of the packed panels; of the pivots in bytes. */
  x: number;
  pack: number;
  pivBytes: number;
}

/** The kernels with room for an n×n problem whose right-hand sides are at most np wide; or null. */
function workspace(n: number, rhs = 0): Work | null {
  const np = ceil4(n);
  const xcols = Math.max(np, ceil4(rhs));
  const x = np * np;
  const pack = x + np * xcols;
  const pivDoubles = pack + np * xcols;
  const k = luKernel(pivDoubles + (n >> 1) + 1);
  return k ? { k, n, np, x, pack, pivBytes: pivDoubles * 8 } : null;
}

/** rows×cols block copy between float arrays with leading dims (set() for long rows). */
function copyBlock(
  dst: FloatArray,
  d0: number,
  ldd: number,
  src: FloatArray,
  s0: number,
  lds: number,
  rows: number,
  cols: number,
): void {
  for (let i = 0; i < rows; i++) {
    const d = d0 + i * ldd;
    const s = s0 + i * lds;
    if (cols >= 64) dst.set(src.subarray(s, s + cols), d);
    else for (let j = 0; j < cols; j++) dst[d + j] = src[s + j]!;
  }
}

/** Copies the n×n matrix at a[ao..] into the heap at 0, padded as described above. */
function load(w: Work, a: FloatArray, ao: number): void {
  const { n, np } = w;
  const heap = w.k.heap;
  copyBlock(heap, 0, np, a, ao, n, n, n);
  if (np === n) return;
  for (let i = 0; i < n; i++) heap.fill(0, i * np + n, (i + 1) * np);
  heap.fill(0, n * np, np * np);
  for (let p = n; p < np; p++) heap[p * np + p] = 1;
}

/** C[m×c] += alpha·A[m×kk]·B[kk×c] on the heap (offsets and leading dims in doubles). */
function gemmHeap(
  w: Work,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  m: number,
  cols: number,
  kk: number,
): void {
  if (m <= 0 || cols <= 0 || kk <= 0) return;
  w.k.pack(b * 8, ldb * 8, w.pack * 8, kk, cols);
  w.k.gemm(a, lda, w.pack, c, ldc, m, cols, kk, alpha);
}

/**
 * Solves T·X = B in place on the heap: T n×n triangular at t (leading dim ldt), B n×m at b
 * (leading dim ldb, m a multiple of 4; n a multiple of 4 beyond TRSM_BASE). Recursive as
 * triangular.ts trsmLeft.
 */
function trsmHeap(
  w: Work,
  upper: boolean,
  unit: boolean,
  t: number,
  ldt: number,
  b: number,
  ldb: number,
  n: number,
  m: number,
): void {
  if (n <= 0 || m <= 0) return;
  const u = unit ? 1 : 0;
  if (n <= TRSM_BASE) {
    if (!upper) w.k.trsm(t * 8, ldt * 8, 8, b * 8, ldb * 8, n, m, u);
    else w.k.trsm((t + (n - 1) * (ldt + 1)) * 8, -ldt * 8, -8, (b + (n - 1) * ldb) * 8, -ldb * 8, n, m, u);
    return;
  }
  const h = splitHalf(n);
  const r = n - h;
  const d = t + h * ldt + h;
  if (!upper) {
    trsmHeap(w, false, unit, t, ldt, b, ldb, h, m);
    gemmHeap(w, -1, t + h * ldt, ldt, b, ldb, b + h * ldb, ldb, r, m, h);
    trsmHeap(w, false, unit, d, ldt, b + h * ldb, ldb, r, m);
  } else {
    trsmHeap(w, true, unit, d, ldt, b + h * ldb, ldb, r, m);
    gemmHeap(w, -1, t + h, ldt, b + h * ldb, ldb, b, ldb, h, m, r);
    trsmHeap(w, true, unit, t, ldt, b, ldb, h, m);
  }
}

/**
 * Factors columns [k0, k0+kw) of the loaded matrix (earlier columns' updates applied), as lu.ts
 * getrfCols; returns the 1-based index of the first zero pivot in the range, or 0.
 */
function getrfHeap(w: Work, k0: number, kw: number): number {
  const { n, np } = w;
  if (kw <= LU_BASE) return w.k.panel(0, np * 8, n, k0, kw, w.pivBytes);
  const h = splitHalf(kw);
  const r = kw - h;
  const info1 = getrfHeap(w, k0, h);
  const d = k0 * np + k0;
  // Widths are multiples of 4 except at the right edge, which extends into the padding.
  const cols = k0 + kw === n ? np - k0 - h : r;
  trsmHeap(w, false, true, d, np, d + h, np, h, cols);
  gemmHeap(w, -1, d + h * np, np, d + h, np, d + h * np + h, np, np - k0 - h, cols, h);
  const info2 = getrfHeap(w, k0 + h, r);
  return info1 !== 0 ? info1 : info2;
}

/** Factors the loaded matrix; pivots into piv[po..po+n); returns info. */
function factor(w: Work, piv: Int32Array, po: number): number {
  const info = getrfHeap(w, 0, w.n);
  piv.set(new Int32Array(w.k.heap.buffer, w.pivBytes, w.n), po);
  return info;
}

/** X := U⁻¹L⁻¹ (np×np at w.x) from the factor on the heap. */
function inverseHeap(w: Work): void {
  const { np, x } = w;
  const heap = w.k.heap;
  heap.fill(0, x, x + np * np);
  // L⁻¹ by column blocks (its zeros above the diagonal cost nothing), then U X = L⁻¹.
  for (let j0 = 0; j0 < np; j0 += INV_COL_BLOCK) {
    const jw = Math.min(np - j0, INV_COL_BLOCK);
    const j1 = j0 + jw;
    const d = x + j0 * np + j0;
    for (let j = 0; j < jw; j++) heap[d + j * np + j] = 1;
    trsmHeap(w, false, true, j0 * np + j0, np, d, np, jw, jw);
    if (j1 < np) {
      gemmHeap(w, -1, j1 * np + j0, np, d, np, x + j1 * np + j0, np, np - j1, jw, jw);
      trsmHeap(w, false, true, j1 * np + j1, np, x + j1 * np + j0, np, np - j1, jw);
    }
  }
  trsmHeap(w, true, false, 0, np, x, np, np, np);
}

/** perm such that X·Pᵀ = X[:, perm] (the swaps k ↔ piv[k]−1, k descending, composed). */
function columnPerm(piv: Int32Array, po: number, n: number): Int32Array {
  const perm = new Int32Array(n);
  for (let j = 0; j < n; j++) perm[j] = j;
  for (let k = n - 1; k >= 0; k--) {
    const p = piv[po + k]! - 1;
    const t = perm[k]!;
    perm[k] = perm[p]!;
    perm[p] = t;
  }
  return perm;
}

/** out[o..] (n×n) := X·Pᵀ from the heap's X. */
function storeInverse(w: Work, piv: Int32Array, po: number, out: FloatArray, o: number): void {
  const { n, np, x } = w;
  const heap = w.k.heap;
  const perm = columnPerm(piv, po, n);
  for (let i = 0; i < n; i++) {
    const ri = x + i * np;
    const oi = o + i * n;
    for (let j = 0; j < n; j++) out[oi + j] = heap[ri + perm[j]!]!;
  }
}

/**
 * Orders from which the WebAssembly path is faster (measured: an inverse from 16, a factor or
 * determinant alone from 24; below, the call and copy overheads outweigh the SIMD loops).
 */
export const WASM_LU_MIN = 16;
const WASM_FACTOR_MIN = 24;

/** Whether the WebAssembly path takes n×n problems (`factorOnly`: LU or det without solves). */
export const wasmLuFits = (n: number, factorOnly = false): boolean =>
  n >= (factorOnly ? WASM_FACTOR_MIN : WASM_LU_MIN) && n <= 8192;

/** luFactorCpu on the heap: false (nothing done) without WebAssembly SIMD. */
export function luFactorWasm(
  a: FloatArray,
  batch: number,
  n: number,
  lu: FloatArray,
  piv: Int32Array,
  info: Int32Array,
): boolean {
  const w = workspace(n);
  if (!w) return false;
  for (let e = 0; e < batch; e++) {
    load(w, a, e * n * n);
    info[e] = factor(w, piv, e * n);
    copyBlock(lu, e * n * n, n, w.k.heap, 0, w.np, n, n);
  }
  return true;
}

/** luInverse on the heap (the factor copied in): false without WebAssembly SIMD. */
export function luInverseWasm(
  lu: FloatArray,
  piv: Int32Array,
  batch: number,
  n: number,
  out: FloatArray,
): boolean {
  const w = workspace(n);
  if (!w) return false;
  for (let e = 0; e < batch; e++) {
    load(w, lu, e * n * n);
    inverseHeap(w);
    storeInverse(w, piv, e * n, out, e * n * n);
  }
  return true;
}

/** linalg.inv: factor and inverse on the heap, info per matrix; false without WebAssembly SIMD. */
export function invWasm(a: FloatArray, batch: number, n: number, out: FloatArray, info: Int32Array): boolean {
  const w = workspace(n);
  if (!w) return false;
  const piv = new Int32Array(n);
  for (let e = 0; e < batch; e++) {
    load(w, a, e * n * n);
    info[e] = factor(w, piv, 0);
    inverseHeap(w);
    storeInverse(w, piv, 0, out, e * n * n);
  }
  return true;
}

/** Solves with the factor on the heap: B (n×nrhs at b[bo..], rows permuted by piv) into x[xo..]. */
function solveHeap(
  w: Work,
  piv: Int32Array,
  po: number,
  b: FloatArray,
  bo: number,
  nrhs: number,
  x: FloatArray,
  xo: number,
): void {
  const { n, np } = w;
  const heap = w.k.heap;
  const mp = ceil4(nrhs);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  for (let k = 0; k < n; k++) {
    const p = piv[po + k]! - 1;
    const t = rows[k]!;
    rows[k] = rows[p]!;
    rows[p] = t;
  }
  heap.fill(0, w.x, w.x + np * mp);
  for (let i = 0; i < n; i++) copyBlock(heap, w.x + i * mp, mp, b, bo + rows[i]! * nrhs, nrhs, 1, nrhs);
  trsmHeap(w, false, true, 0, np, w.x, mp, np, mp);
  trsmHeap(w, true, false, 0, np, w.x, mp, np, mp);
  copyBlock(x, xo, nrhs, heap, w.x, mp, n, nrhs);
}

/** luSolve on the heap (the factor copied in): false without WebAssembly SIMD. */
export function luSolveWasm(
  lu: FloatArray,
  piv: Int32Array,
  batch: number,
  n: number,
  b: FloatArray,
  nrhs: number,
  x: FloatArray,
): boolean {
  const w = workspace(n, nrhs);
  if (!w) return false;
  for (let e = 0; e < batch; e++) {
    load(w, lu, e * n * n);
    solveHeap(w, piv, e * n, b, e * n * nrhs, nrhs, x, e * n * nrhs);
  }
  return true;
}

/** linalg.solve: factor and solve on the heap, info per matrix; false without WebAssembly SIMD. */
export function solveWasm(
  a: FloatArray,
  batch: number,
  n: number,
  b: FloatArray,
  nrhs: number,
  x: FloatArray,
  info: Int32Array,
): boolean {
  const w = workspace(n, nrhs);
  if (!w) return false;
  const piv = new Int32Array(n);
  for (let e = 0; e < batch; e++) {
    load(w, a, e * n * n);
    info[e] = factor(w, piv, 0);
    solveHeap(w, piv, 0, b, e * n * nrhs, nrhs, x, e * n * nrhs);
  }
  return true;
}

/**
 * Factors each matrix on the heap and hands its diagonal (stride np + 1 from offset 0 of `heap`)
 * and pivots to `use` (the determinant's product); false without WebAssembly SIMD.
 */
export function factorDiagWasm(
  a: FloatArray,
  batch: number,
  n: number,
  use: (e: number, heap: Float64Array, stride: number, piv: Int32Array) => void,
): boolean {
  const w = workspace(n);
  if (!w) return false;
  const piv = new Int32Array(n);
  for (let e = 0; e < batch; e++) {
    load(w, a, e * n * n);
    factor(w, piv, 0);
    use(e, w.k.heap, w.np + 1, piv);
  }
  return true;
}
