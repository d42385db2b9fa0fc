/**
 * Op-table entries of the ops built on the SVD / eigh / inv: pinv, lstsq, matrixNorm (each ord),
 * cond and matrixRank (see op-table-linalg-common.ts and op-table-linalg-spectral.ts).
 *
 * WebGPU tolerances: pinv moves by μ·κ·η relative (Wedin, μ ≤ 2: factor 2), its Golub–Pereyra
 * gradient multiplies up to four such factors (factor 2 here, doubled for backward by the
 * driver); a least-squares solution with a nonzero residual has condition κ² (κ + κ²·‖r‖/‖A‖‖x‖).
 */
import fc from 'fast-check';
import {
  type AnyOpDef,
  distinctSingularValuesMatrix,
  type ErrorCase,
  entry,
  FLOAT_DTYPES,
  GRADIENT_CHECKS,
  type MatrixSample,
  type OpCase,
  rankDeficientMatrix,
  type Sampler,
  sampleFromSeed,
  samplesFromSeed,
  signed,
  symmetricMatrix,
  uniform,
  wellConditionedMatrix,
} from '../gradcheck/index.js';
import { linalg, type Tensor } from '../src/index.js';
import { binaryOps, unaryOps } from '../src/ops/elementwise.js';
import { eighOp } from '../src/ops/linalg/eigh.js';
import { invOp } from '../src/ops/linalg/lu.js';
import { countAboveOp, extremumOp, nonzeroOp } from '../src/ops/linalg/norms.js';
import { pinvOp } from '../src/ops/linalg/pinv.js';
import { svdOp } from '../src/ops/linalg/svd.js';
import { bmmOp } from '../src/ops/matmul.js';
import { sumOp } from '../src/ops/reduce.js';
import { narrowOp } from '../src/ops/shape.js';
import {
  BATCHES,
  batchArb,
  gpuRuns,
  input,
  matrixCase,
  matrixErrors,
  matSize,
  pick,
  runs,
  seedArb,
  sizeArb,
  squareSamples,
} from './op-table-linalg-common.js';

/** Full rank with distinct singular values: κ = σ_max/σ_min ≤ 1/0.8⁵ ≈ 3 for sizes ≤ 6. */
const fullRank = (batch: number[], m?: number, n?: number) =>
  distinctSingularValuesMatrix({ batch, rows: m, cols: n });
/** Singular vectors have condition σ_max/min(gap, σ_min) ≤ κ/G (relative gaps ≥ G). */
const G = 0.1;
const svCond = (s: MatrixSample) => (s.cond ?? 1) / G;

function rect<A>(
  args: (m: number, n: number) => fc.Arbitrary<A>,
  make: (batch: number[], m: number, n: number) => fc.Arbitrary<MatrixSample>,
  cond: (s: MatrixSample) => number | undefined,
  min = 0,
): fc.Arbitrary<OpCase<A>> {
  return fc
    .tuple(batchArb, sizeArb(min), sizeArb(min))
    .chain(([b, m, n]) => fc.tuple(make(b, m, n), args(m, n)))
    .map(([s, a]): OpCase<A> => ({ inputs: [input(s)], args: a, cond: cond(s) }));
}

/** Fixed samples: 1×1, tall, wide and square 2-D, a [2, 1] batch, and (with `empty`) 0×0, 0×3, [0] batch. */
function fixedRect<A>(
  args: A,
  make: (batch: number[], m: number, n: number) => fc.Arbitrary<MatrixSample>,
  cond: (s: MatrixSample) => number | undefined,
  empty = true,
): OpCase<A>[] {
  const shapes: [string, number[], number, number][] = [
    ['1x1', [], 1, 1],
    ['4x2 (2-D)', [], 4, 2],
    ['2x4 (2-D)', [], 2, 4],
    ['3x3 (2-D)', [], 3, 3],
    ['[2, 1] batch of 3x2', [2, 1], 3, 2],
  ];
  if (empty) shapes.unshift(['0x0', [], 0, 0], ['0x3', [], 0, 3], ['empty batch [0] of 2x3', [0], 2, 3]);
  return shapes.map(([label, b, m, n], i) => {
    const s = pick(make(b, m, n), i);
    return { ...matrixCase(label, s, args), cond: cond(s) };
  });
}

