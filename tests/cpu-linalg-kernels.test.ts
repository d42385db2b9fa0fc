/**
 * Tests of the raw CPU LU / Cholesky / triangular kernels by multiply-back checks.
 *
 * Tolerances come from rounding-error analysis (Higham, Accuracy and Stability of Numerical
 * Algorithms), with u the unit roundoff of the dtype (eps/2) and γₖ = k·u / (1 − k·u):
 * - LU (Thm 9.3): |PᵀA − L̂Û| ≤ γₙ|L̂||Û| elementwise; forming L̂Û in the test costs another
 *   γₙ|L̂||Û| (+1 for the divisions), so we check |PᵀA − fl(L̂Û)| ≤ 2γₙ₊₁|L̂||Û|.
 * - Solves from LU (Thm 9.4): (A + ΔA)x̂ = b with |ΔA| ≤ γ₃ₙ|L̂||Û|, so with the test's product
 *   ‖B − AX̂‖₁ ≤ (γ₃ₙ‖|L̂||Û|‖₁ + γₙ‖A‖₁)‖X̂‖₁. Every column of the inverse is such a solve
 *   (B = I), so this is c·n·eps·ρ·κ₁(A) with κ₁ = ‖A‖₁‖A⁻¹‖₁ and ρ = ‖|L̂||Û|‖₁/‖A‖₁.
 * - Cholesky (Thm 10.3): |A − L̂L̂ᵀ| ≤ γₙ₊₁|L̂||L̂ᵀ|; with the test's product 2γₙ₊₁|L̂||L̂ᵀ|.
 * - Cholesky inverse: LAPACK's acceptance ratio (xPOT03): ‖I − AX̂‖₁ ≤ 30·n·eps·‖A‖₁‖X̂‖₁.
 * - Triangular solves (Thm 8.5, any summation order, also blocked): |B − TX̂| ≤ 2γₙ₊₁|T||X̂|.
 * - det: perturbing A by ΔA changes det by ≈ det·tr(A⁻¹ΔA), so with the LU backward error
 *   |det − exact| ≤ |exact|·γₙ(1 + ‖A⁻¹‖₁‖|L̂||Û|‖₁) (first order).
 * The kernels compute float32 data in float64 and round once; the float32 bounds (u = 2⁻²⁴)
 * cover that rounding, so the same formulas are used with the float32 u.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskyInverse,
  type FloatArray,
  luDet,
  luFactorCpu,
  luInverse,
  luSlogdet,
  luSolve,
  solveTriangular,
} from '../src/backends/cpu/linalg/index.js';

type DT = 'float32' | 'float64';
type Opts = { upper: boolean; left: boolean; unitriangular: boolean };
const unitRoundoff = (dt: DT): number => (dt === 'float32' ? 2 ** -24 : 2 ** -53);
const gamma = (k: number, u: number): number => (k * u) / (1 - k * u);
const alloc = (dt: DT, len: number): FloatArray =>
  dt === 'float32' ? new Float32Array(len) : new Float64Array(len);
const sizeArb = fc.record({ n: fc.nat(40), batch: fc.nat(5), seed: fc.integer() });
/** fc.assert(fc.property(arb, f)) with a run count. */
const forAll = <T>(arb: fc.Arbitrary<T>, f: (v: T) => void, numRuns = 30): void =>
  fc.assert(fc.property(arb, f), { numRuns });
/** `count` zeroed arrays of the given dtype and length. */
const allocs = (dt: DT, count: number, len: number): FloatArray[] =>
  Array.from({ length: count }, () => alloc(dt, len));

/** Deterministic uniform [-1, 1) numbers (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  };
}

function randomArray(dt: DT, len: number, seed: number): FloatArray {
  const r = rng(seed);
  const a = alloc(dt, len);
  for (let i = 0; i < len; i++) a[i] = r();
  return a;
}

function fromValues(dt: DT, vals: number[]): FloatArray {
  const a = alloc(dt, vals.length);
  a.set(vals);
  return a;
}

/** Batch element e of a batch of m×n matrices, widened (exactly) to float64. */
const mat = (a: FloatArray, e: number, m: number, n: number): Float64Array =>
  Float64Array.from(a.subarray(e * m * n, (e + 1) * m * n));

