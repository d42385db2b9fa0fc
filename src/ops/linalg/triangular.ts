import {
  type FloatArray,
  solveTriangular as solveTriangularCpu,
  type TriangularOptions,
} from '../../backends/cpu/linalg/index.js';
import { poisonNonFiniteCpu, type Region, squares } from '../../backends/cpu/linalg/nonfinite.js';
import { poisonNonFiniteGpu } from '../../backends/webgpu/kernels/nonfinite.js';
import { solveTriangularGpu } from '../../backends/webgpu/linalg/index.js';
import type { Tensor } from '../../tensor.js';
import { apply1, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
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
