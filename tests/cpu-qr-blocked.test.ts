/**
 * The blocked Householder QR (src/backends/cpu/linalg/qr-blocked.ts, used by the CPU `qr` kernel
 * from min(m, n) = 64): square, tall, wide and odd shapes crossing panel boundaries, every mode,
 * full-rank and rank-deficient inputs. Bounds (Higham, Thm 19.4 and 19.13, with a factor for the
 * blocked updates): |Q·R − A| ≤ 4·max(m, n)·u·‖A‖_F entrywise, |QᵀQ − I| ≤ 4·max(m, n)·u; R is
 * exactly upper triangular and 'r' mode equals the reduced R. A NaN reaches the outputs.
 */
import { describe, expect, it } from 'vitest';
import { qr } from '../src/backends/cpu/linalg/qr.js';
import { random } from './helpers/random.js';

const u = 2 ** -53;

function check(a: Float64Array, m: number, n: number, mode: 'reduced' | 'complete') {
  const k = Math.min(m, n);
  const qc = mode === 'complete' ? m : k;
  const rr = mode === 'complete' ? m : k;
  const q = new Float64Array(m * qc);
  const r = new Float64Array(rr * n);
  qr(a, 1, m, n, q, r, mode);
  let fro = 0;
  for (const v of a) fro += v * v;
  fro = Math.sqrt(fro);
  let rec = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < rr; p++) s += q[i * qc + p]! * r[p * n + j]!;
      rec = Math.max(rec, Math.abs(s - a[i * n + j]!));
    }
  let orth = 0;
  for (let i = 0; i < qc; i++)
    for (let j = 0; j < qc; j++) {
      let s = 0;
      for (let p = 0; p < m; p++) s += q[p * qc + i]! * q[p * qc + j]!;
      orth = Math.max(orth, Math.abs(s - (i === j ? 1 : 0)));
    }
  let lower = 0;
  for (let i = 0; i < rr; i++)
    for (let j = 0; j < Math.min(i, n); j++) lower = Math.max(lower, Math.abs(r[i * n + j]!));
  const big = Math.max(m, n);
  expect(rec).toBeLessThanOrEqual(4 * big * u * fro);
  expect(orth).toBeLessThanOrEqual(4 * big * u);
  expect(lower).toBe(0);
  return { q, r };
}

describe('blocked Householder QR (CPU)', () => {
  for (const [m, n] of [
    [64, 64],
    [200, 70],
    [70, 200],
    [257, 130],
    [130, 97],
  ] as const) {
    it(`${m}×${n}: Q·R = A, QᵀQ = I, R upper, in reduced and complete modes; 'r' equals reduced R`, () => {
      const a = random(m * n, m * 1000 + n);
      const { r } = check(a, m, n, 'reduced');
      check(a, m, n, 'complete');
      const k = Math.min(m, n);
      const rOnly = new Float64Array(k * n);
      qr(a, 1, m, n, null, rOnly, 'r');
      expect(rOnly).toEqual(r);
    });
  }

  it('rank-deficient input (zero and repeated columns): Q stays orthonormal', () => {
    const [m, n] = [150, 90];
    const a = random(m * n, 7);
    for (let i = 0; i < m; i++) {
      a[i * n + 3] = 0; // a zero column: τ = 0 there
      a[i * n + 40] = a[i * n + 5]!; // a repeated one
      a[i * n + 77] = 0;
    }
    check(a, m, n, 'reduced');
  });

  it('a batch of two gives each its own factorization', () => {
    const [m, n] = [96, 80];
    const a = random(2 * m * n, 9);
    const q = new Float64Array(2 * m * n);
    const r = new Float64Array(2 * n * n);
    qr(a, 2, m, n, q, r, 'reduced');
    const second = check(a.slice(m * n), m, n, 'reduced');
    expect(q.slice(m * n)).toEqual(second.q);
    expect(r.slice(n * n)).toEqual(second.r);
  });

  it('float32 input and outputs', () => {
    const [m, n] = [100, 72];
    const a64 = random(m * n, 11);
    const a = Float32Array.from(a64);
    const q = new Float32Array(m * n);
    const r = new Float32Array(n * n);
    qr(a, 1, m, n, q, r, 'reduced');
    let orth = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < m; p++) s += q[p * n + i]! * q[p * n + j]!;
        orth = Math.max(orth, Math.abs(s - (i === j ? 1 : 0)));
      }
    expect(orth).toBeLessThan(4 * m * 2 ** -24);
  });

  it('a NaN in A reaches R and Q, and the kernel returns', () => {
    const [m, n] = [80, 80];
    const a = random(m * n, 13);
    a[5 * n + 70] = Number.NaN;
    const q = new Float64Array(m * n);
    const r = new Float64Array(n * n);
    qr(a, 1, m, n, q, r, 'reduced');
    expect(r.some(Number.isNaN)).toBe(true);
    expect(q.some(Number.isNaN)).toBe(true);
  });
});
