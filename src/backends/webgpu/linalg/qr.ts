/**
 * WGSL Householder QR on batches of row-major float32 matrices, plus the pieces the spectral
 * kernels (`eigh.ts`, `svd.ts`) share: the workgroup layout, f32 bit tests, exact power-of-two
 * scaling, the round-robin pairing of parallel Jacobi methods and argument checks.
 *
 * Layout: `t` invocations work on one matrix (parallel over its rows/columns/rotation pairs, with
 * `storageBarrier()` between dependent steps), or, when t = 1, each invocation owns one matrix and
 * a workgroup holds 64 of them (no barriers at all). Working copies live in a scratch storage
 * buffer allocated per call and freed right after encoding, the per-matrix state between
 * dispatches in a small `ST` buffer: each kernel is a staged kernel (`staged.ts`), split over
 * dispatches by the loop rule. The WGSL depends only on (t, outputs wanted), never on sizes or
 * batch, so pipelines are cached.
 */

import type { GpuStorage } from '../../backend.js';
import {
  ATOMIC_U32,
  allocElements,
  F32,
  type Kernel,
  needBuffer,
  needSizes,
  type ParamValue,
  runKernel,
  wgslKernel,
} from '../kernel.js';
import { WGSL_NONFINITE } from '../kernels/prelude.js';
import { LOOP_BUDGET } from '../loops.js';
import { dispatch1D, type WebGPURuntime } from '../runtime.js';
import { planParam, runStages, type Stage, type StageCode, wgslStages } from './staged.js';

/**
 * Invocations per matrix: 1 (each invocation owns a matrix, 64 per workgroup) or a power of two
 * ≤ 256 (one matrix per workgroup). `spectralThreads` picks it; tests may force one.
 */
export type SpectralThreads = 1 | 32 | 64 | 128 | 256;

/** Optional knobs of the spectral kernels, for tests and benchmarks. */
export interface SpectralTuning {
  /** Invocations per matrix (default: `spectralThreads`). */
  threads?: SpectralThreads;
  /** Sweep limit of the Jacobi iterations (default 30; eighGpu and svdGpu only). */
  maxSweeps?: number;
}

/** Matrices per workgroup when each invocation owns one. @internal */
export const SLOTS = 64;

/**
 * Default layout from the parallel work items per step of one matrix and the batch size: one
 * invocation per matrix when the matrices are small, or numerous and not large, enough to occupy
 * the device by themselves (no barriers, best on software adapters too), else 32 or 64
 * invocations per matrix (measured on SwiftShader: 64 beats 128 and 256 for n = 64, barriers
 * dominate beyond; one invocation per larger matrix would split every round over dispatches, the
 * loop rule). @internal
 */
export function spectralThreads(items: number, batch: number): SpectralThreads {
  if (items <= 32 || (batch >= 64 && items <= 256)) return 1;
  return items < 512 ? 32 : 64;
}

/**
 * Common WGSL of the spectral kernels:
 * - `f32Key(x)`: |x| as an ordered u32; x is non-finite iff the key is ≥ F32_INF_KEY (bit tests
 *   hold even where a compiler assumes no NaN).
 * - `scaleExp(key)`: e with amax·2^e ∈ [1, 2) for the key of amax (which may be subnormal); 0 for
 *   0 or non-finite. `scaled(x, e)` = x·2^e and `unscaled(x, e)` = x·2^−e, going through the bits
 *   where x or the result is subnormal (devices may flush subnormals to zero in arithmetic).
 * - `pairOf(r, k, N)`: pair k of round r of the round-robin (circle) ordering of N (even) indices:
 *   each pair occurs once in rounds 0..N−2, and the N/2 pairs of a round are disjoint.
 * - `jacobiT(ζ)`: the smaller root t of t² + 2ζt − 1 = 0 (sign(0) = +1), i.e. tan θ.
 * - `rot2(v, τ, s)`: the plane rotation [c −s; s c]·v in Rutishauser's form with τ = s/(1 + c),
 *   (x − s(y + τx), y + s(x − τy)): a small correction when the angle is small.
 * @internal
 */
