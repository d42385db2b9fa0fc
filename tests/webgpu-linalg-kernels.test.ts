/**
 * The raw WGSL LU / Cholesky / triangular kernels against the CPU kernels: float32 on the device
 * versus float64 on the CPU, both from the same float32-rounded inputs. Tolerances are
 * `agreementTolerance` (η ≈ 10·n·eps(f32), times the exact 2-norm condition number of each input,
 * from the CPU SVD), applied normwise per matrix (atol = rtol·max|reference|). Factorizations are
 * also checked by their backward error |PA − L̂Û| ≤ 10·n·eps·|L̂||Û| (Higham Thm 9.3 with room).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as R from '../gradcheck/linalg-rand.js';
import { agreementTolerance, eps, linalgTolerance } from '../gradcheck/tolerance.js';
import type { GpuStorage } from '../src/backends/backend.js';
import * as C from '../src/backends/cpu/linalg/index.js';
import { svdCpu } from '../src/backends/cpu/linalg/svd.js';
import { getGpu } from '../src/backends/webgpu/index.js';
import * as G from '../src/backends/webgpu/linalg/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

type Tri = { upper: boolean; left: boolean; unitriangular: boolean };
const TRI: Tri = { upper: true, left: false, unitriangular: false };

const live: GpuStorage[] = [];
const up = (d: Float32Array | Int32Array): GpuStorage => {
  const s = getGpu().upload(d);
  live.push(s);
  return s;
};
const f32 = (len: number) => up(new Float32Array(len).fill(Number.NaN));
const i32 = (len: number) => up(new Int32Array(len).fill(-7));
const rd = async (s: GpuStorage) => getGpu().read(s);
const rdf = async (s: GpuStorage) => Float64Array.from(await rd(s));
const rdi = async (s: GpuStorage) => Array.from(await rd(s));

/** Worst error seen per kernel, in units of eps(f32)·cond (and of the tolerance). */
const worst = new Map<string, { ratio: number; ofTol: number }>();
function note(name: string, ratio: number, ofTol: number): void {
  const w = worst.get(name) ?? { ratio: 0, ofTol: 0 };
  worst.set(name, { ratio: Math.max(w.ratio, ratio), ofTol: Math.max(w.ofTol, ofTol) });
}

function spectrum(n: number, cond: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? 1 : cond ** (-i / (n - 1))));
}
/** U·diag(s)·Vᵀ with singular values from 1 down to 1/cond. */
function general(rng: R.Rng, n: number, cond: number): Float64Array {
  return R.composeUSVt(R.randomOrthogonal(rng, n), n, spectrum(n, cond), R.randomOrthogonal(rng, n), n);
}
/** Q·diag(s)·Qᵀ, symmetric positive-definite with condition number cond. */
function spd(rng: R.Rng, n: number, cond: number): Float64Array {
  const q = R.randomOrthogonal(rng, n);
  return R.symmetrize(R.composeUSVt(q, n, spectrum(n, cond), q, n), n);
}
/** `batch` matrices from gen, rounded to float32 and concatenated. */
function batchOf(batch: number, n: number, gen: (b: number) => Float64Array): Float32Array {
  const out = new Float32Array(batch * n * n);
  for (let b = 0; b < batch; b++) out.set(gen(b), b * n * n);
  return out;
}
const SVDVALS = { fullMatrices: false, computeUV: false };
/** Exact 2-norm condition number of each matrix (CPU SVD in float64). */
function kappas(a: ArrayLike<number>, batch: number, n: number): number[] {
  if (n === 0) return new Array<number>(batch).fill(1);
  const s = new Float64Array(batch * n);
  svdCpu(Float64Array.from(a), batch, n, n, null, s, null, SVDVALS, new Int32Array(batch));
  return Array.from({ length: batch }, (_, b) => s[b * n]! / s[b * n + n - 1]!);
}

