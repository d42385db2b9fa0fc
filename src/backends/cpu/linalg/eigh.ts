/**
 * Symmetric eigendecomposition: Householder tridiagonalisation followed by the implicit symmetric
 * QR iteration with Wilkinson shifts (Golub & Van Loan, Matrix Computations, §8.3).
 */

import { jsRowRotator, level2Workspace, type RowRotator, rowRotators, WASM_ROT_MIN } from '../wasm-gemm.js';
import { type FloatArray, givens, householder, hypot, INFO_NONFINITE, pow2Scale, refl, rot } from './qr.js';
import { REFLECTOR_BLOCKED_MIN, reflectorProduct } from './qr-blocked.js';

const EPS = 2 ** -52;
/** Limit on implicit QR steps per matrix, per row (LAPACK dsteqr uses 30·n too). */
const MAX_STEPS_PER_ROW = 30;

/**
 * Batched symmetric eigendecomposition A = V·diag(w)·Vᵀ, like torch.linalg.eigh / LAPACK syevd.
 *
 * - `a`: `batch` row-major n×n matrices back to back. Only one triangle is read: `upper` = true
 *   (UPLO 'U') reads entries a[i][j] with j ≥ i, false (UPLO 'L') those with j ≤ i; the other
 *   triangle may hold anything (even NaN).
 * - `w`: batch×n eigenvalues, ascending within each batch element.
 * - `v`: batch×n×n eigenvectors as COLUMNS (v[i*n + j] is component i of eigenvector j, which
 *   belongs to w[j]); may be null when `computeVectors` is false, and is not touched then.
 * - Sign convention: each eigenvector's largest-magnitude component is made positive; among
 *   components whose magnitudes agree with the largest to a relative 1e-8, the one with the lowest
 *   index counts, so near-ties (e.g. (1, −1)/√2) are resolved deterministically. For repeated
 *   eigenvalues the basis of the eigenspace is whatever the iteration produces (orthonormal).
 * - `info[b]`: 0 on success; k > 0 when the QR iteration did not converge within 30·n steps
 *   (k off-diagonal entries of the tridiagonal form are not yet negligible; w and v then hold
 *   the current approximations, still sorted, with v still orthonormal); −1
 *   (`INFO_NONFINITE`) when the read triangle holds NaN/±Inf, in which case all of that
 *   element's w and v are NaN. The iteration is bounded, so the call always terminates.
 *
 * The matrix is first scaled by an exact power of two so that max|a_ij| ∈ [1, 2). Accuracy is
 * normwise (backward stable): |ŵ_i − w_i| ≲ p(n)·eps·‖A‖, eigenvector angles ≲ p(n)·eps·‖A‖/gap.
 * Cost: (4/3)n³ flops for the reduction, (4/3)n³ to form Qᵀ and about 6n³ for the rotations on
 * the eigenvector rows, all in contiguous row loops; (4/3)n³ + O(n²) without vectors.
 * (Cyclic Jacobi was measured 2–5× slower already at n = 16..128, so it is not used.)
 */