// ---- pinv -----------------------------------------------------------------------------------------

const pinvErrors = [
  ...matrixErrors('linalg.pinv', (a) => linalg.pinv(a), { square: false }),
  {
    desc: 'a negative rtol',
    call: (mk: (s: number[]) => Tensor) => linalg.pinv(mk([2, 2]), { rtol: -1 }),
    message: /^linalg\.pinv: rtol must be a finite number >= 0, got -1$/,
    type: RangeError,
  },
  {
    desc: 'hermitian with non-square matrices',
    call: (mk: (s: number[]) => Tensor) => linalg.pinv(mk([2, 3]), { hermitian: true }),
    message: /^linalg\.pinv: A must be batches of square matrices, but they are 2 by 3 matrices$/,
    type: RangeError,
  },
];

const pinv = entry<undefined>({
  name: 'linalg.pinv',
  op: pinvOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a]) => linalg.pinv(a),
  arbitrary: rect(
    () => fc.constant(undefined),
    fullRank,
    (s) => s.cond,
  ),
  samples: fixedRect(undefined, fullRank, (s) => s.cond),
  errors: pinvErrors,
  ...runs(0.75),
  webgpu: { numRuns: gpuRuns(0.75), size: matSize, factor: 2 },
});

/** Through x + xᵀ (eigh reads one triangle): symmetric, nonsingular, κ ≤ 4 (symmetricMatrix). */
const pinvHermitian = entry<undefined>({
  name: 'linalg.pinv (hermitian)',
  op: pinvOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([x]) => linalg.pinv(x.add(x.mT), { hermitian: true }),
  arbitrary: rect(
    () => fc.constant(undefined),
    (b, n) => symmetricMatrix({ batch: b, rows: n }),
    (s) => s.cond,
  ),
  samples: squareSamples((b, n) => symmetricMatrix({ batch: b, rows: n }), undefined),
  ...runs(0.75),
  webgpu: { numRuns: gpuRuns(0.75), size: matSize, factor: 2 },
});

/**
 * Rank r < min(m, n): A = a·bᵀ with a (m×r) and b (n×r) of distinct singular values, checked
 * through the factors (the rank stays r). Nonzero singular values of A lie within a factor
 * κ(a)·κ(b) ≤ 9 of σ_max; the zero ones are rounding noise (≈ n·eps·σ_max, float64 or float32).
 * The explicit rtol = 1e-4 separates the two on both devices: the default eps·max(m, n) sits at
 * the noise level, so it would decide the rank by chance.
 */
type FactorArgs = { rtol: number };
const RANK_RTOL = 1e-4;
function factorCase(b: number[], m: number, n: number, r: number, seed: number, label?: string) {
  const a = pick(fullRank(b, m, r), seed);
  const c = pick(fullRank(b, n, r), seed + 1);
  const out: OpCase<FactorArgs> = {
    inputs: [input(a), input(c)],
    args: { rtol: RANK_RTOL },
    cond: (a.cond ?? 1) * (c.cond ?? 1),
  };
  return label === undefined ? out : { ...out, label };
}
const pinvFactors = entry<FactorArgs>({
  name: 'linalg.pinv (rank-deficient a·bᵀ)',
  op: pinvOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a, b], { rtol }) => linalg.pinv(a.matmul(b.mT), { rtol }),
  arbitrary: fc
    .tuple(batchArb, sizeArb(1), sizeArb(1), fc.nat(), seedArb)
    .map(([b, m, n, r, seed]) => factorCase(b, m, n, r % Math.min(m, n), seed)),
  samples: [
    factorCase([], 0, 0, 0, 6, '0x0'),
    factorCase([], 1, 1, 0, 7, '1x1 of rank 0'),
    factorCase([], 4, 3, 1, 1, '4x3 of rank 1 (2-D)'),
    factorCase([], 3, 5, 2, 2, '3x5 of rank 2 (2-D)'),
    factorCase([], 3, 3, 0, 3, '3x3 of rank 0 (2-D)'),
    factorCase([2, 1], 4, 4, 2, 4, '[2, 1] batch of 4x4 of rank 2'),
    factorCase([0], 3, 2, 1, 5, 'empty batch [0]'),
  ],
  ...runs(0.75),
  webgpu: { numRuns: gpuRuns(0.75), size: matSize, factor: 2 },
});

