import {
  cholesky as choleskyCpu,
  choleskyInverse as choleskyInverseCpu,
  type FloatArray,
} from '../../backends/cpu/linalg/index.js';
import { poisonNonFiniteCpu, squares } from '../../backends/cpu/linalg/nonfinite.js';
import { poisonNonFiniteGpu } from '../../backends/webgpu/kernels/nonfinite.js';
import { choleskyGpu, choleskyInverseGpu } from '../../backends/webgpu/linalg/index.js';
import type { Tensor } from '../../tensor.js';
import { applyOp, defineOp, type OpDef } from '../registry.js';
import { checkSquare } from './common.js';
import { solveTriangularCore } from './triangular.js';

type Upper = { upper: boolean };
const batchOf = (shape: readonly number[]) => shape.slice(0, -2);
const sizes = (shape: readonly number[]): [number, number] => {
  const n = shape[shape.length - 1];
  return [shape.slice(0, -2).reduce((a, b) => a * b, 1), n];
};

/** A = L Lᴴ (or Uᴴ U with U = Lᴴ): the factor and info (order of the first failing leading minor). */
export const choleskyOp: OpDef<Upper> = defineOp<Upper>({
  name: 'cholesky',
  infer: ([a]) => {
    checkSquare('linalg.cholesky', a);
    return [
      { shape: a.shape, dtype: a.dtype },
      { shape: batchOf(a.shape), dtype: 'int32' },
    ];
  },
  cpu: ([a], [l, info], { upper }) => {
    const [batch, n] = sizes(a.shape);
    choleskyCpu(a.data as FloatArray, batch, n, l.data as FloatArray, info.data as Int32Array, upper);
  },
  webgpu: (gpu, [a], [l, info], { upper }) => {
    const [batch, n] = sizes(a.shape);
    choleskyGpu(gpu, a.storage, batch, n, l.storage, info.storage, upper);
  },
  // T = tril(Lᴴ gL); gA = L⁻ᴴ · ½(T + tril(T, −1)ᴴ) · L⁻¹, by two triangular solves.
  backward: (c, [gOut]) => {
    const upper = c.attrs.upper;
    const L = upper ? c.outputs[0].mT : c.outputs[0];
    const gL = upper ? gOut!.mT : gOut!;
    const t = L.mT.matmul(gL).tril();
    const sym = t.add(t.tril(-1).mT).mul(0.5);
    const left = solveTriangularCore(L, sym, { upper: true, left: true, unitriangular: false, trans: true });
    return [solveTriangularCore(L, left, { upper: false, left: false, unitriangular: false })];
  },
});

/**
 * (L Lᴴ)⁻¹ or (Uᴴ U)⁻¹ from the factor, and info (index of a zero diagonal element); NaN or ±inf
 * in the triangle that is read gives NaN for that batch element (nonfinite.ts).
 */
export const choleskyInverseOp: OpDef<Upper> = defineOp<Upper>({
  name: 'choleskyInverse',
  infer: ([l]) => {
    checkSquare('cholesky_inverse', l, 'input');
    return [
      { shape: l.shape, dtype: l.dtype },
      { shape: batchOf(l.shape), dtype: 'int32' },
    ];
  },
  cpu: ([l], [x, info], { upper }) => {
    const [batch, n] = sizes(l.shape);
    choleskyInverseCpu(l.data as FloatArray, batch, n, upper, x.data as FloatArray, info.data as Int32Array);
    poisonNonFiniteCpu(l.data, squares(batch, n), { upper }, [{ data: x.data as FloatArray, size: n * n }]);
  },
  webgpu: (gpu, [l], [x, info], { upper }) => {
    const [batch, n] = sizes(l.shape);
    choleskyInverseGpu(gpu, l.storage, batch, n, upper, x.storage, info.storage);
    poisonNonFiniteGpu(gpu, l.storage, squares(batch, n), { upper }, [{ storage: x.storage, size: n * n }]);
  },
  // X = (L Lᴴ)⁻¹: C = X (G + Gᴴ) X; gL = −C L (lower) or gU = −U C (upper). Not projected, as PyTorch.
  backward: (c, [g]) => {
    const x = c.outputs[0];
    const f = c.inputs[0];
    const cm = x.matmul(g!.add(g!.mT)).matmul(x);
    return [c.attrs.upper ? f.matmul(cm).neg() : cm.matmul(f).neg()];
  },
});

export function choleskyCore(a: Tensor, upper: boolean): [Tensor, Tensor] {
  const [l, info] = applyOp(choleskyOp, [a], { upper });
  return [l, info];
}
