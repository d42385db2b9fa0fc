/**
 * Op-table entries of the spectral decompositions: eigh, eigvalsh, svd, svdvals, qr (pinv, lstsq,
 * norms, cond and matrixRank are in op-table-linalg-derived.ts). docs/design.md, gradcheck: inputs have
 * distinct eigenvalues / singular values; Hermitian-input ops are checked through A + Aᵀ; the
 * outputs whose sign (gauge) is arbitrary are checked through gauge-invariant views: V·diag(1…n)·Vᵀ
 * and |V| for eigenvectors, U·Vh, |U| and |Vh| for singular vectors.
 *
 * WebGPU tolerances: eigenvalues and singular values move by η‖A‖ (Weyl), eigen- and singular
 * vectors by η‖A‖/gap (Davis–Kahan, Wedin), and their gradients, which divide by the gaps, by the
 * same relative amount times a small constant. So `cond` is ‖A‖/gap, which the arbitraries bound.
 */
import fc from 'fast-check';
import {
  distinctSingularValuesMatrix,
  entry,
  FLOAT_DTYPES,
  GRADIENT_CHECKS,
  type MatrixSample,
  type OpCase,
  sampleFromSeed,
  symmetricMatrix,
  uniform,
  wellConditionedMatrix,
} from '../gradcheck/index.js';
import { linalg, type Tensor, tensor } from '../src/index.js';
import { eighOp } from '../src/ops/linalg/eigh.js';
import { qrOp } from '../src/ops/linalg/qr.js';
import { svdOp } from '../src/ops/linalg/svd.js';
import {
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

// ---- eigh, eigvalsh -------------------------------------------------------------------------------

type UploArgs = { UPLO: 'L' | 'U' };
const uploArb = fc.record({ UPLO: fc.constantFrom<'L' | 'U'>('L', 'U') });

/**
 * Symmetric with eigenvalues at least GAP apart (symmetricMatrix; zero lies mid-way between two of
 * them, so min|λ| ≥ GAP/2 and max|λ| = cond·min|λ| < cond·GAP): ‖A‖/gap < cond.
 */
const GAP = 0.3;
const symArb = (batch: number[], n?: number) =>
  symmetricMatrix({ batch, rows: n, distinctEigenvalues: { minGap: GAP } });

function symCases(args: fc.Arbitrary<UploArgs>): fc.Arbitrary<OpCase<UploArgs>> {
  return fc
    .tuple(
      batchArb.chain((b) => symArb(b)),
      args,
    )
    .map(([s, a]) => ({ inputs: [input(s)], args: a, cond: s.cond }));
}

const symSamples = (): OpCase<UploArgs>[] => [
  ...squareSamples((b, n) => symArb(b, n), { UPLO: 'L' as const }),
  matrixCase('4x4 (2-D), UPLO U', pick(symArb([], 4), 7), { UPLO: 'U' as const }),
];

/** WebGPU-only: a 16×16 matrix and a batch of 1,000 4×4 ones. */
const symGpuSamples = (): OpCase<UploArgs>[] => [
  matrixCase('webgpu 16x16', pick(symArb([], 16), 16), { UPLO: 'L' as const }),
  matrixCase('webgpu batch of 1,000 4x4', pick(symArb([1000], 4), 1000), { UPLO: 'U' as const }),
];

const uploError = (op: string, call: (a: Tensor) => unknown) => ({
  desc: 'a wrong UPLO',
  call: (mk: (s: number[]) => Tensor) => call(mk([2, 2])),
  message: new RegExp(`^linalg\\.${op}: Expected UPLO argument to be 'L' or 'U', but got "X"$`),
  type: RangeError,
});

/** x ↦ x + xᵀ: eigh reads one triangle, and its gradient is the symmetric one (as PyTorch's). */
const sym = (x: Tensor) => x.add(x.mT);

/** diag(1, 2, …, n) weights: V·diag(w)·Vᵀ depends on each eigenvector but not on its sign. */
const weights = (v: Tensor) => {
  const n = v.shape[v.ndim - 1];
  return tensor(
    Array.from({ length: n }, (_, i) => i + 1),
    { dtype: v.dtype, device: v.device },
  );
};

const eigh = entry<UploArgs>({
  name: 'linalg.eigh',
  op: eighOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([x], { UPLO }) => {
    const { eigenvalues, eigenvectors: V } = linalg.eigh(sym(x), { UPLO });
    return [eigenvalues, V.mul(weights(V)).matmul(V.mT), V.abs()];
  },
  arbitrary: symCases(uploArb),
  samples: symSamples(),
  errors: [
    ...matrixErrors('linalg.eigh', (a) => linalg.eigh(a)),
    uploError('eigh', (a) => linalg.eigh(a, { UPLO: 'X' as never })),
  ],
  ...runs(0.75),
  // Gradients: V, the gaps λ_j − λ_i and V again, each with relative error cond·η.
  webgpu: { numRuns: gpuRuns(0.75), size: matSize, factor: 2, samples: symGpuSamples() },
});

const eigvalsh = entry<UploArgs>({
  name: 'linalg.eigvalsh',
  op: eighOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([x], { UPLO }) => linalg.eigvalsh(sym(x), { UPLO }),
  arbitrary: symCases(uploArb),
  samples: symSamples(),
  errors: [
    ...matrixErrors('linalg.eigvalsh', (a) => linalg.eigvalsh(a)),
    uploError('eigvalsh', (a) => linalg.eigvalsh(a, { UPLO: 'X' as never })),
  ],
  ...runs(0.75),
  webgpu: { numRuns: gpuRuns(0.75), size: matSize, samples: symGpuSamples() },
});

// ---- svd, svdvals ---------------------------------------------------------------------------------

/**
 * m×n with singular values s₀ = 1 > s₁ > … each at least G·s_i below the previous
 * (distinctSingularValuesMatrix), so min(gap, σ_min) ≥ G·σ_min and the singular vectors have
 * condition σ_max/min(gap, σ_min) ≤ cond/G (Wedin).
 */
const G = 0.1;
const svArb = (batch: number[], m?: number, n?: number) =>
  distinctSingularValuesMatrix({ batch, rows: m, cols: n, minRelGap: G }).map((s) => ({
    ...s,
    cond: (s.cond ?? 1) / G,
  }));

/** One rectangular matrix per case: sizes 0–6 (at least `min`), batch from BATCHES. */
function rectCases<A>(
  args: fc.Arbitrary<A>,
  make: (batch: number[], m: number, n: number) => fc.Arbitrary<MatrixSample> = svArb,
  min = 0,
): fc.Arbitrary<OpCase<A>> {
  return fc
    .tuple(batchArb, sizeArb(min), sizeArb(min), args)
    .chain(([b, m, n, a]) =>
      make(b, m, n).map((s): OpCase<A> => ({ inputs: [input(s)], args: a, cond: s.cond })),
    );
}

/** Fixed rectangular samples: empty, 1×1, tall and wide 2-D, a [2, 1] batch and an empty batch. */
function rectSamples<A>(
  args: A,
  make: (batch: number[], m: number, n: number) => fc.Arbitrary<MatrixSample> = svArb,
  withEmpty = true,
): OpCase<A>[] {
  const shapes: [string, number[], number, number][] = [
    ['1x1', [], 1, 1],
    ['4x2 (2-D)', [], 4, 2],
    ['2x4 (2-D)', [], 2, 4],
    ['3x3 (2-D)', [], 3, 3],
    ['[2, 1] batch of 3x2', [2, 1], 3, 2],
  ];
  if (withEmpty) shapes.unshift(['0x0', [], 0, 0], ['0x3', [], 0, 3], ['empty batch [0] of 2x3', [0], 2, 3]);
  return shapes.map(([label, b, m, n], i) => matrixCase(label, pick(make(b, m, n), i), args));
}

type MakeRect = (batch: number[], m: number, n: number) => fc.Arbitrary<MatrixSample>;
const rectGpuSamples = <A>(args: A, make: MakeRect = svArb): OpCase<A>[] => [
  matrixCase('webgpu 16x12', pick(make([], 16, 12), 16), args),
  matrixCase('webgpu batch of 1,000 4x3', pick(make([1000], 4, 3), 1000), args),
];

type SvdArgs = { fullMatrices: boolean };
const svdArgsArb = fc.record({ fullMatrices: fc.boolean() });

/**
 * S, the polar factor U·Vh and |U|, |Vh| (only the first k = min(m, n) columns of U and rows of Vh:
 * with fullMatrices the rest is an arbitrary orthonormal completion).
 */
const svd = entry<SvdArgs>({
  name: 'linalg.svd',
  op: svdOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a], { fullMatrices }) => {
    const { U, S, Vh } = linalg.svd(a, { fullMatrices });
    const k = S.shape[S.ndim - 1];
    const Uk = U.narrow(-1, 0, k);
    const Vk = Vh.narrow(-2, 0, k);
    return [S, Uk.matmul(Vk), Uk.abs(), Vk.abs()];
  },
  arbitrary: rectCases(svdArgsArb),
  samples: [
    ...rectSamples({ fullMatrices: false }),
    ...rectSamples({ fullMatrices: true }).map((c) => ({ ...c, label: `${c.label}, fullMatrices` })),
  ],
  errors: matrixErrors('linalg.svd', (a) => linalg.svd(a), { square: false }),
  ...runs(0.75),
  // Gradients: U, Vh and the reciprocal gaps, each with relative error cond·η.
  webgpu: {
    numRuns: gpuRuns(0.75),
    size: matSize,
    factor: 2,
    samples: rectGpuSamples({ fullMatrices: false }),
  },
});