function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + p]! * b[p * n + j]!;
  return c;
}

const abs = (a: Float64Array): Float64Array => a.map(Math.abs);
const sub = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v - b[i]!);

function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t;
}

/** The 1-norm (max column sum of |a|) of an m×n matrix. */
function norm1(a: Float64Array, m: number, n: number): number {
  let best = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += Math.abs(a[i * n + j]!);
    best = Math.max(best, s);
  }
  return best;
}

/** ‖A·X − I‖₁ for n×n A and X. */
function inverseResidual(a: Float64Array, x: Float64Array, n: number): number {
  const r = matmul(a, x, n, n, n);
  for (let i = 0; i < n; i++) r[i * n + i] -= 1;
  return norm1(r, n, n);
}

/** Elementwise |x − y| ≤ bound; reports the first violation. */
function expectWithin(x: Float64Array, y: Float64Array, bound: Float64Array, what: string): void {
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (!(d <= bound[i]!)) expect.fail(`${what}: entry ${i}: |${x[i]} - ${y[i]}| = ${d} > ${bound[i]}`);
  }
}

function factor(dt: DT, a: FloatArray, batch: number, n: number) {
  const lu = alloc(dt, batch * n * n);
  const piv = new Int32Array(batch * n);
  const info = new Int32Array(batch);
  luFactorCpu(a, batch, n, lu, piv, info);
  return { lu, piv, info };
}

/** Unit-lower L, upper U and |L||U| of batch element e of a packed LU. */
function splitLU(lu: FloatArray, e: number, n: number) {
  const f = mat(lu, e, n, n);
  const l = new Float64Array(n * n);
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (j < i) l[i * n + j] = f[i * n + j]!;
      else u[i * n + j] = f[i * n + j]!;
    }
  for (let i = 0; i < n; i++) l[i * n + i] = 1;
  return { l, u, lu: matmul(abs(l), abs(u), n, n, n) };
}

/** Pivots in [k+1, n], |L| ≤ 1, and |PᵀA − fl(LU)| ≤ 2γₙ₊₁|L||U| for batch element e. */
function checkLU(a: FloatArray, lu: FloatArray, piv: Int32Array, e: number, n: number, u: number): void {
  const { l, u: uu, lu: mag } = splitLU(lu, e, n);
  const pa = mat(a, e, n, n);
  for (let k = 0; k < n; k++) {
    const p = piv[e * n + k]! - 1;
    expect(p >= k && p < n).toBe(true);
    for (let j = 0; j < n; j++) [pa[k * n + j], pa[p * n + j]] = [pa[p * n + j]!, pa[k * n + j]!];
  }
  for (const v of l) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  expectWithin(
    pa,
    matmul(l, uu, n, n, n),
    mag.map((v) => 2 * gamma(n + 1, u) * v),
    'PᵀA vs LU',
  );
}

/** γ₃ₙ‖|L||U|‖₁ + γₙ‖A‖₁: the bound on ‖b − Ax̂‖₁/‖x̂‖₁ of a solve from the LU. */
const luSolveBound = (a: FloatArray, lu: FloatArray, e: number, n: number, u: number): number =>
  gamma(3 * n, u) * norm1(splitLU(lu, e, n).lu, n, n) + gamma(n, u) * norm1(mat(a, e, n, n), n, n);

/** ‖AX − I‖₁ ≤ (γ₃ₙ‖|L||U|‖₁ + γₙ‖A‖₁)‖X‖₁ for batch element e of the inverse X. */
function checkInverse(a: FloatArray, lu: FloatArray, inv: FloatArray, e: number, n: number, u: number): void {
  const x = mat(inv, e, n, n);
  expect(inverseResidual(mat(a, e, n, n), x, n)).toBeLessThanOrEqual(
    luSolveBound(a, lu, e, n, u) * norm1(x, n, n),
  );
}

