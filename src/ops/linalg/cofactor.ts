import { noGrad } from '../../autograd/grad-mode.js';
import type { StorageDType } from '../../backends/backend.js';
import { cofactorCpu, pivotsToPermutationCpu } from '../../backends/cpu/linalg/cofactor.js';
import { cofactorGpu, pivotsToPermutationGpu } from '../../backends/webgpu/kernels/cofactor.js';
import type { Tensor } from '../../tensor.js';
import { fromHost } from '../creation.js';
import { apply1, applyOp, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
import { diagEmbed } from '../shape.js';
import { checkSquare } from './common.js';
import { detOp } from './lu.js';
import { svd } from './svd.js';

/**
 * The cofactor matrix cof(A) = adj(A)ᵀ = det(A)·A⁻ᵀ, the gradient of det. Invertible, well-
 * conditioned matrices take the LU route; singular or nearly singular ones take the SVD route
 * cof(A) = det(U)·det(Vh)·U·diag(∏_{j≠i} s_j)·Vh, which stays finite and exact at singular A.
 */
export const cofactorOp: OpDef<undefined> = defineBuiltinOp<undefined>({
  name: 'cofactor',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a]) => void checkSquare('linalg.det', a),
  shape: ([a]) => [a],
  cpu: ([a], [out]) => cofactorCpu(a, out),
  webgpu: (gpu, [a], [out]) => cofactorGpu(gpu, a, out),
  // The Hessian of det applied to G, from the SVD: exact and finite at singular A too.
  backward: (c, [g]) => [detHessian(c.inputs[0], g!)],
  // d cof = ∇²det · dA, and the Hessian of det is symmetric, so the jvp is the backward's rule
  // applied to dA (finite at singular A too).
  jvp: (c, [dA]) => [dA ? detHessian(c.inputs[0], dA) : null],
});

/**
 * gA = ∂⟨G, cof(A)⟩/∂A, the Hessian of det applied to G. With A = U S Vh, c = det(U)·det(Vh) = ±1,
 * G̃ = Uᵀ G Vhᵀ and P_ij = ∏_{k∉{i,j}} s_k, the second-order term of det(S + Ẽ) gives
 * d²det[E, G] = c Σ_{i≠j} P_ij (Ẽ_ii G̃_jj − Ẽ_ij G̃_ji); so in the SVD frame
 * g̃_ii = Σ_{k≠i} P_ik G̃_kk, g̃_ij = −P_ij G̃_ji (i ≠ j), and gA = c U g̃ Vh. It holds for any SVD
 * (repeated or zero singular values included) and never divides, unlike det·(⟨G, X⟩X − X Gᵀ X)
 * with X = A⁻ᵀ, which is NaN at singular A. cof is holomorphic, so for complex A the rule is the
 * conjugate of this one applied to conj(G): G̃ = Uᴴ G Vhᴴ and gA = conj(c)·conj(U)·g̃·conj(Vh)
 * (the transpose in g̃_ij = −P_ij G̃_ji stays plain; conj() is the tensor itself for real dtypes).
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
  const gt = U.mH.matmul(g).matmul(Vh.mH);
  const diag = off.matmul(gt.diagonal(0, -2, -1).unsqueeze(-1)).squeeze(-1);
  const inner = diagEmbed(diag).sub(off.mul(gt.mT));
  return U.conj().matmul(inner).matmul(Vh.conj()).mul(sign.conj().unsqueeze(-1).unsqueeze(-1));
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
export const pivotsOp = defineBuiltinOp<{ dtype: StorageDType; m: number }>({
  name: 'luPivotsToPermutation',
  dtypes: ['int32'],
  coreRanks: [1],
  shape: (_, { m }) => [[m, m]],
  outDtypes: (_, { dtype }) => [dtype],
  cpu: ([p], [out], { m }) => pivotsToPermutationCpu(p, out, m),
  webgpu: (gpu, [p], [out], { m }) => pivotsToPermutationGpu(gpu, p, out, m),
  backward: 'not-differentiable',
  jvp: 'not-differentiable',
});

/** P (…, m, m) from the pivots (…, k) of an m-row matrix. */
export function pivotsToPermutation(pivots: Tensor, m: number, dtype: StorageDType): Tensor {
  return apply1(pivotsOp, [pivots], { dtype, m });
}

function detForCofactor(a: Tensor): Tensor {
  return applyOp(detOp, [a], undefined)[0];
}
