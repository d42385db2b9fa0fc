import { noGrad } from '../../autograd/grad-mode.js';
import type { StorageDType } from '../../backends/backend.js';
import { countAboveCpu, extremumCpu, nonzeroCpu } from '../../backends/cpu/linalg/norms.js';
import { countAboveGpu, extremumLastGpu, nonzeroGpu } from '../../backends/webgpu/kernels/norms.js';
import { normDim, shapeStr } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { zeros } from '../creation.js';
import { where } from '../elementwise.js';
import { apply1, applyOp, defineBuiltinOp, floatDtypes } from '../registry.js';
import { permute, unsqueeze } from '../shape.js';
import { boolOption, checkFloat, checkMatrix, checkSquare } from './common.js';
import { eigvalsh } from './eigh.js';
import { invOp } from './lu.js';
import { resolveTolerances } from './pinv.js';
import { svdvals } from './svd.js';
import { type ToleranceArg, withTolerances } from './tolerance-args.js';

/**
 * Matrix norms, condition numbers and numerical rank, built from svdvals/eigvalsh/inv and
 * elementwise ops, so their gradients come from those ops' rules. Two small ops live here: the
 * max/min over the last dim (for the 1- and ∞-norms) and two non-differentiable int32 helpers.
 */

/** max (or min) over the last dim; the gradient is shared equally by the tied extremal entries, as torch.amax. */
export const extremumOp = defineBuiltinOp<{ min: boolean }>({
  name: 'amax',
  dtypes: floatDtypes,
  coreRanks: [1],
  shape: () => [[]],
  cpu: ([x], [out], { min }) => extremumCpu(x, out, min),
  webgpu: (gpu, [x], [out], { min }) => extremumLastGpu(gpu, x, out, min),
  // d max(x) = Σ_{i tied} dx_i / (number tied).
  backward: (c, [g]) => {
    const x = c.inputs[0];
    const mask = noGrad(() => x.eq(c.outputs[0].unsqueeze(-1)));
    const count = noGrad(() => mask.sum(-1, true));
    return [mask.mul(g!.unsqueeze(-1).div(count))];
  },
  // The mean of dx over the tied extremal entries (the backward's sharing, forward).
  jvp: (c, [dx]) => {
    if (!dx) return [null];
    const x = c.inputs[0];
    const mask = noGrad(() => x.eq(c.outputs[0].unsqueeze(-1)));
    const count = noGrad(() => mask.sum(-1));
    return [mask.mul(dx).sum(-1).div(count)];
  },
});

/** Number of entries of each row of S (…, k) whose magnitude exceeds max(atol, rtol·max|s|): int32 (…). */
export const countAboveOp = defineBuiltinOp<{ atol: number; rtol: number }>({
  name: 'matrixRankCount',
  dtypes: floatDtypes,
  coreRanks: [1],
  shape: () => [[]],
  outDtypes: () => ['int32'],
  differentiable: [false],
  cpu: ([s], [out], { atol, rtol }) => countAboveCpu(s, out, atol, rtol),
  webgpu: (gpu, [s], [out], { atol, rtol }) => countAboveGpu(gpu, s, out, atol, rtol),
  backward: 'not-differentiable',
  jvp: 'not-differentiable',
});

/** 1 where an int32 info is nonzero, else 0, in a float dtype. */
export const nonzeroOp = defineBuiltinOp<{ dtype: StorageDType }>({
  name: 'infoNonzero',
  dtypes: ['int32'],
  coreRanks: [0],
  shape: () => [[]],
  outDtypes: (_, { dtype }) => [dtype],
  differentiable: [false],
  cpu: ([x], [out]) => nonzeroCpu(x, out),
  webgpu: (gpu, [x], [out]) => nonzeroGpu(gpu, x, out),
  backward: 'not-differentiable',
  jvp: 'not-differentiable',
});

export type MatrixNormOrd = 'fro' | 'nuc' | number;
const ORDS: readonly MatrixNormOrd[] = ['fro', 'nuc', 2, -2, 1, -1, Infinity, -Infinity];

/**
 * sqrt(Σ x²) over the last two dims with a zero (sub)gradient at 0 instead of NaN, as PyTorch.
 * Computed as s·sqrt(Σ (x/s)²) with s = max|x| per matrix (held constant for the gradient, which
 * it does not change), so entries near the ends of the range (1e±300 in float64, 1e±30 in float32)
 * neither overflow nor underflow in the squares, as LAPACK's nrm2.
 */
function frobenius(x: Tensor): Tensor {
  const [m, n] = x.shape.slice(-2);
  if (m * n === 0) return x.square().sum([-2, -1]);
  const s = noGrad(() => {
    const big = apply1(extremumOp, [x.abs().reshape([...x.shape.slice(0, -2), m * n])], { min: false });
    // A zero or non-finite scale would turn x/s into NaN: scale by 1 there (inf/NaN then propagate).
    return where(big.gt(0).mul(big.lt(Infinity)), big, 1);
  });
  const sq = x.div(s.unsqueeze(-1).unsqueeze(-1)).square().sum([-2, -1]);
  const zero = noGrad(() => sq.eq(0));
  return where(zero, 0, where(zero, 1, sq).sqrt()).mul(s);
}

/** The norm of the (…, m, n) matrices in the last two dims of A. */
function lastTwoNorm(A: Tensor, ord: MatrixNormOrd): Tensor {
  const [m, n] = A.shape.slice(-2);
  if (ord === 'fro') return frobenius(A);
  if (ord === 'nuc') return svdvals(A).sum(-1);
  if (Math.min(m, n) === 0) {
    throw new RangeError(
      `linalg.matrixNorm: ord=${ord} is not defined for empty matrices (got ${m} by ${n} matrices); 'fro' and 'nuc' give 0`,
    );
  }
  if (ord === 2 || ord === -2) {
    const s = svdvals(A);
    return s.narrow(-1, ord === 2 ? 0 : s.shape[s.ndim - 1] - 1, 1).squeeze(-1);
  }
  const sums = A.abs().sum(Math.abs(ord) === 1 ? -2 : -1);
  return apply1(extremumOp, [sums], { min: ord < 0 });
}

