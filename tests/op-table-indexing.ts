/**
 * Op-table entries of the indexing and layout functions (tests/op-table.ts appends them): gather,
 * scatterAdd and indexSelect (real and complex data, int32 indices), and slice, flip, roll, repeat,
 * split, chunk, pad, outer, trace, kron and einsum, all composites of the shape ops, elementwise
 * mul, sum and bmm.
 */
import fc from 'fast-check';
import {
  entry,
  FLOAT_AND_COMPLEX_DTYPES,
  fixed,
  type InputSpec,
  type OpCase,
  samplesFromSeed,
  uniform,
} from '../gradcheck/index.js';
import {
  chunk,
  einsum,
  flip,
  gather,
  indexSelect,
  kron,
  outer,
  pad,
  repeat,
  roll,
  scatterAdd,
  slice,
  split,
  tensor,
  trace,
  zeros,
} from '../src/index.js';
import { binaryOps } from '../src/ops/elementwise.js';
import { gatherOp, scatterAddOp } from '../src/ops/gather.js';
import { bmmOp } from '../src/ops/matmul.js';
import { sumOp } from '../src/ops/reduce.js';
import { catOp, diagonalOp, expandOp, narrowOp, permuteOp, reshapeOp } from '../src/ops/shape.js';

const wide = uniform(-1.5, 1.5);

/** Random cases drawn from the fixed ones (the arguments depend on the shapes). */
const from = <A>(cases: OpCase<A>[]) => fc.constantFrom(...cases);

type SliceArgs = { dim: number; start?: number; end?: number; step?: number };
const sliceCases = [
  fixed<SliceArgs>('[6], 1:-1:2', [[6]], [wide], { dim: 0, start: 1, end: -1, step: 2 }),
  fixed<SliceArgs>('[2, 5], dim -1, -3:', [[2, 5]], [wide], { dim: -1, start: -3 }),
  fixed<SliceArgs>('[4, 3], ::3', [[4, 3]], [wide], { dim: 0, step: 3 }),
  fixed<SliceArgs>('[3, 4], clamped 2:10:2', [[3, 4]], [wide], { dim: 1, start: 2, end: 10, step: 2 }),
  fixed<SliceArgs>('[3, 2], empty 2:1', [[3, 2]], [wide], { dim: 0, start: 2, end: 1 }),
];

type FlipArgs = { dims: number[] };
const flipCases = [
  fixed<FlipArgs>('[4], dim 0', [[4]], [wide], { dims: [0] }),
  fixed<FlipArgs>('[2, 3, 2], dims [0, -1]', [[2, 3, 2]], [wide], { dims: [0, -1] }),
  fixed<FlipArgs>('[3, 1], dim 1 (size 1)', [[3, 1]], [wide], { dims: [1] }),
];

type RollArgs = { shifts: number | number[]; dims?: number | number[] };
const rollCases = [
  fixed<RollArgs>('[5], 2', [[5]], [wide], { shifts: 2, dims: 0 }),
  fixed<RollArgs>('[2, 3], flattened -1', [[2, 3]], [wide], { shifts: -1 }),
  fixed<RollArgs>('[3, 4], [1, 5] over [0, 1]', [[3, 4]], [wide], { shifts: [1, 5], dims: [0, 1] }),
];

type RepeatArgs = { reps: number[] };
const repeatCases = [
  fixed<RepeatArgs>('[2], [3]', [[2]], [wide], { reps: [3] }),
  fixed<RepeatArgs>('[2, 3], [2, 1, 2]', [[2, 3]], [wide], { reps: [2, 1, 2] }),
  fixed<RepeatArgs>('[], [2]', [[]], [wide], { reps: [2] }),
];

type SplitArgs = { sizes: number | number[]; dim: number };
const splitCases = [
  fixed<SplitArgs>('[5, 2], 2', [[5, 2]], [wide], { sizes: 2, dim: 0 }),
  fixed<SplitArgs>('[2, 6], [1, 3, 2] on -1', [[2, 6]], [wide], { sizes: [1, 3, 2], dim: -1 }),
];

