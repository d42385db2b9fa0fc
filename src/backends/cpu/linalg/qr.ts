/**
 * Householder QR, plus the small orthogonal-transformation helpers (Householder reflectors,
 * Givens rotations, power-of-two scaling) shared by the spectral kernels `eigh` and `svd`.
 * All arithmetic is done in JS doubles on Float64Array scratch; outputs take the input's precision.
 * Large matrices are factored in panels with the compact WY form (qr-blocked.ts).
 */
import type { FloatArray } from '../../backend.js';
import { blockedFactor, blockedQ } from './qr-blocked.js';

export type { FloatArray } from '../../backend.js';

/** Matrices with min(m, n) at least this are factored blocked (most flops in GEMM). */
const QR_BLOCKED_MIN = 64;

/** Output modes of `qr`, as in torch.linalg.qr. */
export type QrMode = 'reduced' | 'complete' | 'r';

/**
 * `info` value of `eigh` and `svd` for a batch element whose input holds NaN or ±Inf (its outputs
 * are then all NaN). Positive values mean non-convergence, 0 success.
 */
export const INFO_NONFINITE = -1;

/** Result of the last `householder` call (module scratch, so hot loops never allocate). */
export const refl = { tau: 0, beta: 0 };

/** Result of the last `givens` call: c = y/r, s = z/r, r = hypot(y, z) ≥ 0. */
export const rot = { c: 1, s: 0, r: 0 };

/** hypot(a, b) without overflow or harmful underflow (Math.hypot is slow in V8). */
export function hypot(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  if (a < b) {
    const t = a;
    a = b;
    b = t;
  }
  if (a === 0) return b; // 0, or NaN when b is NaN
  const t = b / a;
  return a * Math.sqrt(1 + t * t);
}

/**
 * Householder reflector (LAPACK dlarfg convention). On entry buf[off .. off+len) holds x; on exit
 * it holds u with u[0] = 1, and `refl` holds τ and β such that (I − τ u uᵀ) x = β e₁ with
 * β = −sign(x₀)‖x‖ (sign(0) = +1) and τ ∈ [1, 2]. When x₁.. are all zero, τ = 0 and β = x₀ (so β
 * may be negative). The norm is computed with scaling (no overflow/underflow). A NaN or ±Inf in x
 * gives τ = β = NaN and u = NaN, so that NaN propagates to every output it touches.
 */
export function householder(buf: Float64Array, off: number, len: number): void {
  const x0 = buf[off];
  let amax = 0;
  let chk = x0 * 0; // NaN iff some entry is NaN or ±Inf
  for (let i = off + 1; i < off + len; i++) {
    const t = buf[i];
    chk += t * 0;
    const at = Math.abs(t);
    if (at > amax) amax = at;
  }
  if (chk !== 0) {
    refl.tau = Number.NaN;
    refl.beta = Number.NaN;
    buf.fill(Number.NaN, off, off + len);
    return;
  }
  if (amax === 0) {
    refl.tau = 0;
    refl.beta = x0;
    buf[off] = 1;
    return;
  }
  const sc = Math.max(amax, Math.abs(x0));
  let ss = (x0 / sc) * (x0 / sc);
  for (let i = off + 1; i < off + len; i++) {
    const t = buf[i] / sc;
    ss += t * t;
  }
  if (sc < 2 ** -900) {
    // A (nearly) subnormal column: u0, β and τ as subnormals keep a few bits only, and τ·uᵀu ≠ 2
    // by as much (Q, V non-orthogonal by 1e-4). Form them in units of sc instead (LAPACK dlarfg
    // rescales the same way); the ratios x_i / u0 are unchanged.
    const xs = x0 / sc;
    const ns = Math.sqrt(ss);
    const bs = xs >= 0 ? -ns : ns;
    const us = xs - bs;
    for (let i = off + 1; i < off + len; i++) buf[i] = buf[i] / sc / us;
    buf[off] = 1;
    refl.tau = -us / bs;
    refl.beta = bs * sc;
    return;
  }
  const norm = sc * Math.sqrt(ss);
  const beta = x0 >= 0 ? -norm : norm;
  const u0 = x0 - beta; // |u0| ∈ [‖x‖, 2‖x‖]: no cancellation
  for (let i = off + 1; i < off + len; i++) buf[i] /= u0;
  buf[off] = 1;
  refl.tau = -u0 / beta;
  refl.beta = beta;
}

/** Givens rotation: sets `rot` so that [c s; −s c]·[y; z] = [r; 0] (c = 1, s = 0 when y = z = 0). */
export function givens(y: number, z: number): void {
  if (z === 0) {
    rot.c = y < 0 ? -1 : 1;
    rot.s = 0;
    rot.r = Math.abs(y);
  } else if (Math.abs(y) >= Math.abs(z)) {
    const t = z / y;
    const u = Math.sqrt(1 + t * t);
    const c = (y < 0 ? -1 : 1) / u;
    rot.c = c;
    rot.s = t * c;
    rot.r = Math.abs(y) * u;
  } else {
    const t = y / z;
    const u = Math.sqrt(1 + t * t);
    const s = (z < 0 ? -1 : 1) / u;
    rot.s = s;
    rot.c = t * s;
    rot.r = Math.abs(z) * u;
  }
}

/**
 * Power of two p such that amax·p ∈ [1, 2) (clamped to the normal range), used to scale a matrix
 * exactly before an iteration so that squares of its entries neither overflow nor underflow.
 */