/** Per batch element: max|got − ref| ≤ rtol·max|ref|, rtol = agreementTolerance(cond, n). */
type Arr = ArrayLike<number>;
function agree(name: string, got: Arr, ref: Arr, conds: number[], n: number): void {
  expect(got.length).toBe(ref.length);
  const size = ref.length / conds.length;
  conds.forEach((cond, b) => {
    let err = 0;
    let scale = 0;
    for (let i = b * size; i < (b + 1) * size; i++) {
      err = Math.max(err, Math.abs(got[i]! - ref[i]!));
      if (Number.isNaN(got[i]!)) err = Number.POSITIVE_INFINITY;
      scale = Math.max(scale, Math.abs(ref[i]!));
    }
    const tol = agreementTolerance({ cond, n, scale });
    const rel = scale === 0 ? err : err / scale;
    note(name, rel / (eps('float32') * cond), err / tol.atol || 0);
    expect(err, `${name} n=${n} batch element ${b}`).toBeLessThanOrEqual(tol.atol);
  });
}

/** Backward error of P·A = L·U per element: |PA − LU| ≤ 10·n·eps·(|L||U|). */
function luBackward(a: Float32Array, lu: ArrayLike<number>, piv: number[], batch: number, n: number): void {
  const { rtol } = linalgTolerance({ dtype: 'float32', cond: 1, n });
  for (let b = 0; b < batch; b++) {
    const o = b * n * n;
    const pa = Array.from(a.subarray(o, o + n * n));
    for (let k = 0; k < n; k++) {
      const p = piv[b * n + k]! - 1;
      for (let j = 0; j < n; j++) [pa[k * n + j], pa[p * n + j]] = [pa[p * n + j]!, pa[k * n + j]!];
    }
    let ratio = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let t = 0; t <= Math.min(i, j); t++) {
          const l = t === i ? 1 : lu[o + i * n + t]!;
          s += l * lu[o + t * n + j]!;
          abs += Math.abs(l * lu[o + t * n + j]!);
        }
        ratio = Math.max(ratio, Math.abs(pa[i * n + j]! - s) / (abs || 1));
      }
    }
    note('luFactor backward', ratio / eps('float32'), ratio / rtol);
    expect(ratio).toBeLessThanOrEqual(rtol);
  }
}

