import type { CpuView, GpuView } from '../../backends/backend.js';
import {
  type FloatArray,
  luDet,
  luFactor,
  luInverse,
  luSlogdet,
  luSolve,
} from '../../backends/cpu/linalg/index.js';
import {
  luDetGpu,
  luFactorGpu,
  luInverseGpu,
  luSlogdetGpu,
  luSolveGpu,
} from '../../backends/webgpu/linalg/index.js';
import type { WebGPURuntime } from '../../backends/webgpu/runtime.js';
import { allocArray } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';
import { applyOp, defineOp, type OpDef } from '../registry.js';
import { cofactor, eyeLike, pivotsToPermutation } from './cofactor.js';
import { checkFloat, checkSameBatch, checkSquare, matrixDims as dims } from './common.js';
import { poisonNonFiniteCpu, poisonNonFiniteGpu, type Region } from './nonfinite.js';
import { solveTriangularCore } from './triangular.js';

/**
 * The LU family: lu_factor, inv, solve, det, slogdet. Each CPU kernel factors with partial
 * pivoting (src/backends/cpu/linalg/lu.ts); each WGSL kernel does the same on the device.
 * A batch element whose A holds NaN or ±inf gets NaN outputs (nonfinite.ts).
 */

const WHOLE: Region = {};

const batchOf = (shape: readonly number[]) => shape.slice(0, -2);

/** Factors on the CPU into scratch arrays (the input is never modified). */
function factorCpu(a: CpuView, batch: number, n: number) {
  const lu = allocArray(a.dtype, a.data.length) as FloatArray;
  const piv = new Int32Array(batch * n);
  const info = new Int32Array(batch);
  luFactor(a.data as FloatArray, batch, n, lu, piv, info);
  return { lu, piv, info };
}

/** Factors on the device into scratch buffers; the caller frees them with `free()`. */
function factorGpu(gpu: WebGPURuntime, a: GpuView, batch: number, n: number, info?: GpuView) {
  const lu = gpu.alloc('float32', batch * n * n);
  const piv = gpu.alloc('int32', batch * n);
  const inf = info?.storage ?? gpu.alloc('int32', batch);
  luFactorGpu(gpu, a.storage, batch, n, lu, piv, inf);
  return {
    lu,
    piv,
    info: inf,
    free: () => {
      gpu.free(lu);
      gpu.free(piv);
      if (!info) gpu.free(inf);
    },
  };
}

// ---- lu_factor --------------------------------------------------------------------------------

/** A = P L U packed as LU (unit L below the diagonal), pivots (1-based, LAPACK order), info. */
export const luFactorOp: OpDef<undefined> = defineOp<undefined>({
  name: 'luFactor',
  infer: ([a]) => {
    checkSquare('linalg.luFactor', a);
    const b = batchOf(a.shape);
    return [
      { shape: a.shape, dtype: a.dtype },
      { shape: [...b, a.shape[a.shape.length - 1]], dtype: 'int32' },
      { shape: b, dtype: 'int32' },
    ];
  },
  cpu: ([a], [lu, piv, info]) => {
    const n = a.shape[a.shape.length - 1];
    const batch = info.data.length;
    luFactor(
      a.data as FloatArray,
      batch,
      n,
      lu.data as FloatArray,
      piv.data as Int32Array,
      info.data as Int32Array,
    );
    poisonNonFiniteCpu(a.data, batch, n, WHOLE, [{ data: lu.data as FloatArray, size: n * n }]);
  },
  webgpu: (gpu, [a], [lu, piv, info]) => {
    const [batch, n] = [numel(info.shape), a.shape[a.shape.length - 1]];
    luFactorGpu(gpu, a.storage, batch, n, lu.storage, piv.storage, info.storage);
    poisonNonFiniteGpu(gpu, a.storage, batch, n, WHOLE, [{ storage: lu.storage, size: n * n }]);
  },
  // A = P L U: with Φ = tril(Lᴴ gL, −1) + triu(gU Uᴴ), gA = P L⁻ᴴ Φ U⁻ᴴ (square case).
  backward: (c, [gLU]) => {
    const [LU, pivots] = c.outputs;
    const L = LU.tril(-1).add(eyeLike(LU));
    const U = LU.triu();
    const phi = L.mT.matmul(gLU!.tril(-1)).tril(-1).add(gLU!.triu().matmul(U.mT).triu());
    const left = solveTriangularCore(L.mT, phi, { upper: true, left: true, unitriangular: true });
    const y = solveTriangularCore(U.mT, left, { upper: false, left: false, unitriangular: false });
    return [pivotsToPermutation(pivots, c.inputs[0].dtype).matmul(y)];
  },
});

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// ---- inv --------------------------------------------------------------------------------------

