/**
 * Op-table entries of the ops wired over ℂ (src/ops/elementwise.ts, reduce.ts, matmul.ts):
 * every elementwise op defined for complex, conj, abs, angle, where, eq, ne, pow with a number
 * exponent, sum and matmul, with
 * complex128 inputs on the cpu (gradcheck, gradgradcheck, forward mode, vmap where the op has a
 * rule) and complex64 on WebGPU (agreement with the cpu). A case draws real parts from the
 * sampler and imaginary parts over the same range (complexCase), so a sampler that keeps the
 * real parts positive or away from 0 keeps z off the branch cuts or away from z = 0.
 */
import fc from 'fast-check';
import {
  type AnyOpDef,
  COMPLEX_DTYPES,
  complexCase,
  entry,
  GRADIENT_CHECKS,
  grid,
  type OpEntry,
  type Sampler,
  samplesArb,
  samplesFromSeed,
  seedArb,
  shapeArb,
  signed,
  uniform,
} from '../gradcheck/index.js';
import { angle, conj, eq, matmul, ne, pow, sum, type Tensor, where } from '../src/index.js';
import { angleOp, binaryOps, conjOp, unaryOps, whereOp } from '../src/ops/elementwise.js';
import { bmmOp } from '../src/ops/matmul.js';
import { sumOp } from '../src/ops/reduce.js';

/** Real parts in (−1.5, 1.5). */
const wide = uniform(-1.5, 1.5);
/** Real parts positive: right of the branch cuts of log, sqrt and pow. */
const right = uniform(0.3, 1.5);
/** Real parts at least 0.3 from 0: away from z = 0, where abs, angle and sgn have kinks. */
const away = signed(0.3, 1.5);

/** complex128 cases of one shape, real parts from `samplers` (one per input). */
const complexArb = (samplers: Sampler[], minDims = 0) =>
  samplesArb(
    shapeArb({ minDims, maxDims: 2 }).map((s) => samplers.map(() => s)),
    samplers,
  ).map((inputs) => complexCase({ inputs, args: undefined })!);

function unary(name: string, op: AnyOpDef, f: (z: Tensor) => Tensor, s: Sampler): OpEntry {
  return entry({
    name: `${name} (complex)`,
    op,
    supportsForwardAd: true,
    dtypes: COMPLEX_DTYPES,
    fn: ([x]) => f(x!),
    arbitrary: complexArb([s]),
  });
}

function binary(
  name: string,
  op: AnyOpDef,
  f: (a: Tensor, b: Tensor) => Tensor,
  s: [Sampler, Sampler],
  minDims = 0,
): OpEntry {
  return entry({
    name: `${name} (complex)`,
    op,
    supportsForwardAd: true,
    dtypes: COMPLEX_DTYPES,
    fn: ([x, y]) => f(x!, y!),
    arbitrary: complexArb(s, minDims),
  });
}

/** eq / ne over ℂ (composites of the real ops): both parts on a grid exact in float32, so equal parts (and ties) occur on both devices. */
const exact = grid({ lo: -1, hi: 1, step: 0.5 });
const comparison = (name: 'eq' | 'ne', f: (a: Tensor, b: Tensor) => Tensor): OpEntry =>
  entry({
    name: `${name} (complex)`,
    // Over ℂ the real op on both parts: eq(Re) · eq(Im), and 1 − that for ne.
    composite: name === 'eq' ? [binaryOps.eq, binaryOps.mul] : [binaryOps.eq, binaryOps.mul, binaryOps.sub],
    supportsForwardAd: true,
    dtypes: COMPLEX_DTYPES,
    fn: ([x, y]) => f(x!, y!),
    arbitrary: complexArb([exact, exact]),
    skipped: [
      { check: [...GRADIENT_CHECKS, 'forwardAd'], reason: `${name} returns 0/1: it is not differentiable` },
    ],
  });

/**
 * z ** p for a number p (exp(p·log z) off the integers): integer exponents on any z away from 0,
 * fractional ones right of the branch cut on the negative reals.
 */
const powNumber = entry<{ exponent: number }>({
  name: 'pow (number exponent, complex)',
  op: binaryOps.pow,
  supportsForwardAd: true,
  dtypes: COMPLEX_DTYPES,
  fn: ([x], { exponent }) => pow(x!, exponent),
  arbitrary: fc
    .tuple(shapeArb({ maxDims: 2 }), fc.constantFrom(2, 3, -1, 0.5, -1.5, 0), seedArb)
    .map(([shape, exponent, seed]) => {
      const inputs = samplesFromSeed([shape], [Number.isInteger(exponent) ? away : right], seed);
      return complexCase({ inputs, args: { exponent } })!;
    }),
});

export const complexOpsEntries: OpEntry[] = [
  unary('neg', unaryOps.neg, (z) => z.neg(), wide),
  unary('conj', conjOp as AnyOpDef, (z) => conj(z), wide),
  unary('square', unaryOps.square, (z) => z.square(), wide),
  unary('reciprocal', unaryOps.reciprocal, (z) => z.reciprocal(), away),
  unary('sqrt', unaryOps.sqrt, (z) => z.sqrt(), right),
  unary('exp', unaryOps.exp, (z) => z.exp(), wide),
  unary('log', unaryOps.log, (z) => z.log(), right),
  unary('sin', unaryOps.sin, (z) => z.sin(), wide),
  unary('cos', unaryOps.cos, (z) => z.cos(), wide),
  unary('tanh', unaryOps.tanh, (z) => z.tanh(), uniform(-1, 1)),
  unary('sign', unaryOps.sign, (z) => z.sign(), away),
  unary('abs', unaryOps.abs, (z) => z.abs(), away),
  unary('angle', angleOp as AnyOpDef, (z) => angle(z), away),
  unary('sum', sumOp as AnyOpDef, (z) => sum(z, -1, true), wide),
  binary('add', binaryOps.add, (a, b) => a.add(b), [wide, wide]),
  binary('sub', binaryOps.sub, (a, b) => a.sub(b), [wide, wide]),
  binary('mul', binaryOps.mul, (a, b) => a.mul(b), [wide, wide]),
  binary('div', binaryOps.div, (a, b) => a.div(b), [wide, away]),
  binary('pow', binaryOps.pow, (a, b) => a.pow(b), [right, uniform(-1, 1)]),
  binary('where', whereOp as AnyOpDef, (a, b) => where(a.real().gt(b.real()), a, b), [wide, wide]),
  binary('matmul', bmmOp as AnyOpDef, (a, b) => matmul(a.unsqueeze(-1), b.unsqueeze(-2)), [wide, wide], 1),
  comparison('eq', eq),
  comparison('ne', ne),
  powNumber as OpEntry,
];
