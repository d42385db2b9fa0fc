/**
 * fast-check arbitraries for (batched) test matrices with known structure and conditioning.
 * They produce raw {@link MatrixSample}s (row-major `Float64Array`s); wrapping them into tensors
 * is left to the caller so this module does not depend on `src/`.
 *
 * Shrinking: every arbitrary is `fc.tuple(rows, cols, batch, seed).map(build)`, where sizes come
 * from `fc.integer` and batch dims from `fc.array`, so a failing case shrinks to the smallest
 * size first, then to an empty batch list, then to seed 0. Entries are drawn from the seed by the
 * deterministic PRNG of `linalg-rand.ts`.
 * @module
 */
import { type Arbitrary, fc } from './fc.js';
import {
  composeUSVt,
  householderQR,
  makeRng,
  type Rng,
  randomOrthogonal,
  symmetrize,
  transpose,
} from './linalg-rand.js';

/** One generated (batched) matrix: raw data plus what is known about it by construction. */
export interface MatrixSample {
  /** Leading batch dims; may be `[]` or contain 0 (empty batch). */
  batch: number[];
  rows: number;
  cols: number;
  /** `[...batch, rows, cols]`. */
  shape: number[];
  /**
   * Row-major entries, length `product(shape)`; for a complex sample (`complex: true`)
   * interleaved (re, im) pairs, length `2·product(shape)`, the data of a complex tensor.
   */
  data: Float64Array;
  /** True for the complex arbitraries (arbitraries-complex.ts): `data` holds (re, im) pairs. */
  complex?: boolean;
  /**
   * Exact 2-norm condition number σ_max/σ_min by construction (max over the batch). For an empty
   * batch, the value a batch element would have had; 1 for 0×0 and 1×1 matrices.
   */
  cond?: number;
  /** Proven upper bound on the 2-norm condition number when the exact value is not known. */
  condBound?: number;
}

/** Options shared by all arbitraries: batch dims and matrix sizes. */
export interface MatrixOptions {
  /** Fixed batch dims (default `[]`), or `'any'`: 0–`maxBatchDims` dims, each 0–`maxBatchDim`. */
  batch?: number[] | 'any';
  /** Maximum number of batch dims for `batch: 'any'` (default 2). */
  maxBatchDims?: number;
  /** Maximum size of each batch dim for `batch: 'any'` (default 3). */
  maxBatchDim?: number;
  /** Smallest generated rows/cols (default 0, so 0×0 is included; see each arbitrary). */
  minSize?: number;
  /** Largest generated rows/cols (default 6). */
  maxSize?: number;
  /** Fixes the number of rows (for square arbitraries: the size). */
  rows?: number;
  /** Fixes the number of columns (for square arbitraries: the size). */
  cols?: number;
}

/** @internal */
export type Built = { data: Float64Array; cond?: number; condBound?: number };
/** @internal */
export type Builder = (rng: Rng, rows: number, cols: number) => Built;

function checkInt(name: string, v: number, min = 0): void {
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`arbitraries: ${name} must be an integer >= ${min}, got ${v}`);
}

/** @internal */
export function checkCond(cond: number): void {
  if (!(cond >= 1) || !Number.isFinite(cond))
    throw new RangeError(`arbitraries: cond must be finite and >= 1, got ${cond}`);
}

function sizeArb(fixed: number | undefined, min: number, max: number, name: string): Arbitrary<number> {
  if (fixed !== undefined) {
    checkInt(name, fixed);
    return fc.constant(fixed);
  }
  return fc.integer({ min, max });
}

function batchArb(opts: MatrixOptions): Arbitrary<number[]> {
  const batch = opts.batch ?? [];
  if (batch !== 'any') {
    for (const [i, d] of batch.entries()) checkInt(`batch[${i}]`, d);
    return fc.constant([...batch]);
  }
  const maxDim = opts.maxBatchDim ?? 3;
  checkInt('maxBatchDim', maxDim, 1);
  // Non-empty dims are more useful, so 0 (an empty batch) is drawn one time in five.
  const dim = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: maxDim }), weight: 4 },
    { arbitrary: fc.constant(0), weight: 1 },
  );
  return fc.array(dim, { maxLength: opts.maxBatchDims ?? 2 });
}

/**
 * @internal Shared skeleton: sizes, batch and seed → one `build` call per batch element, each
 * returning `width` numbers per entry (2 for the complex arbitraries).
 */
