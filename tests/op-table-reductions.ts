/**
 * Op-table entries of the reductions of src/ops/reductions.ts (tests/op-table.ts appends them):
 * amax/amin, max/min with indices, argmax/argmin, logsumexp, softmax, logSoftmax, var, std,
 * cumsum, prod, cumprod and the vector norm. All are composites over the last-dim extremum op, sums,
 * and elementwise and shape ops, so each entry names the OpDefs its cases run.
 */
import fc from 'fast-check';
import {
  casesOf,
  dimIn,
  dimsArb,
  entry,
  FLOAT_DTYPES,
  fixed,
  floatOnly,
  GRADIENT_CHECKS,
  type OpEntry,
  shapeArb,
  signed,
  uniform,
} from '../gradcheck/index.js';
import {
  amax,
  amin,
  argmax,
  argmin,
  cumprod,
  cumsum,
  logSoftmax,
  logsumexp,
  max,
  min,
  norm,
  prod,
  softmax,
  std,
  type Tensor,
  var as variance,
} from '../src/index.js';
import { binaryOps, unaryOps, whereOp } from '../src/ops/elementwise.js';
import { extremumOp } from '../src/ops/linalg/norms.js';
import { castOp } from '../src/ops/misc.js';
import { sumOp } from '../src/ops/reduce.js';
import { catOp, narrowOp } from '../src/ops/shape.js';

// Continuous values: ties (where the extremum's gradient jumps) have probability zero.
const wide = uniform(-1.5, 1.5);

const dimErr = (op: string, lo: number, hi: number, got: number) =>
  new RegExp(
    `^${op}: dimension out of range \\(expected to be in range of \\[${lo}, ${hi}\\], but got ${got}\\)$`,
  );

const outOfRange = (name: string, call: (x: Tensor, dim: number) => unknown) => ({
  desc: 'dim out of range',
  call: (mk: (s: number[]) => Tensor) => call(mk([2, 3]), 2),
  message: dimErr(name, -2, 1, 2),
  type: RangeError,
});

type DimsArgs = { dim?: number | number[]; keepdim: boolean };
type DimArgs = { dim: number; keepdim: boolean };

/** Reductions over a dim, a list of dims or all of them (non-empty reductions unless `empty`). */
function overDims(
  name: string,
  call: (x: Tensor, dim: DimsArgs['dim'], keepdim: boolean) => Tensor,
  composite: OpEntry['composite'],
  o: {
    op?: string;
    empty?: boolean;
    sampler?: ReturnType<typeof uniform>;
    minSize?: number;
    minDims?: number;
  } = {},
) {
  const sampler = o.sampler ?? wide;
  return entry<DimsArgs>({
    name,
    composite,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x], { dim, keepdim }) => call(x, dim, keepdim),
    arbitrary: casesOf(
      shapeArb({ maxDims: 3, minSize: o.minSize ?? (o.empty ? 0 : 1), minDims: o.minDims ?? 0 }).chain(
        (shape) =>
          fc.record({
            shapes: fc.constant([shape]),
            args: fc.record({ dim: dimsArb(shape.length), keepdim: fc.boolean() }),
          }),
      ),
      [sampler],
    ),
    samples: [
      ...(o.minDims ? [] : [fixed('0-d, all dims', [[]], [sampler], { keepdim: false })]),
      fixed('[2, 3], dim -1, keepdim', [[2, 3]], [sampler], { dim: -1, keepdim: true }),
      fixed('[2, 3, 2], dims [2, 0]', [[2, 3, 2]], [sampler], { dim: [2, 0], keepdim: false }),
      ...(o.empty ? [fixed('empty [0, 3], dim 1', [[0, 3]], [sampler], { dim: 1, keepdim: false })] : []),
    ],
    errors: [
      outOfRange(o.op ?? name, (x, d) => call(x, d, false)),
      {
        desc: 'repeated dim',
        call: (mk) => call(mk([2, 3]), [1, -1], false),
        message: new RegExp(`^${o.op ?? name}: dim \\[1,-1\\] appears multiple times in the list of dims$`),
        type: RangeError,
      },
      floatOnly(o.op ?? name, (mk) => call(mk([2], 'int32'), undefined, false)),
    ],
  });
}

const emptyReduction = (name: string, call: (x: Tensor) => unknown) => ({
  desc: 'empty reduced dim',
  call: (mk: (s: number[]) => Tensor) => call(mk([0, 3])),
  message: new RegExp(
    `^${name}: Expected reduction dim 0 to have non-zero size \\(input of shape \\[0, 3\\]\\)$`,
  ),
  type: RangeError,
});

