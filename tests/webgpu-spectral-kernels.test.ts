/**
 * WebGPU spectral kernels (eighGpu, svdGpu, qrGpu, float32) against the CPU kernels run in float64
 * on the same float32-rounded inputs.
 *
 * Tolerances (never tuned to pass): from `agreementTolerance` with N = max(m, n), i.e.
 * η ≈ (10N + √N/2)·eps(float32), and ‖A‖ = ‖A‖₂ (from the CPU result):
 * - eigen/singular values and reconstructions (max |entry| of A − V·diag(w)·Vᵀ, A − U·diag(S)·Vh,
 *   A − Q·R): ≤ η·‖A‖ (cond 1: Weyl / backward stability);
 * - orthonormality max |XᵀX − I|: ≤ η;
 * - eigen/singular vectors where the gap g_j to the rest of the spectrum is positive: the bound
 *   with cond = ‖A‖/g_j (Davis–Kahan), checked only where it is below 0.1;
 * - Q, R of well-conditioned A: cond = κ(A) (the conditioning of the QR factors).
 * Ratios err/(eps·‖A‖) (resp. err/eps) are collected and printed at the end.
 */
import { afterAll, expect, it } from 'vitest';
import * as lr from '../gradcheck/linalg-rand.js';
import { agreementTolerance, eps } from '../gradcheck/tolerance.js';
import type { GpuStorage } from '../src/backends/backend.js';
import { eigh, qr, svdCpu } from '../src/backends/cpu/linalg/spectral.js';
import { getGpu } from '../src/backends/webgpu/index.js';
import * as k from '../src/backends/webgpu/linalg/spectral.js';
import { describeWebGPU } from './helpers/webgpu.js';

const EPS = eps('float32');
const F64 = Float64Array;
type Arr = ArrayLike<number>;
/** A batch of m×n matrices (n×n for eigh) and an optional forced layout. */
interface Job {
  batch: number;
  m: number;
  n: number;
  t?: k.SpectralThreads;
  maxSweeps?: number;
}
const worst: Record<string, number> = {};
/** Asserts err ≤ bound and records err/unit under `label`. */
function within(label: string, err: number, bound: number, unit: number): void {
  if (unit > 0) worst[label] = Math.max(worst[label] ?? 0, err / unit);
  expect(err, label).toBeLessThanOrEqual(bound);
}
const tolFor = (n: number, cond = 1) => agreementTolerance({ n, cond: Math.max(1, cond) }).rtol;
const slice = (x: Arr, off: number, len: number) => F64.from({ length: len }, (_, i) => x[off + i]!);
/** Column j of an r×c matrix. */
const colOf = (x: Arr, r: number, c: number, j: number) => F64.from({ length: r }, (_, i) => x[i * c + j]!);
const maxAbsDiff = (x: Arr, y: Arr) => {
  let e = x.length === y.length ? 0 : Number.NaN;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i]! - y[i]!));
  return e;
};
const dot = (x: Arr, y: Arr) => Array.from(x).reduce((acc, v, i) => acc + v * y[i]!, 0);
/** max |XᵀX − I| for an r×c matrix X (orthonormal columns). */
function orthErr(x: Float64Array, r: number, c: number): number {
  const g = lr.matmul(lr.transpose(x, r, c), x, c, r, c);
  return maxAbsDiff(g, lr.identity(c));
}
/** X·diag(d) for a matrix X with d.length columns. */
const scaleCols = (x: Float64Array, d: Arr) => x.map((v, e) => v * d[e % d.length]!);
/** Smallest distance from d[j] to the other entries. */
const gapOf = (d: Arr, j: number) =>
  Math.min(...Array.from(d, (x, i) => (i === j ? Number.POSITIVE_INFINITY : Math.abs(x - d[j]!))));
