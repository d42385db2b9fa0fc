import { noGrad } from '../../autograd/grad-mode.js';
import type { GpuStorage, StorageDType } from '../../backends/backend.js';
import { type FloatArray, luDet, luFactor, luInverse } from '../../backends/cpu/linalg/index.js';
import { svd as svdCpu } from '../../backends/cpu/linalg/svd.js';
import { luDetGpu, luFactorGpu, luInverseGpu } from '../../backends/webgpu/linalg/index.js';
import { svdGpu } from '../../backends/webgpu/linalg/spectral.js';
import type { WebGPURuntime } from '../../backends/webgpu/runtime.js';
import { dispatch1D, wgslParams } from '../../backends/webgpu/runtime.js';
import { eps } from '../../dtype.js';
import { numelOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { fromHost } from '../creation.js';
import { apply1, applyOp, defineOp, type OpDef } from '../registry.js';
import { diagEmbed } from '../shape.js';
import { f32Bits } from '../strided-kernels.js';
import { checkSquare } from './common.js';
import { detOp } from './lu.js';
import { svd } from './svd.js';

/**
 * The cofactor matrix cof(A) = adj(A)ᵀ = det(A)·A⁻ᵀ, the gradient of det. Invertible, well-
 * conditioned matrices take the LU route; singular or nearly singular ones take the SVD route
 * cof(A) = det(U)·det(Vh)·U·diag(∏_{j≠i} s_j)·Vh, which stays finite and exact at singular A.
 */
export const cofactorOp: OpDef<undefined> = defineOp<undefined>({
  name: 'cofactor',
  infer: ([a]) => {
    checkSquare('linalg.det', a);
    return [{ shape: a.shape, dtype: a.dtype }];
  },
  cpu: ([a], [out]) => {
    const n = a.shape[a.shape.length - 1];
    const nn = n * n;
    const batch = nn === 0 ? 0 : a.data.length / nn;
    const lu = new Float64Array(nn);
    const inv = new Float64Array(nn);
    const piv = new Int32Array(n);
    const info = new Int32Array(1);
    const det = new Float64Array(1);
    const tiny = n * eps('float64');
    for (let e = 0; e < batch; e++) {
      const ae = Float64Array.from(a.data.subarray(e * nn, (e + 1) * nn));
      luFactor(ae, 1, n, lu, piv, info);
      let umax = 0;
      let dmin = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) umax = Math.max(umax, Math.abs(lu[i * n + j]));
        dmin = Math.min(dmin, Math.abs(lu[i * n + i]));
      }
      const o = e * nn;
      if (info[0] === 0 && dmin > tiny * umax) {
        luDet(lu, piv, 1, n, det);
        luInverse(lu, piv, 1, n, inv);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) out.data[o + i * n + j] = det[0] * inv[j * n + i];
      } else {
        svdCofactor(ae, n, out.data as FloatArray, o);
      }
    }
  },
  webgpu: (gpu, [a], [out]) => {
    const n = a.shape[a.shape.length - 1];
    const batch = n === 0 ? 0 : a.storage.length / (n * n);
    cofactorGpu(gpu, a.storage, batch, n, out.storage);
  },
  // The Hessian of det applied to G, from the SVD: exact and finite at singular A too.
  backward: (c, [g]) => [detHessian(c.inputs[0], g!)],
});

/**
 * gA = ∂⟨G, cof(A)⟩/∂A, the Hessian of det applied to G. With A = U S Vh, c = det(U)·det(Vh) = ±1,
 * G̃ = Uᵀ G Vhᵀ and P_ij = ∏_{k∉{i,j}} s_k, the second-order term of det(S + Ẽ) gives
 * d²det[E, G] = c Σ_{i≠j} P_ij (Ẽ_ii G̃_jj − Ẽ_ij G̃_ji); so in the SVD frame
 * g̃_ii = Σ_{k≠i} P_ik G̃_kk, g̃_ij = −P_ij G̃_ji (i ≠ j), and gA = c U g̃ Vh. It holds for any SVD
 * (repeated or zero singular values included) and never divides, unlike det·(⟨G, X⟩X − X Gᵀ X)
 * with X = A⁻ᵀ, which is NaN at singular A.
 */
function detHessian(a: Tensor, g: Tensor): Tensor {
  const n = a.shape[a.ndim - 1];
  if (n === 0) return g.mul(0);
  const { U, S, Vh } = svd(a);
  const sign = noGrad(() => detForCofactor(U.detach()).mul(detForCofactor(Vh.detach())));
  // P = ∏_k (s_k off row k and column k, 1 on them), built without division so zeros are exact.
  // masks[k] is 1 on row k and column k; uploaded once for all k.
  const host = a.dtype === 'float32' ? new Float32Array(n * n * n) : new Float64Array(n * n * n);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) host[k * n * n + i * n + k] = host[k * n * n + k * n + i] = 1;
  const masks = fromHost(host, [n, n, n], a.device);
  let P: Tensor | null = null;
  for (let k = 0; k < n; k++) {
    const on = masks.narrow(0, k, 1).squeeze(0);
    const factor = S.narrow(-1, k, 1).unsqueeze(-1).mul(on.neg().add(1)).add(on);
    P = P ? P.mul(factor) : factor;
  }
  const off = P!.mul(eyeLike(a).neg().add(1));
  const gt = U.mT.matmul(g).matmul(Vh.mT);
  const diag = off.matmul(gt.diagonal(0, -2, -1).unsqueeze(-1)).squeeze(-1);
  const inner = diagEmbed(diag).sub(off.mul(gt.mT));
  return U.matmul(inner).matmul(Vh).mul(sign.unsqueeze(-1).unsqueeze(-1));
}