type ChunkArgs = { chunks: number; dim: number };
const chunkCases = [
  fixed<ChunkArgs>('[7], 3', [[7]], [wide], { chunks: 3, dim: 0 }),
  fixed<ChunkArgs>('[2, 4], 4 on 1', [[2, 4]], [wide], { chunks: 4, dim: 1 }),
];

type PadArgs = { widths: number[]; value: number };
const padCases = [
  fixed<PadArgs>('[3], [1, 2]', [[3]], [wide], { widths: [1, 2], value: 0 }),
  fixed<PadArgs>('[2, 3], [0, 1, 2, 0] value 0.5', [[2, 3]], [wide], { widths: [0, 1, 2, 0], value: 0.5 }),
];

const twoInput = (shapes: number[][]) => fixed(JSON.stringify(shapes), shapes, [wide, wide], undefined);

type EinsumArgs = { eq: string };
const einsumCases = [
  fixed<EinsumArgs>(
    'ij,jk->ik',
    [
      [3, 4],
      [4, 2],
    ],
    [wide, wide],
    { eq: 'ij,jk->ik' },
  ),
  fixed<EinsumArgs>(
    'bij,bjk->bik',
    [
      [2, 3, 2],
      [2, 2, 3],
    ],
    [wide, wide],
    { eq: 'bij,bjk->bik' },
  ),
  fixed<EinsumArgs>(
    '...ij,jk (implicit)',
    [
      [2, 1, 3, 2],
      [2, 4],
    ],
    [wide, wide],
    { eq: '...ij,jk' },
  ),
  fixed<EinsumArgs>(
    '...ij,...jk->...ik broadcast',
    [
      [1, 2, 3],
      [2, 3, 2],
    ],
    [wide, wide],
    {
      eq: '...ij,...jk->...ik',
    },
  ),
  fixed<EinsumArgs>('ii->i', [[3, 3]], [wide], { eq: 'ii->i' }),
  fixed<EinsumArgs>('iji->j', [[2, 3, 2]], [wide], { eq: 'iji->j' }),
  fixed<EinsumArgs>('ij->ji', [[2, 3]], [wide], { eq: 'ij->ji' }),
  fixed<EinsumArgs>('i,j->ij', [[3], [2]], [wide, wide], { eq: 'i,j->ij' }),
  fixed<EinsumArgs>('i,i->', [[4], [4]], [wide, wide], { eq: 'i,i->' }),
  fixed<EinsumArgs>(
    'ij,jk,kl->il',
    [
      [2, 3],
      [3, 2],
      [2, 2],
    ],
    [wide, wide, wide],
    { eq: 'ij,jk,kl->il' },
  ),
  fixed<EinsumArgs>(
    'bn,anm,bm->ba (bilinear)',
    [
      [2, 3],
      [2, 3, 2],
      [2, 2],
    ],
    [wide, wide, wide],
    {
      eq: 'bn,anm,bm->ba',
    },
  ),
];

/** An int32 index input (never differentiated). */
const ix = (shape: number[], values: number[]): InputSpec => ({
  shape,
  data: Float64Array.from(values),
  dtype: 'int32',
});
/** A case of float inputs of `floats` shapes with index inputs placed at `at`. */
function withIndex<A>(label: string, floats: number[][], index: InputSpec, at: number, args: A): OpCase<A> {
  const inputs: InputSpec[] = samplesFromSeed(floats, [wide], 3);
  inputs.splice(at, 0, index);
  return { label, inputs, args };
}

