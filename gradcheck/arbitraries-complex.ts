/**
 * fast-check arbitraries for (batched) complex test matrices, the complex counterparts of
 * arbitraries.ts: general, Hermitian, Hermitian positive-definite, unitary, and given condition
 * number. Samples have `complex: true` and interleaved (re, im) `data` (2 numbers per entry), the
 * data of a complex128 tensor: `viewAsComplex(tensor(data, { shape: [...shape, 2] }))`. They
 * shrink as the real ones do (size, then batch, then seed).
 * @module
 */
import {
  batched,
  type CondOptions,
  checkCond,
  type GeneralOptions,
  type MatrixOptions,
  type MatrixSample,
  spreadSpectrum,
} from './arbitraries.js';
import type { Arbitrary } from './fc.js';
import type { Rng } from './linalg-rand.js';
import { complexGaussian, composeUSVh, hermitize, randomUnitary } from './linalg-rand-complex.js';

/**
 * Dense complex matrices with independent entries: real and imaginary parts uniform on [-1, 1]
 * (default) or each N(0, ½) (`distribution: 'normal'`, so E|z|² = 1 as torch.randn); square or
 * rectangular.
 */
export function complexGeneralMatrix(opts: GeneralOptions = {}): Arbitrary<MatrixSample> {
  const normal = opts.distribution === 'normal';
  return batched(
    opts,
    opts.square ?? false,
    0,
    (rng, rows, cols) => {
      if (normal) return { data: complexGaussian(rng, rows * cols) };
      const data = new Float64Array(2 * rows * cols);
      for (let i = 0; i < data.length; i++) data[i] = rng.range(-1, 1);
      return { data };
    },
    2,
  );
}

/**
 * Square complex samples built from a spectrum `s` in [1/cond, 1] (largest exactly 1, smallest
 * exactly 1/cond: spreadSpectrum), so `sample.cond = cond` (1 when n ≤ 1).
 */
function fromSpectrum(opts: CondOptions, build: (rng: Rng, n: number, s: Float64Array) => Float64Array) {
  const target = opts.cond ?? 10;
  checkCond(target);
  return batched(
    opts,
    true,
    0,
    (rng, n) => {
      const { s, cond } = spreadSpectrum(rng, n, target);
      return { data: build(rng, n, s), cond };
    },
    2,
  );
}

/**
 * Square U·diag(s)·Vᴴ with Haar-random unitary U, V; singular values in [1/cond, 1] (largest
 * exactly 1, smallest exactly 1/cond), so `sample.cond = cond` (1 when n ≤ 1).
 */
export function complexWellConditionedMatrix(opts: CondOptions = {}): Arbitrary<MatrixSample> {
  return fromSpectrum(opts, (rng, n, s) =>
    composeUSVh(randomUnitary(rng, n), n, s, randomUnitary(rng, n), n),
  );
}

/** Options of {@link hermitianMatrix}. */
export interface HermitianOptions extends MatrixOptions {
  /** Eigenvalue range: uniform in [-1, 1] by default. */
  eigenvalues?: { min: number; max: number };
}

/**
 * Hermitian Q·diag(λ)·Qᴴ (Q Haar-random unitary, λ real uniform in the given range, default
 * [-1, 1]), made exactly Hermitian after the product (real diagonal, a_ji = conj(a_ij)).
 */
export function hermitianMatrix(opts: HermitianOptions = {}): Arbitrary<MatrixSample> {
  const { min = -1, max = 1 } = opts.eigenvalues ?? {};
  if (!(min <= max) || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new RangeError(`arbitraries: eigenvalues must satisfy min <= max (finite), got [${min}, ${max}]`);
  }
  return batched(
    opts,
    true,
    0,
    (rng, n) => {
      const lam = Float64Array.from({ length: n }, () => rng.range(min, max));
      const q = randomUnitary(rng, n);
      return { data: hermitize(composeUSVh(q, n, lam, q, n), n) };
    },
    2,
  );
}

/**
 * Hermitian positive-definite Q·diag(λ)·Qᴴ, exactly Hermitian; eigenvalues in [1/cond, 1] with
 * max exactly 1 and min exactly 1/cond, so `sample.cond = cond` (1 when n ≤ 1).
 */
export function hpdMatrix(opts: CondOptions = {}): Arbitrary<MatrixSample> {
  return fromSpectrum(opts, (rng, n, s) => {
    const q = randomUnitary(rng, n);
    return hermitize(composeUSVh(q, n, s, q, n), n);
  });
}

/** Haar-random unitary matrices (QᴴQ = I to rounding), `sample.cond = 1`. */
export function unitaryMatrix(opts: MatrixOptions = {}): Arbitrary<MatrixSample> {
  return batched(opts, true, 0, (rng, n) => ({ data: randomUnitary(rng, n), cond: 1 }), 2);
}
