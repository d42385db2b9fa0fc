import type { GpuStorage } from '../../backends/backend.js';
import type { FloatArray } from '../../backends/cpu/linalg/index.js';
import { WGSL_F32 } from '../../backends/webgpu/linalg/triangular.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex, wgslParams } from '../../backends/webgpu/runtime.js';

/**
 * NaN or ±Inf input gives NaN output (issue policy, stricter than LAPACK): a batch element whose
 * matrix holds a non-finite entry in the part an op reads gets NaN in every output entry of that
 * element, on the CPU and on the device alike. Without this, LU-based kernels return finite
 * limits for infinite input (inv([[inf, 1], [1, 1]]) = [[0, 0], [0, 1]], solve gives [0, 1]),
 * which no caller can tell from an answer.
 */

/** Which entries of an n×n matrix are read: the whole matrix, or one triangle (without its diagonal). */
export interface Region {
  /** Only the upper (true) or lower (false) triangle; undefined: the whole matrix. */
  readonly upper?: boolean;
  /** The diagonal is not read (unitriangular). */
  readonly skipDiagonal?: boolean;
}

const regionCode = (r: Region): number =>
  (r.upper === undefined ? 0 : r.upper ? 1 : 2) + (r.skipDiagonal ? 4 : 0);

/** Whether entry (i, j) is read under region code c (see regionCode). */
function reads(c: number, i: number, j: number): boolean {
  if (i === j) return (c & 4) === 0;
  const tri = c & 3;
  return tri === 0 || (tri === 1 ? j > i : j < i);
}

/** A batch of rows × cols matrices (a triangular region needs rows = cols). */
export interface Batch {
  readonly batch: number;
  readonly rows: number;
  readonly cols: number;
}

/** A batch of n×n matrices. */
export const squares = (batch: number, n: number): Batch => ({ batch, rows: n, cols: n });

/**
 * CPU: fills with NaN, for each matrix of `a` with a non-finite entry in `region`, that batch
 * element's slice of each output (`size` entries per element).
 */
export function poisonNonFiniteCpu(
  a: ArrayLike<number>,
  b: Batch,
  region: Region,
  outputs: readonly { data: FloatArray; size: number }[],
): void {
  const c = regionCode(region);
  const mn = b.rows * b.cols;
  const end = b.batch * mn;
  // One pass over the whole batch; only a non-finite value (v − v is NaN exactly then) costs more.
  for (let q = 0; q < end; q++) {
    const v = a[q];
    if (v - v === 0) continue;
    const e = Math.floor(q / mn);
    const r = q - e * mn;
    if (!reads(c, Math.floor(r / b.cols), r % b.cols)) continue;
    for (const o of outputs) o.data.fill(Number.NaN, e * o.size, (e + 1) * o.size);
    q = (e + 1) * mn - 1; // the next matrix
  }
}

/** The device version of {@link poisonNonFiniteCpu}: a flag per element, then a NaN fill per output. */
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
