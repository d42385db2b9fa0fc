/**
 * The complex matmul kernels (src/backends/cpu/matmul-complex.ts, src/backends/webgpu/kernels/
 * matmul-complex.ts) on interleaved typed arrays and GPU buffers, against a naive float64 loop.
 *
 * Tolerance. Each real part of C[i, j] is a sum of 2k real products: Re = Σ_p ar·br − ai·bi,
 * Im = Σ_p ar·bi + ai·br. In any order of summation, with unit roundoff u, a computed sum of n
 * products differs from the exact one by at most γ_n·Σ|terms|, γ_n = n·u/(1 − n·u) (Higham,
 * Accuracy and Stability, (3.5)), and Σ_p |ar||br| + |ai||bi| ≤ Σ_p |a_ip||b_pj| (Cauchy–Schwarz),
 * likewise for Im. So with M = |A|·|B| (moduli, entrywise; M_ij ≤ ‖A‖‖B‖ as in eps·k·‖A‖‖B‖ but
 * per entry) each part of the kernel's result is within γ_2k(u_kernel)·M_ij of the exact one, and
 * the float64 reference within γ_2k(2⁻⁵³)·M_ij: the check allows the sum of the two. complex64 on
 * the CPU sums in float64 and rounds once: γ_2k(2⁻⁵³)·M_ij + 2⁻²⁴·(|exact part| + …) ≤ that plus
 * 2⁻²⁴·M_ij; on WebGPU it sums in float32: γ_2k(2⁻²⁴)·M_ij. The tolerance is checked not to
 * be vacuous: a product with B conjugated (a missing-conjugate bug) must fail it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuStorage } from '../src/backends/backend.js';
import { bmmComplexCpu } from '../src/backends/cpu/matmul-complex.js';
import { startGemmPool, wasmGemmAvailable } from '../src/backends/cpu/wasm-gemm.js';
import { getGpu } from '../src/backends/webgpu/index.js';
import { bmmComplexGpu } from '../src/backends/webgpu/kernels/matmul-complex.js';
import { describeWebGPU } from './helpers/webgpu.js';

const U64 = 2 ** -53;
const U32 = 2 ** -24;
const gamma = (n: number, u: number) => (n * u) / (1 - n * u);

function rng(seed: number) {
  let s = seed | 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

/** Interleaved random complex data of `len` elements, scaled (to vary magnitudes). */
function randc(len: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: 2 * len }, () => scale * r());
}

interface Ref {
  c: Float64Array;
  /** M = |A|·|B| per entry (moduli). */
  mag: Float64Array;
}

/** Naive float64 loops: C[z] = A[z or 0] · B[z or 0], interleaved; and |A|·|B|. */
function reference(
  a: ArrayLike<number>,
  Ba: number,
  b: ArrayLike<number>,
  Bb: number,
  B: number,
  m: number,
  k: number,
  n: number,
): Ref {
  const c = new Float64Array(2 * B * m * n);
  const mag = new Float64Array(B * m * n);
  for (let z = 0; z < B; z++) {
    const ao = Ba === 1 ? 0 : z * m * k;
    const bo = Bb === 1 ? 0 : z * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let re = 0;
        let im = 0;
        let s = 0;
        for (let p = 0; p < k; p++) {
          const ar = a[2 * (ao + i * k + p)]!;
          const ai = a[2 * (ao + i * k + p) + 1]!;
          const br = b[2 * (bo + p * n + j)]!;
          const bi = b[2 * (bo + p * n + j) + 1]!;
          re += ar * br - ai * bi;
          im += ar * bi + ai * br;
          s += Math.hypot(ar, ai) * Math.hypot(br, bi);
        }
        const q = z * m * n + i * n + j;
        c[2 * q] = re;
        c[2 * q + 1] = im;
        mag[q] = s;
      }
    }
  }
  return { c, mag };
}

/** The worst |got − ref| / (rtol·M_ij) over both parts of every entry (≤ 1 passes). */
function worstRatio(got: ArrayLike<number>, ref: Ref, rtol: number): number {
  let worst = 0;
  for (let q = 0; q < ref.mag.length; q++) {
    const tol = rtol * ref.mag[q]!;
    for (const part of [0, 1]) {
      const d = Math.abs(got[2 * q + part]! - ref.c[2 * q + part]!);
      worst = Math.max(worst, tol === 0 ? (d === 0 ? 0 : Number.POSITIVE_INFINITY) : d / tol);
      if (Number.isNaN(got[2 * q + part]!)) return Number.POSITIVE_INFINITY;
    }
  }
  return worst;
}

