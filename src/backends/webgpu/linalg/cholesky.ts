/**
 * WGSL Cholesky factorization (LAPACK potrf) and the inverse from the factor (potri), batched
 * row-major float32 n×n matrices stored back to back; the same layout and info semantics as the
 * CPU kernels in `backends/cpu/linalg/cholesky.ts`. Info is computed on the device.
 */
import type { GpuStorage } from '../../backend.js';
import { dispatch1D, type WebGPURuntime, wgslParams } from '../runtime.js';
import {
  factorLayout,
  need,
  needSizes,
  planSweeps,
  runSweeps,
  SOLVE_WG,
  splitSteps,
  WGSL_F32,
  WGSL_SUBST,
  wgslBarrier,
  wgslSlotPrologue,
  wgslVectorPrologue,
} from './triangular.js';

function choleskyWgsl(t: number, s: number, inPlace: boolean): string {
  const o = inPlace ? 0 : 1;
  const bar = wgslBarrier(t);
  return `// linalg_cholesky_t${t}${inPlace ? '_inplace' : ''}
${inPlace ? '' : '@group(0) @binding(0) var<storage, read> A: array<f32>;'}
@group(0) @binding(${o}) var<storage, read_write> L: array<f32>;
@group(0) @binding(${o + 1}) var<storage, read_write> INFO: array<i32>;
${wgslParams(o + 2)}
${WGSL_F32}
fn finish(base: u32, n: u32, k: u32, rs: u32, cs: u32) {
  let r = sqrt(L[base + k * (n + 1u)]);
  L[base + k * (n + 1u)] = r;
  for (var i = k + 1u; i < n; i++) { L[base + i * rs + k * cs] = L[base + i * rs + k * cs] / r; }
}
${wgslSlotPrologue(t, s)}
  let upper = pu(2u) != 0u;
  // This dispatch runs elimination steps [k0, k1); the first one also copies the input.
  let k0 = pu(3u);
  let k1 = pu(4u);
  // Element (i, j) of L lives at base + at(i, j): transposed when the output is U = Lᵀ.
  let rs = select(n, 1u, upper);
  let cs = select(1u, n, upper);
  // Copy the lower triangle of A (the upper one, transposed, when upper) into L's triangle and
  // zero the other one.
  if (live && k0 == 0u) {
    for (var e = lane; e < n * n; e += ${t}u) {
      let i = e / n;
      let j = e % n;
      if (i > j) {
        let v = ${inPlace ? 'L' : 'A'}[base + select(e, j * n + i, upper)];
        L[base + i * rs + j * cs] = v;
        L[base + j * rs + i * cs] = 0.0;
      }${inPlace ? '' : ' else if (i == j) { L[base + e] = A[base + e]; }'}
    }
  }
  ${bar}
  var failed = 0u;
  if (live && k0 > 0u) { failed = u32(INFO[m]); }
  for (var k = k0; k < k1; k++) {
    let before = failed;
    let d = L[base + k * (n + 1u)];
    if (live && failed == 0u && !f32IsFinitePositive(d)) { failed = k + 1u; }
    if (live && before == 0u) {
      // Finish column k - 1: L(k-1, k-1) = sqrt(pivot), the rest divided by it.
      if (k > 0u && lane == (k - 1u) % ${t}u) { finish(base, n, k - 1u, rs, cs); }
      // A22 -= a21 a21ᵀ / d (lower part), one column per invocation, column k still unscaled.
      if (failed == 0u) {
        for (var j = k + 1u + lane; j < n; j += ${t}u) {
          let w = L[base + j * rs + k * cs] / d;
          for (var i = j; i < n; i++) {
            let q = base + i * rs + j * cs;
            L[q] = L[q] - L[base + i * rs + k * cs] * w;
          }
        }
      }
    }
    ${bar}
  }
  if (live && failed == 0u && k1 == n && n > 0u && lane == (n - 1u) % ${t}u) { finish(base, n, n - 1u, rs, cs); }
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
 * Right-looking elimination in global memory, same workgroup layout as `luFactorGpu`, one barrier
 * per column; large n is split over several dispatches of consecutive columns.
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
  const code = choleskyWgsl(t, s, inPlace);
  // Loop iterations of one invocation in step k: finishing column k - 1, the update.
  const cost = (k: number) => n - k + Math.ceil((n - k - 1) / t) * (n - k + 1) + 2;
  for (const [k0, k1] of splitSteps(n, cost, Math.ceil((n * n) / t) + n)) {
    gpu.run({
      code,
      inputs: inPlace ? [] : [a],
      outputs: [l, info],
      params: Uint32Array.from([n, batch, +upper, k0, k1]),
      workgroups: dispatch1D(batch, s),
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
    });
    return;
  }
  const d = { code: INVERSE_WGSL, inputs: [factor], outputs: [out, info] };
  runSweeps(gpu, d, n, n, batch * n, planSweeps(n, true, true, 3 * n), [+upper]);
}

/** info[0..batch) = 0 (the inverse of 0×0 matrices). */
const ZERO_INFO_WGSL = `// linalg_zero_info
@group(0) @binding(0) var<storage, read_write> INFO: array<i32>;
${wgslParams(1)}
${wgslVectorPrologue()}
  INFO[t] = 0;
}`;
