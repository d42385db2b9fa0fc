/**
 * The loop rule on every adapter (src/backends/webgpu/loops.ts): work whose loops would run more
 * than 65,535 iterations in one invocation — where Mesa's llvmpipe (Dawn's OpenGL ES backend)
 * silently cuts them short — agrees with the CPU float64 result. Each case here did not before
 * the rule: sums and maxima over 70,000+ entries, a matmul with k = 600,000, svd/eigh/qr of 64×64
 * and 128×128 (LU with pivoting of 256×256 was already split by steps). The suite runs with LINAGRAD_WEBGPU_CHECK_LOOPS=1
 * (vitest.config.ts), so every dispatch is also checked against the bound it states.
 *
 * Tolerances from `agreementTolerance` (float32 against float64): η ≈ (10n + √n/2)·eps32 for a
 * problem of size n, times the condition number where the result depends on it.
 */
import { expect, it } from 'vitest';
import * as lr from '../gradcheck/linalg-rand.js';
import { agreementTolerance } from '../gradcheck/tolerance.js';
import { getGpu } from '../src/backends/webgpu/index.js';
import { linalg, type Tensor, tensor } from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

const rng = lr.makeRng(2024);
const cpu = (data: Float64Array, shape: number[]) =>
  tensor(Array.from(data), { dtype: 'float64' }).reshape(shape);
const gpu = (t: Tensor) => t.to('float32').to('webgpu');
const maxAbs = (x: ArrayLike<number>) => Array.from(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  expect(x.length).toBe(y.length);
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i]! - y[i]!));
  return e;
};
const eta = (n: number, cond = 1) => agreementTolerance({ n, cond }).rtol;

/** Expects the device result to be within η(n, cond)·max|want| of the CPU float64 one. */
async function agree(got: Tensor, want: Tensor, n: number, cond = 1) {
  const [g, w] = [await got.data(), want.dataSync()];
  expect(maxDiff(g, w)).toBeLessThanOrEqual(eta(n, cond) * (maxAbs(w) || 1));
}

/** max |XᵀX − I| of an r×c matrix (orthonormal columns). */
async function orthErr(x: Tensor) {
  const [r, c] = x.shape.slice(-2) as [number, number];
  const g = lr.matmul(
    lr.transpose(Float64Array.from(await x.data()), r, c),
    Float64Array.from(await x.data()),
    c,
    r,
    c,
  );
  return maxDiff(g, lr.identity(c));
}

/** An n×n matrix with singular values spread over [1, 2] between random orthogonal factors. */
function wellConditioned(n: number, sym = false): Float64Array {
  const u = lr.randomOrthogonal(rng, n);
  const s = Array.from({ length: n }, (_, i) => (1 + i / n) * (sym && i % 2 ? -1 : 1));
  return lr.composeUSVt(u, n, s, sym ? u : lr.randomOrthogonal(rng, n), n);
}

