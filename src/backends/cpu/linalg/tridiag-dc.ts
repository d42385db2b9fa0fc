/**
 * Eigenvectors of a symmetric tridiagonal matrix by divide and conquer (Cuppen's method, as
 * LAPACK dstedc / dlaed0–dlaed4 organise it; Golub & Van Loan §8.4.4): T is split in two halves
 * coupled by a rank-one term, each half is solved recursively (small ones by the implicit QR
 * iteration), and the two are merged by the eigen-decomposition of D + ρ·z·zᵀ:
 * - deflation: components with ρ|z_i| ≤ tol, and pairs of nearly equal d whose coupling after a
 *   Givens rotation is ≤ tol, keep their eigenpair (tol = 8·eps·max(‖D‖, ρ‖z‖∞): a backward
 *   error of that size);
 * - the secular equation 1 + ρ Σ z_j²/(d_j − λ) = 0 is solved per root with the origin at the
 *   closer pole (λ = d_origin + τ, so each d_j − λ is formed as (d_j − d_origin) − τ without
 *   cancellation), by a two-pole rational model (ψ and φ each matched in value and slope) kept
 *   inside a bisection bracket;
 * - z is recomputed from the computed roots (Gu & Eisenstat, by Löwner's formula) so that the
 *   vectors ẑ_i/(d_i − λ_j) are orthogonal to working precision however close the roots are;
 * - the eigenvectors of T are the children's vectors times those of D + ρ·z·zᵀ: two matrix
 *   products (top and bottom halves, each only over the columns nonzero there) in the GEMM.
 * Eigenvector flops are about (4/3)·n³·(fraction not deflated)², mostly in GEMM, against the
 * ~6·n³ of rotations of the QR iteration.
 */
import { gemm } from './triangular.js';

const EPS = 2 ** -52;

/** Subproblems of at most this order are solved by the leaf solver. */
export const DC_LEAF = 24;

/**
 * Leaf solver: eigen-decomposition of the tridiagonal (d, e) of order m in place, with `rows`
 * (m×m, the identity on entry) receiving the eigenvectors as ROWS (row j belongs to d[j], in any
 * order). Returns 0, or > 0 when it did not converge.
 */
export type LeafSolver = (d: Float64Array, e: Float64Array, m: number, rows: Float64Array) => number;

/**
 * Eigenvalues (into d, ascending) and eigenvectors (into z, n×n row-major, column j belongs to
 * d[j]) of the symmetric tridiagonal T with diagonal d and off-diagonal e (e[i] = T[i+1][i]; e
 * is used as scratch). Returns false when a leaf or a secular equation did not converge (d, e
 * and z then hold garbage: the caller keeps copies to fall back on).
 */
export function tridiagonalEigDC(
  d: Float64Array,
  e: Float64Array,
  n: number,
  z: Float64Array,
  leaf: LeafSolver,
): boolean {
  z.fill(0, 0, n * n);
  return solve(d, e, n, z, 0, n, leaf);
}

function solve(
  d: Float64Array,
  e: Float64Array,
  n: number,
  z: Float64Array,
  lo: number,
  hi: number,
  leaf: LeafSolver,
): boolean {
  const m = hi - lo;
  if (m <= DC_LEAF) return solveLeaf(d, e, n, z, lo, m, leaf);
  const k = lo + (m >> 1);
  const beta = e[k - 1]!;
  const ab = Math.abs(beta);
  d[k - 1] -= ab;
  d[k] -= ab;
  if (!solve(d, e, n, z, lo, k, leaf) || !solve(d, e, n, z, k, hi, leaf)) return false;
  return merge(d, n, z, lo, k, hi, ab, beta < 0 ? -1 : 1);
}

function solveLeaf(
  d: Float64Array,
  e: Float64Array,
  n: number,
  z: Float64Array,
  lo: number,
  m: number,
  leaf: LeafSolver,
): boolean {
  const ld = d.slice(lo, lo + m);
  const le = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) le[i] = e[lo + i]!;
  const rows = new Float64Array(m * m);
  for (let i = 0; i < m; i++) rows[i * m + i] = 1;
  if (leaf(ld, le, m, rows) !== 0) return false;
  const perm = sortedOrder(ld, m);
  for (let j = 0; j < m; j++) {
    const src = perm[j]! * m;
    d[lo + j] = ld[perm[j]!]!;
    for (let i = 0; i < m; i++) z[(lo + i) * n + lo + j] = rows[src + i]!;
  }
  return true;
}

