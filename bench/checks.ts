/**
 * Reference checks of the benchmark's results (plain JavaScript, float64, used only before
 * timing). Each takes the case's input and a library's flat row-major output and returns an
 * error measure; NaN or a wrong length gives +∞. The spectral checks are convention-free (no
 * reference factorization is compared entry by entry, since signs and orderings of equal values
 * may differ): they test the defining properties (orthogonality, reconstruction, ordering).
 */
import type { CaseInput } from './cases.js';

const INF = Number.POSITIVE_INFINITY;

/** C = A·B, A m×k and B k×n row-major (offsets select one matrix of a batch). */
export function matmulRef(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[ao + i * k + p]!;
      if (aip === 0) continue;
      const bRow = bo + p * n;
      const cRow = i * n;
      for (let j = 0; j < n; j++) c[cRow + j]! += aip * b[bRow + j]!;
    }
  return c;
}

/** Aᵀ of an m×n row-major block. */
function transpose(a: Float64Array, ao: number, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[ao + i * n + j]!;
  return t;
}

function maxAbs(a: ArrayLike<number>, o = 0, len = a.length - o): number {
  let m = 0;
  for (let i = 0; i < len; i++) {
    const v = Math.abs(a[o + i]!);
    if (!(v <= m)) m = v;
  }
  return m;
}

/** max |QᵀQ − I| for a m×n block Q (columns orthonormal). */
function orthoCols(q: Float64Array, qo: number, m: number, n: number): number {
  const g = matmulRef(transpose(q, qo, m, n), 0, q, qo, n, m, n);
  let e = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const d = Math.abs(g[i * n + j]! - (i === j ? 1 : 0));
      if (!(d <= e)) e = d;
    }
  return e;
}

/** max |X − Y| / scale. */
function diff(
  x: ArrayLike<number>,
  xo: number,
  y: ArrayLike<number>,
  yo: number,
  len: number,
  scale: number,
) {
  let e = 0;
  for (let i = 0; i < len; i++) {
    const d = Math.abs(x[xo + i]! - y[yo + i]!);
    if (!(d <= e)) e = d;
  }
  return e / scale;
}

/** Largest |A_k X_k − I| over the batch. */
export function inverseResidual(input: CaseInput, x: Float64Array): number {
  const { batch, n, a } = input;
  if (x.length !== batch * n * n) return INF;
  let worst = 0;
  for (let k = 0; k < batch; k++) {
    const c = matmulRef(a, k * n * n, x, k * n * n, n, n, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const e = Math.abs(c[i * n + j]! - (i === j ? 1 : 0));
        if (!(e <= worst)) worst = e; // NaN propagates as a failure
      }
  }
  return worst;
}

/** Reference inverse and det by Gauss–Jordan with partial pivoting (one n×n matrix). */
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

/** log |det A| by Gaussian elimination with partial pivoting (one n×n matrix). */
function logAbsDet(a: Float64Array, n: number): number {
  const m = Float64Array.from(a.subarray(0, n * n));
  let s = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    if (p !== c) for (let j = c; j < n; j++) [m[p * n + j], m[c * n + j]] = [m[c * n + j]!, m[p * n + j]!];
    const piv = m[c * n + c]!;
    s += Math.log(Math.abs(piv));
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / piv;
      if (f === 0) continue;
      for (let j = c + 1; j < n; j++) m[r * n + j]! -= f * m[c * n + j]!;
    }
  }
  return s;
}

/**
 * Gradient of sum(inv(A)) with respect to A: −Xᵀ 1 1ᵀ Xᵀ with X = A⁻¹, i.e.
 * G[i][j] = −(column sum i of X)·(row sum j of X). Compared relative to max |G|.
 */
export function invBackwardError(input: CaseInput, g: Float64Array): number {
  const { n, a } = input;
  if (g.length !== n * n) return INF;
  const { inv } = referenceInverse(a, n);
  const colSum = new Float64Array(n);
  const rowSum = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      colSum[j]! += inv[i * n + j]!;
      rowSum[i]! += inv[i * n + j]!;
    }
  const ref = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ref[i * n + j] = -colSum[i]! * rowSum[j]!;
  return diff(g, 0, ref, 0, n * n, maxAbs(ref));
}

