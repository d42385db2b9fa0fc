import type { GpuStorage, GpuView } from '../../backend.js';
import { type Layout, layoutOf, type PinvAttrs, pinvDims } from '../../cpu/linalg/pinv.js';
import { F32, I32, runKernel, wgslKernel } from '../kernel.js';
import { eighGpu, svdGpu } from '../linalg/spectral.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex } from '../runtime.js';

const STATS = wgslKernel(
  {
    name: 'pinv cutoff and rank',
    inputs: { D: F32 },
    outputs: { S: F32, CUT: F32, RANK: I32 },
    params: { batch: 'u32', k: 'u32', atol: 'f32', rtol: 'f32' },
  },
  `${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = flat_index(gid, nwg);
  if (b >= params.batch) { return; }
  let k = params.k;
  var smax = 0.0;
  for (var l = 0u; l < k; l++) { smax = max(smax, abs(D[b * k + l])); }
  let cutoff = max(params.atol, params.rtol * smax);
  var rank = 0;
  for (var l = 0u; l < k; l++) {
    let x = abs(D[b * k + l]);
    S[b * k + l] = x;
    if (x > cutoff) { rank++; }
  }
  CUT[b] = cutoff;
  RANK[b] = rank;
}`,
);

// P = L diag(f(d)) R with L(i, l) = L[b·lb + i·li + l·ll] and R(l, j) = R[b·rb + l·rl + j·rj] (Layout).
const ASSEMBLE = wgslKernel(
  {
    name: 'pinv assembly P = L diag(f(d)) R',
    inputs: { L: F32, D: F32, R: F32, CUT: F32 },
    outputs: { P: F32 },
    params: {
      batch: 'u32',
      rows: 'u32',
      cols: 'u32',
      k: 'u32',
      lb: 'u32',
      li: 'u32',
      ll: 'u32',
      rb: 'u32',
      rl: 'u32',
      rj: 'u32',
    },
  },
  `${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat_index(gid, nwg);
  let rows = params.rows;
  let cols = params.cols;
  if (e >= params.batch * rows * cols) { return; }
  let k = params.k;
  let b = e / (rows * cols);
  let i = (e / cols) % rows;
  let j = e % cols;
  let cutoff = CUT[b];
  var acc = 0.0;
  for (var l = 0u; l < k; l++) {
    let x = D[b * k + l];
    let f = select(0.0, 1.0 / x, abs(x) > cutoff);
    acc += L[b * params.lb + i * params.li + l * params.ll] * f * R[b * params.rb + l * params.rl + j * params.rj];
  }
  P[e] = acc;
}`,
);

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
  runKernel(gpu, STATS, {
    buffers: { D: d, S: out.s, CUT: out.cut, RANK: out.rank },
    params: { batch, k: o.k, atol: attrs.atol, rtol: attrs.rtol },
    workgroups: dispatch1D(batch, 64),
    loops: 2 * o.k,
  });
  const total = batch * o.rows * o.cols;
  const [lb, li, ll] = o.l;
  const [rb, rl, rj] = o.r;
  runKernel(gpu, ASSEMBLE, {
    buffers: { L, D: d, R, CUT: out.cut, P: out.p },
    params: { batch, rows: o.rows, cols: o.cols, k: o.k, lb, li, ll, rb, rl, rj },
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
    const w = gpu.alloc(a.dtype, batch * n);
    const v = gpu.alloc(a.dtype, batch * n * n);
    scratch.push(w, v);
    eighGpu(gpu, a.storage, batch, n, false, w, v, info.storage);
    assembleGpu(gpu, v, w, v, batch, o, attrs, outs);
  } else {
    const u = gpu.alloc(a.dtype, batch * m * k);
    const sv = gpu.alloc(a.dtype, batch * k);
    const vh = gpu.alloc(a.dtype, batch * k * n);
    scratch.push(u, sv, vh);
    svdGpu(gpu, a.storage, batch, m, n, u, sv, vh, { fullMatrices: false, computeUV: true }, info.storage);
    assembleGpu(gpu, vh, sv, u, batch, o, attrs, outs);
  }
  for (const t of scratch) gpu.free(t);
}