/** Indices of x[0..m) in ascending order of value (stable insertion sort). */
function sortedOrder(x: Float64Array, m: number): Int32Array {
  const perm = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let j = i;
    while (j > 0 && x[perm[j - 1]!]! > x[i]!) {
      perm[j] = perm[j - 1]!;
      j--;
    }
    perm[j] = i;
  }
  return perm;
}

/**
 * Merges the solved halves [lo, k) and [k, hi): T = diag(Q1, Q2)·(D + ρ·z·zᵀ)·diag(Q1, Q2)ᵀ with
 * z = (last row of Q1, sign·first row of Q2)/√2 and ρ = 2|β|.
 */
function merge(
  d: Float64Array,
  n: number,
  z: Float64Array,
  lo: number,
  k: number,
  hi: number,
  ab: number,
  sign: number,
): boolean {
  const m = hi - lo;
  const n1 = k - lo;
  // The children's eigenvectors, a dense m×m copy (q[r*m + c]); kind[c]: 1 nonzero in the top
  // n1 rows only, 2 in the bottom only, 3 both (after a deflating rotation mixed two columns).
  const q = new Float64Array(m * m);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) q[r * m + c] = z[(lo + r) * n + lo + c]!;
  const kind = new Uint8Array(m);
  const dd = d.slice(lo, hi);
  const zz = new Float64Array(m);
  const s2 = Math.SQRT1_2;
  for (let c = 0; c < m; c++) {
    kind[c] = c < n1 ? 1 : 2;
    zz[c] = c < n1 ? q[(n1 - 1) * m + c]! * s2 : sign * q[n1 * m + c]! * s2;
  }
  const rho = 2 * ab;
  // Columns in ascending order of dd (merging the two sorted halves).
  const order = new Int32Array(m);
  for (let i = 0, a = 0, b = n1; i < m; i++) {
    if (b >= m || (a < n1 && dd[a]! <= dd[b]!)) order[i] = a++;
    else order[i] = b++;
  }
  let dmax = 0;
  let zmax = 0;
  for (let c = 0; c < m; c++) {
    dmax = Math.max(dmax, Math.abs(dd[c]!));
    zmax = Math.max(zmax, Math.abs(zz[c]!));
  }
  const tol = 8 * EPS * Math.max(dmax, rho * zmax);
  const live: number[] = []; // non-deflated columns, ascending dd
  const dead: number[] = []; // deflated columns (their eigenpair is (dd[c], q[:, c]))
  for (let i = 0; i < m; i++) {
    const c = order[i]!;
    if (rho * Math.abs(zz[c]!) <= tol) {
      dead.push(c);
      continue;
    }
    const p = live.length > 0 ? live[live.length - 1]! : -1;
    if (p >= 0) {
      // Rotate (p, c) so that z_p = 0; deflate p when the coupling this leaves is negligible.
      const t = Math.hypot(zz[p]!, zz[c]!);
      const cs = zz[c]! / t;
      const sn = zz[p]! / t;
      if (Math.abs((dd[c]! - dd[p]!) * cs * sn) <= tol) {
        zz[p] = 0;
        zz[c] = t;
        const dp = dd[p]!;
        const dc = dd[c]!;
        dd[p] = cs * cs * dp + sn * sn * dc;
        dd[c] = sn * sn * dp + cs * cs * dc;
        for (let r = 0; r < m; r++) {
          const x = q[r * m + p]!;
          const y = q[r * m + c]!;
          q[r * m + p] = cs * x - sn * y;
          q[r * m + c] = sn * x + cs * y;
        }
        kind[p] |= kind[c]!;
        kind[c] = kind[p]!;
        live[live.length - 1] = c;
        dead.push(p);
        continue;
      }
    }
    live.push(c);
  }
  const K = live.length;
  const lam = new Float64Array(K); // λ_j = dl[org_j] + tau_j
  const vecs = new Float64Array(K * K); // eigenvectors of D + ρ·ẑ·ẑᵀ, column j for λ_j
  if (K > 0 && !secularVectors(live, dd, zz, rho, lam, vecs)) return false;
  // New eigenvectors of the live part: rows [0, n1) from the columns with a top part, rows
  // [n1, m) from those with a bottom part.
  const out = new Float64Array(m * K);
  for (const [r0, r1, bit] of [
    [0, n1, 1],
    [n1, m, 2],
  ] as const) {
    const cols: number[] = [];
    for (let j = 0; j < K; j++) if (kind[live[j]!]! & bit) cols.push(j);
    const kc = cols.length;
    if (kc === 0) continue;
    const rows = r1 - r0;
    const a = new Float64Array(rows * kc);
    const b = new Float64Array(kc * K);
    for (let r = 0; r < rows; r++)
      for (let t = 0; t < kc; t++) a[r * kc + t] = q[(r0 + r) * m + live[cols[t]!]!]!;
    for (let t = 0; t < kc; t++) b.set(vecs.subarray(cols[t]! * K, cols[t]! * K + K), t * K);
    gemm(1, a, 0, kc, 1, b, 0, K, out, r0 * K, K, rows, K, kc);
  }
  // Write back in ascending order of eigenvalue (live roots and deflated values merged), row by
  // row: src[pos] ≥ 0 is a live root's column of out, −1 − c a deflated column c of q.
  const deadOrder = dead.slice().sort((x, y) => dd[x]! - dd[y]! || x - y);
  const src = new Int32Array(m);
  for (let pos = 0, a = 0, b = 0; pos < m; pos++) {
    if (b >= deadOrder.length || (a < K && lam[a]! <= dd[deadOrder[b]!]!)) {
      d[lo + pos] = lam[a]!;
      src[pos] = a++;
    } else {
      const c = deadOrder[b++]!;
      d[lo + pos] = dd[c]!;
      src[pos] = -1 - c;
    }
  }
  for (let r = 0; r < m; r++) {
    const zr = (lo + r) * n + lo;
    const or = r * K;
    const qr = r * m;
    for (let pos = 0; pos < m; pos++) {
      const t = src[pos]!;
      z[zr + pos] = t >= 0 ? out[or + t]! : q[qr - 1 - t]!;
    }
  }
  return true;
}

