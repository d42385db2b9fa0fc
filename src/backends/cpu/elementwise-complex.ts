import { numelOf } from '../../shape.js';
import type { CpuView, TypedArray } from '../backend.js';
import { cabs, cangle, ccos, cdiv, cexp, clog, cpow, csign, csin, csqrt, ctanh } from './complex-math.js';
import { forEachRow } from './elementwise.js';
import {
  COMPLEX_UNARY_MORE,
  catan,
  cexpm1,
  clog1p,
  crsqrt,
  csigmoid,
  csilu,
  ctan,
} from './elementwise-complex-more.js';

// The scalar functions stay importable from here.
export * from './complex-math.js';

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
 * The functions live in complex-math.ts (the elementary ones) and elementwise-complex-more.ts (the
 * special functions and activations).
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
  ...COMPLEX_UNARY_MORE,
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
  log1p: un(clog1p),
  expm1: un(cexpm1),
  tan: un(ctan),
  atan: un(catan),
  rsqrt: un(crsqrt),
  sigmoid: un(csigmoid),
  silu: un(csilu),
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
