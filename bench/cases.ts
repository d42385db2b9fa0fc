/**
 * Benchmark cases: deterministic float64 inputs (generated once per case, identical for every
 * library), and the checks (checks.ts, gp.ts) that each library's answer must pass before it is
 * timed.
 */
import {
  choleskyError,
  detError,
  eighError,
  invBackwardError,
  inverseResidual,
  matmulC128Error,
  matmulError,
  pinvError,
  qrError,
  solveError,
  svdError,
  svdvalsBackwardError,
  svdvalsError,
} from './checks.js';
import { gpError, gpInput } from './gp.js';

/** The operations a library adapter may implement. */
export type OpName =
  | 'inv'
  | 'invBackward'
  | 'matmul'
  | 'matmulC128'
  | 'solve'
  | 'cholesky'
  | 'det'
  | 'svd'
  | 'svdvals'
  | 'svdvalsBackward'
  | 'eigh'
  | 'qr'
  | 'pinv'
  | 'gp'
  | 'jvpInv'
  | 'gpHessian'
  | 'jacrevSolve';

/**
 * One case's inputs; all matrices are row-major float64, `batch` stacked n×n matrices (m×n for
 * 'pinv').
 */
export interface CaseInput {
  batch: number;
  n: number;
  /** Rows of A when it is not square ('pinv'). */
  m?: number;
  /**
   * The operand A (general, well-conditioned), the SPD matrix for 'cholesky', the symmetric one
   * for 'eigh', the squared distances D² for 'gp'.
   */
  a: Float64Array;
  /** Right-hand side for 'solve' (n×n), B of 'matmul', y of 'gp' (n), the tangent V of 'jvpInv' (n×n), x of 'jacrevSolve' (n). */
  b?: Float64Array;
  /** The GP's log-hyperparameters (log ℓ, log σf, log σn). */
  theta?: Float64Array;
}

export interface BenchCase {
  id: string;
  title: string;
  op: OpName;
  batch: number;
  n: number;
  /** Rows, when A is not square. */
  m?: number;
  /** For 'invBackward' and 'jvpInv': the id of the forward case at the same size (to report ÷ own forward). */
  forwardOf?: string;
  /** Builds the inputs (called once per case). */
  make(): CaseInput;
  /**
   * Checks a library's result (flat row-major float64 values); returns the error measure, which
   * must not exceed `tol` (scaled for float32 runs by the harness).
   */
  check(input: CaseInput, out: Float64Array): number;
  /** Largest acceptable error for a float64 result. */
  tol: number;
  /** What the error measure is, for the report. */
  errName: string;
}

// ---------------------------------------------------------------------------------------------
// Deterministic random inputs.

/** Mulberry32 uniform generator in [0, 1). */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller). */
export function gaussian(count: number, seed: number): Float64Array {
  const u = uniform(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th);
    if (i + 1 < count) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** `batch` matrices G + shift·I with Gaussian G, then multiplied by `scale`. */
export function shiftedGaussian(batch: number, n: number, seed: number, shift = n, scale = 1): Float64Array {
  const a = gaussian(batch * n * n, seed);
  for (let k = 0; k < batch; k++) for (let i = 0; i < n; i++) a[k * n * n + i * n + i]! += shift;
  if (scale !== 1) for (let i = 0; i < a.length; i++) a[i]! *= scale;
  return a;
}

/**
 * `batch` exactly symmetric positive-definite matrices M Mᵀ / n + I (condition number below
 * about 5).
 */
export function spd(n: number, seed: number, batch = 1): Float64Array {
  const m = gaussian(batch * n * n, seed);
  const s = new Float64Array(batch * n * n);
  for (let b = 0; b < batch; b++) {
    const o = b * n * n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += m[o + i * n + k]! * m[o + j * n + k]!;
        acc /= n;
        if (i === j) acc += 1;
        s[o + i * n + j] = acc;
        s[o + j * n + i] = acc;
      }
    }
  }
  return s;
}

