/**
 * eigh and svd on the CPU at sizes where their orthogonal factors are formed by blocks of
 * reflectors in GEMM (qr-blocked.ts reflectorProduct, from 48 reflectors) and the QR iteration
 * rotates them in WebAssembly (wasm-rot.ts): square, tall and wide, reduced and full, full-rank,
 * low-rank and repeated spectra. Bounds as the small-size suite (normwise backward stability):
 * |VᵀV − I|, |UᵀU − I| ≤ 8·n·u; |A·V − V·Λ|, |U·S·Vh − A| ≤ 8·n·u·‖A‖_F.
 */
import { describe, expect, it } from 'vitest';
import { eigh, svdCpu } from '../src/backends/cpu/linalg/spectral.js';
import { random } from './helpers/random.js';

const u = 2 ** -53;

const fro = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

/** max |XᵀX − I| for the rows×cols matrix X (row-major), over its columns. */
function orthCols(x: Float64Array, rows: number, cols: number): number {
  let e = 0;
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let p = 0; p < rows; p++) s += x[p * cols + i]! * x[p * cols + j]!;
      e = Math.max(e, Math.abs(s - (i === j ? 1 : 0)));
    }
  return e;
}

function lowRank(m: number, n: number, r: number, seed: number): Float64Array {
  const x = random(m * r, seed);
  const y = random(r * n, seed + 1);
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < r; p++) for (let j = 0; j < n; j++) a[i * n + j]! += x[i * r + p]! * y[p * n + j]!;
  return a;
}

describe('CPU eigh and svd with blocked orthogonal factors', () => {
  for (const [n, kind] of [
    [100, 'gauss'],
    [130, 'lowRank'],
    [64, 'repeated'],
  ] as const) {
    it(`eigh ${n}×${n} (${kind}): VᵀV = I and A·V = V·Λ`, () => {
      let a: Float64Array;
      if (kind === 'gauss') a = random(n * n, n);
      else if (kind === 'lowRank') a = lowRank(n, n, 7, n);
      else {
        // Q·diag(1, 1, 2, −1, …)·Qᵀ with Q from a QR of a random matrix: repeated eigenvalues.
        const q = random(n * n, 5);
        for (let j = 0; j < n; j++) {
          for (let k = 0; k < j; k++) {
            let d = 0;
            for (let i = 0; i < n; i++) d += q[i * n + j]! * q[i * n + k]!;
            for (let i = 0; i < n; i++) q[i * n + j]! -= d * q[i * n + k]!;
          }
          let nr = 0;
          for (let i = 0; i < n; i++) nr += q[i * n + j]! ** 2;
          for (let i = 0; i < n; i++) q[i * n + j]! /= Math.sqrt(nr);
        }
        a = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            for (let k = 0; k < n; k++)
              a[i * n + j]! += q[i * n + k]! * [1, 1, 2, -1][k % 4]! * q[j * n + k]!;
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
      const w = new Float64Array(n);
      const v = new Float64Array(n * n);
      const info = new Int32Array(1);
      eigh(a, 1, n, false, w, v, true, info);
      expect(info[0]).toBe(0);
      for (let i = 1; i < n; i++) expect(w[i]!).toBeGreaterThanOrEqual(w[i - 1]!);
      expect(orthCols(v, n, n)).toBeLessThanOrEqual(8 * n * u);
      let res = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < n; p++) s += a[i * n + p]! * v[p * n + j]!;
          res = Math.max(res, Math.abs(s - v[i * n + j]! * w[j]!));
        }
      expect(res).toBeLessThanOrEqual(8 * n * u * fro(a));
    });
  }

  for (const [m, n, full, kind] of [
    [120, 70, false, 'gauss'],
    [120, 70, true, 'gauss'],
    [70, 120, true, 'lowRank'],
    [96, 96, false, 'lowRank'],
  ] as const) {
    it(`svd ${m}×${n} (${full ? 'full' : 'reduced'}, ${kind}): U, V orthonormal and U·S·Vh = A`, () => {
      const a = kind === 'gauss' ? random(m * n, m + n) : lowRank(m, n, 5, m + n);
      const k = Math.min(m, n);
      const uc = full ? m : k;
      const vr = full ? n : k;
      const uu = new Float64Array(m * uc);
      const s = new Float64Array(k);
      const vh = new Float64Array(vr * n);
      const info = new Int32Array(1);
      svdCpu(a, 1, m, n, uu, s, vh, { fullMatrices: full, computeUV: true }, info);
      expect(info[0]).toBe(0);
      for (let i = 1; i < k; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
      const big = Math.max(m, n);
      expect(orthCols(uu, m, uc)).toBeLessThanOrEqual(8 * big * u);
      const v = new Float64Array(n * vr);
      for (let i = 0; i < vr; i++) for (let j = 0; j < n; j++) v[j * vr + i] = vh[i * n + j]!;
      expect(orthCols(v, n, vr)).toBeLessThanOrEqual(8 * big * u);
      let res = 0;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) acc += uu[i * uc + p]! * s[p]! * vh[p * n + j]!;
          res = Math.max(res, Math.abs(acc - a[i * n + j]!));
        }
      expect(res).toBeLessThanOrEqual(8 * big * u * fro(a));
    });
  }
});
