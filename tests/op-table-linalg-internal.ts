/**
 * Op-table entries of the OpDefs that linalg functions use inside and that no public function
 * applies alone: cofactor (det's gradient), the LU pivots' permutation (luFactor's gradient), the
 * max/min over the last dim (the 1- and ∞-norms), the rank count (matrixRank) and the nonzero
 * test of an int32 info (cond). Each is applied directly (applyOp1), so every OpDef has its own
 * gradcheck, error and WebGPU agreement tests (tests/op-table-coverage.test.ts asks for them).
 */
import fc from 'fast-check';
import {
  casesOf,
  distinctSingularValuesMatrix,
  entry,
  FLOAT_DTYPES,
  fixed,
  GRADIENT_CHECKS,
  grid,
  type InputSpec,
  type MatrixSample,
  type OpCase,
  oneOf,
  rankDeficientMatrix,
  samplesArb,
  shapeArb,
  sizeArb,
  uniform,
} from '../gradcheck/index.js';
import { makeRng } from '../gradcheck/linalg-rand.js';
import { applyOp1, type Tensor } from '../src/index.js';
import { cofactorOp, pivotsOp } from '../src/ops/linalg/cofactor.js';
import { countAboveOp, extremumOp, nonzeroOp } from '../src/ops/linalg/norms.js';
import {
  BATCHES,
  batchArb,
  gpuRuns,
  linalgAgreement,
  matrixCase,
  matrixErrors,
  matSize,
  maxAbs,
  pick,
  runs,
  seedArb,
} from './op-table-linalg-common.js';

const wide = uniform(-1.5, 1.5);
/** The float dtype of an op's output on the device of `x` (float64 on the cpu, float32 on webgpu). */
const floatOn = (x: Tensor) => (x.device === 'webgpu' ? 'float32' : 'float64');
const NOT_DIFFERENTIABLE = (name: string, what: string) => `${name} returns ${what}: it has no gradient`;

// ---- cofactor ---------------------------------------------------------------------------------------

/**
 * Square matrices with relative singular-value gaps ≥ G: the LU route forward, and a backward (the
 * Hessian of det) through the SVD, whose singular vectors have condition κ/G (Wedin).
 */
const G = 0.1;
const square = (batch: number[], n: number) =>
  distinctSingularValuesMatrix({ batch, rows: n, cols: n, minRelGap: G }).map((s) => ({
    ...s,
    cond: (s.cond ?? 1) / G,
  }));
const squareCases = batchArb.chain((b) =>
  fc
    .integer({ min: 0, max: 5 })
    .chain((n) => square(b, n))
    .map(
      (s): OpCase<undefined> => ({
        inputs: [{ shape: [...s.shape], data: s.data }],
        args: undefined,
        cond: s.cond,
      }),
    ),
);
const squareCase = (label: string, s: MatrixSample) => matrixCase(label, s, undefined);

const cofactor = entry<undefined>({
  name: 'cofactor',
  op: cofactorOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a]) => applyOp1(cofactorOp, [a]),
  arbitrary: squareCases,
  samples: [
    squareCase('0x0', pick(square([], 0))),
    squareCase('1x1', pick(square([], 1))),
    squareCase('3x3 (2-D)', pick(square([], 3))),
    squareCase('[2, 1] batch of 2x2', pick(square([2, 1], 2))),
    squareCase('empty batch [0] of 3x3', pick(square([0], 3))),
    // The SVD route: rank n − 1, one zero singular value (still simple, so the backward's SVD is too).
    {
      ...squareCase('singular 3x3 of rank 2', pick(rankDeficientMatrix({ rank: 2, rows: 3, cols: 3 }))),
      cond: undefined,
    },
  ],
  // cofactor names linalg.det, whose gradient it is.
  errors: matrixErrors('linalg.det', (a) => applyOp1(cofactorOp, [a])),
  ...runs(0.5),
  webgpu: {
    numRuns: gpuRuns(0.5),
    // cof(A) = det(A)·A⁻ᵀ: det's n·κ·η and the inverse's κ·η, as det's gradient (op-table-linalg-lu.ts);
    // its backward (the Hessian of det, through the SVD) within the same bound with κ/G for cond.
    tolerance: (c, _kind, ref) => linalgAgreement(c, matSize(c) + 1, maxAbs(ref)),
  },
});

// ---- LU pivots to permutation ---------------------------------------------------------------------

type PivotArgs = { m: number };
/** LAPACK pivots of an m×n matrix, k = min(m, n) of them: pivot q (0-based) is in [q + 1, m]. */
function pivotCase(batch: number[], m: number, k: number, seed: number, label?: string): OpCase<PivotArgs> {
  const rng = makeRng(seed);
  const count = batch.reduce((p, d) => p * d, 1);
  const data = new Float64Array(count * k);
  for (let e = 0; e < count; e++) {
    for (let q = 0; q < k; q++) data[e * k + q] = q + 1 + Math.floor(rng.uniform() * (m - q));
  }
  const input: InputSpec = { shape: [...batch, k], data, dtype: 'int32', grad: false };
  const c: OpCase<PivotArgs> = { inputs: [input], args: { m } };
  return label === undefined ? c : { ...c, label };
}

