import { numelOf } from '../../../shape.js';
import type { GpuStorage, GpuView } from '../../backend.js';
import { type Dims, splitReduced } from '../../layout.js';
import { allocElements, F32, type Kernel, runKernel, type WgslScalar, wgslKernel } from '../kernel.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex } from '../runtime.js';
import { cachedKernel, paramArrayLength } from './cache.js';

const WG = 64;

/** Reduced elements summed by one invocation at most (a chunk); more are summed in a second pass. */
const SUM_CHUNK = 1024;

// dst[o·C + c] = Σ src over the reduced elements [c·chunk, min(nr, (c+1)·chunk)) of output o;
// dims = [keptShape(nk), keptStrides(nk), redShape(nd), redStrides(nd)].
function sumKernel(S: WgslScalar, dimsLength: number): Kernel {
  return cachedKernel(`sum|${S.dtype}|${dimsLength}`, () =>
    wgslKernel(
      {
        name: 'sum',
        inputs: { src: S },
        outputs: { dst: S },
        params: {
          total: 'u32',
          nr: 'u32',
          nk: 'u32',
          nd: 'u32',
          chunk: 'u32',
          chunks: 'u32',
          dims: { array: 'u32', length: dimsLength },
        },
      },
      `${wgslFlatIndex(WG)}
fn offsetOf(k: u32, nd: u32, at: u32) -> u32 {
  var rem = k;
  var p = 0u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = params_dims(at + u32(d));
    p += (rem % size) * params_dims(at + nd + u32(d));
    rem = rem / size;
  }
  return p;
}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = flat_index(gid, nwg);
  if (g >= params.total) { return; }
  let nr = params.nr;
  let nk = params.nk;
  let nd = params.nd;
  let chunk = params.chunk;
  let c = g % params.chunks;
  let base = offsetOf(g / params.chunks, nk, 0u);
  var acc = ${S.zero};
  for (var r = c * chunk; r < min(nr, (c + 1u) * chunk); r++) {
    acc = ${S.add('acc', 'src[base + offsetOf(r, nd, 2u * nk)]')};
  }
  dst[g] = acc;
}`,
    ),
  );
}

/**
 * dst[o] = Σ over `red` of src at kept index o. Each invocation sums at most SUM_CHUNK elements
 * (the loop rule); a longer reduction writes one partial sum per chunk and sums those again.
 */
function sumPass(
  gpu: WebGPURuntime,
  src: GpuStorage,
  kept: Dims,
  red: Dims,
  dst: GpuStorage,
  S: WgslScalar,
): void {
  const nOut = numelOf(kept.shape);
  const nr = numelOf(red.shape);
  const [nk, nd] = [kept.shape.length, red.shape.length];
  const chunk = Math.max(1, Math.min(SUM_CHUNK, nr));
  const C = Math.max(1, Math.ceil(nr / chunk));
  const part = C > 1 ? allocElements(gpu, S, nOut * C) : dst;
  const dims = [...kept.shape, ...kept.strides, ...red.shape, ...red.strides];
  runKernel(gpu, sumKernel(S, paramArrayLength(dims.length)), {
    buffers: { src, dst: part },
    params: { total: nOut * C, nr, nk, nd, chunk, chunks: C, dims },
    workgroups: dispatch1D(nOut * C, WG),
    loops: nk + chunk * (nd + 1),
  });
  if (C === 1) return;
  sumPass(gpu, part, { shape: [nOut], strides: [C] }, { shape: [C], strides: [1] }, dst, S);
  gpu.free(part);
}

/**
 * out = the sum of x over `dims` (sorted, distinct), kept dims in order; elements of scalar S
 * (F32 by default; C64 sums complex64 storage, shapes in elements).
 */
export function sumGpu(
  gpu: WebGPURuntime,
  x: GpuView,
  out: GpuView,
  dims: readonly number[],
  S: WgslScalar = F32,
): void {
  const { kept, red } = splitReduced(x.shape, dims);
  sumPass(gpu, x.storage, kept, red, out.storage, S);
}