/** A batch of m×n matrices U·diag(s)·Vᵀ (random orthogonal U, V; V = U when sym) in float32. */
function withSpectrum(rng: lr.Rng, { batch, m, n }: Job, s: (b: number) => number[], sym = false) {
  const out = new Float32Array(batch * m * n);
  for (let b = 0; b < batch; b++) {
    const u = lr.randomOrthogonal(rng, m);
    out.set(lr.composeUSVt(u, m, s(b), sym ? u : lr.randomOrthogonal(rng, n), n), b * m * n);
  }
  return out;
}
const sq = (batch: number, n: number, t?: k.SpectralThreads): Job => ({ batch, m: n, n, t });
const spread = (len: number, scale = 1) =>
  Array.from({ length: len }, (_, i) => scale * (1 + i) * (i % 2 ? -1 : 1));
const gauss = (rng: lr.Rng, len: number) => Float32Array.from(lr.gaussian(rng, len));
const pickThreads = (rng: lr.Rng) => ([1, 32, 64, 256] as const)[Math.floor(rng.uniform() * 4)];

/** Reads (and frees) the storages; null stays null. */
async function readAll(stores: (GpuStorage | null)[]) {
  const gpu = getGpu();
  const out = await Promise.all(stores.map((s) => (s ? gpu.read(s) : null)));
  for (const s of stores) if (s) gpu.free(s);
  return out as (Float32Array | null)[];
}

async function runEigh(a: Float32Array, { batch, n, t, maxSweeps }: Job, upper: boolean, vectors = true) {
  const gpu = getGpu();
  const A = gpu.upload(a);
  const [W, I] = [gpu.alloc('float32', batch * n), gpu.alloc('int32', batch)];
  const V = vectors ? gpu.alloc('float32', batch * n * n) : null;
  k.eighGpu(gpu, A, batch, n, upper, W, V, I, { threads: t, maxSweeps });
  const [w, v, info] = await readAll([W, V, I, A]);
  return { w: w!, v, info: Array.from(info!) };
}

/** Runs eighGpu and checks values, vectors, reconstruction and the sign rule against the CPU. */
async function checkEigh(a: Float32Array, job: Job, upper: boolean) {
  const { batch, n } = job;
  const { w, v, info } = await runEigh(a, job, upper);
  const [wc, vc] = [new F64(batch * n), new F64(batch * n * n)];
  eigh(F64.from(a), batch, n, upper, wc, vc, true, new Int32Array(batch));
  const tol = tolFor(n);
  for (let b = 0; b < batch; b++) {
    expect(info[b], 'info').toBe(0);
    const [wb, wcb, vb] = [slice(w, b * n, n), slice(wc, b * n, n), slice(v!, b * n * n, n * n)];
    const norm = Math.max(Math.abs(wcb[0] ?? 0), Math.abs(wcb[n - 1] ?? 0), Number.MIN_VALUE);
    for (let j = 1; j < n; j++) expect(wb[j]!).toBeGreaterThanOrEqual(wb[j - 1]!);
    within('eigh w vs cpu', maxAbsDiff(wb, wcb), tol * norm, EPS * norm);
    within('eigh V orth', orthErr(vb, n, n), tol, EPS);
    const sym = F64.from({ length: n * n }, (_, e) => {
      const [i, j] = [Math.floor(e / n), e % n];
      return a[b * n * n + ((upper ? j >= i : j <= i) ? e : j * n + i)]!; // the matrix the triangle defines
    });
    const rec = lr.matmul(scaleCols(vb, wb), lr.transpose(vb, n, n), n, n, n);
    within('eigh V·diag(w)·Vᵀ', maxAbsDiff(rec, sym), tol * norm, EPS * norm);
    for (let j = 0; j < n; j++) {
      const col = colOf(vb, n, n, j);
      const big = Math.max(...col.map(Math.abs));
      expect(col.find((x) => Math.abs(x) >= big * (1 - 1e-5))!, 'sign rule').toBeGreaterThan(0);
      const gap = gapOf(wcb, j);
      const vtol = tolFor(n, norm / gap);
      if (vtol >= 0.1) continue;
      const ref = colOf(slice(vc, b * n * n, n * n), n, n, j);
      within('eigh vectors vs cpu (·gap/‖A‖)', maxAbsDiff(col, ref), vtol, (EPS * norm) / gap);
    }
  }
  return { w, v };
}

