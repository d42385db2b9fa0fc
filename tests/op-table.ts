/**
 * The op table (PyTorch's OpInfo idea): one entry per op with the call under test, its input
 * cases (a fast-check arbitrary plus fixed edge cases: broadcasting, empty and 0-d tensors),
 * error inputs with the expected messages, gradcheck settings, WebGPU tolerances and skips with
 * reasons. tests/op-table.test.ts turns every entry into gradcheck, gradgradcheck, error-message
 * and CPU-vs-WebGPU agreement tests.
 *
 * Every entry names the OpDef it tests (`op`, the object from src/ops/…) or, for a function built
 * from several, the OpDefs it exercises (`composite`), and the dtypes its cases run in (`dtypes`,
 * FLOAT_DTYPES for most); skips say which check, where and why (`skipped`); `supportsForwardAd`
 * and `supportsVmap` turn on the forward-mode and vmap checks op by op.
 *
 * Adding an op: push `entry({...})` onto `opTable` with its `op`; tests/op-table-coverage.test.ts
 * fails while an OpDef has no entry. The linear-algebra entries, built from the matrix arbitraries
 * (`wellConditionedMatrix(...).map((s) => ({ inputs: [s], args: undefined, cond: s.cond }))`),
 * are in tests/op-table-linalg*.ts.
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
  type OpEntry,
  samplesArb,
  shapeArb,
  shaped,
  uniform,
} from '../gradcheck/index.js';
import {
  type CatArgs,
  catArb,
  type DiagArgs,
  diagonalArb,
  type ExpandArgs,
  expandArb,
  matmulArb,
  type NarrowArgs,
  narrowArb,
  type ReshapeArgs,
  reshapeArb,
  stackArb,
} from '../gradcheck/op-cases.js';
import {
  cast,
  cat,
  clone,
  diagEmbed,
  diagonal,
  expand,
  matmul,
  mean,
  mT,
  narrow,
  permute,
  reshape,
  squeeze,
  stack,
  sum,
  type Tensor,
  transpose,
  tril,
  triu,
  unsqueeze,
} from '../src/index.js';
import { binaryOps } from '../src/ops/elementwise.js';
import { bmmOp } from '../src/ops/matmul.js';
import { castOp, cloneOp } from '../src/ops/misc.js';
import { sumOp } from '../src/ops/reduce.js';
import {
  catOp,
  diagonalOp,
  embedOp,
  expandOp,
  narrowOp,
  permuteOp,
  reshapeOp,
  triOp,
} from '../src/ops/shape.js';
import { activationEntries } from './op-table-activations.js';
import { complexEntries } from './op-table-complex.js';
import { complexOpsEntries } from './op-table-complex-ops.js';
import { complexUnaryEntries } from './op-table-complex-unary.js';
import { elementwiseEntries } from './op-table-elementwise.js';
import { indexingEntries } from './op-table-indexing.js';
import { linalgTable } from './op-table-linalg.js';
import { nnEntries } from './op-table-nn.js';
import { reductionEntries } from './op-table-reductions.js';

const wide = uniform(-1.5, 1.5);

// ---- reductions -------------------------------------------------------------------------------------

type ReduceArgs = { dim?: number | number[]; keepdim: boolean };

function reduction(
  name: string,
  call: (x: Tensor, dim: ReduceArgs['dim'], keepdim: boolean) => Tensor,
  ops: Pick<OpEntry, 'op' | 'composite'>,
  dtypes: OpEntry['dtypes'] = FLOAT_DTYPES,
) {
  return entry<ReduceArgs>({
    name,
    ...ops,
    supportsForwardAd: true,
    dtypes,
    fn: ([x], { dim, keepdim }) => call(x, dim, keepdim),
    arbitrary: casesOf(
      shapeArb({ maxDims: 3, minSize: 0 }).chain((shape) =>
        fc.record({
          shapes: fc.constant([shape]),
          args: fc.record({ dim: dimsArb(shape.length), keepdim: fc.boolean() }),
        }),
      ),
      [wide],
    ),
    samples: [
      fixed('0-d, all dims', [[]], [wide], { keepdim: false }),
      fixed('0-d, dim 0', [[]], [wide], { dim: 0, keepdim: true }),
      fixed('[2, 3], dim -1, keepdim', [[2, 3]], [wide], { dim: -1, keepdim: true }),
      fixed('[2, 3, 2], dims [2, 0]', [[2, 3, 2]], [wide], { dim: [2, 0], keepdim: false }),
      fixed('empty [0, 3], dim 1', [[0, 3]], [wide], { dim: 1, keepdim: false }),
      fixed('empty [0, 3], dim 0', [[0, 3]], [wide], { dim: 0, keepdim: false }),
    ],
    errors: [
      {
        desc: 'dim out of range',
        call: (mk) => call(mk([2, 3]), 2, false),
        message: new RegExp(
          `${name}: dimension out of range \\(expected to be in range of \\[-2, 1\\], but got 2\\)`,
        ),
        type: RangeError,
      },
      {
        desc: 'repeated dim',
        call: (mk) => call(mk([2, 3]), [1, -1], false),
        message: new RegExp(`${name}: dim \\[1,-1\\] appears multiple times`),
        type: RangeError,
      },
      floatOnly(name, (mk) => call(mk([2], 'int32'), undefined, false)),
    ],
  });
}

const reductions = [
  reduction('sum', (x, d, k) => sum(x, d, k), { op: sumOp }),
  // mean = sum / count (NaN for an empty reduction: mul and add), over ℂ too.
  reduction(
    'mean',
    (x, d, k) => mean(x, d, k),
    { composite: [sumOp, binaryOps.div, binaryOps.mul, binaryOps.add] },
    FLOAT_AND_COMPLEX_DTYPES,
  ),
];

// ---- shape ops --------------------------------------------------------------------------------------

const dimErr = (op: string, lo: number, hi: number, got: number) =>
  new RegExp(
    `${op}: dimension out of range \\(expected to be in range of \\[${lo}, ${hi}\\], but got ${got}\\)`,
  );

const shapeOps = [
  entry<ReshapeArgs>({
    name: 'reshape',
    op: reshapeOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { shape }) => reshape(x, shape),
    arbitrary: reshapeArb,
    samples: [
      fixed('0-d to [1, 1]', [[]], [wide], { shape: [1, 1] }),
      fixed('[1] to 0-d', [[1]], [wide], { shape: [] }),
      fixed('empty [0, 3] to [3, 0]', [[0, 3]], [wide], { shape: [3, 0] }),
    ],
    errors: [
      {
        desc: 'wrong number of elements',
        call: (mk) => reshape(mk([2, 3]), [4]),
        message: /reshape: shape \[4\] is invalid for input of size 6/,
        type: RangeError,
      },
      {
        desc: 'wrong number of elements (complex)',
        call: (mk) => reshape(mk([2, 3], 'complex'), [4]),
        message: /reshape: shape \[4\] is invalid for input of size 6/,
        type: RangeError,
      },
    ],
  }),
  entry<{ d0: number; d1: number }>({
    name: 'transpose',
    op: permuteOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { d0, d1 }) => transpose(x, d0, d1),
    arbitrary: shaped(shapeArb({ minDims: 1, maxDims: 4 }), (s) =>
      fc.record({ d0: dimIn(s.length), d1: dimIn(s.length) }),
    ),
    errors: [
      {
        desc: 'dim out of range',
        call: (mk) => transpose(mk([2, 3]), 0, 2),
        message: dimErr('transpose', -2, 1, 2),
        type: RangeError,
      },
    ],
  }),
  entry<{ dims: number[] }>({
    name: 'permute',
    op: permuteOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { dims }) => permute(x, dims),
    arbitrary: shaped(shapeArb({ maxDims: 4 }), (s) =>
      fc
        .shuffledSubarray([...Array(s.length).keys()], { minLength: s.length, maxLength: s.length })
        .map((dims) => ({ dims })),
    ),
    errors: [
      {
        desc: 'wrong number of dims',
        call: (mk) => permute(mk([2, 3]), [0]),
        message: /permute: number of dims don't match/,
        type: RangeError,
      },
      {
        desc: 'repeated dim',
        call: (mk) => permute(mk([2, 3]), [1, -1]),
        message: /permute: repeated dim/,
        type: RangeError,
      },
    ],
  }),
  entry<{ dim: number }>({
    name: 'unsqueeze',
    op: reshapeOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { dim }) => unsqueeze(x, dim),
    arbitrary: shaped(shapeArb(), (s) =>
      fc.record({ dim: fc.integer({ min: -(s.length + 1), max: s.length }) }),
    ),
    errors: [
      {
        desc: 'dim out of range',
        call: (mk) => unsqueeze(mk([2]), 2),
        message: dimErr('unsqueeze', -2, 1, 2),
      },
    ],
  }),
  entry<{ dim?: number }>({
    name: 'squeeze',
    op: reshapeOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { dim }) => squeeze(x, dim),
    arbitrary: shaped(shapeArb({ maxDims: 4, maxSize: 2 }), (s) =>
      fc.record({
        dim: s.length > 0 ? fc.option(dimIn(s.length), { nil: undefined }) : fc.constant(undefined),
      }),
    ),
    errors: [
      {
        desc: 'dim out of range',
        call: (mk) => squeeze(mk([1, 2]), -3),
        message: dimErr('squeeze', -2, 1, -3),
      },
    ],
  }),
  entry<ExpandArgs>({
    name: 'expand',
    op: expandOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { shape }) => expand(x, shape),
    arbitrary: expandArb,
    samples: [fixed('0-d to [2, 3]', [[]], [wide], { shape: [2, 3] })],
    errors: [
      {
        desc: 'non-singleton dim changed',
        call: (mk) => expand(mk([2, 3]), [2, 4]),
        message: /expand: the expanded size of the tensor \(4\) must match the existing size \(3\)/,
        type: RangeError,
      },
      {
        desc: 'non-singleton dim changed (complex)',
        call: (mk) => expand(mk([2, 3], 'complex'), [2, 4]),
        message: /expand: the expanded size of the tensor \(4\) must match the existing size \(3\)/,
        type: RangeError,
      },
      {
        desc: 'fewer dims than the input',
        call: (mk) => expand(mk([2, 3]), [3]),
        message: /expand: the number of sizes provided \(1\) must be >= the number of dims \(2\)/,
        type: RangeError,
      },
    ],
  }),
  entry<NarrowArgs>({
    name: 'narrow',
    op: narrowOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { dim, start, length }) => narrow(x, dim, start, length),
    arbitrary: narrowArb,
    errors: [
      {
        desc: 'out of bounds',
        call: (mk) => narrow(mk([2, 3]), 1, 2, 2),
        message: /narrow: start \(2\) \+ length \(2\) exceeds dimension size \(3\)/,
        type: RangeError,
      },
    ],
  }),
  entry<DiagArgs>({
    name: 'diagonal',
    op: diagonalOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { offset, dim1, dim2 }) => diagonal(x, offset, dim1, dim2),
    arbitrary: diagonalArb,
    errors: [
      {
        desc: 'identical dims',
        call: (mk) => diagonal(mk([2, 2]), 0, 1, -1),
        message: /diagonal: diagonal dimensions cannot be identical 1, -1/,
        type: RangeError,
      },
      {
        desc: '1-D input',
        call: (mk) => diagonal(mk([2])),
        message: /diagonal: input must have at least 2 dimensions/,
        type: RangeError,
      },
      {
        desc: '1-D complex input',
        call: (mk) => diagonal(mk([2], 'complex')),
        message: /diagonal: input must have at least 2 dimensions/,
        type: RangeError,
      },
    ],
  }),
  entry<{ offset: number }>({
    name: 'diagEmbed',
    op: embedOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { offset }) => diagEmbed(x, offset),
    arbitrary: shaped(shapeArb({ minDims: 1 }), () => fc.record({ offset: fc.integer({ min: -2, max: 2 }) })),
    errors: [
      {
        desc: '0-d input',
        call: (mk) => diagEmbed(mk([])),
        message: /diagEmbed: input must have at least 1 dimension/,
      },
    ],
  }),
  ...(['tril', 'triu'] as const).map((name) =>
    entry<{ k: number }>({
      name,
      op: triOp,
      supportsForwardAd: true,
      dtypes: FLOAT_AND_COMPLEX_DTYPES,
      fn: ([x], { k }) => (name === 'tril' ? tril(x, k) : triu(x, k)),
      arbitrary: shaped(shapeArb({ minDims: 2, maxDims: 4 }), () =>
        fc.record({ k: fc.integer({ min: -3, max: 3 }) }),
      ),
      errors: [
        {
          desc: '1-D input',
          call: (mk) => (name === 'tril' ? tril(mk([3])) : triu(mk([3]))),
          message: /tril\/triu: input tensor must have at least 2 dimensions, got shape \[3\]/,
          type: RangeError,
        },
        {
          desc: '1-D complex input',
          call: (mk) => (name === 'tril' ? tril(mk([3], 'complex')) : triu(mk([3], 'complex'))),
          message: /tril\/triu: input tensor must have at least 2 dimensions, got shape \[3\]/,
          type: RangeError,
        },
      ],
    }),
  ),
  entry<undefined>({
    name: 'mT',
    op: permuteOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x]) => mT(x),
    arbitrary: shaped(shapeArb({ minDims: 2, maxDims: 4 }), () => fc.constant(undefined)),
    errors: [
      { desc: '1-D input', call: (mk) => mT(mk([3])), message: /mT: tensor must have at least 2 dimensions/ },
    ],
  }),
  entry<CatArgs>({
    name: 'cat',
    op: catOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: (xs, { dim }) => cat(xs, dim),
    arbitrary: catArb,
    errors: [
      {
        desc: 'sizes differ outside dim',
        call: (mk) => cat([mk([2, 3]), mk([2, 4])], 0),
        message: /cat: sizes of tensors must match except in dimension 0/,
        type: RangeError,
      },
      { desc: 'empty list', call: () => cat([]), message: /cat: expected a non-empty list of tensors/ },
      {
        desc: 'mixed dtypes',
        call: (mk) => cat([mk([2]), mk([2], 'int32')]),
        message: /cat: all tensors must have one dtype/,
        type: TypeError,
      },
      {
        // PyTorch promotes to the complex dtype; linagrad asks for one dtype, as for int32.
        desc: 'complex and real tensors',
        call: (mk) => cat([mk([2], 'complex'), mk([2])]),
        message: /cat: all tensors must have one dtype, got complex(128 and float64|64 and float32)/,
        type: TypeError,
      },
    ],
  }),
  entry<CatArgs>({
    name: 'stack',
    // stack unsqueezes each tensor (reshape) and concatenates them.
    composite: [reshapeOp, catOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: (xs, { dim }) => stack(xs, dim),
    arbitrary: stackArb,
    errors: [
      {
        desc: 'unequal shapes',
        call: (mk) => stack([mk([2, 3]), mk([3, 2])]),
        message: /stack: expects each tensor to be equal size, but got \[2, 3\] and \[3, 2\]/,
        type: RangeError,
      },
    ],
  }),
];

// ---- matmul, cast, clone -------------------------------------------------------------------------------

const NO_FLOAT64_ON_WEBGPU = 'webgpu has no float64: a cast between float32 and float64 cannot run there';

const misc = [
  entry<undefined>({
    name: 'matmul',
    // matmul broadcasts and flattens the batch dims (expand, reshape) around one batched product.
    op: bmmOp,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([a, b]) => matmul(a, b),
    arbitrary: matmulArb,
    samples: [
      fixed('dot [3]·[3]', [[3], [3]], [wide], undefined),
      fixed('[3]·[3, 2]', [[3], [3, 2]], [wide], undefined),
      fixed('[2, 3]·[3]', [[2, 3], [3]], [wide], undefined),
      fixed(
        '[2, 1, 2, 3]·[3, 3, 2] (broadcast batch)',
        [
          [2, 1, 2, 3],
          [3, 3, 2],
        ],
        [wide],
        undefined,
      ),
      fixed('[3]·[2, 3, 2] (vector and batch)', [[3], [2, 3, 2]], [wide], undefined),
      fixed('[2, 2, 3]·[3]', [[2, 2, 3], [3]], [wide], undefined),
      fixed(
        'k = 0: [2, 0]·[0, 3]',
        [
          [2, 0],
          [0, 3],
        ],
        [wide],
        undefined,
      ),
    ],
    errors: [
      {
        desc: '0-d operand',
        call: (mk) => matmul(mk([]), mk([2])),
        message: /matmul: both arguments need at least 1 dimension/,
        type: RangeError,
      },
      {
        desc: 'inner sizes differ',
        call: (mk) => matmul(mk([2, 3]), mk([4, 2])),
        message: /matmul: shapes \[2, 3\] and \[4, 2\] cannot be multiplied \(2x3 and 4x2\)/,
        type: RangeError,
      },
      {
        desc: 'batch dims do not broadcast',
        call: (mk) => matmul(mk([2, 2, 3]), mk([3, 3, 2])),
        message: /matmul: shapes \[2\] and \[3\] cannot be broadcast together/,
        type: RangeError,
      },
      floatOnly('matmul', (mk) => matmul(mk([2, 2], 'int32'), mk([2, 2], 'int32'))),
    ],
  }),
  entry<undefined>({
    name: 'cast float32 -> float64',
    op: castOp,
    supportsForwardAd: true,
    dtypes: { cpu: ['float32'], webgpu: [] },
    fn: ([x]) => cast(x, 'float64'),
    arbitrary: samplesArb(
      shapeArb().map((s) => [s]),
      [wide],
    ).map(([s]) => ({ inputs: [{ ...s, dtype: 'float32' as const }], args: undefined })),
    // The numerical side divides by the float32-rounded step, exact for this linear map. The
    // double backward's output is float32 (cast of a float64 gradOutput): eps 1e-3 keeps its
    // float32 rounding (~6e-8 / 2e-3 relative) well inside rtol, and a linear map has no
    // truncation error at any eps.
    gradgradcheck: { eps: 1e-3 },
    skipped: [{ check: 'webgpu', device: 'webgpu', reason: NO_FLOAT64_ON_WEBGPU }],
    errors: [
      {
        desc: 'unknown dtype',
        call: (mk) => cast(mk([2]), 'complex32' as never),
        message: /to: unknown dtype complex32/,
        type: TypeError,
      },
    ],
  }),
  entry<undefined>({
    name: 'cast float64 -> float32',
    op: castOp,
    supportsForwardAd: true,
    dtypes: { cpu: ['float64'], webgpu: [] },
    fn: ([x]) => cast(x, 'float32'),
    arbitrary: samplesArb(
      shapeArb().map((s) => [s]),
      [wide],
    ).map((inputs) => ({ inputs, args: undefined })),
    // The output is float32: eps 1e-3 keeps its rounding inside rtol (see above; the map is linear).
    gradcheck: { eps: 1e-3 },
    gradgradcheck: { eps: 1e-3 },
    skipped: [{ check: 'webgpu', device: 'webgpu', reason: NO_FLOAT64_ON_WEBGPU }],
  }),
  entry<undefined>({
    name: 'clone',
    op: cloneOp,
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x]) => clone(x),
    arbitrary: samplesArb(
      shapeArb().map((s) => [s]),
      [wide],
    ).map((inputs) => ({ inputs, args: undefined })),
  }),
];

/** Every op that exists now; the linear-algebra entries are in tests/op-table-linalg*.ts. */
/**
 * Every op batches under vmap (its own rule, the one derived from its core ranks, or the loop), so
 * every entry runs the vmap check unless it says otherwise (supportsVmap: false, or a vmap skip).
 */
export const opTable: OpEntry[] = [
  ...elementwiseEntries,
  ...activationEntries,
  ...reductions,
  ...reductionEntries,
  ...shapeOps,
  ...indexingEntries,
  ...misc,
  ...linalgTable,
  ...nnEntries,
  ...complexEntries,
  ...complexOpsEntries,
  ...complexUnaryEntries,
].map((e) => ({ supportsVmap: true, ...e }));