/** `batch` exactly symmetric matrices (G + Gᵀ)/2. */
export function symmetric(batch: number, n: number, seed: number): Float64Array {
  const g = gaussian(batch * n * n, seed);
  const s = new Float64Array(batch * n * n);
  for (let b = 0; b < batch; b++) {
    const o = b * n * n;
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const v = (g[o + i * n + j]! + g[o + j * n + i]!) / 2;
        s[o + i * n + j] = v;
        s[o + j * n + i] = v;
      }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// The case list.

function invCase(batch: number, n: number): BenchCase {
  const id = batch > 1 ? `inv-${batch}x${n}x${n}` : `inv-${n}`;
  return {
    id,
    title: batch > 1 ? `inverse, ${batch.toLocaleString('en')} × ${n}×${n} batched` : `inverse, ${n}×${n}`,
    op: 'inv',
    batch,
    n,
    make: () => ({ batch, n, a: shiftedGaussian(batch, n, 1000 + n) }),
    check: inverseResidual,
    tol: 1e-8,
    errName: 'max|A·X − I|',
  };
}

function invBackwardCase(n: number): BenchCase {
  return {
    id: `invbwd-${n}`,
    title: `inverse + backward of sum(inv(A)), ${n}×${n}`,
    op: 'invBackward',
    batch: 1,
    n,
    forwardOf: `inv-${n}`,
    make: () => ({ batch: 1, n, a: shiftedGaussian(1, n, 1000 + n) }),
    check: invBackwardError,
    tol: 1e-8,
    errName: 'max|G − G_ref| / max|G_ref|',
  };
}

const batchName = (batch: number, n: number) => (batch > 1 ? `-${batch}x${n}x${n}` : `-${n}`);
const batchTitle = (batch: number, n: number) =>
  batch > 1 ? `${batch.toLocaleString('en')} × ${n}×${n} batched` : `${n}×${n}`;

function choleskyCase(batch: number, n: number): BenchCase {
  return {
    id: `cholesky${batchName(batch, n)}`,
    title: `Cholesky, ${batchTitle(batch, n)} SPD`,
    op: 'cholesky',
    batch,
    n,
    make: () => ({ batch, n, a: spd(n, 4000 + n, batch) }),
    check: choleskyError,
    tol: 1e-12,
    errName: 'max|L·Lᵀ − S| / max|S|',
  };
}

function svdCase(batch: number, n: number): BenchCase {
  return {
    id: `svd${batchName(batch, n)}`,
    title: `svd (U, S, Vh), ${batchTitle(batch, n)} Gaussian`,
    op: 'svd',
    batch,
    n,
    make: () => ({ batch, n, a: gaussian(batch * n * n, 6000 + n) }),
    check: svdError,
    tol: 1e-11,
    errName: 'max(|UᵀU − I|, |VVᵀ − I|, |U·S·Vh − A|/max|A|)',
  };
}

function eighCase(batch: number, n: number): BenchCase {
  return {
    id: `eigh${batchName(batch, n)}`,
    title: `eigh (values and vectors), ${batchTitle(batch, n)} symmetric`,
    op: 'eigh',
    batch,
    n,
    make: () => ({ batch, n, a: symmetric(batch, n, 7000 + n) }),
    check: eighError,
    tol: 1e-11,
    errName: 'max(|VᵀV − I|, |A·V − V·Λ|/max|A|)',
  };
}

export const CASES: readonly BenchCase[] = [
  invCase(10000, 4),
  invCase(1, 128),
  invCase(1, 256),
  invCase(1, 512),
  invBackwardCase(128),
  invBackwardCase(256),
  {
    id: 'matmul-512',
    title: 'matmul, 512×512 · 512×512',
    op: 'matmul',
    batch: 1,
    n: 512,
    make: () => ({ batch: 1, n: 512, a: gaussian(512 * 512, 1512), b: gaussian(512 * 512, 2512) }),
    check: matmulError,
    tol: 1e-14,
    errName: 'max|C − A·B| / (n·max|A|·max|B|)',
  },
  {
    // complex128, interleaved (re, im): A and B are 256×512 real rows (n counts real columns).
    id: 'matmul-c128-256',
    title: 'matmul, complex128, 256×256 · 256×256',
    op: 'matmulC128',
    batch: 1,
    m: 256,
    n: 512,
    make: () => ({
      batch: 1,
      m: 256,
      n: 512,
      a: gaussian(2 * 256 * 256, 1256),
      b: gaussian(2 * 256 * 256, 2256),
    }),
    check: matmulC128Error,
    tol: 1e-14,
    errName: 'max|C − A·B| / (n·max|A|·max|B|), complex',
  },
  {
    id: 'solve-256',
    title: 'solve A X = B, 256×256 with B 256×256',
    op: 'solve',
    batch: 1,
    n: 256,
    make: () => ({ batch: 1, n: 256, a: shiftedGaussian(1, 256, 2256), b: gaussian(256 * 256, 3256) }),
    check: solveError,
    tol: 1e-12,
    errName: 'max|A·X − B| / (n·max|A|·max|X| + max|B|)',
  },
  choleskyCase(1, 256),
  choleskyCase(1, 512),
  choleskyCase(10000, 8),
  {
    id: 'det-256',
    title: 'det, 256×256 (I + G/n, so det stays finite)',
    op: 'det',
    batch: 1,
    n: 256,
    make: () => ({ batch: 1, n: 256, a: shiftedGaussian(1, 256, 5256, 256, 1 / 256) }),
    check: detError,
    tol: 1e-9,
    errName: '|det − ref| / |ref|',
  },
  svdCase(1, 256),
  {
    id: 'svdvals-256',
    title: 'svdvals, 256×256 Gaussian',
    op: 'svdvals',
    batch: 1,
    n: 256,
    make: () => ({ batch: 1, n: 256, a: gaussian(256 * 256, 6256) }),
    check: svdvalsError,
    tol: 1e-10,
    errName: 'max(|Σs² − ‖A‖²|/‖A‖², |Σ log s − log|det A||)',
  },
  eighCase(1, 256),
  {
    id: 'qr-256',
    title: 'qr (reduced Q, R), 256×256 Gaussian',
    op: 'qr',
    batch: 1,
    n: 256,
    make: () => ({ batch: 1, n: 256, a: gaussian(256 * 256, 8256) }),
    check: qrError,
    tol: 1e-11,
    errName: 'max(|QᵀQ − I|, |Q·R − A|/max|A|)',
  },
  {
    id: 'pinv-256x128',
    title: 'pinv, 256×128 Gaussian',
    op: 'pinv',
    batch: 1,
    n: 128,
    m: 256,
    make: () => ({ batch: 1, n: 128, m: 256, a: gaussian(256 * 128, 9128) }),
    check: pinvError,
    tol: 1e-11,
    errName: 'max(|AXA − A|/max|A|, |XAX − X|/max|X|, |XA − I|)',
  },
  svdCase(10000, 4),
  eighCase(10000, 4),
  {
    id: 'svdvalsbwd-128',
    title: 'svdvals + backward of sum(svdvals(A)), 128×128 Gaussian',
    op: 'svdvalsBackward',
    batch: 1,
    n: 128,
    make: () => ({ batch: 1, n: 128, a: gaussian(128 * 128, 6128) }),
    check: svdvalsBackwardError,
    tol: 1e-10,
    errName: 'max(|GᵀG − I|, |GᵀA − AᵀG|/max|A|), GᵀA pos. def.',
  },
  {
    id: 'gp-1000',
    title: 'GP −log p(y | θ) and its gradient in θ (3 hyperparameters), n = 1000',
    op: 'gp',
    batch: 1,
    n: 1000,
    make: () => gpInput(1000, uniform(11000)),
    check: gpError,
    tol: 1e-8,
    errName: 'max relative error of [nlp, ∇θ]',
  },
];
