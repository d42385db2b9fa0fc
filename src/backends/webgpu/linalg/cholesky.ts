/**
 * WGSL Cholesky factorization (LAPACK potrf) and the inverse from the factor (potri), batched
 * row-major float32 n×n matrices stored back to back; the same layout and info semantics as the
 * CPU kernels in `backends/cpu/linalg/cholesky.ts`. Info is computed on the device.
 */
import type { GpuStorage } from '../../backend.js';
import {
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

// L's triangle ← the lower triangle of A (the upper one, and L = Uᵀ stored transposed, when
// upper), the other one zeroed; one invocation per entry (i, j) of the lower triangle. In place
// too: the entry it reads, (i, j) or (j, i), is read and written by no other invocation.
function choleskyInitKernel(sc: WgslScalar, inPlace: boolean): Kernel {
  const spec = {
    name: `linalg_cholesky_init${inPlace ? '_inplace' : ''}`,
    inputs: inPlace ? {} : { A: sc },
    outputs: { L: sc },
    params: { n: 'u32', count: 'u32', upper: 'u32' },
  } as const;
  return wgslKernel(
    spec,
    `${wgslFlatIndex(SOLVE_WG)}
@compute @workgroup_size(${SOLVE_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = flat_index(gid, nwg);
  if (q >= params.count) { return; }
  let n = params.n;
  let upper = params.upper != 0u;
  let rs = select(n, 1u, upper);
  let cs = select(1u, n, upper);
  let base = (q / (n * n)) * n * n;
  let i = (q % (n * n)) / n;
  let j = q % n;
  if (i > j) {
    let v = ${inPlace ? 'L' : 'A'}[base + select(i * n + j, j * n + i, upper)];
    L[base + i * rs + j * cs] = v;
    L[base + j * rs + i * cs] = ${sc.zero};
  }${inPlace ? '' : ' else if (i == j) { L[q] = A[q]; }'}
}`,
  );
}

// In place on L (initialised by choleskyInitWgsl). Sub-step (k, b) of step k (see
// wgslFactorSteps): when b = 0, finish column k − 1 (divided by √pivot) unless an earlier step
// failed, and check the pivot d = L(k, k); then, while nothing failed, A22 -= a21 a21ᵀ / d on the
// lower part of the columns [c0, c1) of block b, one column per invocation, column k still
// unscaled. A finished column's diagonal becomes √pivot one step later (every lane reads the
// pivot while dividing, so it is overwritten when nobody reads it, without a barrier), the last
// two at the end. Element (i, j) of L lives at base + i·rs + j·cs.
// Real only: pivots are compared and square-rooted as f32.
function choleskyKernel(t: number, s: number): Kernel {
  const bar = wgslBarrier(t);
  const root = (c: string) => `L[base + ${c} * (n + 1u)] = sqrt(L[base + ${c} * (n + 1u)]);`;
  const spec = {
    name: `linalg_cholesky_t${t}`,
    outputs: { L: F32, INFO: I32 },
    params: { ...FACTOR_PARAMS, upper: 'u32' },
  } as const;
  return wgslKernel(
    spec,
    `${WGSL_F32}
${wgslSlotPrologue(t, s)}
  let upper = params.upper != 0u;
  let rs = select(n, 1u, upper);
  let cs = select(1u, n, upper);
  var failed = 0u;
  if (live && (params.step > 0u || params.block > 0u)) { failed = u32(INFO[m]); }
  ${wgslFactorSteps(`let d = L[base + k * (n + 1u)];
    if (first && live) {
      // Column k − 2 was finished in step k − 1 when nothing failed before it (failed ∈ {0, k} now).
      if (lane == 0u && k >= 2u && (failed == 0u || failed == k)) { ${root('(k - 2u)')} }
      if (failed == 0u && k > 0u) {
        let r = sqrt(L[base + (k - 1u) * (n + 1u)]);
        for (var i = k + lane; i < n; i += ${t}u) {
          L[base + i * rs + (k - 1u) * cs] = L[base + i * rs + (k - 1u) * cs] / r;
        }
      }
      if (failed == 0u && !f32IsFinitePositive(d)) { failed = k + 1u; }
    }
    if (live && failed == 0u) {
      for (var j = c0 + lane; j < c1; j += ${t}u) {
        let w = L[base + j * rs + k * cs] / d;
        for (var i = j; i < n; i++) {
          let q = base + i * rs + j * cs;
          L[q] = L[q] - L[base + i * rs + k * cs] * w;
        }
      }
    }
    ${bar}`)}
  if (live && lane == 0u && k >= n && n > 0u) {
    if (n >= 2u && (failed == 0u || failed == n)) { ${root('(n - 2u)')} }
    if (failed == 0u) { ${root('(n - 1u)')} }
  }
  if (live && lane == 0u) { INFO[m] = i32(failed); }
}`,
  );
}

/**
 * Cholesky factorization A = L·Lᵀ, batched, float32, on the device (torch.linalg.cholesky).
 * - `a`: batch × n × n row-major; only the lower triangle is read, or the upper one when `upper`
 *   (as PyTorch, which then factors A = Uᵀ·U from triu(A), and as the CPU kernel).
 * - `l`: batch × n × n; receives L (or U = Lᵀ when `upper`) with the other triangle zeroed. It may
 *   be `a` itself (in place).
 * - `info` (int32, batch) = 0, or the 1-based order k of the first leading minor that is not
 *   positive-definite (a pivot ≤ 0, +inf or NaN, so NaN or ±inf input never gives a silently finite factor).
 *   That matrix's factorization stops there: its output is then a partial result (columns before
 *   k hold L, the pivot holds the failing value; the trailing block is partially updated, so it
 *   differs from the CPU's partial result).
 * Right-looking elimination in global memory, same workgroup layout as `luFactorGpu`, one
 * barrier per column; large n is split over several dispatches of consecutive steps and column
 * blocks (the loop rule, see `factorChunks`).
 */
export function choleskyGpu(
  gpu: WebGPURuntime,
  a: GpuStorage,
  batch: number,
  n: number,
  l: GpuStorage,
  info: GpuStorage,
  upper: boolean,
): void {
  const op = 'choleskyGpu';
  needSizes(op, { batch, n });
  needBuffer(op, 'a', a, F32, batch * n * n);
  needBuffer(op, 'l', l, F32, batch * n * n);
  needBuffer(op, 'info', info, I32, batch);
  if (batch === 0) return;
  const { t, s } = factorLayout(n);
  const inPlace = a.buffer === l.buffer;
  runKernel(gpu, choleskyInitKernel(F32, inPlace), {
    buffers: inPlace ? { L: l } : { A: a, L: l },
    params: { n, count: batch * n * n, upper },
    workgroups: dispatch1D(batch * n * n, SOLVE_WG),
    loops: 0,
  });
  const kernel = choleskyKernel(t, s);
  // Set-up of step k: finishing column k − 1.
  for (const c of factorChunks('linalg.cholesky', n, t, n, (k) => perLane(n - k, t), 0)) {
    runKernel(gpu, kernel, {
      buffers: { L: l, INFO: info },
      params: { ...factorParams(n, batch, c), upper },
      workgroups: dispatch1D(batch, s),
      loops: c.loops,
    });
  }
}

// Real only: the singularity test reads the diagonal's f32 bits.
const INVERSE_KERNEL = wgslKernel(
  {
    name: 'linalg_cholesky_inverse',
    inputs: { T: F32 },
    outputs: { X: F32, INFO: I32 },
    params: { ...SWEEP_PARAMS, upper: 'u32' },
  },
  `${WGSL_F32}
${wgslSubst(F32)}
${wgslVectorPrologue()}
  let upper = params.upper != 0u;
  let m = t / n;
  let c = t % n;
  let tb = m * n * n;
  let xb = tb + c;
  // L(i, s) = T[tb + i·rs + s·cs] (U = Lᵀ when upper).
  let rs = select(n, 1u, upper);
  let cs = select(1u, n, upper);
  // Rows c.. of column c of A⁻¹: L y = e_c (y is zero above c), then Lᵀ x = y from the bottom up
  // to row c; the rest of the column is row c of the result by symmetry.
  if (init) { for (var i = c; i < n; i++) { X[xb + i * n] = select(${F32.zero}, ${F32.one}, i == c); } }
  fsub(tb, rs, cs, xb, n, c, f0, f1, false);
  bsub(tb, cs, rs, xb, n, max(b0, c), b1, n, false);
  if (fin) {
    for (var i = c + 1u; i < n; i++) { X[tb + c * n + i] = X[xb + i * n]; }
    if (c == 0u) {
      var bad = 0u;
      for (var q = 0u; q < n; q++) {
        if (f32IsZero(T[tb + q * (n + 1u)])) { bad = q + 1u; break; }
      }
      INFO[m] = i32(bad);
    }
  }
}`,
);

/**
 * Inverse of A = L·Lᵀ (or Uᵀ·U when `upper`) from its Cholesky factor, batched, float32
 * (LAPACK potri, torch.cholesky_inverse).
 * - `factor`: batch × n × n row-major; only its lower (`upper`: upper) triangle is read.
 * - `out`: batch × n × n, receives the full, exactly symmetric inverse (the lower triangle is
 *   computed, the upper one mirrored). It must not share a buffer with `factor`.
 * - `info` (int32, batch) = 0, or the 1-based index k of the first exactly-zero diagonal element
 *   of the factor (singular; the output then holds ±inf/NaN).
 * One invocation per (matrix, column): two substitutions restricted to rows ≥ column
 * (2n³/3 flops per matrix in all), split over several dispatches for large n.
 */
export function choleskyInverseGpu(
  gpu: WebGPURuntime,
  factor: GpuStorage,
  batch: number,
  n: number,
  upper: boolean,
  out: GpuStorage,
  info: GpuStorage,
): void {
  const op = 'choleskyInverseGpu';
  needSizes(op, { batch, n });
  needBuffer(op, 'factor', factor, F32, batch * n * n);
  needBuffer(op, 'out', out, F32, batch * n * n);
  needBuffer(op, 'info', info, I32, batch);
  if (batch === 0) return;
  if (n === 0) {
    runKernel(gpu, ZERO_INFO_KERNEL, {
      buffers: { INFO: info },
      params: sweepParams(0, 0, batch),
      workgroups: dispatch1D(batch, SOLVE_WG),
      loops: 0,
    });
    return;
  }
  const plan = planSweeps('linalg.cholesky_inverse', n, true, true, { first: n, last: 2 * n });
  runSweeps(gpu, INVERSE_KERNEL, { T: factor, X: out, INFO: info }, n, n, batch * n, plan, { upper });
}

/** info[0..batch) = 0 (the inverse of 0×0 matrices). */
const ZERO_INFO_KERNEL = wgslKernel(
  { name: 'linalg_zero_info', outputs: { INFO: I32 }, params: SWEEP_PARAMS },
  `${wgslVectorPrologue()}
  INFO[t] = 0;
}`,
);
