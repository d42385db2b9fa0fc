/**
 * Properties of the LU/Cholesky family on fast-check matrix arbitraries, with tolerances derived
 * from eps(dtype), the size and the condition number known by construction (gradcheck/tolerance).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spdMatrix, wellConditionedMatrix } from '../gradcheck/arbitraries.js';
import { sampleToTensor } from '../gradcheck/index.js';
import { linalgTolerance } from '../gradcheck/tolerance.js';
import { choleskyInverse, eye, linalg, type Tensor } from '../src/index.js';

const RUNS = 40;
const opts = { batch: 'any' as const, maxSize: 7 };
const conds = fc.constantFrom(1, 10, 1e3, 1e6);

/** max |a − b| relative to max(1, max |b|) — the normwise error the tolerances bound. */
function relErr(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let err = 0;
  let scale = 1;
  for (let i = 0; i < x.length; i++) {
    err = Math.max(err, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return err / scale;
}

const tol = (cond: number, n: number, dtype: 'float32' | 'float64' = 'float64', factor = 1) =>
  linalgTolerance({ dtype, cond, n, factor }).rtol;

describe('LU/Cholesky family properties (fast-check)', () => {
  it('A·inv(A) ≈ I and inv(A)·A ≈ I (residuals are backward errors: n·eps·cond)', () => {
    fc.assert(
      fc.property(
        conds.chain((cond) => wellConditionedMatrix({ ...opts, cond })),
        (s) => {
          const A = sampleToTensor(s);
          const X = linalg.inv(A);
          const I = eye(s.rows).expand(...s.shape);
          const t = tol(s.cond!, s.rows);
          expect(relErr(A.matmul(X), I)).toBeLessThanOrEqual(t);
          expect(relErr(X.matmul(A), I)).toBeLessThanOrEqual(t);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('solve(A, A·X) ≈ X in float64 and float32', () => {
    fc.assert(
      fc.property(
        conds.chain((cond) => wellConditionedMatrix({ ...opts, cond, minSize: 1 })),
        fc.constantFrom('float64' as const, 'float32' as const),
        fc.integer({ min: 1, max: 3 }),
        (s, dtype, k) => {
          if (dtype === 'float32' && s.cond! > 1e3) return; // κ·eps₃₂ ≥ 0.1: no digits to check
          const A = sampleToTensor(s, { dtype });
          const X = sampleToTensor(
            {
              shape: [...s.shape.slice(0, -1), k],
              data: new Float64Array((s.data.length / s.cols) * k).map((_, i) => Math.sin(i + 1)),
            },
            { dtype },
          );
          // A·X is rounded once more in dtype before solving: one more unit of eps·cond.
          expect(relErr(linalg.solve(A, A.matmul(X)), X)).toBeLessThanOrEqual(tol(s.cond!, s.rows, dtype, 2));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('L·Lᴴ ≈ A and choleskyInverse(cholesky(A)) ≈ inv(A) for both upper values', () => {
    fc.assert(
      fc.property(
        conds.chain((cond) => spdMatrix({ ...opts, cond })),
        fc.boolean(),
        (s, upper) => {
          const A = sampleToTensor(s);
          const F = linalg.cholesky(A, { upper });
          const back = upper ? F.mT.matmul(F) : F.matmul(F.mT);
          expect(relErr(back, A)).toBeLessThanOrEqual(tol(1, s.rows));
          // Both sides are forward errors of an inverse: cond·n·eps each.
          expect(relErr(choleskyInverse(F, { upper }), linalg.inv(A))).toBeLessThanOrEqual(
            tol(s.cond!, s.rows, 'float64', 2),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('det(AB) = det(A)·det(B) and slogdet agrees with det', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 6 })
          .chain((n) =>
            fc.tuple(
              wellConditionedMatrix({ rows: n, cond: 10 }),
              wellConditionedMatrix({ rows: n, cond: 10 }),
            ),
          ),
        ([sa, sb]) => {
          const A = sampleToTensor(sa);
          const B = sampleToTensor(sb);
          const lhs = linalg.det(A.matmul(B)).item();
          const rhs = linalg.det(A).item() * linalg.det(B).item();
          // det's relative condition number is at most n·cond; the product adds one more rounding.
          const n = Math.max(1, sa.rows);
          expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(tol(n * 100, n, 'float64', 3) * Math.abs(rhs));
          const { sign, logabsdet } = linalg.slogdet(A);
          const d = linalg.det(A).item();
          expect(sign.item()).toBe(Math.sign(d));
          expect(Math.abs(logabsdet.item() - Math.log(Math.abs(d)))).toBeLessThanOrEqual(tol(10 * n, n));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
