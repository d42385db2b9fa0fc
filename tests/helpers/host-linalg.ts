/** Small reference routines for tests, independent of the code under test (host float64 arrays). */

import { transpose } from '../../gradcheck/linalg-rand.js';
/** Eigenvalues (ascending) of a symmetric n×n matrix by cyclic two-sided Jacobi. */
export function symEig(a0: Float64Array, n: number): number[] {
  const a = Float64Array.from(a0);
  const frob2 = a.reduce((s, x) => s + x * x, 0);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off <= 1e-32 * frob2) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const tau = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [x, y] = [a[k * n + p]!, a[k * n + q]!];
          a[k * n + p] = c * x - s * y;
          a[k * n + q] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) {
          const [x, y] = [a[p * n + k]!, a[q * n + k]!];
          a[p * n + k] = c * x - s * y;
          a[q * n + k] = s * x + c * y;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => x - y);
}

/** Singular values (descending) of an m×n matrix by one-sided (Hestenes) Jacobi. */
export function svals(a: Float64Array, m: number, n: number): number[] {
  if (m < n) return svals(transpose(a, m, n), n, m);
  const b = Float64Array.from(a);
  for (let sweep = 0, rotated = true; sweep < 60 && rotated; sweep++) {
    rotated = false;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        let [al, be, ga] = [0, 0, 0];
        for (let i = 0; i < m; i++) {
          const [x, y] = [b[i * n + p]!, b[i * n + q]!];
          al += x * x;
          be += y * y;
          ga += x * y;
        }
        if (Math.abs(ga) <= 1e-15 * Math.sqrt(al * be)) continue;
        rotated = true;
        const zeta = (be - al) / (2 * ga);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let i = 0; i < m; i++) {
          const [x, y] = [b[i * n + p]!, b[i * n + q]!];
          b[i * n + p] = c * x - s * y;
          b[i * n + q] = s * x + c * y;
        }
      }
    }
  }
  const norms = Array.from({ length: n }, (_, j) =>
    Math.sqrt(b.reduce((s, x, k) => s + (k % n === j ? x * x : 0), 0)),
  );
  return norms.sort((x, y) => y - x);
}

/** True when the Cholesky factorisation of the symmetric n×n `a` succeeds (all pivots > 0). */
export function choleskyOk(a: Float64Array, n: number): boolean {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return false;
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return true;
}
