/**
 * WGSL LU factorization with partial pivoting (LAPACK getrf semantics) and what is computed from
 * it: solves, inverse, determinant, slogdet. Batched row-major float32 n×n matrices stored back to
 * back, the same layout and info semantics as the CPU kernels in `backends/cpu/linalg/lu.ts`.
 * Everything, including info, is computed on the device: nothing here reads back.
 */
import type { GpuStorage } from '../../backend.js';
import {
  allocElements,
  F32,
  I32,
  type Kernel,
  needBuffer,
  needSizes,
  runKernel,
  type WgslScalar,
  wgslKernel,
} from '../kernel.js';
import { perLane } from '../loops.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex } from '../runtime.js';
import {
  FACTOR_PARAMS,
  factorChunks,
  factorLayout,
  factorParams,
  planSweeps,
  runSweeps,
  SOLVE_WG,
  SWEEP_PARAMS,
  sweepParams,
  WGSL_F32,
  wgslBarrier,
  wgslFactorSteps,
  wgslSlotPrologue,
  wgslSubst,
  wgslVectorPrologue,
} from './triangular.js';

// In place on LU (A was copied there first). Sub-step (k, b) of elimination step k (see
// wgslFactorSteps): when b = 0, finish column k − 1 of L (divide by its pivot unless zero, as
// LAPACK) and swap rows k and piv[k] − 1 across the full width; then update the trailing columns
// [c0, c1) of block b: A22 -= (a21 / pivot) u12, one column per invocation (column k itself is
// scaled in the next step); the owner of column k + 1 also finds the next pivot. The multiplier
// a21 / pivot is at most 1 in magnitude (partial pivoting), where u12 / pivot could overflow
// (|u12| ≫ |pivot|) and give 0·inf = NaN. Real only: pivots are chosen on f32 bit patterns.
function factorKernel(t: number, s: number): Kernel {
  const bar = wgslBarrier(t);
  const spec = {
    name: `linalg_lu_factor_t${t}`,
    outputs: { LU: F32, PIV: I32, INFO: I32 },
    params: FACTOR_PARAMS,
  };
  return wgslKernel(
    spec,
    `${WGSL_F32}
// True when |x| (key v) replaces the best so far (key best) in LAPACK's sequential pivot scan:
// strictly larger, and NaN never wins nor is beaten (a NaN on the diagonal keeps its row).
fn beats(v: u32, best: u32) -> bool { return v > best && v <= F32_INF_KEY && best <= F32_INF_KEY; }
${wgslSlotPrologue(t, s)}
  let pb = m * n;
  let start = params.step == 0u && params.block == 0u;
  if (live && lane == 0u && n > 0u && start) {
    var p = 0u;
    var best = f32Key(LU[base]);
    for (var i = 1u; i < n; i++) {
      let v = f32Key(LU[base + i * n]);
      if (beats(v, best)) { best = v; p = i; }
    }
    PIV[pb] = i32(p + 1u);
  }
  ${bar}
  var info = 0u;
  if (live && !start) { info = u32(INFO[m]); }
  ${wgslFactorSteps(`let rk = base + k * n;
    if (first) {
      if (live && k > 0u) {
        let d = LU[rk - n + k - 1u];
        if (!f32IsZero(d)) {
          for (var i = k + lane; i < n; i += ${t}u) { LU[base + i * n + k - 1u] = LU[base + i * n + k - 1u] / d; }
        }
      }
      ${bar}
      if (live) {
        let p = u32(PIV[pb + k] - 1);
        if (p != k && p < n) {
          let rp = base + p * n;
          for (var j = lane; j < n; j += ${t}u) {
            let tmp = LU[rk + j];
            LU[rk + j] = LU[rp + j];
            LU[rp + j] = tmp;
          }
        }
      }
      ${bar}
    }
    if (live) {
      let pivot = LU[rk + k];
      let zero = f32IsZero(pivot);
      if (zero && info == 0u) { info = k + 1u; }
      for (var j = c0 + lane; j < c1; j += ${t}u) {
        let ukj = LU[rk + j];
        let scan = j == k + 1u;
        var p = j;
        var best = 0u;
        for (var i = k + 1u; i < n; i++) {
          let q = base + i * n + j;
          let lik = LU[base + i * n + k];
          let v = LU[q] - select(lik / pivot, lik, zero) * ukj;
          LU[q] = v;
          if (scan) {
            let key = f32Key(v);
            if (i == j) { best = key; } else if (beats(key, best)) { best = key; p = i; }
          }
        }
        if (scan) { PIV[pb + j] = i32(p + 1u); }
      }
    }
    ${bar}`)}
  if (live && lane == 0u) { INFO[m] = i32(info); }
}`,
  );
}