/**
 * Roots λ_0 < … < λ_{K−1} of 1 + ρ Σ z_j²/(d_j − λ) over the live columns (d ascending, z ≠ 0,
 * ρ > 0) into lam, and the orthonormal eigenvectors of D + ρ·ẑ·ẑᵀ (ẑ from the roots) into vecs
 * (K×K row-major, column j for λ_j). False when an equation did not converge.
 */
function secularVectors(
  live: number[],
  dAll: Float64Array,
  zAll: Float64Array,
  rho: number,
  lam: Float64Array,
  vecs: Float64Array,
): boolean {
  const K = live.length;
  const d = new Float64Array(K);
  const z = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    d[j] = dAll[live[j]!]!;
    z[j] = zAll[live[j]!]!;
  }
  // delta[j*K + i] = d_i − λ_j, formed as (d_i − d_org) − τ.
  const delta = new Float64Array(K * K);
  const dl = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    const org = secularRoot(d, z, rho, K, j, dl);
    if (org === null) return false;
    lam[j] = d[org.index]! + org.tau;
    for (let i = 0; i < K; i++) delta[j * K + i] = d[i]! - d[org.index]! - org.tau;
  }
  // Löwner: ẑ_i² = Π_j (λ_j − d_i) / (ρ Π_{j≠i} (d_j − d_i)), paired so each ratio is in [0, 1).
  const zh = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let prod = -delta[(K - 1) * K + i]! / rho;
    for (let j = 0; j < i; j++) prod *= delta[j * K + i]! / (d[i]! - d[j]!);
    for (let j = i + 1; j < K; j++) prod *= delta[(j - 1) * K + i]! / (d[i]! - d[j]!);
    zh[i] = Math.sqrt(Math.max(prod, 0)) * (z[i]! < 0 ? -1 : 1);
  }
  for (let j = 0; j < K; j++) {
    let nrm = 0;
    for (let i = 0; i < K; i++) {
      const x = zh[i]! / delta[j * K + i]!;
      vecs[i * K + j] = x;
      nrm += x * x;
    }
    const inv = 1 / Math.sqrt(nrm);
    for (let i = 0; i < K; i++) vecs[i * K + j]! *= inv;
  }
  return true;
}

