/**
 * The WebAssembly SIMD GEMM (src/backends/cpu/wasm-gemm.ts) against a plain triple loop, through
 * its own entry point and through `gemm`, which the LU, Cholesky and triangular kernels and
 * matmul call. Bound (Higham, Thm 3.5 / 3.4 for the products and sums): each entry of
 * C + α·A·B differs from the exact one by at most γ_{k+2}·(|C| + |α|·|A||B|) per entry, and the
 * loop reference by as much, so the check allows twice that.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gemm } from '../src/backends/cpu/linalg/triangular.js';
import { wasmGemm, wasmGemmAvailable } from '../src/backends/cpu/wasm-gemm.js';

const u = 2 ** -53;
const gamma = (k: number) => (k * u) / (1 - k * u);

interface Case {
  m: number;
  n: number;
  k: number;
  alpha: number;
  transA: boolean;
  /** Extra columns in B's and C's leading dims, and offsets into the arrays. */
  padB: number;
  padC: number;
  off: number;
  seed: number;
}

function rng(seed: number) {
  let s = seed | 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

function run(c: Case, kernel: typeof gemm): void {
  const r = rng(c.seed);
  const { m, n, k, alpha, off } = c;
  const [ars, acs] = c.transA ? [1, m] : [k, 1];
  const [ldb, ldc] = [n + c.padB, n + c.padC];
  const a = Float64Array.from({ length: off + m * k }, r);
  const b = Float64Array.from({ length: off + k * ldb }, r);
  const c0 = Float64Array.from({ length: off + m * ldc }, r);
  const got = c0.slice();
  kernel(alpha, a, off, ars, acs, b, off, ldb, got, off, ldc, m, n, k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      const q = off + i * ldc + j;
      if (j >= n) {
        expect(got[q], `C outside the block at (${i}, ${j})`).toBe(c0[q]);
        continue;
      }
      let sum = c0[q]!;
      let mag = Math.abs(c0[q]!);
      for (let p = 0; p < k; p++) {
        const t = alpha * a[off + i * ars + p * acs]! * b[off + p * ldb + j]!;
        sum += t;
        mag += Math.abs(t);
      }
      expect(Math.abs(got[q]! - sum), `C(${i}, ${j}) of ${JSON.stringify(c)}`).toBeLessThanOrEqual(
        2 * gamma(k + 2) * mag,
      );
    }
  }
  for (let q = 0; q < off; q++) expect(got[q]).toBe(c0[q]);
}

const caseArb = (max: number) =>
  fc.record({
    m: fc.integer({ min: 1, max }),
    n: fc.integer({ min: 1, max }),
    k: fc.integer({ min: 1, max }),
    alpha: fc.constantFrom(1, -1, 0.5),
    transA: fc.boolean(),
    padB: fc.nat(3),
    padC: fc.nat(3),
    off: fc.nat(5),
    seed: fc.integer(),
  });

describe('WebAssembly SIMD GEMM', () => {
  it('is available in Node (WebAssembly SIMD)', () => {
    expect(wasmGemmAvailable()).toBe(true);
  });

  it('agrees with the triple loop: any m, n, k (padding to multiples of 4), strides, alpha, offsets', () => {
    fc.assert(
      fc.property(caseArb(37), (c) => {
        run(c, (...args) => {
          expect(wasmGemm(...args)).toBe(true);
        });
      }),
      { numRuns: 120, seed: 5 },
    );
  });

  it('gemm takes it for large products and its own loops for small ones; both agree with the loop', () => {
    for (const c of [
      { m: 64, n: 70, k: 48, alpha: -1, transA: false, padB: 2, padC: 1, off: 3, seed: 1 },
      { m: 33, n: 65, k: 40, alpha: 1, transA: true, padB: 0, padC: 0, off: 0, seed: 2 },
      { m: 5, n: 7, k: 3, alpha: 0.5, transA: false, padB: 1, padC: 2, off: 1, seed: 3 },
    ]) {
      run(c, gemm);
    }
  });
});