export const WGSL_SPECTRAL = `${WGSL_NONFINITE}
const F32_INF_KEY: u32 = 0x7f800000u;
fn f32Key(x: f32) -> u32 { return bitcast<u32>(x) & 0x7fffffffu; }
fn scaleExp(key: u32) -> i32 {
  if (key == 0u || key >= F32_INF_KEY) { return 0; }
  if (key < 0x00800000u) { return 149 - i32(firstLeadingBit(key)); }
  return clamp(127 - i32(key >> 23u), -126, 126);
}
fn scaled(x: f32, e: i32) -> f32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7f800000u) != 0u) { return ldexp(x, e); }
  let v = ldexp(f32(b & 0x7fffffu), e - 149);
  return select(v, -v, (b >> 31u) != 0u);
}
fn unscaled(x: f32, e: i32) -> f32 {
  let b = bitcast<u32>(x);
  let xe = i32((b >> 23u) & 0xffu);
  if (xe == 0 || xe == 255 || xe - e > 0) { return ldexp(x, -e); }
  let mant = u32(round(ldexp(ldexp(abs(x), 64), 85 - e)));
  return bitcast<f32>(mant | (b & 0x80000000u));
}
fn pairOf(r: u32, k: u32, N: u32) -> vec2<u32> {
  let M = N - 1u;
  var a = M;
  var b = r;
  if (k != 0u) {
    a = (r + k) % M;
    b = (r + M - k) % M;
  }
  return vec2<u32>(min(a, b), max(a, b));
}
fn rot2(v: vec2<f32>, tau: f32, s: f32) -> vec2<f32> {
  return vec2<f32>(v.x - s * (v.y + tau * v.x), v.y + s * (v.x - tau * v.y));
}
fn jacobiT(zeta: f32) -> f32 {
  let z = abs(zeta);
  var t = 0.5 / z;
  if (z < 1e10) { t = 1.0 / (z + sqrt(1.0 + z * z)); }
  return select(t, -t, zeta < 0.0);
}
`;

/**
 * The params every staged spectral kernel starts with (see {@link runChunked}): the matrices of
 * the dispatch's batch chunk and the chunk's first matrix; its own follow, then its plan
 * (`planParam`, last). @internal
 */
export const SPECTRAL_PARAMS = { count: 'u32', first: 'u32' } as const;

/**
 * WGSL of `main`'s head for layout t: defines `lane` (index within the matrix's invocations),
 * `mat` (global matrix index, from params.first) and `loc` (index within this dispatch, for the
 * scratch), and returns when `loc` ≥ params.count. For t > 1 everything it defines except `lane` is
 * uniform, so barriers may follow. Also defines `groupMax`/`groupSum` (u32 reductions over the
 * matrix's invocations; uniform results) and nothing else. @internal
 */
export function wgslSpectralMain(t: number): string {
  const group =
    t === 1
      ? `fn groupMax(x: u32, lane: u32) -> u32 { return x; }
fn groupSum(x: u32, lane: u32) -> u32 { return x; }`
      : `var<workgroup> wgAtomic: atomic<u32>;
var<workgroup> wgValue: u32;
fn groupMax(x: u32, lane: u32) -> u32 {
  atomicMax(&wgAtomic, x);
  workgroupBarrier();
  if (lane == 0u) { wgValue = atomicExchange(&wgAtomic, 0u); }
  return workgroupUniformLoad(&wgValue);
}
fn groupSum(x: u32, lane: u32) -> u32 {
  atomicAdd(&wgAtomic, x);
  workgroupBarrier();
  if (lane == 0u) { wgValue = atomicExchange(&wgAtomic, 0u); }
  return workgroupUniformLoad(&wgValue);
}`;
  const wg = 'wid.x + (wid.y + wid.z * nwg.y) * nwg.x';
  return `${group}
@compute @workgroup_size(${t === 1 ? SLOTS : t})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let lane = ${t === 1 ? '0u' : 'lid'};
  let loc = ${t === 1 ? `(${wg}) * ${SLOTS}u + lid` : wg};
  if (loc >= params.count) { return; }
  let mat = params.first + loc;`;
}

