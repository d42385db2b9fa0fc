import { eps } from '../../../dtype.js';
import { numelOf } from '../../../shape.js';
import type { GpuStorage, GpuView } from '../../backend.js';
import { F32, I32, type Kernel, runKernel, type WgslScalar, wgslKernel } from '../kernel.js';
import { luDetGpu, luFactorGpu, luInverseGpu } from '../linalg/index.js';
import { svdGpu } from '../linalg/spectral.js';
import { dispatch1D, type WebGPURuntime } from '../runtime.js';

/** cof(A) on the device (cofactorPass below). */
export function cofactorGpu(gpu: WebGPURuntime, a: GpuView, out: GpuView): void {
  const n = a.shape[a.shape.length - 1];
  const batch = n === 0 ? 0 : a.storage.length / (n * n);
  cofactorPass(gpu, a.storage, batch, n, out.storage);
}

/**
 * cof(A) on the device, per batch element by the same rule as the CPU: det·A⁻ᵀ from the LU
 * factors when no pivot is tiny, otherwise det(U)·det(Vh)·U·diag(∏_{j≠i} s_j)·Vh from the SVD.
 * Both routes are computed for the whole batch; a final kernel picks one per element.
 */
function cofactorPass(gpu: WebGPURuntime, a: GpuStorage, batch: number, n: number, out: GpuStorage): void {
  const nn = n * n;
  const f32 = (len: number) => gpu.alloc(a.dtype, len);
  const i32 = (len: number) => gpu.alloc('int32', len);
  const [lu, inv, det, u, s, vh, ulu, vlu, du, dv] = [nn, nn, 1, nn, n, nn, nn, nn, 1, 1].map((k) =>
    f32(batch * k),
  );
  const [piv, upiv, vpiv] = [i32(batch * n), i32(batch * n), i32(batch * n)];
  const [info, sinfo, uinfo, vinfo] = [i32(batch), i32(batch), i32(batch), i32(batch)];
  const [rowmax, prod, route] = [f32(batch * n), f32(batch * n), f32(batch)];
  const temps = [lu, inv, det, u, s, vh, ulu, vlu, du, dv, piv, upiv, vpiv, info, sinfo, uinfo, vinfo];
  try {
    luFactorGpu(gpu, a, batch, n, lu, piv, info);
    luInverseGpu(gpu, lu, piv, batch, n, inv);
    luDetGpu(gpu, lu, piv, batch, n, det);
    svdGpu(gpu, a, batch, n, n, u, s, vh, { fullMatrices: true, computeUV: true }, sinfo);
    luFactorGpu(gpu, u, batch, n, ulu, upiv, uinfo);
    luDetGpu(gpu, ulu, upiv, batch, n, du);
    luFactorGpu(gpu, vh, batch, n, vlu, vpiv, vinfo);
    luDetGpu(gpu, vlu, vpiv, batch, n, dv);
    const params = { n, batch, tiny: n * eps('float32') };
    const run = (kernel: Kernel, buffers: Record<string, GpuStorage>, items: number, loops = 2 * n) =>
      runKernel(gpu, kernel, { buffers, params, workgroups: dispatch1D(items, 64), loops });
    run(ROWS, { LU: lu, ROWMAX: rowmax }, batch * n);
    run(PROD, { S: s, PROD: prod }, batch * n, n);
    run(ROUTE, { LU: lu, ROWMAX: rowmax, DU: du, DV: dv, ROUTE: route }, batch);
    run(ENTRIES, { INV: inv, DET: det, U: u, PROD: prod, VH: vh, ROUTE: route, OUT: out }, batch * nn);
  } finally {
    for (const t of [...temps, rowmax, prod, route]) gpu.free(t);
  }
}

/**
 * A cofactor kernel over `items` invocations (index k): the named float buffers, the last one
 * written; params n, batch and tiny (the relative pivot size below which the SVD route is taken).
 */
const cofactorKernel = (label: string, buffers: string[], items: string, body: string, S: WgslScalar = F32) =>
  wgslKernel(
    {
      name: `cofactor: ${label}`,
      inputs: Object.fromEntries(buffers.slice(0, -1).map((b) => [b, S])),
      outputs: { [buffers[buffers.length - 1]]: S },
      params: { n: 'u32', batch: 'u32', tiny: 'f32' },
    },
    `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + (gid.y + gid.z * nwg.y) * nwg.x * 64u;
  let n = params.n;
  if (k >= ${items}) { return; }
${body}
}`,
  );