export function batched(
  opts: MatrixOptions,
  square: boolean,
  minDefault: number,
  build: Builder,
  width: 1 | 2 = 1,
) {
  const minSize = opts.minSize ?? minDefault;
  const maxSize = opts.maxSize ?? Math.max(6, minSize);
  checkInt('minSize', minSize);
  checkInt('maxSize', maxSize, minSize);
  if (square && opts.rows !== undefined && opts.cols !== undefined && opts.rows !== opts.cols) {
    throw new RangeError(`arbitraries: square matrix requested with rows=${opts.rows} != cols=${opts.cols}`);
  }
  const rowsArb = sizeArb(square ? (opts.rows ?? opts.cols) : opts.rows, minSize, maxSize, 'rows');
  const colsArb = square ? fc.constant(-1) : sizeArb(opts.cols, minSize, maxSize, 'cols');
  const seedArb = fc.integer({ min: 0, max: 0x7fffffff });
  return fc.tuple(rowsArb, colsArb, batchArb(opts), seedArb).map(([rows, c, batch, seed]): MatrixSample => {
    const cols = square ? rows : c;
    const count = batch.reduce((a, b) => a * b, 1);
    const rng = makeRng(seed);
    const data = new Float64Array(count * rows * cols * width);
    const sample: MatrixSample = { batch: [...batch], rows, cols, shape: [...batch, rows, cols], data };
    if (width === 2) sample.complex = true;
    const merge = (b: Built): void => {
      if (b.cond !== undefined) sample.cond = Math.max(sample.cond ?? 1, b.cond);
      if (b.condBound !== undefined) sample.condBound = Math.max(sample.condBound ?? 1, b.condBound);
    };
    for (let i = 0; i < count; i++) {
      const b = build(rng, rows, cols);
      data.set(b.data, i * rows * cols * width);
      merge(b);
    }
    if (count === 0) merge(build(rng, rows, cols)); // report what an element would have
    return sample;
  });
}

/**
 * `k` values in [1/cond, 1], sorted descending, with the first exactly 1 and (for k ≥ 2) the
 * last exactly 1/cond; the others are log-uniform in between. Returns the values and their ratio.
 */
/** @internal */
export function spreadSpectrum(rng: Rng, k: number, cond: number): { s: Float64Array; cond: number } {
  const s = new Float64Array(k);
  for (let i = 0; i < k; i++) s[i] = Math.exp(-rng.uniform() * Math.log(cond));
  s.sort().reverse();
  if (k >= 1) s[0] = 1;
  if (k >= 2) s[k - 1] = 1 / cond;
  return { s, cond: k >= 2 ? cond : 1 };
}

/** Options of {@link generalMatrix}. */
export interface GeneralOptions extends MatrixOptions {
  /** Force rows = cols (default false). */
  square?: boolean;
  /** Entry distribution: uniform on [-1, 1] (default) or standard normal. */
  distribution?: 'uniform' | 'normal';
}

/** Dense matrices with independent entries (uniform [-1, 1] or N(0, 1)); square or rectangular. */
export function generalMatrix(opts: GeneralOptions = {}): Arbitrary<MatrixSample> {
  const normal = opts.distribution === 'normal';
  return batched(opts, opts.square ?? false, 0, (rng, rows, cols) => {
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = normal ? rng.normal() : rng.range(-1, 1);
    return { data };
  });
}

/** Options of the arbitraries whose condition number is set by construction. */
export interface CondOptions extends MatrixOptions {
  /** Target 2-norm condition number (default 10). */
  cond?: number;
}

/**
 * Square `U·diag(s)·Vᵀ` with Haar-random orthogonal U, V. The singular values lie in
 * [1/cond, 1] — largest exactly 1, smallest exactly 1/cond, the others log-uniform — so
 * ‖A‖₂ = 1, ‖A⁻¹‖₂ = cond and `sample.cond = cond` (1 when n ≤ 1). Default minSize 0.
 */
export function wellConditionedMatrix(opts: CondOptions = {}): Arbitrary<MatrixSample> {
  const target = opts.cond ?? 10;
  checkCond(target);
  return batched(opts, true, 0, (rng, n) => {
    const { s, cond } = spreadSpectrum(rng, n, target);
    const data = composeUSVt(randomOrthogonal(rng, n), n, s, randomOrthogonal(rng, n), n);
    return { data, cond };
  });
}

/**
 * Symmetric positive-definite `Q·diag(λ)·Qᵀ` (Q Haar-random), exactly symmetric (symmetrised
 * after the product). Eigenvalues lie in [1/cond, 1] with max exactly 1 and min exactly 1/cond,
 * so `sample.cond = cond` (1 when n ≤ 1). Default minSize 0.
 */