/** u32 state words per matrix of a staged spectral kernel (the `ST` binding). @internal */
export const STATE_WORDS = 8;
/**
 * The state words (ST, per matrix): key of max |a_ij|, dead (NaN/Inf input), converged,
 * rotations of the current sweep, info, vectors with σ > floor (SVD), and two values of the
 * SVD's vector completion. Kernels declare `var<storage, read_write> ST: array<atomic<u32>>`
 * and `let sb = loc * STATE_WORDS`. @internal
 */
export const [ST_KEY, ST_DEAD, ST_CONV, ST_NROT, ST_INFO, ST_GOOD, ST_BEST, ST_INV] = [
  0, 1, 2, 3, 4, 5, 6, 7,
];

/** WGSL: `dead` ← whether the matrix holds NaN/±Inf (set by the load stage; uniform). @internal */
export const WGSL_READ_DEAD = `dead = groupMax(atomicLoad(&ST[sb + ${ST_DEAD}u]), lane) != 0u;`;

/**
 * The `enter` of the Jacobi kernels' load stage: the max |a_ij| key of the max stage, `dead` when
 * it is non-finite, `ex` the exact scaling. @internal
 */
export const WGSL_LOAD_ENTER = `let kmax = groupMax(atomicLoad(&ST[sb + ${ST_KEY}u]), lane);
        dead = kmax >= F32_INF_KEY;
        ex = scaleExp(kmax);`;

/** The rounds stage of a Jacobi kernel: its phases, run until the matrix is converged (or dead). @internal */
export function jacobiRounds(phases: string[]): StageCode {
  return {
    enter: `${WGSL_READ_DEAD}
        conv = dead || groupMax(atomicLoad(&ST[sb + ${ST_CONV}u]), lane) != 0u;`,
    stop: 'conv',
    phases,
  };
}

/** The last stage of a Jacobi kernel: info from the state (a dead matrix's −1 is already written). @internal */
export const INFO_STAGE: StageCode = {
  enter: WGSL_READ_DEAD,
  skip: 'dead',
  phases: [`if (lane == 0u) { INFO[mat] = i32(atomicLoad(&ST[sb + ${ST_INFO}u])); }`],
};

/**
 * WGSL at the end of a Jacobi sweep (sweep o / rounds of the rounds stage, uniform control flow):
 * adds this dispatch's rotations to the sweep's count, and sets `conv` (and the state) when the
 * sweep rotated nothing or was the last allowed; info = the rotations of that last sweep.
 * @internal
 */
export function wgslSweepEnd(t: number): string {
  return `atomicAdd(&ST[sb + ${ST_NROT}u], nrot);
          nrot = 0u;
          ${t > 1 ? 'storageBarrier();' : ''}
          let total = groupMax(atomicLoad(&ST[sb + ${ST_NROT}u]), lane);
          if (total == 0u || o / rounds + 1u >= maxSweeps) {
            conv = true;
            if (lane == 0u) {
              atomicStore(&ST[sb + ${ST_CONV}u], 1u);
              atomicStore(&ST[sb + ${ST_INFO}u], total);
            }
          }
          if (lane == 0u) { atomicStore(&ST[sb + ${ST_NROT}u], 0u); }`;
}

/**
 * Runs a staged kernel (`staged.ts`) over a batch: per chunk of the batch, sized so that the
 * scratch (`stride` floats per matrix, shared by the chunks) stays under 64 MiB, a zeroed state
 * (STATE_WORDS u32 per matrix) and the dispatches of `stages`; `run` encodes one dispatch, and
 * `params(own)` gives its params: {@link SPECTRAL_PARAMS}, the kernel's own, the plan. Frees the
 * scratch and the state after encoding. @internal
 */
