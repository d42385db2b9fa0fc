/**
 * Op-table entries of the LU family, part 1: inv, invEx, luFactor, det, slogdet, logdet (solve,
 * solveTriangular, cholesky and choleskyInverse are in op-table-linalg-solve.ts; the shared pieces
 * in op-table-linalg-common.ts).
 *
 * Inputs come from the matrix arbitraries with a known condition number (wellConditionedMatrix:
 * ‖A‖₂ = 1, κ = 10; spdMatrix), so gradients are checked where they exist and the WebGPU
 * tolerances follow from κ. Besides the random cases, each entry's WebGPU agreement covers
 * n = 1…8, 16, 64 and a batch of 1,000 4×4 matrices (gpuSizeCases).
 */
import fc from 'fast-check';
import {
  agreementTolerance,
  distinctSingularValuesMatrix,
  type ErrorCase,
  entry,
  FLOAT_DTYPES,
  type OpCase,
  rankDeficientMatrix,
  type Tolerance,
} from '../gradcheck/index.js';
import { linalg, logdet, type Tensor } from '../src/index.js';
import { binaryOps, whereOp } from '../src/ops/elementwise.js';
import { detOp, invOp, luFactorOp, slogdetOp } from '../src/ops/linalg/lu.js';
import {
  gpuRuns,
  gpuSizeCases,
  linalgAgreement,
  linalgError,
  matrixCase,
  matrixCases,
  matrixErrors,
  matrixGpuCases,
  matSize,
  maxAbs,
  pick,
  runs,
  singularBatch,
  spd,
  squareSamples,
  wc,
} from './op-table-linalg-common.js';

const noArgs = fc.constant(undefined);
const SINGULAR_INV =
  'The diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular\\.$';

// ---- inv, invEx -----------------------------------------------------------------------------------

const inverseEntry = (name: string, call: (a: Tensor) => Tensor, errors: ErrorCase[]) =>
  entry<undefined>({
    name,
    op: invOp,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([a]) => call(a),
    arbitrary: matrixCases((batch) => wc(batch), noArgs),
    samples: squareSamples((b, n) => wc(b, n), undefined),
    errors: [...matrixErrors('linalg.inv', call), ...errors],
    ...runs(),
    webgpu: { numRuns: gpuRuns(), size: matSize, samples: matrixGpuCases((b, n) => wc(b, n), undefined) },
  });

const inv = inverseEntry('linalg.inv', (a) => linalg.inv(a), [
  linalgError(
    'a singular matrix',
    (mk) => linalg.inv(mk([2, 2])),
    new RegExp(`^linalg\\.inv: ${SINGULAR_INV}`),
  ),
  linalgError(
    'a singular batch element',
    (mk) => linalg.inv(singularBatch(mk)),
    new RegExp(`^linalg\\.inv: \\(Batch element 1\\): ${SINGULAR_INV}`),
  ),
]);

// invEx names linalg.inv in its shape errors, as PyTorch's inv_ex does.
const invEx = inverseEntry('linalg.invEx (inverse)', (a) => linalg.invEx(a).inverse, [
  linalgError(
    'a singular matrix with checkErrors',
    (mk) => linalg.invEx(mk([2, 2]), { checkErrors: true }).inverse,
    new RegExp(`^linalg\\.invEx: ${SINGULAR_INV}`),
  ),
]);

// ---- luFactor -------------------------------------------------------------------------------------

/**
 * luFactor takes rectangular matrices too (PyTorch's OpInfo samples (S + δ) × S, δ = −2…2):
 * half the random cases are m×n with distinct singular values (κ = s_max/s_min known).
 */
const rect = (batch: number[], m?: number, n?: number) =>
  distinctSingularValuesMatrix({ batch, rows: m, cols: n });
const rectSamples = (): OpCase<undefined>[] => [
  matrixCase('5x3 (2-D)', pick(rect([], 5, 3)), undefined),
  matrixCase('3x5 (2-D)', pick(rect([], 3, 5)), undefined),
  matrixCase('[2] batch of 4x1', pick(rect([2], 4, 1)), undefined),
  matrixCase('[2, 1] batch of 2x6', pick(rect([2, 1], 2, 6)), undefined),
  matrixCase('0x3', pick(rect([], 0, 3)), undefined),
  matrixCase('empty batch [0] of 3x2', pick(rect([0], 3, 2)), undefined),
];

const luFactor = entry<undefined>({
  name: 'linalg.luFactor (LU)',
  op: luFactorOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a]) => linalg.luFactor(a).LU,
  // Well-conditioned inputs: the pivots are locally constant, so LU is differentiable.
  arbitrary: fc.oneof(
    matrixCases((batch) => wc(batch), noArgs),
    matrixCases((batch) => rect(batch), noArgs),
  ),
  samples: [...squareSamples((b, n) => wc(b, n), undefined), ...rectSamples()],
  errors: [
    ...matrixErrors('linalg.luFactor', (a) => linalg.luFactor(a), { square: false }),
    linalgError(
      'a singular matrix',
      (mk) => linalg.luFactor(mk([2, 2])).LU,
      /^linalg\.luFactor: U\[2,2\] is zero and using it on luSolve would result in a division by zero\./,
    ),
    linalgError(
      'a rank-deficient 3x2 matrix',
      (mk) => linalg.luFactor(mk([3, 2])).LU,
      /^linalg\.luFactor: U\[2,2\] is zero/,
    ),
  ],
  ...runs(),
  webgpu: {
    numRuns: gpuRuns(),
    size: matSize,
    samples: [
      ...matrixGpuCases((b, n) => wc(b, n), undefined),
      ...(
        [
          [16, 8, [], 1],
          [8, 16, [], 2],
          [64, 40, [], 3],
          [40, 64, [], 4],
          [4, 3, [1000], 5],
        ] as [number, number, number[], number][]
      ).map(([m, n, batch, seed]) => ({
        ...matrixCase('', pick(rect(batch, m, n), seed), undefined),
        label: `webgpu ${batch.length ? 'batch of 1,000 ' : ''}${m}x${n}`,
      })),
    ],
  },
});

