/**
 * Property tests of the raw CPU spectral kernels (eigh, svd, qr) on batched typed arrays.
 *
 * Tolerances are LAPACK-style test ratios with a fixed, untuned threshold C = 30, where
 * eps = 2^-52 (float64) or 2^-23 (float32), N = max(m, n, 1) and ‖·‖ is the Frobenius norm:
 * - backward error:   ‖A − U·diag(S)·Vh‖ ≤ C·N·eps·‖A‖ (same for V·diag(w)·Vᵀ and Q·R);
 * - orthogonality:    ‖XᵀX − I‖ ≤ C·N·eps;
 * - eigen/singular values of a matrix built from known ones (Weyl): |λ̂ − λ| ≤ C·N·eps·‖A‖;
 * - eigenvectors (Davis–Kahan sin θ ≤ ‖E‖/gap): ‖v̂_j − q_j‖ ≤ C·N·eps·‖A‖ / gap_j;
 * - S against sqrt(eigh(AᵀA)): |σ̂ − √λ̂| ≤ C·N·eps·‖A‖² / σ_min (error of λ over 2σ).
 * Input rounding to float32 is not counted: every check uses the values actually passed in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eigh, INFO_NONFINITE, type QrMode, qr, svdCpu } from '../src/backends/cpu/linalg/spectral.js';

type DType = 'float64' | 'float32';
type Arr = Float32Array | Float64Array;
const EPS: Record<DType, number> = { float64: 2 ** -52, float32: 2 ** -23 };
const C = 30;
const alloc = (dt: DType, len: number): Arr =>
  dt === 'float64' ? new Float64Array(len) : new Float32Array(len);
const cast = (dt: DType, x: ArrayLike<number>): Arr =>
  dt === 'float64' ? Float64Array.from(x) : Float32Array.from(x);
const dtypeArb = fc.constantFrom<DType>('float64', 'float32');
const RUNS = { numRuns: 60 };

/** Deterministic standard normal generator (mulberry32 + Box–Muller). */
function normals(seed: number): () => number {
  let st = seed >>> 0;
  const uni = () => {
    st = (st + 0x6d2b79f5) >>> 0;
    let t = st;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uni())) * Math.cos(2 * Math.PI * uni());
}

/** C = A·B for row-major A (m×k) and B (k×n), reading A at offset ao and B at bo. */
function mm(
  a: ArrayLike<number>,
  ao: number,
  b: ArrayLike<number>,
  bo: number,
  m: number,
  k: number,
  n: number,
) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let t = 0; t < k; t++) {
      const x = a[ao + i * k + t];
      for (let j = 0; j < n; j++) c[i * n + j] += x * b[bo + t * n + j];
    }
  return c;
}
const transpose = (a: ArrayLike<number>, ao: number, m: number, n: number) => {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[ao + i * n + j];
  return t;
};
/** Euclidean norm of x[o..o+len) (minus y[yo..] when given), scaled so 1e±300 entries are fine. */
function norm2(x: ArrayLike<number>, o: number, len: number, y?: ArrayLike<number>, yo = 0): number {
  const val = (i: number) => x[o + i] - (y === undefined ? 0 : y[yo + i]);
  let big = 0;
  for (let i = 0; i < len; i++) big = Math.max(big, Math.abs(val(i)));
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  for (let i = 0; i < len; i++) s += (val(i) / big) ** 2;
  return big * Math.sqrt(s);
}
const frob = (x: ArrayLike<number>, o = 0, len = x.length - o) => norm2(x, o, len);
const diffNorm = (x: ArrayLike<number>, xo: number, y: ArrayLike<number>, yo: number, len: number) =>
  norm2(x, xo, len, y, yo);
/** ‖XᵀX − I‖ for the columns (byCols) or ‖XXᵀ − I‖ for the rows of an r×c matrix at offset o. */
function orthErr(x: ArrayLike<number>, o: number, r: number, c: number, byCols: boolean): number {
  const g = byCols
    ? mm(transpose(x, o, r, c), 0, x, o, c, r, c)
    : mm(x, o, transpose(x, o, r, c), 0, r, c, r);
  const k = byCols ? c : r;
  for (let i = 0; i < k; i++) g[i * k + i] -= 1;
  return frob(g);
}
/** Random orthogonal n×n matrix: Q of the QR of a Gaussian matrix. */
function randOrth(n: number, rnd: () => number): Float64Array {
  const q = new Float64Array(n * n);
  qr(Float64Array.from({ length: n * n }, rnd), 1, n, n, q, new Float64Array(n * n), 'complete');
  return q;
}
/** Q·diag(l)·Qᵀ for a random orthogonal Q, also returning Q. */
function withSpectrum(l: number[], rnd: () => number) {
  const n = l.length;
  const q = randOrth(n, rnd);
  const ql = q.map((x, i) => x * l[i % n]);
  return { a: mm(ql, 0, transpose(q, 0, n, n), 0, n, n, n), q };
}

