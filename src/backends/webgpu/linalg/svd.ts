/**
 * WGSL singular value decomposition by one-sided (Hestenes) Jacobi: the columns of M = A (or Aᵀ
 * when m < n, so that M is p×q with p ≥ q) are orthogonalised by plane rotations from the right,
 * M ← M·J, V ← V·J, with the parallel round-robin ordering (q/2 disjoint column pairs per round).
 * At convergence M = U·Σ: σ_j = ‖m_j‖, u_j = m_j/σ_j. Demmel & Veselić, "Jacobi's method is more
 * accurate than QR" (1992); Golub & Van Loan, Matrix Computations, §8.6.3.
 */
import type { GpuStorage } from '../../backend.js';
import {
  ATOMIC_U32,
  F32,
  I32,
  type Kernel,
  needBuffer,
  needSizes,
  runKernel,
  wgslKernel,
} from '../kernel.js';
import type { WebGPURuntime } from '../runtime.js';
import {
  INFO_STAGE,
  jacobiRounds,
  runChunked,
  SPECTRAL_PARAMS,
  type SpectralTuning,
  ST_BEST,
  ST_DEAD,
  ST_GOOD,
  ST_INV,
  ST_KEY,
  ST_NROT,
  STATE_WORDS,
  spectralThreads,
  WGSL_LOAD_ENTER,
  WGSL_READ_DEAD,
  WGSL_SPECTRAL,
  wgslSpectralMain,
  wgslSweepEnd,
} from './qr.js';
import { planParam, type Stage, type StageCode, wgslStages } from './staged.js';

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
 * The phases (WGSL, see `staged.ts`) of completing the orthonormal vectors L_0..L_{good−1} (each of
 * length p, element t of vector c at `buf[at(c, t)]`) to L_0..L_{cmax−1}, one repetition per vector
 * c = o (skipped for c < good): the unit vector e_t least covered by the current ones (smallest
 * Σ_i L_i[t]²) minus its projection, re-orthogonalised once (classical Gram–Schmidt twice) and
 * normalised; ‖residual‖² ≥ (p − c)/p before that.
 */
function completePhases(t: number, at: (buf: string, c: string, tt: string) => string): string[] {
  const both = (f: (x: (c: string, tt: string) => string) => string) =>
    `if (tall) { ${f((c, tt) => at('U', c, tt))} } else { ${f((c, tt) => at('VH', c, tt))} }`;
  return [
    both(
      (x) => `for (var tt = lo + lane; tt < min(hi, p); tt += ${t}u) {
        var s2 = 0.0;
        for (var i = 0u; i < o; i++) { let y = ${x('i', 'tt')}; s2 += y * y; }
        S[srn + tt] = s2;
      }`,
    ),
    both(
      () => `if (lane == 0u) {
        var best = 0u;
        for (var tt = 1u; tt < p; tt++) { if (S[srn + tt] < S[srn + best]) { best = tt; } }
        atomicStore(&ST[sb + ${ST_BEST}u], best);
      }`,
    ),
    both(
      (x) => `let best = atomicLoad(&ST[sb + ${ST_BEST}u]);
      for (var tt = lo + lane; tt < min(hi, p); tt += ${t}u) {
        var y = select(0.0, 1.0, tt == best);
        for (var i = 0u; i < o; i++) { y -= ${x('i', 'tt')} * ${x('i', 'best')}; }
        ${x('o', 'tt')} = y;
      }`,
    ),
    both(
      (x) => `for (var i = lo + lane; i < min(hi, o); i += ${t}u) {
        var d = 0.0;
        for (var tt = 0u; tt < p; tt++) { d += ${x('i', 'tt')} * ${x('o', 'tt')}; }
        S[scf + i] = d;
      }`,
    ),
    both(
      (x) => `for (var tt = lo + lane; tt < min(hi, p); tt += ${t}u) {
        var y = ${x('o', 'tt')};
        for (var i = 0u; i < o; i++) { y -= S[scf + i] * ${x('i', 'tt')}; }
        ${x('o', 'tt')} = y;
      }`,
    ),
    both(
      (x) => `if (lane == 0u) {
        var s2 = 0.0;
        for (var tt = 0u; tt < p; tt++) { let y = ${x('o', 'tt')}; s2 += y * y; }
        atomicStore(&ST[sb + ${ST_INV}u], bitcast<u32>(1.0 / sqrt(s2)));
      }`,
    ),
    both(
      (x) => `let inv = bitcast<f32>(atomicLoad(&ST[sb + ${ST_INV}u]));
      for (var tt = lo + lane; tt < min(hi, p); tt += ${t}u) { ${x('o', 'tt')} *= inv; }`,
    ),
  ];
}

