import { noGrad } from '../autograd/grad-mode.js';
import type { BackwardFn } from '../autograd/node.js';
import type { StorageDType } from '../backends/backend.js';
import { elementwiseCpu } from '../backends/cpu/elementwise.js';
import { type ComplexOp, complexElementwiseCpu } from '../backends/cpu/elementwise-complex.js';
import { elementwiseGpu, WGSL_POW } from '../backends/webgpu/kernels/elementwise.js';
import { complexElementwiseGpu } from '../backends/webgpu/kernels/elementwise-complex.js';
import { floatDtypes, isComplex, isFloat, promoteTypes, realDtypeOf } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { fromHost, scalarLike, zerosLike } from './creation.js';
import { apply1, defineBuiltinOp, type JvpRule, type OpDef } from './registry.js';

/**
 * Backward formulas follow PyTorch's convention for complex inputs: for a holomorphic f the
 * gradient is g·conj(f′(z)), so each f′ below is conjugated (`conj()` is the identity for real
 * dtypes, so the real formulas are unchanged).
 *
 * The elementwise expression table: every entry is one op with its JS expression (CPU), its WGSL
 * expression (WebGPU) and its backward formula. Operands are named a, b, c; the kernels around the
 * expressions are generated in backends/cpu/elementwise.ts and backends/webgpu/kernels/elementwise.ts.
 * Comparisons (gt, lt, …) produce 0/1 in the promoted float dtype: there is no bool dtype yet.
 */
export interface Entry {
  js: string;
  wgsl: string;
  backward: BackwardFn<undefined> | 'not-differentiable';
  /** 'elementwise' (from the backward's g·f'), 'linear', or 'not-differentiable' for comparisons. */
  jvp: JvpRule<undefined>;
  /** WGSL helper functions the expression calls. */
  prelude?: string;
  /** JS helper function declarations the CPU expression calls. */
  jsPrelude?: string;
  /** Loop iterations the WGSL prelude's functions run per element (the WebGPU loop rule). */
  wgslLoops?: number;
  /** The op of the complex kernels (cpu/elementwise-complex.ts) when the op is defined over ℂ. */
  complex?: ComplexOp;
}

/** The dtypes of the ops defined over ℂ. */
const floatAndComplex = [...floatDtypes, 'complex64', 'complex128'] as const;

/** The imaginary unit as a 0-d tensor of `like`'s complex dtype and device. */
function iLike(like: Tensor): Tensor {
  const data = like.dtype === 'complex64' ? new Float32Array([0, 1]) : new Float64Array([0, 1]);
  return fromHost(data, [], like.device, false, like.dtype);
}

/** |z| with 1 where z = 0 (a denominator that is never 0; the callers mask z = 0 themselves). */
function safeAbs(z: Tensor): Tensor {
  const r = z.abs();
  return where(r.eq(0), 1, r);
}

/**
 * PyTorch's sgn_backward (also sgn's jvp, the map being self-adjoint): for s = z/|z|,
 * (g − s·Re(conj(s)·g)) / |z|, and 0 at z = 0.
 */
function sgnBackward(z: Tensor, g: Tensor, s: Tensor): Tensor {
  const r = z.abs();
  const v = g.sub(s.mul(s.conj().mul(g).real())).div(safeAbs(z));
  return where(r.eq(0), 0, v);
}

/** PyTorch's angle_backward for complex z: g·i·z/|z|² (g real), 0 at z = 0. */
function angleBackward(z: Tensor, g: Tensor): Tensor {
  const r = z.abs();
  const v = g.mul(z).mul(iLike(z)).div(safeAbs(z).square());
  return where(r.eq(0), 0, v);
}

const g0 = (gs: readonly (Tensor | null)[]) => gs[0]!;

