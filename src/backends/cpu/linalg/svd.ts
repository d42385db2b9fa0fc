/**
 * Singular value decomposition by Golub–Kahan–Reinsch: Householder bidiagonalisation followed by
 * the implicit shifted QR iteration on the bidiagonal (Golub & Van Loan, Matrix Computations,
 * §8.6), with explicit handling of zero diagonal entries.
 */

import { jsRowRotator, level2Workspace, type RowRotator, rowRotators, WASM_ROT_MIN } from '../wasm-gemm.js';
import {
  applyRight,
  type FloatArray,
  givens,
  householder,
  hypot,
  INFO_NONFINITE,
  pow2Scale,
  refl,
  rot,
} from './qr.js';
import { REFLECTOR_BLOCKED_MIN, reflectorProduct } from './qr-blocked.js';

const EPS = 2 ** -52;
/** Limit on implicit QR steps per matrix, per singular value. */
const MAX_STEPS_PER_VALUE = 40;

/** Options of `svdCpu`, as in torch.linalg.svd (computeUV = false is torch.linalg.svdvals). */
export interface SvdOptions {
  fullMatrices: boolean;
  computeUV: boolean;
}

/**
 * Batched SVD A = U·diag(S)·Vh, like torch.linalg.svd, for `batch` row-major m×n matrices stored
 * back to back in `a`; k = min(m, n).
 * - `s`: batch×k singular values, descending, ≥ 0.
 * - `u`: batch×m×m (fullMatrices) or batch×m×k; `vh`: batch×n×n (fullMatrices) or batch×k×n.
 *   Both have orthonormal columns/rows for every input, including rank-deficient and zero
 *   matrices: they are products of Householder reflectors and Givens rotations, so no basis
 *   completion is needed. Not touched (may be null) when `computeUV` is false.
 * - Signs: as the iteration leaves them (no normalisation); each pair (u_j, vh_j) is consistent.
 *   Singular vectors of repeated singular values span the right subspace in some basis.
 * - `info[b]`: 0 on success; k' > 0 when the bidiagonal QR iteration did not converge within 40·k
 *   steps (k' superdiagonal entries still not negligible; outputs hold the current approximation,
 *   with U and Vh still orthonormal); −1 (`INFO_NONFINITE`) when A holds NaN/±Inf, in which case
 *   that element's S, U and Vh are all NaN. The iteration is bounded: the call always terminates.
 *
 * For m < n the transpose is decomposed (Aᵀ = Vhᵀ S Uᵀ). A is scaled by an exact power of two so
 * that max|a_ij| ∈ [1, 2). Accuracy is normwise: |σ̂_i − σ_i| ≲ p(n)·eps·‖A‖₂. Every loop over
 * matrix entries runs along contiguous rows (U and V are kept transposed while iterating).
 */
