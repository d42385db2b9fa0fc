import type { TypedArray } from '../backend.js';

/**
 * The scalar functions over ℂ behind the CPU complex kernels (elementwise-complex.ts and
 * elementwise-complex-more.ts), in double precision: each complex-valued one writes (re, im) to
 * out[k], out[k + 1]; real-valued ones return a number. Principal branches and special values
 * follow C99 Annex G (what torch's CPU kernels get from the C library): e.g. sqrt(−4 − 0i) = −2i,
 * log(−1 ± 0i) = ±iπ, exp(−∞ + i∞) = 0.
 */
type Out = TypedArray;
const LN2 = Math.LN2;
/** 2¹⁰²⁰ and 2⁻¹⁰⁰⁰: beyond them sqrt and log scale their argument by a power of two. */
const BIG = 2 ** 1020;
const TINY = 2 ** -1000;

/** True for negative numbers and −0 (the sign bit), false for NaN. */
const signBit = (s: number): boolean => s < 0 || (s === 0 && 1 / s < 0);
const copySign = (m: number, s: number): number => (signBit(s) ? -Math.abs(m) : Math.abs(m));

/**
 * a / b by Smith's algorithm (as numpy and torch's c10::complex): the ratio of b's parts is at
 * most 1, so |b|² is never formed; a or b within a factor 2 of overflow are halved first, so the
 * sums do not overflow either. b = 0 gives a/0 per part (±∞ or NaN), as torch.
 */
export function cdiv(out: Out, k: number, ar: number, ai: number, br: number, bi: number): void {
  let s = 1;
  if (Math.max(Math.abs(ar), Math.abs(ai)) > 2 ** 1022) {
    ar *= 0.5;
    ai *= 0.5;
    s = 2;
  }
  if (Math.max(Math.abs(br), Math.abs(bi)) > 2 ** 1022) {
    br *= 0.5;
    bi *= 0.5;
    s *= 0.5;
  }
  const abr = Math.abs(br);
  const abi = Math.abs(bi);
  if (abr >= abi) {
    if (abr === 0) {
      out[k] = ar / abr;
      out[k + 1] = ai / abi;
      return;
    }
    const r = bi / br;
    const d = br + bi * r;
    out[k] = ((ar + ai * r) / d) * s;
    out[k + 1] = ((ai - ar * r) / d) * s;
  } else {
    const r = br / bi;
    const d = br * r + bi;
    out[k] = ((ar * r + ai) / d) * s;
    out[k + 1] = ((ai * r - ar) / d) * s;
  }
}

/** |z| without overflow or underflow (Math.hypot scales); ∞ if either part is infinite. */
export const cabs = (x: number, y: number): number => Math.hypot(x, y);

/** arg z = atan2(im, re) in [−π, π] (the sign of a zero imaginary part picks the side of the cut). */
export const cangle = (x: number, y: number): number => Math.atan2(y, x);

/**
 * log |z| without overflow and without cancellation near |z| = 1: for max(|x|, |y|) in [½, 3/2],
 * ½ log1p((m − 1)(m + 1) + n²) (m − 1 is exact there); huge |z| is scaled by ¼ first.
 */
export function logAbs(x: number, y: number): number {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const m = Math.max(ax, ay);
  const n = Math.min(ax, ay);
  if (m >= 0.5 && m <= 1.5) return 0.5 * Math.log1p((m - 1) * (m + 1) + n * n);
  if (m > BIG && m < Number.POSITIVE_INFINITY) return Math.log(Math.hypot(x * 0.25, y * 0.25)) + 2 * LN2;
  return Math.log(Math.hypot(x, y));
}

/** Principal log: log|z| + i·arg z (log 0 = −∞ + i·arg, log(−1 ± 0i) = ±iπ). */
export function clog(out: Out, k: number, x: number, y: number): void {
  out[k] = logAbs(x, y);
  out[k + 1] = Math.atan2(y, x);
}