/** Symmetric batch from a Gaussian triangle; the other triangle holds NaN (must not be read). */
function symTriangle(rng: lr.Rng, batch: number, n: number, upper: boolean): Float32Array {
  const a = gauss(rng, batch * n * n);
  a.forEach((_, e) => {
    const [i, j] = [Math.floor(e / n) % n, e % n];
    if (upper ? j < i : j > i) a[e] = Number.NaN;
  });
  return a;
}

async function runSvd(a: Float32Array, { batch, m, n, t, maxSweeps }: Job, full: boolean, uv = true) {
  const gpu = getGpu();
  const q = Math.min(m, n);
  const A = gpu.upload(a);
  const U = uv ? gpu.alloc('float32', batch * m * (full ? m : q)) : null;
  const VH = uv ? gpu.alloc('float32', batch * (full ? n : q) * n) : null;
  const [S, I] = [gpu.alloc('float32', batch * q), gpu.alloc('int32', batch)];
  k.svdGpu(gpu, A, batch, m, n, U, S, VH, { fullMatrices: full, computeUV: uv }, I, {
    threads: t,
    maxSweeps,
  });
  const [u, s, vh, info] = await readAll([U, S, VH, I, A]);
  return { u, s: s!, vh, info: Array.from(info!) };
}

/** Runs svdGpu and checks values, orthonormality, reconstruction and vectors against the CPU. */
async function checkSvd(a: Float32Array, job: Job, full: boolean) {
  const { batch, m, n } = job;
  const { u, s, vh, info } = await runSvd(a, job, full);
  const q = Math.min(m, n);
  const [uc, vr] = [full ? m : q, full ? n : q];
  const [sc, ucpu, vcpu] = [new F64(batch * q), new F64(batch * m * uc), new F64(batch * vr * n)];
  svdCpu(
    F64.from(a),
    batch,
    m,
    n,
    ucpu,
    sc,
    vcpu,
    { fullMatrices: full, computeUV: true },
    new Int32Array(batch),
  );
  const tol = tolFor(Math.max(m, n));
  for (let b = 0; b < batch; b++) {
    expect(info[b], 'info').toBe(0);
    const [sb, scb] = [slice(s, b * q, q), slice(sc, b * q, q)];
    const [ub, vb] = [slice(u!, b * m * uc, m * uc), slice(vh!, b * vr * n, vr * n)];
    const norm = Math.max(scb[0] ?? 0, Number.MIN_VALUE);
    for (let j = 0; j < q; j++) expect(sb[j]!).toBeGreaterThanOrEqual(j + 1 < q ? sb[j + 1]! : 0);
    within('svd S vs cpu', maxAbsDiff(sb, scb), tol * norm, EPS * norm);
    within('svd U orth', orthErr(ub, m, uc), tol, EPS);
    within('svd Vh orth', orthErr(lr.transpose(vb, vr, n), n, vr), tol, EPS);
    const us = F64.from({ length: m * q }, (_, e) => ub[Math.floor(e / q) * uc + (e % q)]! * sb[e % q]!);
    const rec = lr.matmul(us, vb.subarray(0, q * n), m, q, n);
    within('svd U·diag(S)·Vh', maxAbsDiff(rec, slice(a, b * m * n, m * n)), tol * norm, EPS * norm);
    for (let j = 0; j < q; j++) {
      const gap = Math.min(gapOf(scb, j), m !== n ? scb[j]! : Number.POSITIVE_INFINITY);
      const vtol = tolFor(Math.max(m, n), norm / gap);
      if (vtol >= 0.1) continue;
      const [ug, uref] = [colOf(ub, m, uc, j), colOf(slice(ucpu, b * m * uc, m * uc), m, uc, j)];
      const sign = dot(ug, uref) < 0 ? -1 : 1; // one sign for the pair (u_j, vh_j)
      const [vg, vref] = [vb.subarray(j * n, (j + 1) * n), slice(vcpu, b * vr * n + j * n, n)];
      const [su, sv] = [ug.map((x) => sign * x), vg.map((x) => sign * x)];
      const err = Math.max(maxAbsDiff(su, uref), maxAbsDiff(sv, vref));
      within('svd vectors vs cpu (·gap/‖A‖)', err, vtol, (EPS * norm) / gap);
    }
  }
  return { s };
}

