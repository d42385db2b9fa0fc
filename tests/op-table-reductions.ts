/**
 * Op-table entries of the reductions of src/ops/reductions.ts (tests/op-table.ts appends them):
 * amax/amin, max/min (with indices along a dim, and of all the elements), argmax/argmin (both
 * ways), logsumexp, softmax, logSoftmax, var, std, cumsum, prod, cumprod and the vector norm.
 * All are composites over the last-dim extremum op, sums, and elementwise and shape ops, so each
 * entry names the OpDefs its cases run. logsumexp, var, std, the norms, cumsum, prod and cumprod
 * run over ℂ too (complex128 on the cpu, complex64 on WebGPU); the ordered ones (amax, amin, max,
 * min, argmax, argmin) and softmax/logSoftmax have PyTorch's error for complex input.
 */
import fc from 'fast-check';
import {
  casesOf,
  dimIn,
  dimsArb,
  entry,
  FLOAT_AND_COMPLEX_DTYPES,
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

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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

/**
 * PyTorch's error for an ordered reduction (or softmax) of complex input; `call` gets a complex
 * tensor of shape [2, 3].
 */
const complexRejected = (name: string, reason: string, call: (x: Tensor) => unknown) => ({
  desc: 'complex input',
  call: (mk: (s: number[], dtype?: 'complex') => Tensor) => call(mk([2, 3], 'complex')),
  message: new RegExp(`^${escapeRe(`${name}: ${reason}, got `)}complex(64|128) of shape \\[2, 3\\]$`),
  type: TypeError,
});
const UNORDERED = (name: string) =>
  `${name} is not implemented for complex tensors (complex numbers are not ordered)`;
const NO_COMPLEX = (name: string) => `${name}(): does not support complex input`;

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
    /** Runs over ℂ too (the cases' complex variants). */
    complex?: boolean;
    extraErrors?: OpEntry['errors'];
  } = {},
) {
  const sampler = o.sampler ?? wide;
  return entry<DimsArgs>({
    name,
    composite,
    supportsForwardAd: true,
    dtypes: o.complex ? FLOAT_AND_COMPLEX_DTYPES : FLOAT_DTYPES,
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
      ...(o.extraErrors ?? []),
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
  o: { minSize?: number; extraErrors?: OpEntry['errors']; complex?: boolean } = {},
) {
  return entry<DimArgs>({
    name,
    composite,
    supportsForwardAd: true,
    dtypes: o.complex ? FLOAT_AND_COMPLEX_DTYPES : FLOAT_DTYPES,
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

/**
 * Reductions of all the elements, without a dim: max(x) and min(x) (a 0-d value; its gradient
 * is shared evenly by tied extrema, as torch.max(x)'s is: see tests/reductions.test.ts), and
 * argmax(x) and argmin(x) (the index into the flattened tensor, keepdim giving every dim size 1).
 * An empty input has no extremum: PyTorch's error, which says to give a dim.
 */
function overAll(
  name: string,
  call: (x: Tensor, keepdim: boolean) => Tensor,
  composite: OpEntry['composite'],
  o: { keepdim: boolean; empty: string; extraErrors?: OpEntry['errors'] },
) {
  return entry<{ keepdim: boolean }>({
    name: `${name}(x)`,
    composite,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x], { keepdim }) => call(x, keepdim),
    arbitrary: casesOf(
      shapeArb({ maxDims: 3, minSize: 1 }).chain((shape) =>
        fc.record({
          shapes: fc.constant([shape]),
          args: fc.record({ keepdim: o.keepdim ? fc.boolean() : fc.constant(false) }),
        }),
      ),
      [wide],
    ),
    samples: [
      fixed('0-d', [[]], [wide], { keepdim: false }),
      fixed('[1]', [[1]], [wide], { keepdim: false }),
      fixed('[2, 3, 2]', [[2, 3, 2]], [wide], { keepdim: o.keepdim }),
    ],
    errors: [
      ...[[0], [2, 0, 3]].map((shape) => ({
        desc: `empty input [${shape.join(', ')}]`,
        call: (mk: (s: number[]) => Tensor) => call(mk(shape), false),
        message: new RegExp(`^${escapeRe(`${name}: ${o.empty}`)}$`),
        type: RangeError,
      })),
      floatOnly(name, (mk) => call(mk([2], 'int32'), false)),
      ...(o.extraErrors ?? []),
    ],
  });
}

const NO_DIM_EMPTY = 'Expected reduction dim to be specified for input.numel() == 0.';
const NO_DIM_EMPTY_VALUES = `${NO_DIM_EMPTY} Specify the reduction dim with the 'dim' argument.`;

export const reductionEntries: OpEntry[] = [
  overDims('amax', amax, [extremumOp], { extraErrors: [complexRejected('amax', UNORDERED('amax'), amax)] }),
  overDims('amin', amin, [extremumOp], { extraErrors: [complexRejected('amin', UNORDERED('amin'), amin)] }),
  // Over ℂ: the principal log of Σ exp(z); Im z in (−1.5, 1.5) keeps Σ exp(z) off the cut.
  overDims('logsumexp', logsumexp, [extremumOp, sumOp, unaryOps.exp, unaryOps.log, whereOp], {
    empty: true,
    complex: true,
  }),
  // Over ℂ: Σ |z − mean|² / (N − correction), real.
  overDims('var', (x, d, k) => variance(x, d, { keepdim: k }), [sumOp, binaryOps.sub, unaryOps.square], {
    minSize: 2,
    minDims: 1,
    complex: true,
  }),
  overDims('std', (x, d, k) => std(x, d, { correction: 0, keepdim: k }), [sumOp, unaryOps.sqrt], {
    minSize: 2,
    minDims: 1,
    complex: true,
  }),
  // Over ℂ: the norm of |z| (real), as torch.linalg.vector_norm.
  ...([1, 2, 3, 0.5, Infinity, -Infinity] as const).map((p) =>
    overDims(
      `norm(p=${p})`,
      (x, d, k) => norm(x, p, d, k),
      p === Infinity || p === -Infinity ? [extremumOp] : [sumOp],
      {
        op: 'norm',
        sampler: signed(0.2, 1.5),
        complex: true,
      },
    ),
  ),
  alongDim('softmax', (x, d) => softmax(x, d), [extremumOp, unaryOps.exp, sumOp, binaryOps.div], {
    extraErrors: [
      complexRejected('softmax', 'softmax is not implemented for complex tensors', (x) => softmax(x, 0)),
    ],
  }),
  alongDim('logSoftmax', (x, d) => logSoftmax(x, d), [extremumOp, unaryOps.exp, sumOp, unaryOps.log], {
    extraErrors: [
      complexRejected('logSoftmax', 'logSoftmax is not implemented for complex tensors', (x) =>
        logSoftmax(x, 0),
      ),
    ],
  }),
  alongDim('cumsum', (x, d) => cumsum(x, d), [binaryOps.add, narrowOp, catOp], { minSize: 0, complex: true }),
  // prod and cumprod: trees of elementwise products (zeros included, see tests/reductions.test.ts).
  overDims('prod', prod, [binaryOps.mul, narrowOp, catOp], { empty: true, complex: true }),
  alongDim('cumprod', (x, d) => cumprod(x, d), [binaryOps.mul, narrowOp, catOp], {
    minSize: 0,
    complex: true,
  }),
  alongDim('max', (x, d, k) => max(x, d, k), [extremumOp, whereOp, sumOp, castOp], {
    extraErrors: [
      emptyReduction('max', (x) => max(x, 0)),
      complexRejected('max', NO_COMPLEX('max'), (x) => max(x, 0)),
    ],
  }),
  alongDim('min', (x, d, k) => min(x, d, k), [extremumOp, whereOp, sumOp, castOp], {
    extraErrors: [
      emptyReduction('min', (x) => min(x, 0)),
      complexRejected('min', NO_COMPLEX('min'), (x) => min(x, 0)),
    ],
  }),
  {
    ...alongDim('argmax', (x, d, k) => argmax(x, d, k), [extremumOp, castOp], {
      extraErrors: [complexRejected('argmax', NO_COMPLEX('argmax'), (x) => argmax(x, 1))],
    }),
    skipped: [{ check: [...GRADIENT_CHECKS, 'forwardAd' as const], reason: NO_GRAD('argmax') }],
  },
  {
    ...alongDim('argmin', (x, d, k) => argmin(x, d, k), [extremumOp, castOp], {
      extraErrors: [complexRejected('argmin', NO_COMPLEX('argmin'), (x) => argmin(x, 1))],
    }),
    skipped: [{ check: [...GRADIENT_CHECKS, 'forwardAd' as const], reason: NO_GRAD('argmin') }],
  },
  // Without a dim: max(x) and min(x) are amax/amin over every dim; argmax(x)/argmin(x) flatten x.
  overAll('max', (x) => max(x), [extremumOp], {
    keepdim: false,
    empty: NO_DIM_EMPTY_VALUES,
    extraErrors: [complexRejected('max', NO_COMPLEX('max'), (x) => max(x))],
  }),
  overAll('min', (x) => min(x), [extremumOp], {
    keepdim: false,
    empty: NO_DIM_EMPTY_VALUES,
    extraErrors: [complexRejected('min', NO_COMPLEX('min'), (x) => min(x))],
  }),
  {
    ...overAll('argmax', (x, k) => argmax(x, undefined, k), [extremumOp, castOp], {
      keepdim: true,
      empty: NO_DIM_EMPTY,
      extraErrors: [complexRejected('argmax', NO_COMPLEX('argmax'), (x) => argmax(x))],
    }),
    skipped: [{ check: [...GRADIENT_CHECKS, 'forwardAd' as const], reason: NO_GRAD('argmax(x)') }],
  },
  {
    ...overAll('argmin', (x, k) => argmin(x, undefined, k), [extremumOp, castOp], {
      keepdim: true,
      empty: NO_DIM_EMPTY,
      extraErrors: [complexRejected('argmin', NO_COMPLEX('argmin'), (x) => argmin(x))],
    }),
    skipped: [{ check: [...GRADIENT_CHECKS, 'forwardAd' as const], reason: NO_GRAD('argmin(x)') }],
  },
];