const rtol128 = (k: number) => 2 * gamma(2 * k, U64);
const rtolCpu64 = (k: number) => 2 * gamma(2 * k, U64) + U32;
const rtolGpu64 = (k: number) => gamma(2 * k, U32) + gamma(2 * k, U64);

interface Shape {
  Ba: number;
  Bb: number;
  B: number;
  m: number;
  k: number;
  n: number;
}
const S = (Ba: number, Bb: number, m: number, k: number, n: number): Shape => ({
  Ba,
  Bb,
  B: Math.max(Ba, Bb),
  m,
  k,
  n,
});

/** Runs the CPU kernel on float64 (complex128) or float32 (complex64) copies of the data. */
function cpuProduct(s: Shape, a: Float64Array, b: Float64Array, f32: boolean): Float32Array | Float64Array {
  const make = f32 ? Float32Array : Float64Array;
  const c = new make(2 * s.B * s.m * s.n).fill(Number.NaN);
  bmmComplexCpu(
    { data: make.from(a), shape: [s.Ba, s.m, s.k] },
    { data: make.from(b), shape: [s.Bb, s.k, s.n] },
    { data: c, shape: [s.B, s.m, s.n] },
  );
  return c;
}

const conjugated = (b: Float64Array) => b.map((x, i) => (i % 2 === 1 ? -x : x));

const SHAPES: Shape[] = [
  S(1, 1, 1, 1, 1),
  S(1, 1, 3, 0, 4), // k = 0: the result is zero
  S(2, 2, 0, 3, 2), // no rows
  S(1, 1, 5, 7, 3), // non-square, direct loops
  S(1, 1, 1, 40, 1), // inner product
  S(3, 3, 4, 2, 6), // batched, small
  S(4, 1, 6, 5, 2), // B broadcast
  S(1, 4, 2, 5, 6), // A broadcast
  S(1, 1, 17, 23, 19), // above the GEMM threshold, odd sizes (padding)
  S(3, 3, 20, 16, 24), // batched GEMM path
  S(3, 1, 20, 16, 24), // B broadcast: A's batches stacked into one product
  S(1, 3, 20, 16, 24), // A broadcast
  S(2, 2, 1, 200, 90), // one row, long k (direct loops)
  S(4, 1, 2, 40, 40), // 2 rows each, stacked into one GEMM of 8 rows
];

describe('complex matmul on the CPU (bmmComplexCpu)', () => {
  it('complex128 matches the float64 loop within 2·γ_2k·|A||B| per entry', () => {
    for (const [t, s] of SHAPES.entries()) {
      const a = randc(s.Ba * s.m * s.k, 10 + t, t % 2 ? 1 : 1e3);
      const b = randc(s.Bb * s.k * s.n, 50 + t);
      const ref = reference(a, s.Ba, b, s.Bb, s.B, s.m, s.k, s.n);
      const got = cpuProduct(s, a, b, false);
      expect(worstRatio(got, ref, rtol128(s.k)), JSON.stringify(s)).toBeLessThanOrEqual(1);
      if (s.k === 0) expect(Array.from(got).every((x) => x === 0)).toBe(true);
      // Not vacuous: a product with B conjugated fails the same check (when there is anything to check).
      if (s.k > 0 && s.m > 0) {
        const bad = cpuProduct(s, a, conjugated(b), false);
        expect(worstRatio(bad, ref, rtol128(s.k)), JSON.stringify(s)).toBeGreaterThan(1);
      }
    }
  });

  it('complex64 is the float64 product of the same values rounded once', () => {
    for (const [t, s] of SHAPES.entries()) {
      const a = Float64Array.from(Float32Array.from(randc(s.Ba * s.m * s.k, 90 + t)));
      const b = Float64Array.from(Float32Array.from(randc(s.Bb * s.k * s.n, 130 + t, 10)));
      const ref = reference(a, s.Ba, b, s.Bb, s.B, s.m, s.k, s.n);
      const got = cpuProduct(s, a, b, true);
      expect(got).toBeInstanceOf(Float32Array);
      expect(worstRatio(got, ref, rtolCpu64(s.k)), JSON.stringify(s)).toBeLessThanOrEqual(1);
      // The same path in complex128, rounded: bit for bit.
      expect(got).toEqual(Float32Array.from(cpuProduct(s, a, b, false)));
    }
  });

  it('200×300 · 300×150 (WebAssembly GEMM, over the worker pool when it runs), batched', async () => {
    await startGemmPool();
    for (const [t, s] of [S(1, 1, 200, 300, 150), S(2, 1, 64, 96, 80)].entries()) {
      const a = randc(s.Ba * s.m * s.k, 200 + t);
      const b = randc(s.Bb * s.k * s.n, 300 + t);
      const ref = reference(a, s.Ba, b, s.Bb, s.B, s.m, s.k, s.n);
      expect(worstRatio(cpuProduct(s, a, b, false), ref, rtol128(s.k))).toBeLessThanOrEqual(1);
      expect(
        worstRatio(
          cpuProduct(s, a, b, true),
          reference(Float32Array.from(a), s.Ba, Float32Array.from(b), s.Bb, s.B, s.m, s.k, s.n),
          rtolCpu64(s.k),
        ),
      ).toBeLessThanOrEqual(1);
    }
    expect(wasmGemmAvailable()).toBe(true);
  });

  it('rejects mismatched shapes, batches and integer data', () => {
    const z = (len: number) => new Float64Array(2 * len);
    expect(() =>
      bmmComplexCpu(
        { data: z(6), shape: [1, 2, 3] },
        { data: z(8), shape: [1, 4, 2] },
        { data: z(4), shape: [1, 2, 2] },
      ),
    ).toThrow(
      new RangeError(
        'matmul: complex product of [1,2,3] and [1,4,2] into [1,2,2]: the inner dims must match and each batch must be 1 or that of the result',
      ),
    );
    expect(() =>
      bmmComplexCpu(
        { data: z(12), shape: [2, 2, 3] },
        { data: z(18), shape: [3, 3, 2] },
        { data: z(12), shape: [3, 2, 2] },
      ),
    ).toThrow(RangeError);
    expect(() =>
      bmmComplexCpu(
        { data: new Int32Array(12), shape: [1, 2, 3] },
        { data: z(6), shape: [1, 3, 2] },
        { data: z(4), shape: [1, 2, 2] },
      ),
    ).toThrow(
      new TypeError('matmul: a must hold complex64 or complex128 (interleaved float) data, got Int32Array'),
    );
  });
});

