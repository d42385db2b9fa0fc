import { numelOf } from '../../../shape.js';
import type { GpuStorage, GpuView } from '../../backend.js';
import { F32, I32, type Kernel, type ParamType, runKernel, type WgslElement, wgslKernel } from '../kernel.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex } from '../runtime.js';

/** The small WGSL kernels of the matrix norms and ranks (cpu/linalg/norms.ts has their CPU twins). */

/** One invocation per row b (of k entries) of X, writing OUT[b]; params `total` (rows) and `k` first. */
const rowKernel = (
  label: string,
  body: string,
  input: WgslElement,
  output: WgslElement,
  params: Readonly<Record<string, ParamType>> = {},
): Kernel =>
  wgslKernel(
    {
      name: label,
      inputs: { X: input },
      outputs: { OUT: output },
      params: { total: 'u32', k: 'u32', ...params },
    },
    `${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = flat_index(gid, nwg);
  if (b >= params.total) { return; }
  let k = params.k;
  ${body}
}`,
  );

/** Entries one invocation of the amax/amin kernel compares at most; longer rows take another pass. */
const EXTREMUM_CHUNK = 1024;

const extremumKernel = (min: boolean) =>
  rowKernel(
    min ? 'amin last dim' : 'amax last dim',
    // WGSL's min/max need not propagate NaN: a NaN entry (exponent all ones, mantissa nonzero) wins by its bits.
    `let row = b / params.chunks;
  let l0 = (b % params.chunks) * ${EXTREMUM_CHUNK}u;
  var best = X[row * k + l0];
  for (var l = l0; l < min(k, l0 + ${EXTREMUM_CHUNK}u); l++) {
    let v = X[row * k + l];
    if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { best = v; break; }
    best = ${min ? 'min' : 'max'}(best, v);
  }
  OUT[b] = best;`,
    F32,
    F32,
    { chunks: 'u32' },
  );
const AMAX = extremumKernel(false);
const AMIN = extremumKernel(true);

/**
 * out[b] = max (or min) of row b of the batch × k matrix x (k ≥ 1). Each invocation scans at most
 * EXTREMUM_CHUNK entries (the loop rule): a longer row gets one partial result per chunk, and
 * those rows are reduced again.
 */
function extremumGpu(
  gpu: WebGPURuntime,
  x: GpuStorage,
  batch: number,
  k: number,
  out: GpuStorage,
  min: boolean,
) {
  const chunks = Math.max(1, Math.ceil(k / EXTREMUM_CHUNK));
  const part = chunks > 1 ? gpu.alloc(x.dtype, batch * chunks) : out;
  runKernel(gpu, min ? AMIN : AMAX, {
    buffers: { X: x, OUT: part },
    params: { total: batch * chunks, k, chunks },
    workgroups: dispatch1D(batch * chunks, 64),
    loops: EXTREMUM_CHUNK,
  });
  if (chunks === 1) return;
  extremumGpu(gpu, part, batch, chunks, out, min);
  gpu.free(part);
}

/** The device version of extremumCpu. */
export function extremumLastGpu(gpu: WebGPURuntime, x: GpuView, out: GpuView, min: boolean): void {
  extremumGpu(gpu, x.storage, numelOf(out.shape), x.shape[x.shape.length - 1]!, out.storage, min);
}

const COUNT_ABOVE = rowKernel(
  'matrix rank count',
  `var smax = 0.0;
  for (var l = 0u; l < k; l++) { smax = max(smax, abs(X[b * k + l])); }
  let cut = max(params.atol, params.rtol * smax);
  var r = 0;
  for (var l = 0u; l < k; l++) { if (abs(X[b * k + l]) > cut) { r++; } }
  OUT[b] = r;`,
  F32,
  I32,
  { atol: 'f32', rtol: 'f32' },
);

/** The device version of countAboveCpu. */
export function countAboveGpu(
  gpu: WebGPURuntime,
  s: GpuView,
  out: GpuView,
  atol: number,
  rtol: number,
): void {
  const k = s.shape[s.shape.length - 1];
  const batch = numelOf(out.shape);
  runKernel(gpu, COUNT_ABOVE, {
    buffers: { X: s.storage, OUT: out.storage },
    params: { total: batch, k, atol, rtol },
    workgroups: dispatch1D(batch, 64),
    loops: 2 * k,
  });
}

const NONZERO = rowKernel('info nonzero', `OUT[b] = select(${F32.zero}, ${F32.one}, X[b] != 0);`, I32, F32);

/** The device version of nonzeroCpu. */
export function nonzeroGpu(gpu: WebGPURuntime, x: GpuView, out: GpuView): void {
  const n = x.storage.length;
  runKernel(gpu, NONZERO, {
    buffers: { X: x.storage, OUT: out.storage },
    params: { total: n, k: 1 },
    workgroups: dispatch1D(n, 64),
    loops: 0,
  });
}
