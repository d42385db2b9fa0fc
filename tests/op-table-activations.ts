/**
 * Op-table entries of the activations and special functions (tests/op-table.ts appends them):
 * the expression-table ops of src/ops/activations.ts and the composites softplus, gelu and clamp.
 */
import fc from 'fast-check';
import {
  binary,
  broadcastShapesArb,
  entry,
  FLOAT_DTYPES,
  floatOnly,
  grid,
  samplesArb,
  samplesFromSeed,
  seedArb,
  shapeArb,
  signed,
  unary,
  uniform,
} from '../gradcheck/index.js';
import {
  atan,
  atan2,
  ceil,
  clamp,
  erf,
  expm1,
  floor,
  gelu,
  log1p,
  relu,
  round,
  rsqrt,
  sigmoid,
  silu,
  softplus,
  tan,
} from '../src/index.js';
import { activationBinaryOps as bin, activationUnaryOps as un } from '../src/ops/activations.js';
import { binaryOps, unaryOps, whereOp } from '../src/ops/elementwise.js';

// WGSL's atan and atan2 are accurate to 4096 ulp (spec, "Floating Point Accuracy"): 2⁻¹¹ relative.
const atanTolerance = { webgpu: { tolerance: () => ({ atol: 2 ** -20, rtol: 2 ** -11 }) } };
// WGSL's tan inherits sin/cos's 2⁻¹¹ absolute error; on [−1, 1] (cos ≥ 0.54, |tan| ≤ 1.56) that
// bounds tan's error by 2⁻¹¹ (1/cos + |tan|/cos) < 2⁻⁸.
const tanTolerance = { webgpu: { tolerance: () => ({ atol: 2 ** -8, rtol: 0 }) } };

const piecewise = uniform(-3, 3);

type SoftplusArgs = { beta: number; threshold: number };
type GeluArgs = { approximate: 'none' | 'tanh' };
type ClampArgs = { min: number | null; max: number | null };

// clamp: x on a grid offset by half a step from the bounds' grid, so x never ties a bound.
const xOffGrid = grid({ lo: -1, hi: 1, step: 0.25, offset: 0.125, jitter: 0.03 });
const lowBound = grid({ lo: -1, hi: -0.25, step: 0.25, jitter: 0.03 });
const highBound = grid({ lo: 0.25, hi: 1, step: 0.25, jitter: 0.03 });

