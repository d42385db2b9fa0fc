import { numelOf } from '../../shape.js';
import type { CpuView, TypedArray } from '../backend.js';
import { forEachRow } from './elementwise.js';

/**
 * CPU elementwise kernels over ℂ, the complex counterpart of elementwise.ts: the same operands
 * (up to three, broadcasting, shapes in elements), over interleaved (re, im) storage: a complex
 * view of n elements holds 2n numbers (Float64Array for complex128, Float32Array for complex64,
 * whose results are computed in double precision and rounded to float32 on store). Every input of
 * an op is complex except where's condition; abs and angle write real outputs (n numbers).
 *
 * Each op is one scalar function below, written once in TypeScript; the loops around it are
 * generated per op (elementwise.ts's scheme), so every call site sees one function and inlines it.
 * Functions with complex output write (re, im) to out[k], out[k + 1]; real ones return a number.
 * Principal branches and special values follow C99 Annex G (what torch's CPU kernels get from the
 * C library): e.g. sqrt(−4 − 0i) = −2i, log(−1 ± 0i) = ±iπ, exp(−∞ + i∞) = 0.
 */

/** Complex → complex ops of one operand. */
export const COMPLEX_UNARY = [
  'neg',
  'conj',
  'square',
  'reciprocal',
  'sqrt',
  'exp',
  'log',
  'sin',
  'cos',
  'tanh',
  'sign',
] as const;
/** Complex × complex → complex ops, broadcasting. */
export const COMPLEX_BINARY = ['add', 'sub', 'mul', 'div', 'pow'] as const;
/** Complex → real ops. */
export const COMPLEX_TO_REAL = ['abs', 'angle'] as const;
/** Every op of the complex elementwise kernels (where: a real or int32 condition, complex branches). */
export const COMPLEX_OPS = [...COMPLEX_UNARY, ...COMPLEX_BINARY, ...COMPLEX_TO_REAL, 'where'] as const;
export type ComplexUnaryOp = (typeof COMPLEX_UNARY)[number];
export type ComplexBinaryOp = (typeof COMPLEX_BINARY)[number];
export type ComplexOp = (typeof COMPLEX_OPS)[number];

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

// The table: complex-output functions take (out, k, parts...), real-output ones return a number.
type Fn = (...args: never[]) => unknown;
interface CpuOp {
  /** Per operand: complex ('c', two numbers) or real ('r', one). */
  readonly ins: readonly ('c' | 'r')[];
  readonly out: 'c' | 'r';
  readonly fn: Fn;
}

const un = (fn: (out: Out, k: number, x: number, y: number) => void): CpuOp => ({ ins: ['c'], out: 'c', fn });
const bin = (fn: (out: Out, k: number, ar: number, ai: number, br: number, bi: number) => void): CpuOp => ({
  ins: ['c', 'c'],
  out: 'c',
  fn,
});

const CPU_OPS: Readonly<Record<ComplexOp, CpuOp>> = {
  neg: un((o, k, x, y) => {
    o[k] = -x;
    o[k + 1] = -y;
  }),
  conj: un((o, k, x, y) => {
    o[k] = x;
    o[k + 1] = -y;
  }),
  square: un((o, k, x, y) => {
    o[k] = (x - y) * (x + y);
    o[k + 1] = 2 * x * y;
  }),
  reciprocal: un((o, k, x, y) => cdiv(o, k, 1, 0, x, y)),
  sqrt: un(csqrt),
  exp: un(cexp),
  log: un(clog),
  sin: un(csin),
  cos: un(ccos),
  tanh: un(ctanh),
  sign: un(csign),
  add: bin((o, k, ar, ai, br, bi) => {
    o[k] = ar + br;
    o[k + 1] = ai + bi;
  }),
  sub: bin((o, k, ar, ai, br, bi) => {
    o[k] = ar - br;
    o[k + 1] = ai - bi;
  }),
  mul: bin((o, k, ar, ai, br, bi) => {
    o[k] = ar * br - ai * bi;
    o[k + 1] = ar * bi + ai * br;
  }),
  div: bin(cdiv),
  pow: bin(cpow),
  abs: { ins: ['c'], out: 'r', fn: cabs },
  angle: { ins: ['c'], out: 'r', fn: cangle },
  where: {
    ins: ['r', 'c', 'c'],
    out: 'c',
    fn: (o: Out, k: number, c: number, ar: number, ai: number, br: number, bi: number) => {
      const t = c !== 0;
      o[k] = t ? ar : br;
      o[k + 1] = t ? ai : bi;
    },
  },
};

type Loop = (f: Fn, out: Out, ins: TypedArray[], offs: number[], strides: number[], n: number) => void;
const loops = new Map<string, Loop>();

/**
 * The loop of `op` over n elements: operand k starts at element offs[k] and steps strides[k]
 * (0 when broadcast), the output at offs[arity] with step 1. The op's name is in the source, so
 * each op compiles a loop (and a call site) of its own.
 */
function loopOf(op: ComplexOp): Loop {
  let f = loops.get(op);
  if (f) return f;
  const def = CPU_OPS[op];
  const decl = def.ins
    .map((_, k) => `const x${k} = ins[${k}]; let p${k} = offs[${k}]; const s${k} = strides[${k}];`)
    .join(' ');
  const args = def.ins.map((kind, k) =>
    kind === 'c' ? `x${k}[2 * p${k}], x${k}[2 * p${k} + 1]` : `x${k}[p${k}]`,
  );
  const steps = def.ins.map((_, k) => `p${k} += s${k};`).join(' ');
  const call = def.out === 'c' ? `f(out, 2 * o, ${args.join(', ')});` : `out[o] = f(${args.join(', ')});`;
  f = new Function(
    'f',
    'out',
    'ins',
    'offs',
    'strides',
    'n',
    `// complex ${op}\n${decl} let o = offs[${def.ins.length}];\nfor (let i = 0; i < n; i++, o++) { ${call} ${steps} }`,
  ) as Loop;
  loops.set(op, f);
  return f;
}

/**
 * Runs complex op `op` over broadcast operands on the CPU, as elementwiseCpu: `ins` and `out`
 * carry their shapes in elements; complex data is interleaved (2 numbers per element). Operands:
 * one for COMPLEX_UNARY and COMPLEX_TO_REAL, two for COMPLEX_BINARY, (cond, a, b) for where.
 */
export function complexElementwiseCpu(op: ComplexOp, ins: readonly CpuView[], out: CpuView): void {
  const def = CPU_OPS[op];
  if (ins.length !== def.ins.length) {
    throw new RangeError(`complex ${op}: expected ${def.ins.length} operands, got ${ins.length}`);
  }
  const n = numelOf(out.shape);
  const arity = ins.length;
  const loop = loopOf(op);
  const datas = ins.map((v) => v.data);
  if (ins.every((v) => numelOf(v.shape) === n)) {
    loop(def.fn, out.data, datas, new Array<number>(arity + 1).fill(0), new Array<number>(arity).fill(1), n);
    return;
  }
  forEachRow(ins, out.shape, (offs, innerStrides, inner) =>
    loop(def.fn, out.data, datas, offs, innerStrides, inner),
  );
}
