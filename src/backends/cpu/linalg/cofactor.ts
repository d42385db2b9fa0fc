import { eps } from '../../../dtype.js';
import { numelOf } from '../../../shape.js';
import type { CpuView } from '../../backend.js';
import { luDet, luFactorCpu, luInverse } from './lu.js';
import { svdCpu } from './svd.js';
import type { FloatArray } from './triangular.js';

/**
 * The cofactor matrix cof(A) = adj(A)ᵀ = det(A)·A⁻ᵀ (the gradient of det) and the permutation
 * matrix of LU pivots, on the CPU.
 */

/**
 * cof(A) per batch element: det·A⁻ᵀ from the LU factors when no pivot is tiny relative to the
 * largest entry of U, otherwise from the SVD (svdCofactor), which stays finite at singular A.
 */
export function cofactorCpu(a: CpuView, out: CpuView): void {
  const n = a.shape[a.shape.length - 1];
  const nn = n * n;
  const batch = nn === 0 ? 0 : a.data.length / nn;
  const lu = new Float64Array(nn);
  const inv = new Float64Array(nn);
  const piv = new Int32Array(n);
  const info = new Int32Array(1);
  const det = new Float64Array(1);
  const tiny = n * eps('float64');
  for (let e = 0; e < batch; e++) {
    const ae = Float64Array.from(a.data.subarray(e * nn, (e + 1) * nn));
    luFactorCpu(ae, 1, n, lu, piv, info);
    let umax = 0;
    let dmin = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) umax = Math.max(umax, Math.abs(lu[i * n + j]));
      dmin = Math.min(dmin, Math.abs(lu[i * n + i]));
    }
    const o = e * nn;
    if (info[0] === 0 && dmin > tiny * umax) {
      luDet(lu, piv, 1, n, det);
      luInverse(lu, piv, 1, n, inv);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) out.data[o + i * n + j] = det[0] * inv[j * n + i];
    } else {
      svdCofactor(ae, n, out.data as FloatArray, o);
    }
  }
}

/** cof(A) through the SVD, for one n×n float64 matrix, written into out[o..]. */
function svdCofactor(a: Float64Array, n: number, out: FloatArray, o: number): void {
  const u = new Float64Array(n * n);
  const s = new Float64Array(n);
  const vh = new Float64Array(n * n);
  svdCpu(a, 1, n, n, u, s, vh, { fullMatrices: true, computeUV: true }, new Int32Array(1));
  // ∏_{j≠i} s_j by prefix and suffix products (no division, exact when some s_j = 0).
  const p = new Float64Array(n);
  let acc = 1;
  for (let i = 0; i < n; i++) {
    p[i] = acc;
    acc *= s[i];
  }
  acc = 1;
  for (let i = n - 1; i >= 0; i--) {
    p[i] *= acc;
    acc *= s[i];
  }
  const sign = detSign(u, n) * detSign(vh, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let k = 0; k < n; k++) t += u[i * n + k] * p[k] * vh[k * n + j];
      out[o + i * n + j] = sign * t;
    }
  }
}

/** The determinant's sign of an orthogonal matrix (±1), from its LU factorization. */
function detSign(q: Float64Array, n: number): number {
  const lu = new Float64Array(n * n);
  const piv = new Int32Array(n);
  const d = new Float64Array(1);
  luFactorCpu(q, 1, n, lu, piv, new Int32Array(1));
  luDet(lu, piv, 1, n, d);
  return d[0] < 0 ? -1 : 1;
}

/**
 * The m×m permutation matrices P of A = P L U (A m×n) from their k = min(m, n) LAPACK pivots (the
 * swaps applied in reverse to the identity); out starts zeroed.
 */
export function pivotsToPermutationCpu(p: CpuView, out: CpuView, m: number): void {
  const k = p.shape[p.shape.length - 1];
  const batch = numelOf(p.shape.slice(0, -1));
  const perm = new Int32Array(m);
  for (let e = 0; e < batch; e++) {
    for (let i = 0; i < m; i++) perm[i] = i;
    // Row i of P·(LU) is row perm[i] of LU; swaps applied last-to-first build P from I.
    for (let q = k - 1; q >= 0; q--) {
      const r = p.data[e * k + q] - 1;
      const t = perm[q];
      perm[q] = perm[r];
      perm[r] = t;
    }
    for (let i = 0; i < m; i++) out.data[e * m * m + i * m + perm[i]] = 1;
  }
}
