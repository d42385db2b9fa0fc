import { bmmCpu } from '../backends/cpu/matmul.js';
import { bmmComplexCpu } from '../backends/cpu/matmul-complex.js';
import { bmmGpu } from '../backends/webgpu/kernels/matmul.js';
import { bmmComplexGpu } from '../backends/webgpu/kernels/matmul-complex.js';
import { floatDtypes, isComplex, promoteTypes } from '../dtype.js';
import { broadcastShapes, numelOf, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './misc.js';
import { apply1, defineBuiltinOp, requireFloat } from './registry.js';
import { expand, permute, reshape, squeeze, unsqueeze } from './shape.js';

/** Batched matrix product of [B, m, k] and [B, k, n] (same dtype); matmul reduces everything to this. */
export const bmmOp = defineBuiltinOp<undefined>({
  name: 'matmul',
  dtypes: [...floatDtypes, 'complex64', 'complex128'],
  dtypeCheck: 'op', // requireFloat's message for real inputs, as before complex
  check: (ins) => {
    if (!ins.some((t) => isComplex(t.dtype))) return requireFloat('matmul', ins);
    if (ins[0].dtype !== ins[1].dtype) {
      throw new TypeError(`matmul: expected operands of one dtype, got ${ins[0].dtype} and ${ins[1].dtype}`);
    }
  },
  coreRanks: [2, 2], // [B, m, k] · [B, k, n]: the public matmul broadcasts and flattens the batch
  shape: ([[m], [, n]]) => [[m, n]],
  cpu: ([a, b], [c]) => (isComplex(a.dtype) ? bmmComplexCpu(a, b, c) : bmmCpu(a, b, c)),
  webgpu: (gpu, [a, b], [c]) => (a.complex ? bmmComplexGpu(gpu, a, b, c) : bmmGpu(gpu, a, b, c)),
  // gA = G Bᴴ, gB = Aᴴ G (.mH is .mT for real dtypes).
  backward: (c, [g]) => {
    const [a, b] = c.inputs;
    return [c.needsInputGrad[0] ? bmm(g!, b.mH) : null, c.needsInputGrad[1] ? bmm(a.mH, g!) : null];
  },
  // d(AB) = dA B + A dB.
  jvp: (c, [dA, dB]) => {
    const [a, b] = c.inputs;
    const left = dA ? bmm(dA, b) : null;
    const right = dB ? bmm(a, dB) : null;
    return [left && right ? left.add(right) : (left ?? right)];
  },
  // The kernel takes exactly [B, m, k]. With one operand batched, the V samples become more rows
  // of A (or columns of B): one product per B, the other operand used as it is. With both, the
  // vmapped dim folds into B.
  vmap: ([a, b], batched, _, size) => {
    const [B, m, k] = a.shape.slice(-3);
    const n = b.shape[b.ndim - 1];
    if (batched[0] && !batched[1]) {
      const rows = B === 1 ? a : permute(a, [1, 0, 2, 3]); // [B, V, m, k]
      const c = reshape(bmm(reshape(rows, [B, size * m, k]), b), [B, size, m, n]);
      return [B === 1 ? reshape(c, [size, 1, m, n]) : permute(c, [1, 0, 2, 3])];
    }
    if (!batched[0] && batched[1]) {
      const cols = reshape(permute(b, [1, 2, 0, 3]), [B, k, size * n]); // [B, k, V·n]
      return [permute(reshape(bmm(a, cols), [B, m, size, n]), [2, 0, 1, 3])];
    }
    const flat = (x: Tensor) => reshape(x, [size * B, ...x.shape.slice(-2)]);
    return [reshape(bmm(flat(a), flat(b)), [size, B, m, n])];
  },
});

export const matmulOps = { bmm: bmmOp };

function bmm(a: Tensor, b: Tensor): Tensor {
  return apply1(bmmOp, [a, b], undefined);
}

/**
 * torch.matmul: dot, matrix-vector, vector-matrix, and batched products with broadcast batch dims.
 * @example
 * matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])); // tensor([3., 7.])
 * matmul(randn([10, 3, 4]), randn([4, 5])).shape; // [10, 3, 5] (batched, broadcast)
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(
      `matmul: both arguments need at least 1 dimension, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`,
    );
  }
  const dt = promoteTypes(a.dtype, b.dtype);
  if (a.dtype !== dt) a = cast(a, dt);
  if (b.dtype !== dt) b = cast(b, dt);
  const av = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const bv = b.ndim === 1 ? unsqueeze(b, -1) : b;
  const [m, k] = av.shape.slice(-2);
  const [k2, n] = bv.shape.slice(-2);
  if (k !== k2) {
    throw new RangeError(
      `matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied (${m}x${k} and ${k2}x${n}): ` +
        'the last dim of the first must equal the second-to-last dim of the second',
    );
  }
  const batch = broadcastShapes('matmul', av.shape.slice(0, -2), bv.shape.slice(0, -2));
  const B = numelOf(batch);
  const a3 = reshape(expand(av, [...batch, m, k]), [B, m, k]);
  const b3 = reshape(expand(bv, [...batch, k, n]), [B, k, n]);
  let out = reshape(bmm(a3, b3), [...batch, m, n]);
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}