/** X = A⁻¹ and info (nonzero: the 1-based index of a zero pivot). */
export const invOp: OpDef<undefined> = defineOp<undefined>({
  name: 'inv',
  infer: ([a]) => {
    checkSquare('linalg.inv', a);
    return [
      { shape: a.shape, dtype: a.dtype },
      { shape: batchOf(a.shape), dtype: 'int32' },
    ];
  },
  cpu: ([a], [x, info]) => {
    const [batch, n] = [info.data.length, a.shape[a.shape.length - 1]];
    const f = factorCpu(a, batch, n);
    (info.data as Int32Array).set(f.info);
    luInverse(f.lu, f.piv, batch, n, x.data as FloatArray);
    poisonNonFiniteCpu(a.data, batch, n, WHOLE, [{ data: x.data as FloatArray, size: n * n }]);
  },
  webgpu: (gpu, [a], [x, info]) => {
    const [batch, n] = [numel(info.shape), a.shape[a.shape.length - 1]];
    const f = factorGpu(gpu, a, batch, n, info);
    luInverseGpu(gpu, f.lu, f.piv, batch, n, x.storage);
    f.free();
    poisonNonFiniteGpu(gpu, a.storage, batch, n, WHOLE, [{ storage: x.storage, size: n * n }]);
  },
  // X = A⁻¹: gA = −Xᴴ G Xᴴ.
  backward: (c, [g]) => {
    const xh = c.outputs[0].mT;
    return [xh.matmul(g!).matmul(xh).neg()];
  },
});

// ---- solve ------------------------------------------------------------------------------------

/** AX = B for A [..., n, n] and B [..., n, k] with equal batch dims (the public wrapper broadcasts). */
export const solveOp: OpDef<undefined> = defineOp<undefined>({
  name: 'solve',
  infer: ([a, b]) => {
    checkSquare('linalg.solve', a);
    checkFloat('linalg.solve', b.dtype, 'B');
    checkSameBatch('linalg.solve', a.shape, b.shape);
    return [
      { shape: b.shape, dtype: a.dtype },
      { shape: batchOf(a.shape), dtype: 'int32' },
    ];
  },
  cpu: ([a, b], [x, info]) => {
    const [batch, n, k] = dims(a.shape, b.shape, true);
    const f = factorCpu(a, batch, n);
    (info.data as Int32Array).set(f.info);
    luSolve(f.lu, f.piv, batch, n, b.data as FloatArray, k, x.data as FloatArray);
    poisonNonFiniteCpu(a.data, batch, n, WHOLE, [{ data: x.data as FloatArray, size: n * k }]);
  },
  webgpu: (gpu, [a, b], [x, info]) => {
    const [batch, n, k] = dims(a.shape, b.shape, true);
    const f = factorGpu(gpu, a, batch, n, info);
    luSolveGpu(gpu, f.lu, f.piv, batch, n, b.storage, k, x.storage);
    f.free();
    poisonNonFiniteGpu(gpu, a.storage, batch, n, WHOLE, [{ storage: x.storage, size: n * k }]);
  },
  // AX = B: gB = A⁻ᴴ G (a solve with Aᴴ), gA = −gB Xᴴ.
  backward: (c, [g]) => {
    const [a] = c.inputs;
    const gB = solveCore(a.mT, g!);
    return [c.needsInputGrad[0] ? gB.matmul(c.outputs[0].mT).neg() : null, gB];
  },
});