/** max |A X − B| / (max|A|·max|X|·n + max|B|). */
export function solveError(input: CaseInput, x: Float64Array): number {
  const { n, a, b } = input;
  if (!b || x.length !== n * n) return INF;
  const c = matmulRef(a, 0, x, 0, n, n, n);
  return diff(c, 0, b, 0, n * n, maxAbs(a) * maxAbs(x) * n + maxAbs(b));
}

/** Complex (interleaved, m×m) max |C − A·B| / (m·max|A|·max|B|), over real and imaginary parts. */
export function matmulC128Error(input: CaseInput, c: Float64Array): number {
  const { a, b } = input;
  const m = input.m!;
  if (!b || c.length !== 2 * m * m) return INF;
  const ref = new Float64Array(2 * m * m);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < m; p++) {
      const [ar, ai] = [a[2 * (i * m + p)]!, a[2 * (i * m + p) + 1]!];
      for (let j = 0; j < m; j++) {
        const [br, bi] = [b[2 * (p * m + j)]!, b[2 * (p * m + j) + 1]!];
        ref[2 * (i * m + j)]! += ar * br - ai * bi;
        ref[2 * (i * m + j) + 1]! += ar * bi + ai * br;
      }
    }
  }
  return diff(c, 0, ref, 0, 2 * m * m, m * maxAbs(a) * maxAbs(b));
}

/** max |C − A·B| / (n·max|A|·max|B|). */
export function matmulError(input: CaseInput, c: Float64Array): number {
  const { n, a, b } = input;
  if (!b || c.length !== n * n) return INF;
  return diff(c, 0, matmulRef(a, 0, b, 0, n, n, n), 0, n * n, n * maxAbs(a) * maxAbs(b));
}

/** max |L·Lᵀ − S| / max|S| over the batch, and L must be lower triangular. */
export function choleskyError(input: CaseInput, l: Float64Array): number {
  const { batch, n, a: s } = input;
  if (l.length !== batch * n * n) return INF;
  let worst = 0;
  for (let b = 0; b < batch; b++) {
    const o = b * n * n;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (l[o + i * n + j] !== 0) return INF;
    const llt = matmulRef(l, o, transpose(l, o, n, n), 0, n, n, n);
    worst = Math.max(worst, diff(llt, 0, s, o, n * n, maxAbs(s, o, n * n)));
    if (Number.isNaN(worst)) return INF;
  }
  return worst;
}

/** |det − ref| / |ref|. */
export function detError(input: CaseInput, d: Float64Array): number {
  if (d.length !== 1) return INF;
  const ref = referenceInverse(input.a, input.n).det;
  const e = Math.abs(d[0]! - ref) / Math.abs(ref);
  return Number.isNaN(e) ? INF : e;
}

/**
 * svd: output U (n×n), S (n), Vh (n×n) per matrix, concatenated per output over the batch.
 * Error: the largest of |UᵀU − I|, |Vh Vhᵀ − I|, |U·diag(S)·Vh − A| / max|A|, and +∞ when S is not
 * descending and non-negative.
 */
export function svdError(input: CaseInput, out: Float64Array): number {
  const { batch, n, a } = input;
  const nn = n * n;
  if (out.length !== batch * (2 * nn + n)) return INF;
  const [uo, so, vo] = [0, batch * nn, batch * (nn + n)];
  let worst = 0;
  for (let b = 0; b < batch; b++) {
    const s = out.subarray(so + b * n, so + (b + 1) * n);
    if (!descendingNonNegative(s)) return INF;
    const us = Float64Array.from(out.subarray(uo + b * nn, uo + (b + 1) * nn));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) us[i * n + j]! *= s[j]!;
    const rec = matmulRef(us, 0, out, vo + b * nn, n, n, n);
    const vt = transpose(out, vo + b * nn, n, n);
    worst = Math.max(
      worst,
      orthoCols(out, uo + b * nn, n, n),
      orthoCols(vt, 0, n, n),
      diff(rec, 0, a, b * nn, nn, maxAbs(a, b * nn, nn)),
    );
    if (Number.isNaN(worst)) return INF;
  }
  return worst;
}

function descendingNonNegative(s: ArrayLike<number>): boolean {
  for (let i = 0; i < s.length; i++) if (!(s[i]! >= 0) || (i > 0 && s[i]! > s[i - 1]!)) return false;
  return true;
}

/**
 * svdvals of one square A: descending and non-negative, Σ s² against ‖A‖²_F and Σ log s against
 * log|det A| (both relative).
 */
