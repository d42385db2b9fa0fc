import { noGrad } from '../autograd/grad-mode.js';
import type { BackwardFn } from '../autograd/node.js';
import type { StorageDType } from '../backends/backend.js';
import { elementwiseCpu } from '../backends/cpu/elementwise.js';
import { elementwiseGpu, WGSL_POW } from '../backends/webgpu/kernels/elementwise.js';
import { floatDtypes, isFloat, promoteTypes } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { scalarLike, zerosLike } from './creation.js';
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
}

const g0 = (gs: readonly (Tensor | null)[]) => gs[0]!;

const unaryTable = {
  neg: { js: '-a', wgsl: '-a', backward: (_c, gs) => [g0(gs).neg()], jvp: 'linear' },
  exp: {
    js: 'Math.exp(a)',
    wgsl: 'exp(a)',
    backward: (c, gs) => [g0(gs).mul(c.outputs[0].conj())],
    jvp: 'elementwise',
  },
  log: {
    js: 'Math.log(a)',
    wgsl: 'log(a)',
    backward: (c, gs) => [g0(gs).div(c.inputs[0].conj())],
    jvp: 'elementwise',
  },
  sqrt: {
    js: 'Math.sqrt(a)',
    wgsl: 'sqrt(a)',
    backward: (c, gs) => [g0(gs).div(c.outputs[0].conj().mul(2))],
    jvp: 'elementwise',
  },
  abs: {
    js: 'Math.abs(a)',
    wgsl: 'abs(a)',
    backward: (c, gs) => [g0(gs).mul(c.inputs[0].sign())],
    jvp: 'elementwise',
  },
  square: {
    js: 'a * a',
    wgsl: 'a * a',
    backward: (c, gs) => [g0(gs).mul(c.inputs[0].conj().mul(2))],
    jvp: 'elementwise',
  },
  sign: {
    js: 'Math.sign(a)',
    wgsl: 'sign(a)',
    backward: (c) => [zerosLike(c.inputs[0])],
    jvp: 'elementwise',
  },
  tanh: {
    js: 'Math.tanh(a)',
    wgsl: 'tanh(a)',
    backward: (c, gs) => [g0(gs).mul(scalarLike(c.outputs[0], 1).sub(c.outputs[0].square()).conj())],
    jvp: 'elementwise',
  },
  sin: {
    js: 'Math.sin(a)',
    wgsl: 'sin(a)',
    backward: (c, gs) => [g0(gs).mul(cos(c.inputs[0]).conj())],
    jvp: 'elementwise',
  },
  cos: {
    js: 'Math.cos(a)',
    wgsl: 'cos(a)',
    backward: (c, gs) => [g0(gs).mul(sin(c.inputs[0]).conj()).neg()],
    jvp: 'elementwise',
  },
  reciprocal: {
    js: '1 / a',
    wgsl: '1.0 / a',
    backward: (c, gs) => [g0(gs).mul(c.outputs[0].square().conj()).neg()],
    jvp: 'elementwise',
  },
} satisfies Record<string, Entry>;

const binaryTable = {
  add: { js: 'a + b', wgsl: 'a + b', backward: (_c, gs) => [g0(gs), g0(gs)], jvp: 'linear' },
  sub: { js: 'a - b', wgsl: 'a - b', backward: (_c, gs) => [g0(gs), g0(gs).neg()], jvp: 'linear' },
  mul: {
    js: 'a * b',
    wgsl: 'a * b',
    backward: (c, gs) => [
      c.needsInputGrad[0] ? g0(gs).mul(c.inputs[1].conj()) : null,
      c.needsInputGrad[1] ? g0(gs).mul(c.inputs[0].conj()) : null,
    ],
    jvp: 'elementwise',
  },
  div: {
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
    js: 'Math.pow(a, b)',
    wgsl: 'powf(a, b)',
    prelude: WGSL_POW,
    backward: (c, gs) => {
      const [a, b] = c.inputs;
      const g = g0(gs);
      // d/da a^b = b a^(b-1) (0 where b == 0); d/db a^b = a^b log a (0 where a == 0 and b >= 0), as PyTorch.
      const ga = c.needsInputGrad[0] ? where(eq(b, 0), 0, g.mul(b.mul(a.pow(b.sub(1))).conj())) : null;
      const gb = c.needsInputGrad[1]
        ? where(eq(a, 0).mul(ge(b, 0)), 0, g.mul(c.outputs[0].mul(a.log()).conj()))
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
function floatResult(op: string, dtypes: readonly StorageDType[]): StorageDType {
  let dt = dtypes[0];
  for (const d of dtypes.slice(1)) dt = promoteTypes(dt, d);
  if (!isFloat(dt)) throw new TypeError(`${op}: expected floating-point tensors, got ${dtypes.join(', ')}`);
  return dt;
}

/**
 * Rank-0 cores: every dim is a batch dim, broadcast over the operands. The dtype rule promotes and
 * checks the result (dtypeCheck 'op': an int32 operand is fine beside a float one).
 */
function makeOp(name: string, e: Entry, arity: 1 | 2): OpDef<undefined> {
  return defineBuiltinOp<undefined>({
    name,
    dtypes: floatDtypes,
    dtypeCheck: 'op',
    coreRanks: arity === 1 ? [0] : [0, 0],
    batch: 'broadcast',
    shape: () => [[]],
    outDtypes: (dts) => [floatResult(name, dts)],
    cpu: (ins, [out]) => elementwiseCpu(e.js, ins, out, e.jsPrelude),
    webgpu: (gpu, ins, [out]) => elementwiseGpu(gpu, e.wgsl, ins, out, e.prelude, e.wgslLoops),
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
  dtypes: floatDtypes,
  dtypeCheck: 'op', // a and b promote to a float dtype; cond may have any dtype
  coreRanks: [0, 0, 0],
  batch: 'broadcast',
  shape: () => [[]],
  outDtypes: ([, a, b]) => [floatResult('where', [a, b])],
  cpu: (ins, [out]) => elementwiseCpu('a !== 0 ? b : c', ins, out),
  webgpu: (gpu, ins, [out]) => elementwiseGpu(gpu, 'select(c, b, a != 0.0)', ins, out),
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

type Operand = Tensor | number;
/** Turns a JS number into a 0-d tensor matching the other operand (numbers never promote, as in PyTorch). */
function pair(a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number')
    throw new TypeError('expected at least one tensor operand');
  const ta = typeof a === 'number' ? scalarLike(b as Tensor, a) : a;
  const tb = typeof b === 'number' ? scalarLike(ta, b) : b;
  return [ta, tb];
}
const bin = (op: OpDef<undefined>) => (a: Operand, b: Operand) => apply1(op, pair(a, b), undefined);
const un = (op: OpDef<undefined>) => (a: Tensor) => apply1(op, [a], undefined);

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
export const eq = bin(binaryOps.eq);
/**
 * 1 where a ≠ b, else 0.
 * @example
 * ne(tensor([3, 5]), 3); // tensor([0., 1.])
 */
export const ne = bin(binaryOps.ne);
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
  return apply1(whereOp, [cond, ta, tb], undefined);
}

/** a + b without recording (gradient accumulation in the engine). */
export function noGradAdd(a: Tensor, b: Tensor): Tensor {
  return noGrad(() => add(a, b));
}
