/**
 * Condition-aware tolerances for comparing linear-algebra results, and elementwise closeness
 * checks on typed arrays / number arrays.
 *
 * The model is the standard forward-error bound of a backward-stable algorithm: if the computed
 * result is the exact result for data perturbed by a relative (normwise) backward error η, then
 * its relative forward error is at most κ·η / (1 − κ·η), κ the 2-norm condition number.
 * Backward-stable dense algorithms (LU with partial pivoting, Cholesky, Householder QR,
 * triangular solves, Jacobi/QR eigen-solvers) have η ≤ c·n·eps for a modest constant c.
 * @module
 */

/** Real floating-point dtypes the tolerances know about. */
export type RealDType = 'float32' | 'float64';

/** Absolute and relative tolerance of an elementwise check `|a − b| ≤ atol + rtol·|b|`. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Something indexable with numbers: typed arrays and plain arrays. */
export type NumericArray = ArrayLike<number>;

/**
 * Machine epsilon (the gap between 1 and the next representable number, numpy's
 * `finfo(dtype).eps`): 2⁻²³ for float32, 2⁻⁵² for float64. The unit roundoff is eps/2.
 */
export function eps(dtype: RealDType): number {
  return dtype === 'float32' ? 2 ** -23 : 2 ** -52;
}

/**
 * The constant c in the backward-error model η = c·n·eps. Higham (Accuracy and Stability of
 * Numerical Algorithms, Thm 9.4) bounds LU with partial pivoting by |ΔA| ≤ γ₃ₙ|L̂||Û|, with
 * γ₃ₙ ≈ 3n·u = 1.5n·eps; Cholesky, QR and triangular solves have smaller constants. c = 10 leaves
 * room for a small pivot growth factor (2–4 on the matrices the arbitraries make), the step from
 * |L||U| to ‖A‖ and from normwise to elementwise errors, while staying orders of magnitude below
 * the O(1) errors a wrong formula gives.
 */
export const BACKWARD_ERROR_CONSTANT = 10;

/** Largest relative tolerance ever returned: beyond it a comparison says nothing. */
export const MAX_RTOL = 0.5;

/** Options of {@link linalgTolerance}. */
export interface LinalgToleranceOptions {
  /** The dtype the result was computed in. */
  dtype: RealDType;
  /** (An upper bound on) the 2-norm condition number of the problem, ≥ 1. */
  cond: number;
  /** Matrix size (max(m, n)); values below 1 count as 1. */
  n: number;
  /** Multiplier on η for algorithms with a larger error constant (e.g. 2 for chained ops). */
  factor?: number;
  /**
   * Typical magnitude of the compared values, e.g. the max |entry| of the reference (default 1).
   * `atol = rtol·scale`: the bound is normwise, so small entries of a result are judged
   * against the result's size rather than their own.
   */
  scale?: number;
}

/** κ·η/(1 − κ·η), clamped to {@link MAX_RTOL} (also when κ·η ≥ 1: the bound is void). */
function forwardError(eta: number, cond: number): number {
  if (!(cond >= 1)) throw new RangeError(`tolerance: cond must be >= 1, got ${cond}`);
  const x = eta * cond;
  return x < 1 ? Math.min(MAX_RTOL, x / (1 - x)) : MAX_RTOL;
}

/**
 * Tolerance for a result of a backward-stable linear-algebra routine (solve, inverse, det, …)
 * computed in `dtype`, compared with the exact (or a much more accurate) result:
 *
 *   η = c·factor·max(n, 1)·eps(dtype),   rtol = min(0.5, κη/(1 − κη)),   atol = rtol·scale,
 *
 * with c = {@link BACKWARD_ERROR_CONSTANT} = 10. E.g. float64, n = 8, κ = 100: rtol ≈ 1.8e-12;
 * float32, same: rtol ≈ 9.5e-4.
 */
export function linalgTolerance(opts: LinalgToleranceOptions): Tolerance {
  const { dtype, cond, n, factor = 1, scale = 1 } = opts;
  const eta = BACKWARD_ERROR_CONSTANT * factor * Math.max(n, 1) * eps(dtype);
  const rtol = forwardError(eta, cond);
  return { atol: rtol * scale, rtol };
}