export function svdCpu(
  a: FloatArray,
  batch: number,
  m: number,
  n: number,
  u: FloatArray | null,
  s: FloatArray,
  vh: FloatArray | null,
  opts: SvdOptions,
  info: Int32Array,
): void {
  const { fullMatrices, computeUV } = opts;
  if (computeUV && (u === null || vh === null))
    throw new Error('svd: computeUV needs output arrays u and vh');
  const tall = m >= n;
  const p = tall ? m : n; // working matrix M (A or Aᵀ) is p×q with p ≥ q
  const q = tall ? n : m;
  const c = fullMatrices ? p : q; // rows of WU = Ubᵀ that are needed
  const uCols = fullMatrices ? m : q;
  const vhRows = fullMatrices ? n : q;
  const mat = new Float64Array(p * q);
  const d = new Float64Array(q);
  const e = new Float64Array(q);
  const ul = new Float64Array(q * p); // left reflector k at ul[k*p + k ..]
  const vr = new Float64Array(q * q); // right reflector k at vr[k*q + k+1 ..]
  const tauL = new Float64Array(q);
  const tauR = new Float64Array(q);
  const acc = new Float64Array(p);
  const perm = new Int32Array(q);
  const wu = computeUV ? new Float64Array(c * p) : null;
  const wv = computeUV ? new Float64Array(q * q) : null;
  // Small matrices: the JavaScript rotators, made once for the whole batch.
  const small =
    wu !== null && wv !== null && p < WASM_ROT_MIN
      ? ([jsRowRotator(wu, p), jsRowRotator(wv, q)] as const)
      : null;
  for (let b = 0; b < batch; b++) {
    const off = b * m * n;
    let amax = 0;
    let chk = 0;
    for (let t = 0; t < m * n; t++) {
      const x = a[off + t];
      chk += x * 0;
      const ax = Math.abs(x);
      if (ax > amax) amax = ax;
    }
    if (chk !== 0) {
      s.fill(Number.NaN, b * q, (b + 1) * q);
      if (u !== null && vh !== null && computeUV) {
        u.fill(Number.NaN, b * m * uCols, (b + 1) * m * uCols);
        vh.fill(Number.NaN, b * vhRows * n, (b + 1) * vhRows * n);
      }
      info[b] = INFO_NONFINITE;
      continue;
    }
    const scale = pow2Scale(amax);
    if (tall) for (let t = 0; t < m * n; t++) mat[t] = a[off + t] * scale;
    else for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mat[j * m + i] = a[off + i * n + j] * scale;
    bidiagonalize(mat, p, q, d, e, ul, vr, tauL, tauR, acc);
    if (wu !== null && wv !== null) {
      // WU = first c rows of Ubᵀ = H_{q−1}⋯H_0 and WV = Vbᵀ = G_{q−3}⋯G_0, accumulated backwards
      // by right multiplication: at step k only the block [k.., k..] (resp. [k+1.., k+1..]) changes.
      if (q >= REFLECTOR_BLOCKED_MIN) {
        // The same products by blocks of reflectors in GEMM: Ub·E_c and Vb, then transposed.
        const x = new Float64Array(p * Math.max(c, q));
        reflectorProduct(ul, p, 0, q, tauL, p, c, x, 0);
        for (let r = 0; r < p; r++) for (let i = 0; i < c; i++) wu[i * p + r] = x[r * c + i]!;
        reflectorProduct(vr, q, 1, Math.max(q - 2, 0), tauR, q, q, x, 0);
        for (let r = 0; r < q; r++) for (let i = 0; i < q; i++) wv[i * q + r] = x[r * q + i]!;
      } else {
        wu.fill(0);
        for (let i = 0; i < c; i++) wu[i * p + i] = 1;
        for (let k = q - 1; k >= 0; k--) applyRight(wu, p, ul, k * p, k, c, k, p, tauL[k]);
        wv.fill(0);
        for (let i = 0; i < q; i++) wv[i * q + i] = 1;
        for (let k = q - 3; k >= 0; k--) applyRight(wv, q, vr, k * q, k + 1, q, k + 1, q, tauR[k]);
      }
    }
    const [ru, rv] =
      small ??
      (wu !== null && wv !== null
        ? rowRotators([
            { data: wu, rows: c, cols: p },
            { data: wv, rows: q, cols: q },
          ])
        : [null, null]);
    info[b] = bidiagonalQr(d, e, q, ru ?? null, rv ?? null);
    ru?.finish();
    rv?.finish();
    // Make the singular values non-negative (flip the matching row of Vᵀ), sort descending.
    for (let i = 0; i < q; i++) {
      if (d[i] < 0) {
        d[i] = -d[i];
        if (wv !== null) for (let t = 0; t < q; t++) wv[i * q + t] = -wv[i * q + t];
      }
      let j = i;
      while (j > 0 && d[perm[j - 1]] < d[i]) {
        perm[j] = perm[j - 1];
        j--;
      }
      perm[j] = i;
    }
    const unscale = 1 / scale;
    for (let i = 0; i < q; i++) s[b * q + i] = d[perm[i]] * unscale;
    if (u === null || vh === null || wu === null || wv === null) continue;
    const uOff = b * m * uCols;
    const vOff = b * vhRows * n;
    if (tall) {
      // U[r][i] = Ub[r][perm i] = WU[perm i][r] (columns ≥ q keep their order); Vh = rows of WV.
      for (let i = 0; i < uCols; i++) {
        const row = (i < q ? perm[i] : i) * p;
        for (let r = 0; r < m; r++) u[uOff + r * uCols + i] = wu[row + r];
      }
      for (let i = 0; i < q; i++) for (let t = 0; t < n; t++) vh[vOff + i * n + t] = wv[perm[i] * q + t];
    } else {
      // A = Mᵀ = Vb S Ubᵀ: U[r][i] = WV[perm i][r]; Vh rows are rows of WU.
      for (let i = 0; i < q; i++) {
        const row = perm[i] * q;
        for (let r = 0; r < m; r++) u[uOff + r * uCols + i] = wv[row + r];
      }
      for (let i = 0; i < vhRows; i++) {
        const row = (i < q ? perm[i] : i) * p;
        for (let t = 0; t < n; t++) vh[vOff + i * n + t] = wu[row + t];
      }
    }
  }
}

/** Matrices with at least this many columns are bidiagonalised with the WebAssembly kernels. */
const WASM_BIDIAG_MIN = 24;

/**
 * {@link bidiagonalize} with the matrix in the WebAssembly kernel's memory (rows padded to an
 * even length) and its two level-2 updates per reflector in WebAssembly SIMD (wasm-level2.ts).
 * The updates start at an even column: the one extra column k they then touch is never read
 * again (the left update), or meets a zero in the right reflector (the right update). `mat` is
 * left as it was. Returns false when the kernels are unavailable.
 */
