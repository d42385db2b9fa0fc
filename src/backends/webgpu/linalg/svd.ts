/**
 * WGSL singular value decomposition by one-sided (Hestenes) Jacobi: the columns of M = A (or Aᵀ
 * when m < n, so that M is p×q with p ≥ q) are orthogonalised by plane rotations from the right,
 * M ← M·J, V ← V·J, with the parallel round-robin ordering (q/2 disjoint column pairs per round).
 * At convergence M = U·Σ: σ_j = ‖m_j‖, u_j = m_j/σ_j. Demmel & Veselić, "Jacobi's method is more
 * accurate than QR" (1992); Golub & Van Loan, Matrix Computations, §8.6.3.
 */
import type { GpuStorage } from '../../backend.js';
import { type WebGPURuntime, wgslParams } from '../runtime.js';
import {
  f32Bits,
  needSizes,
  needStorage,
  runChunked,
  type SpectralTuning,
  spectralThreads,
  WGSL_SPECTRAL,
  wgslBar,
  wgslSpectralMain,
} from './qr.js';

/** Sweeps before giving up (LAPACK's sgesvj uses 30 too). */
export const SVD_MAX_SWEEPS = 30;
const EPS32 = 2 ** -23;
/** Singular values at or below this (in units of max |a_ij|) count as zero: their vectors are completed. */
const SIGMA_FLOOR = 2 ** -50;

/** Options of {@link svdGpu}, as in torch.linalg.svd (computeUV = false is svdvals). */
export interface SvdGpuOptions {
  fullMatrices: boolean;
  computeUV: boolean;
}

/**
 * WGSL that completes the orthonormal vectors L_0..L_{good−1} (each of length p, element t of
 * vector c at `L[at(c, t)]`) to L_0..L_{cmax−1}: for each new vector, the unit vector e_t least
 * covered by the current ones (smallest Σ_i L_i[t]²) minus its projection, re-orthogonalised
 * once (classical Gram–Schmidt twice) and normalised; ‖residual‖² ≥ (p − c)/p before that.
 */
function completeWgsl(buf: string, at: (c: string, t: string) => string, t: number, bar: string): string {
  return `for (var c = good; c < cmax; c++) {
      for (var tt = lane; tt < p; tt += ${t}u) {
        var s2 = 0.0;
        for (var i = 0u; i < c; i++) { let x = ${buf}[${at('i', 'tt')}]; s2 += x * x; }
        S[srn + tt] = s2;
      }
      ${bar}
      var best = 0u;
      for (var tt = 1u; tt < p; tt++) { if (S[srn + tt] < S[srn + best]) { best = tt; } }
      for (var tt = lane; tt < p; tt += ${t}u) {
        var x = select(0.0, 1.0, tt == best);
        for (var i = 0u; i < c; i++) { x -= ${buf}[${at('i', 'tt')}] * ${buf}[${at('i', 'best')}]; }
        ${buf}[${at('c', 'tt')}] = x;
      }
      ${bar}
      for (var i = lane; i < c; i += ${t}u) {
        var d = 0.0;
        for (var tt = 0u; tt < p; tt++) { d += ${buf}[${at('i', 'tt')}] * ${buf}[${at('c', 'tt')}]; }
        S[scf + i] = d;
      }
      ${bar}
      for (var tt = lane; tt < p; tt += ${t}u) {
        var x = ${buf}[${at('c', 'tt')}];
        for (var i = 0u; i < c; i++) { x -= S[scf + i] * ${buf}[${at('i', 'tt')}]; }
        ${buf}[${at('c', 'tt')}] = x;
      }
      ${bar}
      var s2 = 0.0;
      for (var tt = 0u; tt < p; tt++) { let x = ${buf}[${at('c', 'tt')}]; s2 += x * x; }
      ${bar}
      let inv = 1.0 / sqrt(s2);
      for (var tt = lane; tt < p; tt += ${t}u) { ${buf}[${at('c', 'tt')}] *= inv; }
      ${bar}
    }`;
}

