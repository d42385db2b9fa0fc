import type { GpuStorage, GpuView } from '../../backend.js';
import { type Layout, layoutOf, type PinvAttrs, pinvDims } from '../../cpu/linalg/pinv.js';
import { eighGpu, svdGpu } from '../linalg/spectral.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex, wgslParams } from '../runtime.js';

const STATS_WGSL = `// pinv cutoff and rank
@group(0) @binding(0) var<storage, read> D: array<f32>;
@group(0) @binding(1) var<storage, read_write> S: array<f32>;
@group(0) @binding(2) var<storage, read_write> CUT: array<f32>;
@group(0) @binding(3) var<storage, read_write> RANK: array<i32>;
${wgslParams(4)}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = flat_index(gid, nwg);
  if (b >= pu(0u)) { return; }
  let k = pu(1u);
  var smax = 0.0;
  for (var l = 0u; l < k; l++) { smax = max(smax, abs(D[b * k + l])); }
  let cutoff = max(pf(2u), pf(3u) * smax);
  var rank = 0;
  for (var l = 0u; l < k; l++) {
    let x = abs(D[b * k + l]);
    S[b * k + l] = x;
    if (x > cutoff) { rank++; }
  }
  CUT[b] = cutoff;
  RANK[b] = rank;
}`;

const ASSEMBLE_WGSL = `// pinv assembly P = L diag(f(d)) R
@group(0) @binding(0) var<storage, read> L: array<f32>;
@group(0) @binding(1) var<storage, read> D: array<f32>;
@group(0) @binding(2) var<storage, read> R: array<f32>;
@group(0) @binding(3) var<storage, read> CUT: array<f32>;
@group(0) @binding(4) var<storage, read_write> P: array<f32>;
${wgslParams(5)}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat_index(gid, nwg);
  let rows = pu(1u);
  let cols = pu(2u);
  if (e >= pu(0u) * rows * cols) { return; }
  let k = pu(3u);
  let b = e / (rows * cols);
  let i = (e / cols) % rows;
  let j = e % cols;
  let cutoff = CUT[b];
  var acc = 0.0;
  for (var l = 0u; l < k; l++) {
    let x = D[b * k + l];
    let f = select(0.0, 1.0 / x, abs(x) > cutoff);
    acc += L[b * pu(4u) + i * pu(5u) + l * pu(6u)] * f * R[b * pu(7u) + l * pu(8u) + j * pu(9u)];
  }
  P[e] = acc;
}`;

function assembleGpu(
  gpu: WebGPURuntime,
  L: GpuStorage,
  d: GpuStorage,
  R: GpuStorage,
  batch: number,
  o: Layout,
  attrs: PinvAttrs,
  out: { p: GpuStorage; s: GpuStorage; cut: GpuStorage; rank: GpuStorage },
): void {
  const f = new Float32Array([attrs.atol, attrs.rtol]);
  const bits = new Uint32Array(f.buffer);
  gpu.run({
    code: STATS_WGSL,
    inputs: [d],
    outputs: [out.s, out.cut, out.rank],
    params: Uint32Array.from([batch, o.k, bits[0], bits[1]]),
    workgroups: dispatch1D(batch, 64),
    loops: 2 * o.k,
  });
  const total = batch * o.rows * o.cols;
  gpu.run({
    code: ASSEMBLE_WGSL,
    inputs: [L, d, R, out.cut],
    outputs: [out.p],
    params: Uint32Array.from([batch, o.rows, o.cols, o.k, ...o.l, ...o.r]),
    workgroups: dispatch1D(total, 64),
    loops: o.k,
  });
}

/** The pinv op's WebGPU kernel: as pinvCpu. */
export function pinvGpu(
  gpu: WebGPURuntime,
  a: GpuView,
  [p, s, cut, rank, info]: readonly GpuView[],
  attrs: PinvAttrs,
): void {
  const { batch, m, n, k } = pinvDims(a.shape);
  const o = layoutOf(m, n, attrs.hermitian);
  const outs = { p: p.storage, s: s.storage, cut: cut.storage, rank: rank.storage };
  const scratch: GpuStorage[] = [];
  if (attrs.hermitian) {
    const w = gpu.alloc('float32', batch * n);
    const v = gpu.alloc('float32', batch * n * n);
    scratch.push(w, v);
    eighGpu(gpu, a.storage, batch, n, false, w, v, info.storage);
    assembleGpu(gpu, v, w, v, batch, o, attrs, outs);
  } else {
    const u = gpu.alloc('float32', batch * m * k);
    const sv = gpu.alloc('float32', batch * k);
    const vh = gpu.alloc('float32', batch * k * n);
    scratch.push(u, sv, vh);
    svdGpu(gpu, a.storage, batch, m, n, u, sv, vh, { fullMatrices: false, computeUV: true }, info.storage);
    assembleGpu(gpu, vh, sv, u, batch, o, attrs, outs);
  }
  for (const t of scratch) gpu.free(t);
}