const svdvals = entry<undefined>({
  name: 'linalg.svdvals',
  op: svdOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: ([a]) => linalg.svdvals(a),
  arbitrary: rectCases(fc.constant(undefined)),
  samples: rectSamples(undefined),
  errors: matrixErrors('linalg.svdvals', (a) => linalg.svdvals(a), { square: false }),
  ...runs(0.75),
  webgpu: { numRuns: gpuRuns(0.75), size: matSize, samples: rectGpuSamples(undefined) },
});

// ---- qr -------------------------------------------------------------------------------------------

/**
 * QR inputs: for m ≥ n, a matrix with distinct singular values (κ = its cond); for m < n, [X | Y]
 * with X m×m well-conditioned (κ = 10) and Y uniform in [−1, 1], so R's leading block is
 * invertible and the factorization differentiable. Q and R move by κ·η relative to A.
 */
function qrArb(batch: number[], m: number, n: number): fc.Arbitrary<MatrixSample> {
  if (m >= n) return distinctSingularValuesMatrix({ batch, rows: m, cols: n });
  return fc.tuple(wellConditionedMatrix({ batch, rows: m }), seedArb).map(([x, seed]) => {
    const y = sampleFromSeed([...batch, m, n - m], uniform(-1, 1), seed).data;
    const data = new Float64Array(x.data.length + y.length);
    const rows = batch.reduce((p, d) => p * d, m);
    for (let r = 0; r < rows; r++) {
      data.set(x.data.subarray(r * m, (r + 1) * m), r * n);
      data.set(y.subarray(r * (n - m), (r + 1) * (n - m)), r * n + m);
    }
    return { ...x, cols: n, shape: [...batch, m, n], data };
  });
}

