import type { GpuStorage } from '../../backend.js';
import { type Batch, type Region, regionCode } from '../../cpu/linalg/nonfinite.js';
import { ATOMIC_U32, F32, I32, runKernel, wgslKernel } from '../kernel.js';
import { WGSL_F32 } from '../linalg/triangular.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex } from '../runtime.js';

/** NaN or ±Inf input gives NaN output on the device: see cpu/linalg/nonfinite.ts for the policy. */

/** The device version of poisonNonFiniteCpu: a flag per element, then a NaN fill per output. */
export function poisonNonFiniteGpu(
  gpu: WebGPURuntime,
  a: GpuStorage,
  { batch, rows, cols }: Batch,
  region: Region,
  outputs: readonly { storage: GpuStorage; size: number }[],
): void {
  if (batch === 0 || rows === 0 || cols === 0) return;
  const flags = gpu.alloc('int32', batch, { zero: true });
  runKernel(gpu, FLAGS, {
    buffers: { A: a, FLAGS: flags },
    params: { m: rows, n: cols, total: batch * rows * cols, region: regionCode(region) },
    workgroups: dispatch1D(batch * rows * cols, 64),
    loops: 0,
  });
  for (const o of outputs) {
    if (o.size === 0) continue;
    runKernel(gpu, FILL, {
      buffers: { FLAGS: flags, OUT: o.storage },
      params: { size: o.size, total: batch * o.size },
      workgroups: dispatch1D(batch * o.size, 64),
      loops: 0,
    });
  }
  gpu.free(flags);
}

// One invocation per entry: a non-finite entry in the region sets its matrix's flag.
const FLAGS = wgslKernel(
  {
    name: 'linalg non-finite flags per matrix',
    inputs: { A: F32 },
    outputs: { FLAGS: ATOMIC_U32 },
    params: { m: 'u32', n: 'u32', total: 'u32', region: 'u32' },
  },
  `${WGSL_F32}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = flat_index(gid, nwg);
  let m = params.m;
  let n = params.n;
  if (q >= params.total) { return; }
  let c = params.region;
  let tri = c & 3u;
  let i = (q / n) % m;
  let j = q % n;
  let read = select(tri == 0u || (tri == 1u && j > i) || (tri == 2u && j < i), (c & 4u) == 0u, i == j);
  if (read && f32Key(A[q]) >= F32_INF_KEY) { atomicStore(&FLAGS[q / (m * n)], 1u); }
}`,
);

const FILL = wgslKernel(
  {
    name: 'linalg NaN fill of flagged matrices',
    inputs: { FLAGS: I32 },
    outputs: { OUT: F32 },
    params: { size: 'u32', total: 'u32' },
  },
  `${WGSL_F32}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = flat_index(gid, nwg);
  if (k >= params.total) { return; }
  if (FLAGS[k / params.size] != 0) { OUT[k] = f32NaN(); }
}`,
);
