/**
 * The WebAssembly SIMD base case of the triangular solve (src/backends/cpu/wasm-trsm.ts, through
 * wasmTrsm): for lower and upper, unit and non-unit triangles, any n ≤ 16 and m, leading dims
 * and offsets, X solves T·X = B with a componentwise residual within substitution's backward
 * error bound (Higham, Thm 8.5: |T·X − B| ≤ γ_n·|T|·|X|, allowed twice for the reference's own
 * rounding), and nothing outside the n×m block of B changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wasmGemmAvailable, wasmTrsm } from '../src/backends/cpu/wasm-gemm.js';

const u = 2 ** -53;
const gamma = (k: number) => (k * u) / (1 - k * u);

function rng(seed: number) {
  let s = seed | 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

interface Case {
  n: number;
  m: number;
  upper: boolean;
  unit: boolean;
  padT: number;
  padB: number;
  off: number;
  seed: number;
}

/** Worst residual relative to its bound (≤ 1 passes), and whether B outside the block is intact. */
function run(c: Case): { ratio: number; untouched: boolean } {
  const { n, m, upper, unit, off } = c;
  const r = rng(c.seed);
  const lda = n + c.padT;
  const ldb = m + c.padB;
  const t = new Float64Array(off + n * lda);
  for (let i = 0; i < t.length; i++) t[i] = r();
  for (let i = 0; i < n; i++) t[off + i * lda + i] = (r() > 0 ? 1 : -1) * (1 + Math.abs(r())); // |d| in [1, 2]
  const b = new Float64Array(off + n * ldb);
  for (let i = 0; i < b.length; i++) b[i] = r();
  const b0 = Float64Array.from(b);
  expect(wasmTrsm(upper, unit, t, off, lda, b, off, ldb, n, m)).toBe(true);
  let untouched = true;
  for (let i = 0; i < b.length; i++) {
    const rel = i - off;
    const inside = rel >= 0 && Math.floor(rel / ldb) < n && rel % ldb < m;
    if (!inside && !Object.is(b[i], b0[i])) untouched = false;
  }
  let ratio = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let acc = 0;
      let abs = 0;
      for (let s = 0; s < n; s++) {
        if (upper ? s < i : s > i) continue;
        const tis = s === i && unit ? 1 : t[off + i * lda + s]!;
        const x = b[off + s * ldb + j]!;
        acc += tis * x;
        abs += Math.abs(tis * x);
      }
      const res = Math.abs(acc - b0[off + i * ldb + j]!);
      const bound = 2 * gamma(n + 1) * (abs + Math.abs(b0[off + i * ldb + j]!));
      ratio = Math.max(ratio, bound === 0 ? (res === 0 ? 0 : Number.POSITIVE_INFINITY) : res / bound);
    }
  return { ratio, untouched };
}

describe.runIf(wasmGemmAvailable())('WebAssembly triangular-solve base case', () => {
  it('solves lower/upper, unit/non-unit triangles for any n ≤ 16, m, leading dims, offsets', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 16 }),
          m: fc.integer({ min: 1, max: 37 }),
          upper: fc.boolean(),
          unit: fc.boolean(),
          padT: fc.integer({ min: 0, max: 3 }),
          padB: fc.integer({ min: 0, max: 5 }),
          off: fc.integer({ min: 0, max: 7 }),
          seed: fc.integer(),
        }),
        (c) => {
          const { ratio, untouched } = run(c);
          expect(untouched).toBe(true);
          expect(ratio).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads only the triangle (and not the diagonal when unit): NaN elsewhere does not leak', () => {
    for (const upper of [false, true])
      for (const unit of [false, true]) {
        const n = 9;
        const m = 12;
        const t = new Float64Array(n * n).fill(Number.NaN);
        for (let i = 0; i < n; i++)
          for (let s = 0; s < n; s++) {
            if (upper ? s > i : s < i) t[i * n + s] = 0.1 * (((i + 2 * s) % 5) - 2);
            if (s === i && !unit) t[i * n + s] = 1.5;
          }
        const b = Float64Array.from({ length: n * m }, (_, q) => (q % 7) - 3);
        wasmTrsm(upper, unit, t, 0, n, b, 0, m, n, m);
        expect(b.every(Number.isFinite)).toBe(true);
      }
  });
});
