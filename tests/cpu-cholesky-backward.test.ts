/**
 * The float64 Cholesky backward kernel (src/backends/cpu/linalg/cholesky-backward.ts): against a
 * plain reference of the formula (full product Lᵀ·G, tril, the symmetrization, two substitutions)
 * on random factors of sizes around the kernel's block of 64 rows, and through the op: the
 * gradient autograd computes with it (no graph recorded) agrees with the op's general formula
 * (taken with createGraph), lower and upper, batched, with a gradient that is non-zero above the
 * diagonal, and with NaN or ±inf in the gradient (where the kernel is not used).
 */
import { describe, expect, it } from 'vitest';
import { choleskyBackward, choleskyBackwardFinite } from '../src/backends/cpu/linalg/cholesky-backward.js';
import { autograd, eye, linalg, randn, type Tensor, tensor } from '../src/index.js';

function rng(seed: number) {
  let s = seed | 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

/** A lower-triangular factor with |Lᵢᵢ| in [1, 2] (zeros above the diagonal) and a full G. */
function inputs(n: number, seed: number): { l: Float64Array; g: Float64Array } {
  const r = rng(seed);
  const l = new Float64Array(n * n);
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) l[i * n + j] = r() / Math.sqrt(n);
    l[i * n + i] = 1.5 + 0.5 * r();
  }
  for (let q = 0; q < n * n; q++) g[q] = r();
  return { l, g };
}

/** The formula in plain loops: T = tril(Lᵀ G), S = ½(T + tril(T, −1)ᵀ), X = L⁻ᵀ S, gA = X L⁻¹. */
function reference(l: Float64Array, g: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let t = 0;
      for (let k = 0; k < n; k++) t += l[k * n + i]! * g[k * n + j]!;
      s[i * n + j] += 0.5 * t;
      if (j < i) s[j * n + i] += 0.5 * t;
    }
  // Lᵀ X = S, column by column (back substitution).
  const x = new Float64Array(n * n);
  for (let c = 0; c < n; c++)
    for (let i = n - 1; i >= 0; i--) {
      let v = s[i * n + c]!;
      for (let k = i + 1; k < n; k++) v -= l[k * n + i]! * x[k * n + c]!;
      x[i * n + c] = v / l[i * n + i]!;
    }
  // Y L = X, row by row: Y[r][j] = (X[r][j] − Σ_{k>j} Y[r][k] L[k][j]) / L[j][j].
  const y = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let j = n - 1; j >= 0; j--) {
      let v = x[r * n + j]!;
      for (let k = j + 1; k < n; k++) v -= y[r * n + k]! * l[k * n + j]!;
      y[r * n + j] = v / l[j * n + j]!;
    }
  return y;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  for (let q = 0; q < b.length; q++) scale = Math.max(scale, Math.abs(b[q]!));
  let e = 0;
  for (let q = 0; q < a.length; q++) e = Math.max(e, Math.abs(a[q]! - b[q]!) / scale);
  return e;
}

