/**
 * eigh's divide-and-conquer eigenvectors (tridiag-dc.ts, from order EIGH_DC_MIN on), the fused
 * tridiagonalisation pass (rank2acc) and pinv's GEMM assembly, on the CPU kernels directly:
 * spectra that deflate (repeated eigenvalues, zero couplings, Wilkinson's close pairs, a graded
 * and a low-rank matrix) and ones that do not, at orders around the leaf size and the SIMD width.
 * Eigenvalues are checked against Sturm-sequence bisection of the same matrix when it is
 * tridiagonal; bounds as the other spectral suites: |VᵀV − I| ≤ 8·n·u, |A·V − V·Λ| ≤ 8·n·u·‖A‖_F.
 */
import { describe, expect, it } from 'vitest';
import type { CpuView } from '../src/backends/backend.js';
import { EIGH_DC_MIN } from '../src/backends/cpu/linalg/eigh.js';
import { pinvCpu } from '../src/backends/cpu/linalg/pinv.js';
import { eigh } from '../src/backends/cpu/linalg/spectral.js';
import { level2Workspace, wasmGemmAvailable } from '../src/backends/cpu/wasm-gemm.js';
import { random } from './helpers/random.js';

const u = 2 ** -53;
const fro = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

function orthCols(x: Float64Array, n: number): number {
  let e = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += x[p * n + i]! * x[p * n + j]!;
      e = Math.max(e, Math.abs(s - (i === j ? 1 : 0)));
    }
  return e;
}

function residual(a: Float64Array, v: Float64Array, w: Float64Array, n: number): number {
  let res = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += a[i * n + p]! * v[p * n + j]!;
      res = Math.max(res, Math.abs(s - v[i * n + j]! * w[j]!));
    }
  return res;
}

/** Dense n×n from a tridiagonal (diagonal d, off-diagonal e). */
function dense(d: number[], e: number[]): Float64Array {
  const n = d.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = d[i]!;
    if (i < n - 1) a[i * n + i + 1] = a[(i + 1) * n + i] = e[i]!;
  }
  return a;
}

/** Eigenvalues of the tridiagonal (d, e) by Sturm-sequence bisection (ascending). */
function bisection(d: number[], e: number[]): number[] {
  const n = d.length;
  let r = 0;
  for (let i = 0; i < n; i++)
    r = Math.max(r, Math.abs(d[i]!) + Math.abs(e[i] ?? 0) + Math.abs(e[i - 1] ?? 0));
  const below = (x: number) => {
    let c = 0;
    let q = 1;
    for (let i = 0; i < n; i++) {
      q = d[i]! - x - (i > 0 ? e[i - 1]! ** 2 / q : 0);
      if (q === 0) q = 1e-300;
      if (q < 0) c++;
    }
    return c;
  };
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    let lo = -r - 1;
    let hi = r + 1;
    for (let it = 0; it < 200 && hi - lo > 1e-17 * r; it++) {
      const mid = (lo + hi) / 2;
      if (below(mid) > k) hi = mid;
      else lo = mid;
    }
    out.push((lo + hi) / 2);
  }
  return out;
}

function solve(a: Float64Array, n: number) {
  const w = new Float64Array(n);
  const v = new Float64Array(n * n);
  const info = new Int32Array(1);
  eigh(a, 1, n, false, w, v, true, info);
  return { w, v, info: info[0]! };
}

function checkPairs(a: Float64Array, n: number, w: Float64Array, v: Float64Array): void {
  for (let i = 1; i < n; i++) expect(w[i]!).toBeGreaterThanOrEqual(w[i - 1]!);
  expect(orthCols(v, n)).toBeLessThanOrEqual(8 * n * u);
  expect(residual(a, v, w, n)).toBeLessThanOrEqual(8 * n * u * fro(a));
}