/** Per row r of each LU factor: max_{c ≥ r} |U[r, c]|. */
const ROWS = cofactorKernel(
  'row maxima of U',
  ['LU', 'ROWMAX'],
  'params.batch * n',
  `  let r = k % n;
  let base = (k / n) * n * n;
  var umax = 0.0;
  for (var c = r; c < n; c++) { umax = max(umax, abs(LU[base + r * n + c])); }
  ROWMAX[k] = umax;`,
);

/** Per singular value q of each matrix: ∏_{l≠q} s_l. */
const PROD = cofactorKernel(
  'products of the other singular values',
  ['S', 'PROD'],
  'params.batch * n',
  `  let q = k % n;
  let e = k / n;
  var prod = 1.0;
  for (var l = 0u; l < n; l++) { if (l != q) { prod *= S[e * n + l]; } }
  PROD[k] = prod;`,
);

/**
 * Per matrix: 2 when the LU route is safe (no pivot tiny relative to the largest entry of U),
 * else the SVD route's sign det(U)·det(Vh) = ±1.
 */
const ROUTE = cofactorKernel(
  'route',
  ['LU', 'ROWMAX', 'DU', 'DV', 'ROUTE'],
  'params.batch',
  `  var umax = 0.0;
  var dmin = 3.4e38;
  for (var r = 0u; r < n; r++) {
    umax = max(umax, ROWMAX[k * n + r]);
    dmin = min(dmin, abs(LU[k * n * n + r * n + r]));
  }
  ROUTE[k] = select(select(1.0, -1.0, (DU[k] < 0.0) != (DV[k] < 0.0)), 2.0, dmin > params.tiny * umax);`,
);

/** cof(A) per entry: det·A⁻ᵀ (LU route) or Σ_q U[i,q]·(∏_{l≠q} s_l)·Vh[q,j], times ±1 (SVD route). */
const ENTRIES = cofactorKernel(
  'entries',
  ['INV', 'DET', 'U', 'PROD', 'VH', 'ROUTE', 'OUT'],
  'params.batch * n * n',
  `  let nn = n * n;
  let e = k / nn;
  let i = (k % nn) / n;
  let j = k % n;
  let base = e * nn;
  let route = ROUTE[e];
  if (route == 2.0) {
    OUT[k] = DET[e] * INV[base + j * n + i];
    return;
  }
  var acc = 0.0;
  for (var q = 0u; q < n; q++) { acc += U[base + i * n + q] * PROD[e * n + q] * VH[base + q * n + j]; }
  OUT[k] = route * acc;`,
);

// One invocation per row i of a matrix e: its 1 is in column perm[i], found by following where
// the swaps (applied to the identity from q = kp − 1 down to 0) moved the entry now at i.
const PIVOTS = wgslKernel(
  {
    name: 'lu pivots to permutation',
    inputs: { piv: I32 },
    outputs: { out: F32 },
    params: { n: 'u32', total: 'u32', kp: 'u32' },
  },
  `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x + (gid.y + gid.z * nwg.y) * nwg.x * 64u;
  let n = params.n;
  if (g >= params.total) { return; }
  let kp = params.kp;
  let e = g / n;
  let i = g % n;
  var pos = i;
  for (var q = 0u; q < kp; q++) {
    let r = u32(piv[e * kp + q] - 1);
    if (pos == q) { pos = r; } else if (pos == r) { pos = q; }
  }
  for (var j = 0u; j < n; j++) { out[g * n + j] = select(${F32.zero}, ${F32.one}, j == pos); }
}`,
);

/** The device version of pivotsToPermutationCpu. */
export function pivotsToPermutationGpu(gpu: WebGPURuntime, p: GpuView, out: GpuView, m: number): void {
  const k = p.shape[p.shape.length - 1];
  const batch = numelOf(p.shape.slice(0, -1));
  runKernel(gpu, PIVOTS, {
    buffers: { piv: p.storage, out: out.storage },
    params: { n: m, total: batch * m, kp: k },
    workgroups: dispatch1D(batch * m, 64),
    loops: k + m,
  });
}
