import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeSample,
  distinctSingularValuesMatrix,
  generalMatrix,
  type MatrixSample,
  rankDeficientMatrix,
  spdMatrix,
  symmetricMatrix,
  triangularMatrix,
  wellConditionedMatrix,
} from '../gradcheck/arbitraries.js';
import { householderQR, makeRng, matmul, randomOrthogonal, transpose } from '../gradcheck/linalg-rand.js';
import { agreementTolerance, allClose, eps, linalgTolerance, maxRelError } from '../gradcheck/tolerance.js';
import { choleskyOk, svals, symEig } from './helpers/host-linalg.js';

// ---- small reference routines, independent of the code under test ----

/** Gaussian elimination with partial pivoting; `r` rounds every intermediate (Math.fround → float32). */
function luSolve(a0: ArrayLike<number>, b0: ArrayLike<number>, n: number, r = (x: number) => x): number[] {
  const a = Array.from(a0, r);
  const b = Array.from(b0, r);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]!) > Math.abs(a[p * n + k]!)) p = i;
    for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j]!, a[k * n + j]!];
    [b[k], b[p]] = [b[p]!, b[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = r(a[i * n + k]! / a[k * n + k]!);
      for (let j = k; j < n; j++) a[i * n + j] = r(a[i * n + j]! - r(f * a[k * n + j]!));
      b[i] = r(b[i]! - r(f * b[k]!));
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s = r(s - r(a[i * n + j]! * b[j]!));
    b[i] = r(s / a[i * n + i]!);
  }
  return b;
}

/** The batch elements of a sample as m×n row-major views. */
function elements(s: MatrixSample): Float64Array[] {
  const size = s.rows * s.cols;
  return Array.from({ length: size === 0 ? 0 : s.data.length / size }, (_, i) =>
    s.data.subarray(i * size, (i + 1) * size),
  );
}

function isSymmetric(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (a[i * n + j] !== a[j * n + i]) return false;
  return true;
}

const rel = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);
const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function checkShape(s: MatrixSample): void {
  expect(s.shape).toEqual([...s.batch, s.rows, s.cols]);
  expect(s.data.length).toBe(product(s.shape));
}

/** Measured 2-norm condition number of a square sample element (max over the batch). */
function measuredCond(s: MatrixSample): number {
  return Math.max(
    1,
    ...elements(s)
      .map((a) => svals(a, s.rows, s.cols))
      .map((sv) => sv[0]! / sv.at(-1)!),
  );
}

// ---- tests ----

describe('linalg-rand', () => {
  it('makeRng is deterministic, uniform in [0,1) and gives standard normals', () => {
    const [r1, r2] = [makeRng(0), makeRng(0)];
    const us = Array.from({ length: 20000 }, () => r1.uniform());
    expect(us).toEqual(Array.from({ length: 20000 }, () => r2.uniform()));
    expect(Math.min(...us)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...us)).toBeLessThan(1);
    const g = makeRng(42);
    const zs = Array.from({ length: 20000 }, () => g.normal());
    const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
    const variance = zs.reduce((a, b) => a + (b - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('matmul and transpose on a small example', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6]); // 2×3
    expect(Array.from(transpose(a, 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(matmul(a, transpose(a, 2, 3), 2, 3, 2))).toEqual([14, 32, 32, 77]);
  });

  it('randomOrthogonal is orthogonal to ~1e-14', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer(), (n, seed) => {
        const q = randomOrthogonal(makeRng(seed), n);
        const qtq = matmul(transpose(q, n, n), q, n, n, n);
        for (let i = 0; i < n * n; i++)
          expect(Math.abs(qtq[i]! - (i % (n + 1) === 0 ? 1 : 0))).toBeLessThan(1e-14);
      }),
    );
  });

  it('householderQR: Q orthogonal, R upper with R_jj >= 0, QR = A', () => {
    fc.assert(
      fc.property(generalMatrix({ maxSize: 7 }), (s) => {
        const { rows: m, cols: n } = s;
        const { q, r } = householderQR(s.data, m, n);
        const qtq = matmul(transpose(q, m, m), q, m, m, m);
        for (let i = 0; i < m * m; i++)
          expect(Math.abs(qtq[i]! - (i % (m + 1) === 0 ? 1 : 0))).toBeLessThan(1e-14);
        for (let i = 0; i < m; i++) for (let j = 0; j < Math.min(i, n); j++) expect(r[i * n + j]).toBe(0);
        for (let j = 0; j < Math.min(m, n); j++) expect(r[j * n + j]).toBeGreaterThanOrEqual(0);
        expect(allClose(matmul(q, r, m, m, n), s.data, { atol: 1e-14, rtol: 0 })).toBe(true);
      }),
    );
  });
});

