/**
 * Blocked Householder QR of one m×n matrix with the compact WY form (LAPACK geqrf / larft /
 * larfb / orgqr): panels of NB columns are factored by the unblocked reflectors of qr.ts (on the
 * panel's transpose, so each reflector is a contiguous row), and each panel's product of
 * reflectors H = I − V·T·Vᵀ (T upper triangular, NB×NB) is applied to the rest of A, and later to
 * Q, by three matrix products, which run in the WebAssembly GEMM (and its worker pool). Same
 * reflectors and sign conventions as the unblocked `qr` (see there); only the rounding differs.
 */

import { level2Workspace } from '../wasm-gemm.js';
import { applyRight, householder, refl } from './qr.js';
import { gemm } from './triangular.js';

/** Panel width. */
export const QR_NB = 32;

/** One panel's reflectors: Vᵀ (jb × mr, unit "diagonal", zeros before it) and T (jb × jb). */
interface Panel {
  j0: number;
  jb: number;
  vt: Float64Array;
  t: Float64Array;
}

/**
 * T of the compact WY form of H_0⋯H_{jb−1} (larft, forward, columnwise): T[i][i] = τ_i and
 * T[0..i, i] = −τ_i · T[0..i, 0..i] · (Vᵀ v_i)[0..i]. The Gram matrix VᵀV comes from one GEMM
 * (the zeros of Vᵀ before each unit diagonal make its dots those over rows i.. of v_i).
 */
function formT(vt: Float64Array, jb: number, mr: number, taus: Float64Array, t: Float64Array): void {
  t.fill(0);
  const v = new Float64Array(mr * jb);
  for (let c = 0; c < jb; c++) for (let r = c; r < mr; r++) v[r * jb + c] = vt[c * mr + r]!;
  const g = new Float64Array(jb * jb);
  gemm(1, vt, 0, mr, 1, v, 0, jb, g, 0, jb, jb, jb, mr);
  for (let i = 0; i < jb; i++) {
    const tau = taus[i]!;
    t[i * jb + i] = tau;
    for (let p = 0; p < i; p++) {
      let acc = 0;
      for (let q = p; q < i; q++) acc += t[p * jb + q]! * g[q * jb + i]!;
      t[p * jb + i] = -tau * acc;
    }
  }
}

/**
 * X[rows j0.., cols c0..c0+nc) of a row-major matrix with leading dim ld ← Hᵀ·X (`trans`) or
 * H·X, with H = I − V·T·Vᵀ of `p`: W1 = Vᵀ·X, W2 = Tᵀ·W1 (or T·W1), X −= V·W2.
 */
function applyBlock(
  p: Panel,
  mr: number,
  x: Float64Array,
  xo: number,
  ld: number,
  nc: number,
  trans: boolean,
): void {
  if (nc <= 0) return;
  const { jb, vt, t } = p;
  const w1 = new Float64Array(jb * nc);
  const w2 = new Float64Array(jb * nc);
  gemm(1, vt, 0, mr, 1, x, xo, ld, w1, 0, nc, jb, nc, mr);
  if (trans) gemm(1, t, 0, 1, jb, w1, 0, nc, w2, 0, nc, jb, nc, jb);
  else gemm(1, t, 0, jb, 1, w1, 0, nc, w2, 0, nc, jb, nc, jb);
  gemm(-1, vt, 0, 1, mr, w2, 0, nc, x, xo, ld, mr, nc, jb);
}

/** Panels of at least this many rows are factored with the WebAssembly kernel. */
const PANEL_WASM_MIN = 48;

/**
 * The panel's reflectors (vt: jb rows of length mr, row c = column c of the panel) in the
 * WebAssembly kernel's memory (rows padded to an even length): per reflector, the rows below get
 * their dot product and update by dotaxpy (wasm-level2.ts), the same operations as applyRight's
 * up to the order of the dot product's sum. dotaxpy starts at an even column: for an odd c the
 * column c−1 it then also touches (R's entries, not part of the reflection) is set to zero for
 * the call and restored after it. False when the kernels are unavailable.
 */
function factorPanelWasm(
  vt: Float64Array,
  jb: number,
  mr: number,
  taus: Float64Array,
  diag: Float64Array,
  j0: number,
): boolean {
  const ld = (mr + 1) & ~1;
  const V = jb * ld;
  const w = level2Workspace(V + ld + jb);
  if (w === null) return false;
  const h = w.heap;
  const SAVE = V + ld;
  for (let c = 0; c < jb; c++) {
    h.set(vt.subarray(c * mr, c * mr + mr), c * ld);
    if (ld > mr) h[c * ld + mr] = 0;
  }
  for (let c = 0; c < jb; c++) {
    const rc = c * ld;
    householder(h, rc + c, mr - c);
    const tau = refl.tau;
    taus[c] = tau;
    diag[j0 + c] = refl.beta;
    if (tau === 0 || c + 1 >= jb) continue;
    const c0 = c & ~1;
    for (let j = c0; j < ld; j++) h[V + j - c0] = j >= c ? h[rc + j] : 0;
    if (c0 < c) for (let r = c + 1; r < jb; r++) [h[SAVE + r], h[r * ld + c0]] = [h[r * ld + c0], 0];
    w.dotaxpy((c + 1) * ld + c0, ld, V, jb - c - 1, ld - c0, tau);
    if (c0 < c) for (let r = c + 1; r < jb; r++) h[r * ld + c0] = h[SAVE + r];
  }
  for (let c = 0; c < jb; c++) vt.set(h.subarray(c * ld, c * ld + mr), c * mr);
  return true;
}

/**
 * Factors the m×n row-major `w` (overwritten) as Q·R. On return R's strict upper part is in
 * `w`'s rows 0..k, its diagonal in `diag`; the panels are returned for {@link blockedQ}.
 */