/**
 * cof(A) on the device, per batch element by the same rule as the CPU: det·A⁻ᵀ from the LU
 * factors when no pivot is tiny, otherwise det(U)·det(Vh)·U·diag(∏_{j≠i} s_j)·Vh from the SVD.
 * Both routes are computed for the whole batch; a final kernel picks one per element.
 */
function cofactorGpu(gpu: WebGPURuntime, a: GpuStorage, batch: number, n: number, out: GpuStorage): void {
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

/** cof(A) through the SVD, for one n×n float64 matrix, written into out[o..]. */
function svdCofactor(a: Float64Array, n: number, out: FloatArray, o: number): void {
  const u = new Float64Array(n * n);
  const s = new Float64Array(n);
  const vh = new Float64Array(n * n);
  svdCpu(a, 1, n, n, u, s, vh, { fullMatrices: true, computeUV: true }, new Int32Array(1));
  // ∏_{j≠i} s_j by prefix and suffix products (no division, exact when some s_j = 0).
  const p = new Float64Array(n);
  let acc = 1;
  for (let i = 0; i < n; i++) {
    p[i] = acc;
    acc *= s[i];
  }
  acc = 1;
  for (let i = n - 1; i >= 0; i--) {
    p[i] *= acc;
    acc *= s[i];
  }
  const sign = detSign(u, n) * detSign(vh, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let k = 0; k < n; k++) t += u[i * n + k] * p[k] * vh[k * n + j];
      out[o + i * n + j] = sign * t;
    }
  }
}

/** The determinant's sign of an orthogonal matrix (±1), from its LU factorization. */
function detSign(q: Float64Array, n: number): number {
  const lu = new Float64Array(n * n);
  const piv = new Int32Array(n);
  const d = new Float64Array(1);
  luFactor(q, 1, n, lu, piv, new Int32Array(1));
  luDet(lu, piv, 1, n, d);
  return d[0] < 0 ? -1 : 1;
}

export function cofactor(a: Tensor): Tensor {
  return apply1(cofactorOp, [a], undefined);
}

/**
 * The rows × cols identity (default the trailing n×n of `like`), on `like`'s device and dtype
 * (broadcasts over batches).
 */
export function eyeLike(like: Tensor, rows?: number, cols?: number): Tensor {
  const n = like.shape[like.ndim - 1];
  const [r, c] = [rows ?? n, cols ?? n];
  const data = like.dtype === 'float32' ? new Float32Array(r * c) : new Float64Array(r * c);
  for (let i = 0; i < Math.min(r, c); i++) data[i * c + i] = 1;
  return fromHost(data, [r, c], like.device);
}

/**
 * The m×m permutation matrix P of A = P L U (A m×n) from its k = min(m, n) LAPACK pivots (the
 * swaps applied in reverse to the identity).
 */
export const pivotsOp = defineOp<{ dtype: StorageDType; m: number }>({
  name: 'luPivotsToPermutation',
  infer: ([p], { dtype, m }) => [{ shape: [...p.shape.slice(0, -1), m, m], dtype }],
  cpu: ([p], [out], { m }) => {
    const k = p.shape[p.shape.length - 1];
    const batch = numelOf(p.shape.slice(0, -1));
    const perm = new Int32Array(m);
    for (let e = 0; e < batch; e++) {
      for (let i = 0; i < m; i++) perm[i] = i;
      // Row i of P·(LU) is row perm[i] of LU; swaps applied last-to-first build P from I.
      for (let q = k - 1; q >= 0; q--) {
        const r = p.data[e * k + q] - 1;
        const t = perm[q];
        perm[q] = perm[r];
        perm[r] = t;
      }
      for (let i = 0; i < m; i++) out.data[e * m * m + i * m + perm[i]] = 1;
    }
  },
  webgpu: (gpu, [p], [out], { m }) => {
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
  },
  backward: 'not-differentiable',
});

/** P (…, m, m) from the pivots (…, k) of an m-row matrix. */
export function pivotsToPermutation(pivots: Tensor, m: number, dtype: StorageDType): Tensor {
  return apply1(pivotsOp, [pivots], { dtype, m });
}

function detForCofactor(a: Tensor): Tensor {
  return applyOp(detOp, [a], undefined)[0];
}