type DimArgs = { dim: number };
const gatherCases = [
  withIndex<DimArgs>('[3, 4], dim 1, repeats', [[3, 4]], ix([3, 2], [0, 3, 2, 2, 1, 0]), 1, { dim: 1 }),
  withIndex<DimArgs>('[3, 2], dim 0, longer index', [[3, 2]], ix([4, 2], [2, 0, 1, 1, 0, 2, 2, 2]), 1, {
    dim: 0,
  }),
  withIndex<DimArgs>('[2, 3, 2], dim -1, smaller index', [[2, 3, 2]], ix([2, 2, 1], [1, 0, 0, 1]), 1, {
    dim: -1,
  }),
];
const scatterCases = [
  withIndex<DimArgs>(
    '[3, 2] += [4, 2] at dim 0, repeats',
    [
      [3, 2],
      [4, 2],
    ],
    ix([4, 2], [0, 2, 0, 1, 2, 2, 0, 0]),
    1,
    {
      dim: 0,
    },
  ),
  withIndex<DimArgs>(
    '[2, 3] += src [3, 4] larger than index [2, 2]',
    [
      [2, 3],
      [3, 4],
    ],
    ix([2, 2], [2, 0, 1, 1]),
    1,
    {
      dim: 1,
    },
  ),
];
const selectCases = [
  withIndex<DimArgs>('[3, 4], dim 0, repeats', [[3, 4]], ix([4], [2, 0, 2, 1]), 1, { dim: 0 }),
  withIndex<DimArgs>('[2, 3, 2], dim -1', [[2, 3, 2]], ix([3], [1, 1, 0]), 1, { dim: -1 }),
  withIndex<DimArgs>('[3, 2], dim 0, empty index', [[3, 2]], ix([0], []), 1, { dim: 0 }),
];
const I32 = { dtype: 'int32' } as const;
/** Float data with an int32 index; the data's cases also run complex (the index stays int32). */
const WITH_INDEX = {
  cpu: ['float64', 'complex128', 'int32'],
  webgpu: ['float32', 'complex64', 'int32'],
} as const;