const kinds = ['gauss', 'int', 'lowRank', 'zero', 'graded', 'repeated'] as const;
type Kind = (typeof kinds)[number];
/** One m×n test matrix (symmetric when sym) of the given kind, as doubles. */
function makeMatrix(kind: Kind, m: number, n: number, sym: boolean, rnd: () => number): Float64Array {
  let a = new Float64Array(m * n);
  if (kind === 'gauss' || kind === 'graded') for (let t = 0; t < m * n; t++) a[t] = rnd();
  if (kind === 'int') for (let t = 0; t < m * n; t++) a[t] = Math.round(rnd() * 1.2);
  if (kind === 'graded')
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[i * n + j] *= 2 ** -(2 * i + 3 * j);
  if (kind === 'lowRank') {
    const x = Array.from({ length: m }, rnd);
    const y = sym ? x : Array.from({ length: n }, rnd);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[i * n + j] = x[i] * y[j];
  }
  if (kind === 'repeated') {
    const lam = Array.from({ length: n }, (_, i) => [1, 1, 2, -1][i % 4]);
    if (sym) a = withSpectrum(lam, rnd).a;
    else for (let i = 0; i < Math.min(m, n); i++) a[i * n + i] = [2, 2, -2, 1][i % 4];
  }
  if (sym) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return a;
}
const shape = fc.record({
  dtype: dtypeArb,
  batch: fc.integer({ min: 0, max: 4 }),
  m: fc.integer({ min: 0, max: 30 }),
  n: fc.integer({ min: 0, max: 30 }),
  kind: fc.constantFrom(...kinds),
  scale: fc.constantFrom(1, 2 ** -20, 2 ** 20),
  seed: fc.integer(),
});
type Shape = typeof shape extends fc.Arbitrary<infer T> ? T : never;
/** A batch of matrices of the drawn shape and kind (n×n symmetric when sym), rounded to dtype. */
function batchOf({ dtype, batch, m, n, kind, scale, seed }: Shape, sym: boolean): Arr {
  const rnd = normals(seed);
  const rows = sym ? n : m;
  const out = new Float64Array(batch * rows * n);
  const sc = (x: number) => x * scale;
  for (let b = 0; b < batch; b++) out.set(makeMatrix(kind, rows, n, sym, rnd).map(sc), b * rows * n);
  return cast(dtype, out);
}

/** First component within a relative tie tolerance of the largest magnitude (eigh's sign rule). */
function signComponent(v: Arr, o: number, n: number, j: number, tie: number): number {
  let big = 0;
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(v[o + i * n + j]));
  for (let i = 0; i < n; i++) if (Math.abs(v[o + i * n + j]) >= big * (1 - tie)) return v[o + i * n + j];
  return Number.NaN;
}

/** Runs eigh and checks every property; `a` holds only-the-read-triangle-valid input. */
function checkEigh(dt: DType, a: Arr, sym: Float64Array, batch: number, n: number, upper: boolean) {
  const w = alloc(dt, batch * n);
  const v = alloc(dt, batch * n * n);
  const info = new Int32Array(batch);
  eigh(a, batch, n, upper, w, v, true, info);
  const w2 = alloc(dt, batch * n);
  eigh(a, batch, n, upper, w2, null, false, new Int32Array(batch));
  expect(Array.from(w2)).toEqual(Array.from(w)); // same iteration without vectors
  const eps = EPS[dt];
  const nn = Math.max(n, 1);
  for (let b = 0; b < batch; b++) {
    expect(info[b]).toBe(0);
    const o = b * n * n;
    const anorm = frob(sym, o, n * n);
    for (let j = 1; j < n; j++) expect(w[b * n + j]).toBeGreaterThanOrEqual(w[b * n + j - 1]);
    const vl = Float64Array.from(v.subarray(o, o + n * n), (x, t) => x * w[b * n + (t % n)]);
    const rec = mm(vl, 0, transpose(v, o, n, n), 0, n, n, n);
    expect(diffNorm(rec, 0, sym, o, n * n)).toBeLessThanOrEqual(C * nn * eps * anorm);
    expect(orthErr(v, o, n, n, true)).toBeLessThanOrEqual(C * nn * eps);
    for (let j = 0; j < n; j++) {
      const ok =
        signComponent(v, o, n, j, 1e-8) > 0 || (dt === 'float32' && signComponent(v, o, n, j, 4 * eps) > 0);
      expect(ok).toBe(true);
    }
  }
  return { w, v };
}