/** [det, sign, logabsdet] of one n×n matrix through luFactor, in dtype dt. */
function detSlogdet(dt: DT, a: FloatArray, n: number): number[] {
  const { lu, piv } = factor(dt, a, 1, n);
  const [det, sign, lad] = allocs(dt, 3, 1);
  luDet(lu, piv, 1, n, det!);
  luSlogdet(lu, piv, 1, n, sign!, lad!);
  return [det![0]!, sign![0]!, lad![0]!];
}

/** SPD test matrices G·Gᵀ/n + δ·I (δ sets the conditioning), built in float64, stored as dt. */
function spdBatch(dt: DT, batch: number, n: number, seed: number, delta: number): FloatArray {
  const out = alloc(dt, batch * n * n);
  for (let e = 0; e < batch; e++) {
    const g = mat(randomArray('float64', n * n, seed + e), 0, n, n);
    const a = matmul(g, transpose(g, n, n), n, n, n);
    for (let i = 0; i < n * n; i++) out[e * n * n + i] = a[i]! / n + (i % (n + 1) === 0 ? delta : 0);
  }
  return out;
}

function chol(dt: DT, a: FloatArray, batch: number, n: number, upper: boolean) {
  const l = alloc(dt, batch * n * n);
  const info = new Int32Array(batch);
  cholesky(a, batch, n, l, info, upper);
  return { l, info };
}

