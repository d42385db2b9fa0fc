import type { StorageDType } from '../../backends/backend.js';
import { type FloatArray, luDet, luFactor, luInverse } from '../../backends/cpu/linalg/index.js';
import { svd } from '../../backends/cpu/linalg/svd.js';
import { luDetGpu, luFactorGpu, luInverseGpu } from '../../backends/webgpu/linalg/index.js';
import { dispatch1D, wgslParams } from '../../backends/webgpu/runtime.js';
import { eps } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';
import { fromHost } from '../creation.js';
import { apply1, applyOp, defineOp, type OpDef } from '../registry.js';
import { checkSquare } from './common.js';
import { detOp, invOp } from './lu.js';

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
    // LU route on the device: det(A)·A⁻ᵀ. A singular element gives non-finite values here.
    const n = a.shape[a.shape.length - 1];
    const batch = n === 0 ? 0 : a.storage.length / (n * n);
    const lu = gpu.alloc('float32', batch * n * n);
    const piv = gpu.alloc('int32', batch * n);
    const info = gpu.alloc('int32', batch);
    const inv = gpu.alloc('float32', batch * n * n);
    const det = gpu.alloc('float32', batch);
    luFactorGpu(gpu, a.storage, batch, n, lu, piv, info);
    luInverseGpu(gpu, lu, piv, batch, n, inv);
    luDetGpu(gpu, lu, piv, batch, n, det);
    gpu.run({
      code: `// cofactor from det and inverse
@group(0) @binding(0) var<storage, read> inv: array<f32>;
@group(0) @binding(1) var<storage, read> det: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${wgslParams(3)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * 64u;
  let n = pu(0u);
  if (k >= pu(1u)) { return; }
  let e = k / (n * n);
  let r = k % (n * n);
  let i = r / n;
  let j = r % n;
  out[k] = det[e] * inv[e * n * n + j * n + i];
}`,
      inputs: [inv, det],
      outputs: [out.storage],
      params: Uint32Array.from([n, batch * n * n]),
      workgroups: dispatch1D(batch * n * n, 64),
    });
    for (const s of [lu, piv, info, inv, det]) gpu.free(s);
  },
  // For invertible A with X = A⁻ᵀ: d⟨G, det·X⟩ gives gA = det·(⟨G, X⟩·X − X Gᵀ X).
  backward: (c, [g]) => {
    const a = c.inputs[0];
    const x = invForCofactor(a).mT;
    const d = detForCofactor(a).unsqueeze(-1).unsqueeze(-1);
    const inner = g!.mul(x).sum([-2, -1], true);
    return [d.mul(inner.mul(x).sub(x.matmul(g!.mT).matmul(x)))];
  },
});

/** cof(A) through the SVD, for one n×n float64 matrix, written into out[o..]. */
function svdCofactor(a: Float64Array, n: number, out: FloatArray, o: number): void {
  const u = new Float64Array(n * n);
  const s = new Float64Array(n);
  const vh = new Float64Array(n * n);
  svd(a, 1, n, n, u, s, vh, { fullMatrices: true, computeUV: true }, new Int32Array(1));
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

/** Identity of the trailing n×n shape of `like`, on its device and dtype (broadcasts over batches). */
export function eyeLike(like: Tensor): Tensor {
  const n = like.shape[like.ndim - 1];
  const data = like.dtype === 'float32' ? new Float32Array(n * n) : new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return fromHost(data, [n, n], like.device);
}

/** The permutation matrix P of A = P L U from LAPACK pivots (applied in reverse to the identity). */
const pivotsOp = defineOp<{ dtype: StorageDType }>({
  name: 'luPivotsToPermutation',
  infer: ([p], { dtype }) => [{ shape: [...p.shape, p.shape[p.shape.length - 1]], dtype }],
  cpu: ([p], [out]) => {
    const n = p.shape[p.shape.length - 1];
    const batch = n === 0 ? 0 : p.data.length / n;
    const perm = new Int32Array(n);
    for (let e = 0; e < batch; e++) {
      for (let i = 0; i < n; i++) perm[i] = i;
      // Row i of P·(LU) is row perm[i] of LU; swaps applied last-to-first build P from I.
      for (let k = n - 1; k >= 0; k--) {
        const q = p.data[e * n + k] - 1;
        const t = perm[k];
        perm[k] = perm[q];
        perm[q] = t;
      }
      for (let i = 0; i < n; i++) out.data[e * n * n + i * n + perm[i]] = 1;
    }
  },
  webgpu: (gpu, [p], [out]) => {
    const n = p.shape[p.shape.length - 1];
    const batch = n === 0 ? 0 : p.storage.length / n;
    gpu.run({
      code: `// lu pivots to permutation
@group(0) @binding(0) var<storage, read> piv: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
${wgslParams(2)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * 64u;
  let n = pu(0u);
  if (e >= pu(1u)) { return; }
  let base = e * n * n;
  for (var i = 0u; i < n * n; i++) { out[base + i] = select(0.0, 1.0, i % (n + 1u) == 0u); }
  for (var k = i32(n) - 1; k >= 0; k--) {
    let q = u32(piv[e * n + u32(k)] - 1);
    if (q != u32(k)) {
      for (var j = 0u; j < n; j++) {
        let t = out[base + u32(k) * n + j];
        out[base + u32(k) * n + j] = out[base + q * n + j];
        out[base + q * n + j] = t;
      }
    }
  }
}`,
      inputs: [p.storage],
      outputs: [out.storage],
      params: Uint32Array.from([n, batch]),
      workgroups: dispatch1D(batch, 64),
    });
  },
  backward: 'not-differentiable',
});

export function pivotsToPermutation(pivots: Tensor, dtype: StorageDType): Tensor {
  return apply1(pivotsOp, [pivots], { dtype });
}

function invForCofactor(a: Tensor): Tensor {
  return applyOp(invOp, [a], undefined)[0];
}
function detForCofactor(a: Tensor): Tensor {
  return applyOp(detOp, [a], undefined)[0];
}