export function eigh(
  a: FloatArray,
  batch: number,
  n: number,
  upper: boolean,
  w: FloatArray,
  v: FloatArray | null,
  computeVectors: boolean,
  info: Int32Array,
): void {
  if (computeVectors && v === null) throw new Error('eigh: computeVectors needs an output array v');
  const s = new Float64Array(n * n); // lower triangle: working copy; upper part of row k: reflector k
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  const p = new Float64Array(n);
  const perm = new Int32Array(n);
  const wt = computeVectors ? new Float64Array(n * n) : null; // Vᵀ: row j = eigenvector j
  const smallRot = wt !== null && n < WASM_ROT_MIN ? jsRowRotator(wt, n) : null; // made once
  for (let b = 0; b < batch; b++) {
    const off = b * n * n;
    // Read the chosen triangle into the lower triangle of s; check finiteness; find max |a_ij|.
    let amax = 0;
    let chk = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const x = upper ? a[off + j * n + i] : a[off + i * n + j];
        chk += x * 0;
        const ax = Math.abs(x);
        if (ax > amax) amax = ax;
        s[i * n + j] = x;
      }
    }
    if (chk !== 0) {
      w.fill(Number.NaN, b * n, (b + 1) * n);
      if (computeVectors && v !== null) v.fill(Number.NaN, off, off + n * n);
      info[b] = INFO_NONFINITE;
      continue;
    }
    const scale = pow2Scale(amax);
    if (scale !== 1) for (let t = 0; t < n * n; t++) s[t] *= scale;
    tridiagonalize(s, n, d, e, tau, p);
    if (wt !== null) formQt(s, n, tau, wt);
    const rr = wt === null ? null : (smallRot ?? rowRotators([{ data: wt, rows: n, cols: n }])[0]!);
    info[b] = tridiagonalQr(d, e, n, rr);
    rr?.finish();
    // Sort ascending (insertion sort on indices: stable, O(n²) worst case, n is small here).
    for (let i = 0; i < n; i++) {
      const pi = i;
      let j = i;
      while (j > 0 && d[perm[j - 1]] > d[pi]) {
        perm[j] = perm[j - 1];
        j--;
      }
      perm[j] = pi;
    }
    const unscale = 1 / scale;
    for (let j = 0; j < n; j++) w[b * n + j] = d[perm[j]] * unscale;
    if (wt !== null && v !== null) {
      for (let j = 0; j < n; j++) {
        const row = perm[j] * n;
        let big = 0;
        for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(wt[row + i]));
        let sign = 1;
        for (let i = 0; i < n; i++) {
          const x = wt[row + i];
          if (Math.abs(x) >= big * (1 - 1e-8)) {
            sign = x < 0 ? -1 : 1;
            break;
          }
        }
        for (let i = 0; i < n; i++) v[off + i * n + j] = sign * wt[row + i];
      }
    }
  }
}

/**
 * Householder reduction of the symmetric n×n matrix s (lower triangle used) to tridiagonal form
 * T = Qᵀ s Q with diagonal d and off-diagonal e (e[k] = T[k+1][k]). Only the lower triangle is
 * read and updated (half the memory traffic of a full update); reflector k (acting on indices
 * k+1..n−1, u[0] = 1) is kept in the unused upper part of row k, its τ in tau[k]. p: scratch.
 */
function tridiagonalize(
  s: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  p: Float64Array,
): void {
  if (n >= WASM_TRIDIAG_MIN && tridiagonalizeWasm(s, n, d, e, tau)) return;
  for (let k = 0; k < n - 2; k++) {
    const rk = k * n;
    d[k] = s[rk + k];
    for (let i = k + 1; i < n; i++) s[rk + i] = s[i * n + k];
    householder(s, rk + k + 1, n - k - 1);
    const t = refl.tau;
    tau[k] = t;
    e[k] = refl.beta;
    if (t === 0) continue;
    // p = τ·A22·u from the lower triangle (row i gives a dot for p_i and an axpy into p_j, j < i),
    // then w = p − (τ/2)(pᵀu)·u, then A22 ← A22 − u wᵀ − w uᵀ on the lower triangle.
    p.fill(0, k + 1, n);
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const ui = s[rk + i];
      let acc = 0;
      for (let j = k + 1; j < i; j++) {
        const x = s[ri + j];
        acc += x * s[rk + j];
        p[j] += x * ui;
      }
      p[i] += acc + s[ri + i] * ui;
    }
    let pu = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= t;
      pu += p[i] * s[rk + i];
    }
    const kk = 0.5 * t * pu;
    for (let i = k + 1; i < n; i++) p[i] -= kk * s[rk + i];
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const ui = s[rk + i];
      const wi = p[i];
      for (let j = k + 1; j <= i; j++) s[ri + j] -= ui * p[j] + wi * s[rk + j];
    }
  }
  if (n >= 2) {
    d[n - 2] = s[(n - 2) * n + n - 2];
    e[n - 2] = s[(n - 1) * n + n - 2];
  }
  if (n >= 1) d[n - 1] = s[n * n - 1];
}