const unaryTable = {
  neg: { complex: 'neg', js: '-a', wgsl: '-a', backward: (_c, gs) => [g0(gs).neg()], jvp: 'linear' },
  exp: {
    complex: 'exp',
    js: 'Math.exp(a)',
    wgsl: 'exp(a)',
    backward: (c, gs) => [g0(gs).mul(c.outputs[0].conj())],
    jvp: 'elementwise',
  },
  log: {
    complex: 'log',
    js: 'Math.log(a)',
    wgsl: 'log(a)',
    backward: (c, gs) => [g0(gs).div(c.inputs[0].conj())],
    jvp: 'elementwise',
  },
  sqrt: {
    complex: 'sqrt',
    js: 'Math.sqrt(a)',
    wgsl: 'sqrt(a)',
    backward: (c, gs) => [g0(gs).div(c.outputs[0].conj().mul(2))],
    jvp: 'elementwise',
  },
  abs: {
    js: 'Math.abs(a)',
    wgsl: 'abs(a)',
    complex: 'abs',
    // g·sgn(z) (PyTorch's abs_backward; g real, sgn(0) = 0).
    backward: (c, gs) => [g0(gs).mul(c.inputs[0].sign())],
    // Re(conj(sgn z)·t) over ℂ (∂|z|/∂z·t + ∂|z|/∂z̄·conj(t)); sign(x)·t for real x.
    jvp: (c, [t]) => {
      const x = c.inputs[0];
      if (!t) return [null];
      return [isComplex(x.dtype) ? t.mul(x.sign().conj()).real() : t.mul(x.sign())];
    },
  },
  square: {
    complex: 'square',
    js: 'a * a',
    wgsl: 'a * a',
    backward: (c, gs) => [g0(gs).mul(c.inputs[0].conj().mul(2))],
    jvp: 'elementwise',
  },
  sign: {
    js: 'Math.sign(a)',
    wgsl: 'sign(a)',
    complex: 'sign',
    // Piecewise constant over ℝ; over ℂ torch.sgn (z/|z|) with PyTorch's sgn_backward.
    backward: (c, gs) => {
      const z = c.inputs[0];
      return [isComplex(z.dtype) ? sgnBackward(z, g0(gs), c.outputs[0]) : zerosLike(z)];
    },
    jvp: (c, [t]) => {
      const z = c.inputs[0];
      if (!t) return [null];
      return [isComplex(z.dtype) ? sgnBackward(z, t, c.outputs[0]) : zerosLike(c.outputs[0])];
    },
  },
  tanh: {
    complex: 'tanh',
    js: 'Math.tanh(a)',
    wgsl: 'tanh(a)',
    backward: (c, gs) => [g0(gs).mul(scalarLike(c.outputs[0], 1).sub(c.outputs[0].square()).conj())],
    jvp: 'elementwise',
  },
  sin: {
    complex: 'sin',
    js: 'Math.sin(a)',
    wgsl: 'sin(a)',
    backward: (c, gs) => [g0(gs).mul(cos(c.inputs[0]).conj())],
    jvp: 'elementwise',
  },
  cos: {
    complex: 'cos',
    js: 'Math.cos(a)',
    wgsl: 'cos(a)',
    backward: (c, gs) => [g0(gs).mul(sin(c.inputs[0]).conj()).neg()],
    jvp: 'elementwise',
  },
  reciprocal: {
    complex: 'reciprocal',
    js: '1 / a',
    wgsl: '1.0 / a',
    backward: (c, gs) => [g0(gs).mul(c.outputs[0].square().conj()).neg()],
    jvp: 'elementwise',
  },
} satisfies Record<string, Entry>;