/** Options of {@link agreementTolerance}. */
export interface AgreementToleranceOptions {
  /** The dtype of the result under test (default `'float32'`, e.g. WebGPU). */
  dtype?: RealDType;
  /** The dtype of the reference it is compared with (default `'float64'`, the CPU). */
  reference?: RealDType;
  /** 2-norm condition number of the problem. */
  cond: number;
  /** Matrix size (max(m, n)). */
  n: number;
  /** Multiplier on η, as in {@link linalgTolerance}. */
  factor?: number;
  /** Typical magnitude of the compared values (default 1); `atol = rtol·scale`. */
  scale?: number;
}

/**
 * Tolerance for comparing a low-precision result (e.g. float32 on WebGPU) with a reference
 * computed in higher precision from the same float64 inputs. Both results carry their own
 * backward error, and the low-precision one also sees its inputs rounded to `dtype`
 * (|ΔA| ≤ u|A|, so ‖ΔA‖₂ ≤ √n·u‖A‖₂ with u = eps/2):
 *
 *   η = factor·[(c·n + √n/2)·eps(dtype) + c·n·eps(reference)],   rtol = min(0.5, κη/(1 − κη)).
 *
 * For float32 vs float64 the reference term is negligible (2⁻²⁹ relative to the first).
 */
export function agreementTolerance(opts: AgreementToleranceOptions): Tolerance {
  const { dtype = 'float32', reference = 'float64', cond, factor = 1, scale = 1 } = opts;
  const n = Math.max(opts.n, 1);
  const c = BACKWARD_ERROR_CONSTANT;
  const eta = factor * ((c * n + Math.sqrt(n) / 2) * eps(dtype) + c * n * eps(reference));
  const rtol = forwardError(eta, cond);
  return { atol: rtol * scale, rtol };
}

/** Options of {@link allClose}. */
export interface AllCloseOptions extends Partial<Tolerance> {
  /** Treat NaN at the same position in both arrays as equal (default false, like numpy). */
  equalNaN?: boolean;
}

/**
 * numpy-style `allclose`: true when the lengths match and every `|a_i − b_i| ≤ atol + rtol·|b_i|`
 * (`b` is the reference; defaults atol = 1e-8, rtol = 1e-5 as numpy). Equal infinities match.
 */
export function allClose(a: NumericArray, b: NumericArray, opts: AllCloseOptions = {}): boolean {
  const { atol = 1e-8, rtol = 1e-5, equalNaN = false } = opts;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (equalNaN && Number.isNaN(x) && Number.isNaN(y)) continue;
      return false;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false; // unequal with an infinity
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return false;
  }
  return true;
}

/** Result of {@link maxRelError}: the worst relative error and where it occurs. */
export interface RelErrorReport {
  /** max_i |a_i − b_i| / max(|b_i|, floor); 0 for empty arrays. */
  error: number;
  /** Flat index of the worst element, −1 for empty arrays. */
  index: number;
  /** `a[index]` (NaN when empty). */
  actual: number;
  /** `b[index]` (NaN when empty). */
  expected: number;
}

/**
 * Largest elementwise relative error of `a` against the reference `b`, with its index:
 * |a_i − b_i| / max(|b_i|, floor) (`floor` default 0; 0/0 counts as 0, x/0 as Infinity, a NaN
 * on either side or opposite infinities as Infinity). Throws a RangeError when the lengths differ.
 */
export function maxRelError(a: NumericArray, b: NumericArray, opts: { floor?: number } = {}): RelErrorReport {
  if (a.length !== b.length) throw new RangeError(`maxRelError: lengths differ (${a.length} vs ${b.length})`);
  const floor = opts.floor ?? 0;
  const report: RelErrorReport = { error: 0, index: -1, actual: Number.NaN, expected: Number.NaN };
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    let err: number;
    if (Number.isNaN(x) || Number.isNaN(y)) err = Number.POSITIVE_INFINITY;
    else if (x === y) err = 0;
    else err = Math.abs(x - y) / Math.max(Math.abs(y), floor);
    if (Number.isNaN(err)) err = Number.POSITIVE_INFINITY; // ±Infinity against the other sign
    if (report.index < 0 || err > report.error) {
      report.error = err;
      report.index = i;
      report.actual = x;
      report.expected = y;
    }
  }
  return report;
}