function bidiagonalizeWasm(
  mat: Float64Array,
  p: number,
  q: number,
  d: Float64Array,
  e: Float64Array,
  ul: Float64Array,
  vr: Float64Array,
  tauL: Float64Array,
  tauR: Float64Array,
): boolean {
  const ld = (q + 1) & ~1;
  const [U, V, ACC] = [p * ld, p * ld + p, p * ld + p + ld];
  const w = level2Workspace(ACC + ld);
  if (w === null) return false;
  const h = w.heap;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) h[i * ld + j] = mat[i * q + j];
    if (ld > q) h[i * ld + q] = 0;
  }
  for (let k = 0; k < q; k++) {
    const lb = k * p;
    for (let i = k; i < p; i++) ul[lb + i] = h[i * ld + k];
    householder(ul, lb + k, p - k);
    tauL[k] = refl.tau;
    d[k] = refl.beta;
    const c0 = (k + 1) & ~1;
    if (refl.tau !== 0 && k + 1 < q) {
      for (let i = k; i < p; i++) h[U + i - k] = ul[lb + i];
      w.colacc(k * ld + c0, ld, U, p - k, ACC, ld - c0);
      w.rank1(k * ld + c0, ld, U, p - k, ACC, ld - c0, refl.tau);
    }
    tauR[k] = 0;
    if (k === q - 2) e[k] = h[k * ld + k + 1];
    if (k >= q - 2) continue;
    const vb = k * q;
    for (let j = k + 1; j < q; j++) vr[vb + j] = h[k * ld + j];
    householder(vr, vb + k + 1, q - k - 1);
    tauR[k] = refl.tau;
    e[k] = refl.beta;
    if (refl.tau !== 0) {
      for (let j = c0; j < ld; j++) h[V + j - c0] = j > k && j < q ? vr[vb + j] : 0;
      w.dotaxpy((k + 1) * ld + c0, ld, V, p - k - 1, ld - c0, refl.tau);
    }
  }
  return true;
}

/**
 * Householder bidiagonalisation M = Ub·B·Vbᵀ of the p×q matrix (p ≥ q): B upper bidiagonal with
 * diagonal d and superdiagonal e. Left reflector k (rows k..p−1) goes to ul row k, right reflector
 * k (columns k+1..q−1, only for k ≤ q−3) to vr row k.
 */
function bidiagonalize(
  mat: Float64Array,
  p: number,
  q: number,
  d: Float64Array,
  e: Float64Array,
  ul: Float64Array,
  vr: Float64Array,
  tauL: Float64Array,
  tauR: Float64Array,
  acc: Float64Array,
): void {
  if (q >= WASM_BIDIAG_MIN && bidiagonalizeWasm(mat, p, q, d, e, ul, vr, tauL, tauR)) return;
  for (let k = 0; k < q; k++) {
    const lb = k * p;
    for (let i = k; i < p; i++) ul[lb + i] = mat[i * q + k];
    householder(ul, lb + k, p - k);
    tauL[k] = refl.tau;
    d[k] = refl.beta;
    if (refl.tau !== 0) applyLeft(mat, q, ul, lb, k, p, k + 1, q, refl.tau, acc);
    tauR[k] = 0;
    if (k === q - 2) e[k] = mat[k * q + k + 1];
    if (k >= q - 2) continue;
    const vb = k * q;
    for (let j = k + 1; j < q; j++) vr[vb + j] = mat[k * q + j];
    householder(vr, vb + k + 1, q - k - 1);
    tauR[k] = refl.tau;
    e[k] = refl.beta;
    if (refl.tau !== 0) applyRight(mat, q, vr, vb, k + 1, p, k + 1, q, refl.tau);
  }
}

/**
 * mat[r0..r1, c0..c1) ← (I − τ u uᵀ)·mat[r0..r1, c0..c1) for a row-major matrix with `cols`
 * columns, where u[i − r0] = vec[vOff + i]: w = uᵀ·block by row axpys, then a rank-one update
 * row by row (both passes contiguous). `acc` is scratch of length ≥ c1.
 */
function applyLeft(
  mat: Float64Array,
  cols: number,
  vec: Float64Array,
  vOff: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  tau: number,
  acc: Float64Array,
): void {
  acc.fill(0, c0, c1);
  for (let i = r0; i < r1; i++) {
    const ui = vec[vOff + i];
    if (ui === 0) continue;
    const row = i * cols;
    for (let c = c0; c < c1; c++) acc[c] += ui * mat[row + c];
  }
  for (let i = r0; i < r1; i++) {
    const f = tau * vec[vOff + i];
    if (f === 0) continue;
    const row = i * cols;
    for (let c = c0; c < c1; c++) mat[row + c] -= f * acc[c];
  }
}