/**
 * Principal square root (C99 csqrt): t = √((|x| + |z|)/2), then (t, y/2t) for x ≥ 0 and
 * (|y|/2t, ±t) for x < 0, so no part is a difference of nearly equal numbers; |z| by hypot, and
 * arguments near overflow or deep in the subnormals scaled by an even power of two.
 */
export function csqrt(out: Out, k: number, x: number, y: number): void {
  if (x === 0 && y === 0) {
    out[k] = 0;
    out[k + 1] = y;
    return;
  }
  if (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY) {
    out[k] = Number.POSITIVE_INFINITY;
    out[k + 1] = y;
    return;
  }
  if (Number.isNaN(x)) {
    out[k] = Number.NaN;
    out[k + 1] = Number.NaN;
    return;
  }
  if (x === Number.NEGATIVE_INFINITY) {
    out[k] = Number.isNaN(y) ? Number.NaN : 0;
    out[k + 1] = copySign(Number.POSITIVE_INFINITY, y);
    return;
  }
  if (x === Number.POSITIVE_INFINITY) {
    out[k] = x;
    out[k + 1] = Number.isNaN(y) ? y : copySign(0, y);
    return;
  }
  if (Number.isNaN(y)) {
    out[k] = Number.NaN;
    out[k + 1] = Number.NaN;
    return;
  }
  const m = Math.max(Math.abs(x), Math.abs(y));
  let s = 1;
  if (m > BIG) {
    x *= 0.25;
    y *= 0.25;
    s = 2;
  } else if (m < TINY) {
    x *= 2 ** 104;
    y *= 2 ** 104;
    s = 2 ** -52;
  }
  const t = Math.sqrt(0.5 * (Math.abs(x) + Math.hypot(x, y)));
  if (x >= 0) {
    out[k] = t * s;
    out[k + 1] = (y / (2 * t)) * s;
  } else {
    out[k] = (Math.abs(y) / (2 * t)) * s;
    out[k + 1] = copySign(t, y) * s;
  }
}

/**
 * e^z = eˣ(cos y + i sin y) (C99 cexp's special values); for x > 709 eˣ is applied as e^(x/2)
 * twice, so a finite result whose eˣ alone overflows stays finite.
 */
export function cexp(out: Out, k: number, x: number, y: number): void {
  if (y === 0) {
    out[k] = Math.exp(x);
    out[k + 1] = y;
    return;
  }
  if (!Number.isFinite(y)) {
    const inf = x === Number.POSITIVE_INFINITY;
    out[k] = x === Number.NEGATIVE_INFINITY ? 0 : inf ? x : Number.NaN;
    out[k + 1] = x === Number.NEGATIVE_INFINITY ? 0 : Number.NaN;
    return;
  }
  const c = Math.cos(y);
  const s = Math.sin(y);
  if (x > 709) {
    const e = Math.exp(0.5 * x);
    out[k] = c * e * e;
    out[k + 1] = s * e * e;
    return;
  }
  const e = Math.exp(x);
  out[k] = e * c;
  out[k + 1] = e * s;
}

/** sinh z = sinh x cos y + i cosh x sin y (C99 csinh's special values; large |x| as in cexp). */
export function csinh(out: Out, k: number, x: number, y: number): void {
  if (y === 0) {
    out[k] = Math.sinh(x);
    out[k + 1] = y;
    return;
  }
  if (!Number.isFinite(y)) {
    out[k] = x === 0 || !(Number.isFinite(x) || Number.isNaN(x)) ? x : Number.NaN;
    out[k + 1] = Number.NaN;
    return;
  }
  const c = Math.cos(y);
  const s = Math.sin(y);
  if (Math.abs(x) > 709) {
    const e = Math.exp(0.5 * Math.abs(x));
    const h = 0.5 * e;
    out[k] = Math.sign(x) * (h * c * e);
    out[k + 1] = h * s * e;
    return;
  }
  out[k] = Math.sinh(x) * c;
  out[k + 1] = Math.cosh(x) * s;
}