// Scratch per matrix: W (q×p, row j = column j of M), VT (q×q, row j = column j of V, if UV),
// per pair of a round (τ, s) with τ = s/(1 + c), τ = 2 meaning "no rotation", σ (q), row norms
// (p), coefs (p). Rotations in Rutishauser's form (`rot2`, see eigh.ts).
function svdWgsl(t: number, uv: boolean): string {
  const bar = wgslBar(t);
  const o = uv ? 4 : 2;
  const uAt = (c: string, tt: string) => `ub + ${tt} * ucols + ${c}`;
  const vAt = (c: string, tt: string) => `vb + ${c} * n + ${tt}`;
  return `// linalg_svd_t${t}${uv ? '' : '_novec'}
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read_write> SV: array<f32>;
${uv ? '@group(0) @binding(2) var<storage, read_write> U: array<f32>;' : ''}
${uv ? '@group(0) @binding(3) var<storage, read_write> VH: array<f32>;' : ''}
@group(0) @binding(${o}) var<storage, read_write> INFO: array<i32>;
@group(0) @binding(${o + 1}) var<storage, read_write> S: array<f32>;
${wgslParams(o + 2)}
${WGSL_SPECTRAL}
${wgslSpectralMain(t)}
  let m = pu(2u);
  let n = pu(3u);
  let full = pu(4u) != 0u;
  let tol = pf(6u);
  let sfloor = pf(7u);
  let tall = m >= n;
  let p = max(m, n);
  let q = min(m, n);
  let Q = q + (q & 1u);
  let half = Q / 2u;
  let rounds = select(0u, Q - 1u, Q >= 2u);
  let qv = ${uv ? 'q' : '0u'};
  let ucols = select(q, m, full);
  let vrows = select(q, n, full);
  let ab = mat * m * n;
  let ub = mat * m * ucols;
  let vb = mat * vrows * n;
  let sw = loc * pu(5u);
  let svt = sw + q * p;
  let sr = svt + qv * q;
  let ssg = sr + Q;
  let srn = ssg + q;
  let scf = srn + p;
  var key = 0u;
  for (var e = lane; e < m * n; e += ${t}u) { key = max(key, f32Key(A[ab + e])); }
  let kmax = groupMax(key, lane);
  if (kmax >= F32_INF_KEY) {
    for (var e = lane; e < q; e += ${t}u) { SV[mat * q + e] = f32NaN(); }
    ${
      uv
        ? `for (var e = lane; e < m * ucols; e += ${t}u) { U[ub + e] = f32NaN(); }
    for (var e = lane; e < vrows * n; e += ${t}u) { VH[vb + e] = f32NaN(); }`
        : ''
    }
    if (lane == 0u) { INFO[mat] = -1; }
    return;
  }
  let ex = scaleExp(kmax);
  // W[j][i] = M[i][j]: the transpose of A when tall, A itself when wide.
  for (var e = lane; e < m * n; e += ${t}u) {
    let dst = select(e, (e % n) * m + e / n, tall);
    S[sw + dst] = scaled(A[ab + e], ex);
  }
  for (var e = lane; e < qv * q; e += ${t}u) { S[svt + e] = select(0.0, 1.0, e / q == e % q); }
  ${bar}
  var sweeps = 0u;
  var info = 0u;
  loop {
    var nrot = 0u;
    for (var r = 0u; r < rounds; r++) {
      for (var k = lane; k < half; k += ${t}u) {
        let ij = pairOf(r, k, Q);
        var tau = 2.0;
        var s = 0.0;
        if (ij.y < q) {
          let wi = sw + ij.x * p;
          let wj = sw + ij.y * p;
          var al = 0.0;
          var be = 0.0;
          var ga = 0.0;
          for (var tt = 0u; tt < p; tt++) {
            let x = S[wi + tt];
            let y = S[wj + tt];
            al += x * x;
            be += y * y;
            ga += x * y;
          }
          let f2 = sfloor * sfloor;
          if (al > f2 && be > f2 && abs(ga) > tol * sqrt(al) * sqrt(be)) {
            let tn = jacobiT((be - al) / (2.0 * ga));
            let c = 1.0 / sqrt(1.0 + tn * tn);
            s = tn * c;
            tau = s / (1.0 + c);
            nrot++;
          }
        }
        S[sr + 2u * k] = tau;
        S[sr + 2u * k + 1u] = s;
      }
      ${bar}
      // Columns i, j of M (rows of W, p items each) and of V (rows of VT, q items each) ← ·J.
      let len = p + qv;
      for (var e = lane; e < half * len; e += ${t}u) {
        let k = e / len;
        let tau = S[sr + 2u * k];
        if (tau <= 1.0) {
          let s = S[sr + 2u * k + 1u];
          let ij = pairOf(r, k, Q);
          let tt = e % len;
          var oi = sw + ij.x * p + tt;
          var oj = sw + ij.y * p + tt;
          if (tt >= p) {
            oi = svt + ij.x * q + tt - p;
            oj = svt + ij.y * q + tt - p;
          }
          let v = rot2(vec2<f32>(S[oi], S[oj]), tau, s);
          S[oi] = v.x;
          S[oj] = v.y;
        }
      }
      ${bar}
    }
    sweeps++;
    let total = groupSum(nrot, lane);
    if (total == 0u) { break; }
    if (sweeps >= pu(8u)) {
      info = total;
      break;
    }
  }
  for (var j = lane; j < q; j += ${t}u) {
    var s2 = 0.0;
    for (var tt = 0u; tt < p; tt++) { let x = S[sw + j * p + tt]; s2 += x * x; }
    S[ssg + j] = sqrt(s2);
  }
  ${bar}
  // Sort descending by rank (ties by index); left vectors m_j/σ_j, right vectors from VT.
  var ngood = 0u;
  for (var j = lane; j < q; j += ${t}u) {
    let sj = S[ssg + j];
    var rank = 0u;
    for (var i = 0u; i < q; i++) {
      let si = S[ssg + i];
      if (si > sj || (si == sj && i < j)) { rank++; }
    }
    SV[mat * q + rank] = unscaled(sj, ex);
    ${
      uv
        ? `let good = sj > sfloor;
    if (good) { ngood++; }
    let inv = select(0.0, 1.0 / sj, good);
    for (var tt = 0u; tt < p; tt++) {
      let x = S[sw + j * p + tt] * inv;
      if (tall) { U[${uAt('rank', 'tt')}] = x; } else { VH[${vAt('rank', 'tt')}] = x; }
    }
    for (var tt = 0u; tt < q; tt++) {
      let x = S[svt + j * q + tt];
      if (tall) { VH[${vAt('rank', 'tt')}] = x; } else { U[${uAt('rank', 'tt')}] = x; }
    }`
        : ''
    }
  }
  ${
    uv
      ? `let good = groupSum(ngood, lane);
  let cmax = select(q, p, full);
  ${bar}
  if (tall) {
    ${completeWgsl('U', uAt, t, bar)}
  } else {
    ${completeWgsl('VH', vAt, t, bar)}
  }`
      : ''
  }
  if (lane == 0u) { INFO[mat] = i32(info); }
}`;
}

