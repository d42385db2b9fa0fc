/**
 * Op-table entries of the elementwise ops (tests/op-table.ts appends them): the unary and binary
 * expression-table ops, the comparisons, pow with a number exponent and where.
 */
import fc from 'fast-check';
import {
  binary,
  broadcastShapesArb,
  entry,
  FLOAT_DTYPES,
  GRADIENT_CHECKS,
  grid,
  oneOf,
  samplesArb,
  samplesFromSeed,
  seedArb,
  shapeArb,
  signed,
  unary,
  uniform,
} from '../gradcheck/index.js';
import {
  abs,
  add,
  cos,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
} from '../src/index.js';
import { binaryOps, unaryOps, whereOp } from '../src/ops/elementwise.js';

const wide = uniform(-1.5, 1.5);

// maximum/minimum: operands on grids offset by half a step, so they are never within 0.065 (no ties).
const gridA = grid({ lo: -1, hi: 1, step: 0.25, jitter: 0.03 });
const gridB = grid({ lo: -1, hi: 1, step: 0.25, offset: 0.125, jitter: 0.03 });
const positive = uniform(0.3, 2);

// Comparisons: operands on one grid exact in float32, so ties occur and agree on both devices.
const exact = grid({ lo: -1, hi: 1, step: 0.5 });
const NOT_DIFFERENTIABLE = (name: string) => `${name} returns 0/1: it is not differentiable`;
const comparisons = (
  [
    ['gt', gt],
    ['lt', lt],
    ['ge', ge],
    ['le', le],
    ['eq', eq],
    ['ne', ne],
  ] as const
).map(([name, call]) =>
  binary(name, call, [exact, exact], {
    op: binaryOps[name],
    supportsForwardAd: true,
    skipped: [{ check: [...GRADIENT_CHECKS, 'forwardAd'], reason: NOT_DIFFERENTIABLE(name) }],
  }),
);

export const elementwiseEntries = [
  unary('neg', neg, wide, { op: unaryOps.neg, supportsForwardAd: true }),
  unary('sqrt', sqrt, positive, { op: unaryOps.sqrt, supportsForwardAd: true }),
  unary('exp', exp, uniform(-2, 2), { op: unaryOps.exp, supportsForwardAd: true }),
  unary('log', log, positive, { op: unaryOps.log, supportsForwardAd: true }),
  unary('abs', abs, signed(0.1, 1.5), { op: unaryOps.abs, supportsForwardAd: true }),
  unary('square', square, wide, { op: unaryOps.square, supportsForwardAd: true }),
  unary('sign', sign, signed(0.1, 1.5), { op: unaryOps.sign, supportsForwardAd: true }),
  unary('tanh', tanh, uniform(-2, 2), { op: unaryOps.tanh, supportsForwardAd: true }),
  unary('sin', sin, uniform(-3, 3), {
    op: unaryOps.sin,
    supportsForwardAd: true,
    // WGSL guarantees sin/cos only to an absolute error of 2^-11 on [-π, π] (spec, "Floating Point Accuracy").
    webgpu: { tolerance: () => ({ atol: 2 ** -11, rtol: 0 }) },
  }),
  unary('cos', cos, uniform(-3, 3), {
    op: unaryOps.cos,
    supportsForwardAd: true,
    webgpu: { tolerance: () => ({ atol: 2 ** -11, rtol: 0 }) },
  }),
  unary('reciprocal', reciprocal, signed(0.3, 1.5), { op: unaryOps.reciprocal, supportsForwardAd: true }),
  binary('add', add, [wide, wide], { op: binaryOps.add, supportsForwardAd: true }),
  binary('sub', sub, [wide, wide], { op: binaryOps.sub, supportsForwardAd: true }),
  binary('mul', mul, [wide, wide], { op: binaryOps.mul, supportsForwardAd: true }),
  binary('div', div, [wide, signed(0.3, 1.5)], { op: binaryOps.div, supportsForwardAd: true }),
  binary('pow', pow, [positive, uniform(-2, 2)], { op: binaryOps.pow, supportsForwardAd: true }),
  binary('maximum', maximum, [gridA, gridB], { op: binaryOps.maximum, supportsForwardAd: true }),
  binary('minimum', minimum, [gridA, gridB], { op: binaryOps.minimum, supportsForwardAd: true }),
  ...comparisons,
  entry<{ exponent: number }>({
    name: 'pow (number exponent)',
    op: binaryOps.pow,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x], { exponent }) => pow(x, exponent),
    // Integer exponents on a base of either sign, fractional ones on a positive base.
    arbitrary: fc
      .tuple(shapeArb(), fc.constantFrom(2, 3, -1, 0.5, -1.5, 0), seedArb)
      .map(([shape, exponent, seed]) => ({
        inputs: samplesFromSeed([shape], [Number.isInteger(exponent) ? signed(0.3, 1.5) : positive], seed),
        args: { exponent },
      })),
  }),
  entry<undefined>({
    name: 'where',
    op: whereOp,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([c, a, b]) => where(c, a, b),
    arbitrary: samplesArb(broadcastShapesArb(3), [oneOf([0, 1]), wide, wide]).map((inputs) => ({
      inputs: [{ ...inputs[0], grad: false }, inputs[1], inputs[2]],
      args: undefined,
    })),
    samples: [
      { label: '0-d condition, [2] and 0-d values', cond: [[], [1]], values: [[2], []] },
      {
        label: '[2, 1] condition, [3] and 0-d values',
        cond: [
          [2, 1],
          [0, 1],
        ],
        values: [[3], []],
      },
    ].map(({ label, cond: [shape, data], values }) => ({
      label,
      inputs: [{ shape, data: Float64Array.from(data), grad: false }, ...samplesFromSeed(values, [wide], 7)],
      args: undefined,
    })),
    errors: [
      {
        desc: 'shapes that do not broadcast',
        call: (mk) => where(mk([2]), mk([3]), mk([3])),
        message: /where: shapes \[2\] and \[3\] cannot be broadcast together/,
        type: RangeError,
      },
    ],
  }),
];