/** Lower triangle zero above the diagonal and |A − fl(LLᵀ)| ≤ 2γₙ₊₁|L||Lᵀ|, batch element e. */
function checkChol(a: FloatArray, l: FloatArray, e: number, n: number, u: number): void {
  const le = mat(l, e, n, n);
  const lt = transpose(le, n, n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(le[i * n + j]).toBe(0);
  const bound = matmul(abs(le), abs(lt), n, n, n).map((v) => 2 * gamma(n + 1, u) * v);
  expectWithin(mat(a, e, n, n), matmul(le, lt, n, n, n), bound, 'A vs LLᵀ');
}

/** Symmetric, and ‖I − AX‖₁ ≤ 30·n·eps·‖A‖₁‖X‖₁ (LAPACK xPOT03), batch element e. */
function checkCholInverse(a: FloatArray, x: FloatArray, e: number, n: number, u: number): void {
  const [ae, xe] = [mat(a, e, n, n), mat(x, e, n, n)];
  expect(transpose(xe, n, n)).toEqual(xe);
  expect(inverseResidual(ae, xe, n)).toBeLessThanOrEqual(30 * n * 2 * u * norm1(ae, n, n) * norm1(xe, n, n));
}

/** Random triangular matrices; the other triangle (and the diagonal when unit) hold NaN. */
function triBatch(dt: DT, batch: number, n: number, seed: number, o: Opts): FloatArray {
  const r = rng(seed);
  const a = alloc(dt, batch * n * n);
  for (let q = 0; q < a.length; q++) {
    const [i, j] = [Math.floor(q / n) % n, q % n];
    if (i === j) a[q] = o.unitriangular ? Number.NaN : (r() < 0 ? -1 : 1) * (1.5 + r() / 2);
    else a[q] = (o.upper ? j > i : j < i) ? r() : Number.NaN;
  }
  return a;
}

/** |B − op(T, X)| ≤ 2γₙ₊₁·op(|T|, |X|) for batch element e, T the triangle the options select. */
function checkSolve(
  a: FloatArray,
  b: FloatArray,
  x: FloatArray,
  e: number,
  n: number,
  k: number,
  o: Opts,
  u: number,
) {
  const t = mat(a, e, n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if (i === j) t[i * n + j] = o.unitriangular ? 1 : t[i * n + j]!;
      else if (o.upper ? j < i : j > i) t[i * n + j] = 0;
  const [rows, cols] = o.left ? [n, k] : [k, n];
  const [xe, be] = [mat(x, e, rows, cols), mat(b, e, rows, cols)];
  const prod = o.left ? matmul(t, xe, n, n, k) : matmul(xe, t, k, n, n);
  const mag = o.left ? matmul(abs(t), abs(xe), n, n, k) : matmul(abs(xe), abs(t), k, n, n);
  expectWithin(
    be,
    prod,
    mag.map((v) => 2 * gamma(n + 1, u) * v),
    `solve ${JSON.stringify(o)}`,
  );
}

const combos: Opts[] = [false, true].flatMap((upper) =>
  [false, true].flatMap((left) => [false, true].map((unitriangular) => ({ upper, left, unitriangular }))),
);

for (const dt of ['float64', 'float32'] as const) {
  const u = unitRoundoff(dt);
  describe(`LU kernels (${dt})`, () => {
    it('P·L·U reconstructs A within 2γₙ₊₁|L||U| elementwise; pivots valid, |L| ≤ 1', () => {
      forAll(sizeArb, ({ n, batch, seed }) => {
        const a = randomArray(dt, batch * n * n, seed);
        const { lu, piv, info } = factor(dt, a, batch, n);
        expect(Array.from(info)).toEqual(new Array(batch).fill(0));
        for (let e = 0; e < batch; e++) checkLU(a, lu, piv, e, n, u);
      });
    });

    it('A·inv(A) ≈ I: ‖AX − I‖₁ ≤ (γ₃ₙ‖|L||U|‖₁ + γₙ‖A‖₁)‖X‖₁', () => {
      forAll(sizeArb, ({ n, batch, seed }) => {
        const a = randomArray(dt, batch * n * n, seed);
        const { lu, piv } = factor(dt, a, batch, n);
        const inv = alloc(dt, batch * n * n);
        luInverse(lu, piv, batch, n, inv);
        for (let e = 0; e < batch; e++) checkInverse(a, lu, inv, e, n, u);
      });
    });

    it('luSolve: ‖B − AX‖₁ ≤ (γ₃ₙ‖|L||U|‖₁ + γₙ‖A‖₁)‖X‖₁, and in place gives the same', () => {
      forAll(fc.tuple(sizeArb, fc.nat(7)), ([{ n, batch, seed }, k]) => {
        const [a, b] = [randomArray(dt, batch * n * n, seed), randomArray(dt, batch * n * k, seed + 1)];
        const { lu, piv } = factor(dt, a, batch, n);
        const [x, inPlace] = [alloc(dt, b.length), b.slice()];
        luSolve(lu, piv, batch, n, b, k, x);
        luSolve(lu, piv, batch, n, inPlace, k, inPlace);
        expect(inPlace).toEqual(x);
        for (let e = 0; e < batch; e++) {
          const xe = mat(x, e, n, k);
          const r = sub(mat(b, e, n, k), matmul(mat(a, e, n, n), xe, n, n, k));
          expect(norm1(r, n, k)).toBeLessThanOrEqual(luSolveBound(a, lu, e, n, u) * norm1(xe, n, k));
        }
      });
    });

    it('slogdet agrees with det: |sign·exp(logabsdet) − det| ≤ |det|·(γₙ₊₁(1 + Σ|log|Uₖₖ||) + γₙ)', () => {
      forAll(sizeArb, ({ n, batch, seed }) => {
        const { lu, piv } = factor(dt, randomArray(dt, batch * n * n, seed), batch, n);
        const [det, sign, lad] = allocs('float64', 3, batch);
        luDet(lu, piv, batch, n, det!);
        luSlogdet(lu, piv, batch, n, sign!, lad!);
        const u64 = 2 ** -53; // det and slogdet are evaluated in float64 from the stored factor
        for (let e = 0; e < batch; e++) {
          let logs = 0;
          for (let k = 0; k < n; k++) logs += Math.abs(Math.log(Math.abs(lu[e * n * n + k * n + k]!)));
          expect(Math.abs(sign![e]!)).toBe(1);
          const tol = Math.abs(det![e]!) * (gamma(n + 1, u64) * (1 + logs) + gamma(n, u64));
          expect(Math.abs(sign![e]! * Math.exp(lad![e]!) - det![e]!)).toBeLessThanOrEqual(tol);
        }
      });
    });

    it('det of known matrices within |det|·γₙ(1 + ‖A⁻¹‖₁‖|L||U|‖₁)', () => {
      const cases: [number[], number][] = [
        [[2, 1, 1, 3], 5],
        [[1, 2, 3, 4, 5, 6, 7, 8, 10], -3],
        [[0, 1, 1, 0], -1],
        [[4, 3, 2, 1, 0, 2, 1, 1, 1, 1, 3, 2, 2, 0, 1, 5], 90],
        [[2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, -1], -3],
      ];
      for (const [vals, exact] of cases) {
        const n = Math.sqrt(vals.length);
        const { lu, piv } = factor(dt, fromValues(dt, vals), 1, n);
        const [inv, det] = allocs(dt, 2, n * n);
        luInverse(lu, piv, 1, n, inv!);
        luDet(lu, piv, 1, n, det!);
        const growth = norm1(mat(inv!, 0, n, n), n, n) * norm1(splitLU(lu, 0, n).lu, n, n);
        expect(Math.abs(det![0]! - exact)).toBeLessThanOrEqual(Math.abs(exact) * gamma(n, u) * (1 + growth));
      }
    });

    it('det and slogdet of permutation matrices are exactly the permutation sign', () => {
      const n12 = fc.integer({ min: 1, max: 12 });
      forAll(
        n12.chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n })),
        (perm) => {
          const n = perm.length;
          const a = alloc(dt, n * n);
          perm.forEach((p, i) => {
            a[i * n + p] = 1;
          });
          let sgn = 1;
          const seen = new Array<boolean>(n).fill(false);
          for (let i = 0; i < n; i++)
            for (let j = i, len = 0; !seen[j]; j = perm[j]!) {
              seen[j] = true;
              if (len++ > 0) sgn = -sgn; // a cycle of length L has sign (−1)^(L−1)
            }
          expect(detSlogdet(dt, a, n)).toEqual([sgn, sgn, 0]);
        },
      );
    });

    it('singular matrices: info is the 1-based index of the first zero pivot; factorization completes', () => {
      const check = (vals: number[], expected: number) => {
        const n = Math.sqrt(vals.length);
        const a = fromValues(dt, vals);
        const { lu, piv, info } = factor(dt, a, 1, n);
        expect(info[0]).toBe(expected);
        checkLU(a, lu, piv, 0, n, u);
        expect(detSlogdet(dt, a, n)).toEqual([0, 0, Number.NEGATIVE_INFINITY]);
      };
      check([1, 2, 2, 4], 2);
      check([0, 0, 0, 0, 0, 0, 0, 0, 0], 1);
      check([1, 0, 0, 0, 0, 0, 0, 0, 0], 2);
      check([0, 1, 2, 0, 3, 4, 0, 5, 6], 1);
      forAll(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.integer()), ([n, kk, seed]) => {
        const vals = Array.from(randomArray('float64', n * n, seed));
        for (let i = 0; i < n; i++) vals[i * n + (kk % n)] = 0; // zero column k ⇒ U[k,k] = 0 exactly
        check(vals, (kk % n) + 1);
      });
    });

    it('blocked paths at larger sizes (n = 70, 150, 300): reconstruction and inverse', () => {
      for (const n of [70, 150, 300]) {
        const a = randomArray(dt, n * n, n);
        const { lu, piv, info } = factor(dt, a, 1, n);
        expect(info[0]).toBe(0);
        checkLU(a, lu, piv, 0, n, u);
        const inv = alloc(dt, n * n);
        luInverse(lu, piv, 1, n, inv);
        checkInverse(a, lu, inv, 0, n, u);
      }
    });
  });

  describe(`Cholesky kernels (${dt})`, () => {
    const spdArb = fc.record({
      n: fc.nat(40),
      batch: fc.nat(5),
      seed: fc.integer(),
      delta: fc.constantFrom(1, 1e-3),
    });
    const poison = (a: FloatArray, n: number, upperPart: boolean): FloatArray =>
      a.map((v, q) =>
        (upperPart ? q % n > Math.floor(q / n) % n : q % n < Math.floor(q / n) % n) ? Number.NaN : v,
      );

    it('L·Lᵀ ≈ A within 2γₙ₊₁|L||Lᵀ|; upper gives exactly Lᵀ; only the selected triangle of A is read', () => {
      forAll(
        spdArb,
        ({ n, batch, seed, delta }) => {
          const a = spdBatch(dt, batch, n, seed, delta);
          const { l, info } = chol(dt, a, batch, n, false);
          const { l: up, info: infoU } = chol(dt, a, batch, n, true);
          expect(chol(dt, poison(a, n, true), batch, n, false).l).toEqual(l);
          expect(chol(dt, poison(a, n, false), batch, n, true).l).toEqual(up);
          expect([...info, ...infoU]).toEqual(new Array(2 * batch).fill(0));
          for (let e = 0; e < batch; e++) {
            expect(mat(up, e, n, n)).toEqual(transpose(mat(l, e, n, n), n, n));
            checkChol(a, l, e, n, u);
          }
        },
        40,
      );
    });

    it('info is the order of the first leading minor that is not positive-definite', () => {
      const check = (vals: number[], expected: number) => {
        const n = Math.sqrt(vals.length);
        for (const upper of [false, true])
          expect(chol(dt, fromValues(dt, vals), 1, n, upper).info[0]).toBe(expected);
      };
      check([1, 0, 0, 0, 1, 0, 0, 0, -1], 3);
      check([1, 2, 2, 1], 2);
      check([0, 0, 0, 0], 1);
      check([-4], 1);
      check([4, 2, 0, 2, 1, 0, 0, 0, 9], 2); // second leading minor exactly singular
      // Non-symmetric input: lower reads [[4, ·], [100, 5]] (indefinite), upper [[4, 2], [·, 5]].
      expect(chol(dt, fromValues(dt, [4, 2, 100, 5]), 1, 2, false).info[0]).toBe(2);
      const up = chol(dt, fromValues(dt, [4, 2, 100, 5]), 1, 2, true);
      expect([up.info[0], ...up.l]).toEqual([0, 2, 1, 0, 2]);
      forAll(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.integer()), ([n, kk, seed]) => {
        const k = (kk % n) + 1; // flip A[k-1,k-1] of an SPD matrix: minor k becomes indefinite
        const a = spdBatch(dt, 1, n, seed, 1);
        a[(k - 1) * (n + 1)] = -a[(k - 1) * (n + 1)]!;
        expect(chol(dt, a, 1, n, false).info[0]).toBe(k);
      });
    });

    it('NaN in the lower triangle at row i reports 1 ≤ info ≤ i + 1 (never a finite factor)', () => {
      forAll(
        fc.tuple(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), fc.integer()),
        ([n, ii, jj, seed]) => {
          const i = ii % n;
          const a = spdBatch(dt, 1, n, seed, 1);
          a[i * n + (jj % (i + 1))] = Number.NaN;
          const info = chol(dt, a, 1, n, false).info[0]!;
          expect(info >= 1 && info <= i + 1).toBe(true);
        },
        40,
      );
      expect(chol(dt, alloc(dt, 4).fill(Number.NaN), 1, 2, false).info[0]).toBe(1);
    });

    it('choleskyInverse: ‖I − AX‖₁ ≤ 30·n·eps·‖A‖₁‖X‖₁, symmetric, both layouts, other triangle unread', () => {
      forAll(spdArb, ({ n, batch, seed, delta }) => {
        const a = spdBatch(dt, batch, n, seed, delta);
        for (const upper of [false, true]) {
          const l = poison(chol(dt, a, batch, n, upper).l, n, !upper);
          const x = alloc(dt, batch * n * n);
          const info = new Int32Array(batch).fill(-1);
          choleskyInverse(l, batch, n, upper, x, info);
          expect(Array.from(info)).toEqual(new Array(batch).fill(0));
          for (let e = 0; e < batch; e++) checkCholInverse(a, x, e, n, u);
        }
      });
    });

    it('choleskyInverse reports the first zero diagonal element of the factor (1-based)', () => {
      const info = new Int32Array(1);
      for (const upper of [false, true]) {
        choleskyInverse(fromValues(dt, [2, 0, 0, 1, 0, 0, 1, 1, 0]), 1, 3, upper, alloc(dt, 9), info);
        expect(info[0]).toBe(2);
      }
    });

    it('blocked paths at larger sizes (n = 100, 200)', () => {
      for (const n of [100, 200]) {
        const a = spdBatch(dt, 1, n, n, 1e-2);
        const { l, info } = chol(dt, a, 1, n, false);
        expect(info[0]).toBe(0);
        checkChol(a, l, 0, n, u);
        const x = alloc(dt, n * n);
        choleskyInverse(l, 1, n, false, x, info);
        checkCholInverse(a, x, 0, n, u);
        a[n + 50] = Number.NaN; // row 1, upper triangle: ignored
        expect(chol(dt, a, 1, n, false).info[0]).toBe(0);
        a[2 * n + 1] = Number.NaN; // row 2, lower triangle
        expect(chol(dt, a, 1, n, false).info[0]).toBe(3);
      }
    });
  });

  describe(`solveTriangular (${dt})`, () => {
    for (const o of combos) {
      it(`upper=${o.upper} left=${o.left} unitriangular=${o.unitriangular}: |B − TX| ≤ 2γₙ₊₁|T||X|`, () => {
        forAll(
          fc.tuple(sizeArb, fc.nat(9)),
          ([{ n, batch, seed }, k]) => {
            const [a, b] = [triBatch(dt, batch, n, seed, o), randomArray(dt, batch * n * k, seed + 7)];
            const [x, inPlace] = [alloc(dt, b.length), b.slice()];
            solveTriangular(a, batch, n, b, k, x, o);
            solveTriangular(a, batch, n, inPlace, k, inPlace, o);
            expect(inPlace).toEqual(x);
            for (let e = 0; e < batch; e++) checkSolve(a, b, x, e, n, k, o, u);
          },
          25,
        );
      });
    }

    it('large shapes (600 right-hand sides; n = 130), all 8 combinations', () => {
      for (const o of combos)
        for (const [n, k] of [
          [40, 600],
          [130, 3],
          [130, 50],
        ] as const) {
          const [a, b, x] = [triBatch(dt, 1, n, n + k, o), randomArray(dt, n * k, k), alloc(dt, n * k)];
          solveTriangular(a, 1, n, b, k, x, o);
          checkSolve(a, b, x, 0, n, k, o, u);
        }
    });

    it('trans: Aᵀ read in place gives exactly the solve with the transposed copy (all 8 combinations)', () => {
      for (const o of combos)
        for (const [batch, n, k] of [
          [3, 7, 5],
          [1, 40, 600],
          [1, 130, 50],
          [2, 20, 2],
        ] as const) {
          const a = triBatch(dt, batch, n, n + k, { ...o, upper: !o.upper });
          const at = alloc(dt, a.length);
          for (let e = 0; e < batch; e++)
            for (let i = 0; i < n; i++)
              for (let j = 0; j < n; j++) at[e * n * n + j * n + i] = a[e * n * n + i * n + j]!;
          const b = randomArray(dt, batch * n * k, k);
          const [x, want] = [alloc(dt, b.length), alloc(dt, b.length)];
          solveTriangular(a, batch, n, b, k, x, { ...o, trans: true });
          solveTriangular(at, batch, n, b, k, want, o);
          expect(x).toEqual(want);
        }
    });

    it('a zero diagonal divides through to inf/NaN without throwing', () => {
      const x = alloc(dt, 2);
      const o = { upper: false, left: true, unitriangular: false };
      solveTriangular(fromValues(dt, [0, 0, 1, 1]), 1, 2, Float64Array.of(1, 1), 1, x, o);
      expect(Number.isFinite(x[0]!)).toBe(false);
    });
  });
}

