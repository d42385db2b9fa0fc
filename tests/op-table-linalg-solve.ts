/**
 * Op-table entries of the LU family, part 2: solve, solveTriangular, cholesky, choleskyEx, choleskyInverse
 * (inv, luFactor and det are in op-table-linalg-lu.ts; the shared pieces in
 * op-table-linalg-common.ts). Each entry's WebGPU agreement covers n = 1…8, 16, 64 and a batch of
 * 1,000 4×4 matrices besides the random cases.
 */
import fc from 'fast-check';
import {
  entry,
  FLOAT_DTYPES,
  type MatrixSample,
  type OpCase,
  sampleFromSeed,
  triangularMatrix,
  uniform,
} from '../gradcheck/index.js';
import { makeRng } from '../gradcheck/linalg-rand.js';
import { cat, choleskyInverse, diagEmbed, linalg, type Tensor } from '../src/index.js';
import { choleskyInverseOp, choleskyOp } from '../src/ops/linalg/cholesky.js';
import { solveOp } from '../src/ops/linalg/lu.js';
import { solveTriangularOp } from '../src/ops/linalg/triangular.js';
import {
  condOf,
  gpuRuns,
  gpuSizeCases,
  input,
  linalgError,
  matrixCase,
  matrixCases,
  matrixErrors,
  matSize,
  pick,
  runs,
  seedArb,
  singularBatch,
  sizeArb,
  spd,
  squareSamples,
  wc,
} from './op-table-linalg-common.js';

const wide = uniform(-1.5, 1.5);

// ---- solve ----------------------------------------------------------------------------------------

type SolveArgs = { left: boolean };
type Rhs = 'matrix' | 'vector' | 'right';
/** Batch shapes of A and B that broadcast: equal, [2, 1] against [3], unbatched against batched, empty. */
const PAIRS: [number[], number[]][] = [
  [[], []],
  [[2], [2]],
  [[2, 1], [3]],
  [[], [2, 1]],
  [[2], []],
  [[0], [0]],
];

/**
 * A with B: a matrix B (…, n, k), a vector B ((n) when `bB` is [], else A's batch plus n) or, for
 * `left: false`, B (…, k, n).
 */
function solveCase(a: MatrixSample, bB: number[], k: number, rhs: Rhs, seed: number, label?: string) {
  const n = a.rows;
  const shape =
    rhs === 'matrix'
      ? [...bB, n, k]
      : rhs === 'right'
        ? [...bB, k, n]
        : bB.length === 0
          ? [n]
          : [...a.batch, n];
  const c: OpCase<SolveArgs> = {
    inputs: [input(a), input(sampleFromSeed(shape, wide, seed))],
    args: { left: rhs !== 'right' },
    cond: condOf(a),
  };
  return label === undefined ? c : { ...c, label };
}

const solveArb = fc
  .tuple(
    fc.constantFrom(...PAIRS),
    sizeArb(),
    fc.integer({ min: 0, max: 3 }),
    fc.constantFrom<Rhs>('matrix', 'vector', 'right'),
    seedArb,
  )
  .chain(([[bA, bB], n, k, rhs, seed]) => wc(bA, n).map((a) => solveCase(a, bB, k, rhs, seed)));

const solveSamples: OpCase<SolveArgs>[] = (
  [
    ['0x0, B [0, 2]', [], 0, [], 2, 'matrix'],
    ['1x1, vector B', [], 1, [], 1, 'vector'],
    ['3x3 (2-D), B [3, 2]', [], 3, [], 2, 'matrix'],
    ['3x3 (2-D), vector B [3]', [], 3, [], 1, 'vector'],
    ['3x3 (2-D), left: false, B [2, 3]', [], 3, [], 2, 'right'],
    ['A [2, 1, 3, 3] broadcast with B [3, 3, 2]', [2, 1], 3, [3], 2, 'matrix'],
    ['A [3, 3] with batched B [2, 3, 1]', [], 3, [2], 1, 'matrix'],
    ['A [2, 3, 3] with batched vectors B [2, 3]', [2], 3, [2], 1, 'vector'],
    ['empty batch [0]', [0], 3, [0], 2, 'matrix'],
  ] as [string, number[], number, number[], number, Rhs][]
).map(([label, bA, n, bB, k, rhs], i) => solveCase(pick(wc(bA, n), i), bB, k, rhs, i, label));