describe('eigh', () => {
  it('V·diag(w)·Vᵀ = A, VᵀV = I, ascending, signs; reads only the UPLO triangle', () => {
    fc.assert(
      fc.property(shape, fc.boolean(), (sh, upper) => {
        const { dtype, batch, n } = sh;
        const rnd = normals(~sh.seed);
        const sym = Float64Array.from(batchOf(sh, true));
        const dirty = cast(dtype, sym);
        for (let b = 0; b < batch; b++)
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++)
              if (upper ? j < i : j > i)
                dirty[b * n * n + i * n + j] = (i + j) % 3 === 0 ? Number.NaN : 1e30 * rnd();
        const r = checkEigh(dtype, dirty, sym, batch, n, upper);
        const r2 = checkEigh(dtype, cast(dtype, sym), sym, batch, n, !upper);
        expect(Array.from(r2.w)).toEqual(Array.from(r.w)); // garbage in the other triangle is ignored
        expect(Array.from(r2.v)).toEqual(Array.from(r.v));
      }),
      RUNS,
    );
  });

  it('eigenvalues and eigenvectors of Q·diag(λ)·Qᵀ match λ and Q within gap-based bounds', () => {
    fc.assert(
      fc.property(dtypeArb, fc.integer({ min: 1, max: 30 }), fc.integer(), (dt, n, seed) => {
        const rnd = normals(seed);
        const lam = Array.from({ length: n }, (_, i) => i - n / 2 + 0.25 * rnd() ** 2 + 0.1 * i * i).sort(
          (x, y) => x - y,
        );
        const { a: a64, q } = withSpectrum(lam, rnd);
        const a = cast(dt, a64);
        const { w, v } = checkEigh(dt, a, Float64Array.from(a), 1, n, false);
        const tol = C * n * EPS[dt] * frob(a);
        for (let j = 0; j < n; j++) {
          expect(Math.abs(w[j] - lam[j])).toBeLessThanOrEqual(tol);
          const gap = Math.min(...lam.filter((_, i) => i !== j).map((x) => Math.abs(x - lam[j])));
          if (!Number.isFinite(gap)) continue; // n = 1
          let dot = 0;
          for (let i = 0; i < n; i++) dot += v[i * n + j] * q[i * n + j];
          let err = 0;
          for (let i = 0; i < n; i++) err += (v[i * n + j] - Math.sign(dot) * q[i * n + j]) ** 2;
          expect(Math.sqrt(err)).toBeLessThanOrEqual(tol / gap);
        }
      }),
      RUNS,
    );
  });

  it('repeated eigenvalues, tiny/huge scales and special matrices', () => {
    const cases: [number, number[]][] = [
      [3, [1, 0, 0, 0, 1, 0, 0, 0, 1]],
      [3, [1, 0, 0, 0, 1, 0, 0, 0, 2]],
      [2, [0, 1, 1, 0]],
      [4, Array(16).fill(1)],
      [1, [-3]],
    ];
    const wilk = Array.from({ length: 21 * 21 }, (_, t) => {
      const [i, j] = [Math.floor(t / 21), t % 21];
      return i === j ? Math.abs(i - 10) : Math.abs(i - j) === 1 ? 1 : 0;
    });
    cases.push([21, wilk]);
    for (const s of [1e-300, 1e-150, 1e150, 1e300])
      cases.push([3, [1, 2, 3, 2, 5, 4, 3, 4, 9].map((x) => x * s)]);
    for (const [n, vals] of cases)
      for (const dt of ['float64', 'float32'] as DType[]) {
        const a = cast(dt, vals);
        if (!Number.isFinite(frob(a))) continue; // 1e150, 1e300 overflow float32
        checkEigh(dt, a, Float64Array.from(a), 1, n, true);
      }
    const d112 = Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(Array.from(checkEigh('float64', d112, d112, 1, 3, false).w)).toEqual([1, 1, 2]);
  });

  it('NaN/Inf in the read triangle gives NaN and info = INFO_NONFINITE, then continues', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const a = Float64Array.from([2, bad, 1, 3, 1, 0, bad, 1]); // element 0: bad entry unread
      const w = new Float64Array(4);
      const v = new Float64Array(8);
      const info = new Int32Array(2);
      eigh(a, 2, 2, false, w, v, true, info);
      expect(info[0]).toBe(0);
      expect(info[1]).toBe(INFO_NONFINITE);
      expect([...w.subarray(2), ...v.subarray(4)].every(Number.isNaN)).toBe(true);
      expect([...w.subarray(0, 2), ...v.subarray(0, 4)].every(Number.isFinite)).toBe(true);
    }
  });
});