/**
 * Implicit shifted QR (Golub–Kahan SVD steps) on the upper bidiagonal (d, e) of order q. Left
 * rotations on rows (i, j) of B are applied to the same rows of wu (= Uᵀ, rows of length p), right
 * rotations on columns (i, j) to rows i, j of wv (= Vᵀ). A diagonal entry ≤ eps·‖B‖ is set to zero
 * and its row (or, for the last one, its column) is rotated away, which splits the problem.
 * Returns 0, or the number of unconverged superdiagonals after the step limit.
 */
function bidiagonalQr(
  d: Float64Array,
  e: Float64Array,
  q: number,
  wu: RowRotator | null,
  wv: RowRotator | null,
): number {
  let bnorm = 0;
  for (let i = 0; i < q; i++) bnorm = Math.max(bnorm, Math.abs(d[i]), i < q - 1 ? Math.abs(e[i]) : 0);
  const tol = EPS * bnorm;
  const maxSteps = MAX_STEPS_PER_VALUE * q;
  let steps = 0;
  let h = q - 1;
  while (h > 0) {
    if (small(d, e, h - 1, tol)) {
      e[h - 1] = 0;
      h--;
      continue;
    }
    let l = h - 1;
    while (l > 0 && !small(d, e, l - 1, tol)) l--;
    if (l > 0) e[l - 1] = 0;
    // A (numerically) zero diagonal entry: chase its superdiagonal away, which splits the block.
    let z = -1;
    for (let i = l; i <= h; i++) {
      if (Math.abs(d[i]) <= tol) {
        z = i;
        break;
      }
    }
    if (z >= 0) {
      d[z] = 0;
      if (z < h) {
        let f = e[z];
        e[z] = 0;
        for (let j = z + 1; j <= h && f !== 0; j++) {
          givens(d[j], f); // rows (j, z): zero B[z][j] against d[j]
          d[j] = rot.r;
          if (j < h) {
            f = -rot.s * e[j];
            e[j] *= rot.c;
          }
          if (wu !== null) wu.rotate(j, z, rot.c, rot.s);
        }
      } else {
        let f = e[h - 1];
        e[h - 1] = 0;
        for (let j = h - 1; j >= l && f !== 0; j--) {
          givens(d[j], f); // columns (j, h): zero B[j][h] against d[j]
          d[j] = rot.r;
          if (j > l) {
            f = -rot.s * e[j - 1];
            e[j - 1] *= rot.c;
          }
          if (wv !== null) wv.rotate(j, h, rot.c, rot.s);
        }
      }
      continue;
    }
    if (steps++ >= maxSteps) {
      let bad = 0;
      for (let i = 0; i < h; i++) if (e[i] !== 0) bad++;
      return Math.max(bad, 1);
    }
    // Wilkinson shift from the trailing 2×2 block of BᵀB.
    const t11 = d[h - 1] * d[h - 1] + (h - 1 > l ? e[h - 2] * e[h - 2] : 0);
    const t12 = d[h - 1] * e[h - 1];
    const t22 = d[h] * d[h] + e[h - 1] * e[h - 1];
    const delta = 0.5 * (t11 - t22);
    const den = delta + (delta >= 0 ? 1 : -1) * hypot(delta, t12);
    const mu = den === 0 ? t22 : t22 - t12 * (t12 / den);
    let y = d[l] * d[l] - mu;
    let x = d[l] * e[l];
    for (let k = l; k < h; k++) {
      // Right rotation on columns (k, k+1).
      givens(y, x);
      let c = rot.c;
      let sn = rot.s;
      if (k > l) e[k - 1] = rot.r;
      const dk = d[k];
      const ek = e[k];
      d[k] = c * dk + sn * ek;
      e[k] = c * ek - sn * dk;
      const bulge = sn * d[k + 1];
      d[k + 1] *= c;
      if (wv !== null) wv.rotate(k, k + 1, c, sn);
      // Left rotation on rows (k, k+1) removes the bulge B[k+1][k].
      givens(d[k], bulge);
      c = rot.c;
      sn = rot.s;
      d[k] = rot.r;
      const ek2 = e[k];
      const dk1 = d[k + 1];
      e[k] = c * ek2 + sn * dk1;
      d[k + 1] = c * dk1 - sn * ek2;
      if (k < h - 1) {
        x = sn * e[k + 1];
        e[k + 1] *= c;
        y = e[k];
      }
      if (wu !== null) wu.rotate(k, k + 1, c, sn);
    }
  }
  return 0;
}

/** Superdiagonal entry e[i] is negligible (relative to its neighbours, or to ‖B‖). */
function small(d: Float64Array, e: Float64Array, i: number, tol: number): boolean {
  const x = Math.abs(e[i]);
  return x <= tol || x <= EPS * (Math.abs(d[i]) + Math.abs(d[i + 1]));
}