export function spdMatrix(opts: CondOptions = {}): Arbitrary<MatrixSample> {
  const target = opts.cond ?? 10;
  checkCond(target);
  return batched(opts, true, 0, (rng, n) => {
    const { s, cond } = spreadSpectrum(rng, n, target);
    const q = randomOrthogonal(rng, n);
    return { data: symmetrize(composeUSVt(q, n, s, q, n), n), cond };
  });
}

/** Options of {@link symmetricMatrix}. */
export interface SymmetricOptions extends MatrixOptions {
  /** Guarantee |λ_i − λ_j| ≥ minGap for i ≠ j (absolute gap). */
  distinctEigenvalues?: { minGap: number };
}

/**
 * Real symmetric (Hermitian) `Q·diag(λ)·Qᵀ`, exactly symmetric, nonsingular, with eigenvalues of
 * both signs when n ≥ 2. Without `distinctEigenvalues`, |λ| is uniform in [0.25, 1] (λ₀ > 0,
 * λ₁ < 0, other signs random), so cond ≤ 4. With `distinctEigenvalues: { minGap }`, consecutive
 * eigenvalues are `minGap·(1 + u)` apart (u uniform in [0, 1)) and zero is placed mid-way between
 * two of them, so |λ| ≥ minGap/2 and |λ| < 2n·minGap. `sample.cond = max|λ| / min|λ|`.
 */
export function symmetricMatrix(opts: SymmetricOptions = {}): Arbitrary<MatrixSample> {
  const gap = opts.distinctEigenvalues?.minGap;
  if (gap !== undefined && !(gap > 0 && Number.isFinite(gap))) {
    throw new RangeError(`arbitraries: distinctEigenvalues.minGap must be > 0, got ${gap}`);
  }
  return batched(opts, true, 0, (rng, n) => {
    const lam = new Float64Array(n);
    if (gap === undefined) {
      for (let i = 0; i < n; i++) {
        const sign = i === 0 ? 1 : i === 1 ? -1 : rng.uniform() < 0.5 ? -1 : 1;
        lam[i] = sign * rng.range(0.25, 1);
      }
    } else {
      for (let i = 1; i < n; i++) lam[i] = lam[i - 1]! + gap * (1 + rng.uniform());
      // Put 0 mid-way between lam[j] and lam[j+1] for a random j (n = 1: the single λ is gap).
      const j = Math.min(Math.floor(rng.uniform() * (n - 1)), n - 2);
      const shift = n >= 2 ? 0.5 * (lam[j]! + lam[j + 1]!) : -gap;
      for (let i = 0; i < n; i++) lam[i]! -= shift;
    }
    const q = randomOrthogonal(rng, n);
    const abs = Array.from(lam, Math.abs);
    const cond = n === 0 ? 1 : Math.max(...abs) / Math.min(...abs);
    return { data: symmetrize(composeUSVt(q, n, lam, q, n), n), cond };
  });
}

/** Options of {@link distinctSingularValuesMatrix}. */
export interface DistinctSvOptions extends MatrixOptions {
  /**
   * `'random'` (default): s₀ = 1, s_{i+1} = s_i·(1 − g·(1 + u_i)), u_i uniform in [0, 1), so each
   * relative gap (s_i − s_{i+1})/s_i is in [g, 2g). `'harmonic'`: s_i = 1 + (−1)^i/(i + 2), i.e.
   * 1 + 1/[2, −3, 4, −5, …] (docs/design.md, gradcheck), all in [2/3, 3/2].
   */
  spread?: 'random' | 'harmonic';
  /** The minimum relative gap g of the `'random'` spread, in (0, 0.5) (default 0.1). */
  minRelGap?: number;
}

/**
 * m×n `U·diag(s)·Vᵀ` (Haar U, V; k = min(m, n) singular values) with distinct, positive singular
 * values as described by `spread`; `sample.cond = max s / min s`. Default minSize 0.
 */
export function distinctSingularValuesMatrix(opts: DistinctSvOptions = {}): Arbitrary<MatrixSample> {
  const g = opts.minRelGap ?? 0.1;
  if (!(g > 0 && g < 0.5)) throw new RangeError(`arbitraries: minRelGap must be in (0, 0.5), got ${g}`);
  const harmonic = opts.spread === 'harmonic';
  return batched(opts, false, 0, (rng, m, n) => {
    const k = Math.min(m, n);
    const s = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      if (harmonic) s[i] = 1 + (i % 2 === 0 ? 1 : -1) / (i + 2);
      else s[i] = i === 0 ? 1 : s[i - 1]! * (1 - g * (1 + rng.uniform()));
    }
    const cond = k === 0 ? 1 : Math.max(...s) / Math.min(...s);
    return { data: composeUSVt(randomOrthogonal(rng, m), m, s, randomOrthogonal(rng, n), n), cond };
  });
}