/**
 * LU factorization with partial pivoting, LAPACK getrf semantics, batched, float32, on the device.
 * - `a`: batch × n × n row-major. `lu` (same layout; may be `a` itself) receives L\U packed: U on
 *   and above the diagonal, the unit-lower L strictly below.
 * - `piv` (int32, batch × n) receives 1-based pivot rows: row k was swapped with row piv[k] - 1,
 *   in order k = 0..n-1 (P·A = L·U). Ties pick the first row; NaN entries are never chosen.
 * - `info` (int32, batch) = 0, or the 1-based index k of the first exactly-zero pivot U[k-1, k-1];
 *   the factorization still completes, as LAPACK's.
 * Right-looking elimination in global memory; n ≤ 16: one invocation per matrix, 64 matrices per
 * workgroup; larger n: several invocations per matrix (see `factorLayout`), 3 barriers per column;
 * large n is split over several dispatches of consecutive steps and column blocks (the loop rule,
 * see `factorChunks`).
 * `steps` < n runs only the first elimination steps (for {@link luFactorRectGpu}).
 */
export function luFactorGpu(
  gpu: WebGPURuntime,
  a: GpuStorage,
  batch: number,
  n: number,
  lu: GpuStorage,
  piv: GpuStorage,
  info: GpuStorage,
  steps = n,
): void {
  const op = 'luFactorGpu';
  needSizes(op, { batch, n });
  needBuffer(op, 'a', a, F32, batch * n * n);
  needBuffer(op, 'lu', lu, F32, batch * n * n);
  needBuffer(op, 'piv', piv, I32, batch * n);
  needBuffer(op, 'info', info, I32, batch);
  if (batch === 0) return;
  const { t, s } = factorLayout(n);
  if (a.buffer !== lu.buffer) gpu.copy(a, lu, { length: batch * n * n });
  const kernel = factorKernel(t, s);
  // Set-up of step k: finishing column k − 1 and the row swap; the first dispatch finds piv[0].
  const head = (k: number) => perLane(n - k, t) + perLane(n, t);
  for (const c of factorChunks('linalg LU factorization', n, t, steps, head, n)) {
    runKernel(gpu, kernel, {
      buffers: { LU: lu, PIV: piv, INFO: info },
      params: factorParams(n, batch, c),
      workgroups: dispatch1D(batch, s),
      loops: c.loops,
    });
  }
}

/**
 * {@link luFactorGpu} for rectangular m×n matrices (LAPACK getrf; the CPU's luFactorRect): each
 * matrix is padded with zeros to s×s, s = max(m, n), and factored for k + 1 steps (k = min(m, n);
 * step k only finishes column k − 1 of L: the padding's pivots are zero, so it swaps and updates
 * nothing), then LU (m×n), the first k pivots and info (a zero pivot among the first k) are copied
 * out. Padded zero rows never win a pivot search, and ties keep the diagonal row.
 */
export function luFactorRectGpu(
  gpu: WebGPURuntime,
  a: GpuStorage,
  batch: number,
  m: number,
  n: number,
  lu: GpuStorage,
  piv: GpuStorage,
  info: GpuStorage,
): void {
  if (m === n) {
    luFactorGpu(gpu, a, batch, n, lu, piv, info);
    return;
  }
  const op = 'luFactorRectGpu';
  const [k, s] = [Math.min(m, n), Math.max(m, n)];
  needSizes(op, { batch, m, n });
  needBuffer(op, 'a', a, F32, batch * m * n);
  needBuffer(op, 'lu', lu, F32, batch * m * n);
  needBuffer(op, 'piv', piv, I32, batch * k);
  needBuffer(op, 'info', info, I32, batch);
  if (batch === 0) return;
  const w = allocElements(gpu, F32, batch * s * s);
  const wpiv = allocElements(gpu, I32, batch * s);
  const winfo = allocElements(gpu, I32, batch);
  const params = { m, n, s, batch };
  try {
    runKernel(gpu, padKernel(F32), {
      buffers: { A: a, W: w },
      params,
      workgroups: dispatch1D(batch * s * s, 64),
      loops: 0,
    });
    luFactorGpu(gpu, w, batch, s, w, wpiv, winfo, Math.min(k + 1, s));
    runKernel(gpu, unpadKernel(F32), {
      buffers: { W: w, WPIV: wpiv, WINFO: winfo, LU: lu, PIV: piv, INFO: info },
      params,
      workgroups: dispatch1D(Math.max(batch * m * n, batch), 64),
      loops: 0,
    });
  } finally {
    for (const t of [w, wpiv, winfo]) gpu.free(t);
  }
}