describeWebGPU('complex64 matmul on WebGPU (bmmComplexGpu)', () => {
  const live: GpuStorage[] = [];
  const up = (d: Float32Array): GpuStorage => {
    const st = getGpu().upload(d);
    live.push(st);
    return st;
  };
  afterAll(() => {
    for (const st of live.splice(0)) getGpu().free(st);
  });

  async function gpuProduct(s: Shape, a: Float64Array, b: Float64Array): Promise<Float32Array> {
    // Empty buffers cannot be bound: give every one at least one element.
    const pad = (x: Float32Array) => (x.length === 0 ? new Float32Array(2) : x);
    const c = up(new Float32Array(Math.max(2, 2 * s.B * s.m * s.n)).fill(Number.NaN));
    bmmComplexGpu(
      getGpu(),
      { storage: up(pad(Float32Array.from(a))), shape: [s.Ba, s.m, s.k] },
      { storage: up(pad(Float32Array.from(b))), shape: [s.Bb, s.k, s.n] },
      { storage: c, shape: [s.B, s.m, s.n] },
    );
    return (await getGpu().read(c)).subarray(0, 2 * s.B * s.m * s.n) as Float32Array;
  }

  it('agrees with the float64 loop and the CPU kernel within γ_2k(f32)·|A||B|', async () => {
    // k = 20,000: 2500 tiles of 9 loop iterations, split over two dispatches (the loop rule),
    // with a broadcast B; 33×70·70×41: partial tiles; 200×300·300×150: many workgroups.
    const shapes = [...SHAPES, S(2, 1, 3, 20000, 2), S(2, 2, 33, 70, 41), S(1, 1, 200, 300, 150)];
    for (const [t, s] of shapes.entries()) {
      if (s.m === 0) continue;
      const a = Float64Array.from(Float32Array.from(randc(s.Ba * s.m * s.k, 400 + t)));
      const b = Float64Array.from(Float32Array.from(randc(s.Bb * s.k * s.n, 500 + t, 3)));
      const ref = reference(a, s.Ba, b, s.Bb, s.B, s.m, s.k, s.n);
      const got = await gpuProduct(s, a, b);
      expect(worstRatio(got, ref, rtolGpu64(s.k)), JSON.stringify(s)).toBeLessThanOrEqual(1);
      const cpu = cpuProduct(s, a, b, true);
      expect(
        worstRatio(got, { c: Float64Array.from(cpu), mag: ref.mag }, rtolGpu64(s.k) + rtolCpu64(s.k)),
      ).toBeLessThanOrEqual(1);
      if (s.k > 0) {
        const bad = await gpuProduct(s, a, conjugated(b));
        expect(worstRatio(bad, ref, rtolGpu64(s.k)), JSON.stringify(s)).toBeGreaterThan(1);
      }
    }
  });
});