/** The solve op without error checks (for backward formulas, where A is known invertible). */
export function solveCore(a: Tensor, b: Tensor): Tensor {
  return applyOp(solveOp, [a, b], undefined)[0];
}

// ---- det and slogdet --------------------------------------------------------------------------

export const detOp: OpDef<undefined> = defineOp<undefined>({
  name: 'det',
  infer: ([a]) => {
    checkSquare('linalg.det', a);
    return [{ shape: batchOf(a.shape), dtype: a.dtype }];
  },
  cpu: ([a], [d]) => {
    const [batch, n] = [d.data.length, a.shape[a.shape.length - 1]];
    const f = factorCpu(a, batch, n);
    luDet(f.lu, f.piv, batch, n, d.data as FloatArray);
    poisonNonFiniteCpu(a.data, batch, n, WHOLE, [{ data: d.data as FloatArray, size: 1 }]);
  },
  webgpu: (gpu, [a], [d]) => {
    const [batch, n] = [numel(d.shape), a.shape[a.shape.length - 1]];
    const f = factorGpu(gpu, a, batch, n);
    luDetGpu(gpu, f.lu, f.piv, batch, n, d.storage);
    f.free();
    poisonNonFiniteGpu(gpu, a.storage, batch, n, WHOLE, [{ storage: d.storage, size: 1 }]);
  },
  // d det(A) = cof(A) : dA, where cof(A) = det(A) A⁻ᵀ, computed stably also for singular A.
  backward: (c, [g]) => [g!.unsqueeze(-1).unsqueeze(-1).mul(cofactor(c.inputs[0]))],
});

export const slogdetOp: OpDef<undefined> = defineOp<undefined>({
  name: 'slogdet',
  infer: ([a]) => {
    checkSquare('linalg.slogdet', a);
    const b = batchOf(a.shape);
    return [
      { shape: b, dtype: a.dtype },
      { shape: b, dtype: a.dtype },
    ];
  },
  cpu: ([a], [sign, lad]) => {
    const [batch, n] = [sign.data.length, a.shape[a.shape.length - 1]];
    const f = factorCpu(a, batch, n);
    luSlogdet(f.lu, f.piv, batch, n, sign.data as FloatArray, lad.data as FloatArray);
    const outs = [sign, lad].map((t) => ({ data: t.data as FloatArray, size: 1 }));
    poisonNonFiniteCpu(a.data, batch, n, WHOLE, outs);
  },
  webgpu: (gpu, [a], [sign, lad]) => {
    const [batch, n] = [numel(sign.shape), a.shape[a.shape.length - 1]];
    const f = factorGpu(gpu, a, batch, n);
    luSlogdetGpu(gpu, f.lu, f.piv, batch, n, sign.storage, lad.storage);
    f.free();
    const outs = [sign, lad].map((t) => ({ storage: t.storage, size: 1 }));
    poisonNonFiniteGpu(gpu, a.storage, batch, n, WHOLE, outs);
  },
  // log|det A| has gradient A⁻ᴴ; the sign is piecewise constant (no gradient for real inputs).
  backward: (c, [, g]) => (g ? [g.unsqueeze(-1).unsqueeze(-1).mul(invCore(c.inputs[0]).mT)] : [null]),
});

/** inv without error checks (for backward formulas). */
export function invCore(a: Tensor): Tensor {
  return applyOp(invOp, [a], undefined)[0];
}

export const luOps = { luFactor: luFactorOp, inv: invOp, solve: solveOp, det: detOp, slogdet: slogdetOp };