// ---- lstsq ----------------------------------------------------------------------------------------

/** Batch shapes of A and B (same number of dims, as lstsq requires for a matrix B) that broadcast. */
const LSTSQ_PAIRS: [number[], number[]][] = [
  [[], []],
  [[2], [2]],
  [
    [2, 1],
    [1, 3],
  ],
  [[2], [1]],
  [[0], [0]],
];
type LstsqArgs = undefined;
function lstsqCase(a: MatrixSample, bB: number[], k: number, vector: boolean, seed: number, label?: string) {
  const m = a.rows;
  const shape = vector ? [...a.batch, m] : [...bB, m, k];
  const c: OpCase<LstsqArgs> = {
    inputs: [input(a), input(sampleFromSeed(shape, uniform(-1.5, 1.5), seed))],
    args: undefined,
    // A random B leaves a residual: the solution has condition κ².
    cond: (a.cond ?? 1) ** 2,
  };
  return label === undefined ? c : { ...c, label };
}
const lstsq = entry<LstsqArgs>({
  name: 'linalg.lstsq (solution)',
  // X = A⁺ B: pinv's factors, then a product.
  composite: [pinvOp, bmmOp],
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a, b]) => linalg.lstsq(a, b).solution,
  arbitrary: fc
    .tuple(
      fc.constantFrom(...LSTSQ_PAIRS),
      sizeArb(),
      sizeArb(),
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      seedArb,
    )
    .chain(([[bA, bB], m, n, k, vector, seed]) =>
      fullRank(bA, m, n).map((a) => lstsqCase(a, bB, k, vector, seed)),
    ),
  samples: (
    [
      ['0x0, B [0, 2]', [], 0, 0, [], 2, false],
      ['1x1, vector B', [], 1, 1, [], 1, true],
      ['5x3 (2-D, overdetermined), B [5, 2]', [], 5, 3, [], 2, false],
      ['2x4 (2-D, underdetermined), B [2, 1]', [], 2, 4, [], 1, false],
      ['4x2 (2-D), vector B [4]', [], 4, 2, [], 1, true],
      ['A [2, 1, 4, 3] broadcast with B [1, 3, 4, 2]', [2, 1], 4, 3, [1, 3], 2, false],
      ['empty batch [0]', [0], 3, 2, [0], 1, false],
    ] as [string, number[], number, number, number[], number, boolean][]
  ).map(([label, bA, m, n, bB, k, vector], i) =>
    lstsqCase(pick(fullRank(bA, m, n), i), bB, k, vector, i, label),
  ),
  errors: [
    ...matrixErrors('linalg.lstsq', (a, mk) => linalg.lstsq(a, mk([3, 1])), { square: false }),
    {
      desc: 'B with the wrong number of rows',
      call: (mk) => linalg.lstsq(mk([3, 3]), mk([4, 1])),
      message: /^linalg\.lstsq: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x1\)/,
      type: RangeError,
    },
    {
      desc: 'B with too many dims',
      call: (mk) => linalg.lstsq(mk([3, 3]), mk([2, 3, 1])),
      message:
        /^linalg\.lstsq: A\.dim\(\) must be greater or equal to B\.dim\(\) and \(A\.dim\(\) - B\.dim\(\)\) <= 1/,
      type: RangeError,
    },
    {
      desc: 'A and B of different dtypes',
      call: (mk) => linalg.lstsq(mk([3, 3]), mk([3, 1]).to('float32')),
      message:
        /^linalg\.lstsq: Expected A and B to have the same dtype, but got A with dtype float64 and B with dtype float32; convert one with \.to\(\)$/,
      type: TypeError,
      devices: ['cpu'], // webgpu has float32 only
    },
    {
      desc: 'a NaN rcond',
      call: (mk) => linalg.lstsq(mk([3, 3]), mk([3, 1]), { rcond: Number.NaN }),
      message: /^linalg\.lstsq: rcond must be a finite number, got NaN$/,
      type: RangeError,
    },
  ],
  ...runs(0.75),
  webgpu: { numRuns: gpuRuns(0.75), size: matSize, factor: 2 },
});

