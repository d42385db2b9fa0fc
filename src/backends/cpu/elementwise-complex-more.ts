import type { TypedArray } from '../backend.js';
import { cdiv, cexp, csqrt, ctanh, logAbs } from './complex-math.js';

/**
 * More CPU kernels over ℂ (the special functions and activations that PyTorch defines for complex
 * inputs): log1p, expm1, tan, atan, rsqrt, sigmoid and silu, in the scheme of elementwise-complex.ts
 * (double precision, (re, im) written to out[k], out[k + 1]). log1p and expm1 keep their accuracy
 * near 0, atan follows C99 catan's branch cuts (on the imaginary axis beyond ±i, the sign of a
 * zero real part picking the side), and none of them overflows where the result is finite.
 */

/** The ops of this file, in COMPLEX_UNARY's order (elementwise-complex.ts lists them there). */
export const COMPLEX_UNARY_MORE = ['log1p', 'expm1', 'tan', 'atan', 'rsqrt', 'sigmoid', 'silu'] as const;
export type ComplexMoreOp = (typeof COMPLEX_UNARY_MORE)[number];

type Out = TypedArray;
/**
 * Scratch for intermediate results: `out` may be a Float32Array (complex64), and reading a value
 * back from it would round it twice.
 */
const T = new Float64Array(2);
const HALF_PI = Math.PI / 2;
/** True for negative numbers and −0 (the sign bit), false for NaN. */
const signBit = (s: number): boolean => s < 0 || (s === 0 && 1 / s < 0);

/** a·b as p + e exactly (Dekker's product with Veltkamp's split; |a·b| well inside the range). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const ca = 134217729 * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = 134217729 * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/**
 * |1 + z|² − 1 = 2x + x² + y² with the products exact and the sum compensated: the digits survive
 * the cancellation near the circle |1 + z| = 1 (where x < 0 and y² ≈ −2x − x²).
 */
function abs1pSqM1(x: number, y: number): number {
  const [px, ex] = twoProd(x, x);
  const [py, ey] = twoProd(y, y);
  const s1 = 2 * x + px;
  const c1 = Math.abs(2 * x) >= px ? 2 * x - s1 + px : px - s1 + 2 * x;
  const s2 = s1 + py;
  const c2 = Math.abs(s1) >= py ? s1 - s2 + py : py - s2 + s1;
  return s2 + (c1 + c2 + ex + ey);
}

/**
 * log(1 + z): log|1 + z| + i·arg(1 + z). Where |1 + z| is within [½, 3/2] and z is not tiny,
 * log|1 + z| = ½ log1p(|1 + z|² − 1) with that difference formed without cancellation
 * (abs1pSqM1), so it keeps the digits of a small z (which forming 1 + x would drop) and those of
 * a z near the circle |1 + z| = 1; elsewhere log|1 + z| directly. arg(1 + z) by atan2 with the
 * sign of a zero y, so the cut on x < −1 follows it.
 */
export function clog1p(out: Out, k: number, x: number, y: number): void {
  const theta = Math.atan2(y, x + 1);
  const m = Math.max(Math.abs(x), Math.abs(y));
  if (m < 2 ** -500) {
    // x² and y² underflow: log(1 + z) = z to double precision.
    out[k] = x;
  } else if (m < 2.5 && Math.abs(Math.hypot(x + 1, y) - 1) <= 0.5) {
    out[k] = 0.5 * Math.log1p(abs1pSqM1(x, y));
  } else {
    out[k] = logAbs(x + 1, y);
  }
  out[k + 1] = theta;
}

/**
 * eᶻ − 1 = (expm1(x) cos y − 2 sin²(y/2)) + i eˣ sin y: both parts without the cancellation of
 * eᶻ − 1 near 0 (torch's formula). Where eˣ alone overflows (x > 709), or y is not finite, cexp
 * (which stays finite there and has C99's special values) minus 1.
 */