/**
 * Batched SVD A = U·diag(S)·Vh of float32 matrices on the device, with the layouts and info
 * semantics of the CPU kernel `backends/cpu/linalg/svd.ts`; k = min(m, n):
 * - `a`: `batch` row-major m×n matrices back to back. `s`: batch×k singular values, descending,
 *   ≥ 0. `u`: batch×m×m (fullMatrices) or batch×m×k; `vh`: batch×n×n or batch×k×n; both null
 *   (and not touched) when computeUV is false.
 * - U and Vh have orthonormal columns/rows for every input: vectors of zero singular values
 *   (σ ≤ 2⁻⁵⁰·max|a_ij|) and the extra ones of fullMatrices are completed by Gram–Schmidt against
 *   the least-covered unit vectors, with re-orthogonalisation.
 * - Signs: as the iteration leaves them (like the CPU kernel, no normalisation; each pair
 *   (u_j, vh_j) is consistent). Repeated singular values: some orthonormal basis of the subspace.
 * - `info[b]`: 0 on success; > 0 (rotations still needed in the last sweep) when not converged
 *   after `SVD_MAX_SWEEPS` sweeps (outputs hold the current approximation: the vectors made of
 *   rotations, V when m ≥ n and U when m < n, are orthonormal, the others only roughly);
 *   −1 when A holds NaN/±Inf, and then all of that element's S, U and Vh are NaN.
 * Algorithm: one-sided Jacobi on M = A (m ≥ n) or Aᵀ (m < n), scaled by a power of two (max |a_ij|
 * ∈ [1, 2)); a column pair is rotated while |m_iᵀm_j| > √p·eps·‖m_i‖·‖m_j‖ (as sgesvj), so small
 * singular values are accurate relative to column scaling (Demmel & Veselić) and in general
 * |σ̂ − σ| ≲ p(n)·eps·‖A‖. Per sweep ≈ 7pq² (+ 4q³ for V) flops in q−1 rounds of two
 * barrier-separated steps. `tune` forces a layout or another sweep limit (tests, benchmarks; see
 * `spectralThreads`). Subnormal inputs and outputs are handled through their bits. Encodes work
 * only; nothing is read back.
 */
