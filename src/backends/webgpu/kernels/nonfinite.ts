import type { GpuStorage } from '../../backend.js';
import { type Batch, type Region, regionCode } from '../../cpu/linalg/nonfinite.js';
import { WGSL_F32 } from '../linalg/triangular.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex, wgslParams } from '../runtime.js';

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
  gpu.run({
    code: FLAGS_WGSL,
    inputs: [a],
    outputs: [flags],
    params: Uint32Array.from([rows, cols, batch * rows * cols, regionCode(region)]),
    workgroups: dispatch1D(batch * rows * cols, 64),
    loops: 0,
  });
  for (const o of outputs) {
    if (o.size === 0) continue;
    gpu.run({
      code: FILL_WGSL,
      inputs: [flags],
      outputs: [o.storage],
      params: Uint32Array.from([o.size, batch * o.size]),
      workgroups: dispatch1D(batch * o.size, 64),
      loops: 0,
    });
  }
  gpu.free(flags);
}

// One invocation per entry: a non-finite entry in the region sets its matrix's flag.
const FLAGS_WGSL = `// linalg non-finite flags per matrix
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read_write> FLAGS: array<atomic<i32>>;
${wgslParams(2)}
${WGSL_F32}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = flat_index(gid, nwg);
  let m = pu(0u);
  let n = pu(1u);
  if (q >= pu(2u)) { return; }
  let c = pu(3u);
  let tri = c & 3u;
  let i = (q / n) % m;
  let j = q % n;
  let read = select(tri == 0u || (tri == 1u && j > i) || (tri == 2u && j < i), (c & 4u) == 0u, i == j);
  if (read && f32Key(A[q]) >= F32_INF_KEY) { atomicStore(&FLAGS[q / (m * n)], 1); }
}`;

const FILL_WGSL = `// linalg NaN fill of flagged matrices
@group(0) @binding(0) var<storage, read> FLAGS: array<i32>;
@group(0) @binding(1) var<storage, read_write> OUT: array<f32>;
${wgslParams(2)}
${WGSL_F32}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = flat_index(gid, nwg);
  if (k >= pu(1u)) { return; }
  if (FLAGS[k / pu(0u)] != 0) { OUT[k] = f32NaN(); }
}`;
