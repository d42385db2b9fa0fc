/** Shared pieces of the spectral linalg tests (linalg-spectral*.test.ts). */
import fc from 'fast-check';
import type { MatrixSample } from '../../gradcheck/index.js';
import { linalgTolerance } from '../../gradcheck/tolerance.js';
import { eye, randn, type Tensor, tensor } from '../../src/index.js';
import { qr } from '../../src/ops/linalg/spectral.js';

export const vals = (t: Tensor) => Array.from(t.dataSync());
export const maxAbs = (t: Tensor) => vals(t).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
export const maxDiff = (a: Tensor, b: Tensor) => maxAbs(a.sub(b));
/** Backward-error tolerance c·n·eps·κ·scale (gradcheck/tolerance.ts) in float64. */
export const tol64 = (n: number, scale: number, kappa = 1) =>
  linalgTolerance({ dtype: 'float64', cond: kappa, n, scale }).atol;
export const sample = (arb: fc.Arbitrary<MatrixSample>, seed = 1) => fc.sample(arb, { seed, numRuns: 1 })[0];
/** A Haar-like random orthogonal n×n matrix (Q of a Gaussian matrix). */
export const orth = (n: number, seed: number) => qr(randn([n, n], { seed })).Q;
/** Q₁ diag(s) Q₂ᵀ of size m×n with k = min(m, n) = s.length prescribed singular values. */
export function withSpectrum(m: number, n: number, s: number[], seed: number): Tensor {
  const k = s.length;
  return orth(m, seed)
    .narrow(-1, 0, k)
    .mul(tensor(s))
    .matmul(orth(n, seed + 1).narrow(-1, 0, k).mT);
}
/** Exactly symmetric Q diag(λ) Qᵀ. */
export function symWith(lam: number[], seed: number): Tensor {
  const Q = orth(lam.length, seed);
  const A = Q.mul(tensor(lam)).matmul(Q.mT);
  return A.add(A.mT).mul(0.5);
}
export const gram = (x: Tensor) => x.mT.matmul(x);
/** A copy of the (…, n, n) matrices with NaN strictly above (upper) or below the diagonal. */
export function spoil(a: Tensor, upper: boolean): Tensor {
  const d = a.dataSync();
  const n = a.shape[a.ndim - 1];
  for (let p = 0; p < d.length; p++) {
    const [i, j] = [Math.floor(p / n) % n, p % n];
    if (upper ? j > i : j < i) d[p] = Number.NaN;
  }
  return tensor(d as Float64Array, { shape: [...a.shape] });
}
export const I = (n: number) => eye(n);
/** A matrix from MATLAB-style text: mat('1 2; 3 4'). */
export const mat = (text: string, opts: { dtype?: 'float32' | 'float64' } = {}) =>
  tensor(
    text.split(';').map((r) => r.trim().split(/\s+/).map(Number)),
    opts,
  );

/** `t` moved to WebGPU (float32) when `like` lives there. */
export function onGpuLike(t: Tensor, like: Tensor): Tensor {
  return like.device === 'webgpu' ? t.detach().to('float32').to('webgpu') : t;
}