const binaryTable = {
  add: { complex: 'add', js: 'a + b', wgsl: 'a + b', backward: (_c, gs) => [g0(gs), g0(gs)], jvp: 'linear' },
  sub: {
    complex: 'sub',
    js: 'a - b',
    wgsl: 'a - b',
    backward: (_c, gs) => [g0(gs), g0(gs).neg()],
    jvp: 'linear',
  },
  mul: {
    complex: 'mul',
    js: 'a * b',
    wgsl: 'a * b',
    backward: (c, gs) => [
      c.needsInputGrad[0] ? g0(gs).mul(c.inputs[1].conj()) : null,
      c.needsInputGrad[1] ? g0(gs).mul(c.inputs[0].conj()) : null,
    ],
    jvp: 'elementwise',
  },
  div: {
    complex: 'div',
    js: 'a / b',
    wgsl: 'a / b',
    backward: (c, gs) => {
      const [a, b] = c.inputs;
      const ga = g0(gs).div(b.conj());
      return [ga, c.needsInputGrad[1] ? ga.mul(a.conj()).div(b.conj()).neg() : null];
    },
    jvp: 'elementwise',
  },
  pow: {
    complex: 'pow',
    js: 'Math.pow(a, b)',
    wgsl: 'powf(a, b)',
    prelude: WGSL_POW,
    backward: (c, gs) => {
      const [a, b] = c.inputs;
      const g = g0(gs);
      // d/da a^b = b a^(b-1) (0 where b == 0); d/db a^b = a^b log a (0 where a == 0 and b >= 0,
      // for complex b: b real and >= 0), as PyTorch's pow_backward_self/_exponent.
      const ga = c.needsInputGrad[0] ? where(eq(b, 0), 0, g.mul(b.mul(a.pow(b.sub(1))).conj())) : null;
      const bNonNeg: Tensor = isComplex(b.dtype) ? eq(b.imag(), 0).mul(ge(b.real(), 0)) : ge(b, 0);
      const gb = c.needsInputGrad[1]
        ? where(eq(a, 0).mul(bNonNeg), 0, g.mul(c.outputs[0].mul(a.log()).conj()))
        : null;
      return [ga, gb];
    },
    jvp: 'elementwise',
  },
  maximum: {
    js: 'Math.max(a, b)',
    wgsl: 'max(a, b)',
    // The gradient is split evenly between equal operands, as PyTorch does.
    backward: (c, gs) => extremumBackward(c.inputs[0], c.inputs[1], g0(gs), gt),
    jvp: 'elementwise',
  },
  minimum: {
    js: 'Math.min(a, b)',
    wgsl: 'min(a, b)',
    backward: (c, gs) => extremumBackward(c.inputs[0], c.inputs[1], g0(gs), lt),
    jvp: 'elementwise',
  },
  gt: {
    js: 'a > b ? 1 : 0',
    wgsl: 'select(0.0, 1.0, a > b)',
    backward: 'not-differentiable',
    jvp: 'not-differentiable',
  },
  lt: {
    js: 'a < b ? 1 : 0',
    wgsl: 'select(0.0, 1.0, a < b)',
    backward: 'not-differentiable',
    jvp: 'not-differentiable',
  },
  ge: {
    js: 'a >= b ? 1 : 0',
    wgsl: 'select(0.0, 1.0, a >= b)',
    backward: 'not-differentiable',
    jvp: 'not-differentiable',
  },
  le: {
    js: 'a <= b ? 1 : 0',
    wgsl: 'select(0.0, 1.0, a <= b)',
    backward: 'not-differentiable',
    jvp: 'not-differentiable',
  },
  eq: {
    js: 'a === b ? 1 : 0',
    wgsl: 'select(0.0, 1.0, a == b)',
    backward: 'not-differentiable',
    jvp: 'not-differentiable',
  },
  ne: {
    js: 'a !== b ? 1 : 0',
    wgsl: 'select(0.0, 1.0, a != b)',
    backward: 'not-differentiable',
    jvp: 'not-differentiable',
  },
} satisfies Record<string, Entry>;

function extremumBackward(a: Tensor, b: Tensor, g: Tensor, wins: (x: Tensor, y: Tensor) => Tensor): Tensor[] {
  const half = g.mul(0.5);
  const gEq = where(eq(a, b), half, 0);
  return [where(wins(a, b), g, gEq), where(wins(b, a), g, gEq)];
}

/** The promoted dtype of the operands, which must be floating point (int32 joins a float operand). */
function floatResult(op: string, dtypes: readonly StorageDType[], complexOk = false): StorageDType {
  let dt = dtypes[0];
  for (const d of dtypes.slice(1)) dt = promoteTypes(dt, d);
  if (complexOk && isComplex(dt)) {
    // The public functions cast a real operand to the complex dtype before the kernel.
    if (dtypes.some((d) => d !== dt)) {
      throw new TypeError(
        `${op}: expected operands of one complex dtype, got ${dtypes.join(', ')}; cast them first`,
      );
    }
    return dt;
  }
  if (!isFloat(dt)) throw new TypeError(`${op}: expected floating-point tensors, got ${dtypes.join(', ')}`);
  return dt;
}

