/**
 * Symmetric eigendecomposition: Householder tridiagonalisation followed by the implicit symmetric
 * QR iteration with Wilkinson shifts (Golub & Van Loan, Matrix Computations, §8.3).
 */

import { jsRowRotator, level2Workspace, type RowRotator, rowRotators, WASM_ROT_MIN } from '../wasm-gemm.js';
import { type FloatArray, givens, householder, hypot, INFO_NONFINITE, pow2Scale, refl, rot } from './qr.js';
import { applyReflectors, REFLECTOR_BLOCKED_MIN, reflectorProduct } from './qr-blocked.js';
import { type LeafSolver, tridiagonalEigDC } from './tridiag-dc.js';

const EPS = 2 ** -52;
/** Limit on implicit QR steps per matrix, per row (LAPACK dsteqr uses 30·n too). */
const MAX_STEPS_PER_ROW = 30;
/** Eigenvectors of matrices of at least this order come from divide and conquer (tridiag-dc.ts). */
export const EIGH_DC_MIN = 64;

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
  const dc =
    computeVectors && n >= EIGH_DC_MIN ? { z: new Float64Array(n * n), d0: d.slice(), e0: e.slice() } : null;
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
    if (dc !== null && v !== null && eighDC(s, n, d, e, tau, dc)) {
      const unscale = 1 / scale;
      for (let j = 0; j < n; j++) w[b * n + j] = d[j] * unscale;
      writeColumns(dc.z, n, v, off);
      info[b] = 0;
      continue;
    }
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

/** The implicit QR iteration as divide and conquer's leaf solver (vectors as rows). */
const leafQr: LeafSolver = (d, e, m, rows) => tridiagonalQr(d, e, m, jsRowRotator(rows, m));

/**
 * Eigenpairs of the tridiagonal (d, e) by divide and conquer into d (ascending) and dc.z, then
 * z ← Q·z with the tridiagonalisation's reflectors (in s): the eigenvectors of A as columns.
 * False (d and e restored) when divide and conquer did not converge: the caller then runs the
 * QR iteration, which reports non-convergence its own way.
 */
function eighDC(
  s: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  dc: { z: Float64Array; d0: Float64Array; e0: Float64Array },
): boolean {
  dc.d0.set(d);
  dc.e0.set(e);
  if (!tridiagonalEigDC(d, e, n, dc.z, leafQr)) {
    d.set(dc.d0);
    e.set(dc.e0);
    return false;
  }
  applyReflectors(s, n, 1, Math.max(n - 2, 0), tau, n, n, dc.z, 0);
  return true;
}

/**
 * v[off..] ← the n×n matrix z (eigenvectors as columns), each column's sign chosen as eigh's
 * convention says (largest-magnitude component positive, the lowest index among near-ties).
 */
function writeColumns(z: Float64Array, n: number, v: FloatArray, off: number): void {
  for (let j = 0; j < n; j++) {
    let big = 0;
    for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(z[i * n + j]));
    let sign = 1;
    for (let i = 0; i < n; i++) {
      const x = z[i * n + j];
      if (Math.abs(x) >= big * (1 - 1e-8)) {
        sign = x < 0 ? -1 : 1;
        break;
      }
    }
    for (let i = 0; i < n; i++) v[off + i * n + j] = sign * z[i * n + j];
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
 * (rows padded to an even length), one pass over the trailing block per reflector: the rank-2
 * update A₂₂ −= u·wᵀ + w·uᵀ of step k is fused with the next step's p = A₂₂·u′ (rank2acc,
 * wasm-level2.ts; A₂₂ is symmetric, so uᵀA₂₂ = (A₂₂u)ᵀ), the next reflector u′ being formed first
 * from column k+1 updated on its own. Twice the flops of the lower-triangle loops, but in SIMD and
 * with one read and one write of the block per step. The passes start at an even column; the
 * extra column they may touch meets zeros in u and w, and what it adds to p is never read.
 * Reflectors, d, e and tau come out as from the JavaScript loops up to rounding (s gets the
 * reflectors back). False when the kernels are unavailable.
 */
function tridiagonalizeWasm(
  s: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
): boolean {
  const ld = (n + 1) & ~1;
  const [UR, UC, WR, WC, PC, UN] = [
    n * ld,
    n * ld + n,
    n * ld + n + ld,
    n * ld + 2 * n + ld,
    n * ld + 2 * n + 2 * ld,
    n * ld + 2 * n + 3 * ld,
  ];
  const w = level2Workspace(UN + n);
  if (w === null) return false;
  const h = w.heap;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      h[i * ld + j] = s[i * n + j];
      h[j * ld + i] = s[i * n + j];
    }
    if (ld > n) h[i * ld + n] = 0;
  }
  if (n >= 3) {
    // Reflector 0 from column 0, and p = A₂₂·u by columns (from column pBase on).
    d[0] = h[0];
    for (let i = 1; i < n; i++) s[i] = h[i * ld];
    householder(s, 1, n - 1);
    tau[0] = refl.tau;
    e[0] = refl.beta;
    for (let i = 1; i < n; i++) h[UR + i - 1] = s[i];
    w.colacc(ld, ld, UR, n - 1, PC, ld);
  }
  let pBase = 0;
  for (let k = 0; k < n - 2; k++) {
    const rk = k * n;
    const t = tau[k];
    const c0 = (k + 1) & ~1;
    const rows = n - k - 1;
    const len = ld - c0;
    // u by rows (k+1..n, in UR already) and by columns (c0..ld, zero outside k+1..n); w likewise.
    for (let j = c0; j < ld; j++) h[UC + j - c0] = j > k && j < n ? s[rk + j] : 0;
    let pu = 0;
    for (let j = k + 1; j < n; j++) {
      h[PC + j - pBase] *= t;
      pu += h[PC + j - pBase] * s[rk + j];
    }
    const kk = 0.5 * t * pu;
    for (let j = c0; j < ld; j++) {
      const wj = j > k && j < n ? h[PC + j - pBase] - kk * s[rk + j] : 0;
      h[WC + j - c0] = wj;
      if (j > k && j < n) h[WR + j - k - 1] = wj;
    }
    // The next reflector, from column k+1 after this step's update (rows k+1..n): its u by rows,
    // with a zero for row k+1, is what the fused pass multiplies the updated block by.
    const k1 = k + 1;
    const next = k1 < n - 2;
    if (next) {
      const r1 = k1 * n;
      const uj = h[UC + k1 - c0];
      const wj = h[WC + k1 - c0];
      d[k1] = h[k1 * ld + k1] - (h[UR] * wj + h[WR] * uj);
      for (let i = k1 + 1; i < n; i++) {
        const x = h[UR + i - k1] * wj + h[WR + i - k1] * uj;
        s[r1 + i] = h[i * ld + k1] - x;
      }
      householder(s, r1 + k1 + 1, n - k1 - 1);
      tau[k1] = refl.tau;
      e[k1] = refl.beta;
      h[UN] = 0;
      for (let i = k1 + 1; i < n; i++) h[UN + i - k1] = s[r1 + i];
    } else h.fill(0, UN, UN + rows);
    w.rank2acc(k1 * ld + c0, ld, UR, WR, UN, rows, UC, WC, PC, len);
    pBase = c0;
    if (next) for (let i = 0; i < rows - 1; i++) h[UR + i] = h[UN + 1 + i];
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