describe('arbitraries', () => {
  it('generalMatrix: shapes, fixed sizes, square option, entry range', () => {
    fc.assert(
      fc.property(generalMatrix({ batch: 'any' }), (s) => {
        checkShape(s);
        expect(s.data.every((x) => x >= -1 && x <= 1)).toBe(true);
      }),
    );
    for (const s of fc.sample(generalMatrix({ rows: 2, cols: 5, batch: [3] }), 20)) {
      expect(s.shape).toEqual([3, 2, 5]);
      checkShape(s);
    }
    for (const s of fc.sample(generalMatrix({ square: true, distribution: 'normal' }), 50)) {
      expect(s.rows).toBe(s.cols);
      expect(s.data.every(Number.isFinite)).toBe(true);
    }
  });

  it("batch 'any' yields empty batch lists, empty batches (a 0 dim) and 0×0 matrices", () => {
    const samples = fc.sample(generalMatrix({ batch: 'any', square: true }), { numRuns: 500, seed: 1 });
    samples.forEach(checkShape);
    expect(samples.some((s) => s.batch.length === 0)).toBe(true);
    expect(samples.some((s) => s.batch.includes(0) && s.data.length === 0)).toBe(true);
    expect(samples.some((s) => s.batch.length === 2 && !s.batch.includes(0))).toBe(true);
    expect(samples.some((s) => s.rows === 0 && s.batch.length > 0)).toBe(true);
    expect(fc.sample(spdMatrix({ minSize: 2 }), 200).every((s) => s.rows >= 2)).toBe(true);
  });

  it('wellConditionedMatrix: σ_max = 1 and the condition number is exactly cond', () => {
    for (const target of [1, 10, 1e3]) {
      fc.assert(
        fc.property(wellConditionedMatrix({ cond: target, batch: 'any' }), (s) => {
          checkShape(s);
          expect(s.rows).toBe(s.cols);
          const expected = s.rows >= 2 ? target : 1;
          expect(s.cond).toBe(expected);
          for (const a of elements(s)) expect(Math.abs(svals(a, s.rows, s.cols)[0]! - 1)).toBeLessThan(1e-13);
          if (elements(s).length > 0) expect(rel(measuredCond(s), expected)).toBeLessThan(1e-9);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('spdMatrix: exactly symmetric, Cholesky succeeds, eigenvalues in [1/cond, 1]', () => {
    fc.assert(
      fc.property(spdMatrix({ cond: 100, batch: 'any' }), (s) => {
        checkShape(s);
        for (const a of elements(s)) {
          expect(isSymmetric(a, s.rows)).toBe(true);
          expect(choleskyOk(a, s.rows)).toBe(true);
          const lam = symEig(a, s.rows);
          if (s.rows === 0) continue;
          expect(Math.abs(lam.at(-1)! - 1)).toBeLessThan(1e-13);
          expect(rel(lam.at(-1)! / lam[0]!, s.cond!)).toBeLessThan(1e-9);
        }
      }),
    );
  });

  it('symmetricMatrix: exactly symmetric, eigenvalues of both signs, cond as reported', () => {
    fc.assert(
      fc.property(symmetricMatrix({ batch: 'any', minSize: 1 }), (s) => {
        for (const a of elements(s)) {
          expect(isSymmetric(a, s.rows)).toBe(true);
          const lam = symEig(a, s.rows);
          expect(lam.every((x) => Math.abs(x) >= 0.25 - 1e-13 && Math.abs(x) <= 1 + 1e-13)).toBe(true);
          if (s.rows >= 2) expect(lam[0]! < 0 && lam.at(-1)! > 0).toBe(true);
        }
        expect(s.cond!).toBeLessThanOrEqual(4);
        if (elements(s).length === 1) expect(rel(measuredCond(s), s.cond!)).toBeLessThan(1e-9);
      }),
    );
  });

  it('symmetricMatrix with distinctEigenvalues keeps the minimum gap', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 2, noNaN: true }), fc.integer(), (minGap, seed) => {
        const arb = symmetricMatrix({ distinctEigenvalues: { minGap }, batch: [2] });
        for (const s of fc.sample(arb, { numRuns: 3, seed })) {
          for (const a of elements(s)) {
            const lam = symEig(a, s.rows);
            for (let i = 1; i < lam.length; i++)
              expect(lam[i]! - lam[i - 1]!).toBeGreaterThan(minGap * (1 - 1e-9));
            expect(lam.every((x) => Math.abs(x) >= (minGap / 2) * (1 - 1e-9))).toBe(true);
            if (s.rows >= 2) expect(lam[0]! < 0 && lam.at(-1)! > 0).toBe(true);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('distinctSingularValuesMatrix (random spread): relative gaps >= minRelGap, cond as reported', () => {
    fc.assert(
      fc.property(distinctSingularValuesMatrix({ minRelGap: 0.2, batch: 'any' }), (s) => {
        checkShape(s);
        for (const a of elements(s)) {
          const sv = svals(a, s.rows, s.cols);
          expect(sv.length).toBe(Math.min(s.rows, s.cols));
          for (let i = 1; i < sv.length; i++)
            expect((sv[i - 1]! - sv[i]!) / sv[i - 1]!).toBeGreaterThan(0.2 - 1e-9);
          if (sv.length > 0) expect(sv[0]! / sv.at(-1)!).toBeLessThanOrEqual(s.cond! * (1 + 1e-9));
        }
        if (elements(s).length === 1 && s.rows * s.cols > 0) {
          const sv = svals(s.data, s.rows, s.cols);
          expect(rel(sv[0]! / sv.at(-1)!, s.cond!)).toBeLessThan(1e-9);
        }
      }),
    );
  });

  it("distinctSingularValuesMatrix ('harmonic'): s = 1 + 1/[2, -3, 4, -5, …]", () => {
    fc.assert(
      fc.property(distinctSingularValuesMatrix({ spread: 'harmonic', maxSize: 8 }), (s) => {
        const k = Math.min(s.rows, s.cols);
        const expected = Array.from({ length: k }, (_, i) => 1 + (i % 2 ? -1 : 1) / (i + 2)).sort(
          (x, y) => y - x,
        );
        const sv = svals(s.data, s.rows, s.cols);
        for (const [i, x] of sv.entries()) expect(Math.abs(x - expected[i]!)).toBeLessThan(1e-13);
        expect(s.cond).toBeCloseTo(k >= 2 ? 2.25 : 1, 14);
      }),
    );
  });

  it('rankDeficientMatrix: exactly `rank` nonzero singular values, truly deficient by default', () => {
    for (const rank of [0, 1, 3]) {
      fc.assert(
        fc.property(rankDeficientMatrix({ rank, cond: 5, batch: 'any' }), (s) => {
          checkShape(s);
          expect(Math.min(s.rows, s.cols)).toBeGreaterThan(rank);
          for (const a of elements(s)) {
            const sv = svals(a, s.rows, s.cols);
            expect(sv.filter((x) => x > 1e-12).length).toBe(rank);
            if (rank > 0) expect(sv[rank - 1]).toBeGreaterThan(0.2 - 1e-12);
          }
        }),
        { numRuns: 50 },
      );
    }
    expect(() => rankDeficientMatrix({ rank: 3, rows: 2 })).toThrow(RangeError);
  });

  it('triangularMatrix: structure, positive diagonal, cond below condBound', () => {
    for (const [upper, unitDiagonal] of [
      [true, false],
      [false, false],
      [false, true],
    ] as const) {
      fc.assert(
        fc.property(triangularMatrix({ upper, unitDiagonal, batch: 'any', maxSize: 8 }), (s) => {
          const n = s.rows;
          for (const a of elements(s)) {
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < n; j++) {
                const x = a[i * n + j]!;
                if (i === j) expect(unitDiagonal ? x === 1 : x >= 1 && x <= 2).toBe(true);
                else if (upper ? j < i : j > i) expect(x).toBe(0);
                else expect(Math.abs(x)).toBeLessThanOrEqual(1 / n);
              }
            }
          }
          if (elements(s).length > 0 && n > 0) expect(measuredCond(s)).toBeLessThan(s.condBound!);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('triangularMatrix with cond: exact condition number, diagonal in [1/cond, 1]', () => {
    for (const upper of [true, false]) {
      fc.assert(
        fc.property(triangularMatrix({ upper, cond: 50, minSize: 1 }), (s) => {
          const n = s.rows;
          for (let i = 0; i < n; i++) {
            expect(s.data[i * n + i]).toBeGreaterThanOrEqual(1 / 50 - 1e-14);
            expect(s.data[i * n + i]).toBeLessThanOrEqual(1 + 1e-14);
            for (let j = 0; j < n; j++) if (upper ? j < i : j > i) expect(s.data[i * n + j]).toBe(0);
          }
          expect(rel(measuredCond(s), s.cond!)).toBeLessThan(1e-9);
        }),
        { numRuns: 60 },
      );
    }
    expect(() => triangularMatrix({ upper: true, unitDiagonal: true, cond: 3 })).toThrow(RangeError);
  });

  it('rejects invalid options', () => {
    expect(() => wellConditionedMatrix({ cond: 0.5 })).toThrow(RangeError);
    expect(() => generalMatrix({ minSize: 4, maxSize: 2 })).toThrow(RangeError);
    expect(() => spdMatrix({ rows: 2, cols: 3 })).toThrow(RangeError);
    expect(() => symmetricMatrix({ distinctEigenvalues: { minGap: 0 } })).toThrow(RangeError);
    expect(() => distinctSingularValuesMatrix({ minRelGap: 0.6 })).toThrow(RangeError);
  });

  it('describeSample gives shape, cond and the first entries', () => {
    const [s] = fc.sample(wellConditionedMatrix({ cond: 100, rows: 3, batch: [2] }), 1);
    const text = describeSample(s!);
    expect(text).toMatch(/^MatrixSample shape=\[2,3,3\] cond=100 data=\[.*, … \(18 values\)\]$/);
    expect(describeSample(fc.sample(triangularMatrix({ upper: true, rows: 2 }), 1)[0]!)).toContain('cond<=6');
  });

  it('shrinking a failing property ends at the smallest counterexample shape', () => {
    const out = fc.check(
      fc.property(generalMatrix({ batch: 'any' }), (s) => s.rows < 3),
      { seed: 7 },
    );
    expect(out.failed).toBe(true);
    const [s] = out.counterexample!;
    expect([s.rows, s.cols, s.batch]).toEqual([3, 0, []]);

    const out2 = fc.check(
      fc.property(spdMatrix({ batch: 'any', minSize: 1 }), (s) => s.rows < 2 || s.batch.length === 0),
      { seed: 3 },
    );
    const [t] = out2.counterexample!;
    expect(t.rows).toBe(2);
    expect(t.batch.length).toBe(1);
  });
});

describe('tolerance', () => {
  it('eps is numpy finfo eps', () => {
    expect(eps('float64')).toBe(Number.EPSILON);
    expect(eps('float32')).toBe(1.1920928955078125e-7);
  });

  it('linalgTolerance follows c·n·eps·cond, is monotone and clamped', () => {
    const t = linalgTolerance({ dtype: 'float64', cond: 100, n: 8 });
    expect(rel(t.rtol, 10 * 8 * 2 ** -52 * 100)).toBeLessThan(1e-10);
    expect(t.atol).toBe(t.rtol);
    expect(linalgTolerance({ dtype: 'float64', cond: 100, n: 8, scale: 4 }).atol).toBe(4 * t.rtol);
    expect(linalgTolerance({ dtype: 'float64', cond: 1e3, n: 8 }).rtol).toBeGreaterThan(t.rtol);
    expect(linalgTolerance({ dtype: 'float64', cond: 100, n: 16 }).rtol).toBeGreaterThan(t.rtol);
    expect(linalgTolerance({ dtype: 'float64', cond: 100, n: 8, factor: 3 }).rtol).toBeGreaterThan(t.rtol);
    expect(linalgTolerance({ dtype: 'float32', cond: 1e8, n: 8 }).rtol).toBe(0.5);
    expect(linalgTolerance({ dtype: 'float32', cond: 1, n: 0 }).rtol).toBeGreaterThan(0);
    expect(() => linalgTolerance({ dtype: 'float32', cond: 0.1, n: 2 })).toThrow(RangeError);
  });

  it('agreementTolerance is a little above the float32 tolerance', () => {
    const a = agreementTolerance({ cond: 100, n: 8 });
    const b = linalgTolerance({ dtype: 'float32', cond: 100, n: 8 });
    expect(a.rtol).toBeGreaterThan(b.rtol);
    expect(a.rtol).toBeLessThan(1.1 * b.rtol);
  });

  it('allClose and maxRelError', () => {
    expect(allClose([1, 2, 3], Float64Array.from([1, 2 + 1e-9, 3]))).toBe(true);
    expect(allClose([1, 2], [1, 2.1], { atol: 0, rtol: 0.01 })).toBe(false);
    expect(allClose([0], [1e-9], { atol: 1e-8, rtol: 0 })).toBe(true);
    expect(allClose([1], [1, 2])).toBe(false);
    expect(allClose([Number.NaN], [Number.NaN])).toBe(false);
    expect(allClose([Number.NaN], [Number.NaN], { equalNaN: true })).toBe(true);
    expect(allClose([Number.POSITIVE_INFINITY], [Number.POSITIVE_INFINITY])).toBe(true);
    expect(allClose([Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY], { rtol: 1 })).toBe(false);
    expect(maxRelError([1, 2.2, 3], [1, 2, 3.3])).toMatchObject({ index: 1, actual: 2.2, expected: 2 });
    expect(maxRelError([1, 2.2, 3], [1, 2, 3.3]).error).toBeCloseTo(0.1, 12);
    expect(maxRelError([], [])).toMatchObject({ error: 0, index: -1 });
    expect(maxRelError([0, 1e-3], [0, 0]).error).toBe(Number.POSITIVE_INFINITY);
    expect(maxRelError([0, 1e-3], [0, 0], { floor: 1 }).error).toBe(1e-3);
    expect(maxRelError([1, Number.NaN], [1, 1]).index).toBe(1);
    expect(() => maxRelError([1], [])).toThrow(RangeError);
  });

  it('the tolerances hold for LU solves in float64 and float32, and catch a 1e-2 error', () => {
    fc.assert(
      fc.property(wellConditionedMatrix({ cond: 300, minSize: 1, maxSize: 10 }), fc.integer(), (s, seed) => {
        const n = s.rows;
        const rng = makeRng(seed);
        const x = Float64Array.from({ length: n }, () => rng.normal());
        const b = matmul(s.data, x, n, n, 1);
        const x64 = luSolve(s.data, b, n);
        const scale = Math.max(...x.map(Math.abs));
        expect(allClose(x64, x, linalgTolerance({ dtype: 'float64', cond: s.cond!, n, scale }))).toBe(true);
        const x32 = luSolve(s.data, b, n, Math.fround);
        const agree = agreementTolerance({ cond: s.cond!, n, scale: Math.max(...x64.map(Math.abs)) });
        expect(allClose(x32, x64, agree)).toBe(true);
        const wrong = x64.map((v, i) => (i === 0 ? v + 1e-2 * scale : v));
        expect(allClose(wrong, x64, agree)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
