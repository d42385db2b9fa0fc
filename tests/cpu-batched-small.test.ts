/**
 * The WebAssembly SIMD kernels for batches of small matrices (src/backends/cpu/wasm-batched.ts):
 * Cholesky, LU with partial pivoting and the inverse of n ≤ 8, one matrix per f64x2 lane. They
 * must give bitwise what the JavaScript kernels give (the same pivots, info codes, partial
 * factors of failing elements, NaN for non-finite input, errors naming the batch element) for
 * every n, odd and even batches, float64 and float32, and the same bits for 1 and 2 threads and
 * without SharedArrayBuffer.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { cholesky as choleskyKernel } from '../src/backends/cpu/linalg/cholesky.js';
import { luFactorCpu } from '../src/backends/cpu/linalg/lu.js';
import { runningWorkers, threadsSupported, workerBatchedChunks } from '../src/backends/cpu/pool.js';
import {
  BATCHED_MAX_N,
  BATCHED_MIN,
  batchedWasmAvailable,
  setBatchedWasm,
} from '../src/backends/cpu/wasm-batched.js';
import { faultGemmPool, resetGemmKernel, startGemmPool } from '../src/backends/cpu/wasm-gemm.js';
import { linalg, setNumThreads, type Tensor, tensor } from '../src/index.js';
import { random } from './helpers/random.js';

type Arr = Float64Array | Float32Array | Int32Array;

/** Bitwise equality (Object.is per element: tells 0 from −0, any NaN equals any NaN). */
function firstDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) return -2;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return -1;
}
function expectSameBits(x: ArrayLike<number>, y: ArrayLike<number>, what: string): void {
  const d = firstDifference(x, y);
  expect(d, `${what}: first difference at ${d} (${x[d]} vs ${y[d]})`).toBe(-1);
}

/** Runs `f` with the WebAssembly kernels and with the JavaScript ones. */
function bothPaths<T>(f: () => T): { wasm: T; js: T } {
  setBatchedWasm(false);
  let js: T;
  try {
    js = f();
  } finally {
    setBatchedWasm(true);
  }
  return { wasm: f(), js };
}

const SPECIAL_LU = [
  'zero column',
  'equal rows',
  'NaN',
  '+inf',
  '-inf',
  'ties',
  'signed zeros',
  'tiny',
] as const;

/**
 * A batch of general n×n matrices: random, with special ones at fixed elements (pivot exactly
 * zero at some step, NaN, ±inf, ties in the pivot search, −0 entries, subnormals).
 */
function generalBatch(batch: number, n: number, seed: number): Float64Array {
  const nn = n * n;
  const a = random(batch * nn, seed);
  SPECIAL_LU.forEach((kind, q) => {
    const e = 1 + q;
    if (e >= batch) return;
    const o = e * nn;
    const c = (q + seed) % n;
    switch (kind) {
      case 'zero column':
        for (let i = 0; i < n; i++) a[o + i * n + c] = 0;
        break;
      case 'equal rows':
        if (n > 1) for (let j = 0; j < n; j++) a[o + (n - 1) * n + j] = a[o + j]!;
        break;
      case 'NaN':
        a[o + c * n + (n - 1 - c)] = Number.NaN;
        break;
      case '+inf':
        a[o + c] = Number.POSITIVE_INFINITY;
        break;
      case '-inf':
        a[o + nn - 1] = Number.NEGATIVE_INFINITY;
        break;
      case 'ties':
        for (let i = 0; i < n; i++) a[o + i * n] = i % 2 ? -0.25 : 0.25;
        break;
      case 'signed zeros':
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[o + i * n + j] = -0;
        break;
      case 'tiny':
        for (let j = 0; j < nn; j++) a[o + j]! *= 2 ** -1060;
        break;
    }
  });
  return a;
}

/**
 * A batch of symmetric matrices: SPD ones (G·Gᵀ + shift), and at fixed elements ones that fail at
 * varying orders (a negative, zero or NaN diagonal entry, an infinite entry, an indefinite one).
 */
