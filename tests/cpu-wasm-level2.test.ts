/**
 * The level-2 kernels of the WebAssembly bidiagonalisation (src/backends/cpu/wasm-level2.ts,
 * through level2Workspace) against plain loops: colacc and rank1 do the same operations in the
 * same order (bitwise equal); dotaxpy sums the dot product in two lanes, so it agrees to within
 * the dot product's error bound γ_len·Σ|m·v| per row. Rows and columns outside the block stay.
 */
import { describe, expect, it } from 'vitest';
import { level2Workspace, wasmGemmAvailable } from '../src/backends/cpu/wasm-gemm.js';
import { random } from './helpers/random.js';

const u = 2 ** -53;

describe.runIf(wasmGemmAvailable())('WebAssembly level-2 kernels', () => {
  for (const [rows, ld, c0] of [
    [1, 2, 0],
    [7, 10, 4],
    [33, 64, 2],
    [100, 130, 0],
  ] as const) {
    it(`colacc, rank1 and dotaxpy on a ${rows}-row block from column ${c0} of rows of ${ld}`, () => {
      const len = ld - c0;
      const [M, U, V, ACC] = [0, (rows + 1) * ld, (rows + 1) * ld + rows, (rows + 1) * ld + rows + ld];
      const w = level2Workspace(ACC + ld)!;
      const h = w.heap;
      const m = random((rows + 1) * ld, rows + ld);
      const uu = random(rows, 3);
      const vv = random(len, 4);
      h.set(m, M);
      h.set(uu, U);
      h.set(vv, V);
      const acc = new Float64Array(len);
      for (let i = 0; i < rows; i++) for (let j = 0; j < len; j++) acc[j] += uu[i]! * m[i * ld + c0 + j]!;
      w.colacc(M + c0, ld, U, rows, ACC, len);
      expect(Array.from(h.subarray(ACC, ACC + len))).toEqual(Array.from(acc));
      const ref = Float64Array.from(m);
      const tau = 1.37;
      for (let i = 0; i < rows; i++) {
        const f = tau * uu[i]!;
        for (let j = 0; j < len; j++) ref[i * ld + c0 + j] -= f * acc[j]!;
      }
      w.rank1(M + c0, ld, U, rows, ACC, len, tau);
      expect(Array.from(h.subarray(M, M + (rows + 1) * ld))).toEqual(Array.from(ref));
      // dotaxpy on rows 1..rows (row 0 must stay), within the dot product's error bound.
      const before = Float64Array.from(h.subarray(M, M + (rows + 1) * ld));
      w.dotaxpy(M + ld + c0, ld, V, rows, len, tau);
      for (let j = 0; j < ld; j++) expect(h[M + j]).toBe(before[j]);
      for (let i = 1; i <= rows; i++) {
        let dot = 0;
        let abs = 0;
        for (let j = 0; j < len; j++) {
          dot += before[i * ld + c0 + j]! * vv[j]!;
          abs += Math.abs(before[i * ld + c0 + j]! * vv[j]!);
        }
        const err = 2 * tau * len * u * abs; // both sums' error, times τ
        for (let j = 0; j < c0; j++) expect(h[M + i * ld + j]).toBe(before[i * ld + j]);
        for (let j = 0; j < len; j++) {
          const exp = before[i * ld + c0 + j]! - tau * dot * vv[j]!;
          expect(Math.abs(h[M + i * ld + c0 + j]! - exp)).toBeLessThanOrEqual(
            err * Math.abs(vv[j]!) + 4 * u * Math.abs(exp),
          );
        }
      }
    });
  }
});