export function svdGpu(
  gpu: WebGPURuntime,
  a: GpuStorage,
  batch: number,
  m: number,
  n: number,
  u: GpuStorage | null,
  s: GpuStorage,
  vh: GpuStorage | null,
  opts: SvdGpuOptions,
  info: GpuStorage,
  tune: SpectralTuning = {},
): void {
  const op = 'svdGpu';
  needSizes(op, { batch, m, n });
  const { fullMatrices, computeUV } = opts;
  const p = Math.max(m, n);
  const q = Math.min(m, n);
  needStorage(op, 'a', a, 'float32', batch * m * n);
  needStorage(op, 's', s, 'float32', batch * q);
  needStorage(op, 'info', info, 'int32', batch);
  if (computeUV) {
    if (u === null || vh === null) throw new Error(`${op}: computeUV needs outputs u and vh`);
    needStorage(op, 'u', u, 'float32', batch * m * (fullMatrices ? m : q));
    needStorage(op, 'vh', vh, 'float32', batch * (fullMatrices ? n : q) * n);
  }
  if (batch === 0) return;
  const half = Math.ceil(q / 2);
  const t = tune.threads ?? spectralThreads(half * (p + (computeUV ? q : 0)), batch);
  const stride = q * p + (computeUV ? q * q : 0) + 2 * half + q + 2 * p;
  const code = svdWgsl(t, computeUV);
  const sweeps = tune.maxSweeps ?? SVD_MAX_SWEEPS;
  runChunked(gpu, t, batch, stride, (scratch, params, workgroups) => {
    // Rotation threshold √p·eps as LAPACK's sgesvj: above the rounding noise of the float32 dot
    // products m_iᵀm_j, so that convergence is detected for tall matrices too.
    const tol = Math.max(1, Math.sqrt(p)) * EPS32;
    const rest = [m, n, fullMatrices ? 1 : 0, stride, f32Bits(tol), f32Bits(SIGMA_FLOOR), sweeps];
    gpu.run({
      code,
      inputs: [a],
      outputs: computeUV && u && vh ? [s, u, vh, info, scratch] : [s, info, scratch],
      params: params(rest),
      workgroups,
    });
  });
}
