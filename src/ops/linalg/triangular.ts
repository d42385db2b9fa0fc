import {
  type FloatArray,
  solveTriangular as solveTriangularCpu,
  type TriangularOptions,
} from '../../backends/cpu/linalg/index.js';
import { solveTriangularGpu } from '../../backends/webgpu/linalg/index.js';
import type { Tensor } from '../../tensor.js';
import { apply1, defineOp, type OpDef } from '../registry.js';
import { checkFloat, checkSameBatch, checkSquare, matrixDims as dims } from './common.js';
import { poisonNonFiniteCpu, poisonNonFiniteGpu, type Region, squares } from './nonfinite.js';

/**
 * Triangular solves A X = B (left) or X A = B (right) for A [..., n, n] and B [..., n, k] / [..., k, n]
 * with equal batch dims; the public wrapper broadcasts. Only the `upper` (or lower) triangle of A is read;
 * NaN or ±inf there gives NaN for that batch element (nonfinite.ts).
 */
export const solveTriangularOp: OpDef<TriangularOptions> = defineOp<TriangularOptions>({
  name: 'solveTriangular',
  infer: ([a, b]) => {
    checkSquare('linalg.solveTriangular', a);
    checkFloat('linalg.solveTriangular', b.dtype, 'B');
    checkSameBatch('linalg.solveTriangular', a.shape, b.shape);
    return [{ shape: b.shape, dtype: a.dtype }];
  },
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
  // left: gB = A⁻ᴴ G, gA = −gB Xᴴ; right: gB = G A⁻ᴴ, gA = −Xᴴ gB.
  backward: (c, [g]) => {
    const [a] = c.inputs;
    const x = c.outputs[0];
    const o = c.attrs;
    const gB = solveTriangularCore(a.mT, g!, { ...o, upper: !o.upper });
    if (!c.needsInputGrad[0]) return [null, gB];
    const full = o.left ? gB.matmul(x.mT).neg() : x.mT.matmul(gB).neg();
    const k = o.unitriangular ? 1 : 0;
    return [o.upper ? full.triu(k) : full.tril(-k), gB];
  },
});

/** The part of A a triangular solve reads. */
const readRegion = (o: TriangularOptions): Region => ({ upper: o.upper, skipDiagonal: o.unitriangular });

export function solveTriangularCore(a: Tensor, b: Tensor, o: TriangularOptions): Tensor {
  return apply1(solveTriangularOp, [a, b], o);
}