/** Params of the pad and unpad kernels: m×n matrices padded to s×s. */
const PAD_PARAMS = { m: 'u32', n: 'u32', s: 'u32', batch: 'u32' } as const;

function padKernel(sc: WgslScalar): Kernel {
  return wgslKernel(
    {
      name: 'linalg_lu_pad: m×n into zero-padded s×s',
      inputs: { A: sc },
      outputs: { W: sc },
      params: PAD_PARAMS,
    },
    `${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = flat_index(gid, nwg);
  let m = params.m;
  let n = params.n;
  let s = params.s;
  if (t >= params.batch * s * s) { return; }
  let e = t / (s * s);
  let i = (t % (s * s)) / s;
  let j = t % s;
  W[t] = select(${sc.zero}, A[e * m * n + i * n + min(j, n - 1u)], i < m && j < n);
}`,
  );
}

function unpadKernel(sc: WgslScalar): Kernel {
  const spec = {
    name: 'linalg_lu_unpad: LU, the first k pivots and info',
    inputs: { W: sc, WPIV: I32, WINFO: I32 },
    outputs: { LU: sc, PIV: I32, INFO: I32 },
    params: PAD_PARAMS,
  };
  return wgslKernel(
    spec,
    `${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = flat_index(gid, nwg);
  let m = params.m;
  let n = params.n;
  let s = params.s;
  let batch = params.batch;
  let k = min(m, n);
  if (t < batch * m * n) {
    let e = t / (m * n);
    LU[t] = W[e * s * s + ((t % (m * n)) / n) * s + t % n];
  }
  if (t < batch * k) { PIV[t] = WPIV[(t / k) * s + t % k]; }
  if (t < batch) { INFO[t] = select(0, WINFO[t], WINFO[t] <= i32(k)); }
}`,
  );
}

function solveKernel(sc: WgslScalar, inPlace: boolean): Kernel {
  const spec = {
    name: `linalg_lu_solve${inPlace ? '_inplace' : ''}`,
    inputs: { T: sc, PIV: I32, B: inPlace ? undefined : sc },
    outputs: { X: sc },
    params: SWEEP_PARAMS,
  };
  return wgslKernel(
    spec,
    `${wgslSubst(sc)}
${wgslVectorPrologue()}
  let m = t / k;
  let xb = m * n * k + t % k;
  let tb = m * n * n;
  if (init) {
    ${inPlace ? '' : 'for (var i = 0u; i < n; i++) { X[xb + i * k] = B[xb + i * k]; }'}
    for (var q = 0u; q < n; q++) {
      let p = u32(PIV[m * n + q] - 1);
      if (p != q && p < n) {
        let tmp = X[xb + q * k];
        X[xb + q * k] = X[xb + p * k];
        X[xb + p * k] = tmp;
      }
    }
  }
  fsub(tb, n, 1u, xb, k, 0u, f0, f1, true);
  bsub(tb, n, 1u, xb, k, b0, b1, n, false);
}`,
  );
}

/**
 * Solves A X = B from {@link luFactorGpu}'s output, batched, float32.
 * - `lu`, `piv` as produced by `luFactorGpu`; `b`, `x`: batch × n × nrhs row-major. `x` may be `b`
 *   (in place); it must not share a buffer with `lu` or `piv`.
 * - No singularity check: a zero pivot gives ±inf/NaN (callers check `info` first).
 * One invocation per (matrix, column of B): row swaps, then two substitutions (2n² flops), split
 * over several dispatches for large n (see `LOOP_BUDGET`).
 */