/** The whole LU family on `a` versus the CPU; returns nothing, asserts. */
async function checkLu(a: Float32Array, batch: number, n: number, nrhs = 3): Promise<void> {
  const gpu = getGpu();
  const a64 = Float64Array.from(a);
  const conds = kappas(a64, batch, n);
  const lu = new Float64Array(a.length);
  const piv = new Int32Array(batch * n);
  const info = new Int32Array(batch);
  C.luFactorCpu(a64, batch, n, lu, piv, info);
  const rhs = Float32Array.from(R.gaussian(R.makeRng(n + 1), batch * n * nrhs));
  const x = new Float64Array(rhs.length);
  C.luSolve(lu, piv, batch, n, Float64Array.from(rhs), nrhs, x);
  const inv = new Float64Array(a.length);
  C.luInverse(lu, piv, batch, n, inv);
  const [det, sign, lad] = [new Float64Array(batch), new Float64Array(batch), new Float64Array(batch)];
  C.luDet(lu, piv, batch, n, det);
  C.luSlogdet(lu, piv, batch, n, sign, lad);

  const [A, LU, P, I] = [up(a), f32(a.length), i32(batch * n), i32(batch)];
  const [B, X, INV, D, S, L] = [up(rhs), f32(rhs.length), f32(a.length), f32(batch), f32(batch), f32(batch)];
  G.luFactorGpu(gpu, A, batch, n, LU, P, I);
  G.luSolveGpu(gpu, LU, P, batch, n, B, nrhs, X);
  G.luInverseGpu(gpu, LU, P, batch, n, INV);
  G.luDetGpu(gpu, LU, P, batch, n, D);
  G.luSlogdetGpu(gpu, LU, P, batch, n, S, L);
  const [A2, B2] = [up(a), up(rhs)]; // in place
  G.luFactorGpu(gpu, A2, batch, n, A2, i32(batch * n), i32(batch));
  G.luSolveGpu(gpu, LU, P, batch, n, B2, nrhs, B2);
  expect(await rdf(A2)).toEqual(await rdf(LU));
  expect(await rdf(B2)).toEqual(await rdf(X));
  const gpiv = await rdi(P);
  expect(await rdi(I)).toEqual(Array.from(info));
  expect(gpiv).toEqual(Array.from(piv));
  luBackward(a, await rdf(LU), gpiv, batch, n);
  agree('luSolve', await rdf(X), x, conds, n);
  agree('luInverse', await rdf(INV), inv, conds, n);
  // det: a perturbation ΔA changes it by det·tr(A⁻¹ΔA), so its relative condition is ≤ n·κ.
  const [gd, gs, gl] = [await rdf(D), await rdf(S), await rdf(L)];
  for (let b = 0; b < batch; b++) {
    const { rtol } = agreementTolerance({ cond: n * conds[b]!, n });
    const ref = Math.fround(det[b]!);
    if (Math.abs(ref) < 2 ** -126 || !Number.isFinite(ref)) {
      // Outside float32's normal range: the float32 determinant is 0 (or subnormal) or ±inf.
      expect(Math.abs(gd[b]!) <= 2 ** -126 ? 0 : gd[b]).toBe(Number.isFinite(ref) ? 0 : ref);
    } else {
      const rel = Math.abs(gd[b]! / det[b]! - 1);
      note('luDet', rel / (eps('float32') * conds[b]!), rel / rtol);
      expect(rel, `luDet n=${n} batch element ${b}`).toBeLessThanOrEqual(rtol);
    }
    expect(gs[b]).toBe(sign[b]);
    const err = Math.abs(gl[b]! - lad[b]!); // absolute in log|det| = relative in |det|
    note('luSlogdet', err / (eps('float32') * conds[b]!), err / rtol);
    expect(err, `luSlogdet n=${n} batch element ${b}`).toBeLessThanOrEqual(rtol);
  }
}

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 64, 65];
const batchFor = (n: number) => (n <= 16 ? 20 : n <= 64 ? 10 : 3);
/** Triangular solves: [n, batch, nrhs]. */
const TRI_CASES = [1, 3, 5, 8, 17, 64].map((n, i) => [n, [3, 50, 20, 10, 4, 2][i]!, [2, 1, 4, 3, 2, 5][i]!]);