/** Matrices of at least this order are tridiagonalised with the WebAssembly kernels. */
const WASM_TRIDIAG_MIN = 24;

/**
 * {@link tridiagonalize} on the full symmetric matrix held in the WebAssembly kernel's memory
 * (rows padded to an even length): per reflector, p = τ·A₂₂·u by colacc (A₂₂ is symmetric, so
 * uᵀA₂₂ = (A₂₂u)ᵀ) and A₂₂ −= u·wᵀ + w·uᵀ by two rank1 calls (wasm-level2.ts), twice the flops of
 * the lower-triangle loops but in SIMD. The updates start at an even column; the extra column k
 * they may touch meets zeros in u and w and stays as it is. Reflectors, d, e and tau come out as
 * from the JavaScript loops (s gets the reflectors back). False when the kernels are unavailable.
 */
function tridiagonalizeWasm(
  s: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
): boolean {
  const ld = (n + 1) & ~1;
  const [UR, UC, WR, WC, PC] = [
    n * ld,
    n * ld + n,
    n * ld + n + ld,
    n * ld + 2 * n + ld,
    n * ld + 2 * n + 2 * ld,
  ];
  const w = level2Workspace(PC + ld);
  if (w === null) return false;
  const h = w.heap;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      h[i * ld + j] = s[i * n + j];
      h[j * ld + i] = s[i * n + j];
    }
    if (ld > n) h[i * ld + n] = 0;
  }
  for (let k = 0; k < n - 2; k++) {
    const rk = k * n;
    d[k] = h[k * ld + k];
    for (let i = k + 1; i < n; i++) s[rk + i] = h[i * ld + k];
    householder(s, rk + k + 1, n - k - 1);
    const t = refl.tau;
    tau[k] = t;
    e[k] = refl.beta;
    if (t === 0) continue;
    const c0 = (k + 1) & ~1;
    const rows = n - k - 1;
    const len = ld - c0;
    // u by rows (k+1..n) and by columns (c0..ld, zero outside k+1..n).
    for (let i = k + 1; i < n; i++) h[UR + i - k - 1] = s[rk + i];
    for (let j = c0; j < ld; j++) h[UC + j - c0] = j > k && j < n ? s[rk + j] : 0;
    const m0 = (k + 1) * ld + c0;
    w.colacc(m0, ld, UR, rows, PC, len); // (A₂₂u) by columns
    let pu = 0;
    for (let j = k + 1; j < n; j++) {
      h[PC + j - c0] *= t;
      pu += h[PC + j - c0] * s[rk + j];
    }
    const kk = 0.5 * t * pu;
    for (let j = c0; j < ld; j++) {
      const wj = j > k && j < n ? h[PC + j - c0] - kk * s[rk + j] : 0;
      h[WC + j - c0] = wj;
      if (j > k && j < n) h[WR + j - k - 1] = wj;
    }
    w.rank1(m0, ld, UR, rows, WC, len, 1);
    w.rank1(m0, ld, WR, rows, UC, len, 1);
  }
  if (n >= 2) {
    d[n - 2] = h[(n - 2) * ld + n - 2];
    e[n - 2] = h[(n - 1) * ld + n - 2];
  }
  if (n >= 1) d[n - 1] = h[(n - 1) * ld + n - 1];
  return true;
}

/**
 * wt ← Qᵀ = H_{n−3} ⋯ H_0, accumulated backwards by right multiplication (wt ← wt·H_k), which
 * only changes the block [k+1.., k+1..]. Row-contiguous dot products and updates; for large n,
 * in blocks of reflectors through GEMM (qr-blocked.ts).
 */