function symmetricBatch(batch: number, n: number, seed: number): Float64Array {
  const nn = n * n;
  const g = random(batch * nn, seed);
  const s = new Float64Array(batch * nn);
  for (let e = 0; e < batch; e++) {
    const o = e * nn;
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        let v = i === j ? 0.05 * n : 0;
        for (let k = 0; k < n; k++) v += g[o + i * n + k]! * g[o + j * n + k]!;
        s[o + i * n + j] = v;
        s[o + j * n + i] = v;
      }
  }
  const put = (e: number, i: number, j: number, v: number) => {
    if (e >= batch) return;
    s[e * nn + i * n + j] = v;
    s[e * nn + j * n + i] = v;
  };
  const k = (seed + 1) % n;
  put(1, k, k, -1);
  put(2, n - 1, n - 1, 0);
  put(3, k, k, Number.NaN);
  put(4, n - 1, 0, Number.POSITIVE_INFINITY);
  put(5, 0, 0, Number.POSITIVE_INFINITY);
  if (n > 1) put(6, 0, 1, 10 * (Math.abs(s[6 * nn]!) + Math.abs(s[6 * nn + n + 1]!) + 1));
  // Only one triangle is read: garbage in the other one must not matter.
  if (batch > 7 && n > 1) s[7 * nn + 1] = Number.NaN;
  return s;
}

const ORDERS = Array.from({ length: BATCHED_MAX_N }, (_, i) => i + 1);
const BATCHES = [BATCHED_MIN, 5, 9, 64];
const canRun = batchedWasmAvailable();

afterEach(() => {
  setBatchedWasm(true);
  vi.unstubAllGlobals();
});