export function cexpm1(out: Out, k: number, x: number, y: number): void {
  if (y === 0) {
    out[k] = Math.expm1(x);
    out[k + 1] = y;
    return;
  }
  if (x > 709 || !Number.isFinite(y)) {
    cexp(T, 0, x, y);
    out[k] = T[0] - 1;
    out[k + 1] = T[1];
    return;
  }
  const s = Math.sin(0.5 * y);
  out[k] = Math.expm1(x) * Math.cos(y) - 2 * s * s;
  out[k + 1] = Math.exp(x) * Math.sin(y);
}

/** tan z = −i tanh(iz): tanh at (−y, x) = u + iv, then tan z = v − iu (ctanh never overflows). */
export function ctan(out: Out, k: number, x: number, y: number): void {
  ctanh(T, 0, -y, x);
  out[k] = T[1];
  out[k + 1] = -T[0];
}

/**
 * atanh w (C99 catanh), the cuts on the real axis beyond ±1 (the sign of a zero b picks the side:
 * atanh(2 ± 0i) has imaginary part ±π/2). atanh(−w) = −atanh(w) brings a ≥ 0, so that the real
 * part ¼ log1p(4a / ((1 − a)² + b²)) adds no cancellation; near w = 1 (|1 − w|² < ½) it is
 * ½ (log|1 + w| − log|1 − w|), as the quotient would underflow; the imaginary part is
 * ½ arg((1 − a)(1 + a) − b² + 2bi). For |w| > 2⁵⁰⁰ the squares would overflow: there atanh w =
 * 1/w ± iπ/2 to double precision (the next term is 1/(3w³)).
 */
export function catanh(out: Out, k: number, a: number, b: number): void {
  if (a < 0) {
    catanh(T, 0, -a, -b);
    out[k] = -T[0];
    out[k + 1] = -T[1];
    return;
  }
  if (Math.max(a, Math.abs(b)) > 2 ** 500) {
    cdiv(out, k, 1, 0, a, b);
    out[k + 1] = Number.isNaN(b) ? b : signBit(b) ? -HALF_PI : HALF_PI;
    return;
  }
  const d = (1 - a) * (1 - a) + b * b;
  out[k] = d < 0.5 ? 0.5 * (logAbs(1 + a, b) - logAbs(1 - a, b)) : 0.25 * Math.log1p((4 * a) / d);
  out[k + 1] = 0.5 * Math.atan2(2 * b, (1 - a) * (1 + a) - b * b);
}

/** atan z = −i atanh(iz) (C99 catan): atanh at (−y, x) = u + iv, then atan z = v − iu. */
export function catan(out: Out, k: number, x: number, y: number): void {
  catanh(T, 0, -y, x);
  const u = T[0];
  out[k] = T[1];
  out[k + 1] = -u;
}

/** 1/√z: the principal square root (csqrt), then Smith's reciprocal (1/0 = ∞ + NaN i, as torch). */
export function crsqrt(out: Out, k: number, x: number, y: number): void {
  csqrt(T, 0, x, y);
  cdiv(out, k, 1, 0, T[0], T[1]);
}

/**
 * σ(z) = 1/(1 + e⁻ᶻ) for x ≥ 0 and eᶻ/(1 + eᶻ) for x < 0: the exponential has modulus at most 1,
 * so nothing overflows for large |x| (σ → 1 or eᶻ). The poles at iπ(2j + 1) give large values.
 */
export function csigmoid(out: Out, k: number, x: number, y: number): void {
  if (x >= 0) {
    cexp(T, 0, -x, -y);
    cdiv(out, k, 1, 0, 1 + T[0], T[1]);
    return;
  }
  cexp(T, 0, x, y);
  const er = T[0];
  const ei = T[1];
  cdiv(out, k, er, ei, 1 + er, ei);
}

/** z·σ(z). */
export function csilu(out: Out, k: number, x: number, y: number): void {
  csigmoid(T, 0, x, y);
  const sr = T[0];
  const si = T[1];
  out[k] = x * sr - y * si;
  out[k + 1] = x * si + y * sr;
}
