/**
 * The LU family on the WebAssembly heap (src/backends/cpu/linalg/lu-wasm.ts, wasm-lu.ts): from
 * n = WASM_LU_MIN the factorization, inverse, solves and determinant run in place in the GEMM
 * kernel's memory. Checked against a textbook unblocked LU with the same pivoting rule (first
 * largest |a| down the column, whole rows swapped, an exactly zero pivot skipped and reported):
 * the same pivots and info, L\U within rounding, residuals of the inverse and solves, det from
 * the reference's diagonal; orders that are not multiples of 4 (padding) or of the block sizes,
 * several recursion levels, batches, float32, singular matrices, NaN and ±inf through the ops.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  detCpu,
  invCpu,
  luDet,
  luFactorCpu,
  luInverse,
  luSolve,
  slogdetCpu,
  solveCpu,
} from '../src/backends/cpu/linalg/lu.js';
import { WASM_LU_MIN, wasmLuFits } from '../src/backends/cpu/linalg/lu-wasm.js';
import { runningWorkers, threadsSupported } from '../src/backends/cpu/pool.js';
import { startGemmPool, wasmGemmAvailable } from '../src/backends/cpu/wasm-gemm.js';
import { linalg, setNumThreads, tensor } from '../src/index.js';

function rng(seed: number) {
  let s = seed | 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

function randomMatrix(n: number, seed: number, batch = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: batch * n * n }, r);
}

/** Textbook getrf (unblocked, same pivoting rule): LU packed, 1-based pivots, info. */
function referenceLu(a: Float64Array, ao: number, n: number) {
  const w = Float64Array.from(a.subarray(ao, ao + n * n));
  const piv = new Int32Array(n);
  let info = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(w[i * n + k]!) > Math.abs(w[p * n + k]!)) p = i;
    piv[k] = p + 1;
    if (w[p * n + k] !== 0) {
      for (let j = 0; j < n; j++) [w[k * n + j], w[p * n + j]] = [w[p * n + j]!, w[k * n + j]!];
      for (let i = k + 1; i < n; i++) w[i * n + k]! /= w[k * n + k]!;
    } else if (info === 0) info = k + 1;
    for (let i = k + 1; i < n; i++)
      for (let j = k + 1; j < n; j++) w[i * n + j]! -= w[i * n + k]! * w[k * n + j]!;
  }
  return { lu: w, piv, info };
}

/** max |A·X − B| / (max|A|·max|X|·n) for A n×n, X and B n×m (row-major, offsets). */
function residual(
  a: ArrayLike<number>,
  ao: number,
  x: ArrayLike<number>,
  xo: number,
  b: (i: number, j: number) => number,
  n: number,
  m: number,
): number {
  let worst = 0;
  let na = 0;
  let nx = 0;
  for (let i = 0; i < n * n; i++) na = Math.max(na, Math.abs(a[ao + i]!));
  for (let i = 0; i < n * m; i++) nx = Math.max(nx, Math.abs(x[xo + i]!));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[ao + i * n + k]! * x[xo + k * m + j]!;
      worst = Math.max(worst, Math.abs(s - b(i, j)));
    }
  return worst / (na * nx * n);
}

const eye = (i: number, j: number) => (i === j ? 1 : 0);
const u = 2 ** -53;
const ORDERS = [WASM_LU_MIN, 17, 23, 24, 33, 34, 35, 47, 64, 67, 100, 130];