export const activationEntries = [
  unary('relu', relu, signed(0.1, 1.5), { op: un.relu, supportsForwardAd: true }),
  unary('sigmoid', sigmoid, uniform(-3, 3), { op: un.sigmoid, supportsForwardAd: true }),
  unary('silu', silu, uniform(-3, 3), { op: un.silu, supportsForwardAd: true }),
  unary('log1p', log1p, uniform(-0.6, 2), { op: un.log1p, supportsForwardAd: true }),
  unary('expm1', expm1, uniform(-2, 2), { op: un.expm1, supportsForwardAd: true }),
  unary('tan', tan, uniform(-1, 1), { op: un.tan, supportsForwardAd: true, ...tanTolerance }),
  unary('atan', atan, uniform(-2, 2), { op: un.atan, supportsForwardAd: true, ...atanTolerance }),
  unary('erf', erf, uniform(-3, 3), { op: un.erf, supportsForwardAd: true }),
  unary('rsqrt', rsqrt, uniform(0.3, 2), { op: un.rsqrt, supportsForwardAd: true }),
  unary('floor', floor, piecewise, { op: un.floor, supportsForwardAd: true }),
  unary('ceil', ceil, piecewise, { op: un.ceil, supportsForwardAd: true }),
  unary('round', round, piecewise, { op: un.round, supportsForwardAd: true }),
  binary('atan2', atan2, [signed(0.3, 1.5), signed(0.3, 1.5)], {
    op: bin.atan2,
    supportsForwardAd: true,
    ...atanTolerance,
  }),
  entry<SoftplusArgs>({
    name: 'softplus',
    composite: [
      binaryOps.maximum,
      binaryOps.minimum,
      unaryOps.neg,
      unaryOps.exp,
      un.log1p,
      binaryOps.add,
      binaryOps.gt,
      whereOp,
      binaryOps.mul,
      binaryOps.div,
    ],
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x], { beta, threshold }) => softplus(x, beta, threshold),
    // Both branches: βx > threshold happens for threshold 1 and β = 0.5 (x > 2).
    arbitrary: fc
      .tuple(
        shapeArb(),
        fc.constantFrom<SoftplusArgs>(
          { beta: 1, threshold: 20 },
          { beta: 2, threshold: 20 },
          { beta: 0.5, threshold: 1 },
        ),
        seedArb,
      )
      .map(([shape, args, seed]) => ({ inputs: samplesFromSeed([shape], [uniform(-4, 4)], seed), args })),
    samples: [
      { label: 'large |x| (no overflow)', data: [-800, -30, 0.5, 30, 800], args: { beta: 1, threshold: 20 } },
      { label: 'beta 0.5, threshold 1', data: [-3, -1, 1, 3], args: { beta: 0.5, threshold: 1 } },
    ].map(({ label, data, args }) => ({
      label,
      inputs: [{ shape: [data.length], data: Float64Array.from(data) }],
      args,
    })),
    errors: [floatOnly('softplus', (mk) => softplus(mk([2], 'int32')))],
  }),
  entry<GeluArgs>({
    name: 'gelu',
    composite: [binaryOps.mul, binaryOps.add, un.erf, unaryOps.tanh],
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x], { approximate }) => gelu(x, approximate),
    arbitrary: fc
      .tuple(shapeArb(), fc.constantFrom<GeluArgs>({ approximate: 'none' }, { approximate: 'tanh' }), seedArb)
      .map(([shape, args, seed]) => ({ inputs: samplesFromSeed([shape], [uniform(-3, 3)], seed), args })),
    samples: (['none', 'tanh'] as const).map((approximate) => ({
      label: `approximate '${approximate}'`,
      inputs: samplesFromSeed([[2, 3]], [uniform(-3, 3)], 3),
      args: { approximate },
    })),
    errors: [
      floatOnly('gelu', (mk) => gelu(mk([2], 'int32'))),
      {
        desc: 'an unknown approximate',
        call: (mk) => gelu(mk([2]), 'exact' as 'none'),
        message: /gelu: approximate argument must be either none or tanh, got 'exact'/,
        type: RangeError,
      },
    ],
  }),
  entry<ClampArgs>({
    name: 'clamp (number bounds)',
    composite: [binaryOps.lt, binaryOps.gt, whereOp],
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x], { min, max }) => clamp(x, min, max),
    arbitrary: fc
      .tuple(
        shapeArb(),
        fc.constantFrom<ClampArgs>(
          { min: -0.5, max: 0.5 },
          { min: -0.5, max: null },
          { min: null, max: 0.5 },
        ),
        seedArb,
      )
      .map(([shape, args, seed]) => ({ inputs: samplesFromSeed([shape], [xOffGrid], seed), args })),
    samples: [
      { label: 'min > max gives max', data: [-1.125, 0.125, 1.125], args: { min: 0.5, max: -0.5 } },
    ].map(({ label, data, args }) => ({
      label,
      inputs: [{ shape: [3], data: Float64Array.from(data) }],
      args,
    })),
    errors: [
      {
        desc: 'neither bound',
        call: (mk) => clamp(mk([2])),
        message: /clamp: At least one of 'min' or 'max' must not be None/,
        type: TypeError,
      },
      floatOnly('clamp', (mk) => clamp(mk([2], 'int32'), 0, 1)),
    ],
  }),
  entry<undefined>({
    name: 'clamp (tensor bounds)',
    composite: [binaryOps.lt, binaryOps.gt, whereOp],
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x, lo, hi]) => clamp(x, lo, hi),
    arbitrary: samplesArb(broadcastShapesArb(3), [xOffGrid, lowBound, highBound]).map((inputs) => ({
      inputs,
      args: undefined,
    })),
    errors: [
      {
        desc: 'bounds that do not broadcast',
        call: (mk) => clamp(mk([2]), mk([3]), null),
        message: /lt: shapes \[2\] and \[3\] cannot be broadcast together/,
        type: RangeError,
      },
    ],
  }),
];