// ---- det, slogdet, logdet -------------------------------------------------------------------------

/**
 * det: d det = tr(cof(A)ᵀ dA), so a normwise backward error η moves det by at most
 * n·‖cof(A)‖₂·η‖A‖₂ (|tr M| ≤ n‖M‖₂). These matrices have ‖A‖₂ = 1 and singular values ≤ 1, so
 * ‖cof(A)‖₂ = ∏_{i<n} s_i, which is |det|·κ for invertible A (a relative bound n·κ·η) and at most 1
 * for the singular samples, whose cond is unknown (an absolute bound n·η). The gradient
 * g·cof(A) = g·det·A⁻ᵀ adds A⁻ᵀ's κ·η to det's n·κ·η, normwise.
 */
function detTolerance(c: OpCase, kind: 'forward' | 'backward', ref: Float64Array): Tolerance {
  const n = matSize(c);
  if (c.cond === undefined) {
    // Singular: |Δdet| ≤ n·η and, cof being a polynomial of degree n − 1 in entries ≤ 1, the same for g·cof.
    return { atol: agreementTolerance({ cond: 1, n, factor: kind === 'forward' ? n : n + 1 }).rtol, rtol: 0 };
  }
  if (kind === 'backward') return linalgAgreement(c, n + 1, maxAbs(ref));
  return { atol: 0, rtol: agreementTolerance({ cond: c.cond, n, factor: n }).rtol };
}

/** log|det|: its absolute error is det's relative error, n·κ·η (above); the gradient A⁻ᵀ has κ·η. */
function logdetTolerance(c: OpCase, kind: 'forward' | 'backward', ref: Float64Array): Tolerance {
  const n = matSize(c);
  if (kind === 'backward') return linalgAgreement(c, 2, maxAbs(ref));
  return { atol: agreementTolerance({ cond: c.cond ?? 1, n, factor: n }).rtol, rtol: 0 };
}

/** Size cases for det-like ops: κ = 2 keeps det of the 64×64 matrix (≈ 1e-10) far from underflow. */
const detGpuCases = gpuSizeCases((n, batch, seed) =>
  matrixCase('', pick(wc(batch, n, n > 8 ? 2 : 10), seed), undefined),
);

/** Singular samples: rank n − 1 (cofactor of rank 1), rank n − 2 (cofactor 0), and exact small-integer ones. */
const detSingular: OpCase<undefined>[] = [
  ...(
    [
      ['singular 3x3 of rank 2', 2, []],
      ['singular 3x3 of rank 1', 1, []],
      ['[2] batch of singular 3x3 of rank 2', 2, [2]],
    ] as [string, number, number[]][]
  ).map(([label, rank, batch]) => ({
    ...matrixCase(label, pick(rankDeficientMatrix({ rank, rows: 3, cols: 3, batch })), undefined),
  })),
  {
    label: 'singular [[1, 2], [2, 4]] / 4 (2-D)',
    inputs: [{ shape: [2, 2], data: Float64Array.from([0.25, 0.5, 0.5, 1]) }],
    args: undefined,
  },
  {
    label: 'singular [[1, 2, 0], [2, 4, 0], [1, 1, 1]] / 4 (2-D)',
    inputs: [{ shape: [3, 3], data: Float64Array.from([1, 2, 0, 2, 4, 0, 1, 1, 1].map((x) => x / 4)) }],
    args: undefined,
  },
];

const det = entry<undefined>({
  name: 'linalg.det',
  op: detOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a]) => linalg.det(a),
  arbitrary: matrixCases((batch) => wc(batch), noArgs),
  samples: [...squareSamples((b, n) => wc(b, n), undefined), ...detSingular],
  errors: matrixErrors('linalg.det', (a) => linalg.det(a)),
  ...runs(),
  webgpu: { numRuns: gpuRuns(), tolerance: detTolerance, samples: detGpuCases },
});

const slogdet = entry<undefined>({
  name: 'linalg.slogdet (logabsdet)',
  op: slogdetOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a]) => linalg.slogdet(a).logabsdet,
  arbitrary: matrixCases((batch) => wc(batch), noArgs),
  samples: squareSamples((b, n) => wc(b, n), undefined),
  errors: matrixErrors('linalg.slogdet', (a) => linalg.slogdet(a)),
  ...runs(),
  webgpu: { numRuns: gpuRuns(), tolerance: logdetTolerance, samples: detGpuCases },
});

const logdetEntry = entry<undefined>({
  name: 'logdet',
  // logabsdet of slogdet, NaN where the sign is negative.
  composite: [slogdetOp, binaryOps.lt, whereOp],
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a]) => logdet(a),
  // SPD inputs: det > 0 (logdet is NaN for det < 0).
  arbitrary: matrixCases((batch) => spd(batch), noArgs),
  samples: squareSamples((b, n) => spd(b, n), undefined),
  errors: matrixErrors('logdet', (a) => logdet(a)),
  ...runs(),
  webgpu: {
    numRuns: gpuRuns(),
    tolerance: logdetTolerance,
    samples: gpuSizeCases((n, batch, seed) =>
      matrixCase('', pick(spd(batch, n, n > 8 ? 2 : 10), seed), undefined),
    ),
  },
});

export const luEntries = [inv, invEx, luFactor, det, slogdet, logdetEntry];