export function runChunked(
  gpu: WebGPURuntime,
  what: string,
  t: number,
  batch: number,
  stride: number,
  stages: Stage[],
  run: (
    scratch: GpuStorage,
    state: GpuStorage,
    params: (own: Readonly<Record<string, ParamValue>>) => Record<string, ParamValue>,
    wg: [number, number, number],
    loops: number,
  ) => void,
): void {
  const limit = Math.min(64 * 2 ** 20, gpu.limits.maxStorageBufferBindingSize) / F32.bytes;
  const chunk = Math.max(1, Math.min(batch, Math.floor(limit / Math.max(stride, 1))));
  const scratch = allocElements(gpu, F32, Math.max(1, chunk * stride));
  try {
    for (let first = 0; first < batch; first += chunk) {
      const count = Math.min(chunk, batch - first);
      const wg = t === 1 ? dispatch1D(count, SLOTS) : dispatch1D(count, 1);
      const state = allocElements(gpu, ATOMIC_U32, count * STATE_WORDS, { zero: true });
      try {
        runStages(what, t, stages, (plan, loops) => {
          const params = (own: Readonly<Record<string, ParamValue>>) => ({ count, first, ...own, plan });
          run(scratch, state, params, wg, loops);
        });
      } finally {
        gpu.free(state);
      }
    }
  } finally {
    gpu.free(scratch);
  }
}

/** Output modes of `qrGpu`, as in torch.linalg.qr. */
export type QrGpuMode = 'reduced' | 'complete' | 'r';