describe.runIf(canRun)('batched small-matrix kernels against the JavaScript ones, bit for bit', () => {
  it('are available here (WebAssembly SIMD), so the comparisons below compare two paths', () => {
    expect(batchedWasmAvailable()).toBe(true);
  });

  it('LU with partial pivoting: the same factors, pivots and info codes (float64 and float32)', () => {
    let specials = 0;
    for (const n of ORDERS)
      for (const batch of BATCHES)
        for (const Ctor of [Float64Array, Float32Array]) {
          const a = Ctor.from(generalBatch(batch, n, 10 * n + batch));
          const run = () => {
            const lu = new Ctor(batch * n * n);
            const piv = new Int32Array(batch * n);
            const info = new Int32Array(batch);
            luFactorCpu(a, batch, n, lu, piv, info);
            return [lu, piv, info] as Arr[];
          };
          const { wasm, js } = bothPaths(run);
          const what = `lu n=${n} batch=${batch} ${Ctor.name}`;
          for (let q = 0; q < 3; q++) expectSameBits(wasm[q]!, js[q]!, `${what} output ${q}`);
          specials += js[2]!.filter((x) => x !== 0).length;
        }
    expect(specials).toBeGreaterThan(50); // zero pivots were exercised
  });

  it('Cholesky lower and upper: the same factors, partial factors and info codes', () => {
    const failed = new Set<number>();
    for (const n of ORDERS)
      for (const batch of BATCHES)
        for (const Ctor of [Float64Array, Float32Array])
          for (const upper of [false, true]) {
            const a = Ctor.from(symmetricBatch(batch, n, 3 * n + batch));
            const run = () => {
              const l = new Ctor(batch * n * n);
              const info = new Int32Array(batch);
              choleskyKernel(a, batch, n, l, info, upper);
              return [l, info] as Arr[];
            };
            const { wasm, js } = bothPaths(run);
            const what = `cholesky n=${n} batch=${batch} ${Ctor.name} upper=${upper}`;
            expectSameBits(wasm[0]!, js[0]!, `${what} factor`);
            expectSameBits(wasm[1]!, js[1]!, `${what} info`);
            for (const v of js[1]!) failed.add(v);
          }
    // Failures at the first, a middle and the last order, and successes.
    for (const k of [0, 1, 2, 5, 8]) expect(failed.has(k)).toBe(true);
  });

  it('the ops: inv (info, NaN for non-finite input), det, slogdet, solve, luFactor, cholesky', () => {
    for (const n of ORDERS)
      for (const batch of [BATCHED_MIN, 7, 33]) {
        for (const dtype of ['float64', 'float32'] as const) {
          const A = tensor(generalBatch(batch, n, 100 + n + batch), { shape: [batch, n, n], dtype });
          const B = tensor(random(batch * n * 2, 7 + n), { shape: [batch, n, 2], dtype });
          const S = tensor(symmetricBatch(batch, n, 50 + n), { shape: [batch, n, n], dtype });
          const ops = (): Tensor[] => {
            const { inverse, info } = linalg.invEx(A);
            const { sign, logabsdet } = linalg.slogdet(A);
            const { LU, pivots, info: luInfo } = linalg.luFactorEx(A);
            const { L, info: cholInfo } = linalg.choleskyEx(S);
            const U = linalg.choleskyEx(S, { upper: true }).L;
            return [inverse, info, linalg.det(A), sign, logabsdet, LU, pivots, luInfo, L, cholInfo, U];
          };
          const { wasm, js } = bothPaths(ops);
          for (const [q, t] of js.entries())
            expectSameBits(wasm[q]!.dataSync(), t.dataSync(), `${dtype} n=${n} output ${q}`);
          // solve on the invertible elements only (it raises otherwise).
          const ok = [0, ...Array.from({ length: batch - 9 }, (_, i) => 9 + i)].filter((e) => e < batch);
          const pick = (t: Tensor) =>
            tensor(
              ok.flatMap((e) =>
                Array.from(
                  t.dataSync().subarray(e * t.shape[1]! * t.shape[2]!, (e + 1) * t.shape[1]! * t.shape[2]!),
                ),
              ),
              { shape: [ok.length, t.shape[1]!, t.shape[2]!], dtype },
            );
          if (ok.length >= BATCHED_MIN) {
            const { wasm: xs, js: xj } = bothPaths(() => linalg.solve(pick(A), pick(B)));
            expectSameBits(xs.dataSync(), xj.dataSync(), `solve ${dtype} n=${n}`);
          }
        }
      }
  });

  it('the inverse of every matrix with a NaN or ±inf entry is all NaN, its info still from the factorization', () => {
    const n = 4;
    const batch = 8;
    const a = generalBatch(batch, n, 5);
    const { inverse, info } = linalg.invEx(tensor(a, { shape: [batch, n, n], dtype: 'float64' }));
    const x = inverse.dataSync();
    for (const e of [3, 4, 5]) for (let j = 0; j < n * n; j++) expect(x[e * n * n + j]).toBeNaN();
    expect(Number.isFinite(x[0])).toBe(true);
    expect(info.dataSync()[1]).toBeGreaterThan(0); // the zero column
  });

  it('errors name the failing batch element with the same text on both paths', () => {
    const n = 4;
    const batch = 6;
    const s = symmetricBatch(8, n, 9).subarray(0, batch * n * n);
    const S = tensor(s, { shape: [batch, n, n], dtype: 'float64' });
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return String((e as Error).message);
      }
      return 'no error';
    };
    const chol = bothPaths(() => msg(() => linalg.cholesky(S)));
    expect(chol.wasm).toBe(chol.js);
    expect(chol.wasm).toMatch(
      /^linalg\.cholesky: \(Batch element 1\): The factorization could not be completed/,
    );
    const A = tensor(generalBatch(batch, n, 3), { shape: [batch, n, n], dtype: 'float64' });
    const inv = bothPaths(() => msg(() => linalg.inv(A)));
    expect(inv.wasm).toBe(inv.js);
    expect(inv.wasm).toMatch(/^linalg\.inv: \(Batch element 1\): The diagonal element \d is zero/);
  });

  it('are accurate: A·X = I and L·Lᵀ = A to rounding for well-conditioned batches', () => {
    for (const n of ORDERS) {
      const batch = 50;
      const a = random(batch * n * n, 77 + n);
      for (let e = 0; e < batch; e++) for (let i = 0; i < n; i++) a[e * n * n + i * n + i]! += n;
      const A = tensor(a, { shape: [batch, n, n], dtype: 'float64' });
      const I = linalg.matmul(A, linalg.inv(A)).dataSync();
      let worst = 0;
      for (let e = 0; e < batch; e++)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            worst = Math.max(worst, Math.abs(I[e * n * n + i * n + j]! - (i === j ? 1 : 0)));
      expect(worst).toBeLessThan(1e-14 * n);
      const S = A.matmul(A.mT);
      const L = linalg.cholesky(S);
      const r = L.matmul(L.mT).sub(S).abs().max().item();
      expect(r).toBeLessThan(1e-14 * n * S.abs().max().item());
    }
  });

  it('leave other sizes to the JavaScript kernels: n = 0, n > 8, batches below the minimum', () => {
    for (const [batch, n] of [
      [10, 0],
      [10, BATCHED_MAX_N + 1],
      [BATCHED_MIN - 1, 4],
      [0, 4],
    ] as const) {
      const A = tensor(generalBatch(Math.max(batch, 1), Math.max(n, 1), 2).subarray(0, batch * n * n), {
        shape: [batch, n, n],
        dtype: 'float64',
      });
      const { wasm, js } = bothPaths(() => {
        const r = linalg.invEx(A);
        return [r.inverse.dataSync(), r.info.dataSync(), linalg.luFactorEx(A).LU.dataSync()];
      });
      for (const [q, x] of js.entries()) expectSameBits(wasm[q]!, x, `batch=${batch} n=${n} output ${q}`);
    }
  });
});