describeWebGPU('the loop rule: long work agrees with the CPU on any adapter', () => {
  // Integer entries: every partial sum is an integer below 2^24, so float32 is exact and the
  // device must match the CPU exactly (a loop cut short loses thousands of terms).
  const ints = (len: number, r: number) =>
    Float64Array.from({ length: len }, () => Math.floor(rng.uniform() * (2 * r + 1)) - r);
  async function exact(got: Tensor, want: Tensor) {
    expect(Array.from(await got.data())).toEqual(Array.from(want.dataSync()));
  }

  it('sums over 300,000 entries and over a strided dim of 70,000 are exact', async () => {
    const x = cpu(ints(300_000, 3), [300_000]);
    await exact(gpu(x).sum(), x.sum());
    const y = cpu(ints(3 * 70_000, 3), [70_000, 3]);
    await exact(gpu(y).sum(0), y.sum(0));
    const z = cpu(ints(2 * 70_001, 3), [2, 70_001]);
    await exact(gpu(z).sum(-1, true), z.sum(-1, true));
    const w = cpu(lr.gaussian(rng, 100_000), [100_000]);
    await agree(gpu(w).mean(), w.mean(), 100_000);
  });

  it('matmul with an inner dimension of 600,000 (75,000 tiles of 8) is exact', async () => {
    const k = 600_000;
    const a = cpu(ints(3 * k, 2), [3, k]);
    const b = cpu(ints(k * 2, 2), [k, 2]);
    await exact(gpu(a).matmul(gpu(b)), a.matmul(b));
  });

  it('1- and ∞-norms of 2 × 70,000 and 70,000 × 2 matrices (a max over 70,000 entries) are exact', async () => {
    for (const shape of [
      [2, 70_000],
      [70_000, 2],
    ]) {
      const a = cpu(ints(140_000, 50), shape);
      for (const ord of [1, Infinity, -1, -Infinity])
        await exact(linalg.matrixNorm(gpu(a), ord), linalg.matrixNorm(a, ord));
    }
  });

  it('svd, eigh and qr of 64×64 and 128×128', async () => {
    for (const n of [64, 128]) {
      const a = cpu(wellConditioned(n), [n, n]);
      const { U, S, Vh } = linalg.svd(gpu(a));
      await agree(S, linalg.svdvals(a), n);
      await agree(U.mul(S.unsqueeze(-2)).matmul(Vh), a, n);
      expect(await orthErr(U)).toBeLessThanOrEqual(eta(n));
      expect(await orthErr(Vh.mT)).toBeLessThanOrEqual(eta(n));

      const h = cpu(wellConditioned(n, true), [n, n]);
      const { eigenvalues: w, eigenvectors: v } = linalg.eigh(gpu(h));
      await agree(w, linalg.eigvalsh(h), n);
      await agree(v.mul(w.unsqueeze(-2)).matmul(v.mT), h, n);
      expect(await orthErr(v)).toBeLessThanOrEqual(eta(n));

      const { Q, R } = linalg.qr(gpu(a));
      const ref = linalg.qr(a);
      await agree(Q.matmul(R), a, n);
      expect(await orthErr(Q)).toBeLessThanOrEqual(eta(n));
      await agree(R, ref.R, n, 2); // κ(A) = 2: same signs as LAPACK, so R itself agrees
    }
  });

  it('tall matrices: qr of 5,000 × 3 (a column per step), svdvals of 12,000 × 3; beyond the limits, an error', async () => {
    const a = cpu(lr.gaussian(rng, 5000 * 3), [5000, 3]);
    const { Q, R } = linalg.qr(gpu(a));
    await agree(Q.matmul(R), a, 5000);
    expect(await orthErr(Q)).toBeLessThanOrEqual(eta(5000));
    const b = cpu(lr.gaussian(rng, 12_000 * 3), [12_000, 3]);
    await agree(linalg.svdvals(gpu(b)), linalg.svdvals(b), 12_000);
    const tooTall = gpu(cpu(new Float64Array(9000 * 2), [9000, 2]));
    const live = getGpu().liveBuffers();
    expect(() => linalg.qr(tooTall)).toThrow(
      /linalg\.qr: step \d+ of \d+ alone needs \d+ loop iterations in one invocation, more than LOOP_BUDGET \(16384\); the problem is too large for this kernel on WebGPU \(use the cpu device\)/,
    );
    expect(getGpu().liveBuffers()).toBe(live); // nothing leaks on the way out
  });

  it('LU with pivoting of 256×256: factors, det, solve and inverse', async () => {
    const n = 256;
    // A = P0·B with B well conditioned and P0 a random row permutation: pivoting undoes P0.
    const b = wellConditioned(n);
    const perm = Array.from({ length: n }, (_, i) => i).sort(() => rng.uniform() - 0.5);
    const a = cpu(
      Float64Array.from({ length: n * n }, (_, e) => b[perm[Math.floor(e / n)]! * n + (e % n)]!),
      [n, n],
    );
    const f = linalg.luFactor(gpu(a));
    const ref = linalg.luFactor(a);
    expect(Array.from(await f.pivots.data())).toEqual(Array.from(ref.pivots.dataSync()));
    await agree(f.LU, ref.LU, n, 2);
    await agree(linalg.slogdet(gpu(a)).logabsdet, linalg.slogdet(a).logabsdet, n, 2);
    const rhs = cpu(lr.gaussian(rng, n * 3), [n, 3]);
    await agree(linalg.solve(gpu(a), gpu(rhs)), linalg.solve(a, rhs), n, 2);
    await agree(linalg.inv(gpu(a)), linalg.inv(a), n, 2);
  });
});
