/**
 * The CPU worker pool (src/backends/cpu/pool.ts) under the WebAssembly GEMM (and the batched
 * small-matrix kernels, tests/cpu-batched-small.test.ts): the thread count
 * (setNumThreads, LINAGRAD_NUM_THREADS), no pool for small products, bitwise-identical results
 * for every thread count and without threads at all, and a worker that throws, exits or hangs
 * mid-product: a clear error, no hang, and a pool that works again afterwards.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  getNumThreads,
  poolWanted,
  runningWorkers,
  setStallTimeout,
  threadsSupported,
} from '../src/backends/cpu/pool.js';
import {
  faultGemmPool,
  resetGemmKernel,
  startGemmPool,
  wasmGemmAvailable,
} from '../src/backends/cpu/wasm-gemm.js';
import { linalg, matmul, setNumThreads, type Tensor, tensor } from '../src/index.js';
import { random } from './helpers/random.js';

const mat = (m: number, n: number, seed: number, shift = 0): Tensor => {
  const a = random(m * n, seed);
  if (shift) for (let i = 0; i < Math.min(m, n); i++) a[i * n + i]! += shift;
  return tensor(a, { shape: [m, n], dtype: 'float64' });
};
const values = (t: Tensor) => Float64Array.from(t.dataSync() as Float64Array);

/** Bitwise equality (Object.is per element: also tells 0 from −0 and compares NaNs). */
function sameBits(x: Float64Array, y: Float64Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

const A = mat(300, 260, 1);
const B = mat(260, 280, 2);
const S = mat(384, 384, 3, 384); // well-conditioned: inv and solve go through the blocked LU
const R = mat(384, 200, 6);
const products = () => [values(matmul(A, B)), values(linalg.inv(S)), values(linalg.solve(S, R))];

const canThread = threadsSupported() && wasmGemmAvailable();

afterEach(() => {
  vi.unstubAllEnvs();
  setStallTimeout(30_000);
});
afterAll(() => setNumThreads(2));

describe('thread count', () => {
  it('LINAGRAD_NUM_THREADS sets it until setNumThreads is called; invalid values warn and fall back', () => {
    vi.stubEnv('LINAGRAD_NUM_THREADS', '1');
    expect(getNumThreads()).toBe(1);
    expect(poolWanted()).toBe(false);
    vi.stubEnv('LINAGRAD_NUM_THREADS', '3');
    expect(getNumThreads()).toBe(3);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubEnv('LINAGRAD_NUM_THREADS', 'many');
    const fallback = getNumThreads();
    expect(fallback).toBeGreaterThanOrEqual(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/LINAGRAD_NUM_THREADS=many/);
    warn.mockRestore();
    vi.stubEnv('LINAGRAD_NUM_THREADS', '1');
    setNumThreads(2);
    expect(getNumThreads()).toBe(2); // the call wins over the variable
  });

  it('setNumThreads takes an integer from 1 to 16', () => {
    for (const bad of [0, -1, 1.5, 17, Number.NaN])
      expect(() => setNumThreads(bad)).toThrow(/setNumThreads: expected an integer from 1 to 16/);
    expect(() => setNumThreads(0)).toThrow(RangeError);
  });
});

describe.runIf(canThread)('worker pool', () => {
  it('is not started by small products', async () => {
    setNumThreads(2);
    const small = mat(64, 64, 4);
    for (let i = 0; i < 5; i++) matmul(small, small).dispose();
    linalg.inv(mat(96, 96, 5, 96)).dispose();
    await new Promise((r) => setTimeout(r, 200));
    expect(runningWorkers()).toBe(0);
  });

  it.runIf(typeof (process as { getBuiltinModule?: unknown }).getBuiltinModule === 'function')(
    'starts on a large product even when the caller never yields to the event loop',
    () => {
      setNumThreads(1);
      setNumThreads(2);
      expect(runningWorkers()).toBe(0);
      matmul(A, B).dispose(); // large: starts the pool (it runs single-threaded itself)
      const until = Date.now() + 10_000;
      while (runningWorkers() < 1 && Date.now() < until) matmul(A, B).dispose();
      expect(runningWorkers()).toBe(1);
    },
  );

  it('gives bitwise the same matmul, inv and solve for 1 and 2 threads and without threads', async () => {
    setNumThreads(1);
    const one = products();
    expect(runningWorkers()).toBe(0);

    setNumThreads(2);
    await startGemmPool();
    expect(runningWorkers()).toBe(1);
    const two = products();
    expect(runningWorkers()).toBe(1);

    // No SharedArrayBuffer (a page that is not cross-origin isolated): one thread, same bits.
    vi.stubGlobal('SharedArrayBuffer', undefined);
    let none: Float64Array[];
    try {
      resetGemmKernel();
      expect(threadsSupported()).toBe(false);
      expect(poolWanted()).toBe(false);
      none = products();
    } finally {
      vi.unstubAllGlobals();
      resetGemmKernel();
    }
    for (let i = 0; i < one.length; i++) {
      expect(sameBits(one[i]!, two[i]!)).toBe(true);
      expect(sameBits(one[i]!, none[i]!)).toBe(true);
    }
    // and the product itself is right
    const c = one[0]!;
    const a = values(A);
    const b = values(B);
    let worst = 0;
    for (const [i, j] of [
      [0, 0],
      [299, 279],
      [150, 77],
    ] as const) {
      let ref = 0;
      for (let p = 0; p < 260; p++) ref += a[i * 260 + p]! * b[p * 280 + j]!;
      worst = Math.max(worst, Math.abs(c[i * 280 + j]! - ref));
    }
    expect(worst).toBeLessThan(1e-13);
  });

  it('alternating GEMM and batched jobs back to back (job tags) keeps every result bitwise', async () => {
    const small = tensor(random(4096 * 16, 9), { shape: [4096, 4, 4], dtype: 'float64' });
    const round = () => [
      values(matmul(A, B)),
      values(linalg.inv(small)),
      values(linalg.cholesky(small.matmul(small.mT))),
    ];
    setNumThreads(1);
    const expected = round();
    setNumThreads(2);
    await startGemmPool();
    expect(runningWorkers()).toBe(1);
    for (let r = 0; r < 20; r++) {
      const got = round();
      for (let i = 0; i < got.length; i++) expect(sameBits(got[i]!, expected[i]!)).toBe(true);
    }
  });

  for (const [kind, what, message] of [
    [2, 'throws', /worker thread 0 of the CPU pool threw during a 1024×0 by 0×4 matrix product/],
    [3, 'exits', /worker thread 0 of the CPU pool exited during/],
    [4, 'hangs', /made no progress for 300 ms/],
  ] as const) {
    it(`a worker that ${what} mid-product: a clear error, no hang, and the pool recovers`, async () => {
      setNumThreads(2);
      await startGemmPool();
      expect(runningWorkers()).toBe(1);
      const expected = values(matmul(A, B));
      if (kind === 4) setStallTimeout(300);
      expect(() => faultGemmPool(kind)).toThrow(message);
      expect(runningWorkers()).toBe(0); // discarded
      // The next product is right (single-threaded while the pool restarts), then threaded again.
      expect(sameBits(values(matmul(A, B)), expected)).toBe(true);
      await startGemmPool();
      expect(runningWorkers()).toBe(1);
      expect(sameBits(values(matmul(A, B)), expected)).toBe(true);
    });
  }
});