// Scratch per matrix: W (q×p, row j = column j of M), VT (q×q, row j = column j of V, if UV),
// per pair of a round (τ, s) with τ = s/(1 + c), τ = 2 meaning "no rotation", σ (q), row norms
// (p), coefs (p). Rotations in Rutishauser's form (`rot2`, see eigh.ts). Stages as in svdStages.
// Real only: Jacobi rotations on f32 bit tests and exact power-of-two scaling.
function svdKernel(t: number, uv: boolean): Kernel {
  const uAt = (c: string, tt: string) => `ub + ${tt} * ucols + ${c}`;
  const vAt = (c: string, tt: string) => `vb + ${c} * n + ${tt}`;
  const at = (buf: string, c: string, tt: string) => `${buf}[${buf === 'U' ? uAt(c, tt) : vAt(c, tt)}]`;
  const stages: StageCode[] = [
    {
      phases: [
        `var key = 0u;
      for (var e = lo + lane; e < min(hi, m * n); e += ${t}u) { key = max(key, f32Key(A[ab + e])); }
      atomicMax(&ST[sb + ${ST_KEY}u], key);`,
      ],
    },
    {
      enter: WGSL_LOAD_ENTER,
      phases: [
        `if (dead) {
        for (var e = lo + lane; e < min(hi, nload); e += ${t}u) {
          if (e < q) { SV[mat * q + e] = f32NaN(); }
          ${uv ? `if (e < m * ucols) { U[ub + e] = f32NaN(); }\n          if (e < vrows * n) { VH[vb + e] = f32NaN(); }` : ''}
        }
        if (lane == 0u && blk == 0u) {
          atomicStore(&ST[sb + ${ST_DEAD}u], 1u);
          INFO[mat] = -1;
        }
      } else {
        // W[j][i] = M[i][j]: the transpose of A when tall, A itself when wide; VT = I.
        for (var e = lo + lane; e < min(hi, nload); e += ${t}u) {
          if (e < m * n) { S[sw + select(e, (e % n) * m + e / n, tall)] = scaled(A[ab + e], ex); }
          if (e < qv * q) { S[svt + e] = select(0.0, 1.0, e / q == e % q); }
        }
      }`,
      ],
    },
    jacobiRounds([
      `
        let rd = o % rounds;
        for (var k = lo + lane; k < min(hi, half); k += ${t}u) {
          let ij = pairOf(rd, k, Q);
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
      `,
      // Columns i, j of M (rows of W, p items each) and of V (rows of VT, q items each) ← ·J; the
      // last block of a sweep's last round decides convergence.
      `
        let rd = o % rounds;
        let len = p + qv;
        for (var e = lo + lane; e < min(hi, half * len); e += ${t}u) {
          let k = e / len;
          let tau = S[sr + 2u * k];
          if (tau <= 1.0) {
            let s = S[sr + 2u * k + 1u];
            let ij = pairOf(rd, k, Q);
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
        if (lastBlk && rd + 1u == rounds) {
          ${wgslSweepEnd(t)}
        }
      `,
    ]),
    {
      enter: WGSL_READ_DEAD,
      skip: 'dead',
      phases: [
        `
        for (var j = lo + lane; j < min(hi, q); j += ${t}u) {
          var s2 = 0.0;
          for (var tt = 0u; tt < p; tt++) { let x = S[sw + j * p + tt]; s2 += x * x; }
          S[ssg + j] = sqrt(s2);
        }
      `,
      ],
    },
    {
      enter: WGSL_READ_DEAD,
      skip: 'dead',
      // Sort descending by rank (ties by index); left vectors m_j/σ_j, right vectors from VT.
      phases: [
        `
        var ngood = 0u;
        for (var j = lo + lane; j < min(hi, q); j += ${t}u) {
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
        atomicAdd(&ST[sb + ${ST_GOOD}u], ngood);
      `,
      ],
    },
    ...(uv
      ? [
          {
            enter: `${WGSL_READ_DEAD}
        good = groupMax(atomicLoad(&ST[sb + ${ST_GOOD}u]), lane);`,
            skip: 'dead || o < good',
            phases: completePhases(t, at),
          },
        ]
      : []),
    INFO_STAGE,
  ];
  const spec = {
    name: `linalg_svd_t${t}${uv ? '' : '_novec'}`,
    inputs: { A: F32 },
    outputs: {
      SV: F32,
      U: uv ? F32 : undefined,
      VH: uv ? F32 : undefined,
      INFO: I32,
      S: F32,
      ST: ATOMIC_U32,
    },
    params: {
      ...SPECTRAL_PARAMS,
      m: 'u32',
      n: 'u32',
      full: 'u32',
      stride: 'u32',
      tol: 'f32',
      sfloor: 'f32',
      maxSweeps: 'u32',
      ...planParam(stages),
    },
  } as const;
  return wgslKernel(
    spec,
    `${WGSL_SPECTRAL}
${wgslSpectralMain(t)}
  let m = params.m;
  let n = params.n;
  let full = params.full != 0u;
  let tol = params.tol;
  let sfloor = params.sfloor;
  let maxSweeps = params.maxSweeps;
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
  let sw = loc * params.stride;
  let svt = sw + q * p;
  let sr = svt + qv * q;
  let ssg = sr + Q;
  let srn = ssg + q;
  let scf = srn + p;
  let sb = loc * ${STATE_WORDS}u;
  let nload = max(max(m * n, qv * q), max(q, ${uv ? 'max(m * ucols, vrows * n)' : '0u'}));
  var dead = false;
  var conv = false;
  var good = 0u;
  var nrot = 0u;
  var ex = scaleExp(atomicLoad(&ST[sb + ${ST_KEY}u]));
  ${wgslStages(t, stages)}
  if (nrot > 0u) { atomicAdd(&ST[sb + ${ST_NROT}u], nrot); }
}`,
  );
}