export const indexingEntries = [
  entry<DimArgs>({
    name: 'gather',
    op: gatherOp,
    supportsForwardAd: true,
    dtypes: WITH_INDEX,
    fn: ([x, index], { dim }) => gather(x, dim, index),
    arbitrary: from(gatherCases),
    samples: gatherCases,
    errors: [
      {
        desc: 'a float index',
        call: (mk) => gather(mk([2, 3]), 1, mk([2, 1])),
        message: /gather: expected index of dtype int32, got float(32|64)/,
        type: TypeError,
      },
      {
        desc: 'a complex index',
        call: (mk) => gather(mk([2, 3], 'complex'), 1, mk([2, 1], 'complex')),
        message: /gather: expected index of dtype int32, got complex(64|128)/,
        type: TypeError,
      },
      {
        desc: 'an index out of range',
        call: () => gather(zeros([2, 3]), 1, tensor([[0], [3]], I32)),
        message: /gather: index 3 is out of bounds for dimension 1 with size 3 \(index shape \[2, 1\]\)/,
        type: RangeError,
      },
      {
        desc: 'an index of another rank',
        call: (mk) => gather(mk([2, 3]), 1, mk([2], 'int32')),
        message:
          /gather: index tensor must have the same number of dimensions as input tensor, got index \[2\] and input \[2, 3\]/,
        type: RangeError,
      },
    ],
  }),
  entry<DimArgs>({
    name: 'scatterAdd',
    op: scatterAddOp,
    supportsForwardAd: true,
    dtypes: WITH_INDEX,
    fn: ([x, index, src], { dim }) => scatterAdd(x, dim, index, src),
    arbitrary: from(scatterCases),
    samples: scatterCases,
    errors: [
      {
        desc: 'an index out of range',
        call: () => scatterAdd(zeros([3]), 0, tensor([1, -1], I32), tensor([1, 2])),
        message: /scatterAdd: index -1 is out of bounds for dimension 0 with size 3 \(index shape \[2\]\)/,
        type: RangeError,
      },
      {
        desc: 'a real src into complex data',
        call: (mk) => scatterAdd(mk([3], 'complex'), 0, mk([2], 'int32'), mk([2])),
        message: /scatterAdd: expected src of dtype complex(64|128), got float(32|64)/,
        type: TypeError,
      },
      {
        desc: 'src smaller than index',
        call: (mk) => scatterAdd(mk([3]), 0, mk([2], 'int32'), mk([1])),
        message: /scatterAdd: index \[2\] must not be larger than src \[1\] in any dimension/,
        type: RangeError,
      },
    ],
  }),
  entry<DimArgs>({
    name: 'indexSelect',
    composite: [gatherOp, expandOp, reshapeOp],
    supportsForwardAd: true,
    dtypes: WITH_INDEX,
    fn: ([x, index], { dim }) => indexSelect(x, dim, index),
    arbitrary: from(selectCases),
    samples: selectCases,
    errors: [
      {
        desc: 'an index out of range',
        call: () => indexSelect(zeros([2, 3]), 0, tensor([0, 2], I32)),
        message: /indexSelect: index 2 is out of bounds for dimension 0 with size 2/,
        type: RangeError,
      },
      {
        desc: 'a float index',
        call: (mk) => indexSelect(mk([2, 3]), 0, mk([2])),
        message: /indexSelect: expected index of dtype int32, got float(32|64)/,
        type: TypeError,
      },
      {
        desc: 'dim out of range',
        call: (mk) => indexSelect(mk([2, 3]), 2, mk([1], 'int32')),
        message: /indexSelect: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/,
        type: RangeError,
      },
    ],
  }),
  entry<SliceArgs>({
    name: 'slice',
    composite: [narrowOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { dim, start, end, step }) => slice(x, dim, start, end, step),
    arbitrary: from(sliceCases),
    samples: sliceCases,
    errors: [
      {
        desc: 'dim out of range',
        call: (mk) => slice(mk([2, 3]), 2, 0, 1),
        message: /slice: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/,
        type: RangeError,
      },
      {
        desc: 'step 0',
        call: (mk) => slice(mk([4]), 0, 0, 4, 0),
        message: /slice: step must be positive, got 0/,
        type: RangeError,
      },
    ],
  }),
  entry<FlipArgs>({
    name: 'flip',
    composite: [narrowOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { dims }) => flip(x, dims),
    arbitrary: from(flipCases),
    samples: flipCases,
    errors: [
      {
        desc: 'repeated dim',
        call: (mk) => flip(mk([2, 3]), [1, -1]),
        message: /flip: dims has duplicates, got \[1, -1\]/,
        type: RangeError,
      },
    ],
  }),
  entry<RollArgs>({
    name: 'roll',
    composite: [narrowOp, catOp, reshapeOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { shifts, dims }) => roll(x, shifts, dims),
    arbitrary: from(rollCases),
    samples: rollCases,
    errors: [
      {
        desc: 'shifts and dims of different lengths',
        call: (mk) => roll(mk([2, 3]), [1, 2], [0]),
        message: /roll: shifts and dims must have the same length, got 2 and 1/,
        type: RangeError,
      },
    ],
  }),
  entry<RepeatArgs>({
    name: 'repeat',
    composite: [reshapeOp, expandOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { reps }) => repeat(x, reps),
    arbitrary: from(repeatCases),
    samples: repeatCases,
    errors: [
      {
        desc: 'fewer reps than dims',
        call: (mk) => repeat(mk([2, 3]), [2]),
        message: /repeat: number of repeat dims \(1\) can not be smaller than number of tensor dims \(2\)/,
        type: RangeError,
      },
    ],
  }),
  entry<SplitArgs>({
    name: 'split',
    composite: [narrowOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { sizes, dim }) => split(x, sizes, dim),
    arbitrary: from(splitCases),
    samples: splitCases,
    errors: [
      {
        desc: 'sizes that do not sum to the dim',
        call: (mk) => split(mk([5]), [2, 2]),
        message:
          /split: split_with_sizes expects split_sizes to sum exactly to 5 \(input tensor's size at dimension 0\), but got split_sizes=\[2, 2\]/,
        type: RangeError,
      },
    ],
  }),
  entry<ChunkArgs>({
    name: 'chunk',
    composite: [narrowOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { chunks, dim }) => chunk(x, chunks, dim),
    arbitrary: from(chunkCases),
    samples: chunkCases,
    errors: [
      {
        desc: 'zero chunks',
        call: (mk) => chunk(mk([4]), 0),
        message: /chunk: number of chunks must be greater than 0, got 0/,
        type: RangeError,
      },
    ],
  }),
  entry<PadArgs>({
    name: 'pad',
    composite: [catOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x], { widths, value }) => pad(x, widths, value),
    arbitrary: from(padCases),
    samples: padCases,
    errors: [
      {
        desc: 'odd padding length',
        call: (mk) => pad(mk([2, 3]), [1]),
        message: /pad: padding length must be even and at most twice the number of dims \(2\), got 1/,
        type: RangeError,
      },
    ],
  }),
  entry({
    name: 'outer',
    composite: [binaryOps.mul, reshapeOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([a, b]) => outer(a, b),
    arbitrary: from([twoInput([[3], [2]]), twoInput([[1], [4]])]),
    errors: [
      {
        desc: 'a matrix',
        call: (mk) => outer(mk([2, 2]), mk([2])),
        message: /outer: expected 1-D tensors, got shapes \[2, 2\] and \[2\]/,
        type: RangeError,
      },
    ],
  }),
  entry({
    name: 'trace',
    composite: [diagonalOp, sumOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([x]) => trace(x),
    arbitrary: from([
      fixed('[3, 3]', [[3, 3]], [wide], undefined),
      fixed('[2, 4]', [[2, 4]], [wide], undefined),
    ]),
    errors: [
      {
        desc: 'a vector',
        call: (mk) => trace(mk([3])),
        message: /trace: expected a matrix, but got tensor with shape \[3\]/,
        type: RangeError,
      },
    ],
  }),
  entry({
    name: 'kron',
    composite: [binaryOps.mul, reshapeOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: ([a, b]) => kron(a, b),
    arbitrary: from([
      twoInput([
        [2, 2],
        [2, 3],
      ]),
      twoInput([[3], [2, 2]]),
      twoInput([
        [2, 1, 2],
        [2, 2],
      ]),
    ]),
  }),
  entry<EinsumArgs>({
    name: 'einsum',
    composite: [bmmOp, permuteOp, reshapeOp, sumOp, diagonalOp],
    supportsForwardAd: true,
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    fn: (xs, { eq }) => einsum(eq, ...xs),
    arbitrary: from(einsumCases),
    samples: einsumCases,
    errors: [
      {
        desc: 'too few operands',
        call: (mk) => einsum('ij,jk->ik', mk([2, 2])),
        message: /einsum\(\): fewer operands were provided than specified in the equation/,
        type: RangeError,
      },
      {
        desc: 'rank disagrees with the subscripts',
        call: (mk) => einsum('ijk->i', mk([2, 3])),
        message:
          /einsum\(\): the number of subscripts in the equation \(3\) does not match the number of dimensions \(2\) for operand 0 and no ellipsis was given/,
        type: RangeError,
      },
      {
        desc: 'a subscript that is not a letter',
        call: (mk) => einsum('i1->i', mk([2, 3])),
        message:
          /einsum\(\): invalid subscript given at index 1 in the equation string, subscripts must be in \[a-zA-Z\]/,
        type: RangeError,
      },
      {
        desc: 'sizes that disagree',
        call: (mk) => einsum('ij,jk->ik', mk([2, 3]), mk([2, 3])),
        message:
          /einsum\(\): subscript j has size 2 for operand 1 \(shape \[2, 3\]\) which does not broadcast with previously seen size 3/,
        type: RangeError,
      },
      {
        desc: 'an output subscript no operand has',
        call: () => einsum('ij->ik', zeros([2, 2])),
        message: /einsum\(\): output subscript k does not appear in the equation for any input operand/,
        type: RangeError,
      },
      {
        desc: 'a repeated output subscript',
        call: () => einsum('ij->ii', tensor([[1, 2]])),
        message: /einsum\(\): output subscript i appears more than once in the output/,
        type: RangeError,
      },
    ],
  }),
];
