/**
 * The Gaussian-process case: negative log marginal likelihood of a squared-exponential GP and
 * its gradient in the three log-hyperparameters θ = (log ℓ, log σf, log σn),
 *
 *   K = σf² · exp(−D² / (2ℓ²)) + σn² · I,   L = cholesky(K),   z = L⁻¹ y,
 *   −log p(y | θ) = ½ zᵀz + Σ log Lᵢᵢ + (n/2) log 2π,
 *
 * with D² the squared distances of n points in the plane (an input: it does not depend on θ).
 * Every library computes the same thing the same way (exp on n² elements, Cholesky, a
 * triangular solve, reductions, then reverse mode through all of it). Output: [nlp, ∂/∂θ₀..₂].
 */
import type { CaseInput } from './cases.js';

export const GP_THETA = [Math.log(1.5), 0, Math.log(0.3)] as const;

/** Points uniform in [0, 10]², y = sin(x₀) + cos(x₁) + noise; returns D² (n×n) and y. */
export function gpInput(n: number, uniform: () => number): CaseInput {
  const x = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) x[i] = 10 * uniform();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(x[2 * i]!) + Math.cos(x[2 * i + 1]!) + 0.3 * (uniform() - 0.5);
  const d2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const dx = x[2 * i]! - x[2 * j]!;
      const dy = x[2 * i + 1]! - x[2 * j + 1]!;
      d2[i * n + j] = dx * dx + dy * dy;
    }
  return { batch: 1, n, a: d2, b: y, theta: Float64Array.from(GP_THETA) };
}

const refs = new WeakMap<CaseInput, Float64Array>();

/** [nlp, gradient] in plain JavaScript through K⁻¹ (½ tr((K⁻¹ − ααᵀ) ∂K/∂θ)); memoized. */
export function gpReference(input: CaseInput): Float64Array {
  const hit = refs.get(input);
  if (hit) return hit;
  const { n, a: d2, b: y } = input;
  const [ll, lf, ln] = input.theta!;
  const l2 = Math.exp(2 * ll!);
  const sf2 = Math.exp(2 * lf!);
  const sn2 = Math.exp(2 * ln!);
  const kse = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) kse[i] = sf2 * Math.exp(-d2[i]! / (2 * l2));
  // Cholesky (lower, row-major) of K = kse + sn2·I.
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = kse[j * n + j]! + sn2;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! ** 2;
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = kse[i * n + j]!;
      const ri = i * n;
      const rj = j * n;
      for (let k = 0; k < j; k++) v -= L[ri + k]! * L[rj + k]!;
      L[ri + j] = v / ljj;
    }
  }
  // Linv = L⁻¹ (lower), row by row: Linv[i][j] = (δij − Σ_{k<i} L[i][k] Linv[k][j]) / L[i][i].
  const Li = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const lik = L[ri + k]!;
      if (lik === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) Li[ri + j]! -= lik * Li[rk + j]!;
    }
    Li[ri + i]! += 1;
    const lii = L[ri + i]!;
    for (let j = 0; j <= i; j++) Li[ri + j]! /= lii;
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let j = 0; j <= i; j++) v += Li[i * n + j]! * y![j]!;
    z[i] = v;
  }
  const alpha = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const zk = z[k]!;
    for (let j = 0; j <= k; j++) alpha[j]! += Li[k * n + j]! * zk;
  }
  // K⁻¹ = Liᵀ·Li: Kinv[i][j] = Σ_{k ≥ max(i,j)} Li[k][i]·Li[k][j].
  const Kinv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const lki = Li[rk + i]!;
      const ri = i * n;
      for (let j = 0; j <= k; j++) Kinv[ri + j]! += lki * Li[rk + j]!;
    }
  }
  let nlp = 0.5 * n * Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) nlp += 0.5 * z[i]! * z[i]! + Math.log(L[i * n + i]!);
  let gl = 0;
  let gf = 0;
  let gn = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const w = Kinv[i * n + j]! - alpha[i]! * alpha[j]!;
      const k = kse[i * n + j]!;
      gl += w * k * (d2[i * n + j]! / l2);
      gf += w * 2 * k;
      if (i === j) gn += w * 2 * sn2;
    }
  const ref = Float64Array.of(nlp, 0.5 * gl, 0.5 * gf, 0.5 * gn);
  refs.set(input, ref);
  return ref;
}

/** Largest relative error of [nlp, gradient] against the reference (each relative to max 1). */
export function gpError(input: CaseInput, out: Float64Array): number {
  if (out.length !== 4) return Number.POSITIVE_INFINITY;
  const ref = gpReference(input);
  let e = 0;
  for (let i = 0; i < 4; i++) e = Math.max(e, Math.abs(out[i]! - ref[i]!) / Math.max(1, Math.abs(ref[i]!)));
  return Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
}