/** The host's side of svdWgsl's stages: items and loop costs per phase (see `staged.ts`). */
function svdStages(m: number, n: number, full: boolean, uv: boolean, sweeps: number): Stage[] {
  const [p, q] = [Math.max(m, n), Math.min(m, n)];
  const Q = q + (q & 1);
  const half = Q / 2;
  const rounds = Q >= 2 ? Q - 1 : 0;
  const qv = uv ? q : 0;
  const [ucols, vrows] = [full ? m : q, full ? n : q];
  const cmax = full ? p : q;
  const one = (cost: number) => ({ items: 1, cost });
  const stages: Stage[] = [
    { reps: 1, phases: [{ items: m * n, cost: 1 }] },
    {
      reps: 1,
      phases: [{ items: Math.max(m * n, qv * q, q, uv ? m * ucols : 0, uv ? vrows * n : 0), cost: 1 }],
    },
    {
      reps: sweeps * rounds,
      phases: [
        { items: half, cost: p + 1 },
        { items: half * (p + qv), cost: 1 },
      ],
    },
    { reps: 1, phases: [{ items: q, cost: p + 1 }] },
    { reps: 1, phases: [{ items: q, cost: 1 + q + (uv ? p + q : 0) }] },
  ];
  if (uv) {
    const byC = (c: number) => c + 1;
    stages.push({
      reps: cmax,
      phases: [
        { items: p, cost: cmax, costAt: byC },
        one(p),
        { items: p, cost: cmax, costAt: byC },
        { items: cmax, cost: p + 1, live: (c) => c },
        { items: p, cost: cmax, costAt: byC },
        one(p),
        { items: p, cost: 1 },
      ],
    });
  }
  stages.push({ reps: 1, phases: [one(1)] });
  return stages;
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
 * barrier-separated steps (rotations of the pairs; the rotated columns), each split into blocks
 * and the whole split over dispatches by the loop rule (`staged.ts`; so the sweeps not needed
 * after convergence still cost a dispatch each few rounds, doing nothing). `tune` forces a layout or another sweep limit (tests, benchmarks; see
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
  needBuffer(op, 'a', a, F32, batch * m * n);
  needBuffer(op, 's', s, F32, batch * q);
  needBuffer(op, 'info', info, I32, batch);
  if (computeUV) {
    if (u === null || vh === null) throw new Error(`${op}: computeUV needs outputs u and vh`);
    needBuffer(op, 'u', u, F32, batch * m * (fullMatrices ? m : q));
    needBuffer(op, 'vh', vh, F32, batch * (fullMatrices ? n : q) * n);
  }
  if (batch === 0) return;
  const half = Math.ceil(q / 2);
  const t = tune.threads ?? spectralThreads(half * (p + (computeUV ? q : 0)), batch);
  const stride = q * p + (computeUV ? q * q : 0) + 2 * half + q + 2 * p;
  const kernel = svdKernel(t, computeUV);
  const sweeps = tune.maxSweeps ?? SVD_MAX_SWEEPS;
  // Rotation threshold √p·eps as LAPACK's sgesvj: above the rounding noise of the float32 dot
  // products m_iᵀm_j, so that convergence is detected for tall matrices too.
  const tol = Math.max(1, Math.sqrt(p)) * EPS32;
  const own = { m, n, full: fullMatrices, stride, tol, sfloor: SIGMA_FLOOR, maxSweeps: sweeps };
  const stages = svdStages(m, n, fullMatrices, computeUV, sweeps);
  runChunked(gpu, 'linalg.svd', t, batch, stride, stages, (scratch, state, params, workgroups, loops) => {
    const vectors = computeUV && u && vh ? { U: u, VH: vh } : {};
    runKernel(gpu, kernel, {
      buffers: { A: a, SV: s, ...vectors, INFO: info, S: scratch, ST: state },
      params: params(own),
      workgroups,
      loops,
    });
  });
}
