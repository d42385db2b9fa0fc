import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeSample, type MatrixSample } from '../gradcheck/arbitraries.js';
import {
  complexGeneralMatrix,
  complexWellConditionedMatrix,
  hermitianMatrix,
  hpdMatrix,
  unitaryMatrix,
} from '../gradcheck/arbitraries-complex.js';
import { makeRng } from '../gradcheck/linalg-rand.js';
import { complexGaussian, randomUnitary } from '../gradcheck/linalg-rand-complex.js';
import { choleskyOk, svals, symEig } from './helpers/host-linalg.js';

// A complex m×n matrix A = X + iY acts on ℝ²ⁿ as the real 2m×2n matrix [[X, −Y], [Y, X]]: its
// singular values are A's, each twice, and for Hermitian A it is symmetric with A's eigenvalues,
// each twice. The checks below measure the complex samples through that embedding with the real
// reference routines, independent of the code under test.
function embed(z: Float64Array, m: number, n: number): Float64Array {
  const r = new Float64Array(4 * m * n);
  const w = 2 * n;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const x = z[2 * (i * n + j)];
      const y = z[2 * (i * n + j) + 1];
      r[i * w + j] = x;
      r[i * w + n + j] = -y;
      r[(m + i) * w + j] = y;
      r[(m + i) * w + n + j] = x;
    }
  }
  return r;
}

/** The batch elements of a complex sample, each 2·rows·cols numbers. */
function elements(s: MatrixSample): Float64Array[] {
  const size = 2 * s.rows * s.cols;
  const count = s.data.length / size;
  return Array.from({ length: size === 0 ? 0 : count }, (_, i) => s.data.subarray(i * size, (i + 1) * size));
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);
const eps = 2 ** -52;

function checkShape(s: MatrixSample): void {
  expect(s.complex).toBe(true);
  expect(s.shape).toEqual([...s.batch, s.rows, s.cols]);
  expect(s.data.length).toBe(2 * product(s.shape));
}

/** max |(AᴴA − I)_ij| for an n×n complex A. */
function unitarity(a: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let re = 0;
      let im = 0;
      for (let k = 0; k < n; k++) {
        const [ar, ai] = [a[2 * (k * n + i)], -a[2 * (k * n + i) + 1]];
        const [br, bi] = [a[2 * (k * n + j)], a[2 * (k * n + j) + 1]];
        re += ar * br - ai * bi;
        im += ar * bi + ai * br;
      }
      worst = Math.max(worst, Math.hypot(re - (i === j ? 1 : 0), im));
    }
  }
  return worst;
}

function isHermitian(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    if (a[2 * (i * n + i) + 1] !== 0) return false;
    for (let j = 0; j < n; j++) {
      if (a[2 * (i * n + j)] !== a[2 * (j * n + i)] || a[2 * (i * n + j) + 1] !== -a[2 * (j * n + i) + 1])
        return false;
    }
  }
  return true;
}

const RUNS = { numRuns: 40, seed: 7 };

describe('complex linalg-rand', () => {
  it('complexGaussian has real and imaginary parts of variance ½ (E|z|² = 1)', () => {
    const z = complexGaussian(makeRng(3), 20000);
    let re2 = 0;
    let im2 = 0;
    for (let i = 0; i < z.length; i += 2) {
      re2 += z[i] ** 2;
      im2 += z[i + 1] ** 2;
    }
    // Each mean of 20000 squares of N(0, ½) has standard deviation ½·√(2/20000) = 0.005.
    expect(Math.abs(re2 / 20000 - 0.5)).toBeLessThan(0.025);
    expect(Math.abs(im2 / 20000 - 0.5)).toBeLessThan(0.025);
  });

  it('randomUnitary is unitary to rounding and genuinely complex', () => {
    for (const n of [1, 2, 5, 8]) {
      const q = randomUnitary(makeRng(n), n);
      expect(unitarity(q, n)).toBeLessThan(4 * n * eps);
      const imag = q.filter((_, k) => k % 2 === 1);
      expect(Math.max(...imag.map(Math.abs))).toBeGreaterThan(0.01);
    }
  });
});

describe('complex arbitraries', () => {
  it('complexGeneralMatrix: shapes, interleaved data in range, shrinks to the smallest case', () => {
    fc.assert(
      fc.property(complexGeneralMatrix({ batch: 'any' }), (s) => {
        checkShape(s);
        for (const v of s.data) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
    const failing = fc.check(
      fc.property(complexGeneralMatrix({ minSize: 1 }), (s) => s.rows * s.cols < 6),
      { seed: 1 },
    );
    expect(failing.failed).toBe(true);
    const [s] = failing.counterexample!;
    // Shrunk to a local minimum: one fewer row or column would pass, so the product is exactly 6.
    expect(s.rows * s.cols).toBe(6);
    expect(describeSample(s)).toMatch(/^complex MatrixSample shape=/);
  });

  it('complexWellConditionedMatrix has the condition number asked for', () => {
    fc.assert(
      fc.property(complexWellConditionedMatrix({ cond: 100, batch: 'any', maxSize: 5 }), (s) => {
        checkShape(s);
        for (const a of elements(s)) {
          const sv = svals(embed(a, s.rows, s.cols), 2 * s.rows, 2 * s.cols);
          if (s.rows === 0) continue;
          expect(sv[0]).toBeCloseTo(1, 12);
          if (s.rows >= 2) expect(sv[0] / sv[sv.length - 1]).toBeCloseTo(100, 8);
        }
        expect(s.cond).toBe(s.rows >= 2 ? 100 : 1);
      }),
      RUNS,
    );
  });

  it('hermitianMatrix is exactly Hermitian with eigenvalues in the range', () => {
    fc.assert(
      fc.property(hermitianMatrix({ batch: 'any', eigenvalues: { min: -2, max: 3 } }), (s) => {
        checkShape(s);
        for (const a of elements(s)) {
          expect(isHermitian(a, s.rows)).toBe(true);
          for (const l of symEig(embed(a, s.rows, s.rows), 2 * s.rows)) {
            expect(l).toBeGreaterThanOrEqual(-2 - 1e-12);
            expect(l).toBeLessThanOrEqual(3 + 1e-12);
          }
        }
      }),
      RUNS,
    );
    expect(() => hermitianMatrix({ eigenvalues: { min: 1, max: 0 } })).toThrow(RangeError);
  });

  it('hpdMatrix is Hermitian positive-definite with the condition number asked for', () => {
    fc.assert(
      fc.property(hpdMatrix({ cond: 1e4, batch: 'any' }), (s) => {
        checkShape(s);
        for (const a of elements(s)) {
          const n = s.rows;
          expect(isHermitian(a, n)).toBe(true);
          const r = embed(a, n, n);
          expect(choleskyOk(r, 2 * n)).toBe(true);
          const l = symEig(r, 2 * n);
          if (n >= 2) expect(l[l.length - 1] / l[0] / 1e4).toBeCloseTo(1, 6);
        }
      }),
      RUNS,
    );
    expect(() => hpdMatrix({ cond: 0.5 })).toThrow(RangeError);
  });

  it('unitaryMatrix: QᴴQ = I to n·eps', () => {
    fc.assert(
      fc.property(unitaryMatrix({ batch: 'any', maxSize: 7 }), (s) => {
        checkShape(s);
        for (const a of elements(s)) expect(unitarity(a, s.rows)).toBeLessThan(4 * Math.max(1, s.rows) * eps);
      }),
      RUNS,
    );
  });
});
