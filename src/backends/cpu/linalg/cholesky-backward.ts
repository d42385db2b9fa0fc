/**
 * The backward of the Cholesky factorization in one float64 kernel (the rule of
 * src/ops/linalg/cholesky.ts without its intermediate tensors), for a lower-triangular L:
 *
 *   T = tril(Lᵀ·G),   S = ½(T + tril(T, −1)ᵀ),   gA = L⁻ᵀ·S·L⁻¹,
 *
 * computed with the structure of each factor:
 * - Lᵀ is upper triangular and only tril(Lᵀ·G) is needed, so T's block row I takes the rows
 *   k ≥ I of L and G only: T[I, 0..I] = L[I.., I]ᵀ·G[I.., 0..I], one GEMM per block row (the
 *   terms left out are exact zeros L[k][i], k < i, times G), about a fifth of a full product's
 *   multiply-adds at n = 1000;
 * - S = Φ + Φᵀ with Φ lower triangular (½T below the diagonal, ¼T on it), so gA = Y + Yᵀ with
 *   Y = L⁻ᵀ·(Φ·L⁻¹), and W = Φ·L⁻¹ is lower triangular: its column blocks are solves with the
 *   leading blocks of L only (n³/6 multiply-adds instead of n³/2), then one full solve for Y.
 * All in: about 0.9·n³ multiply-adds against 1.2·n³ for the formula's product and two solves;
 * gA comes out exactly symmetric. Errors are those of two triangular substitutions, as before.
 */
import { copyInto, gemm, transposeInto, trsmLeft } from './triangular.js';

/** Rows of T per GEMM: smaller blocks skip more zeros, larger ones run the kernel faster. */
const T_BLOCK = 64;

/**
 * Whether L's lower triangle and all of G are finite (the kernel's condition: with a NaN or ±inf
 * the zeros it skips would not all be zero, so callers take the general formula instead).
 */
export function choleskyBackwardFinite(l: Float64Array, g: Float64Array, batch: number, n: number): boolean {
  const nn = n * n;
  for (let q = 0; q < batch * nn; q++) if (g[q]! - g[q]! !== 0) return false;
  for (let e = 0; e < batch; e++)
    for (let i = 0; i < n; i++) {
      const r = e * nn + i * n;
      for (let j = r; j <= r + i; j++) if (l[j]! - l[j]! !== 0) return false;
    }
  return true;
}

/**
 * gA (batch × n × n, row-major, written in full) of a lower Cholesky factor L from the gradient G
 * of L (batch × n × n; its strict upper triangle is not read: tril(Lᵀ·G) = tril(Lᵀ·tril(G))).
 * Only L's lower triangle is read. Every entry of L and G must be finite (choleskyBackwardFinite).
 */
export function choleskyBackward(
  l: Float64Array,
  g: Float64Array,
  batch: number,
  n: number,
  out: Float64Array,
): void {
  const nn = n * n;
  if (batch <= 0 || n === 0) return;
  const lt = new Float64Array(nn);
  const gl = new Float64Array(nn);
  for (let e = 0; e < batch; e++) {
    const o = e * nn;
    // Lᵀ (upper, row-major: the GEMM reads its rows contiguously) and tril(G), each with the
    // other triangle zero.
    transposeInto(l, o, n, n, n, lt, 0, n);
    for (let i = 0; i < n; i++) {
      lt.fill(0, i * n, i * n + i);
      copyInto(gl, i * n, g, o + i * n, i + 1);
      gl.fill(0, i * n + i + 1, (i + 1) * n);
    }
    // T[i0..i1, 0..i1) = Lᵀ[i0..i1, i0..n) · tril(G)[i0..n, 0..i1) into out (zeroed first); the
    // entries above the diagonal that a block row also gets are overwritten below.
    out.fill(0, o, o + nn);
    for (let i0 = 0; i0 < n; i0 += T_BLOCK) {
      const ib = Math.min(T_BLOCK, n - i0);
      const i1 = i0 + ib;
      gemm(1, lt, i0 * n + i0, n, 1, gl, i0 * n, n, out, o + i0 * n, n, ib, i1, n - i0);
    }
    // S = Φ + Φᵀ with Φ = ½T below the diagonal and ¼T on it, so gA = Y + Yᵀ, Y = L⁻ᵀ·(Φ·L⁻¹).
    // Φᵀ (upper) into gl, no longer needed as tril(G).
    gl.fill(0);
    for (let i = 0; i < n; i++) gl[i * n + i] = 0.25 * out[o + i * n + i]!;
    forTiles(n, true, (i, j) => {
      gl[j * n + i] = 0.5 * out[o + i * n + j]!;
    });
    // Wᵀ = L⁻ᵀ·Φᵀ: column block [c0, c1) of Φᵀ is zero below row c1, and Lᵀ is upper
    // triangular, so it is the solve with the leading c1×c1 block of Lᵀ.
    for (let c0 = 0; c0 < n; c0 += T_BLOCK) {
      const c1 = Math.min(n, c0 + T_BLOCK);
      trsmLeft(true, false, lt, 0, n, gl, c0, n, c1, c1 - c0);
    }
    // Y = L⁻ᵀ·W (W = (Wᵀ)ᵀ lower, into out), then gA = Y + Yᵀ.
    forTiles(n, false, (i, j) => {
      out[o + i * n + j] = gl[j * n + i]!;
    });
    trsmLeft(true, false, lt, 0, n, out, o, n, n, n);
    for (let i = 0; i < n; i++) out[o + i * n + i] = out[o + i * n + i]! * 2;
    forTiles(n, true, (i, j) => {
      const v = out[o + j * n + i]! + out[o + i * n + j]!;
      out[o + j * n + i] = v;
      out[o + i * n + j] = v;
    });
  }
}

const TILE = 32;

/**
 * f(i, j) for every i > j (`strict`) or every i, j (not `strict`) below n, tile by tile, so that
 * a loop that reads rows and writes columns (a transpose) stays within the cache.
 */
function forTiles(n: number, strict: boolean, f: (i: number, j: number) => void): void {
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    for (let j0 = 0; j0 < (strict ? i1 : n); j0 += TILE) {
      const j1 = Math.min(n, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const je = strict ? Math.min(j1, i) : j1;
        for (let j = j0; j < je; j++) f(i, j);
      }
    }
  }
}
