/**
 * WGSL Cholesky factorization (LAPACK potrf) and the inverse from the factor (potri), batched
 * row-major float32 n×n matrices stored back to back; the same layout and info semantics as the
 * CPU kernels in `backends/cpu/linalg/cholesky.ts`. Info is computed on the device.
 */
import type { GpuStorage } from '../../backend.js';
import { perLane } from '../loops.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex, wgslParams } from '../runtime.js';
import {
  factorChunks,
  factorLayout,
  need,
  needSizes,
  planSweeps,
  runSweeps,
  SOLVE_WG,
  WGSL_F32,
  WGSL_SUBST,
  wgslBarrier,
  wgslFactorSteps,
  wgslSlotPrologue,
  wgslVectorPrologue,
} from './triangular.js';

// L's triangle ← the lower triangle of A (the upper one, and L = Uᵀ stored transposed, when
// upper), the other one zeroed; one invocation per entry (i, j) of the lower triangle. In place
// too: the entry it reads, (i, j) or (j, i), is read and written by no other invocation.
function choleskyInitWgsl(inPlace: boolean): string {
  const o = inPlace ? 0 : 1;
  return `// linalg_cholesky_init${inPlace ? '_inplace' : ''}
${inPlace ? '' : '@group(0) @binding(0) var<storage, read> A: array<f32>;'}
@group(0) @binding(${o}) var<storage, read_write> L: array<f32>;
${wgslParams(o + 1)}
${wgslFlatIndex(SOLVE_WG)}
@compute @workgroup_size(${SOLVE_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = flat_index(gid, nwg);
  if (q >= pu(1u)) { return; }
  let n = pu(0u);
  let upper = pu(2u) != 0u;
  let rs = select(n, 1u, upper);
  let cs = select(1u, n, upper);
  let base = (q / (n * n)) * n * n;
  let i = (q % (n * n)) / n;
  let j = q % n;
  if (i > j) {
    let v = ${inPlace ? 'L' : 'A'}[base + select(i * n + j, j * n + i, upper)];
    L[base + i * rs + j * cs] = v;
    L[base + j * rs + i * cs] = 0.0;
  }${inPlace ? '' : ' else if (i == j) { L[q] = A[q]; }'}
}`;
}

// In place on L (initialised by choleskyInitWgsl). Sub-step (k, b) of step k (see
// wgslFactorSteps): when b = 0, finish column k − 1 (divided by √pivot) unless an earlier step
// failed, and check the pivot d = L(k, k); then, while nothing failed, A22 -= a21 a21ᵀ / d on the
// lower part of the columns [c0, c1) of block b, one column per invocation, column k still
// unscaled. A finished column's diagonal becomes √pivot one step later (every lane reads the
// pivot while dividing, so it is overwritten when nobody reads it, without a barrier), the last
// two at the end. Element (i, j) of L lives at base + i·rs + j·cs.
function choleskyWgsl(t: number, s: number): string {
  const bar = wgslBarrier(t);
  const root = (c: string) => `L[base + ${c} * (n + 1u)] = sqrt(L[base + ${c} * (n + 1u)]);`;
  return `// linalg_cholesky_t${t}
@group(0) @binding(0) var<storage, read_write> L: array<f32>;
@group(0) @binding(1) var<storage, read_write> INFO: array<i32>;
${wgslParams(2)}
${WGSL_F32}
${wgslSlotPrologue(t, s)}
  let upper = pu(6u) != 0u;
  let rs = select(n, 1u, upper);
  let cs = select(1u, n, upper);
  var failed = 0u;
  if (live && (pu(2u) > 0u || pu(3u) > 0u)) { failed = u32(INFO[m]); }
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
}`;
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
  need(op, 'a', a, 'float32', batch * n * n);
  need(op, 'l', l, 'float32', batch * n * n);
  need(op, 'info', info, 'int32', batch);
  if (batch === 0) return;
  const { t, s } = factorLayout(n);
  const inPlace = a.buffer === l.buffer;
  gpu.run({
    code: choleskyInitWgsl(inPlace),
    inputs: inPlace ? [] : [a],
    outputs: [l],
    params: Uint32Array.from([n, batch * n * n, +upper]),
    workgroups: dispatch1D(batch * n * n, SOLVE_WG),
    loops: 0,
  });
  const code = choleskyWgsl(t, s);
  // Set-up of step k: finishing column k − 1.
  for (const c of factorChunks('linalg.cholesky', n, t, n, (k) => perLane(n - k, t), 0)) {
    gpu.run({
      code,
      inputs: [],
      outputs: [l, info],
      params: Uint32Array.from([n, batch, c.k, c.b, c.count, c.w, +upper]),
      workgroups: dispatch1D(batch, s),
      loops: c.loops,
    });
  }
}

const INVERSE_WGSL = `// linalg_cholesky_inverse
@group(0) @binding(0) var<storage, read> T: array<f32>;
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> INFO: array<i32>;
${wgslParams(3)}
${WGSL_F32}
${WGSL_SUBST}
${wgslVectorPrologue()}
  let upper = pu(9u) != 0u;
  let m = t / n;
  let c = t % n;
  let tb = m * n * n;
  let xb = tb + c;
  // L(i, s) = T[tb + i·rs + s·cs] (U = Lᵀ when upper).
  let rs = select(n, 1u, upper);
  let cs = select(1u, n, upper);
  // Rows c.. of column c of A⁻¹: L y = e_c (y is zero above c), then Lᵀ x = y from the bottom up
  // to row c; the rest of the column is row c of the result by symmetry.
  if (init) { for (var i = c; i < n; i++) { X[xb + i * n] = select(0.0, 1.0, i == c); } }
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
}`;

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
  need(op, 'factor', factor, 'float32', batch * n * n);
  need(op, 'out', out, 'float32', batch * n * n);
  need(op, 'info', info, 'int32', batch);
  if (batch === 0) return;
  if (n === 0) {
    gpu.run({
      code: ZERO_INFO_WGSL,
      inputs: [],
      outputs: [info],
      params: Uint32Array.from([0, 0, batch]),
      workgroups: dispatch1D(batch, SOLVE_WG),
      loops: 0,
    });
    return;
  }
  const d = { code: INVERSE_WGSL, inputs: [factor], outputs: [out, info] };
  const plan = planSweeps('linalg.cholesky_inverse', n, true, true, { first: n, last: 2 * n });
  runSweeps(gpu, d, n, n, batch * n, plan, [+upper]);
}

/** info[0..batch) = 0 (the inverse of 0×0 matrices). */
const ZERO_INFO_WGSL = `// linalg_zero_info
@group(0) @binding(0) var<storage, read_write> INFO: array<i32>;
${wgslParams(1)}
${wgslVectorPrologue()}
  INFO[t] = 0;
}`;