/** Runs svd with both fullMatrices values and checks every property. */
function checkSvd(dt: DType, a: Arr, batch: number, m: number, n: number) {
  const k = Math.min(m, n);
  const eps = EPS[dt];
  const nn = Math.max(m, n, 1);
  const s0 = alloc(dt, batch * k);
  svdCpu(a, batch, m, n, null, s0, null, { fullMatrices: false, computeUV: false }, new Int32Array(batch));
  for (const full of [true, false]) {
    const [uc, vr] = full ? [m, n] : [k, k];
    const u = alloc(dt, batch * m * uc);
    const s = alloc(dt, batch * k);
    const vh = alloc(dt, batch * vr * n);
    const info = new Int32Array(batch);
    svdCpu(a, batch, m, n, u, s, vh, { fullMatrices: full, computeUV: true }, info);
    expect(Array.from(s)).toEqual(Array.from(s0));
    for (let b = 0; b < batch; b++) {
      expect(info[b]).toBe(0);
      const sb = s.subarray(b * k, (b + 1) * k);
      for (let i = 0; i < k; i++) expect(sb[i]).toBeGreaterThanOrEqual(i + 1 < k ? sb[i + 1] : 0);
      const us = new Float64Array(m * k);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < k; j++) us[i * k + j] = u[b * m * uc + i * uc + j] * sb[j];
      const vhk = vh.subarray(b * vr * n, b * vr * n + k * n);
      const rec = mm(us, 0, vhk, 0, m, k, n);
      expect(diffNorm(rec, 0, a, b * m * n, m * n)).toBeLessThanOrEqual(
        C * nn * eps * frob(a, b * m * n, m * n),
      );
      expect(orthErr(u, b * m * uc, m, uc, true)).toBeLessThanOrEqual(C * nn * eps);
      expect(orthErr(vh, b * vr * n, vr, n, false)).toBeLessThanOrEqual(C * nn * eps);
    }
  }
  return s0;
}

describe('svd', () => {
  it('U·diag(S)·Vh = A, orthonormal U and Vh (full and reduced), S descending ≥ 0', () => {
    fc.assert(
      fc.property(shape, (sh) => {
        checkSvd(sh.dtype, batchOf(sh, false), sh.batch, sh.m, sh.n);
      }),
      RUNS,
    );
  });

  it('S agrees with sqrt(eigh(AᵀA)) and with the known σ for well-conditioned A', () => {
    fc.assert(
      fc.property(
        dtypeArb,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer(),
        (dt, m, n, seed) => {
          const rnd = normals(seed);
          const k = Math.min(m, n);
          const sig = Array.from({ length: k }, () => 1 + rnd() ** 2).sort((x, y) => y - x);
          const u = randOrth(m, rnd);
          const v = randOrth(n, rnd);
          const us = new Float64Array(m * n);
          for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) us[i * n + j] = u[i * m + j] * sig[j];
          const a = cast(dt, mm(us, 0, v, 0, m, n, n));
          const s = checkSvd(dt, a, 1, m, n);
          const anorm = frob(a);
          const nn = Math.max(m, n);
          for (let i = 0; i < k; i++)
            expect(Math.abs(s[i] - sig[i])).toBeLessThanOrEqual(C * nn * EPS[dt] * anorm);
          const g =
            m >= n
              ? mm(transpose(a, 0, m, n), 0, a, 0, n, m, n)
              : mm(a, 0, transpose(a, 0, m, n), 0, m, n, m);
          const lam = alloc(dt, k);
          eigh(cast(dt, g), 1, k, false, lam, null, false, new Int32Array(1));
          const tol = (C * nn * EPS[dt] * anorm ** 2) / sig[k - 1];
          for (let i = 0; i < k; i++)
            expect(Math.abs(s[i] - Math.sqrt(Math.max(lam[k - 1 - i], 0)))).toBeLessThanOrEqual(tol);
        },
      ),
      RUNS,
    );
  });

  it('known singular values, rank-deficient and zero matrices', () => {
    for (const dt of ['float64', 'float32'] as DType[]) {
      expect(Array.from(checkSvd(dt, cast(dt, [3, 0, 0, 0, -2, 0, 0, 0, 1]), 1, 3, 3))).toEqual([3, 2, 1]);
      const z = checkSvd(dt, alloc(dt, 2 * 4 * 3), 2, 4, 3);
      expect(Array.from(z)).toEqual([0, 0, 0, 0, 0, 0]);
      const x = [1, -2, 0.5, 3, 1];
      const y = [2, 1, -1];
      const xy = x.flatMap((xi) => y.map((yj) => xi * yj));
      const a = cast(dt, xy);
      for (const [mm_, nn_, arr] of [
        [5, 3, a],
        [3, 5, cast(dt, transpose(a, 0, 5, 3))],
      ] as const) {
        const s = checkSvd(dt, arr, 1, mm_, nn_);
        const tol = C * 5 * EPS[dt] * frob(a);
        expect(Math.abs(s[0] - frob(x) * frob(y))).toBeLessThanOrEqual(tol);
        expect(Math.max(s[1], s[2])).toBeLessThanOrEqual(tol);
      }
    }
    const kahan = new Float64Array(20 * 20); // Kahan's matrix: notoriously graded singular values
    for (let i = 0; i < 20; i++)
      for (let j = i; j < 20; j++) kahan[i * 20 + j] = 0.3 ** i * (i === j ? 1 : -Math.sqrt(0.91));
    checkSvd('float64', kahan, 1, 20, 20);
    for (const sc of [1e-300, 1e300]) {
      const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10], (x) => x * sc);
      checkSvd('float64', a, 1, 2, 3);
      checkSvd('float64', a, 1, 3, 3);
    }
  });

  it('NaN/Inf input gives NaN and info = INFO_NONFINITE, other batch elements unaffected', () => {
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY]) {
      const a = Float64Array.from([1, 2, 3, 4, 5, 6, 1, bad, 0, 1, 1, 1]);
      const [u, s, vh] = [new Float64Array(8), new Float64Array(4), new Float64Array(18)];
      const info = new Int32Array(2);
      svdCpu(a, 2, 2, 3, u, s, vh, { fullMatrices: true, computeUV: true }, info);
      expect(Array.from(info)).toEqual([0, INFO_NONFINITE]);
      expect([...s.subarray(2), ...u.subarray(4), ...vh.subarray(9)].every(Number.isNaN)).toBe(true);
      expect([...s.subarray(0, 2), ...u.subarray(0, 4), ...vh.subarray(0, 9)].every(Number.isFinite)).toBe(
        true,
      );
    }
  });
});

