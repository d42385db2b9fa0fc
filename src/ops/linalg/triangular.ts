import { forwardADActive } from '../../autograd/forward-ad.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import {
  type FloatArray,
  solveTriangular as solveTriangularCpu,
  type TriangularOptions,
} from '../../backends/cpu/linalg/index.js';
import { poisonNonFiniteCpu, type Region, squares } from '../../backends/cpu/linalg/nonfinite.js';
import { solveTriangularGradA } from '../../backends/cpu/linalg/triangular-grad.js';
import { poisonNonFiniteGpu } from '../../backends/webgpu/kernels/nonfinite.js';
import { solveTriangularGpu } from '../../backends/webgpu/linalg/index.js';
import { numelOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { fromHost } from '../creation.js';
import { allSamples, apply1, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
import { checkFloat, checkSameBatch, checkSquare, matrixDims as dims } from './common.js';

/**
 * Triangular solves A X = B (left) or X A = B (right) for A [..., n, n] and B [..., n, k] / [..., k, n]
 * with equal batch dims; the public wrapper broadcasts. Only the `upper` (or lower) triangle of A is read;
 * NaN or ±inf there gives NaN for that batch element (nonfinite.ts).
 */
export const solveTriangularOp: OpDef<TriangularOptions> = defineBuiltinOp<TriangularOptions>({
  name: 'solveTriangular',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2, 2],
  check: ([a, b]) => {
    checkSquare('linalg.solveTriangular', a);
    checkFloat('linalg.solveTriangular', b.dtype, 'B');
    checkSameBatch('linalg.solveTriangular', a.shape, b.shape);
  },
  shape: ([, b]) => [b],
  cpu: ([a, b], [x], o) => {
    const [batch, n, nrhs] = dims(a.shape, b.shape, o.left);
    solveTriangularCpu(a.data as FloatArray, batch, n, b.data as FloatArray, nrhs, x.data as FloatArray, o);
    poisonNonFiniteCpu(a.data, squares(batch, n), readRegion(o), [
      { data: x.data as FloatArray, size: n * nrhs },
    ]);
  },
  webgpu: (gpu, [a, b], [x], o) => {
    const [batch, n, nrhs] = dims(a.shape, b.shape, o.left);
    solveTriangularGpu(gpu, a.storage, batch, n, b.storage, nrhs, x.storage, o);
    poisonNonFiniteGpu(gpu, a.storage, squares(batch, n), readRegion(o), [
      { storage: x.storage, size: n * nrhs },
    ]);
  },
  // As solve, with gA projected onto the triangle that is read (strictly, when unitriangular):
  // left: gB = A⁻ᴴ G, gA = −gB Xᴴ; right: gB = G A⁻ᴴ, gA = −Xᴴ gB. With `trans` the matrix
  // solved with is E = Aᵀ (a plain transpose): the same formulas give gE, and gA = gEᵀ. The solve
  // with Eᴴ reads conj(A) with `trans` flipped (conj() is the tensor itself for real dtypes).
  backward: (c, [g]) => {
    const [a] = c.inputs;
    const x = c.outputs[0];
    const o = c.attrs;
    const gB = solveTriangularCore(a.conj(), g!, { ...o, upper: !o.upper, trans: !o.trans });
    if (!c.needsInputGrad[0]) return [null, gB];
    const direct = gradACpu(gB, x, o);
    if (direct) return [direct, gB];
    const full = o.left ? gB.matmul(x.mH).neg() : x.mH.matmul(gB).neg();
    const k = o.unitriangular ? 1 : 0;
    const gE = o.upper ? full.triu(k) : full.tril(-k);
    return [o.trans ? gE.mT : gE, gB];
  },
  // With E the matrix solved with (A, or Aᵀ with `trans`) and dE its tangent projected onto the
  // triangle read (strictly, when unitriangular): left dX = E⁻¹(dB − dE X), right
  // dX = (dB − X dE) E⁻¹, each one more solve with the same A and options.
  jvp: (c, [dA, dB]) => {
    const o = c.attrs;
    const x = c.outputs[0];
    let rhs = dB;
    if (dA) {
      const k = o.unitriangular ? 1 : 0;
      const dE = o.trans ? dA.mT : dA;
      const proj = o.upper ? dE.triu(k) : dE.tril(-k);
      const term = o.left ? proj.matmul(x) : x.matmul(proj);
      rhs = rhs ? rhs.sub(term) : term.neg();
    }
    return [rhs ? solveTriangularCore(c.inputs[0], rhs, o) : null];
  },
});

/** Right-hand sides up to this many take gradACpu's loop (more: the product's GEMM). */
const GRAD_A_MAX_RHS = 4;

/**
 * The backward's gA for float64 on the CPU when nothing records it (no graph, no dual level, no
 * vmap) and the right-hand sides are few: one pass over the triangle (triangular-grad.ts)
 * instead of the outer product, neg, the projection and the transpose as n×n tensors; null
 * otherwise.
 */
function gradACpu(gB: Tensor, x: Tensor, o: TriangularOptions): Tensor | null {
  if (gB.device !== 'cpu' || gB.dtype !== 'float64' || x.dtype !== 'float64') return null;
  if (isGradEnabled() || forwardADActive() || allSamples(gB) !== gB || allSamples(x) !== x) return null;
  const nd = x.shape.length;
  const [n, k] = o.left ? [x.shape[nd - 2], x.shape[nd - 1]] : [x.shape[nd - 1], x.shape[nd - 2]];
  if (k > GRAD_A_MAX_RHS) return null;
  const batch = numelOf(x.shape.slice(0, -2));
  const out = new Float64Array(batch * n * n);
  const [gd, xd] = [gB.cpuView().data as Float64Array, x.cpuView().data as Float64Array];
  solveTriangularGradA(gd, xd, batch, n, k, o.left, o.upper, o.unitriangular, o.trans === true, out);
  return fromHost(out, [...x.shape.slice(0, -2), n, n], 'cpu');
}

/** The part of A a triangular solve reads (the other triangle of A when it is read transposed). */
const readRegion = (o: TriangularOptions): Region => ({
  upper: o.trans ? !o.upper : o.upper,
  skipDiagonal: o.unitriangular,
});

/**
 * The solve op; `trans: true` solves with Aᵀ (the CPU kernel reads A in place, so backward
 * formulas need not materialise a transpose; on WebGPU the transpose is taken first).
 */
export function solveTriangularCore(a: Tensor, b: Tensor, o: TriangularOptions): Tensor {
  if (o.trans && a.device !== 'cpu') return apply1(solveTriangularOp, [a.mT, b], { ...o, trans: false });
  return apply1(solveTriangularOp, [a, b], o);
}