/** Reductions along one dim (softmax, cumsum, max with indices, argmax). */
function alongDim<R>(
  name: string,
  call: (x: Tensor, dim: number, keepdim: boolean) => R,
  composite: OpEntry['composite'],
  o: { minSize?: number; extraErrors?: OpEntry['errors'] } = {},
) {
  return entry<DimArgs>({
    name,
    composite,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x], { dim, keepdim }) => call(x, dim, keepdim) as never,
    arbitrary: casesOf(
      shapeArb({ minDims: 1, maxDims: 3, minSize: o.minSize ?? 1 }).chain((shape) =>
        fc.record({
          shapes: fc.constant([shape]),
          args: fc.record({ dim: dimIn(shape.length), keepdim: fc.boolean() }),
        }),
      ),
      [wide],
    ),
    samples: [
      fixed('0-d, dim 0', [[]], [wide], { dim: 0, keepdim: false }),
      fixed('0-d, dim -1, keepdim', [[]], [wide], { dim: -1, keepdim: true }),
      fixed('[2, 3, 4], dim 1', [[2, 3, 4]], [wide], { dim: 1, keepdim: false }),
    ],
    errors: [
      outOfRange(name, (x, d) => call(x, d, false)),
      floatOnly(name, (mk) => call(mk([2], 'int32'), 0, false)),
      ...(o.extraErrors ?? []),
    ],
  });
}

const NO_GRAD = (name: string) => `${name} returns int32 indices: it has no gradient`;

export const reductionEntries: OpEntry[] = [
  overDims('amax', amax, [extremumOp], {}),
  overDims('amin', amin, [extremumOp], {}),
  overDims('logsumexp', logsumexp, [extremumOp, sumOp, unaryOps.exp, unaryOps.log, whereOp], { empty: true }),
  overDims('var', (x, d, k) => variance(x, d, { keepdim: k }), [sumOp, binaryOps.sub, unaryOps.square], {
    minSize: 2,
    minDims: 1,
  }),
  overDims('std', (x, d, k) => std(x, d, { correction: 0, keepdim: k }), [sumOp, unaryOps.sqrt], {
    minSize: 2,
    minDims: 1,
  }),
  ...([1, 2, 3, 0.5, Infinity, -Infinity] as const).map((p) =>
    overDims(
      `norm(p=${p})`,
      (x, d, k) => norm(x, p, d, k),
      p === Infinity || p === -Infinity ? [extremumOp] : [sumOp],
      {
        op: 'norm',
        sampler: signed(0.2, 1.5),
      },
    ),
  ),
  alongDim('softmax', (x, d) => softmax(x, d), [extremumOp, unaryOps.exp, sumOp, binaryOps.div]),
  alongDim('logSoftmax', (x, d) => logSoftmax(x, d), [extremumOp, unaryOps.exp, sumOp, unaryOps.log]),
  alongDim('cumsum', (x, d) => cumsum(x, d), [binaryOps.add, narrowOp, catOp], { minSize: 0 }),
  // prod and cumprod: trees of elementwise products (zeros included, see tests/reductions.test.ts).
  overDims('prod', prod, [binaryOps.mul, narrowOp, catOp], { empty: true }),
  alongDim('cumprod', (x, d) => cumprod(x, d), [binaryOps.mul, narrowOp, catOp], { minSize: 0 }),
  alongDim('max', (x, d, k) => max(x, d, k), [extremumOp, whereOp, sumOp, castOp], {
    extraErrors: [emptyReduction('max', (x) => max(x, 0))],
  }),
  alongDim('min', (x, d, k) => min(x, d, k), [extremumOp, whereOp, sumOp, castOp], {
    extraErrors: [emptyReduction('min', (x) => min(x, 0))],
  }),
  {
    ...alongDim('argmax', (x, d, k) => argmax(x, d, k), [extremumOp, castOp]),
    skipped: [{ check: [...GRADIENT_CHECKS, 'forwardAd' as const], reason: NO_GRAD('argmax') }],
  },
  {
    ...alongDim('argmin', (x, d, k) => argmin(x, d, k), [extremumOp, castOp]),
    skipped: [{ check: [...GRADIENT_CHECKS, 'forwardAd' as const], reason: NO_GRAD('argmin') }],
  },
];