const solve = entry<SolveArgs>({
  name: 'linalg.solve',
  op: solveOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a, b], { left }) => linalg.solve(a, b, { left }),
  arbitrary: solveArb,
  samples: solveSamples,
  errors: [
    ...matrixErrors('linalg.solve', (a, mk) => linalg.solve(a, mk([3, 1]))),
    {
      desc: 'int32 B',
      call: (mk) => linalg.solve(mk([2, 2]), mk([2, 1], 'int32')),
      message: /^linalg\.solve: Expected a floating point tensor as B, but got int32/,
      type: TypeError,
    },
    {
      desc: 'B with the wrong number of rows',
      call: (mk) => linalg.solve(mk([3, 3]), mk([4, 1])),
      message: /^linalg\.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x1\)$/,
      type: RangeError,
    },
    {
      desc: 'batch dims that do not broadcast',
      call: (mk) => linalg.solve(mk([2, 3, 3]), mk([3, 3, 1])),
      message: /^linalg\.solve: shapes \[2\] and \[3\] cannot be broadcast together/,
      type: RangeError,
    },
    {
      desc: 'left: false with a 1-D B',
      call: (mk) => linalg.solve(mk([2, 2]), mk([2]), { left: false }),
      // As PyTorch: the vector is a 2x1 column, which XA = B cannot take.
      message:
        /^linalg\.solve: Incompatible shapes of A and B for the equation XA = B \(2x2 and 2x1\); with left=false, B must be a batch of k×n matrices$/,
      type: RangeError,
    },
    {
      desc: 'A and B of different dtypes',
      call: (mk) => linalg.solve(diagEmbed(mk([2])), mk([2, 1]).to('float32')),
      message: /^linalg\.solve: Expected A and B to have the same dtype/,
      type: TypeError,
      devices: ['cpu'], // webgpu has float32 only
    },
    linalgError(
      'a singular matrix',
      (mk) => linalg.solve(mk([2, 2]), mk([2])),
      /^linalg\.solve: The solver failed because the input matrix is singular\.$/,
    ),
    linalgError(
      'a singular batch element',
      (mk) => linalg.solve(singularBatch(mk), mk([3, 2, 1])),
      /^linalg\.solve: \(Batch element 1\): The solver failed because the input matrix is singular\.$/,
    ),
  ],
  ...runs(),
  webgpu: {
    numRuns: gpuRuns(),
    size: matSize,
    samples: gpuSizeCases((n, batch, seed) => solveCase(pick(wc(batch, n), seed), batch, 2, 'matrix', seed)),
  },
});

// ---- solveTriangular --------------------------------------------------------------------------------

type TriArgs = { upper: boolean; left: boolean; unitriangular: boolean };

/**
 * A triangular matrix (triangularMatrix: positive diagonal, κ < 3n) with garbage in the other
 * triangle, and on the diagonal when `unitriangular`: the op must read only its triangle.
 */
function triangularInput(t: MatrixSample, o: TriArgs, seed: number): MatrixSample {
  const rng = makeRng(seed);
  const data = Float64Array.from(t.data);
  const n = t.rows;
  for (let p = 0; p < data.length; p++) {
    const [i, j] = [Math.floor(p / n) % n, p % n];
    if ((o.upper ? j < i : j > i) || (o.unitriangular && i === j)) data[p] = rng.range(-1, 1);
  }
  return { ...t, data };
}

const triArb = (batch: number[], n: number | undefined, o: TriArgs) =>
  triangularMatrix({ batch, rows: n, upper: o.upper, unitDiagonal: o.unitriangular });

function triCase(t: MatrixSample, bB: number[], k: number, o: TriArgs, seed: number, label?: string) {
  const n = t.rows;
  const b = sampleFromSeed(o.left ? [...bB, n, k] : [...bB, k, n], wide, seed);
  const c: OpCase<TriArgs> = {
    inputs: [input(triangularInput(t, o, seed)), input(b)],
    args: o,
    cond: condOf(t),
  };
  return label === undefined ? c : { ...c, label };
}

const triArgsArb = fc.record({ upper: fc.boolean(), left: fc.boolean(), unitriangular: fc.boolean() });
const solveTriangularArb = fc
  .tuple(fc.constantFrom(...PAIRS), sizeArb(), fc.integer({ min: 0, max: 3 }), triArgsArb, seedArb)
  .chain(([[bA, bB], n, k, o, seed]) => triArb(bA, n, o).map((t) => triCase(t, bB, k, o, seed)));