// Scratch per matrix: the scaled working copy W (m×n, row-major), then (β, τ, 1/u0) per reflector.
// Reflector j: u = [1, W[j+1..m−1][j]/u0], H_j = I − τ u uᵀ, β = R[j][j]; column j keeps x.
// Real only: reflectors are built on f32 bit tests and exact power-of-two scaling.
function qrKernel(t: number, wantQ: boolean, split: boolean): Kernel {
  // Column c of step j: H_j applied to it (rows j..m−1), 2(m − j − 1) + 1 loop iterations.
  const apply = (M: string, col: string, stride: string) => `if (f32Key(tau) != 0u) {
          var dot = ${M}[${col} + j * ${stride}];
          for (var i = j + 1u; i < m; i++) { dot += S[wb + i * n + j] * rinv * ${M}[${col} + i * ${stride}]; }
          dot *= tau;
          ${M}[${col} + j * ${stride}] -= dot;
          for (var i = j + 1u; i < m; i++) { ${M}[${col} + i * ${stride}] -= dot * (S[wb + i * n + j] * rinv); }
        }`;
  const stages: StageCode[] = [
    {
      phases: [
        `var key = 0u;
      for (var e = lo + lane; e < min(hi, m * n); e += ${t}u) { key = max(key, f32Key(A[ab + e])); }
      atomicMax(&ST[sb + ${ST_KEY}u], key);`,
      ],
    },
    {
      enter: `ex = scaleExp(groupMax(atomicLoad(&ST[sb + ${ST_KEY}u]), lane));`,
      phases: [
        `for (var e = lo + lane; e < min(hi, m * n); e += ${t}u) { S[wb + e] = scaled(A[ab + e], ex); }`,
      ],
    },
    { phases: [`if (lane == 0u && k > 0u) { reflector(wb, hb, m, n, 0u); }`] },
    {
      // Step j = o: H_j applied to the columns c > j; the owner of column j + 1 then computes its
      // reflector (when columns are so long that both do not fit in one step: lane 0, next step).
      phases: [
        `let j = o;
      let tau = S[hb + 3u * j + 1u];
      let rinv = S[hb + 3u * j + 2u];
      for (var c = j + 1u + lo + lane; c < min(j + 1u + hi, n); c += ${t}u) {
        ${apply('S', 'wb + c', 'n')}
        ${split ? '' : 'if (c == j + 1u && c < k) { reflector(wb, hb, m, n, c); }'}
      }`,
        ...(split ? ['if (lane == 0u && o + 1u < k) { reflector(wb, hb, m, n, o + 1u); }'] : []),
      ],
    },
    {
      phases: [
        `let rb = mat * rRows * n;
      for (var e = lo + lane; e < min(hi, rRows * n); e += ${t}u) {
        let i = e / n;
        let c = e % n;
        var x = 0.0;
        if (i < k && c > i) { x = S[wb + e]; }
        if (i < k && c == i) { x = S[hb + 3u * i]; }
        R[rb + e] = unscaled(x, ex);
      }`,
      ],
    },
  ];
  if (wantQ) {
    stages.push(
      {
        phases: [
          `for (var e = lo + lane; e < min(hi, m * qCols); e += ${t}u) { Q[qb + e] = select(0.0, 1.0, e / qCols == e % qCols); }`,
        ],
      },
      {
        // Q = H_0 ⋯ H_{k−1}: H_j (j = k − 1 − o) applied to the columns c ≥ j of Q.
        phases: [
          `let j = k - 1u - o;
      let tau = S[hb + 3u * j + 1u];
      let rinv = S[hb + 3u * j + 2u];
      for (var c = j + lo + lane; c < min(j + hi, qCols); c += ${t}u) {
        ${apply('Q', 'qb + c', 'qCols')}
      }`,
        ],
      },
    );
  }
  const spec = {
    name: `linalg_qr_t${t}${wantQ ? '' : '_r'}${split ? '_split' : ''}`,
    inputs: { A: F32 },
    outputs: { R: F32, S: F32, ST: ATOMIC_U32, Q: wantQ ? F32 : undefined },
    params: {
      ...SPECTRAL_PARAMS,
      m: 'u32',
      n: 'u32',
      rRows: 'u32',
      qCols: 'u32',
      stride: 'u32',
      ...planParam(stages),
    },
  } as const;
  return wgslKernel(
    spec,
    `${WGSL_SPECTRAL}
fn reflector(wb: u32, hb: u32, m: u32, n: u32, j: u32) {
  let x0 = S[wb + j * n + j];
  var key = 0u;
  for (var i = j + 1u; i < m; i++) { key = max(key, f32Key(S[wb + i * n + j])); }
  var beta = x0;
  var tau = 0.0;
  var rinv = 0.0;
  if (key >= F32_INF_KEY || f32Key(x0) >= F32_INF_KEY) {
    beta = f32NaN();
    tau = f32NaN();
    rinv = f32NaN();
  } else if (key >= 0x00800000u) {
    // (A subnormal rest, below 2^-126 relative to max |a_ij| ∈ [1, 2), counts as zero.)
    let sc = max(bitcast<f32>(key), abs(x0));
    var ss = (x0 / sc) * (x0 / sc);
    for (var i = j + 1u; i < m; i++) { let y = S[wb + i * n + j] / sc; ss += y * y; }
    let nrm = sc * sqrt(ss);
    beta = select(nrm, -nrm, x0 >= 0.0);
    let u0 = x0 - beta;
    tau = -u0 / beta;
    rinv = 1.0 / u0;
  }
  S[hb + 3u * j] = beta;
  S[hb + 3u * j + 1u] = tau;
  S[hb + 3u * j + 2u] = rinv;
}
${wgslSpectralMain(t)}
  let m = params.m;
  let n = params.n;
  let rRows = params.rRows;
  let qCols = params.qCols;
  let k = min(m, n);
  let ab = mat * m * n;
  let wb = loc * params.stride;
  let hb = wb + m * n;
  let qb = mat * m * qCols;
  let sb = loc * ${STATE_WORDS}u;
  var ex = scaleExp(atomicLoad(&ST[sb + ${ST_KEY}u]));
  ${wgslStages(t, stages)}
}`,
  );
}

/** The host's side of qrWgsl's stages: items and loop costs per phase (see `staged.ts`). */
function qrStages(
  m: number,
  n: number,
  rRows: number,
  qCols: number,
  wantQ: boolean,
  split: boolean,
): Stage[] {
  const k = Math.min(m, n);
  const col = (j: number) => 2 * Math.max(0, m - j - 1) + 1;
  const stages: Stage[] = [
    { reps: 1, phases: [{ items: m * n, cost: 1 }] },
    { reps: 1, phases: [{ items: m * n, cost: 1 }] },
    { reps: 1, phases: [{ items: 1, cost: 2 * m }] },
    {
      reps: k,
      phases: [
        {
          items: Math.max(0, n - 1),
          cost: 2 * m + 1,
          live: (j) => n - j - 1,
          costAt: col,
          head: split ? 0 : 2 * m,
        },
        ...(split ? [{ items: 1, cost: 2 * m }] : []),
      ],
    },
    { reps: 1, phases: [{ items: rRows * n, cost: 1 }] },
  ];
  if (wantQ) {
    stages.push(
      { reps: 1, phases: [{ items: m * qCols, cost: 1 }] },
      {
        reps: k,
        phases: [
          { items: qCols, cost: 2 * m + 1, live: (o) => qCols - (k - 1 - o), costAt: (o) => col(k - 1 - o) },
        ],
      },
    );
  }
  return stages;
}