const MAX_SECULAR_STEPS = 200;

/**
 * Root j of 1 + ρ Σ_i z_i²/(d_i − λ) (d ascending): λ = d[index] + tau, the origin being the
 * closer pole. `dl` is scratch (d_i − d_origin). Null when it did not converge.
 */
function secularRoot(
  d: Float64Array,
  z: Float64Array,
  rho: number,
  K: number,
  j: number,
  dl: Float64Array,
): { index: number; tau: number } | null {
  if (K === 1) return { index: 0, tau: rho * z[0]! * z[0]! };
  const last = j === K - 1;
  // Poles of the two-pole model: a < b (the interval (d_j, d_{j+1}), or (d_{K−2}, d_{K−1}) with
  // the root beyond b for the last one); ψ sums the terms i ≤ ia, φ the rest.
  const ia = last ? K - 2 : j;
  let index: number;
  let lo: number;
  let hi: number;
  if (last) {
    index = K - 1;
    let zz = 0;
    for (let i = 0; i < K; i++) zz += z[i]! * z[i]!;
    lo = 0;
    hi = rho * zz;
  } else {
    const gap = d[j + 1]! - d[j]!;
    const mid = gap / 2;
    let f = 1;
    for (let i = 0; i < K; i++) f += (rho * z[i]! * z[i]!) / (d[i]! - d[j]! - mid);
    if (f >= 0) {
      index = j;
      lo = 0;
      hi = mid;
    } else {
      index = j + 1;
      lo = -mid;
      hi = 0;
    }
  }
  const org = d[index]!;
  for (let i = 0; i < K; i++) dl[i] = d[i]! - org;
  const pa = dl[ia]!;
  const pb = dl[ia + 1]!;
  let tau = last ? hi / 2 : (lo + hi) / 2;
  for (let step = 0; step < MAX_SECULAR_STEPS; step++) {
    let psi = 0;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    for (let i = 0; i <= ia; i++) {
      const t = z[i]! / (dl[i]! - tau);
      psi += z[i]! * t;
      dpsi += t * t;
    }
    for (let i = ia + 1; i < K; i++) {
      const t = z[i]! / (dl[i]! - tau);
      phi += z[i]! * t;
      dphi += t * t;
    }
    psi *= rho;
    dpsi *= rho;
    phi *= rho;
    dphi *= rho;
    const f = 1 + psi + phi;
    // Stop at the rounding level of f itself (as LAPACK dlaed4's bound, in units of ρ).
    const ftol = EPS * (8 * (Math.abs(psi) + Math.abs(phi)) + 3 + Math.abs(tau) * (dpsi + dphi));
    if (Math.abs(f) <= ftol) return { index, tau };
    if (f < 0) lo = tau;
    else hi = tau;
    if (hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) return { index, tau: (lo + hi) / 2 };
    // Two-pole model ĉ + B1/(pa − x) + B2/(pb − x), matching ψ and φ in value and slope at τ.
    const da = pa - tau;
    const db = pb - tau;
    const b1 = dpsi * da * da;
    const b2 = dphi * db * db;
    const c = f - b1 / da - b2 / db;
    // c·η² − a·η + b = 0 for the step η = x − τ.
    const a = c * (da + db) + b1 + b2;
    const b = da * db * f;
    let next = Number.NaN;
    const disc = a * a - 4 * b * c;
    if (disc >= 0) {
      const s = Math.sqrt(disc);
      const qq = (a + (a >= 0 ? s : -s)) / 2;
      const r1 = qq !== 0 ? b / qq : Number.NaN;
      const r2 = c !== 0 ? qq / c : Number.NaN;
      const x1 = tau + r1;
      const x2 = tau + r2;
      if (x1 > lo && x1 < hi) next = x1;
      else if (x2 > lo && x2 < hi) next = x2;
    }
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - tau) <= EPS * Math.abs(next)) return { index, tau: next };
    tau = next;
  }
  return null;
}
