import { numelOf } from '../../../shape.js';
import type { GpuStorage, GpuView } from '../../backend.js';
import { type Dims, splitReduced } from '../../layout.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex, wgslParams } from '../runtime.js';

const WG = 64;

/** Reduced elements summed by one invocation at most (a chunk); more are summed in a second pass. */
const SUM_CHUNK = 1024;

// dst[o·C + c] = Σ src over the reduced elements [c·chunk, min(nr, (c+1)·chunk)) of output o.
// Params: [nOut·C, nr, nk, nd, chunk, C, keptShape(nk), keptStrides(nk), redShape(nd), redStrides(nd)].
const SUM_WGSL = `// sum
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
${wgslParams(2)}
${wgslFlatIndex(WG)}
fn offsetOf(k: u32, nd: u32, at: u32) -> u32 {
  var rem = k;
  var p = 0u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = pu(at + u32(d));
    p += (rem % size) * pu(at + nd + u32(d));
    rem = rem / size;
  }
  return p;
}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = flat_index(gid, nwg);
  if (g >= pu(0u)) { return; }
  let nr = pu(1u);
  let nk = pu(2u);
  let nd = pu(3u);
  let chunk = pu(4u);
  let c = g % pu(5u);
  let base = offsetOf(g / pu(5u), nk, 6u);
  var acc = 0.0;
  for (var r = c * chunk; r < min(nr, (c + 1u) * chunk); r++) { acc += src[base + offsetOf(r, nd, 6u + 2u * nk)]; }
  dst[g] = acc;
}`;

/**
 * dst[o] = Σ over `red` of src at kept index o. Each invocation sums at most SUM_CHUNK elements
 * (the loop rule); a longer reduction writes one partial sum per chunk and sums those again.
 */
function sumPass(gpu: WebGPURuntime, src: GpuStorage, kept: Dims, red: Dims, dst: GpuStorage): void {
  const nOut = numelOf(kept.shape);
  const nr = numelOf(red.shape);
  const [nk, nd] = [kept.shape.length, red.shape.length];
  const chunk = Math.max(1, Math.min(SUM_CHUNK, nr));
  const C = Math.max(1, Math.ceil(nr / chunk));
  const part = C > 1 ? gpu.alloc('float32', nOut * C) : dst;
  const params = [nOut * C, nr, nk, nd, chunk, C];
  params.push(...kept.shape, ...kept.strides, ...red.shape, ...red.strides);
  gpu.run({
    code: SUM_WGSL,
    inputs: [src],
    outputs: [part],
    params: Uint32Array.from(params),
    workgroups: dispatch1D(nOut * C, WG),
    loops: nk + chunk * (nd + 1),
  });
  if (C === 1) return;
  sumPass(gpu, part, { shape: [nOut], strides: [C] }, { shape: [C], strides: [1] }, dst);
  gpu.free(part);
}

/** out = the sum of x over `dims` (sorted, distinct), kept dims in order. */
export function sumGpu(gpu: WebGPURuntime, x: GpuView, out: GpuView, dims: readonly number[]): void {
  const { kept, red } = splitReduced(x.shape, dims);
  sumPass(gpu, x.storage, kept, red, out.storage);
}
