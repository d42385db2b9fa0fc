import { numelOf } from '../../../shape.js';
import type { GpuStorage, GpuView } from '../../backend.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex, wgslParams } from '../runtime.js';

/** The small WGSL kernels of the matrix norms and ranks (cpu/linalg/norms.ts has their CPU twins). */

const reduceWgsl = (label: string, body: string, inType: string, outType: string) => `// ${label}
@group(0) @binding(0) var<storage, read> X: array<${inType}>;
@group(0) @binding(1) var<storage, read_write> OUT: array<${outType}>;
${wgslParams(2)}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = flat_index(gid, nwg);
  if (b >= pu(0u)) { return; }
  let k = pu(1u);
  ${body}
}`;

/** Entries one invocation of the amax/amin kernel compares at most; longer rows take another pass. */
const EXTREMUM_CHUNK = 1024;

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
  const part = chunks > 1 ? gpu.alloc('float32', batch * chunks) : out;
  gpu.run({
    code: reduceWgsl(
      min ? 'amin last dim' : 'amax last dim',
      // WGSL's min/max need not propagate NaN: a NaN entry (exponent all ones, mantissa nonzero) wins by its bits.
      `let row = b / pu(2u);
  let l0 = (b % pu(2u)) * ${EXTREMUM_CHUNK}u;
  var best = X[row * k + l0];
  for (var l = l0; l < min(k, l0 + ${EXTREMUM_CHUNK}u); l++) {
    let v = X[row * k + l];
    if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { best = v; break; }
    best = ${min ? 'min' : 'max'}(best, v);
  }
  OUT[b] = best;`,
      'f32',
      'f32',
    ),
    inputs: [x],
    outputs: [part],
    params: Uint32Array.from([batch * chunks, k, chunks]),
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
  const bits = new Uint32Array(new Float32Array([atol, rtol]).buffer);
  gpu.run({
    code: reduceWgsl(
      'matrix rank count',
      `var smax = 0.0;
for (var l = 0u; l < k; l++) { smax = max(smax, abs(X[b * k + l])); }
let cut = max(pf(2u), pf(3u) * smax);
var r = 0;
for (var l = 0u; l < k; l++) { if (abs(X[b * k + l]) > cut) { r++; } }
OUT[b] = r;`,
      'f32',
      'i32',
    ),
    inputs: [s.storage],
    outputs: [out.storage],
    params: Uint32Array.from([batch, k, bits[0], bits[1]]),
    workgroups: dispatch1D(batch, 64),
    loops: 2 * k,
  });
}

/** The device version of nonzeroCpu. */
export function nonzeroGpu(gpu: WebGPURuntime, x: GpuView, out: GpuView): void {
  const n = x.storage.length;
  gpu.run({
    code: reduceWgsl('info nonzero', 'OUT[b] = select(0.0, 1.0, X[b] != 0);', 'i32', 'f32'),
    inputs: [x.storage],
    outputs: [out.storage],
    params: Uint32Array.from([n, 1]),
    workgroups: dispatch1D(n, 64),
    loops: 0,
  });
}