describe.runIf(wasmGemmAvailable())('LU on the WebAssembly heap', () => {
  it('takes the orders from WASM_LU_MIN on', () => {
    expect(wasmLuFits(WASM_LU_MIN - 1)).toBe(false);
    expect(wasmLuFits(WASM_LU_MIN)).toBe(true);
    expect(wasmLuFits(300)).toBe(true);
    expect(wasmLuFits(WASM_LU_MIN, true)).toBe(false);
    expect(wasmLuFits(24, true)).toBe(true);
  });

  it('luFactorCpu: the reference pivots and info, L\\U within rounding (any order, batched)', () => {
    for (const n of ORDERS) {
      const batch = n < 50 ? 3 : 1;
      const a = randomMatrix(n, n, batch);
      const lu = new Float64Array(a.length);
      const piv = new Int32Array(batch * n);
      const info = new Int32Array(batch);
      luFactorCpu(a, batch, n, lu, piv, info);
      for (let e = 0; e < batch; e++) {
        const ref = referenceLu(a, e * n * n, n);
        expect(Array.from(piv.subarray(e * n, (e + 1) * n)), `n=${n}`).toEqual(Array.from(ref.piv));
        expect(info[e]).toBe(0);
        let err = 0;
        let scale = 0;
        for (let i = 0; i < n * n; i++) {
          err = Math.max(err, Math.abs(lu[e * n * n + i]! - ref.lu[i]!));
          scale = Math.max(scale, Math.abs(ref.lu[i]!));
        }
        // Both are backward stable; their difference is rounding amplified by the conditioning
        // of the factors (random matrices of these orders: far below this).
        expect(err / scale, `n=${n}`).toBeLessThan(1e-10);
      }
    }
  });

  it('in place (a === lu) and into float32', () => {
    const n = 45;
    const a = randomMatrix(n, 5);
    const ref = referenceLu(a, 0, n);
    const w = Float64Array.from(a);
    const piv = new Int32Array(n);
    const info = new Int32Array(1);
    luFactorCpu(w, 1, n, w, piv, info);
    expect(Array.from(piv)).toEqual(Array.from(ref.piv));
    const f32 = new Float32Array(n * n);
    luFactorCpu(Float32Array.from(a), 1, n, f32, piv, info);
    for (let i = 0; i < n * n; i++)
      expect(Math.abs(f32[i]! - w[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(w[i]!)));
  });

  it('inverse, solve, det and slogdet: residuals at rounding level, fused and from the factor', () => {
    for (const n of ORDERS) {
      const a = randomMatrix(n, 3 * n);
      const x = new Float64Array(n * n);
      const info = new Int32Array(1);
      invCpu(a, 1, n, x, info);
      expect(info[0]).toBe(0);
      expect(residual(a, 0, x, 0, eye, n, n), `inv n=${n}`).toBeLessThan(64 * u);
      const lu = new Float64Array(n * n);
      const piv = new Int32Array(n);
      luFactorCpu(a, 1, n, lu, piv, info);
      const x2 = new Float64Array(n * n);
      luInverse(lu, piv, 1, n, x2);
      expect(residual(a, 0, x2, 0, eye, n, n)).toBeLessThan(64 * u);
      for (const m of [1, 3, 5, 8]) {
        const b = randomMatrix(n, 7 * n + m).subarray(0, n * m);
        const bf = (i: number, j: number) => b[i * m + j]!;
        const s = new Float64Array(n * m);
        solveCpu(a, 1, n, b, m, s, info);
        expect(residual(a, 0, s, 0, bf, n, m), `solve n=${n} m=${m}`).toBeLessThan(64 * u);
        const s2 = Float64Array.from(b);
        luSolve(lu, piv, 1, n, s2, m, s2); // x aliasing b
        expect(residual(a, 0, s2, 0, bf, n, m)).toBeLessThan(64 * u);
      }
      const ref = referenceLu(a, 0, n);
      const dRef = new Float64Array(1);
      luDet(ref.lu, ref.piv, 1, n, dRef);
      const d = new Float64Array(1);
      detCpu(a, 1, n, d);
      expect(Math.abs(d[0]! - dRef[0]!) / Math.abs(dRef[0]!), `det n=${n}`).toBeLessThan(1e-11);
      const [sign, lad] = [new Float64Array(1), new Float64Array(1)];
      slogdetCpu(a, 1, n, sign, lad);
      expect(sign[0]).toBe(Math.sign(dRef[0]!));
      expect(Math.abs(lad[0]! - Math.log(Math.abs(dRef[0]!)))).toBeLessThan(1e-11 * n);
    }
  });

  it('batches and float32 through the fused kernels', () => {
    const [n, batch] = [37, 3];
    const a = randomMatrix(n, 11, batch);
    const x = new Float64Array(a.length);
    const info = new Int32Array(batch);
    invCpu(a, batch, n, x, info);
    for (let e = 0; e < batch; e++)
      expect(residual(a, e * n * n, x, e * n * n, eye, n, n)).toBeLessThan(64 * u);
    const a32 = Float32Array.from(a);
    const x32 = new Float32Array(a.length);
    invCpu(a32, batch, n, x32, info);
    for (let e = 0; e < batch; e++)
      expect(residual(a32, e * n * n, x32, e * n * n, eye, n, n)).toBeLessThan(64 * 2 ** -24);
    const d = new Float64Array(batch);
    detCpu(a, batch, n, d);
    for (let e = 0; e < batch; e++) {
      const ref = referenceLu(a, e * n * n, n);
      const dr = new Float64Array(1);
      luDet(ref.lu, ref.piv, 1, n, dr);
      expect(Math.abs(d[e]! - dr[0]!) / Math.abs(dr[0]!)).toBeLessThan(1e-11);
    }
  });

  it('singular matrices: the reference info (first exactly zero pivot), the factorization completes', () => {
    const n = 41;
    // Exact zeros whatever the order of the updates' additions (a repeated row, by contrast, may
    // leave a rounding-level pivot: both paths agree there, the textbook order may not).
    for (const [kind, k] of [
      ['zero column', 0],
      ['zero column', 17],
      ['zero column', 40],
      ['zero row', 36],
      ['zero matrix', 0],
      ['zero diagonal entry of a triangle', 29],
    ] as const) {
      const a = randomMatrix(n, 100 + k);
      for (let i = 0; i < n; i++) {
        if (kind === 'zero column') a[i * n + k] = 0;
        if (kind === 'zero row') a[k * n + i] = 0;
        if (kind === 'zero matrix') a.fill(0);
        if (kind === 'zero diagonal entry of a triangle') {
          for (let j = 0; j < i; j++) a[i * n + j] = 0;
          if (i === k) a[i * n + i] = 0;
        }
      }
      const ref = referenceLu(a, 0, n);
      expect(ref.info, `${kind} ${k}`).toBeGreaterThan(0);
      const lu = new Float64Array(n * n);
      const piv = new Int32Array(n);
      const info = new Int32Array(1);
      luFactorCpu(a, 1, n, lu, piv, info);
      expect(info[0], `${kind} ${k}`).toBe(ref.info);
      expect(Array.from(piv)).toEqual(Array.from(ref.piv));
      const x = new Float64Array(n * n);
      const info2 = new Int32Array(1);
      invCpu(a, 1, n, x, info2);
      expect(info2[0]).toBe(ref.info);
      const d = new Float64Array(1);
      detCpu(a, 1, n, d);
      expect(d[0]).toBe(0);
      const [sign, lad] = [new Float64Array(1), new Float64Array(1)];
      slogdetCpu(a, 1, n, sign, lad);
      expect([sign[0], lad[0]]).toEqual([0, Number.NEGATIVE_INFINITY]);
    }
  });

  it('through the ops: singular errors as before, NaN and ±inf give all-NaN outputs', () => {
    const n = 40;
    const a = randomMatrix(n, 9);
    for (let i = 0; i < n; i++) a[i * n + 5] = 0;
    expect(() => linalg.inv(tensor(a, { shape: [n, n] }))).toThrow(/diagonal element 6 is zero/);
    expect(() =>
      linalg.solve(
        tensor(a, { shape: [n, n] }),
        tensor(randomMatrix(n, 1).subarray(0, n), { shape: [n, 1] }),
      ),
    ).toThrow('linalg.solve: The solver failed because the input matrix is singular.');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const b = randomMatrix(n, 10, 2);
      b[n * n + 7 * n + 3] = bad; // second matrix only
      const t = tensor(b, { shape: [2, n, n] });
      const x = linalg.inv(t).toArray() as number[][][];
      expect(x[1]!.flat().every(Number.isNaN)).toBe(true);
      expect(x[0]!.flat().some(Number.isNaN)).toBe(false);
      const d = linalg.det(t).toArray() as number[];
      expect(Number.isNaN(d[1]!)).toBe(true);
      expect(Number.isNaN(d[0]!)).toBe(false);
      const s = linalg.solve(t, tensor(randomMatrix(n, 2, 2).subarray(0, 2 * n * 2), { shape: [2, n, 2] }));
      const sv = s.toArray() as number[][][];
      expect(sv[1]!.flat().every(Number.isNaN)).toBe(true);
      expect(sv[0]!.flat().some(Number.isNaN)).toBe(false);
    }
  });

  it.runIf(threadsSupported())(
    'bitwise the same factor, inverse and det on 1 and 2 threads (updates over the pool)',
    async () => {
      const n = 300; // its trailing updates exceed the pool's threshold
      const a = randomMatrix(n, 77);
      const run = () => {
        const lu = new Float64Array(n * n);
        const piv = new Int32Array(n);
        const info = new Int32Array(1);
        luFactorCpu(a, 1, n, lu, piv, info);
        const x = new Float64Array(n * n);
        invCpu(a, 1, n, x, info);
        const d = new Float64Array(1);
        detCpu(a, 1, n, d);
        return [lu, x, d, Float64Array.from(piv)];
      };
      setNumThreads(1);
      const one = run();
      setNumThreads(2);
      await startGemmPool();
      expect(runningWorkers()).toBe(1);
      const two = run();
      for (let i = 0; i < one.length; i++)
        expect(one[i]!.every((v, j) => Object.is(v, two[i]![j]))).toBe(true);
    },
  );
});

afterAll(() => setNumThreads(2));