async function runQr(a: Float32Array, { batch, m, n, t }: Job, mode: k.QrGpuMode) {
  const gpu = getGpu();
  const kk = Math.min(m, n);
  const [rr, qc] = mode === 'complete' ? [m, m] : [kk, kk];
  const A = gpu.upload(a);
  const Q = mode === 'r' ? null : gpu.alloc('float32', batch * m * qc);
  const R = gpu.alloc('float32', batch * rr * n);
  k.qrGpu(gpu, A, batch, m, n, Q, R, mode, { threads: t });
  const [q, r] = await readAll([Q, R, A]);
  return { q, r: r! };
}

/** Checks Q·R = A, Q orthonormal, R triangular, and, when `cond` is given, Q and R vs the CPU. */
async function checkQr(a: Float32Array, job: Job, mode: k.QrGpuMode, cond?: number) {
  const { batch, m, n } = job;
  const { q, r } = await runQr(a, job, mode);
  const kk = Math.min(m, n);
  const [rr, qc] = mode === 'complete' ? [m, m] : [kk, kk];
  const [qcpu, rcpu, sv] = [new F64(batch * m * qc), new F64(batch * rr * n), new F64(batch * kk)];
  qr(F64.from(a), batch, m, n, qcpu, rcpu, mode);
  const opts = { fullMatrices: false, computeUV: false };
  svdCpu(F64.from(a), batch, m, n, null, sv, null, opts, new Int32Array(batch));
  const tol = tolFor(Math.max(m, n));
  for (let b = 0; b < batch; b++) {
    const norm = Math.max(sv[b * kk] ?? 0, Number.MIN_VALUE);
    const [qb, rb] = [slice(q!, b * m * qc, m * qc), slice(r, b * rr * n, rr * n)];
    const lowerZero = rb.every((x, e) => e % n >= Math.floor(e / n) || x === 0);
    expect(lowerZero, 'R triangular').toBe(true);
    within('qr Q orth', orthErr(qb, m, qc), tol, EPS);
    const rec = lr.matmul(qb, rb, m, qc, n);
    within('qr Q·R', maxAbsDiff(rec, slice(a, b * m * n, m * n)), tol * norm, EPS * norm);
    if (cond === undefined) continue;
    const ctol = tolFor(Math.max(m, n), cond);
    within('qr Q vs cpu (/κ)', maxAbsDiff(qb, slice(qcpu, b * m * qc, m * qc)), ctol, EPS * cond);
    const rErr = maxAbsDiff(rb, slice(rcpu, b * rr * n, rr * n));
    within('qr R vs cpu (/κ)', rErr, ctol * norm, EPS * cond * norm);
  }
  return { r };
}

/** Spectrum (eigen/singular values) of batch element b of a case. */
type Spec = (b: number) => number[];
const job = (batch: number, m: number, n: number, t?: k.SpectralThreads): Job => ({ batch, m, n, t });
/** Expects outputs r2 to equal r1, with the first `scaled` of them multiplied by f. */
function expectScaled(r1: (Float32Array | null)[], r2: (Float32Array | null)[], f: number, scaled: number) {
  for (const [i, x] of r1.entries()) {
    expect(Array.from(r2[i]!)).toEqual(Array.from(x!, (v) => (i < scaled ? v * f : v)));
  }
}