describe('choleskyBackward kernel', () => {
  for (const n of [0, 1, 2, 3, 5, 16, 63, 64, 65, 130, 200]) {
    it(`matches the plain formula at n = ${n}`, () => {
      const { l, g } = inputs(n, 17 + n);
      const out = new Float64Array(n * n).fill(Number.NaN);
      choleskyBackward(l, g, 1, n, out);
      const ref = reference(l, g, n);
      expect(maxRelDiff(out, ref)).toBeLessThanOrEqual(64 * n * 2 ** -52);
    });
  }

  for (const n of [1, 64, 129]) {
    it(`matches the plain formula with G zero above the diagonal (read in place) at n = ${n}`, () => {
      const { l, g } = inputs(n, 5 + n);
      for (let i = 0; i < n; i++) g.fill(0, i * n + i + 1, (i + 1) * n);
      const g0 = Float64Array.from(g);
      const out = new Float64Array(n * n);
      choleskyBackward(l, g, 1, n, out);
      expect(g).toEqual(g0);
      expect(maxRelDiff(out, reference(l, g, n))).toBeLessThanOrEqual(64 * n * 2 ** -52);
    });
  }

  it('handles a batch (each matrix on its own) and leaves L and G unchanged', () => {
    const n = 70;
    const a = inputs(n, 1);
    const b = inputs(n, 2);
    const l = Float64Array.of(...a.l, ...b.l);
    const g = Float64Array.of(...a.g, ...b.g);
    const [l0, g0] = [Float64Array.from(l), Float64Array.from(g)];
    const out = new Float64Array(2 * n * n);
    choleskyBackward(l, g, 2, n, out);
    expect(l).toEqual(l0);
    expect(g).toEqual(g0);
    expect(maxRelDiff(out.subarray(0, n * n), reference(a.l, a.g, n))).toBeLessThanOrEqual(64 * n * 2 ** -52);
    expect(maxRelDiff(out.subarray(n * n), reference(b.l, b.g, n))).toBeLessThanOrEqual(64 * n * 2 ** -52);
  });

  it('reports non-finite G anywhere, and non-finite L only in its lower triangle', () => {
    const { l, g } = inputs(4, 3);
    expect(choleskyBackwardFinite(l, g, 1, 4)).toBe(true);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const g2 = Float64Array.from(g);
      g2[1] = bad; // above the diagonal
      expect(choleskyBackwardFinite(l, g2, 1, 4)).toBe(false);
      const l2 = Float64Array.from(l);
      l2[2 * 4 + 1] = bad;
      expect(choleskyBackwardFinite(l2, g, 1, 4)).toBe(false);
      const l3 = Float64Array.from(l);
      l3[1] = bad; // above the diagonal: never read
      expect(choleskyBackwardFinite(l3, g, 1, 4)).toBe(true);
    }
  });
});

/** gA of Σ W ∘ cholesky(A) by autograd, with the kernel (no graph) and with the op's formula. */
function bothGrads(a0: Tensor, w: Tensor, upper: boolean): [Float64Array, Float64Array] {
  const a = tensor(a0.dataSync(), { shape: [...a0.shape], dtype: 'float64', requiresGrad: true });
  const f = () => linalg.cholesky(a, { upper }).mul(w).sum();
  const [direct] = autograd.grad([f()], [a]);
  const [formula] = autograd.grad([f()], [a], { createGraph: true });
  return [direct!.dataSync() as Float64Array, formula!.dataSync() as Float64Array];
}

function spd(batch: number, n: number, seed: number): Tensor {
  const x = randn([batch, n, n], { dtype: 'float64', seed });
  return x.matmul(x.mT).add(eye(n, { dtype: 'float64' }).mul(n));
}

describe('cholesky backward through the op', () => {
  for (const [batch, n, upper] of [
    [1, 1, false],
    [2, 5, true],
    [1, 67, false],
    [2, 130, true],
    [1, 0, false],
  ] as const) {
    it(`agrees with the formula: batch ${batch}, n = ${n}, upper ${upper}`, () => {
      const w = randn([batch, n, n], { dtype: 'float64', seed: 5 });
      const [direct, formula] = bothGrads(spd(batch, n, n + 1), w, upper);
      expect(direct.length).toBe(batch * n * n);
      expect(maxRelDiff(direct, formula)).toBeLessThanOrEqual(64 * Math.max(n, 1) * 2 ** -52);
    });
  }

  it('NaN or ±inf in the gradient of L propagates as the formula propagates it', () => {
    const n = 6;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      for (const at of [0 * n + 3, 4 * n + 1]) {
        const wd = new Float64Array(n * n).fill(0.5);
        wd[at] = bad;
        const w = tensor(wd, { shape: [1, n, n], dtype: 'float64' });
        const [direct, formula] = bothGrads(spd(1, n, 9), w, false);
        expect(Array.from(direct, Number.isNaN)).toEqual(Array.from(formula, Number.isNaN));
        expect(Array.from(direct).filter(Number.isNaN).length).toBeGreaterThan(0);
      }
    }
  });
});