/** Options of {@link rankDeficientMatrix}. */
export interface RankOptions extends MatrixOptions {
  /** The exact rank k. */
  rank: number;
  /** Ratio σ₁/σ_k of the nonzero singular values (default 2). */
  cond?: number;
}

/**
 * m×n matrix of rank exactly k: `U·diag(σ₁…σ_k, 0…)·Vᵀ` with Haar U, V and nonzero singular
 * values in [1/cond, 1] (σ₁ = 1, σ_k = 1/cond when k ≥ 2). The other singular values are zero up
 * to rounding (~1e-16). Default minSize is `rank + 1`, so the matrix is truly rank-deficient.
 * `sample.cond` is left unset (the condition number is infinite).
 */
export function rankDeficientMatrix(opts: RankOptions): Arbitrary<MatrixSample> {
  checkInt('rank', opts.rank);
  const target = opts.cond ?? 2;
  checkCond(target);
  for (const [name, v] of [
    ['minSize', opts.minSize],
    ['rows', opts.rows],
    ['cols', opts.cols],
  ] as const) {
    if (v !== undefined && v < opts.rank)
      throw new RangeError(`arbitraries: ${name}=${v} < rank=${opts.rank}`);
  }
  return batched(opts, false, opts.rank + 1, (rng, m, n) => {
    const { s } = spreadSpectrum(rng, opts.rank, target);
    return { data: composeUSVt(randomOrthogonal(rng, m), m, s, randomOrthogonal(rng, n), n) };
  });
}

/** Options of {@link triangularMatrix}. */
export interface TriangularOptions extends MatrixOptions {
  /** Upper (true) or lower (false) triangular. */
  upper: boolean;
  /** Ones on the diagonal (cannot be combined with `cond`). */
  unitDiagonal?: boolean;
  /** Exact 2-norm condition number (see {@link triangularMatrix}). */
  cond?: number;
}

/**
 * Square triangular matrices with positive diagonal. Without `cond`: diagonal uniform in [1, 2]
 * (or 1 with `unitDiagonal`), off-diagonal entries uniform in [−1/n, 1/n]. Writing T = D(I + N),
 * every row/column sum of |N| is < 1 − 1/n, so ‖T⁻¹‖₁,∞ ≤ n and ‖T‖₁,∞ < 3 (2 if unit), giving
 * κ₂(T) < 3n (2n if unit), reported as `sample.condBound`. With `cond`: T is the R factor
 * (positive diagonal; Rᵀ for lower) of a {@link wellConditionedMatrix}, so κ₂(T) = cond exactly
 * (`sample.cond`) and the diagonal lies in [1/cond, 1]. Default minSize 0.
 */
export function triangularMatrix(opts: TriangularOptions): Arbitrary<MatrixSample> {
  const { upper, unitDiagonal = false, cond: target } = opts;
  if (target !== undefined) {
    checkCond(target);
    if (unitDiagonal)
      throw new RangeError('arbitraries: triangularMatrix cannot combine unitDiagonal and cond');
  }
  return batched(opts, true, 0, (rng, n): Built => {
    if (target !== undefined) {
      const { s, cond } = spreadSpectrum(rng, n, target);
      const a = composeUSVt(randomOrthogonal(rng, n), n, s, randomOrthogonal(rng, n), n);
      const { r } = householderQR(a, n, n);
      return { data: upper ? r : transpose(r, n, n), cond };
    }
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) data[i * n + j] = unitDiagonal ? 1 : rng.range(1, 2);
        else if (upper ? j > i : j < i) data[i * n + j] = rng.range(-1, 1) / n;
      }
    }
    return { data, condBound: Math.max(1, (unitDiagonal ? 2 : 3) * n) };
  });
}

/** Short one-line description of a sample for failure messages: shape, cond and first entries. */
export function describeSample(sample: MatrixSample, maxEntries = 6): string {
  const shown = Array.from(sample.data.subarray(0, maxEntries), (x) => Number(x.toPrecision(4)));
  const more = sample.data.length > maxEntries ? `, … (${sample.data.length} values)` : '';
  const cond = sample.cond !== undefined ? ` cond=${sample.cond.toPrecision(3)}` : '';
  const bound = sample.condBound !== undefined ? ` cond<=${sample.condBound.toPrecision(3)}` : '';
  const kind = sample.complex ? 'complex ' : '';
  return `${kind}MatrixSample shape=[${sample.shape.join(',')}]${cond}${bound} data=[${shown.join(', ')}${more}]`;
}
