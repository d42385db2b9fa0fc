/**
 * WGSL symmetric eigendecomposition by the two-sided (classical) Jacobi method with the parallel
 * round-robin ordering: each round rotates n/2 disjoint index pairs at once, A ← JᵀAJ, V ← VJ,
 * and every pair is visited once per sweep (n−1 rounds). Golub & Van Loan, Matrix Computations,
 * §8.5 (parallel ordering §8.5.4); the rotation is Rutishauser's.
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
  ST_DEAD,
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

/** Sweeps before giving up (each sweep visits all n(n−1)/2 pairs; 5–10 are typical in float32). */
export const EIGH_MAX_SWEEPS = 30;
const EPS32 = 2 ** -23;
/**
 * Relative band for the sign rule: components within it of the largest |component| count as
 * tied, the lowest index wins. Wider than the CPU's 1e-8 because float32 cannot resolve that; it
 * makes exact ties such as (1, −1)/√2 come out as on the CPU.
 */
const SIGN_BAND = 1e-5;

// Scratch per matrix: A (n×n, full symmetric working copy), V (n×n, if wanted), then per pair of
// a round (τ, s, a'_pp, a'_qq) with τ = s/(1 + c), τ = 2 meaning "no rotation". Rotations are
// applied in Rutishauser's form (`rot2`: x' = x − s(y + τx), y' = y + s(x − τy)), a small
// correction when the angle is small, which keeps the hundreds of late, tiny rotations from
// accumulating rounding errors (at n = 64 in the tests, against c·x − s·y updates: V
// orthogonality 90 → 5 eps; SVD values 40 → 2 eps·‖A‖).
// Real only: Jacobi rotations on f32 bit tests and exact power-of-two scaling.
function eighKernel(t: number, vec: boolean): Kernel {
  const stages: StageCode[] = [
    {
      // Largest |a_ij| of the triangle that is read (its key; non-finite keys are the largest).
      phases: [
        `var key = 0u;
      for (var e = lo + lane; e < min(hi, nn); e += ${t}u) {
        let i = e / n;
        let j = e % n;
        if (select(j <= i, j >= i, upper)) { key = max(key, f32Key(A[ab + e])); }
      }
      atomicMax(&ST[sb + ${ST_KEY}u], key);`,
      ],
    },
    {
      enter: WGSL_LOAD_ENTER,
      phases: [
        `if (dead) {
        for (var e = lo + lane; e < min(hi, nn); e += ${t}u) {
          if (e < n) { W[mat * n + e] = f32NaN(); }
          ${vec ? 'V[ab + e] = f32NaN();' : ''}
        }
        if (lane == 0u && blk == 0u) {
          atomicStore(&ST[sb + ${ST_DEAD}u], 1u);
          INFO[mat] = -1;
        }
      } else {
        for (var e = lo + lane; e < min(hi, nn); e += ${t}u) {
          let i = e / n;
          let j = e % n;
          let x = select(A[ab + j * n + i], A[ab + e], select(j <= i, j >= i, upper));
          S[sa + e] = scaled(x, ex);
          ${vec ? 'S[sv + e] = select(0.0, 1.0, i == j);' : ''}
        }
      }`,
      ],
    },
    jacobiRounds([
      // Rotation of each pair (p, q) that is not yet negligible: relative test, plus an absolute
      // floor far below rounding level so that near-null blocks terminate.
      `
        let rd = o % rounds;
        for (var k = lo + lane; k < min(hi, half); k += ${t}u) {
          let pq = pairOf(rd, k, N);
          var rot = vec4<f32>(2.0, 0.0, 0.0, 0.0);
          if (pq.y < n) {
            let app = S[sa + pq.x * (n + 1u)];
            let aqq = S[sa + pq.y * (n + 1u)];
            let apq = 0.5 * (S[sa + pq.x * n + pq.y] + S[sa + pq.y * n + pq.x]);
            if (abs(apq) > max(tol * sqrt(abs(app)) * sqrt(abs(aqq)), flr)) {
              let tt = jacobiT((aqq - app) / (2.0 * apq));
              let c = 1.0 / sqrt(1.0 + tt * tt);
              let s = tt * c;
              rot = vec4<f32>(s / (1.0 + c), s, app - tt * apq, aqq + tt * apq);
              nrot++;
            }
          }
          let ro = sr + 4u * k;
          S[ro] = rot.x;
          S[ro + 1u] = rot.y;
          S[ro + 2u] = rot.z;
          S[ro + 3u] = rot.w;
        }
      `,
      // Rows p, q ← Jᵀ·A (items: pair × column). (Fusing this and the next step into 2×2 block
      // updates J_Pᵀ·A[P, Q]·J_Q, one barrier less and half the traffic, measured 2× slower on
      // SwiftShader: the block items are branchy, and masked SIMD lanes run every branch.)
      `
        let rd = o % rounds;
        for (var e = lo + lane; e < min(hi, half * n); e += ${t}u) {
          let k = e / n;
          let ro = sr + 4u * k;
          let tau = S[ro];
          if (tau <= 1.0) {
            let s = S[ro + 1u];
            let pq = pairOf(rd, k, N);
            let j = e % n;
            let x = rot2(vec2<f32>(S[sa + pq.x * n + j], S[sa + pq.y * n + j]), tau, s);
            S[sa + pq.x * n + j] = x.x;
            S[sa + pq.y * n + j] = x.y;
          }
        }
      `,
      // Columns p, q ← A·J and V·J (items: pair × row); the 2×2 block gets its exact values. The
      // last block of a sweep's last round decides convergence.
      `
        let rd = o % rounds;
        for (var e = lo + lane; e < min(hi, half * n); e += ${t}u) {
          let k = e / n;
          let ro = sr + 4u * k;
          let tau = S[ro];
          if (tau <= 1.0) {
            let s = S[ro + 1u];
            let pq = pairOf(rd, k, N);
            let i = e % n;
            let ip = sa + i * n + pq.x;
            let iq = sa + i * n + pq.y;
            if (i == pq.x) {
              S[ip] = S[ro + 2u];
              S[iq] = 0.0;
            } else if (i == pq.y) {
              S[ip] = 0.0;
              S[iq] = S[ro + 3u];
            } else {
              let x = rot2(vec2<f32>(S[ip], S[iq]), tau, s);
              S[ip] = x.x;
              S[iq] = x.y;
            }
            ${
              vec
                ? `let vp = sv + i * n + pq.x;
            let vq = sv + i * n + pq.y;
            let y = rot2(vec2<f32>(S[vp], S[vq]), tau, s);
            S[vp] = y.x;
            S[vq] = y.y;`
                : ''
            }
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
      // Sort ascending by rank (ties by index), undo the scaling, fix each eigenvector's sign.
      phases: [
        `
        for (var j = lo + lane; j < min(hi, n); j += ${t}u) {
          let wj = S[sa + j * (n + 1u)];
          var rank = 0u;
          for (var i = 0u; i < n; i++) {
            let wi = S[sa + i * (n + 1u)];
            if (wi < wj || (wi == wj && i < j)) { rank++; }
          }
          W[mat * n + rank] = unscaled(wj, ex);
          ${
            vec
              ? `var big = 0.0;
          for (var i = 0u; i < n; i++) { big = max(big, abs(S[sv + i * n + j])); }
          var sgn = 1.0;
          for (var i = 0u; i < n; i++) {
            let x = S[sv + i * n + j];
            if (abs(x) >= big * (1.0 - ${SIGN_BAND})) {
              sgn = select(1.0, -1.0, x < 0.0);
              break;
            }
          }
          for (var i = 0u; i < n; i++) { V[ab + i * n + rank] = sgn * S[sv + i * n + j]; }`
              : ''
          }
        }
      `,
      ],
    },
    INFO_STAGE,
  ];
  const spec = {
    name: `linalg_eigh_t${t}${vec ? '' : '_novec'}`,
    inputs: { A: F32 },
    outputs: { W: F32, V: vec ? F32 : undefined, INFO: I32, S: F32, ST: ATOMIC_U32 },
    params: {
      ...SPECTRAL_PARAMS,
      n: 'u32',
      upper: 'u32',
      stride: 'u32',
      tol: 'f32',
      flr: 'f32',
      maxSweeps: 'u32',
      ...planParam(stages),
    },
  } as const;
  return wgslKernel(
    spec,
    `${WGSL_SPECTRAL}
${wgslSpectralMain(t)}
  let n = params.n;
  let upper = params.upper != 0u;
  let tol = params.tol;
  let flr = params.flr;
  let maxSweeps = params.maxSweeps;
  let nn = n * n;
  let N = n + (n & 1u);
  let half = N / 2u;
  let rounds = select(0u, N - 1u, N >= 2u);
  let ab = mat * nn;
  let sa = loc * params.stride;
  let sv = sa + nn;
  let sr = sa + ${vec ? '2u' : '1u'} * nn;
  let sb = loc * ${STATE_WORDS}u;
  var dead = false;
  var conv = false;
  var nrot = 0u;
  var ex = scaleExp(atomicLoad(&ST[sb + ${ST_KEY}u]));
  ${wgslStages(t, stages)}
  if (nrot > 0u) { atomicAdd(&ST[sb + ${ST_NROT}u], nrot); }
}`,
  );
}

/** The host's side of eighWgsl's stages: items and loop costs per phase (see `staged.ts`). */
function eighStages(n: number, vec: boolean, sweeps: number): Stage[] {
  const N = n + (n & 1);
  const half = N / 2;
  const rounds = N >= 2 ? N - 1 : 0;
  return [
    { reps: 1, phases: [{ items: n * n, cost: 1 }] },
    { reps: 1, phases: [{ items: n * n, cost: 1 }] },
    {
      reps: sweeps * rounds,
      phases: [
        { items: half, cost: 1 },
        { items: half * n, cost: 1 },
        { items: half * n, cost: 1 },
      ],
    },
    { reps: 1, phases: [{ items: n, cost: 1 + n + (vec ? 3 * n : 0) }] },
    { reps: 1, phases: [{ items: 1, cost: 1 }] },
  ];
}

/**
 * Batched symmetric eigendecomposition A = V·diag(w)·Vᵀ of float32 matrices on the device, with
 * the layout, order, signs and info semantics of the CPU kernel `backends/cpu/linalg/eigh.ts`:
 * - `a`: `batch` row-major n×n matrices back to back; only the triangle chosen by `upper` (UPLO
 *   'U': a[i][j] with j ≥ i; 'L': j ≤ i) is read, the other may hold anything (even NaN).
 * - `w`: batch×n eigenvalues, ascending. `v`: batch×n×n eigenvectors as COLUMNS (v[i*n + j] is
 *   component i of the eigenvector of w[j]), or null for eigenvalues only (eigvalsh).
 * - Signs: each eigenvector's largest-|component| is made positive; components within a relative
 *   1e-5 of the largest count as tied and the lowest index wins. For repeated eigenvalues the
 *   basis of the eigenspace is whatever the iteration produces (orthonormal).
 * - `info[b]`: 0 on success; > 0 (the number of rotations still needed in the last sweep) when
 *   the iteration has not converged after `EIGH_MAX_SWEEPS` sweeps (w, v then hold the current
 *   approximation, v orthonormal); −1 when the read triangle holds NaN/±Inf, and then all of that
 *   element's w and v are NaN. Always terminates.
 * Algorithm: parallel-ordered two-sided Jacobi on a copy scaled by a power of two (max |a_ij| ∈
 * [1, 2)); a pair is rotated while |a_pq| > max(eps·√|a_pp·a_qq|, eps²) (scaled units): the
 * relative test of Demmel & Veselić, which gives positive-definite input high relative accuracy;
 * in general |ŵ − w| ≲ p(n)·eps·‖A‖. Cost per sweep ≈ 12n³ flops (8n³ without vectors) in n−1
 * rounds of three barrier-separated steps (rotation parameters; rows of A; columns of A and V),
 * each split into blocks and the whole split over dispatches by the loop rule (`staged.ts`).
 * `tune` forces a layout or another sweep limit (tests, benchmarks; see `spectralThreads` for the
 * default). Subnormal inputs and outputs are handled through their bits (devices may flush them).
 * Encodes work only; nothing is read back.
 */
export function eighGpu(
  gpu: WebGPURuntime,
  a: GpuStorage,
  batch: number,
  n: number,
  upper: boolean,
  w: GpuStorage,
  v: GpuStorage | null,
  info: GpuStorage,
  tune: SpectralTuning = {},
): void {
  const op = 'eighGpu';
  needSizes(op, { batch, n });
  needBuffer(op, 'a', a, F32, batch * n * n);
  needBuffer(op, 'w', w, F32, batch * n);
  if (v !== null) needBuffer(op, 'v', v, F32, batch * n * n);
  needBuffer(op, 'info', info, I32, batch);
  if (batch === 0) return;
  const vec = v !== null;
  const half = Math.ceil(n / 2);
  const t = tune.threads ?? spectralThreads(half * n, batch);
  const stride = (vec ? 2 : 1) * n * n + 4 * half;
  const kernel = eighKernel(t, vec);
  const sweeps = tune.maxSweeps ?? EIGH_MAX_SWEEPS;
  const own = { n, upper, stride, tol: EPS32, flr: EPS32 * EPS32, maxSweeps: sweeps };
  const stages = eighStages(n, vec, sweeps);
  runChunked(gpu, 'linalg.eigh', t, batch, stride, stages, (scratch, state, params, workgroups, loops) => {
    runKernel(gpu, kernel, {
      buffers: { A: a, W: w, V: v ?? undefined, INFO: info, S: scratch, ST: state },
      params: params(own),
      workgroups,
      loops,
    });
  });
}