const tridiagonals: [string, (n: number) => [number[], number[]]][] = [
  ['random', (n) => [Array.from(random(n, n)), Array.from(random(n, n + 1))]],
  // Wilkinson's W+: pairs of eigenvalues equal to many digits (deflation by rotation).
  [
    'Wilkinson W+',
    (n) => [Array.from({ length: n }, (_, i) => Math.abs(i - (n - 1) / 2)), new Array(n).fill(1)],
  ],
  // Zero couplings: the halves are independent (everything deflates in the merge).
  [
    'block diagonal',
    (n) => [Array.from(random(n, 3)), Array.from({ length: n }, (_, i) => (i % 7 === 6 ? 0 : 0.3))],
  ],
  ['constant', (n) => [new Array(n).fill(2), new Array(n).fill(1e-9)]],
  [
    'graded',
    (n) => [
      Array.from({ length: n }, (_, i) => 10 ** (-i / 8)),
      Array.from({ length: n }, (_, i) => 10 ** (-i / 8) / 3),
    ],
  ],
  ['1-2-1', (n) => [new Array(n).fill(2), new Array(n).fill(-1)]],
];

describe('CPU eigh by divide and conquer', () => {
  for (const n of [EIGH_DC_MIN, 65, 97, 160]) {
    for (const [name, make] of tridiagonals) {
      it(`tridiagonal ${name}, n = ${n}: eigenvalues as bisection, V orthonormal, T·V = V·Λ`, () => {
        const [d, e] = make(n);
        e.length = n - 1;
        const a = dense(d, e);
        const { w, v, info } = solve(a, n);
        expect(info).toBe(0);
        checkPairs(a, n, w, v);
        const ref = bisection(d, e);
        const tol = 8 * n * u * fro(a);
        for (let i = 0; i < n; i++) expect(Math.abs(w[i]! - ref[i]!)).toBeLessThanOrEqual(tol);
      });
    }
  }

  for (const [n, kind] of [
    [64, 'gauss'],
    [129, 'gauss'],
    [200, 'repeated'],
    [90, 'rank 3'],
    [70, 'zero'],
    [80, 'ones'],
  ] as const) {
    it(`dense ${kind} ${n}×${n}: V orthonormal, A·V = V·Λ, values as eigvalsh's QR iteration`, () => {
      let a: Float64Array;
      if (kind === 'gauss') a = random(n * n, n);
      else if (kind === 'zero') a = new Float64Array(n * n);
      else if (kind === 'ones') a = new Float64Array(n * n).fill(1);
      else if (kind === 'rank 3') {
        const x = random(n * 3, 9);
        a = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            for (let p = 0; p < 3; p++) a[i * n + j]! += x[i * 3 + p]! * x[j * 3 + p]!;
      } else {
        // A Householder reflection of diag(0, 1, 2, 0, 1, 2, …): triple eigenvalues.
        const x = random(n, 11);
        const xx = x.reduce((s, t) => s + t * t, 0);
        a = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            for (let k = 0; k < n; k++) {
              const hik = (i === k ? 1 : 0) - (2 * x[i]! * x[k]!) / xx;
              const hjk = (j === k ? 1 : 0) - (2 * x[j]! * x[k]!) / xx;
              a[i * n + j]! += hik * (k % 3) * hjk;
            }
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
      const { w, v, info } = solve(a, n);
      expect(info).toBe(0);
      checkPairs(a, n, w, v);
      const wq = new Float64Array(n);
      eigh(a, 1, n, false, wq, null, false, new Int32Array(1));
      const tol = 8 * n * u * Math.max(fro(a), 1e-300);
      for (let i = 0; i < n; i++) expect(Math.abs(w[i]! - wq[i]!)).toBeLessThanOrEqual(tol);
      if (kind === 'zero') expect(Array.from(w).every((x) => x === 0)).toBe(true);
    });
  }

  it('reads only the requested triangle and batches independently (NaN in the other triangle)', () => {
    const n = 72;
    const a = random(2 * n * n, 5);
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[b * n * n + i * n + j] = Number.NaN;
    const w = new Float64Array(2 * n);
    const v = new Float64Array(2 * n * n);
    const info = new Int32Array(2);
    eigh(a, 2, n, false, w, v, true, info);
    expect(Array.from(info)).toEqual([0, 0]);
    for (let b = 0; b < 2; b++) {
      const s = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) s[i * n + j] = s[j * n + i] = a[b * n * n + i * n + j]!;
      checkPairs(s, n, w.subarray(b * n, (b + 1) * n), v.subarray(b * n * n, (b + 1) * n * n));
    }
  });
});