/** cosh z = cosh x cos y + i sinh x sin y (C99 ccosh's special values). */
export function ccosh(out: Out, k: number, x: number, y: number): void {
  if (y === 0) {
    out[k] = Math.cosh(x);
    out[k + 1] = Number.isNaN(x) ? y : Math.sign(x) * y;
    return;
  }
  if (!Number.isFinite(y)) {
    const infX = !(Number.isFinite(x) || Number.isNaN(x));
    out[k] = infX ? Number.POSITIVE_INFINITY : Number.NaN;
    out[k + 1] = x === 0 ? 0 : Number.NaN;
    return;
  }
  const c = Math.cos(y);
  const s = Math.sin(y);
  if (Math.abs(x) > 709) {
    const e = Math.exp(0.5 * Math.abs(x));
    const h = 0.5 * e;
    out[k] = h * c * e;
    out[k + 1] = Math.sign(x) * (h * s * e);
    return;
  }
  out[k] = Math.cosh(x) * c;
  out[k + 1] = Math.sinh(x) * s;
}

/** sin z = −i sinh(iz): sinh at (−y, x), then (re, im) = (v, −u) (negation and swap are exact). */
export function csin(out: Out, k: number, x: number, y: number): void {
  csinh(out, k, -y, x);
  const u = out[k];
  out[k] = out[k + 1];
  out[k + 1] = -u;
}

/** cos z = cosh(iz). */
export function ccos(out: Out, k: number, x: number, y: number): void {
  ccosh(out, k, -y, x);
}

/**
 * tanh z = (sinh x cosh x + i sin y cos y) / (sinh²x + cos²y): the denominator is a sum of
 * squares (no cancellation near the poles, unlike cosh 2x + cos 2y), and nothing overflows for
 * |x| ≤ 22; beyond, tanh x rounds to ±1 and the imaginary part is 4 sin y cos y e^(−2|x|).
 */
export function ctanh(out: Out, k: number, x: number, y: number): void {
  if (y === 0) {
    out[k] = Math.tanh(x);
    out[k + 1] = y;
    return;
  }
  const finiteY = Number.isFinite(y);
  if (Math.abs(x) > 22) {
    out[k] = Math.sign(x);
    if (finiteY) out[k + 1] = 4 * Math.sin(y) * Math.cos(y) * Math.exp(-2 * Math.abs(x));
    else out[k + 1] = Number.isFinite(x) ? Number.NaN : 0;
    if (!finiteY && Number.isFinite(x)) out[k] = Number.NaN;
    return;
  }
  const s = Math.sinh(x);
  const c = Math.cos(y);
  const d = s * s + c * c;
  out[k] = (s * Math.cosh(x)) / d;
  out[k + 1] = (Math.sin(y) * c) / d;
}

/** sgn z = z/|z| (torch.sgn), 0 at 0; |z| is rescaled when it alone overflows. */
export function csign(out: Out, k: number, x: number, y: number): void {
  if (x === 0 && y === 0) {
    out[k] = 0;
    out[k + 1] = 0;
    return;
  }
  let h = Math.hypot(x, y);
  if (h === Number.POSITIVE_INFINITY && Number.isFinite(x) && Number.isFinite(y)) {
    x *= 0.5;
    y *= 0.5;
    h = Math.hypot(x, y);
  }
  out[k] = x / h;
  out[k + 1] = y / h;
}

/**
 * z^w = exp(w·log z) on the principal branch; 0^w = 0 for Re w > 0 and 0⁰ = 1, as torch; other
 * powers of 0 follow from the formula (±∞ or NaN parts).
 */
export function cpow(out: Out, k: number, ar: number, ai: number, br: number, bi: number): void {
  if (ar === 0 && ai === 0) {
    if (br === 0 && bi === 0) {
      out[k] = 1;
      out[k + 1] = 0;
      return;
    }
    if (br > 0) {
      out[k] = 0;
      out[k + 1] = 0;
      return;
    }
  }
  const lr = logAbs(ar, ai);
  const li = Math.atan2(ai, ar);
  cexp(out, k, br * lr - bi * li, br * li + bi * lr);
}