// ---- matrixNorm, cond -----------------------------------------------------------------------------

type Ord = 'fro' | 'nuc' | number;
type NormArgs = { dim: [number, number]; keepdim: boolean };
const ORDS: Ord[] = ['fro', 'nuc', 2, -2, 1, -1, Infinity, -Infinity];

/**
 * Inputs per ord, where the norm is differentiable: 'fro' any nonzero matrix; 'nuc' and ±2
 * distinct singular values (σ_max, σ_min simple; for 'nuc' full rank); ±1 and ±∞ entries at
 * least 0.1 away from 0 (|x| is smooth there; ties between column/row sums have probability 0).
 * ±1, ±2, ±∞ are not defined for empty matrices.
 */
function normInput(ord: Ord): (b: number[], m: number, n: number) => fc.Arbitrary<MatrixSample> {
  if (ord === 'nuc' || ord === 2 || ord === -2) return fullRank;
  const sampler: Sampler = ord === 'fro' ? uniform(-1, 1) : signed(0.1, 1);
  return (batch, m, n) =>
    seedArb.map((seed) => ({
      batch,
      rows: m,
      cols: n,
      shape: [...batch, m, n],
      data: samplesFromSeed([[...batch, m, n]], [sampler], seed)[0].data,
    }));
}
const needsEntries = (ord: Ord) => ord !== 'fro' && ord !== 'nuc';
/** The OpDefs a norm runs (after permuting the dims last): scaled sum of squares, σ's, or abs sums. */
const normOps = (ord: Ord): AnyOpDef[] => {
  if (ord === 'fro') return [extremumOp, unaryOps.abs, binaryOps.div, unaryOps.square, sumOp, unaryOps.sqrt];
  if (ord === 'nuc') return [svdOp, sumOp];
  if (ord === 2 || ord === -2) return [svdOp, narrowOp];
  return [unaryOps.abs, sumOp, extremumOp];
};
const dimArb = fc.record({
  dim: fc.constantFrom<[number, number]>([-2, -1], [-1, -2]),
  keepdim: fc.boolean(),
});

const normArgErrors: ErrorCase[] = [
  {
    desc: 'an unsupported ord',
    call: (mk) => linalg.matrixNorm(mk([2, 2]), 3),
    message:
      /^linalg\.matrixNorm: Order 3 not supported; expected 'fro', 'nuc', 2, -2, 1, -1, Infinity or -Infinity$/,
    type: RangeError,
  },
  {
    desc: 'equal dims',
    call: (mk) => linalg.matrixNorm(mk([3, 3]), 'fro', [0, -2]),
    message: /^linalg\.matrixNorm: dims must be different, got \(0, -2\) for shape \[3, 3\]$/,
    type: RangeError,
  },
  {
    desc: 'a dim out of range',
    call: (mk) => linalg.matrixNorm(mk([3, 3]), 'fro', [0, 2]),
    message:
      /^linalg\.matrixNorm: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)$/,
    type: RangeError,
  },
];