describeWebGPU('WebGPU spectral kernels (float32 vs CPU float64)', () => {
  afterAll(() => {
    const fmt = Object.entries(worst).map(([key, v]) => `  ${key}: ${v.toFixed(2)}`);
    console.log(`largest errors (in eps·‖A‖, eps, or eps·‖A‖/gap as labelled):\n${fmt.join('\n')}`);
  });

  it('eigh: n = 0..8, batches of 40, both triangles (other triangle NaN), random layouts', async () => {
    const rng = lr.makeRng(1);
    for (let n = 0; n <= 8; n++) {
      await checkEigh(symTriangle(rng, 40, n, n % 2 === 0), sq(40, n), n % 2 === 0);
      await checkEigh(symTriangle(rng, 3, n, n % 2 === 1), sq(3, n, pickThreads(rng)), n % 2 === 1);
    }
  });

  it('eigh: n = 16, 24, 32, 64 (vectors vs CPU where separated), batch 200 of 6×6, all layouts', async () => {
    const rng = lr.makeRng(2);
    const cases: [Job, boolean, Spec][] = [
      [sq(5, 16), false, () => spread(16)],
      [sq(5, 16, 1), true, () => spread(16, 0.01)],
      [sq(2, 16, 256), true, () => spread(16)],
      [sq(2, 32), false, () => spread(32, 1e3)],
      [sq(1, 64), true, () => spread(64)],
      [sq(200, 6), false, (b) => spread(6, 1 + b)],
    ];
    for (const [jb, upper, spec] of cases) await checkEigh(withSpectrum(rng, jb, spec, true), jb, upper);
    await checkEigh(symTriangle(rng, 3, 24, false), sq(3, 24), false);
  });

  it('eigh: repeated, zero and rank-deficient spectra stay orthonormal', async () => {
    const rng = lr.makeRng(3);
    const rep = [-2, -2, 1, 1, 1, 3, 3, 3, 3];
    const cases: [Job, Spec][] = [
      [sq(4, 9), () => rep],
      [sq(2, 24), () => Array.from({ length: 24 }, (_, i) => (i < 12 ? 1 : -1))],
      [sq(3, 5), () => []],
      [sq(4, 10), () => [5, -3]],
      [sq(2, 20, 32), () => [5, -3, 1]],
    ];
    for (const [jb, spec] of cases) {
      const { w } = await checkEigh(withSpectrum(rng, jb, spec, true), jb, jb.n % 2 === 0);
      if (jb.n === 9) expect(maxAbsDiff(w.subarray(0, 9), rep)).toBeLessThanOrEqual(tolFor(9) * 3);
    }
  });

  it('eigh: NaN/Inf in the read triangle gives info −1 and NaN outputs; eigvalsh; n = 0; batch = 0', async () => {
    const rng = lr.makeRng(4);
    for (const t of [undefined, 32] as const) {
      const a = symTriangle(rng, 3, 4, false);
      a[16 + 9] = Number.NaN; // element 1, (2, 1)
      a[32 + 15] = Number.POSITIVE_INFINITY; // element 2, (3, 3)
      const { w, v, info } = await runEigh(a, sq(3, 4, t), false);
      expect(info).toEqual([0, -1, -1]);
      expect([w.subarray(4), v!.subarray(16)].every((x) => x.every(Number.isNaN))).toBe(true);
      expect(w.subarray(0, 4).some(Number.isNaN)).toBe(false);
      const vals = await runEigh(a, sq(3, 4, t), false, false);
      expect(vals.info).toEqual([0, -1, -1]);
      expect(Array.from(vals.w.subarray(0, 4))).toEqual(Array.from(w.subarray(0, 4)));
    }
    expect((await runEigh(new Float32Array(0), sq(3, 0), false)).info).toEqual([0, 0, 0]);
    expect((await runEigh(new Float32Array(0), sq(0, 5), false)).w.length).toBe(0);
  });

  it('info > 0 when the sweep limit is hit; outputs stay sorted and the rotations orthonormal', async () => {
    const rng = lr.makeRng(12);
    for (const t of [undefined, 32] as const) {
      const a = gauss(rng, 3 * 8 * 8);
      const { w, v, info } = await runEigh(a, { ...sq(3, 8, t), maxSweeps: 1 }, false);
      expect(info.every((x) => x > 0)).toBe(true);
      for (let j = 1; j < 8; j++) expect(w[j]!).toBeGreaterThanOrEqual(w[j - 1]!);
      within('eigh V orth', orthErr(slice(v!, 0, 64), 8, 8), tolFor(8), EPS);
      const r = await runSvd(a.subarray(0, 3 * 48), { ...job(3, 8, 6, t), maxSweeps: 1 }, true);
      expect(r.info.every((x) => x > 0)).toBe(true);
      for (let j = 1; j < 6; j++) expect(r.s[j]!).toBeLessThanOrEqual(r.s[j - 1]!);
      within('svd Vh orth', orthErr(slice(r.vh!, 0, 36), 6, 6), tolFor(8), EPS);
    }
  });

  it('svd: all shapes up to 8×8 (tall, wide, square), full and reduced, random layouts', async () => {
    const rng = lr.makeRng(5);
    for (let m = 1; m <= 8; m++)
      for (let n = 1; n <= 8; n++) {
        const full = (m + n) % 2 === 0;
        await checkSvd(gauss(rng, 8 * m * n), job(8, m, n), full);
        await checkSvd(gauss(rng, 2 * m * n), job(2, m, n, pickThreads(rng)), !full);
      }
  });

  it('svd: 16×12, 12×16, 32×20, 64×64, 10×24 (vectors vs CPU where separated), batch 200', async () => {
    const rng = lr.makeRng(6);
    const sv = (len: number, scale = 1) => spread(len, scale).map(Math.abs);
    const cases: [Job, boolean, Spec][] = [
      [job(4, 16, 12), true, () => sv(12)],
      [job(4, 12, 16, 1), false, () => sv(12, 1e-3)],
      [job(2, 12, 16, 256), true, () => sv(12)],
      [job(2, 32, 20), false, () => sv(20)],
      [sq(1, 64), true, () => sv(64)],
      [job(200, 5, 3), true, (b) => sv(3, 1 + b)],
    ];
    for (const [jb, full, spec] of cases) await checkSvd(withSpectrum(rng, jb, spec), jb, full);
    await checkSvd(gauss(rng, 3 * 24 * 10), job(3, 10, 24), true);
  });

  it('svd: rank-deficient, zero and repeated singular values stay orthonormal', async () => {
    const rng = lr.makeRng(7);
    const rep = [2, 2, 2, 1, 1, 1, 1, 0.5];
    const cases: [Job, boolean, Spec][] = [
      [job(3, 7, 5), true, () => [4, 1]],
      [job(3, 5, 7), true, () => [4, 1, 0.5]],
      [job(3, 12, 9, 32), true, () => [4]],
      [job(3, 9, 12, 32), true, () => [4, 1]],
      [job(2, 4, 6), true, () => []],
      [job(2, 6, 4, 32), true, () => []],
      [job(2, 10, 8), false, () => rep],
    ];
    for (const [jb, full, spec] of cases) {
      const { s } = await checkSvd(withSpectrum(rng, jb, spec), jb, full);
      if (jb.m === 10) expect(maxAbsDiff(s.subarray(0, 8), rep)).toBeLessThanOrEqual(tolFor(10) * 2);
    }
  });

  it('svd: NaN/Inf gives info −1 and NaN outputs; svdvals; empty shapes; batch = 0', async () => {
    const rng = lr.makeRng(8);
    for (const t of [undefined, 32] as const) {
      const a = gauss(rng, 3 * 12);
      a[12 + 5] = Number.NaN;
      a[24] = Number.NEGATIVE_INFINITY;
      const { u, s, vh, info } = await runSvd(a, job(3, 3, 4, t), true);
      expect(info).toEqual([0, -1, -1]);
      const bad = [s.subarray(3), u!.subarray(9), vh!.subarray(16)];
      expect(bad.every((x) => x.every(Number.isNaN))).toBe(true);
      const vals = await runSvd(a, job(3, 3, 4, t), false, false);
      expect(vals.info).toEqual([0, -1, -1]);
      expect(Array.from(vals.s.subarray(0, 3))).toEqual(Array.from(s.subarray(0, 3)));
    }
    const tall = await runSvd(new Float32Array(0), job(2, 3, 0), true);
    expect(Array.from(tall.u!)).toEqual([...lr.identity(3), ...lr.identity(3)]);
    const wide = await runSvd(new Float32Array(0), job(1, 0, 2), true);
    expect([Array.from(wide.vh!), wide.info]).toEqual([[1, 0, 0, 1], [0]]);
    expect((await runSvd(new Float32Array(0), sq(0, 3), true)).s.length).toBe(0);
  });

  it('qr: shapes up to 8×8 in every mode, well-conditioned (vs CPU), rank-deficient, random layouts', async () => {
    const rng = lr.makeRng(9);
    for (let m = 1; m <= 8; m++)
      for (let n = 1; n <= 8; n++) {
        const kk = Math.min(m, n);
        const mode: k.QrGpuMode = (m + n) % 2 ? 'complete' : 'reduced';
        const sv = () => Array.from({ length: kk }, (_, i) => 1 + (3 * i) / Math.max(kk - 1, 1));
        await checkQr(withSpectrum(rng, job(6, m, n), sv), job(6, m, n), mode, 4);
        await checkQr(withSpectrum(rng, job(2, m, n), sv), job(2, m, n, pickThreads(rng)), mode, 4);
      }
    const cases: [Job, k.QrGpuMode, Spec, number?][] = [
      [job(3, 9, 7), 'complete', () => [2, 1]],
      [job(2, 5, 4, 32), 'complete', () => []],
      [sq(200, 4), 'reduced', () => [2, 1.5, 1, 0.5], 4],
    ];
    for (const [jb, mode, spec, cond] of cases) await checkQr(withSpectrum(rng, jb, spec), jb, mode, cond);
  });

  it('qr: 40×20, 20×40, 64×64; mode r equals reduced R; NaN propagates; empty shapes', async () => {
    const rng = lr.makeRng(10);
    const sv = (len: number) => () => Array.from({ length: len }, (_, i) => 10 ** (-i / (len - 1)));
    const tall = withSpectrum(rng, job(2, 40, 20), sv(20));
    await checkQr(tall, job(2, 40, 20, 256), 'complete', 10);
    const { r } = await checkQr(tall, job(2, 40, 20, 1), 'reduced', 10);
    expect(Array.from((await runQr(tall, job(2, 40, 20), 'r')).r)).toEqual(Array.from(r));
    await checkQr(withSpectrum(rng, job(2, 20, 40), sv(20)), job(2, 20, 40), 'reduced', 10);
    await checkQr(withSpectrum(rng, sq(1, 64), sv(64)), sq(1, 64, 64), 'reduced', 10);
    const a = gauss(rng, 2 * 12);
    a[12 + 3] = Number.NaN; // element 1, (1, 0): its first reflector is NaN, so all of Q and R is
    const nan = await runQr(a, job(2, 4, 3), 'reduced');
    expect(nan.q!.subarray(0, 12).some(Number.isNaN)).toBe(false);
    const upperNaN = (x: number, e: number) => (e % 3 >= Math.floor(e / 3) ? Number.isNaN(x) : x === 0);
    expect(nan.r.subarray(9).every(upperNaN)).toBe(true);
    expect(nan.q!.subarray(12).every(Number.isNaN)).toBe(true);
    const empty = await runQr(new Float32Array(0), job(1, 2, 0), 'complete');
    expect(Array.from(empty.q!)).toEqual([1, 0, 0, 1]);
    expect((await runQr(new Float32Array(0), sq(0, 3), 'reduced')).r.length).toBe(0);
  });

  it('scaling by 2^±100 scales the results exactly; subnormal inputs and outputs are kept', async () => {
    const rng = lr.makeRng(11);
    const a = gauss(rng, 4 * 36);
    for (const f of [2 ** 100, 2 ** -100]) {
      const af = a.map((x) => x * f);
      const eighOf = async (x: Float32Array) => {
        const { w, v } = await runEigh(x, sq(4, 6), false);
        return [w, v];
      };
      expectScaled(await eighOf(a), await eighOf(af), f, 1);
      const svdOf = async (x: Float32Array) => {
        const { s, u, vh } = await runSvd(x, job(4, 4, 9), true);
        return [s, u, vh];
      };
      expectScaled(await svdOf(a), await svdOf(af), f, 1);
      const qrOf = async (x: Float32Array) => {
        const { r, q } = await runQr(x, job(4, 9, 4), 'complete');
        return [r, q];
      };
      expectScaled(await qrOf(a), await qrOf(af), f, 1);
    }
    const tiny = a.map((x) => x * 2 ** -128); // mostly subnormal: devices may flush these in arithmetic
    await checkEigh(tiny, sq(4, 6), true);
    await checkSvd(tiny, job(4, 4, 9), true);
    await checkQr(tiny, job(4, 9, 4), 'complete');
  });
});