describe('qr', () => {
  it('Q·R = A, QᵀQ = I, R upper triangular, all modes with the right shapes', () => {
    fc.assert(
      fc.property(shape, (sh) => {
        const { dtype, batch, m, n } = sh;
        const a = batchOf(sh, false);
        const k = Math.min(m, n);
        const eps = EPS[dtype];
        const rs: Record<string, Arr> = {};
        for (const mode of ['reduced', 'complete', 'r'] as QrMode[]) {
          const [qc, rr] = mode === 'complete' ? [m, m] : [k, k];
          const q = mode === 'r' ? null : alloc(dtype, batch * m * qc);
          const r = alloc(dtype, batch * rr * n);
          qr(a, batch, m, n, q, r, mode);
          rs[mode] = r;
          for (let b = 0; b < batch; b++) {
            const ro = b * rr * n;
            for (let i = 0; i < rr; i++)
              for (let j = 0; j < Math.min(i, n); j++) expect(r[ro + i * n + j]).toBe(0);
            if (q === null) continue;
            const rec = mm(q, b * m * qc, r, ro, m, qc, n);
            const tol = C * Math.max(m, n, 1) * eps;
            expect(diffNorm(rec, 0, a, b * m * n, m * n)).toBeLessThanOrEqual(
              tol * frob(a, b * m * n, m * n),
            );
            expect(orthErr(q, b * m * qc, m, qc, true)).toBeLessThanOrEqual(tol);
          }
        }
        expect(Array.from(rs.r)).toEqual(Array.from(rs.reduced));
        for (let b = 0; b < batch; b++)
          expect(Array.from(rs.complete.subarray(b * m * n, b * m * n + k * n))).toEqual(
            Array.from(rs.reduced.subarray(b * k * n, (b + 1) * k * n)),
          );
      }),
      RUNS,
    );
  });

  it('NaN input propagates to R (and to Q when it is in the first k columns) and terminates', () => {
    const a = Float64Array.from([1, 2, 3, 4, Number.NaN, 6]);
    const [q, r] = [new Float64Array(4), new Float64Array(6)];
    qr(a, 1, 2, 3, q, r, 'reduced');
    expect(Array.from(r).some(Number.isNaN)).toBe(true);
    expect(Array.from(q).some(Number.isNaN)).toBe(true);
  });
});