/** The last operand decides the kernel: the public functions cast every operand to one dtype. */
const complexIn = (ins: readonly { dtype: StorageDType; complex?: boolean }[]) => {
  const v = ins[ins.length - 1];
  return v.complex === true || isComplex(v.dtype);
};

/**
 * Rank-0 cores: every dim is a batch dim, broadcast over the operands. The dtype rule promotes and
 * checks the result (dtypeCheck 'op': an int32 operand is fine beside a float one). An op defined
 * over ℂ (`complex`) dispatches complex operands to the complex kernels; abs is real-valued.
 */
function makeOp(name: string, e: Entry, arity: 1 | 2): OpDef<undefined> {
  const cop = e.complex;
  return defineBuiltinOp<undefined>({
    name,
    dtypes: cop ? floatAndComplex : floatDtypes,
    dtypeCheck: 'op',
    coreRanks: arity === 1 ? [0] : [0, 0],
    batch: 'broadcast',
    shape: () => [[]],
    outDtypes: (dts) => {
      const dt = floatResult(name, dts, cop !== undefined);
      return [cop === 'abs' ? realDtypeOf(dt) : dt];
    },
    cpu: (ins, [out]) =>
      cop && complexIn(ins)
        ? complexElementwiseCpu(cop, ins, out)
        : elementwiseCpu(e.js, ins, out, e.jsPrelude),
    webgpu: (gpu, ins, [out]) =>
      cop && complexIn(ins)
        ? complexElementwiseGpu(gpu, cop, ins, out)
        : elementwiseGpu(gpu, e.wgsl, ins, out, e.prelude, e.wgslLoops),
    backward: e.backward,
    jvp: e.jvp,
  });
}

/** One OpDef per table entry (the activation table in ./activations.ts uses it too). */
export const build = <T extends Record<string, Entry>>(table: T, arity: 1 | 2) =>
  Object.fromEntries(Object.entries(table).map(([k, e]) => [k, makeOp(k, e, arity)])) as {
    [K in keyof T]: OpDef<undefined>;
  };

export const unaryOps = build(unaryTable, 1);
export const binaryOps = build(binaryTable, 2);

/** where(cond, a, b): a where cond != 0, else b. No gradient flows to cond. */
export const whereOp = defineBuiltinOp<undefined>({
  name: 'where',
  dtypes: floatAndComplex,
  dtypeCheck: 'op', // a and b promote to a float or complex dtype; cond may have any real dtype
  coreRanks: [0, 0, 0],
  batch: 'broadcast',
  check: ([cond]) => {
    if (isComplex(cond.dtype)) {
      throw new TypeError(`where: expected a real condition (float32, float64 or int32), got ${cond.dtype}`);
    }
  },
  shape: () => [[]],
  outDtypes: ([, a, b]) => [floatResult('where', [a, b], true)],
  cpu: (ins, [out]) =>
    complexIn(ins) ? complexElementwiseCpu('where', ins, out) : elementwiseCpu('a !== 0 ? b : c', ins, out),
  webgpu: (gpu, ins, [out]) =>
    complexIn(ins)
      ? complexElementwiseGpu(gpu, 'where', ins, out)
      : elementwiseGpu(gpu, 'select(c, b, a != 0.0)', ins, out),
  backward: (c, gs) => {
    const cond = c.inputs[0];
    const g = g0(gs);
    return [
      null,
      c.needsInputGrad[1] ? where(cond, g, 0) : null,
      c.needsInputGrad[2] ? where(cond, 0, g) : null,
    ];
  },
  jvp: 'elementwise',
});

/** The complex conjugate over ℂ (its own kernel); ℝ-linear, so its backward and jvp conjugate too. */
export const conjOp: OpDef<undefined> = defineBuiltinOp<undefined>({
  name: 'conj',
  dtypes: ['complex64', 'complex128'],
  coreRanks: [0],
  shape: () => [[]],
  cpu: (ins, [out]) => complexElementwiseCpu('conj', ins, out),
  webgpu: (gpu, ins, [out]) => complexElementwiseGpu(gpu, 'conj', ins, out),
  backward: (_c, [g]) => [apply1(conjOp, [g!], undefined)],
  jvp: 'linear',
});