const normEntry = (ord: Ord) => {
  const make = normInput(ord);
  // ±2 and 'nuc' need σ_min (2: σ_max) simple; their gradients are singular-vector products.
  const cond = (s: MatrixSample) => (typeof ord === 'number' && Math.abs(ord) === 2 ? svCond(s) : s.cond);
  const min = needsEntries(ord) ? 1 : 0;
  const base = fixedRect(
    { dim: [-2, -1] as [number, number], keepdim: false },
    make,
    cond,
    !needsEntries(ord),
  );
  const extra: OpCase<NormArgs>[] = [
    {
      ...base[base.length - 1],
      label: '[2, 1] batch, dim [-1, -2], keepdim',
      args: { dim: [-1, -2], keepdim: true },
    },
  ];
  if (!(typeof ord === 'number' && Math.abs(ord) === 2)) {
    // Dims (0, 2) of a [3, 2, 4] tensor: a batch of two 3×4 matrices (no control on their spectrum for ±2).
    const s = pick(make([3], 2, 4), 9);
    extra.push({
      ...matrixCase('[3, 2, 4], dim [0, 2]', s, { dim: [0, 2] as [number, number], keepdim: false }),
      cond: 1,
    });
  }
  return entry<NormArgs>({
    name: `linalg.matrixNorm (ord ${String(ord)})`,
    composite: normOps(ord),
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([a], { dim, keepdim }) => linalg.matrixNorm(a, ord, dim, keepdim),
    arbitrary: rect(() => dimArb, make, cond, min),
    samples: [...base, ...extra],
    errors: [
      ...matrixErrors('linalg.matrixNorm', (a) => linalg.matrixNorm(a, ord), { square: false }),
      ...(ord === 'fro' ? normArgErrors : []),
      ...(needsEntries(ord)
        ? [
            {
              desc: 'empty matrices',
              call: (mk: (s: number[]) => Tensor) => linalg.matrixNorm(mk([0, 3]), ord),
              message: new RegExp(
                `^linalg\\.matrixNorm: ord=${String(ord)} is not defined for empty matrices \\(got 0 by 3 matrices\\)`,
              ),
              type: RangeError,
            },
          ]
        : []),
    ],
    ...runs(0.5),
    webgpu: { numRuns: gpuRuns(0.5), size: matSize },
  });
};

type CondArgs = { p?: Ord };
const SPECTRAL_P: (Ord | undefined)[] = [undefined, 2, -2];
const INV_P: Ord[] = [1, -1, Infinity, -Infinity, 'fro', 'nuc'];
/**
 * p ∈ {2, −2, default}: σ_max/σ_min of any matrix with distinct singular values (gradient through
 * the extreme singular vectors: condition κ/G). Other p: ‖A‖_p·‖A⁻¹‖_p of a square
 * well-conditioned A (κ = 10), whose relative error is κ·η.
 */
function condCase(p: Ord | undefined, b: number[], m: number, n: number, seed: number, label?: string) {
  const spectral = SPECTRAL_P.includes(p);
  const s = pick(spectral ? fullRank(b, m, n) : wellConditionedMatrix({ batch: b, rows: m }), seed);
  const c: OpCase<CondArgs> = {
    inputs: [input(s)],
    args: p === undefined ? {} : { p },
    cond: spectral ? svCond(s) : s.cond,
  };
  return label === undefined ? c : { ...c, label };
}
const condEntry = entry<CondArgs>({
  name: 'linalg.cond',
  // σ_max/σ_min (p 2, −2, default), else ‖A‖_p·‖A⁻¹‖_p with inv's info flagging singular A.
  composite: [svdOp, invOp, nonzeroOp, ...normOps(1), ...normOps('fro')],
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a], { p }) => linalg.cond(a, p),
  arbitrary: fc
    .tuple(fc.constantFrom(...SPECTRAL_P, ...INV_P), batchArb, sizeArb(1), sizeArb(1), seedArb)
    .map(([p, b, m, n, seed]) => condCase(p, b, m, SPECTRAL_P.includes(p) ? n : m, seed)),
  samples: [
    condCase(undefined, [], 0, 0, 1, '0x0'),
    condCase(undefined, [], 1, 1, 2, '1x1'),
    condCase(undefined, [], 4, 2, 3, '4x2 (2-D)'),
    condCase(-2, [], 2, 4, 4, '2x4 (2-D), p -2'),
    ...INV_P.map((p, i) => condCase(p, [], 3, 3, 5 + i, `3x3 (2-D), p ${String(p)}`)),
    condCase(1, [2, 1], 3, 3, 20, '[2, 1] batch, p 1'),
    condCase('fro', [0], 3, 3, 21, 'empty batch [0], p fro'),
  ],
  errors: [
    ...matrixErrors('linalg.cond', (a) => linalg.cond(a), { square: false }),
    {
      desc: 'an unsupported p',
      call: (mk) => linalg.cond(mk([2, 2]), 3),
      message: /^linalg\.cond: Order 3 not supported/,
      type: RangeError,
    },
    {
      desc: 'non-square matrices with p 1',
      call: (mk) => linalg.cond(mk([2, 3]), 1),
      message: /^linalg\.cond\(p=1\): A must be batches of square matrices, but they are 2 by 3 matrices$/,
      type: RangeError,
    },
  ],
  ...runs(0.75),
  // Two norms (of A and A⁻¹, or σ_max and σ_min), each with relative error κ·η.
  webgpu: { numRuns: gpuRuns(0.75), size: matSize, factor: 2 },
});