function formQt(s: Float64Array, n: number, tau: Float64Array, wt: Float64Array): void {
  if (n - 2 >= REFLECTOR_BLOCKED_MIN) {
    // Q = H_0⋯H_{n−3} by blocks of reflectors in GEMM, then wt = Qᵀ.
    const qm = new Float64Array(n * n);
    reflectorProduct(s, n, 1, n - 2, tau, n, n, qm, 0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) wt[j * n + i] = qm[i * n + j]!;
    return;
  }
  wt.fill(0);
  for (let i = 0; i < n; i++) wt[i * n + i] = 1;
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    const rk = k * n;
    for (let r = k + 1; r < n; r++) {
      const rr = r * n;
      let dot = 0;
      for (let c = k + 1; c < n; c++) dot += wt[rr + c] * s[rk + c];
      dot *= t;
      for (let c = k + 1; c < n; c++) wt[rr + c] -= dot * s[rk + c];
    }
  }
}

/**
 * e[i] is negligible next to its diagonal neighbours, or next to ‖T‖ (`tol` = eps·max|T|): without
 * the second test a block of entries 1e-300 times ‖T‖ (a matrix of wide dynamic range) iterates in
 * underflow and does not converge; deflating there is a backward error below eps·‖T‖.
 */
function negligible(d: Float64Array, e: Float64Array, i: number, tol: number): boolean {
  const x = Math.abs(e[i]);
  return x <= tol || x <= EPS * (Math.abs(d[i]) + Math.abs(d[i + 1]));
}

/**
 * Implicit symmetric QR with Wilkinson shifts on the tridiagonal (d, e), deflating from the
 * bottom. Each rotation T ← R T Rᵀ on indices (k, k+1) is also applied to rows k, k+1 of wt
 * (= Vᵀ, through a row rotator: WebAssembly SIMD where available) when given. Returns 0, or the number of unconverged off-diagonals after the step limit.
 */
function tridiagonalQr(d: Float64Array, e: Float64Array, n: number, wt: RowRotator | null): number {
  const maxSteps = MAX_STEPS_PER_ROW * n;
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
  const tol = EPS * tnorm;
  let steps = 0;
  let h = n - 1;
  while (h > 0) {
    if (negligible(d, e, h - 1, tol)) {
      e[h - 1] = 0;
      h--;
      continue;
    }
    let l = h - 1;
    while (l > 0 && !negligible(d, e, l - 1, tol)) l--;
    if (l > 0) e[l - 1] = 0;
    if (steps++ >= maxSteps) {
      let bad = 0;
      for (let i = 0; i < h; i++) if (e[i] !== 0) bad++;
      return Math.max(bad, 1);
    }
    // Wilkinson shift: the eigenvalue of the trailing 2×2 block closer to d[h].
    const delta = 0.5 * (d[h - 1] - d[h]);
    const f = e[h - 1];
    const den = delta + (delta >= 0 ? 1 : -1) * hypot(delta, f);
    const mu = den === 0 ? d[h] : d[h] - f * (f / den);
    let x = d[l] - mu;
    let z = e[l];
    for (let k = l; k < h; k++) {
      givens(x, z);
      const c = rot.c;
      const sn = rot.s;
      if (k > l) e[k - 1] = rot.r;
      const ak = d[k];
      const bk = d[k + 1];
      const fk = e[k];
      const cs = c * sn;
      d[k] = c * c * ak + 2 * cs * fk + sn * sn * bk;
      d[k + 1] = sn * sn * ak - 2 * cs * fk + c * c * bk;
      e[k] = cs * (bk - ak) + (c * c - sn * sn) * fk;
      if (k < h - 1) {
        z = sn * e[k + 1];
        e[k + 1] *= c;
        x = e[k];
      }
      if (wt !== null) wt.rotate(k, k + 1, c, sn);
    }
  }
  return 0;
}