/**
 * Batched Householder QR on the device, like torch.linalg.qr and the CPU kernel
 * `backends/cpu/linalg/qr.ts`: A = Q·R for `batch` row-major float32 m×n matrices stored back to
 * back in `a`; k = min(m, n).
 * - 'reduced': `q` batch×m×k with orthonormal columns, `r` batch×k×n upper triangular.
 * - 'complete': `q` batch×m×m orthogonal, `r` batch×m×n (rows k.. zero).
 * - 'r': only `r` (batch×k×n); `q` may be null and is not touched.
 * Sign convention exactly as LAPACK geqrf/orgqr and the CPU kernel: H_j = I − τ u uᵀ with
 * β = −sign(a_jj)·‖x‖ (sign(0) = +1), so R's diagonal may be negative; a column already zero below
 * the diagonal gets τ = 0 (H = I) and keeps its diagonal entry. Q = H_0 ⋯ H_{k−1} (first columns),
 * orthonormal to rounding even for rank-deficient A. A is first scaled by an exact power of two
 * (max |a_ij| ∈ [1, 2)) so that norms neither overflow nor underflow; R is scaled back.
 * NaN/±Inf: a reflector built from a non-finite column is NaN, so NaN reaches the rows of R and
 * the columns of Q that it touches (as on the CPU, possibly a slightly different set). No
 * iteration: always terminates. `tune.threads` forces a layout (tests, benchmarks); by default one
 * invocation per matrix for small or many matrices, else one workgroup per matrix, parallel over
 * columns (a barrier per reflector), split over dispatches by the loop rule (`staged.ts`; a
 * column of m rows costs about 2m loop iterations, so m is limited to about 8,000). Encodes work
 * only; nothing is read back.
 */
export function qrGpu(
  gpu: WebGPURuntime,
  a: GpuStorage,
  batch: number,
  m: number,
  n: number,
  q: GpuStorage | null,
  r: GpuStorage,
  mode: QrGpuMode,
  tune: SpectralTuning = {},
): void {
  const op = 'qrGpu';
  needSizes(op, { batch, m, n });
  const k = Math.min(m, n);
  const rRows = mode === 'complete' ? m : k;
  const qCols = mode === 'complete' ? m : k;
  const wantQ = mode !== 'r';
  needBuffer(op, 'a', a, F32, batch * m * n);
  needBuffer(op, 'r', r, F32, batch * rRows * n);
  if (wantQ) {
    if (q === null) throw new Error(`${op}: mode '${mode}' needs an output for Q`);
    needBuffer(op, 'q', q, F32, batch * m * qCols);
  }
  if (batch === 0) return;
  const t = tune.threads ?? spectralThreads(Math.max(n, qCols), batch);
  const stride = m * n + 3 * k;
  // A column update and a reflector cost about 2m loop iterations each: one step for both while
  // they fit, else the reflector in a step of its own (tall matrices).
  const split = 4 * m + 16 > LOOP_BUDGET;
  const kernel = qrKernel(t, wantQ, split);
  const stages = qrStages(m, n, rRows, qCols, wantQ, split);
  runChunked(gpu, 'linalg.qr', t, batch, stride, stages, (scratch, state, params, workgroups, loops) => {
    runKernel(gpu, kernel, {
      buffers: { A: a, R: r, S: scratch, ST: state, Q: wantQ && q ? q : undefined },
      params: params({ m, n, rRows, qCols, stride }),
      workgroups,
      loops,
    });
  });
}