export function svdvalsError(input: CaseInput, s: Float64Array): number {
  const { n, a } = input;
  if (s.length !== n || !descendingNonNegative(s)) return INF;
  let ss = 0;
  let ls = 0;
  let fro = 0;
  for (let i = 0; i < n; i++) {
    ss += s[i]! * s[i]!;
    ls += Math.log(s[i]!);
  }
  for (let i = 0; i < n * n; i++) fro += a[i]! * a[i]!;
  const ld = logAbsDet(a, n);
  const e = Math.max(Math.abs(ss - fro) / fro, Math.abs(ls - ld) / Math.max(1, Math.abs(ld)));
  return Number.isNaN(e) ? INF : e;
}

/**
 * Gradient of sum(svdvals(A)) for a nonsingular square A is G = U·Vᵀ, the orthogonal polar
 * factor: the unique orthogonal G with GᵀA symmetric positive definite. Error: the larger of
 * |GᵀG − I| and |GᵀA − AᵀG| / max|A|; +∞ when GᵀA is not positive definite.
 */
export function svdvalsBackwardError(input: CaseInput, g: Float64Array): number {
  const { n, a } = input;
  if (g.length !== n * n) return INF;
  const p = matmulRef(transpose(g, 0, n, n), 0, a, 0, n, n, n);
  const pt = transpose(p, 0, n, n);
  const e = Math.max(orthoCols(g, 0, n, n), diff(p, 0, pt, 0, n * n, maxAbs(a)));
  if (Number.isNaN(e) || !positiveDefinite(p, n)) return INF;
  return e;
}

function positiveDefinite(p: Float64Array, n: number): boolean {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = p[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = (p[i * n + j]! + p[j * n + i]!) / 2;
      for (let k = 0; k < j; k++) v -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = v / ljj;
    }
  }
  return true;
}

/**
 * eigh: eigenvalues (n) then eigenvectors (n×n, columns) per matrix, concatenated per output.
 * Error: the larger of |VᵀV − I| and |A·V − V·diag(w)| / max|A|; +∞ unless w is ascending.
 */
export function eighError(input: CaseInput, out: Float64Array): number {
  const { batch, n, a } = input;
  const nn = n * n;
  if (out.length !== batch * (nn + n)) return INF;
  let worst = 0;
  for (let b = 0; b < batch; b++) {
    const w = out.subarray(b * n, (b + 1) * n);
    for (let i = 1; i < n; i++) if (!(w[i]! >= w[i - 1]!)) return INF;
    const vo = batch * n + b * nn;
    const av = matmulRef(a, b * nn, out, vo, n, n, n);
    const vw = Float64Array.from(out.subarray(vo, vo + nn));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vw[i * n + j]! *= w[j]!;
    worst = Math.max(worst, orthoCols(out, vo, n, n), diff(av, 0, vw, 0, nn, maxAbs(a, b * nn, nn)));
    if (Number.isNaN(worst)) return INF;
  }
  return worst;
}

/** qr (reduced, square): Q then R. Error: |QᵀQ − I|, |Q·R − A| / max|A|; R must be upper. */
export function qrError(input: CaseInput, out: Float64Array): number {
  const { n, a } = input;
  const nn = n * n;
  if (out.length !== 2 * nn) return INF;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (out[nn + i * n + j] !== 0) return INF;
  const qr = matmulRef(out, 0, out, nn, n, n, n);
  const e = Math.max(orthoCols(out, 0, n, n), diff(qr, 0, a, 0, nn, maxAbs(a)));
  return Number.isNaN(e) ? INF : e;
}

/**
 * pinv of a full-rank m×n A (m ≥ n): X (n×m) must satisfy the Penrose conditions; error: the
 * largest of |A X A − A| / max|A|, |X A X − X| / max|X|, |X A − I| (X A = I for full column rank).
 */
export function pinvError(input: CaseInput, x: Float64Array): number {
  const { m = input.n, n, a } = input;
  if (x.length !== n * m) return INF;
  const xa = matmulRef(x, 0, a, 0, n, m, n);
  const axa = matmulRef(a, 0, xa, 0, m, n, n);
  const xax = matmulRef(xa, 0, x, 0, n, n, m);
  let eye = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) eye = Math.max(eye, Math.abs(xa[i * n + j]! - (i === j ? 1 : 0)));
  const e = Math.max(diff(axa, 0, a, 0, m * n, maxAbs(a)), diff(xax, 0, x, 0, n * m, maxAbs(x)), eye);
  return Number.isNaN(e) ? INF : e;
}
