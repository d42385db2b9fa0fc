/**
 * Regression cases from the fuzz suite (tests/fuzz/): one minimal case for each bug it found.
 * - `regressionErrors`: error inputs, merged by entry name into the op table's entries
 *   (op-table-linalg.ts), so they run on the cpu and WebGPU with the other error cases;
 * - `regressionCases`: inputs judged by the fuzz oracle (backward error, NaN propagation, shapes)
 *   on the listed devices, run by tests/fuzz.test.ts.
 */
import type { ErrorCase } from '../gradcheck/index.js';
import { choleskyInverse, linalg } from '../src/index.js';
import type { FuzzDevice } from './fuzz/gen.js';
import type { FuzzCase } from './fuzz/runner.js';

const typeError = (desc: string, call: ErrorCase['call'], message: RegExp): ErrorCase => ({
  desc,
  call,
  message,
  type: TypeError,
});

/**
 * Wrongly typed boolean options were read by JavaScript truthiness ('false' meant true): now a
 * TypeError that names the op and the option.
 */
export const regressionErrors: Record<string, ErrorCase[]> = {
  'linalg.cholesky': [
    typeError(
      "upper = 'false' (a string)",
      (mk) => linalg.cholesky(mk([2, 2]), { upper: 'false' as never }),
      /^linalg\.cholesky: upper must be true or false, got "false"$/,
    ),
  ],
  'linalg.choleskyEx (L)': [
    typeError(
      'upper = 0',
      (mk) => linalg.choleskyEx(mk([2, 2]), { upper: 0 as never }).L,
      /^linalg\.choleskyEx: upper must be true or false, got 0$/,
    ),
    typeError(
      "checkErrors = 'yes'",
      (mk) => linalg.choleskyEx(mk([2, 2]), { checkErrors: 'yes' as never }).L,
      /^linalg\.choleskyEx: checkErrors must be true or false, got "yes"$/,
    ),
  ],
  choleskyInverse: [
    typeError(
      'upper = 1',
      (mk) => choleskyInverse(mk([2, 2]), { upper: 1 as never }),
      /^cholesky_inverse: upper must be true or false, got 1$/,
    ),
  ],
  'linalg.invEx (inverse)': [
    typeError(
      'checkErrors = null',
      (mk) => linalg.invEx(mk([2, 2]), { checkErrors: null as never }).inverse,
      /^linalg\.invEx: checkErrors must be true or false, got null$/,
    ),
  ],
  'linalg.solve': [
    typeError(
      "left = 'false'",
      (mk) => linalg.solve(mk([2, 2]), mk([2, 1]), { left: 'false' as never }),
      /^linalg\.solve: left must be true or false, got "false"$/,
    ),
    {
      // Was solved as the 2x1 matrix Bᵀ… of the transposed system, returning shape [2, 2, 2].
      desc: 'a vector B (…, n) with left=false (as PyTorch)',
      call: (mk) => linalg.solve(mk([2, 3, 3]), mk([2, 3]), { left: false }),
      message: /^linalg\.solve: Incompatible shapes of A and B for the equation XA = B \(3x3 and 3x1\)/,
      type: RangeError,
    },
  ],
  'linalg.solveTriangular': [
    typeError(
      'unitriangular = null',
      (mk) => linalg.solveTriangular(mk([2, 2]), mk([2, 1]), { upper: true, unitriangular: null as never }),
      /^linalg\.solveTriangular: unitriangular must be true or false, got null$/,
    ),
    typeError(
      'left = 0',
      (mk) => linalg.solveTriangular(mk([2, 2]), mk([2, 1]), { upper: false, left: 0 as never }),
      /^linalg\.solveTriangular: left must be true or false, got 0$/,
    ),
  ],
  'linalg.svd': [
    typeError(
      "fullMatrices = 'no'",
      (mk) => linalg.svd(mk([2, 3]), { fullMatrices: 'no' as never }).S,
      /^linalg\.svd: fullMatrices must be true or false, got "no"$/,
    ),
  ],
  'linalg.pinv': [
    typeError(
      "hermitian = 'yes'",
      (mk) => linalg.pinv(mk([2, 2]), { hermitian: 'yes' as never }),
      /^linalg\.pinv: hermitian must be true or false, got "yes"$/,
    ),
  ],
  'linalg.matrixRank': [
    typeError(
      'hermitian = 1',
      (mk) => linalg.matrixRank(mk([2, 2]), { hermitian: 1 as never }),
      /^linalg\.matrixRank: hermitian must be true or false, got 1$/,
    ),
  ],
  'linalg.matrixNorm (ord fro)': [
    typeError(
      "keepdim = 'true'",
      (mk) => linalg.matrixNorm(mk([2, 2]), 'fro', [-2, -1], 'true' as never),
      /^linalg\.matrixNorm: keepdim must be true or false, got "true"$/,
    ),
  ],
};

