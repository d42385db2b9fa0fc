/**
 * The backward of the Cholesky factorization in one float64 kernel (the rule of
 * src/ops/linalg/cholesky.ts without its intermediate tensors):
 *
 *   T = tril(Lᵀ·G),   S = ½(T + tril(T, −1)ᵀ),   gA = L⁻ᵀ·S·L⁻¹,
 *
 * for a lower-triangular L. Lᵀ is upper triangular and only tril(Lᵀ·G) is needed, so T's block
 * row I takes the rows k ≥ I of L and G only: T[I, 0..I] = L[I.., I]ᵀ·G[I.., 0..I], one GEMM per
 * block row, about a fifth of the full product's multiply-adds at n = 1000 (the terms left out
 * are the exact zeros L[k][i], k < i, times G). The two solves are the triangular-solve kernel's,
 * with the arguments the op's formula gives it.
 */
import { copyInto, gemm, solveTriangular, transposeInto } from './triangular.js';

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
    // S = ½(T + tril(T, −1)ᵀ) in place: the upper part is ½(0 + T[i][j]) mirrored, then the lower
    // part ½(T[i][j] + 0), as the formula's add and mul compute them.
    for (let i = 1; i < n; i++) {
      const r = o + i * n;
      for (let j = 0; j < i; j++) out[o + j * n + i] = (0 + out[r + j]!) * 0.5;
    }
    for (let i = 0; i < n; i++) {
      const r = o + i * n;
      for (let j = 0; j <= i; j++) out[r + j] = (out[r + j]! + 0) * 0.5;
    }
  }
  // gA = L⁻ᵀ S L⁻¹: the left solve with Lᵀ (read in place), then the right solve with L.
  solveTriangular(l, batch, n, out, n, out, { upper: true, left: true, unitriangular: false, trans: true });
  solveTriangular(l, batch, n, out, n, out, { upper: false, left: false, unitriangular: false });
}