const TRI: [string, TriArgs][] = [
  ['upper, left', { upper: true, left: true, unitriangular: false }],
  ['lower, left', { upper: false, left: true, unitriangular: false }],
  ['upper, right', { upper: true, left: false, unitriangular: false }],
  ['lower, right, unitriangular', { upper: false, left: false, unitriangular: true }],
  ['upper, left, unitriangular', { upper: true, left: true, unitriangular: true }],
];
const solveTriangularSamples: OpCase<TriArgs>[] = [
  triCase(pick(triArb([], 0, TRI[0][1])), [], 2, TRI[0][1], 1, '0x0, B [0, 2]'),
  triCase(pick(triArb([], 1, TRI[1][1])), [], 1, TRI[1][1], 2, '1x1, B [1, 1]'),
  ...TRI.map(([label, o], i) => triCase(pick(triArb([], 3, o), i), [], 2, o, i, `3x3 (2-D), ${label}`)),
  triCase(
    pick(triArb([2, 1], 3, TRI[1][1])),
    [3],
    2,
    TRI[1][1],
    3,
    'A [2, 1, 3, 3] broadcast with B [3, 3, 2]',
  ),
  triCase(pick(triArb([0], 3, TRI[2][1])), [0], 2, TRI[2][1], 4, 'empty batch [0]'),
];

const solveTriangular = entry<TriArgs>({
  name: 'linalg.solveTriangular',
  op: solveTriangularOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a, b], o) => linalg.solveTriangular(a, b, o),
  arbitrary: solveTriangularArb,
  samples: solveTriangularSamples,
  errors: [
    {
      desc: 'no upper argument',
      call: (mk) => linalg.solveTriangular(mk([2, 2]), mk([2, 1]), {} as never),
      message: /^linalg\.solveTriangular: the keyword argument upper is required \(true or false\)$/,
      type: TypeError,
    },
    ...matrixErrors('linalg.solveTriangular', (a, mk) =>
      linalg.solveTriangular(a, mk([3, 1]), { upper: true }),
    ),
    ...matrixErrors(
      'linalg.solveTriangular',
      (b, mk) => linalg.solveTriangular(mk([2, 2]), b, { upper: true }),
      {
        square: false,
        name: 'B',
      },
    ).map((e) => ({ ...e, desc: `${e.desc} B` })),
    {
      desc: 'B with the wrong number of rows (AX = B)',
      call: (mk) => linalg.solveTriangular(mk([2, 2]), mk([3, 1]), { upper: true }),
      message:
        /^linalg\.solveTriangular: Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)$/,
      type: RangeError,
    },
    {
      desc: 'B with the wrong number of columns (XA = B)',
      call: (mk) => linalg.solveTriangular(mk([2, 2]), mk([2, 3]), { upper: false, left: false }),
      message:
        /^linalg\.solveTriangular: Incompatible shapes of A and B for the equation XA = B \(2x2 and 2x3\)$/,
      type: RangeError,
    },
    {
      desc: 'batch dims that do not broadcast',
      call: (mk) => linalg.solveTriangular(mk([2, 2, 2]), mk([3, 2, 1]), { upper: true }),
      message: /^linalg\.solveTriangular: shapes \[2\] and \[3\] cannot be broadcast together/,
      type: RangeError,
    },
    {
      desc: 'A and B of different dtypes',
      call: (mk) => linalg.solveTriangular(diagEmbed(mk([2])), mk([2, 1]).to('float32'), { upper: true }),
      message: /^linalg\.solveTriangular: Expected A and B to have the same dtype/,
      type: TypeError,
      devices: ['cpu'], // webgpu has float32 only
    },
  ],
  ...runs(),
  webgpu: {
    numRuns: gpuRuns(),
    size: matSize,
    samples: gpuSizeCases((n, batch, seed) => {
      const o = TRI[seed % TRI.length][1];
      return triCase(pick(triArb(batch, n, o), seed), batch, 2, o, seed);
    }),
  },
});

// ---- cholesky, choleskyInverse --------------------------------------------------------------------

type UpperArgs = { upper: boolean };
const upperArb = fc.record({ upper: fc.boolean() });

/** [[0.5, 1], [1, 0.5]] as `mk` makes it: its leading minor of order 2 is negative. */
const notPd2 = (mk: (s: number[]) => Tensor) =>
  mk([2, 2])
    .add(mk([2, 2]))
    .sub(diagEmbed(mk([2])));
const NOT_PD =
  'The factorization could not be completed because the input is not positive-definite \\(the leading minor of order';

/**
 * cholesky and choleskyEx (its L). The gradient of cholesky is the symmetric one (as PyTorch's):
 * check it through A ↦ (A + Aᵀ)/2. `raising` is the call that must raise for non-PD input.
 */
