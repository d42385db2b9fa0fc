/**
 * Benchmark cases: deterministic float64 inputs (generated once per case, identical for every
 * library), and the checks that each library's answer must pass before it is timed.
 */

/** The operations a library adapter may implement. */
export type OpName = 'inv' | 'invBackward' | 'solve' | 'cholesky' | 'det';

/** One case's inputs; all matrices are row-major float64, `batch` stacked n×n matrices. */
export interface CaseInput {
  batch: number;
  n: number;
  /** The operand A (general, well-conditioned), or the SPD matrix for 'cholesky'. */
  a: Float64Array;
  /** Right-hand side for 'solve' (n×n). */
  b?: Float64Array;
}

export interface BenchCase {
  id: string;
  title: string;
  op: OpName;
  batch: number;
  n: number;
  /** For 'invBackward': the id of the forward case at the same size (to report bwd/fwd ratios). */
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
function uniform(seed: number): () => number {
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

/** An exactly symmetric positive-definite matrix M Mᵀ / n + I (condition number below about 5). */
export function spd(n: number, seed: number): Float64Array {
  const m = gaussian(n * n, seed);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += m[i * n + k]! * m[j * n + k]!;
      acc /= n;
      if (i === j) acc += 1;
      s[i * n + j] = acc;
      s[j * n + i] = acc;
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Reference computations (plain JavaScript, used only for checking).

/** C = A·B for n×n row-major matrices (offsets select one matrix of a batch). */
function matmulInto(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  n: number,
  c: Float64Array,
): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[ao + i * n + k]!;
      if (aik === 0) continue;
      const bRow = bo + k * n;
      const cRow = i * n;
      for (let j = 0; j < n; j++) c[cRow + j]! += aik * b[bRow + j]!;
    }
  }
}

/** Largest |A_k X_k − I| over the batch. */
export function inverseResidual(input: CaseInput, x: Float64Array): number {
  const { batch, n, a } = input;
  if (x.length !== batch * n * n) return Number.POSITIVE_INFINITY;
  const c = new Float64Array(n * n);
  let worst = 0;
  for (let k = 0; k < batch; k++) {
    matmulInto(a, k * n * n, x, k * n * n, n, c);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const e = Math.abs(c[i * n + j]! - (i === j ? 1 : 0));
        if (!(e <= worst)) worst = e; // NaN propagates as a failure
      }
  }
  return worst;
}

/** Reference inverse and log|det| by Gauss–Jordan with partial pivoting (one n×n matrix). */
export function referenceInverse(a: Float64Array, n: number): { inv: Float64Array; det: number } {
  const m = Float64Array.from(a.subarray(0, n * n));
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  let det = 1;
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[p * n + col]!)) p = r;
    if (p !== col) {
      det = -det;
      for (let j = 0; j < n; j++) {
        [m[p * n + j], m[col * n + j]] = [m[col * n + j]!, m[p * n + j]!];
        [inv[p * n + j], inv[col * n + j]] = [inv[col * n + j]!, inv[p * n + j]!];
      }
    }
    const piv = m[col * n + col]!;
    det *= piv;
    for (let j = 0; j < n; j++) {
      m[col * n + j]! /= piv;
      inv[col * n + j]! /= piv;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col]!;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        m[r * n + j]! -= f * m[col * n + j]!;
        inv[r * n + j]! -= f * inv[col * n + j]!;
      }
    }
  }
  return { inv, det };
}

/**
 * Gradient of sum(inv(A)) with respect to A: −Xᵀ 1 1ᵀ Xᵀ with X = A⁻¹, i.e.
 * G[i][j] = −(column sum i of X)·(row sum j of X). Compared relative to max |G|.
 */
function invBackwardError(input: CaseInput, g: Float64Array): number {
  const { n, a } = input;
  if (g.length !== n * n) return Number.POSITIVE_INFINITY;
  const { inv } = referenceInverse(a, n);
  const colSum = new Float64Array(n);
  const rowSum = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      colSum[j]! += inv[i * n + j]!;
      rowSum[i]! += inv[i * n + j]!;
    }
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const ref = -colSum[i]! * rowSum[j]!;
      scale = Math.max(scale, Math.abs(ref));
      const e = Math.abs(g[i * n + j]! - ref);
      if (!(e <= worst)) worst = e;
    }
  return worst / scale;
}

/** max |A X − B| / (max|A|·max|X|·n + max|B|). */
function solveError(input: CaseInput, x: Float64Array): number {
  const { n, a, b } = input;
  if (!b || x.length !== n * n) return Number.POSITIVE_INFINITY;
  const c = new Float64Array(n * n);
  matmulInto(a, 0, x, 0, n, c);
  let worst = 0;
  let ma = 0;
  let mx = 0;
  let mb = 0;
  for (let i = 0; i < n * n; i++) {
    const e = Math.abs(c[i]! - b[i]!);
    if (!(e <= worst)) worst = e;
    ma = Math.max(ma, Math.abs(a[i]!));
    mx = Math.max(mx, Math.abs(x[i]!));
    mb = Math.max(mb, Math.abs(b[i]!));
  }
  return worst / (ma * mx * n + mb);
}

/** max |L Lᵀ − S| / max|S|, and L must be lower triangular. */
function choleskyError(input: CaseInput, l: Float64Array): number {
  const { n, a: s } = input;
  if (l.length !== n * n) return Number.POSITIVE_INFINITY;
  let worst = 0;
  let ms = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) if (l[i * n + j] !== 0) return Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let acc = 0;
      for (let k = 0; k <= j; k++) acc += l[i * n + k]! * l[j * n + k]!;
      const e = Math.abs(acc - s[i * n + j]!);
      if (!(e <= worst)) worst = e;
      ms = Math.max(ms, Math.abs(s[i * n + j]!));
    }
  return worst / ms;
}

/** |det − ref| / |ref|. */
function detError(input: CaseInput, d: Float64Array): number {
  if (d.length !== 1) return Number.POSITIVE_INFINITY;
  const ref = referenceInverse(input.a, input.n).det;
  const e = Math.abs(d[0]! - ref) / Math.abs(ref);
  return Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
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

export const CASES: readonly BenchCase[] = [
  invCase(10000, 4),
  invCase(1, 128),
  invCase(1, 256),
  invCase(1, 512),
  invBackwardCase(128),
  invBackwardCase(256),
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
  {
    id: 'cholesky-256',
    title: 'Cholesky, 256×256 SPD',
    op: 'cholesky',
    batch: 1,
    n: 256,
    make: () => ({ batch: 1, n: 256, a: spd(256, 4256) }),
    check: choleskyError,
    tol: 1e-12,
    errName: 'max|L·Lᵀ − S| / max|S|',
  },
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
];