export function luSolveGpu(
  gpu: WebGPURuntime,
  lu: GpuStorage,
  piv: GpuStorage,
  batch: number,
  n: number,
  b: GpuStorage,
  nrhs: number,
  x: GpuStorage,
): void {
  const op = 'luSolveGpu';
  needSizes(op, { batch, n, nrhs });
  needBuffer(op, 'lu', lu, F32, batch * n * n);
  needBuffer(op, 'piv', piv, I32, batch * n);
  needBuffer(op, 'b', b, F32, batch * n * nrhs);
  needBuffer(op, 'x', x, F32, batch * n * nrhs);
  const total = batch * nrhs;
  if (total === 0 || n === 0) return;
  const inPlace = b.buffer === x.buffer;
  const buffers = { T: lu, PIV: piv, B: inPlace ? undefined : b, X: x };
  const plan = planSweeps('linalg LU solve', n, true, true, { first: 2 * n });
  runSweeps(gpu, solveKernel(F32, inPlace), buffers, n, nrhs, total, plan);
}

function inverseKernel(sc: WgslScalar): Kernel {
  const spec = {
    name: 'linalg_lu_inverse',
    inputs: { T: sc, PIV: I32 },
    outputs: { X: sc },
    params: SWEEP_PARAMS,
  };
  return wgslKernel(
    spec,
    `${wgslSubst(sc)}
${wgslVectorPrologue()}
  let m = t / n;
  let c = t % n;
  let tb = m * n * n;
  let xb = tb + c;
  // P·e_c = e_r: follow where the swaps q <-> piv[q] - 1 (q ascending) move the 1.
  var r = c;
  for (var q = 0u; q < n; q++) {
    let p = u32(PIV[m * n + q] - 1);
    if (p < n) {
      if (r == q) { r = p; } else if (r == p) { r = q; }
    }
  }
  if (init) { for (var i = 0u; i < n; i++) { X[xb + i * n] = select(${sc.zero}, ${sc.one}, i == r); } }
  fsub(tb, n, 1u, xb, n, r, f0, f1, true);
  bsub(tb, n, 1u, xb, n, b0, b1, n, false);
}`,
  );
}

/**
 * Inverse from {@link luFactorGpu}'s output (what linalg.inv computes), batched, float32:
 * out = A⁻¹ = U⁻¹ L⁻¹ P.
 * - `out`: batch × n × n row-major; it must not share a buffer with `lu` or `piv`.
 * - No singularity check: a zero pivot gives ±inf/NaN (callers check `info` first).
 * One invocation per (matrix, column): column c solves A x = e_c, skipping the known zeros of
 * L⁻¹ P e_c (5n³/3 flops per matrix in all).
 */
export function luInverseGpu(
  gpu: WebGPURuntime,
  lu: GpuStorage,
  piv: GpuStorage,
  batch: number,
  n: number,
  out: GpuStorage,
): void {
  const op = 'luInverseGpu';
  needSizes(op, { batch, n });
  needBuffer(op, 'lu', lu, F32, batch * n * n);
  needBuffer(op, 'piv', piv, I32, batch * n);
  needBuffer(op, 'out', out, F32, batch * n * n);
  const total = batch * n;
  if (total === 0) return;
  const plan = planSweeps('linalg LU inverse', n, true, true, { fixed: n, first: n });
  runSweeps(gpu, inverseKernel(F32), { T: lu, PIV: piv, X: out }, n, n, total, plan);
}

/**
 * `fn detParts(m, n) -> DetParts`: the sign (pivot parity × diagonal signs), and
 * |det| = mant·2^ex (mant in [0.5, 1)) accumulated with frexp so that no partial product
 * overflows or underflows; `flags` bit 0: a NaN, bit 1: a zero, bit 2: an infinity on the diagonal.
 */
const WGSL_DET_PARTS = `struct DetParts { sign: f32, mant: f32, ex: i32, flags: u32 }
fn detParts(m: u32, n: u32) -> DetParts {
  var d = DetParts(1.0, 1.0, 0, 0u);
  for (var k = 0u; k < n; k++) {
    if (PIV[m * n + k] != i32(k + 1u)) { d.sign = -d.sign; }
    let u = LU[m * n * n + k * (n + 1u)];
    let key = f32Key(u);
    if (key > F32_INF_KEY) { d.flags |= 1u; continue; }
    if (key == 0u) { d.flags |= 2u; continue; }
    if ((bitcast<u32>(u) & 0x80000000u) != 0u) { d.sign = -d.sign; }
    if (key == F32_INF_KEY) { d.flags |= 4u; continue; }
    let f = frexp(abs(u));
    let g = frexp(d.mant * f.fract);
    d.mant = g.fract;
    d.ex += f.exp + g.exp;
  }
  return d;
}
`;