describeWebGPU('WebGPU LU / Cholesky / triangular kernels', () => {
  afterEach(() => {
    for (const s of live.splice(0)) getGpu().free(s);
  });
  afterAll(() => {
    const rows = [...worst].map(
      ([k, v]) => `${k}: ${v.ratio.toFixed(2)} eps·cond, ${v.ofTol.toFixed(3)} tol`,
    );
    console.log(`worst errors vs CPU:\n  ${rows.join('\n  ')}`);
  });

  describe('LU family', () => {
    it.each(SIZES)('agrees with the CPU for n = %i (κ = 100)', async (n) => {
      const [rng, batch] = [R.makeRng(100 + n), batchFor(n)];
      const a = batchOf(batch, n, () => general(rng, n, 100));
      await checkLu(a, batch, n);
    });

    it('1,000 matrices of 4×4 (κ up to 1e4) and one 256×256 (κ = 30)', async () => {
      const rng = R.makeRng(7);
      const small = batchOf(1000, 4, (b) => general(rng, 4, 10 ** (b % 5)));
      await checkLu(small, 1000, 4, 2);
      const big = batchOf(1, 256, () => general(rng, 256, 30));
      await checkLu(big, 1, 256, 2);
    });

    it('reports the first exactly-zero pivot like the CPU', async () => {
      const cases: [number, number[]][] = [
        [2, [1, 2, 2, 4]],
        [3, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
        [3, [1, 0, 2, 3, 0, 1, 4, 0, 5]], // zero column
        [3, [0, 1, 2, 0, 3, 4, 0, 5, 6]], // zero first column
        [4, [2, 1, 1, 0, 4, 3, 3, 1, 8, 7, 9, 5, 6, 7, 9, 8]],
        [3, [1, 2, 3, 2, 4, 6, 1, 1, 1]], // rank 2
      ];
      for (const [n, m] of cases) {
        const a = Float32Array.from(m);
        const [lu, piv, info] = [new Float64Array(n * n), new Int32Array(n), new Int32Array(1)];
        C.luFactorCpu(Float64Array.from(a), 1, n, lu, piv, info);
        const [LU, P, I] = [f32(n * n), i32(n), i32(1)];
        G.luFactorGpu(getGpu(), up(a), 1, n, LU, P, I);
        expect(await rdi(I), JSON.stringify(m)).toEqual(Array.from(info));
        expect(await rdi(P)).toEqual(Array.from(piv));
      }
      // One singular matrix in a batch of 5 (n = 3).
      const rng = R.makeRng(3);
      const a = batchOf(5, 3, () => general(rng, 3, 5));
      a.set([1, 2, 3, 2, 4, 6, 0, 1, 1], 18);
      const info = new Int32Array(5);
      C.luFactorCpu(Float64Array.from(a), 5, 3, new Float64Array(45), new Int32Array(15), info);
      expect(Array.from(info)).toEqual([0, 0, 3, 0, 0]);
      const I = i32(5);
      G.luFactorGpu(getGpu(), up(a), 5, 3, f32(45), i32(15), I);
      expect(await rdi(I)).toEqual(Array.from(info));
    });

    it('keeps info across the dispatches of a large factorization (n = 256)', async () => {
      const n = 256;
      const a = batchOf(1, n, () => general(R.makeRng(4), n, 10));
      for (let i = 0; i < n; i++) a[i * n + 200] = 0; // zero column: first zero pivot at 201
      const [L1, I1] = [f32(n * n), i32(1)];
      G.luFactorGpu(getGpu(), up(a), 1, n, L1, i32(n), I1);
      const s = batchOf(1, n, () => spd(R.makeRng(5), n, 10));
      s[150 * n + 150] = -1; // leading minor 151 is not positive-definite
      const [L2, I2] = [f32(n * n), i32(1)];
      G.choleskyGpu(getGpu(), up(s), 1, n, L2, I2, false);
      expect([...(await rdi(I1)), ...(await rdi(I2))]).toEqual([201, 151]);
    });

    it('propagates NaN like the CPU (terminates; NaN results, same info and pivots)', async () => {
      const n = 4;
      const rng = R.makeRng(5);
      const a = batchOf(4, n, () => general(rng, n, 10));
      a[0] = Number.NaN; // NaN pivot candidate on the diagonal
      a[16 + 6] = Number.NaN; // NaN below the diagonal
      a[32 + 15] = Number.NaN; // NaN in the last pivot
      a.fill(0, 48, 52); // zero row ... and a NaN in it
      a[49] = Number.NaN;
      const [lu, piv, info] = [new Float64Array(64), new Int32Array(16), new Int32Array(4)];
      C.luFactorCpu(Float64Array.from(a), 4, n, lu, piv, info);
      const det = new Float64Array(4);
      C.luDet(lu, piv, 4, n, det);
      const [LU, P, I, INV, D] = [f32(64), i32(16), i32(4), f32(64), f32(4)];
      G.luFactorGpu(getGpu(), up(a), 4, n, LU, P, I);
      G.luInverseGpu(getGpu(), LU, P, 4, n, INV);
      G.luDetGpu(getGpu(), LU, P, 4, n, D);
      expect(await rdi(I)).toEqual(Array.from(info));
      expect(await rdi(P)).toEqual(Array.from(piv));
      const glu = await rdf(LU);
      expect(Array.from(glu, Number.isNaN)).toEqual(Array.from(lu, Number.isNaN));
      expect(Array.from(await rdf(D), Number.isNaN)).toEqual(Array.from(det, Number.isNaN));
      const inv = await rdf(INV);
      for (let b = 0; b < 4; b++) expect(inv.subarray(b * 16, b * 16 + 16).some(Number.isNaN)).toBe(true);
    });

    it('det and slogdet: scaled products, zeros, infinities, 0×0', async () => {
      const n = 40;
      const a = new Float32Array(4 * n * n);
      for (let i = 0; i < n; i++) {
        a[i * n + i] = i % 2 ? 32 : 1 / 16; // det 2^20
        a[n * n + i * n + i] = (i === 3 ? -1 : 1) * (i < 20 ? 2 ** 40 : 2 ** -38); // partial products overflow
        a[2 * n * n + i * n + i] = i === 5 ? 0 : 1;
        a[3 * n * n + i * n + i] = i === 5 ? Number.POSITIVE_INFINITY : -1;
      }
      const [LU, P, I, D, S, L] = [f32(a.length), i32(4 * n), i32(4), f32(4), f32(4), f32(4)];
      G.luFactorGpu(getGpu(), up(a), 4, n, LU, P, I);
      G.luDetGpu(getGpu(), LU, P, 4, n, D);
      G.luSlogdetGpu(getGpu(), LU, P, 4, n, S, L);
      const lu = Float64Array.from(await rd(LU));
      const piv = Int32Array.from(await rdi(P));
      const [det, sign, lad] = [new Float64Array(4), new Float64Array(4), new Float64Array(4)];
      C.luDet(lu, piv, 4, n, det);
      C.luSlogdet(lu, piv, 4, n, sign, lad);
      expect(Array.from(det)).toEqual([2 ** 20, -(2 ** 40), 0, Number.NEGATIVE_INFINITY]);
      expect(Array.from(await rdf(D))).toEqual(Array.from(det));
      expect(Array.from(await rdf(S))).toEqual(Array.from(sign));
      const gl = await rdf(L);
      for (const b of [0, 1])
        expect(Math.abs(gl[b]! - lad[b]!)).toBeLessThanOrEqual(4 * eps('float32') * lad[b]!);
      expect([gl[2], gl[3]]).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
      const [D0, S0, L0] = [f32(2), f32(2), f32(2)];
      G.luDetGpu(getGpu(), f32(0), i32(0), 2, 0, D0);
      G.luSlogdetGpu(getGpu(), f32(0), i32(0), 2, 0, S0, L0);
      expect([...(await rdi(D0)), ...(await rdi(S0)), ...(await rdi(L0))]).toEqual([1, 1, 1, 1, 0, 0]);
    });
  });

  describe('Cholesky', () => {
    async function checkCholesky(a: Float32Array, batch: number, n: number, upper: boolean): Promise<void> {
      const conds = kappas(a, batch, n);
      const l = new Float64Array(a.length);
      const info = new Int32Array(batch);
      C.cholesky(Float64Array.from(a), batch, n, l, info, upper);
      // Only the lower triangle (the upper one when `upper`, as PyTorch) may be read: poison the other.
      const poisoned = Float32Array.from(a);
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) if (upper ? j < i : j > i) poisoned[b * n * n + i * n + j] = Number.NaN;
      const [L, I] = [f32(a.length), i32(batch)];
      const S = up(poisoned); // in place
      G.choleskyGpu(getGpu(), up(poisoned), batch, n, L, I, upper);
      G.choleskyGpu(getGpu(), S, batch, n, S, i32(batch), upper);
      expect(await rdf(S)).toEqual(await rdf(L));
      expect(await rdi(I)).toEqual(Array.from(info));
      agree('cholesky', await rdf(L), l, conds, n);
      // Inverse from the (float32-rounded) factor; the other triangle of the factor is poisoned too.
      const lf = Float32Array.from(l);
      const inv = new Float64Array(a.length);
      const info2 = new Int32Array(batch);
      C.choleskyInverse(Float64Array.from(lf), batch, n, upper, inv, info2);
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) if (upper ? j < i : j > i) lf[b * n * n + i * n + j] = Number.NaN;
      const [X, I2] = [f32(a.length), i32(batch)];
      G.choleskyInverseGpu(getGpu(), up(lf), batch, n, upper, X, I2);
      expect(await rdi(I2)).toEqual(Array.from(info2));
      agree('choleskyInverse', await rdf(X), inv, conds, n);
    }

    it.each(SIZES)('agrees with the CPU for n = %i, lower and upper (κ = 100)', async (n) => {
      const [rng, batch] = [R.makeRng(200 + n), batchFor(n)];
      const a = batchOf(batch, n, () => spd(rng, n, 100));
      for (const upper of [false, true]) await checkCholesky(a, batch, n, upper);
    });

    it('1,000 matrices of 4×4 (κ up to 1e4) and one 256×256 (κ = 100)', async () => {
      const rng = R.makeRng(9);
      const small = batchOf(1000, 4, (b) => spd(rng, 4, 10 ** (b % 5)));
      await checkCholesky(small, 1000, 4, false);
      const big = batchOf(1, 256, () => spd(rng, 256, 100));
      await checkCholesky(big, 1, 256, false);
    });

    it('reports the order of the first non-positive-definite minor like the CPU, also for NaN', async () => {
      const rng = R.makeRng(11);
      for (const n of [3, 6, 20, 70]) {
        const batch = 12;
        const a = batchOf(batch, n, (b) => {
          // Symmetric with eigenvalues in [-1, 3]: indefinite, failing at various minors.
          const m = spd(rng, n, 4);
          for (let i = 0; i < n; i++) m[i * n + i]! -= 0.3 + 0.05 * b;
          return m;
        });
        a.set([1, 2, 2, 1], n * n); // [[1, 2], [2, 1]]: minor 2
        a.fill(0, 2 * n * n, 3 * n * n); // zero matrix: minor 1
        a[3 * n * n + (n - 1) * n + 1] = Number.NaN; // NaN in the lower triangle
        a[4 * n * n] = Number.NaN; // NaN pivot
        a[5 * n * n + 2 * n + 2] = -0; // -0 pivot ... in an otherwise random matrix
        for (const upper of [false, true]) {
          // Each reads its own triangle (the NaN at (n−1, 1) is in the lower one only).
          const info = new Int32Array(batch);
          C.cholesky(Float64Array.from(a), batch, n, new Float64Array(a.length), info, upper);
          expect(info[2]).toBe(1);
          expect(info[4]).toBe(1);
          if (!upper) expect(info[3]).toBeGreaterThan(0);
          const I = i32(batch);
          G.choleskyGpu(getGpu(), up(a), batch, n, f32(a.length), I, upper);
          expect(await rdi(I), `n=${n}, upper=${upper}`).toEqual(Array.from(info));
        }
      }
    });

    it('choleskyInverse reports a zero diagonal element of the factor', async () => {
      const f = Float32Array.from([2, 0, 0, 1, 0, 0, 3, 1, 5, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
      const I = i32(2);
      const X = f32(18);
      G.choleskyInverseGpu(getGpu(), up(f), 2, 3, false, X, I);
      expect(await rdi(I)).toEqual([2, 3]);
      expect((await rdf(X)).some((v) => !Number.isFinite(v))).toBe(true);
    });
  });

  describe('triangular solves', () => {
    const combos: Tri[] = [];
    for (const upper of [false, true])
      for (const left of [false, true])
        for (const unitriangular of [false, true]) combos.push({ upper, left, unitriangular });

    async function checkTri(o: Tri, n: number, batch: number, nrhs: number): Promise<void> {
      const rng = R.makeRng(300 + n);
      // Cholesky factors of SPD matrices: κ(T) = √κ(A); unit: the factor divided by its diagonal.
      const t = batchOf(batch, n, () => {
        const m = spd(rng, n, 1e4);
        const l = new Float64Array(n * n);
        C.cholesky(m, 1, n, l, new Int32Array(1), o.upper);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) if (o.unitriangular) l[i * n + j]! /= l[(o.upper ? i : j) * (n + 1)]!;
        return l;
      });
      const conds = kappas(t, batch, n);
      const b = Float32Array.from(R.gaussian(rng, batch * n * nrhs));
      const x = new Float64Array(b.length);
      C.solveTriangular(Float64Array.from(t), batch, n, Float64Array.from(b), nrhs, x, o);
      // Poison everything the solve must not read.
      for (let e = 0; e < batch; e++)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            if ((o.upper ? j < i : j > i) || (o.unitriangular && i === j))
              t[e * n * n + i * n + j] = Number.NaN;
      const T = up(t);
      const X = f32(b.length);
      G.solveTriangularGpu(getGpu(), T, batch, n, up(b), nrhs, X, o);
      agree('solveTriangular', await rdf(X), x, conds, n);
      const B = up(b); // in place
      G.solveTriangularGpu(getGpu(), T, batch, n, B, nrhs, B, o);
      expect(Array.from(await rd(B))).toEqual(Array.from(await rd(X)));
    }

    it.each(combos)('upper=$upper left=$left unit=$unitriangular agree with the CPU', async (o) => {
      // [n, batch, nrhs]
      for (const [n, batch, nrhs] of TRI_CASES) await checkTri(o, n, batch, nrhs);
    });

    it('n = 256, forward and backward substitution', async () => {
      await checkTri({ ...TRI, left: true }, 256, 1, 2);
      await checkTri({ ...TRI, upper: false, unitriangular: true }, 256, 1, 2);
    });
  });

  describe('edge cases', () => {
    it('n = 0 writes info = 0 (det 1) and batch = 0 does nothing', async () => {
      const gpu = getGpu();
      const [I1, I2, I3] = [i32(3), i32(3), i32(3)];
      G.luFactorGpu(gpu, f32(0), 3, 0, f32(0), i32(0), I1);
      G.choleskyGpu(gpu, f32(0), 3, 0, f32(0), I2, true);
      G.choleskyInverseGpu(gpu, f32(0), 3, 0, false, f32(0), I3);
      G.luSolveGpu(gpu, f32(0), i32(0), 3, 0, f32(0), 2, f32(0));
      G.luInverseGpu(gpu, f32(0), i32(0), 3, 0, f32(0));
      G.solveTriangularGpu(gpu, f32(0), 3, 0, f32(0), 2, f32(0), TRI);
      expect([...(await rdi(I1)), ...(await rdi(I2)), ...(await rdi(I3))]).toEqual(new Array(9).fill(0));
      const e = f32(0);
      const ei = i32(0);
      G.luFactorGpu(gpu, e, 0, 5, f32(0), ei, i32(0));
      G.luSolveGpu(gpu, e, ei, 0, 5, e, 3, f32(0));
      G.luInverseGpu(gpu, e, ei, 0, 5, f32(0));
      G.luDetGpu(gpu, e, ei, 0, 5, f32(0));
      G.luSlogdetGpu(gpu, e, ei, 0, 5, f32(0), f32(0));
      G.choleskyGpu(gpu, e, 0, 5, f32(0), i32(0), false);
      G.choleskyInverseGpu(gpu, e, 0, 5, true, f32(0), i32(0));
      G.solveTriangularGpu(gpu, e, 0, 5, e, 3, f32(0), TRI);
      G.luSolveGpu(gpu, f32(25), i32(5), 1, 5, f32(0), 0, f32(0)); // nrhs = 0
      expect(await rdi(e)).toEqual([]);
      expect(() => G.luFactorGpu(gpu, f32(3), 1, 2, f32(4), i32(2), i32(1))).toThrow(/a has 3 elements/);
      expect(() => G.luFactorGpu(gpu, f32(4), 1, 2, f32(4), f32(2), i32(1))).toThrow(/piv must be int32/);
    });

    it('more than 65,535 workgroups (4.2M 1×1 matrices)', async () => {
      const gpu = getGpu();
      const batch = 65535 * 64 + 70;
      const a = new Float32Array(batch).map((_, i) => (i % 7) - 3);
      const [LU, P, I, X, D] = [f32(batch), i32(batch), i32(batch), f32(batch), f32(batch)];
      G.luFactorGpu(gpu, up(a), batch, 1, LU, P, I);
      G.luInverseGpu(gpu, LU, P, batch, 1, X);
      G.choleskyGpu(gpu, up(a), batch, 1, D, I, false);
      const [x, info, l] = [await rd(X), await rd(I), await rd(D)];
      for (const i of [0, 3, 4, batch - 2, batch - 1, 65535 * 64 + 3]) {
        if (a[i] !== 0) expect(x[i]).toBe(Math.fround(1 / a[i]!));
        expect(info[i]).toBe(a[i]! > 0 ? 0 : 1);
        if (a[i]! > 0) expect(l[i]).toBe(Math.fround(Math.sqrt(a[i]!)));
      }
    });
  });
});
