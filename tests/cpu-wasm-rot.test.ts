/**
 * Row rotations in WebAssembly SIMD (src/backends/cpu/wasm-rot.ts, through rowRotators), which
 * carry the eigenvector and singular-vector updates of eigh and svd: bitwise the same as the
 * plain loop x ← c·x + s·y, y ← c·y − s·x (same operations in the same order), for any column
 * count (rows padded to a multiple of 4 in the kernel's memory), two matrices at once, and
 * nothing of a matrix changes before finish(); rows shorter than 16 take the JavaScript loop,
 * with the same results.
 */
import { describe, expect, it } from 'vitest';
import { rowRotators, WASM_ROT_MIN, wasmGemmAvailable } from '../src/backends/cpu/wasm-gemm.js';
import { random } from './helpers/random.js';

function reference(m: Float64Array, cols: number, ops: [number, number, number, number][]): void {
  for (const [i, j, c, s] of ops)
    for (let t = 0; t < cols; t++) {
      const x = m[i * cols + t]!;
      const y = m[j * cols + t]!;
      m[i * cols + t] = c * x + s * y;
      m[j * cols + t] = c * y - s * x;
    }
}

describe.runIf(wasmGemmAvailable())('WebAssembly row rotations', () => {
  it('match the plain loop bit for bit, for any column count, on two matrices at once', () => {
    for (const [rows, cols, rows2, cols2] of [
      [5, 1, 3, 3],
      [7, 6, 4, 9],
      [12, 33, 12, 12],
      [40, 257, 9, 130],
    ] as const) {
      const a = random(rows * cols, rows * 31 + cols);
      const b = random(rows2 * cols2, rows2 * 17 + cols2);
      const a0 = Float64Array.from(a);
      const b0 = Float64Array.from(b);
      const opsA: [number, number, number, number][] = [];
      const opsB: [number, number, number, number][] = [];
      const r = random(4 * 200, cols);
      for (let q = 0; q < 100; q++) {
        const th = 7 * r[q]!;
        const i = Math.floor((r[100 + q]! + 0.5) * rows) % rows;
        opsA.push([i, (i + 1 + (q % (rows - 1 || 1))) % rows, Math.cos(th), Math.sin(th)]);
        const k = Math.floor((r[200 + q]! + 0.5) * rows2) % rows2;
        opsB.push([k, (k + 1) % rows2, Math.cos(2 * th), Math.sin(2 * th)]);
      }
      const [ra, rb] = rowRotators([
        { data: a, rows, cols },
        { data: b, rows: rows2, cols: cols2 },
      ]);
      for (let q = 0; q < 100; q++) {
        if (opsA[q]![0] !== opsA[q]![1]) ra!.rotate(...opsA[q]!);
        rb!.rotate(...opsB[q]!);
      }
      // In the kernel's memory (a pair with a row of 16+): untouched until finish(). Shorter rows
      // are rotated in place by the JavaScript loop.
      if (Math.max(cols, cols2) >= WASM_ROT_MIN) expect(a).toEqual(a0);
      ra!.finish();
      rb!.finish();
      reference(
        a0,
        cols,
        opsA.filter(([i, j]) => i !== j),
      );
      reference(b0, cols2, opsB);
      expect(Array.from(a).every((v, t) => Object.is(v, a0[t]))).toBe(true);
      expect(Array.from(b).every((v, t) => Object.is(v, b0[t]))).toBe(true);
    }
  });
});