export interface RegressionCase {
  /** The fuzz spec's op name (as its error messages name it). */
  op: string;
  /** What went wrong before the fix. */
  bug: string;
  devices: readonly FuzzDevice[];
  case: FuzzCase;
}

const m = (shape: number[], data: number[]) => ({ shape, data: Float64Array.from(data) });
const both: FuzzDevice[] = ['cpu', 'webgpu'];

export const regressionCases: RegressionCase[] = [
  {
    op: 'linalg.cholesky',
    bug: 'WGSL read the lower triangle also for upper=true (PyTorch and the cpu read the upper one)',
    devices: both,
    case: { inputs: [m([2, 2], [4, 2, 100, 3])], opts: { upper: true } },
  },
  {
    op: 'linalg.choleskyEx',
    bug: 'WGSL factored the (positive-definite) lower triangle of an indefinite upper one: info 0 and a wrong U',
    devices: both,
    case: {
      inputs: [m([3, 3], [0.0624, -0.4448, -0.0586, -0.0015, 0.0011, 0.0038, -7e-6, 1.8e-5, 6.2e-6])],
      opts: { upper: true, checkErrors: false },
    },
  },
  {
    op: 'linalg.luFactorEx',
    bug: 'WGSL trailing update scaled the pivot row by 1/pivot: -1.4e29 / -1.9e-31 overflowed, 0·inf = NaN',
    devices: both,
    case: {
      inputs: [m([2, 5], [0, 0, 0, 0, -1.797, -1.85e-31, 0.926, -1.39e29, -0.264, 0.399])],
      opts: undefined,
    },
  },
  {
    op: 'linalg.det',
    bug: 'the same WGSL overflow: det NaN of a finite matrix',
    devices: both,
    case: { inputs: [m([3, 3], [-1.85e-31, 0.926, -1.39e29, 0, 0, -1.797, 0, 1, 2])], opts: undefined },
  },
  {
    op: 'linalg.slogdet',
    bug: 'the same WGSL overflow: log|det| NaN of a finite matrix',
    devices: both,
    case: { inputs: [m([3, 3], [-1.85e-31, 0.926, -1.39e29, 0, 0, -1.797, 0, 1, 2])], opts: undefined },
  },
  {
    op: 'linalg.matrixNorm',
    bug: "'fro' squared the entries unscaled: inf for entries near 1e300 (float64) or 1e30 (float32), 0 for tiny ones",
    devices: ['cpu'],
    case: { inputs: [m([2, 2], [8.4e299, 3.1e299, -1e-300, 0.6])], opts: { ord: 'fro' } },
  },
  {
    op: 'linalg.matrixNorm',
    bug: "'fro' of 1e30 entries overflowed float32 in the squares",
    devices: ['webgpu'],
    case: { inputs: [m([2, 2], [2e30, -3e30, 1e-30, 5e29])], opts: { ord: 'fro' } },
  },
  {
    op: 'linalg.matrixNorm',
    bug: 'WGSL max/min dropped NaN: the ∞-norm of a matrix with a NaN entry was finite',
    devices: both,
    case: { inputs: [m([2, 2], [Number.NaN, 1, 2, 3])], opts: { ord: Infinity } },
  },
  {
    op: 'linalg.cond',
    bug: 'cond(p=1) of 0×0 matrices raised an error naming linalg.matrixNorm (PyTorch returns 0)',
    devices: both,
    case: { inputs: [m([3, 0, 0], [])], opts: { ord: 1 } },
  },
  {
    op: 'linalg.svdvals',
    bug: 'a 1e-319 (subnormal) entry beside normal ones made σ₁ wrong by 2e-6 relative (cpu)',
    devices: ['cpu'],
    case: { inputs: [m([2, 3], [0, 2.76474e-319, -3.70994e-319, -0.7395402188231742, 0, 0])], opts: {} },
  },
  {
    op: 'linalg.qr',
    bug: 'Householder QR of subnormal matrices lost orthogonality of Q (‖QᵀQ − I‖ = 5e-14, cpu)',
    devices: ['cpu'],
    case: {
      inputs: [
        m(
          [3, 3],
          [
            -9.19e-311, -1.049e-310, 1.504e-310, -9.69e-311, 8.96e-311, -7.7e-311, 2.56e-311, -1.7e-313,
            6.65e-311,
          ],
        ),
      ],
      opts: { mode: 'reduced' },
    },
  },
  {
    op: 'linalg.det',
    bug: 'the cpu multiplied the pivots as they came: 1e300·1e300 overflowed before a zero pivot, inf·0 = NaN',
    devices: ['cpu'],
    case: {
      inputs: [
        m(
          [4, 4],
          [
            -2.785552428083859, 0, -4.343603106607619e299, 8.35957442883468e299, 0.811754754744464,
            -0.06560980428937682, 0.49534141292405215, -8.137773598314775e-301, 0, -0.005691301031873644,
            -2.069844746463624, 0.7192417793498334, -3.1131793930161646e299, 1.3346066716785674e300,
            0.1701316573640592, 0.23421045243132418,
          ],
        ),
      ],
      opts: undefined,
    },
  },
  {
    op: 'linalg.eigvalsh',
    bug: 'subnormal entries beside normal ones: λ₀ wrong by 2e-8 relative (cpu)',
    devices: ['cpu'],
    case: {
      inputs: [
        m(
          [4, 4],
          [
            0.30343463432741075, -0.6062339598187844, -0.715197442957118, -1.278100358292337, -4.154e-319,
            0.6770139672751683, -1.805933778163005, -0.9367163185474225, 0, -0.13213665851277584,
            -1.2044254105846601, -1.278777098700624, -1.76945e-319, 0.19429983381238766, -0.7028532168313801,
            4.95933e-319,
          ],
        ),
      ],
      opts: {},
    },
  },
  {
    op: 'linalg.eigh',
    bug: 'entries from 1e-319 to 2e300: the tridiagonal QR iterated in underflow and raised non-convergence (cpu)',
    devices: ['cpu'],
    case: {
      inputs: [
        m(
          [5, 5],
          [
            6.180794212888136e-302, 0, 0, 0, 0.2613282795778391, -0.05770886881413108, 7.92526e-319, 0,
            2.186501716016439e300, 0, 2.146090321182032, 0.852123854127926, -0.06340379543503902,
            1.2326828852945222, 1.8417491014995429, 0.1571407441943703, -0.5601029801779979,
            0.5745984231963593, 0.7101069664881988, 0, 0, -0.04714029083824996, 0, 0, 0,
          ],
        ),
      ],
      opts: { UPLO: 'U' },
    },
  },
  {
    op: 'linalg.svd',
    bug: 'a Householder reflector formed from a subnormal column: V non-orthogonal by 6e-7 (cpu)',
    devices: ['cpu'],
    case: {
      inputs: [
        m(
          [3, 4],
          [
            0.8691874410139514, 0.28584736552855655, 0.4717714363483574, 1.1618904913008017,
            -1.56591890182482e300, 0, 0, 0, 0.7570333102054082, 0, -4.286135880594811e-301, 0,
          ],
        ),
      ],
      opts: {},
    },
  },
  {
    op: 'linalg.lstsq',
    bug: 'pinv/lstsq decompose through the svd kernel directly: a subnormal entry made σ₁ wrong by 1e-6 (cpu)',
    devices: ['cpu'],
    case: {
      inputs: [
        m(
          [3, 3],
          [
            1.4303710682315682, 0, 0, 0, -1.9246393432128694, 0, -7.7395e-319, -0.7141166514788668,
            1.7351002113396872,
          ],
        ),
        m([3, 1], [1, 2, 3]),
      ],
      opts: { rcond: 0.5 },
    },
  },
  {
    op: 'linalg.cond',
    bug: "cond(p='nuc') of a finite matrix whose inverse overflows was NaN (the norm of an inf matrix), not inf",
    devices: ['cpu'],
    case: {
      inputs: [m([2, 2], [6.7049623190506225e-301, 3.845177913567132e299, 0, 0.020837460013880114])],
      opts: { ord: 'nuc' },
    },
  },
  {
    op: 'linalg.det',
    bug: 'the rescaled product above: 0·2^1350 = NaN when a zero pivot follows three of 1e300 (cpu)',
    devices: ['cpu'],
    case: {
      inputs: [
        m(
          [4, 4],
          [
            1.4075310146940572e-300, 0.4362273017832177, -1.8294740677626322e299, -6.31604e-319,
            6.6625022851950966e299, 8.4548e-319, 0, -8.20623e-319, 5.97745e-319, 0, 0, 0, 2.57405500725794,
            -1.0976354334243539e300, 8.090614613378841e299, 8.7593e-320,
          ],
        ),
      ],
      opts: undefined,
    },
  },
];