describe.runIf(canRun && threadsSupported())('batched kernels over the worker pool', () => {
  afterAll(() => setNumThreads(2));

  const big = (n: number, batch: number, seed: number) => ({
    A: tensor(generalBatch(batch, n, seed), { shape: [batch, n, n], dtype: 'float64' }),
    S: tensor(symmetricBatch(batch, n, seed), { shape: [batch, n, n], dtype: 'float64' }),
  });
  const inputs = [big(4, 10001, 1), big(8, 2049, 2)];
  const outputs = () =>
    inputs.flatMap(({ A, S }) => {
      const { inverse, info } = linalg.invEx(A);
      const lu = linalg.luFactorEx(A);
      const c = linalg.choleskyEx(S);
      return [inverse, info, lu.LU, lu.pivots, lu.info, c.L, c.info].map((t) =>
        Float64Array.from(t.dataSync()),
      );
    });

  it('give bitwise the same results for 1 and 2 threads and without SharedArrayBuffer, the workers taking chunks', async () => {
    setNumThreads(1);
    const one = outputs();
    setNumThreads(2);
    await startGemmPool();
    expect(runningWorkers()).toBe(1);
    const before = workerBatchedChunks();
    let two = outputs();
    // The worker takes chunks when it gets a core; on a loaded machine, try a few times.
    for (let i = 0; i < 50 && workerBatchedChunks() === before; i++) two = outputs();
    expect(workerBatchedChunks()).toBeGreaterThan(before);
    for (const [q, x] of one.entries()) expectSameBits(two[q]!, x, `2 threads, output ${q}`);

    vi.stubGlobal('SharedArrayBuffer', undefined);
    let none: Float64Array[];
    try {
      resetGemmKernel();
      expect(threadsSupported()).toBe(false);
      none = outputs();
    } finally {
      vi.unstubAllGlobals();
      resetGemmKernel();
    }
    for (const [q, x] of one.entries()) expectSameBits(none[q]!, x, `no threads, output ${q}`);
  });

  it('a large batch starts the pool itself', async () => {
    setNumThreads(1);
    setNumThreads(2);
    expect(runningWorkers()).toBe(0);
    outputs();
    const until = Date.now() + 10_000;
    while (runningWorkers() < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(runningWorkers()).toBe(1);
  });

  it('after a worker fault the batched kernels run again, single-threaded and then on the restarted pool', async () => {
    setNumThreads(2);
    await startGemmPool();
    const expected = outputs();
    expect(() => faultGemmPool(2)).toThrow(/worker thread 0 of the CPU pool threw/);
    expect(runningWorkers()).toBe(0);
    for (const [q, x] of outputs().entries()) expectSameBits(x, expected[q]!, `after the fault, output ${q}`);
    await startGemmPool();
    expect(runningWorkers()).toBe(1);
    for (const [q, x] of outputs().entries()) expectSameBits(x, expected[q]!, `restarted pool, output ${q}`);
  });
});
