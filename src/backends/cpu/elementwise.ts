import { broadcastStrides } from '../../shape.js';
import type { CpuView, TypedArray } from '../backend.js';

/**
 * CPU loops for elementwise ops with up to three broadcasting operands named a, b, c. Each op is
 * one JS expression; the loops around it are generated here once per expression and cached.
 */

const NAMES = ['a', 'b', 'c'] as const;
type Loop = (out: TypedArray, ins: TypedArray[], n: number) => void;
const cpuLoops = new Map<string, Loop>();

/**
 * The loop over operands of the output's length, or of one element (`single[k]`: a broadcast
 * scalar, read once before the loop).
 */
function sameShapeLoop(expr: string, arity: number, prelude: string, single: readonly boolean[]): Loop {
  const key = `same:${arity}:${single.map(Number).join('')}:${expr}:${prelude}`;
  let f = cpuLoops.get(key);
  if (!f) {
    const hoisted = NAMES.slice(0, arity)
      .map((v, k) => (single[k] ? `const ${v} = x${k}[0];` : ''))
      .join(' ');
    const loads = NAMES.slice(0, arity)
      .map((v, k) => (single[k] ? '' : `const ${v} = x${k}[i];`))
      .join(' ');
    const decl = NAMES.slice(0, arity)
      .map((_, k) => `const x${k} = ins[${k}];`)
      .join(' ');
    f = new Function(
      'out',
      'ins',
      'n',
      `${prelude}\n${decl} ${hoisted} for (let i = 0; i < n; i++) { ${loads} out[i] = ${expr}; }`,
    ) as Loop;
    cpuLoops.set(key, f);
  }
  return f;
}

type StridedLoop = (out: TypedArray, ins: TypedArray[], offs: number[], strides: number[], n: number) => void;
const stridedLoops = new Map<string, StridedLoop>();

/** Inner loop over the last dim with per-operand strides (0 for a broadcast operand). */
function stridedLoop(expr: string, arity: number, prelude: string): StridedLoop {
  const key = `strided:${arity}:${expr}:${prelude}`;
  let f = stridedLoops.get(key);
  if (!f) {
    const vs = NAMES.slice(0, arity);
    const decl = vs
      .map((_, k) => `const x${k} = ins[${k}]; let p${k} = offs[${k}]; const s${k} = strides[${k}];`)
      .join(' ');
    const loads = vs.map((v, k) => `const ${v} = x${k}[p${k}]; p${k} += s${k};`).join(' ');
    f = new Function(
      'out',
      'ins',
      'offs',
      'strides',
      'n',
      `${prelude}\n${decl} let o = offs[${arity}]; for (let i = 0; i < n; i++) { ${loads} out[o++] = ${expr}; }`,
    ) as StridedLoop;
    stridedLoops.set(key, f);
  }
  return f;
}

/**
 * Runs `expr` over broadcast operands on the CPU. `prelude` holds JS function declarations the
 * expression calls (they are placed in the generated loop's body).
 */
export function elementwiseCpu(expr: string, ins: readonly CpuView[], out: CpuView, prelude = ''): void {
  const n = out.data.length;
  const arity = ins.length;
  // Operands of the output's length are laid out as the output (broadcasting only prepends or
  // stretches size-1 dims, so equal lengths mean equal shapes up to 1s); one-element operands
  // are the same value everywhere.
  if (ins.every((v) => v.data.length === n || v.data.length === 1)) {
    const single = ins.map((v) => v.data.length !== n);
    sameShapeLoop(
      expr,
      arity,
      prelude,
      single,
    )(
      out.data,
      ins.map((v) => v.data),
      n,
    );
    return;
  }
  const loop = stridedLoop(expr, arity, prelude);
  const datas = ins.map((v) => v.data);
  forEachRow(ins, out.shape, (offs, innerStrides, inner) => loop(out.data, datas, offs, innerStrides, inner));
}

/**
 * @internal Walks the rows (runs of the last dim) of a broadcast elementwise op with output shape
 * `shape`: for each, `row(offs, innerStrides, inner)` gets the element offset of every operand
 * (offs[k], broadcast strides of `ins[k]`; offs[ins.length] is the output's), the operands' strides
 * along the last dim and its length. The real and the complex CPU loops share it.
 */
export function forEachRow(
  ins: readonly { readonly shape: readonly number[] }[],
  shape: readonly number[],
  row: (offs: number[], innerStrides: number[], inner: number) => void,
): void {
  const arity = ins.length;
  const nd = shape.length;
  const inner = shape[nd - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const st = ins.map((v) => broadcastStrides(v.shape, shape));
  const offs = new Array<number>(arity + 1).fill(0);
  const innerStrides = st.map((s) => s[nd - 1]);
  const idx = new Array<number>(nd).fill(0);
  for (let o = 0; o < n; o += inner) {
    offs[arity] = o;
    for (let k = 0; k < arity; k++) {
      let p = 0;
      for (let d = 0; d < nd - 1; d++) p += idx[d] * st[k][d];
      offs[k] = p;
    }
    row(offs, innerStrides, inner);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/**
 * erf in float64. |x| < 2: erf x = 2/√π e^(−x²) Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), a series of positive
 * terms (no cancellation); 2 ≤ |x| < 6: 1 − erfc x with erfc's continued fraction
 * e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))) (Lentz); |x| ≥ 6: ±1 (erfc 6 < 2⁻⁵⁵). e^(−x²)
 * splits x² into an exact head and a tail. Measured against CPython's math.erf on a grid of 1,400
 * points in [−7, 7]: at most 5 ulp (tests/erf.test.ts checks known values).
 */
export const JS_ERF = `function erf(x) {
  const ax = Math.abs(x);
  if (!(ax < 6)) return ax === ax ? Math.sign(x) : x;
  const hi = Math.fround(ax);
  const lo = ax - hi;
  const ex = Math.exp(-hi * hi) * Math.exp(-(2 * hi * lo + lo * lo));
  if (ax < 2) {
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let k = 1; term > sum * 1e-17; k++) {
      term *= (2 * x2) / (2 * k + 1);
      sum += term;
    }
    return Math.sign(x) * 1.1283791670955126 * ex * sum;
  }
  let f = ax;
  let c = ax;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = 1 / (ax + 0.5 * k * d);
    c = ax + (0.5 * k) / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-17) break;
  }
  return Math.sign(x) * (1 - ex / (1.7724538509055159 * f));
}`;

/** The logistic function without overflow: e^(−|x|) never overflows, and the branch keeps precision. */
export const JS_SIGMOID = `function sigmoid(x) {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}`;

/** Round half to even (as PyTorch and WGSL's round), where Math.round rounds half up. */
export const JS_ROUND = `function roundEven(x) {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}`;