describe('CPU pinv assembled by GEMM', () => {
  const view = (data: Float64Array | Int32Array, shape: number[]): CpuView =>
    ({ data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float64' }) as CpuView;
  for (const [m, n, hermitian] of [
    [150, 70, false],
    [40, 130, false],
    [90, 90, true],
  ] as const) {
    it(`${m}×${n}${hermitian ? ' hermitian' : ''}: A·X·A = A, X·A·X = X, (A·X)ᵀ = A·X`, () => {
      let a = random(m * n, m + 2 * n);
      if (hermitian) {
        a = a.slice();
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
      }
      const k = Math.min(m, n);
      const x = new Float64Array(n * m);
      const info = new Int32Array(1);
      const outs = [
        view(x, [n, m]),
        view(new Float64Array(hermitian ? n : k), [hermitian ? n : k]),
        view(new Float64Array(1), []),
        view(new Int32Array(1), []),
        view(info, []),
      ];
      pinvCpu(view(a, [m, n]), outs, { atol: 0, rtol: 1e-12, hermitian });
      expect(info[0]).toBe(0);
      const mul = (p: Float64Array, q: Float64Array, r: number, s: number, t: number) => {
        const out = new Float64Array(r * t);
        for (let i = 0; i < r; i++)
          for (let l = 0; l < s; l++)
            for (let j = 0; j < t; j++) out[i * t + j]! += p[i * s + l]! * q[l * t + j]!;
        return out;
      };
      const ax = mul(a, x, m, n, m);
      const axa = mul(ax, a, m, m, n);
      const xax = mul(mul(x, a, n, m, n), x, n, n, m);
      const big = Math.max(m, n);
      const maxDiff = (p: Float64Array, q: Float64Array) =>
        p.reduce((s, t, i) => Math.max(s, Math.abs(t - q[i]!)), 0);
      expect(maxDiff(axa, a)).toBeLessThanOrEqual(64 * big * u * fro(a));
      expect(maxDiff(xax, x)).toBeLessThanOrEqual(64 * big * u * fro(x) ** 2 * fro(a));
      let sym = 0;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < i; j++) sym = Math.max(sym, Math.abs(ax[i * m + j]! - ax[j * m + i]!));
      expect(sym).toBeLessThanOrEqual(64 * big * u * fro(x) * fro(a));
    });
  }
});

describe.runIf(wasmGemmAvailable())('rank2acc (the fused tridiagonalisation pass)', () => {
  for (const [rows, ld, c0] of [
    [1, 2, 0],
    [9, 12, 2],
    [40, 66, 4],
  ] as const) {
    it(`${rows} rows from column ${c0} of rows of ${ld}: bitwise as plain loops in the same order`, () => {
      const len = ld - c0;
      const M = 0;
      const [U, W, UN, UC, WC, ACC] = [rows * ld, rows * ld + rows, rows * ld + 2 * rows].concat(
        [0, 1, 2].map((t) => rows * ld + 3 * rows + t * ld),
      ) as [number, number, number, number, number, number];
      const w = level2Workspace(ACC + ld)!;
      const h = w.heap;
      const m = random(rows * ld, rows + 7);
      const vecs = [random(rows, 1), random(rows, 2), random(rows, 3), random(len, 4), random(len, 5)];
      h.set(m, M);
      [U, W, UN, UC, WC].forEach((off, i) => {
        h.set(vecs[i]!, off);
      });
      h.fill(Number.NaN, ACC, ACC + len); // zeroed by the kernel
      const ref = Float64Array.from(m);
      const acc = new Float64Array(len);
      const [uu, ww, un, uc, wc] = vecs as [
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
      ];
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < len; j++) {
          const x = ref[i * ld + c0 + j]! - (uu[i]! * wc[j]! + ww[i]! * uc[j]!);
          ref[i * ld + c0 + j] = x;
          acc[j]! += un[i]! * x;
        }
      w.rank2acc(M + c0, ld, U, W, UN, rows, UC, WC, ACC, len);
      expect(Array.from(h.subarray(M, M + rows * ld))).toEqual(Array.from(ref));
      expect(Array.from(h.subarray(ACC, ACC + len))).toEqual(Array.from(acc));
    });
  }
});