export function blockedFactor(w: Float64Array, m: number, n: number, diag: Float64Array): Panel[] {
  const k = Math.min(m, n);
  const panels: Panel[] = [];
  for (let j0 = 0; j0 < k; j0 += QR_NB) {
    const jb = Math.min(QR_NB, k - j0);
    const mr = m - j0;
    // The panel's columns j0..j0+jb (rows j0..m), transposed: row c is column j0 + c.
    const vt = new Float64Array(jb * mr);
    for (let i = 0; i < mr; i++) {
      const row = (j0 + i) * n + j0;
      for (let c = 0; c < jb; c++) vt[c * mr + i] = w[row + c]!;
    }
    const taus = new Float64Array(jb);
    if (mr < PANEL_WASM_MIN || !factorPanelWasm(vt, jb, mr, taus, diag, j0)) {
      for (let c = 0; c < jb; c++) {
        householder(vt, c * mr + c, mr - c);
        taus[c] = refl.tau;
        diag[j0 + c] = refl.beta;
        applyRight(vt, mr, vt, c * mr, c + 1, jb, c, mr, refl.tau);
      }
    }
    // R's part of the panel back into w (rows j0.., above the diagonal), then V's clean form.
    for (let c = 0; c < jb; c++) for (let i = 0; i < c; i++) w[(j0 + i) * n + j0 + c] = vt[c * mr + i]!;
    for (let c = 0; c < jb; c++) vt.fill(0, c * mr, c * mr + c);
    const t = new Float64Array(jb * jb);
    formT(vt, jb, mr, taus, t);
    const panel = { j0, jb, vt, t };
    panels.push(panel);
    applyBlock(panel, mr, w, j0 * n + j0 + jb, n, n - j0 - jb, true);
  }
  return panels;
}

/**
 * Q = H_0⋯H_{k−1}·E (m × qCols, row-major, into `q` at qo): blocks applied last to first, each
 * to rows j0.. and columns j0.. of the partial product (orgqr).
 */
export function blockedQ(panels: Panel[], m: number, qCols: number, q: Float64Array, qo: number): void {
  q.fill(0, qo, qo + m * qCols);
  for (let i = 0; i < Math.min(m, qCols); i++) q[qo + i * qCols + i] = 1;
  for (let b = panels.length - 1; b >= 0; b--) {
    const p = panels[b]!;
    applyBlock(p, m - p.j0, q, qo + p.j0 * qCols + p.j0, qCols, qCols - p.j0, false);
  }
}

/** Products of reflectors with at least this many of them are formed blocked. */
export const REFLECTOR_BLOCKED_MIN = 48;

/**
 * out (len × cols, row-major at oo) ← H_0⋯H_{count−1}·E_cols, the first `cols` columns of the
 * product of reflectors H_k = I − τ_k·u·uᵀ, where u acts on indices k + shift .. len−1 and is
 * stored (u[0] = 1) at refl[k·ld + k + shift ..]: the orthogonal factors of eigh's
 * tridiagonalisation (shift 1) and svd's bidiagonalisation (shift 0 and 1), in panels of QR_NB
 * reflectors applied last to first by GEMM (as blockedQ).
 */
export function reflectorProduct(
  refl: Float64Array,
  ld: number,
  shift: number,
  count: number,
  taus: Float64Array,
  len: number,
  cols: number,
  out: Float64Array,
  oo: number,
): void {
  const panels = reflectorPanels(refl, ld, shift, count, taus, len);
  out.fill(0, oo, oo + len * cols);
  for (let i = 0; i < Math.min(len, cols); i++) out[oo + i * cols + i] = 1;
  for (let b = panels.length - 1; b >= 0; b--) {
    const p = panels[b]!;
    applyBlock(p, len - p.j0, out, oo + p.j0 * cols + p.j0, cols, cols - p.j0, false);
  }
}

/** The panels of QR_NB reflectors of {@link reflectorProduct}, each with its compact-WY T. */
function reflectorPanels(
  refl: Float64Array,
  ld: number,
  shift: number,
  count: number,
  taus: Float64Array,
  len: number,
): Panel[] {
  const panels: Panel[] = [];
  for (let j0 = 0; j0 < count; j0 += QR_NB) {
    const jb = Math.min(QR_NB, count - j0);
    const start = j0 + shift;
    const mr = len - start;
    const vt = new Float64Array(jb * mr);
    for (let c = 0; c < jb; c++) {
      const src = (j0 + c) * ld + start;
      vt[c * mr + c] = 1;
      for (let i = c + 1; i < mr; i++) vt[c * mr + i] = refl[src + i]!;
    }
    const t = new Float64Array(jb * jb);
    formT(vt, jb, mr, taus.subarray(j0, j0 + jb), t);
    panels.push({ j0: start, jb, vt, t });
  }
  return panels;
}

/**
 * x (len × cols, row-major at xo) ← H_0⋯H_{count−1}·x for the reflectors of
 * {@link reflectorProduct}: panels applied last to first by GEMM (LAPACK ormtr/ormbr), e.g. the
 * eigenvectors of eigh's tridiagonal form mapped back to those of A.
 */
export function applyReflectors(
  refl: Float64Array,
  ld: number,
  shift: number,
  count: number,
  taus: Float64Array,
  len: number,
  cols: number,
  x: Float64Array,
  xo: number,
): void {
  const panels = reflectorPanels(refl, ld, shift, count, taus, len);
  for (let b = panels.length - 1; b >= 0; b--) {
    const p = panels[b]!;
    applyBlock(p, len - p.j0, x, xo + p.j0 * cols, cols, cols, false);
  }
}