type QrMode = 'reduced' | 'complete' | 'r';
const qrFn = ([a]: Tensor[], { mode }: { mode: QrMode }) => {
  const { Q, R } = linalg.qr(a, { mode });
  return mode === 'r' ? R : [Q, R];
};

const qrErrors = [
  ...matrixErrors('linalg.qr', (a) => linalg.qr(a), { square: false }),
  {
    desc: 'an unknown mode',
    call: (mk: (s: number[]) => Tensor) => linalg.qr(mk([2, 2]), { mode: 'x' as never }),
    message:
      /^linalg\.qr: received unrecognized mode "x" but expected one of 'reduced' \(default\), 'r', or 'complete'$/,
    type: RangeError,
  },
];

const qrReduced = entry<{ mode: QrMode }>({
  name: 'linalg.qr (reduced)',
  op: qrOp,
  supportsForwardAd: true,
  dtypes: FLOAT_DTYPES,
  fn: qrFn,
  arbitrary: rectCases(fc.constant({ mode: 'reduced' as const }), qrArb),
  samples: rectSamples({ mode: 'reduced' as const }, qrArb),
  errors: qrErrors,
  ...runs(0.75),
  // Gradients: Q, R and a triangular solve with R, each κ·η.
  webgpu: {
    numRuns: gpuRuns(0.75),
    size: matSize,
    factor: 2,
    samples: rectGpuSamples({ mode: 'reduced' as const }, qrArb),
  },
});

const FORWARD_ONLY = (mode: string) =>
  `linalg.qr with mode '${mode}' is checked forward only: ${
    mode === 'r'
      ? 'it has no gradient (Q is not computed), and says so (error case)'
      : 'with m > n the last m − n columns of Q are an arbitrary completion without a gradient (error ' +
        "case); with m ≤ n it equals mode 'reduced', whose gradients are checked"
  }`;

const qrForwardOnly = (mode: 'complete' | 'r') =>
  entry<{ mode: QrMode }>({
    name: `linalg.qr (${mode})`,
    op: qrOp,
    dtypes: FLOAT_DTYPES,
    fn: qrFn,
    arbitrary: rectCases(fc.constant({ mode }), qrArb),
    samples: rectSamples({ mode }, qrArb),
    errors: [
      {
        desc: `a gradient through mode '${mode}'${mode === 'complete' ? ' with m > n' : ''}`,
        call: (mk) => {
          const a = mk([3, 2]).requiresGrad_(); // the mode is checked before any arithmetic
          const { Q, R } = linalg.qr(a, { mode });
          return (mode === 'r' ? R : Q).sum().backward();
        },
        message:
          mode === 'r'
            ? /^linalg\.qr: The derivative of linalg\.qr depends on Q, which is not computed when mode='r'/
            : /^linalg\.qr: The QR decomposition is not differentiable when mode='complete' and nrows > ncols \(here 3 > 2\)/,
      },
    ],
    skipped: [{ check: GRADIENT_CHECKS, reason: FORWARD_ONLY(mode) }],
    webgpu: { numRuns: gpuRuns(0.5), size: matSize },
  });

export const spectralEntries = [
  eigh,
  eigvalsh,
  svd,
  svdvals,
  qrReduced,
  qrForwardOnly('complete'),
  qrForwardOnly('r'),
];
