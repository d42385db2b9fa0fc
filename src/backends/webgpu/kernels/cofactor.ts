import { eps } from '../../../dtype.js';
import { numelOf } from '../../../shape.js';
import type { GpuStorage, GpuView } from '../../backend.js';
import { luDetGpu, luFactorGpu, luInverseGpu } from '../linalg/index.js';
import { svdGpu } from '../linalg/spectral.js';
import { dispatch1D, type WebGPURuntime, wgslParams } from '../runtime.js';
import { f32Bits } from './strided.js';

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
  const f32 = (len: number) => gpu.alloc('float32', len);
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
    const params = Uint32Array.from([n, batch, f32Bits(n * eps('float32'))]);
    const run = (code: string, inputs: GpuStorage[], output: GpuStorage, items: number) =>
      gpu.run({ code, inputs, outputs: [output], params, workgroups: dispatch1D(items, 64), loops: 2 * n });
    run(COFACTOR_ROWS_WGSL, [lu], rowmax, batch * n);
    gpu.run({
      code: COFACTOR_PROD_WGSL,
      inputs: [s],
      outputs: [prod],
      params,
      workgroups: dispatch1D(batch * n, 64),
      loops: n,
    });
    run(COFACTOR_ROUTE_WGSL, [lu, rowmax, du, dv], route, batch);
    run(COFACTOR_WGSL, [inv, det, u, prod, vh, route], out, batch * nn);
  } finally {
    for (const t of [...temps, rowmax, prod, route]) gpu.free(t);
  }
}

/** A cofactor kernel over `items` invocations (index k), with the given storage bindings in order. */
const head = (label: string, bindings: string[], items: string) =>
  `// cofactor: ${label}
${bindings.map((b, i) => `@group(0) @binding(${i}) var<storage, ${b};`).join('\n')}
${wgslParams(bindings.length)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + (gid.y + gid.z * nwg.y) * nwg.x * 64u;
  let n = pu(0u);
  if (k >= ${items}) { return; }`;

/** Per row r of each LU factor: max_{c ≥ r} |U[r, c]|. */
const COFACTOR_ROWS_WGSL = `${head('row maxima of U', ['read> LU: array<f32>', 'read_write> ROWMAX: array<f32>'], 'pu(1u) * n')}
  let r = k % n;
  let base = (k / n) * n * n;
  var umax = 0.0;
  for (var c = r; c < n; c++) { umax = max(umax, abs(LU[base + r * n + c])); }
  ROWMAX[k] = umax;
}`;

/** Per singular value q of each matrix: ∏_{l≠q} s_l. */
const COFACTOR_PROD_WGSL = `${head('products of the other singular values', ['read> S: array<f32>', 'read_write> PROD: array<f32>'], 'pu(1u) * n')}
  let q = k % n;
  let e = k / n;
  var prod = 1.0;
  for (var l = 0u; l < n; l++) { if (l != q) { prod *= S[e * n + l]; } }
  PROD[k] = prod;
}`;

/**
 * Per matrix: 2 when the LU route is safe (no pivot tiny relative to the largest entry of U),
 * else the SVD route's sign det(U)·det(Vh) = ±1.
 */
const COFACTOR_ROUTE_WGSL = `${head(
  'route',
  [
    'read> LU: array<f32>',
    'read> ROWMAX: array<f32>',
    'read> DU: array<f32>',
    'read> DV: array<f32>',
    'read_write> ROUTE: array<f32>',
  ],
  'pu(1u)',
)}
  var umax = 0.0;
  var dmin = 3.4e38;
  for (var r = 0u; r < n; r++) {
    umax = max(umax, ROWMAX[k * n + r]);
    dmin = min(dmin, abs(LU[k * n * n + r * n + r]));
  }
  ROUTE[k] = select(select(1.0, -1.0, (DU[k] < 0.0) != (DV[k] < 0.0)), 2.0, dmin > pf(2u) * umax);
}`;

/** cof(A) per entry: det·A⁻ᵀ (LU route) or Σ_q U[i,q]·(∏_{l≠q} s_l)·Vh[q,j], times ±1 (SVD route). */
const COFACTOR_WGSL = `${head(
  'entries',
  [
    'read> INV: array<f32>',
    'read> DET: array<f32>',
    'read> U: array<f32>',
    'read> PROD: array<f32>',
    'read> VH: array<f32>',
    'read> ROUTE: array<f32>',
    'read_write> OUT: array<f32>',
  ],
  'pu(1u) * n * n',
)}
  let nn = n * n;
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
  OUT[k] = route * acc;
}`;

/** The device version of pivotsToPermutationCpu. */
export function pivotsToPermutationGpu(gpu: WebGPURuntime, p: GpuView, out: GpuView, m: number): void {
  const k = p.shape[p.shape.length - 1];
  const batch = numelOf(p.shape.slice(0, -1));
  gpu.run({
    code: `// lu pivots to permutation
@group(0) @binding(0) var<storage, read> piv: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
${wgslParams(2)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
// One invocation per row i of a matrix e: its 1 is in column perm[i], found by following where
// the swaps (applied to the identity from q = kp − 1 down to 0) moved the entry now at i.
let g = gid.x + (gid.y + gid.z * nwg.y) * nwg.x * 64u;
let n = pu(0u);
if (g >= pu(1u)) { return; }
let kp = pu(2u);
let e = g / n;
let i = g % n;
var pos = i;
for (var q = 0u; q < kp; q++) {
  let r = u32(piv[e * kp + q] - 1);
  if (pos == q) { pos = r; } else if (pos == r) { pos = q; }
}
for (var j = 0u; j < n; j++) { out[g * n + j] = select(0.0, 1.0, j == pos); }
}`,
    inputs: [p.storage],
    outputs: [out.storage],
    params: Uint32Array.from([m, batch * m, k]),
    workgroups: dispatch1D(batch * m, 64),
    loops: k + m,
  });
}