const choleskyEntry = (
  name: string,
  call: (a: Tensor, upper: boolean) => Tensor,
  raising: { op: string; call: (a: Tensor, upper: boolean) => Tensor },
) =>
  entry<UpperArgs>({
    name,
    op: choleskyOp,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([a], { upper }) => call(a.add(a.mT).mul(0.5), upper),
    arbitrary: matrixCases((batch) => spd(batch), upperArb),
    samples: [
      ...squareSamples((b, n) => spd(b, n), { upper: false }),
      ...squareSamples((b, n) => spd(b, n), { upper: true }).map((c) => ({
        ...c,
        label: `${c.label}, upper`,
      })),
    ],
    errors: [
      ...matrixErrors('linalg.cholesky', (a) => call(a, false)),
      linalgError(
        'a matrix that is not positive-definite',
        (mk) => raising.call(notPd2(mk), false),
        new RegExp(`^${raising.op.replace('.', '\\.')}: ${NOT_PD} 2 is not positive-definite\\)\\.$`),
      ),
      linalgError(
        'a batch element that is not positive-definite (upper)',
        (mk) => raising.call(cat([diagEmbed(mk([1, 2])), mk([1, 2, 2]).neg()], 0), true),
        new RegExp(
          `^${raising.op.replace('.', '\\.')}: \\(Batch element 1\\): ${NOT_PD} 1 is not positive-definite\\)\\.$`,
        ),
      ),
    ],
    ...runs(),
    webgpu: {
      numRuns: gpuRuns(),
      size: matSize,
      samples: gpuSizeCases((n, batch, seed) =>
        matrixCase('', pick(spd(batch, n), seed), { upper: seed % 2 === 0 }),
      ),
    },
  });

const cholesky = choleskyEntry('linalg.cholesky', (a, upper) => linalg.cholesky(a, { upper }), {
  op: 'linalg.cholesky',
  call: (a, upper) => linalg.cholesky(a, { upper }),
});
// choleskyEx never raises unless checkErrors: then as cholesky does (on WebGPU when L is read).
const choleskyEx = choleskyEntry('linalg.choleskyEx (L)', (a, upper) => linalg.choleskyEx(a, { upper }).L, {
  op: 'linalg.choleskyEx',
  call: (a, upper) => linalg.choleskyEx(a, { upper, checkErrors: true }).L,
});

/**
 * choleskyInverse's gradient is PyTorch's unprojected formula, so (as PyTorch's OpInfo) it is
 * checked through the triangle that is read: L ↦ tril(L) (triu for upper). The factor has
 * κ(L) = 5 exactly (triangularMatrix), so κ(L Lᵀ) = 25; its other triangle holds garbage.
 */
const CI_COND = 5;
const factorArb = (batch: number[], n: number | undefined, upper: boolean) =>
  fc.tuple(triangularMatrix({ batch, rows: n, upper, cond: CI_COND }), seedArb).map(([t, seed]) => ({
    ...triangularInput(t, { upper, left: true, unitriangular: false }, seed),
    cond: CI_COND ** 2,
  }));

const choleskyInverseEntry = entry<UpperArgs>({
  name: 'choleskyInverse',
  op: choleskyInverseOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([l], { upper }) => choleskyInverse(upper ? l.triu() : l.tril(), { upper }),
  arbitrary: upperArb.chain((args) =>
    matrixCases((batch) => factorArb(batch, undefined, args.upper), fc.constant(args)),
  ),
  samples: [
    ...squareSamples((b, n) => factorArb(b, n, false), { upper: false }),
    ...squareSamples((b, n) => factorArb(b, n, true), { upper: true }).map((c) => ({
      ...c,
      label: `${c.label}, upper`,
    })),
  ],
  errors: [
    ...matrixErrors('cholesky_inverse', (l) => choleskyInverse(l), { name: 'input' }),
    linalgError(
      'a zero on the diagonal',
      (mk) => choleskyInverse(mk([2, 2]).sub(mk([2, 2]))),
      /^cholesky_inverse: The diagonal element 1 is zero, the inversion could not be completed because the input matrix is singular\.$/,
    ),
  ],
  ...runs(),
  webgpu: {
    numRuns: gpuRuns(),
    size: matSize,
    samples: gpuSizeCases((n, batch, seed) =>
      matrixCase('', pick(factorArb(batch, n, seed % 2 === 0), seed), { upper: seed % 2 === 0 }),
    ),
  },
});

export const solveEntries = [solve, solveTriangular, cholesky, choleskyEx, choleskyInverseEntry];