// Real only (frexp of the diagonal, as the slogdet kernel below).
const DET_KERNEL = wgslKernel(
  { name: 'linalg_lu_det', inputs: { LU: F32, PIV: I32 }, outputs: { DET: F32 }, params: SWEEP_PARAMS },
  `${WGSL_F32}
${WGSL_DET_PARTS}
${wgslVectorPrologue()}
  let d = detParts(t, n);
  var v: f32;
  if ((d.flags & 1u) != 0u || d.flags == 6u) {
    v = f32NaN();
  } else if (d.flags == 2u) {
    v = 0.0;
  } else if (d.flags == 4u || d.ex > 128) {
    v = d.sign * f32Inf();
  } else if (d.ex < -125) {
    v = 0.0; // below the normal range
  } else {
    v = d.sign * ldexp(d.mant, d.ex);
  }
  DET[t] = v;
}`,
);

/**
 * Determinant from {@link luFactorGpu}'s output: det[b] = ±∏ U[k,k], batched, float32. The product
 * is scaled as it goes, so only a determinant outside the float32 range overflows (to ±inf) or
 * underflows (to 0, also for subnormal results). A NaN on the diagonal, or both a zero and an
 * infinity, give NaN; a 0×0 matrix has determinant 1. `det`: float32, length batch.
 */
export function luDetGpu(
  gpu: WebGPURuntime,
  lu: GpuStorage,
  piv: GpuStorage,
  batch: number,
  n: number,
  det: GpuStorage,
): void {
  const op = 'luDetGpu';
  needSizes(op, { batch, n });
  needBuffer(op, 'lu', lu, F32, batch * n * n);
  needBuffer(op, 'piv', piv, I32, batch * n);
  needBuffer(op, 'det', det, F32, batch);
  if (batch === 0) return;
  runKernel(gpu, DET_KERNEL, {
    buffers: { LU: lu, PIV: piv, DET: det },
    params: sweepParams(n, 0, batch),
    workgroups: dispatch1D(batch, SOLVE_WG),
    loops: n,
  });
}

const SLOGDET_KERNEL = wgslKernel(
  {
    name: 'linalg_lu_slogdet',
    inputs: { LU: F32, PIV: I32 },
    outputs: { SIGN: F32, LOGABS: F32 },
    params: SWEEP_PARAMS,
  },
  `${WGSL_F32}
${WGSL_DET_PARTS}
${wgslVectorPrologue()}
  let d = detParts(t, n);
  if ((d.flags & 1u) != 0u) {
    SIGN[t] = f32NaN();
    LOGABS[t] = f32NaN();
  } else if ((d.flags & 2u) != 0u) {
    SIGN[t] = 0.0;
    LOGABS[t] = select(-f32Inf(), f32NaN(), (d.flags & 4u) != 0u);
  } else {
    SIGN[t] = d.sign;
    // ln 2 split so that ex·LN2_HI is exact for |ex| < 2^15.
    let ex = f32(d.ex);
    LOGABS[t] = select(log(d.mant) + ex * 1.428606765330187e-6 + ex * 0.693145751953125, f32Inf(), d.flags == 4u);
  }
}`,
);

/**
 * Sign and log|det| from {@link luFactorGpu}'s output, batched, float32 (torch.linalg.slogdet):
 * sign[b] ∈ {-1, 0, 1}, logabsdet[b] = log ∏|U[k,k]| (computed from a scaled product, so it is
 * finite whenever the diagonal is). An exactly zero U[k,k] gives (0, -inf); a NaN gives (NaN, NaN);
 * an infinity (+inf, or NaN with a zero as well); a 0×0 matrix gives (1, 0).
 * `sign`, `logabsdet`: float32, length batch.
 */
export function luSlogdetGpu(
  gpu: WebGPURuntime,
  lu: GpuStorage,
  piv: GpuStorage,
  batch: number,
  n: number,
  sign: GpuStorage,
  logabsdet: GpuStorage,
): void {
  const op = 'luSlogdetGpu';
  needSizes(op, { batch, n });
  needBuffer(op, 'lu', lu, F32, batch * n * n);
  needBuffer(op, 'piv', piv, I32, batch * n);
  needBuffer(op, 'sign', sign, F32, batch);
  needBuffer(op, 'logabsdet', logabsdet, F32, batch);
  if (batch === 0) return;
  runKernel(gpu, SLOGDET_KERNEL, {
    buffers: { LU: lu, PIV: piv, SIGN: sign, LOGABS: logabsdet },
    params: sweepParams(n, 0, batch),
    workgroups: dispatch1D(batch, SOLVE_WG),
    loops: n,
  });
}