/**
 * Matrix norm over the two dims `dim` (default the last two), as torch.linalg.matrix_norm:
 * 'fro' (default), 'nuc' (sum of singular values), 2 / −2 (largest / smallest singular value),
 * 1 / −1 (max / min absolute column sum), Infinity / −Infinity (max / min absolute row sum).
 * @example
 * linalg.matrixNorm(tensor([[1, -2], [3, 4]])); // tensor(5.4772) (Frobenius)
 * linalg.matrixNorm(tensor([[1, -2], [3, 4]]), 'nuc'); // tensor(7.0711)
 */
export function matrixNorm(
  A: Tensor,
  ord: MatrixNormOrd = 'fro',
  dim: readonly [number, number] = [-2, -1],
  keepdim = false,
): Tensor {
  const op = 'linalg.matrixNorm';
  if (!ORDS.includes(ord)) {
    throw new RangeError(
      `${op}: Order ${String(ord)} not supported; expected 'fro', 'nuc', 2, -2, 1, -1, Infinity or -Infinity`,
    );
  }
  checkMatrix(op, A);
  if (!Array.isArray(dim) || dim.length !== 2)
    throw new RangeError(`${op}: dim must be a pair of dims, got ${String(dim)}`);
  const d0 = normDim(op, dim[0], A.ndim);
  const d1 = normDim(op, dim[1], A.ndim);
  if (d0 === d1)
    throw new RangeError(
      `${op}: dims must be different, got (${dim[0]}, ${dim[1]}) for shape ${shapeStr(A.shape)}`,
    );
  const keep = boolOption(op, 'keepdim', keepdim, false);
  const rest = [...Array(A.ndim).keys()].filter((d) => d !== d0 && d !== d1);
  const out = lastTwoNorm(permute(A, [...rest, d0, d1]), ord);
  if (!keep) return out;
  return unsqueeze(unsqueeze(out, Math.min(d0, d1)), Math.max(d0, d1));
}

/**
 * Condition number, as torch.linalg.cond: σ_max/σ_min for p = 2 (default; any shape) and
 * σ_min/σ_max for −2, otherwise ‖A‖_p·‖A⁻¹‖_p for square A ('fro', 'nuc', ±1, ±Infinity), which
 * is Infinity for singular matrices.
 * @example
 * linalg.cond(tensor([[1, -2], [3, 4]])); // tensor(2.6180)
 * linalg.cond(tensor([[1, 2], [2, 4]]), 1); // tensor(inf)
 */
export function cond(A: Tensor, p?: MatrixNormOrd): Tensor {
  const op = 'linalg.cond';
  checkMatrix(op, A);
  if (p !== undefined && !ORDS.includes(p)) {
    throw new RangeError(
      `${op}: Order ${String(p)} not supported; expected 'fro', 'nuc', 2, -2, 1, -1, Infinity or -Infinity`,
    );
  }
  if (p === undefined || p === 2 || p === -2) {
    const s = svdvals(A);
    const k = s.shape[s.ndim - 1];
    if (k === 0) return s.sum(-1);
    const big = s.narrow(-1, 0, 1);
    const small = s.narrow(-1, k - 1, 1);
    return (p === -2 ? small.div(big) : big.div(small)).squeeze(-1);
  }
  checkSquare(`${op}(p=${String(p)})`, A);
  checkFloat(op, A.dtype);
  // No matrix to measure: 0, as PyTorch (the 1- and ∞-norms of an empty matrix are undefined).
  if (A.shape[A.ndim - 1] === 0) return zeros(A.shape.slice(0, -2), { dtype: A.dtype, device: A.device });
  const [x, info] = applyOp(invOp, [A], undefined);
  const r = lastTwoNorm(A, p).mul(lastTwoNorm(x, p));
  const singular = apply1(nonzeroOp, [info], { dtype: A.dtype });
  info.dispose();
  // A finite A whose inverse leaves the range (inf entries, then a NaN norm) has κ beyond it too.
  const finite = noGrad(() => A.sub(A).abs().sum([-2, -1]).eq(0));
  const overflow = noGrad(() => r.ne(r).mul(finite));
  return where(singular.add(overflow).gt(0), Infinity, r);
}

/**
 * Numerical rank, as torch.linalg.matrix_rank: the number of singular values (|eigenvalues| when
 * `hermitian`) greater than max(atol, rtol·σ_max), with pinv's defaults for atol and rtol (numbers,
 * or tensors with one tolerance per matrix).
 * Returns int32 (PyTorch: int64); an integer has no gradient.
 * @example
 * linalg.matrixRank(tensor([[1, 2], [2, 4], [3, 6]])); // tensor(1, dtype=int32)
 */
export function matrixRank(
  A: Tensor,
  opts: { atol?: ToleranceArg; rtol?: ToleranceArg; hermitian?: boolean } = {},
): Tensor {
  const op = 'linalg.matrixRank';
  const hermitian = boolOption(op, 'hermitian', opts.hermitian, false);
  if (hermitian) checkSquare(op, A);
  return withTolerances(op, A, opts.atol, opts.rtol, (a, atol, rtol) => {
    const tol = resolveTolerances(op, a, atol, rtol);
    return noGrad(() => {
      const s = hermitian ? eigvalsh(a) : svdvals(a);
      const r = apply1(countAboveOp, [s], tol);
      s.dispose();
      return r;
    });
  });
}