export function pow2Scale(amax: number): number {
  if (!(amax > 0) || !Number.isFinite(amax)) return 1;
  const e = Math.min(1022, Math.max(-1022, -Math.floor(Math.log2(amax))));
  return 2 ** e;
}

/**
 * Batched Householder QR, like torch.linalg.qr: A = Q R for each of `batch` row-major m×n
 * matrices stored back to back in `a`; k = min(m, n).
 * - 'reduced': q is m×k with orthonormal columns, r is k×n upper triangular.
 * - 'complete': q is m×m orthogonal, r is m×n upper triangular (rows k.. are zero).
 * - 'r': only r (k×n) is written; q may be null.
 * Outputs are back to back per batch element, in the precision of q/r (normally that of a).
 * Sign convention as LAPACK geqrf/orgqr (and PyTorch): reflectors H_j = I − τ u uᵀ with
 * β = −sign(a_jj)‖x‖, so R's diagonal may be negative; a column that is already zero below the
 * diagonal gets τ = 0 (H = I) and keeps its diagonal entry as is. Q = H_0 H_1 ⋯ H_{k−1}.
 * Q has orthonormal columns (to rounding) even for rank-deficient A. A NaN/Inf in A propagates
 * as NaN into the columns of R and Q it reaches; there is no iteration, so it always terminates.
 * Internally Aᵀ and Qᵀ are stored, so that each reflector is applied by one dot product and one
 * axpy per contiguous row (one pass over the trailing matrix, each row reused from L1); from
 * min(m, n) = 64 on, panels of reflectors are applied as blocks instead (qr-blocked.ts).
 */
export function qr(
  a: FloatArray,
  batch: number,
  m: number,
  n: number,
  q: FloatArray | null,
  r: FloatArray,
  mode: QrMode,
): void {
  const k = Math.min(m, n);
  const rRows = mode === 'complete' ? m : k;
  const qCols = mode === 'complete' ? m : k;
  const wantQ = mode !== 'r';
  if (wantQ && q === null) throw new Error(`qr: mode '${mode}' needs an output array for Q`);
  const at = new Float64Array(n * m); // Aᵀ; row j ends up holding reflector j from column j on
  const taus = new Float64Array(k);
  const diag = new Float64Array(k);
  const qt = wantQ ? new Float64Array(qCols * m) : null; // Qᵀ
  const blocked = k >= QR_BLOCKED_MIN;
  const w = blocked ? new Float64Array(m * n) : null;
  const q64 = blocked && wantQ && !(q instanceof Float64Array) ? new Float64Array(m * qCols) : null;
  for (let b = 0; b < batch; b++) {
    const aOff = b * m * n;
    if (w !== null) {
      for (let i = 0; i < m * n; i++) w[i] = a[aOff + i]!;
      const panels = blockedFactor(w, m, n, diag);
      const rOff = b * rRows * n;
      r.fill(0, rOff, rOff + rRows * n);
      for (let i = 0; i < k; i++) {
        r[rOff + i * n + i] = diag[i]!;
        for (let c = i + 1; c < n; c++) r[rOff + i * n + c] = w[i * n + c]!;
      }
      if (wantQ && q !== null) {
        const qOff = b * m * qCols;
        if (q64 === null) blockedQ(panels, m, qCols, q as Float64Array, qOff);
        else {
          blockedQ(panels, m, qCols, q64, 0);
          for (let i = 0; i < m * qCols; i++) q[qOff + i] = q64[i]!;
        }
      }
      continue;
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) at[j * m + i] = a[aOff + i * n + j];
    for (let j = 0; j < k; j++) {
      householder(at, j * m + j, m - j);
      taus[j] = refl.tau;
      diag[j] = refl.beta;
      applyRight(at, m, at, j * m, j + 1, n, j, m, refl.tau);
    }
    // R[i][c] = Aᵀ[c][i] for i < c; the diagonal was saved before row i took the reflector.
    const rOff = b * rRows * n;
    r.fill(0, rOff, rOff + rRows * n);
    for (let i = 0; i < k; i++) {
      r[rOff + i * n + i] = diag[i];
      for (let c = i + 1; c < n; c++) r[rOff + i * n + c] = at[c * m + i];
    }
    if (qt !== null && q !== null) {
      // Backward accumulation of Q = H_0 ⋯ H_{k−1}·E, as Qᵀ ← Qᵀ·H_j on rows j.., columns j...
      qt.fill(0);
      for (let i = 0; i < qCols; i++) qt[i * m + i] = 1;
      for (let j = k - 1; j >= 0; j--) applyRight(qt, m, at, j * m, j, qCols, j, m, taus[j]);
      const qOff = b * m * qCols;
      for (let c = 0; c < qCols; c++) for (let i = 0; i < m; i++) q[qOff + i * qCols + c] = qt[c * m + i];
    }
  }
}

/**
 * mat[r0..r1, c0..c1) ← mat[r0..r1, c0..c1)·(I − τ u uᵀ) for a row-major matrix with `cols`
 * columns, where u[j − c0] = vec[vOff + j] (vec may be mat itself if row vOff is outside
 * r0..r1): per row, one dot product and one axpy on the same contiguous row.
 */
export function applyRight(
  mat: Float64Array,
  cols: number,
  vec: Float64Array,
  vOff: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  tau: number,
): void {
  if (tau === 0) return;
  for (let r = r0; r < r1; r++) {
    const row = r * cols;
    let dot = 0;
    for (let j = c0; j < c1; j++) dot += mat[row + j] * vec[vOff + j];
    dot *= tau;
    if (dot === 0) continue;
    for (let j = c0; j < c1; j++) mat[row + j] -= dot * vec[vOff + j];
  }
}