/** arg z of complex z (real result; torch.angle), with PyTorch's angle_backward. */
export const angleOp = defineBuiltinOp<undefined>({
  name: 'angle',
  dtypes: ['complex64', 'complex128'],
  coreRanks: [0],
  shape: () => [[]],
  outDtypes: ([dt]) => [realDtypeOf(dt)],
  cpu: (ins, [out]) => complexElementwiseCpu('angle', ins, out),
  webgpu: (gpu, ins, [out]) => complexElementwiseGpu(gpu, 'angle', ins, out),
  backward: (c, [g]) => [angleBackward(c.inputs[0], g!)],
  // ∂θ/∂z·t + ∂θ/∂z̄·conj(t) = Im(conj(z)·t)/|z|² = Re(conj(t)·i·z)/|z|², 0 at z = 0.
  jvp: (c, [t]) => [t ? angleBackward(c.inputs[0], t.conj()).real() : null],
});

export const complexElementwiseOps = { conj: conjOp, angle: angleOp };

type Operand = Tensor | number;
/** Turns a JS number into a 0-d tensor matching the other operand (numbers never promote, as in PyTorch). */
function pair(a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number')
    throw new TypeError('expected at least one tensor operand');
  const ta = typeof a === 'number' ? scalarLike(b as Tensor, a) : a;
  const tb = typeof b === 'number' ? scalarLike(ta, b) : b;
  return toComplex(ta, tb);
}
/** A real operand beside a complex one is cast to the promoted complex dtype (float64 + complex64 → complex128). */
function toComplex(a: Tensor, b: Tensor): [Tensor, Tensor] {
  if (a.dtype === b.dtype || !(isComplex(a.dtype) || isComplex(b.dtype))) return [a, b];
  const dt = promoteTypes(a.dtype, b.dtype);
  return [a.dtype === dt ? a : a.to(dt), b.dtype === dt ? b : b.to(dt)];
}
const bin = (op: OpDef<undefined>) => (a: Operand, b: Operand) => apply1(op, pair(a, b), undefined);
/**
 * eq / ne over ℂ: both parts equal (a real result of the parts' dtype, 0 or 1, as the real ops);
 * the real ops otherwise.
 */
const cmp =
  (op: OpDef<undefined>, negate: boolean) =>
  (a: Operand, b: Operand): Tensor => {
    const [ta, tb] = pair(a, b);
    if (!isComplex(ta.dtype)) return apply1(op, [ta, tb], undefined);
    const same: Tensor = noGrad(() => eqReal(ta.real(), tb.real()).mul(eqReal(ta.imag(), tb.imag())));
    return negate ? scalarLike(same, 1).sub(same) : same;
  };
const eqReal = (a: Tensor, b: Tensor): Tensor => apply1(binaryOps.eq, [a, b], undefined);
/** @internal The public function of a unary OpDef (the activations use it too). */
export const un = (op: OpDef<undefined>) => (a: Tensor) => apply1(op, [a], undefined);

/**
 * a + b, broadcasting; either may be a number.
 * @example
 * add(tensor([1, 2]), 10); // tensor([11., 12.])
 */
export const add = bin(binaryOps.add);
/**
 * a − b, broadcasting.
 * @example
 * sub(tensor([[1], [2]]), tensor([1, 2])); // shape [2, 2]
 */
export const sub = bin(binaryOps.sub);
/**
 * a · b elementwise, broadcasting.
 * @example
 * mul(tensor([1, 2]), tensor([3, 4])); // tensor([3., 8.])
 */
export const mul = bin(binaryOps.mul);
/**
 * a / b elementwise, broadcasting.
 * @example
 * div(tensor([1, 2]), 4); // tensor([0.2500, 0.5000])
 */
export const div = bin(binaryOps.div);
/**
 * a raised to b elementwise, broadcasting (differentiable in both).
 * @example
 * pow(tensor([2, 3]), 2); // tensor([4., 9.])
 */
export const pow = bin(binaryOps.pow);
/**
 * The larger of a and b elementwise (torch.maximum); the gradient goes to the larger, split at
 * ties.
 * @example
 * maximum(tensor([1, 5]), 3); // tensor([3., 5.])
 */