describe('degenerate shapes, aliasing and mixed storage', () => {
  it('0×0 matrices and empty batches do nothing wrong', () => {
    for (const [batch, n] of [
      [3, 0],
      [0, 3],
      [0, 0],
    ] as const) {
      const a = new Float64Array(batch * n * n);
      const piv = new Int32Array(batch * n);
      const info = new Int32Array(batch).fill(-1);
      const [zeros, ones] = [new Array(batch).fill(0), new Array(batch).fill(1)];
      luFactorCpu(a, batch, n, a, piv, info);
      expect(Array.from(info)).toEqual(zeros);
      const [det, sign, lad] = [
        new Float64Array(batch),
        new Float32Array(batch),
        new Float32Array(batch).fill(7),
      ];
      luDet(a, piv, batch, n, det);
      luSlogdet(a, piv, batch, n, sign, lad);
      expect([Array.from(det), Array.from(sign), Array.from(lad)]).toEqual([ones, ones, zeros]);
      luInverse(a, piv, batch, n, new Float32Array(batch * n * n));
      luSolve(a, piv, batch, n, new Float64Array(batch * n * 2), 2, new Float64Array(batch * n * 2));
      luSolve(a, piv, batch, n, new Float64Array(0), 0, new Float64Array(0));
      cholesky(a, batch, n, new Float32Array(batch * n * n), info.fill(-1), true);
      expect(Array.from(info)).toEqual(zeros);
      choleskyInverse(a, batch, n, false, new Float64Array(batch * n * n), info.fill(-1));
      expect(Array.from(info)).toEqual(zeros);
      for (const o of combos)
        solveTriangular(a, batch, n, new Float64Array(batch * n), 1, new Float64Array(batch * n), o);
    }
  });

  it('aliasing: luFactor and cholesky in place, luInverse into the LU array, choleskyInverse in place', () => {
    const n = 37;
    const a = randomArray('float64', 2 * n * n, 5);
    const ref = factor('float64', a, 2, n);
    const [inPlace, piv, inv] = [a.slice(), new Int32Array(2 * n), new Float64Array(2 * n * n)];
    luFactorCpu(inPlace, 2, n, inPlace, piv, new Int32Array(2));
    expect(inPlace).toEqual(ref.lu);
    luInverse(ref.lu, ref.piv, 2, n, inv);
    luInverse(inPlace, piv, 2, n, inPlace);
    expect(inPlace).toEqual(inv);
    const s = spdBatch('float64', 2, n, 3, 1);
    const { l } = chol('float64', s, 2, n, false);
    cholesky(s, 2, n, s, new Int32Array(2), false);
    expect(s).toEqual(l);
    const xi = new Float64Array(2 * n * n);
    choleskyInverse(l, 2, n, false, xi, new Int32Array(2));
    choleskyInverse(s, 2, n, false, s, new Int32Array(2));
    expect(s).toEqual(xi);
  });

  it('float32 input with float64 output and vice versa: computed in float64, rounded once', () => {
    const n = 20;
    const a32 = randomArray('float32', n * n, 9);
    const ref = factor('float64', Float64Array.from(a32), 1, n);
    const [lu64, lu32] = [new Float64Array(n * n), new Float32Array(n * n)];
    luFactorCpu(a32, 1, n, lu64, new Int32Array(n), new Int32Array(1));
    luFactorCpu(Float64Array.from(a32), 1, n, lu32, new Int32Array(n), new Int32Array(1));
    expect(lu64).toEqual(ref.lu);
    expect(lu32).toEqual(Float32Array.from(ref.lu));
  });
});