const pivots = entry<PivotArgs>({
  name: 'luPivotsToPermutation',
  op: pivotsOp,
  dtypes: { cpu: ['int32'], webgpu: ['int32'] },
  fn: ([p], { m }) => applyOp1(pivotsOp, [p], { m, dtype: floatOn(p) }),
  arbitrary: fc
    .tuple(batchArb, sizeArb(0, 5), sizeArb(0, 5), seedArb)
    .map(([b, m, n, seed]) => pivotCase(b, m, Math.min(m, n), seed)),
  samples: [
    pivotCase([], 0, 0, 1, '0x0'),
    pivotCase([], 1, 1, 2, '1x1'),
    pivotCase([], 4, 4, 3, '4x4 (2-D)'),
    pivotCase([], 5, 2, 4, '5x2 (tall)'),
    pivotCase([2, 1], 3, 3, 5, '[2, 1] batch of 3x3'),
    pivotCase([0], 3, 3, 6, 'empty batch [0]'),
  ],
  skipped: [{ check: GRADIENT_CHECKS, reason: NOT_DIFFERENTIABLE('luPivotsToPermutation', 'a permutation') }],
  webgpu: { numRuns: gpuRuns(0.5) },
});

// ---- amax / amin over the last dim ------------------------------------------------------------------

type ExtremumArgs = { min: boolean };
const lastDimCases = casesOf(
  fc
    .tuple(shapeArb({ maxDims: 2 }), sizeArb(1, 4), fc.boolean())
    .map(([batch, k, min]) => ({ shapes: [[...batch, k]], args: { min } })),
  [wide],
);
const amax = entry<ExtremumArgs>({
  name: 'amax (last dim)',
  op: extremumOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([x], a) => applyOp1(extremumOp, [x], a),
  // Uniform entries: ties (where the gradient is shared) have probability 0.
  arbitrary: lastDimCases,
  samples: [
    fixed('[3]', [[3]], [wide], { min: false }),
    fixed('[3], min', [[3]], [wide], { min: true }),
    fixed('[2, 1]', [[2, 1]], [wide], { min: false }),
    fixed('[2, 3, 4], min', [[2, 3, 4]], [wide], { min: true }),
    fixed('empty batch [0, 3]', [[0, 3]], [wide], { min: false }),
  ],
});

// ---- matrixRank's count -----------------------------------------------------------------------------

type CountArgs = { atol: number; rtol: number };
/**
 * Entries ±0.125, ±0.375, ±0.625, ±0.875 (exact in float32); each cutoff max(atol, rtol·max|s|)
 * stays at least 0.06 away from every entry, so both devices count alike.
 */
const offGrid = grid({ lo: -1, hi: 1, step: 0.25, offset: 0.125 });
const CUTS: CountArgs[] = [
  { atol: 0.5, rtol: 0 },
  { atol: 0, rtol: 0.3 },
  { atol: 0.2, rtol: 0.5 },
];
const count = entry<CountArgs>({
  name: 'matrixRankCount',
  op: countAboveOp,
  dtypes: FLOAT_DTYPES,
  fn: ([s], a) => applyOp1(countAboveOp, [s], a),
  arbitrary: casesOf(
    fc
      .tuple(shapeArb({ minDims: 1, maxDims: 3 }), fc.constantFrom(...CUTS))
      .map(([shape, args]) => ({ shapes: [shape], args })),
    [offGrid],
  ),
  samples: [
    fixed('[4]', [[4]], [offGrid], CUTS[0]),
    fixed('[2, 5], rtol', [[2, 5]], [offGrid], CUTS[1]),
    fixed('[3, 0] (no entries)', [[3, 0]], [offGrid], CUTS[2]),
  ],
  skipped: [{ check: GRADIENT_CHECKS, reason: NOT_DIFFERENTIABLE('matrixRankCount', 'an int32 count') }],
  webgpu: { numRuns: gpuRuns(0.5) },
});

// ---- the nonzero test of an int32 info --------------------------------------------------------------

const info = oneOf([0, 0, 1, 2, -3]);
const asInt = (inputs: InputSpec[]): InputSpec[] =>
  inputs.map((s) => ({ ...s, dtype: 'int32', grad: false }));
const nonzero = entry<undefined>({
  name: 'infoNonzero',
  op: nonzeroOp,
  dtypes: { cpu: ['int32'], webgpu: ['int32'] },
  fn: ([x]) => applyOp1(nonzeroOp, [x], { dtype: floatOn(x) }),
  arbitrary: samplesArb(
    shapeArb().map((s) => [s]),
    [info],
  ).map((inputs) => ({ inputs: asInt(inputs), args: undefined })),
  samples: BATCHES.map((b, i) => {
    const c = fixed(`batch [${b.join(', ')}]`, [b], [info], undefined, i + 1);
    return { ...c, inputs: asInt(c.inputs) };
  }),
  skipped: [{ check: GRADIENT_CHECKS, reason: NOT_DIFFERENTIABLE('infoNonzero', '0/1 flags') }],
  webgpu: { numRuns: gpuRuns(0.5) },
});

export const internalEntries = [cofactor, pivots, amax, count, nonzero];