export const maximum = bin(binaryOps.maximum);
/**
 * The smaller of a and b elementwise (torch.minimum).
 * @example
 * minimum(tensor([1, 5]), 3); // tensor([1., 3.])
 */
export const minimum = bin(binaryOps.minimum);
/**
 * 1 where a > b, else 0 (same dtype; not differentiable).
 * @example
 * gt(tensor([1, 5]), 3); // tensor([0., 1.])
 */
export const gt = bin(binaryOps.gt);
/**
 * 1 where a < b, else 0.
 * @example
 * lt(tensor([1, 5]), 3); // tensor([1., 0.])
 */
export const lt = bin(binaryOps.lt);
/**
 * 1 where a ≥ b, else 0.
 * @example
 * ge(tensor([3, 5]), 3); // tensor([1., 1.])
 */
export const ge = bin(binaryOps.ge);
/**
 * 1 where a ≤ b, else 0.
 * @example
 * le(tensor([3, 5]), 3); // tensor([1., 0.])
 */
export const le = bin(binaryOps.le);
/**
 * 1 where a = b, else 0.
 * @example
 * eq(tensor([3, 5]), 3); // tensor([1., 0.])
 */
export const eq = cmp(binaryOps.eq, false);
/**
 * 1 where a ≠ b, else 0.
 * @example
 * ne(tensor([3, 5]), 3); // tensor([0., 1.])
 */
export const ne = cmp(binaryOps.ne, true);
/**
 * −x.
 * @example
 * neg(tensor([1, -2])); // tensor([-1.,  2.])
 */
export const neg = un(unaryOps.neg);
/**
 * eˣ elementwise.
 * @example
 * exp(tensor([0, 1])); // tensor([1.0000, 2.7183])
 */
export const exp = un(unaryOps.exp);
/**
 * Natural logarithm elementwise (NaN below 0, −inf at 0).
 * @example
 * log(tensor([1, Math.E])); // tensor([0., 1.])
 */
export const log = un(unaryOps.log);
/**
 * Square root elementwise.
 * @example
 * sqrt(tensor([4, 9])); // tensor([2., 3.])
 */
export const sqrt = un(unaryOps.sqrt);
/**
 * |x| elementwise (gradient sign(x), 0 at 0).
 * @example
 * abs(tensor([-1, 2])); // tensor([1., 2.])
 */
export const abs = un(unaryOps.abs);
/**
 * x² elementwise.
 * @example
 * square(tensor([-1, 3])); // tensor([1., 9.])
 */
export const square = un(unaryOps.square);
/**
 * −1, 0 or 1 elementwise (gradient 0).
 * @example
 * sign(tensor([-2, 0, 3])); // tensor([-1.,  0.,  1.])
 */
export const sign = un(unaryOps.sign);
/**
 * Hyperbolic tangent elementwise.
 * @example
 * tanh(tensor([0])); // tensor([0.])
 */
export const tanh = un(unaryOps.tanh);
/**
 * Sine elementwise.
 * @example
 * sin(tensor([0, Math.PI / 2])); // tensor([0., 1.])
 */
export const sin = un(unaryOps.sin);
/**
 * Cosine elementwise.
 * @example
 * cos(tensor([0])); // tensor([1.])
 */
export const cos = un(unaryOps.cos);
/**
 * 1 / x elementwise.
 * @example
 * reciprocal(tensor([2, 4])); // tensor([0.5000, 0.2500])
 */
export const reciprocal = un(unaryOps.reciprocal);

/**
 * cond ? a : b elementwise (nonzero cond picks a), broadcasting; a and b may be numbers.
 * Differentiable in a and b.
 * @example
 * where(tensor([1, 0]), tensor([1, 2]), -1); // tensor([ 1., -1.])
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const like = typeof a !== 'number' ? a : typeof b !== 'number' ? b : cond;
  const ta = typeof a === 'number' ? scalarLike(like, a) : a;
  const tb = typeof b === 'number' ? scalarLike(like, b) : b;
  return apply1(whereOp, [cond, ...toComplex(ta, tb)], undefined);
}

/** a + b without recording (gradient accumulation in the engine). */
export function noGradAdd(a: Tensor, b: Tensor): Tensor {
  return noGrad(() => add(a, b));
}
