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
import { copyInto, gemm, trsmLeft } from './triangular.js';

/** Rows of T per GEMM: smaller blocks skip more zeros, larger ones run the kernel faster. */
const T_BLOCK = 64;
/** Columns of Φᵀ per solve (measured at n = 1000: 128 beats 64 and 256 by about 8 %). */
const W_BLOCK = 128;

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
  // tril(G) for the product: G itself when its strict upper triangle is zero (as a gradient of
  // L that flows through L's own ops usually is), else a copy.
  const gl = strictUpperZero(g, batch, n) ? null : new Float64Array(nn);
  for (let e = 0; e < batch; e++) {
    const o = e * nn;
    // Lᵀ (upper, row-major: the GEMM reads its rows contiguously), zero below the diagonal.
    lt.fill(0);
    tileTranspose(l, o, lt, 0, n, 1, false);
    if (gl)
      for (let i = 0; i < n; i++) {
        copyInto(gl, i * n, g, o + i * n, i + 1);
        gl.fill(0, i * n + i + 1, (i + 1) * n);
      }
    const [gs, go] = gl ? [gl, 0] : [g, o];
    // T[i0..i1, 0..i1) = Lᵀ[i0..i1, i0..n) · tril(G)[i0..n, 0..i1) into out (zeroed first); the
    // entries above the diagonal that a block row also gets are overwritten below.
    out.fill(0, o, o + nn);
    for (let i0 = 0; i0 < n; i0 += T_BLOCK) {
      const ib = Math.min(T_BLOCK, n - i0);
      const i1 = i0 + ib;
      gemm(1, lt, i0 * n + i0, n, 1, gs, go + i0 * n, n, out, o + i0 * n, n, ib, i1, n - i0);
    }
    // S = Φ + Φᵀ with Φ = ½T below the diagonal and ¼T on it, so gA = Y + Yᵀ, Y = L⁻ᵀ·(Φ·L⁻¹).
    // Φᵀ (upper) in place: T's strict lower triangle read, the strict upper written, then the
    // diagonal scaled and the strict lower triangle zeroed.
    tileTranspose(out, o, out, o, n, 0.5, true);
    for (let i = 0; i < n; i++) {
      out[o + i * n + i] = 0.25 * out[o + i * n + i]!;
      out.fill(0, o + i * n, o + i * n + i);
    }
    // Wᵀ = L⁻ᵀ·Φᵀ: column block [c0, c1) of Φᵀ is zero below row c1, and Lᵀ is upper
    // triangular, so it is the solve with the leading c1×c1 block of Lᵀ. Wᵀ is upper triangular.
    for (let c0 = 0; c0 < n; c0 += W_BLOCK) {
      const c1 = Math.min(n, c0 + W_BLOCK);
      trsmLeft(true, false, lt, 0, n, out, o + c0, n, c1, c1 - c0);
    }
    // W = (Wᵀ)ᵀ (lower) in place, the strict upper triangle zeroed; Y = L⁻ᵀ·W; gA = Y + Yᵀ.
    tileTranspose(out, o, out, o, n, 1, true, true);
    for (let i = 0; i < n; i++) out.fill(0, o + i * n + i + 1, o + (i + 1) * n);
    trsmLeft(true, false, lt, 0, n, out, o, n, n, n);
    symmetrize(out, o, n);
  }
}

/** Whether every entry above the diagonal of each n×n matrix is zero. */
function strictUpperZero(g: Float64Array, batch: number, n: number): boolean {
  for (let e = 0; e < batch; e++)
    for (let i = 0; i < n; i++) {
      const r = e * n * n + i * n;
      for (let j = r + i + 1; j < r + n; j++) if (g[j] !== 0) return false;
    }
  return true;
}

const TILE = 32;

/**
 * dst[j][i] = scale·src[i][j] (n×n blocks at so and d0, leading dim n) for i ≥ j, or i > j when
 * `strict`; with `upperSrc`, for the source's upper triangle (i ≤ j, or i < j) instead. src and
 * dst may be the same block when `strict` (the triangle read and the one written do not meet).
 * By 32×32 tiles, so that the column writes stay within the cache.
 */
function tileTranspose(
  src: Float64Array,
  so: number,
  dst: Float64Array,
  d0: number,
  n: number,
  scale: number,
  strict: boolean,
  upperSrc = false,
): void {
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    const jStart = upperSrc ? i0 : 0;
    const jEnd = upperSrc ? n : i1;
    for (let j0 = jStart; j0 < jEnd; j0 += TILE) {
      const j1 = Math.min(n, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const si = so + i * n;
        const lo = upperSrc ? Math.max(j0, strict ? i + 1 : i) : j0;
        const hi = upperSrc ? j1 : Math.min(j1, strict ? i : i + 1);
        for (let j = lo; j < hi; j++) dst[d0 + j * n + i] = scale * src[si + j]!;
      }
    }
  }
}

/** x := x + xᵀ for the n×n block at o (the diagonal doubled), by 32×32 tiles. */
function symmetrize(x: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) x[o + i * n + i] = x[o + i * n + i]! * 2;
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    for (let j0 = i0; j0 < n; j0 += TILE) {
      const j1 = Math.min(n, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const ri = o + i * n;
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const v = x[ri + j]! + x[o + j * n + i]!;
          x[ri + j] = v;
          x[o + j * n + i] = v;
        }
      }
    }
  }
}