// ---- matrixRank -----------------------------------------------------------------------------------

type RankArgs = { hermitian: boolean; atol?: number; rtol?: number };
/**
 * Rank r of an m×n matrix with nonzero singular values in [0.1, 1] (rankDeficientMatrix, κ = 10):
 * a cutoff of 1e-3 (atol, or rtol with σ_max = 1) lies far from both them and the rounding noise
 * of the zero ones, on both devices. `hermitian` checks x·xᵀ (rank r, eigenvalues in [0.01, 1]).
 */
const RANK_CUT = 1e-3;
const rankArb = fc
  .tuple(batchArb, sizeArb(), sizeArb(), fc.nat(), fc.boolean(), fc.boolean())
  .chain(([b, m, n, r, hermitian, useAtol]) =>
    rankDeficientMatrix({ batch: b, rows: m, cols: n, rank: r % (Math.min(m, n) + 1), cond: 10 }).map(
      (s): OpCase<RankArgs> => ({
        inputs: [input(s)],
        args: useAtol ? { hermitian, atol: RANK_CUT } : { hermitian, rtol: RANK_CUT },
      }),
    ),
  );
const NO_GRAD = 'matrixRank returns an int32 count: it has no gradient';
const matrixRank = entry<RankArgs>({
  name: 'linalg.matrixRank',
  // The singular values (eigenvalues when hermitian) above the cutoff, counted.
  composite: [svdOp, eighOp, countAboveOp],
  dtypes: FLOAT_DTYPES,
  fn: ([x], { hermitian, ...tol }) =>
    hermitian ? linalg.matrixRank(x.matmul(x.mT), { hermitian, ...tol }) : linalg.matrixRank(x, tol),
  arbitrary: rankArb,
  samples: [
    // Default tolerances on full-rank matrices (σ_min = 0.1, far above eps·max(m, n)).
    ...BATCHES.map((b, i) =>
      matrixCase(`full rank 3x3, batch [${b.join(', ')}], default tolerances`, pick(fullRank(b, 3, 3), i), {
        hermitian: false,
      }),
    ),
    matrixCase('full rank 2x4 (2-D), hermitian (x·xᵀ 2x2), default tolerances', pick(fullRank([], 2, 4), 5), {
      hermitian: true,
    }),
    matrixCase('0x0', pick(fullRank([], 0, 0)), { hermitian: false }),
    matrixCase('5x4 of rank 2 (2-D)', pick(rankDeficientMatrix({ rank: 2, rows: 5, cols: 4, cond: 10 })), {
      hermitian: false,
      rtol: RANK_CUT,
    }),
  ],
  errors: [
    ...matrixErrors('linalg.matrixRank', (a) => linalg.matrixRank(a), { square: false }),
    {
      desc: 'a negative atol',
      call: (mk) => linalg.matrixRank(mk([2, 2]), { atol: -1 }),
      message: /^linalg\.matrixRank: atol must be a finite number >= 0, got -1$/,
      type: RangeError,
    },
    {
      desc: 'hermitian with non-square matrices',
      call: (mk) => linalg.matrixRank(mk([2, 3]), { hermitian: true }),
      message: /^linalg\.matrixRank: A must be batches of square matrices, but they are 2 by 3 matrices$/,
      type: RangeError,
    },
  ],
  skipped: [{ check: GRADIENT_CHECKS, reason: NO_GRAD }],
  webgpu: { numRuns: gpuRuns(0.75), size: matSize },
});

export const derivedEntries = [
  pinv,
  pinvHermitian,
  pinvFactors,
  lstsq,
  ...ORDS.map(normEntry),
  condEntry,
  matrixRank,
];
