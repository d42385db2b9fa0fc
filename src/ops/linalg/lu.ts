import type { CpuView, GpuView } from '../../backends/backend.js';
import { type FloatArray, luFactorRect } from '../../backends/cpu/linalg/index.js';
import { detCpu, invCpu, slogdetCpu, solveCpu } from '../../backends/cpu/linalg/lu.js';
import { poisonNonFiniteCpu, type Region, squares } from '../../backends/cpu/linalg/nonfinite.js';
import { invBatched } from '../../backends/cpu/wasm-batched.js';
import { poisonNonFiniteGpu } from '../../backends/webgpu/kernels/nonfinite.js';
import {
  luDetGpu,
  luFactorGpu,
  luFactorRectGpu,
  luInverseGpu,
  luSlogdetGpu,
  luSolveGpu,
} from '../../backends/webgpu/linalg/index.js';
import type { WebGPURuntime } from '../../backends/webgpu/runtime.js';
import { numelOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { zerosLike } from '../creation.js';
import { applyOp, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
import { cat, expandBatch, permute, reshape } from '../shape.js';
import { cofactor, eyeLike, pivotsToPermutation } from './cofactor.js';
import { checkFloat, checkMatrix, checkSameBatch, checkSquare, matrixDims as dims } from './common.js';
import { solveTriangularCore } from './triangular.js';

/**
 * The LU family: lu_factor, inv, solve, det, slogdet. Each CPU kernel factors with partial
 * pivoting (src/backends/cpu/linalg/lu.ts); each WGSL kernel does the same on the device.
 * A batch element whose A holds NaN or ±inf gets NaN outputs (nonfinite.ts).
 */

const WHOLE: Region = {};

/**
 * The CPU kernels factor into scratch (the input is never modified) and write only the result;
 * a matrix with NaN or ±inf then gets all-NaN outputs (what its all-NaN LU would give).
 */
function poisonCpu(a: CpuView, batch: number, n: number, ...outs: { data: unknown; size: number }[]): void {
  const outputs = outs.map((o) => ({ data: o.data as FloatArray, size: o.size }));
  poisonNonFiniteCpu(a.data, squares(batch, n), WHOLE, outputs);
}

/** Factors on the device into scratch buffers (NaN LU as factorCpu); the caller frees them with `free()`. */
function factorGpu(gpu: WebGPURuntime, a: GpuView, batch: number, n: number, info?: GpuView) {
  const lu = gpu.alloc('float32', batch * n * n);
  const piv = gpu.alloc('int32', batch * n);
  const inf = info?.storage ?? gpu.alloc('int32', batch);
  luFactorGpu(gpu, a.storage, batch, n, lu, piv, inf);
  poisonNonFiniteGpu(gpu, a.storage, squares(batch, n), WHOLE, [{ storage: lu, size: n * n }]);
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

/**
 * A = P L U for A (…, m, n), packed as LU (…, m, n) with the unit lower-trapezoidal L (m×k)
 * below the diagonal and the upper-trapezoidal U (k×n) on and above it, k = min(m, n); pivots
 * (…, k; 1-based, LAPACK order) and info.
 */
export const luFactorOp: OpDef<undefined> = defineBuiltinOp<undefined>({
  name: 'luFactor',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a]) => checkMatrix('linalg.luFactor', a),
  shape: ([[m, n]]) => [[m, n], [Math.min(m, n)], []],
  outDtypes: ([dt]) => [dt, 'int32', 'int32'],
  differentiable: [true, false, false],
  cpu: ([a], [lu, piv, info]) => {
    const [m, n] = a.shape.slice(-2);
    const batch = info.data.length;
    const [l, p, i] = [lu.data as FloatArray, piv.data as Int32Array, info.data as Int32Array];
    luFactorRect(a.data as FloatArray, batch, m, n, l, p, i);
    poisonNonFiniteCpu(a.data, { batch, rows: m, cols: n }, WHOLE, [{ data: l, size: m * n }]);
  },
  webgpu: (gpu, [a], [lu, piv, info]) => {
    const [m, n] = a.shape.slice(-2);
    const batch = numelOf(info.shape);
    luFactorRectGpu(gpu, a.storage, batch, m, n, lu.storage, piv.storage, info.storage);
    poisonNonFiniteGpu(gpu, a.storage, { batch, rows: m, cols: n }, WHOLE, [
      { storage: lu.storage, size: m * n },
    ]);
  },
  backward: (c, [gLU]) => [luBackward(c.outputs[0], c.outputs[1], gLU!)],
  jvp: (c, [dA]) => [dA ? luJvp(c.outputs[0], c.outputs[1], dA) : null, null, null],
});

/**
 * gA of P·A = L·U from gLU (gL = its strict lower m×k part, gU its upper k×n part), by
 * differentiating L⁻¹Pᵀ dA (wide) or Pᵀ dA U⁻¹ (tall, square) and splitting into the parts L and
 * U can absorb (triangular solves only, no inverses):
 * - m ≥ n, L = [L₁; L₂]: gY₁ = L₁⁻ᴴ (tril(L₁ᴴ gL₁, −1) + triu(gU Uᴴ − L₂ᴴ gL₂)), gY₂ = gL₂,
 *   gA = P [gY₁; gY₂] U⁻ᴴ (square: P L⁻ᴴ (tril(Lᴴ gL, −1) + triu(gU Uᴴ)) U⁻ᴴ);
 * - m < n, U = [U₁ U₂]: gX₁ = tril(Lᴴ gL − gU Uᴴ, −1) U₁⁻ᴴ + gU₁, gX₂ = gU₂, gA = P L⁻ᴴ [gX₁ gX₂].
 */
function luBackward(LU: Tensor, pivots: Tensor, gLU: Tensor): Tensor {
  const [m, n] = LU.shape.slice(-2);
  const k = Math.min(m, n);
  if (k === 0) return gLU.mul(0);
  const L = LU.narrow(-1, 0, k)
    .tril(-1)
    .add(eyeLike(LU, m, k));
  const U = LU.narrow(-2, 0, k).triu();
  const gL = gLU.narrow(-1, 0, k).tril(-1);
  const gU = gLU.narrow(-2, 0, k).triu();
  const P = pivotsToPermutation(pivots, m, LU.dtype);
  const solve = (a: Tensor, b: Tensor, upper: boolean, left: boolean, unitriangular: boolean) =>
    solveTriangularCore(a, b, { upper, left, unitriangular });
  if (m >= n) {
    const [L1, gL1] = [L.narrow(-2, 0, n), gL.narrow(-2, 0, n)];
    let inner = L1.mH.matmul(gL1).tril(-1).add(gU.matmul(U.mH).triu());
    if (m > n)
      inner = inner.sub(
        L.narrow(-2, n, m - n)
          .mH.matmul(gL.narrow(-2, n, m - n))
          .triu(),
      );
    const gY1 = solve(L1.mH, inner, true, true, true);
    const gY = m > n ? cat([gY1, gL.narrow(-2, n, m - n)], -2) : gY1;
    return P.matmul(solve(U.mH, gY, false, false, false));
  }
  const phi = L.mH.matmul(gL).sub(gU.matmul(U.mH)).tril(-1);
  const gX1 = solve(U.narrow(-1, 0, m).mH, phi, false, false, false).add(gU.narrow(-1, 0, m));
  const gX = cat([gX1, gU.narrow(-1, m, n - m)], -1);
  return P.matmul(solve(L.mH, gX, true, true, true));
}

/**
 * dLU of P·L·U = A from dA, with X = L₁⁻¹ Pᵀ dA₁ U₁⁻¹ on the leading k×k block (triangular
 * solves): dL₁ = L₁ tril(X, −1), dU₁ = triu(X) U₁; the rest of the trapezoid is then linear:
 * - m > n: dL₂ = (dA₂ − L₂ dU) U⁻¹ (dA₂ the last m − n rows of Pᵀ dA);
 * - m < n: dU₂ = L⁻¹ (dA₂ − dL U₂) (dA₂ the last n − m columns).
 * dL is strictly lower and dU upper, so they pack into one m×n tangent like LU.
 */
function luJvp(LU: Tensor, pivots: Tensor, dA: Tensor): Tensor {
  const [m, n] = LU.shape.slice(-2);
  const k = Math.min(m, n);
  if (k === 0) return dA.mul(0);
  const L = LU.narrow(-1, 0, k)
    .tril(-1)
    .add(eyeLike(LU, m, k));
  const U = LU.narrow(-2, 0, k).triu();
  const pdA = pivotsToPermutation(pivots, m, LU.dtype).mT.matmul(dA);
  const [L1, U1] = [L.narrow(-2, 0, k), U.narrow(-1, 0, k)];
  const lower = { upper: false, left: true, unitriangular: true };
  const upperRight = { upper: true, left: false, unitriangular: false };
  const X = solveTriangularCore(
    U1,
    solveTriangularCore(L1, pdA.narrow(-2, 0, k).narrow(-1, 0, k), lower),
    upperRight,
  );
  const dL1 = L1.matmul(X.tril(-1));
  const dU1 = X.triu().matmul(U1);
  const square = dL1.add(dU1);
  if (m > n) {
    const rest = pdA.narrow(-2, n, m - n).sub(L.narrow(-2, n, m - n).matmul(dU1));
    return cat([square, solveTriangularCore(U1, rest, upperRight)], -2);
  }
  if (m < n) {
    const rest = pdA.narrow(-1, m, n - m).sub(dL1.matmul(U.narrow(-1, m, n - m)));
    return cat([square, solveTriangularCore(L1, rest, lower)], -1);
  }
  return square;
}

// ---- inv --------------------------------------------------------------------------------------

/** X = A⁻¹ and info (nonzero: the 1-based index of a zero pivot). */
export const invOp: OpDef<undefined> = defineBuiltinOp<undefined>({
  name: 'inv',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a]) => void checkSquare('linalg.inv', a),
  shape: ([a]) => [a, []],
  outDtypes: ([dt]) => [dt, 'int32'],
  differentiable: [true, false],
  cpu: ([a], [x, info]) => {
    const [batch, n] = [info.data.length, a.shape[a.shape.length - 1]];
    // Batches of n ≤ 8: factor, poison and inverse in one WebAssembly SIMD pass, same bits.
    if (invBatched(a.data as FloatArray, batch, n, x.data as FloatArray, info.data as Int32Array)) return;
    invCpu(a.data as FloatArray, batch, n, x.data as FloatArray, info.data as Int32Array);
    poisonCpu(a, batch, n, { data: x.data, size: n * n });
  },
  webgpu: (gpu, [a], [x, info]) => {
    const [batch, n] = [numelOf(info.shape), a.shape[a.shape.length - 1]];
    const f = factorGpu(gpu, a, batch, n, info);
    luInverseGpu(gpu, f.lu, f.piv, batch, n, x.storage);
    f.free();
  },
  // X = A⁻¹: gA = −Xᴴ G Xᴴ.
  backward: (c, [g]) => {
    const xh = c.outputs[0].mH;
    return [xh.matmul(g!).matmul(xh).neg()];
  },
  // dX = −X dA X.
  jvp: (c, [dA]) => {
    const x = c.outputs[0];
    return [dA ? x.matmul(dA).matmul(x).neg() : null, null];
  },
});

// ---- solve ------------------------------------------------------------------------------------

/** AX = B for A [..., n, n] and B [..., n, k] with equal batch dims (the public wrapper broadcasts). */
export const solveOp: OpDef<undefined> = defineBuiltinOp<undefined>({
  name: 'solve',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2, 2],
  check: ([a, b]) => {
    checkSquare('linalg.solve', a);
    checkFloat('linalg.solve', b.dtype, 'B');
    checkSameBatch('linalg.solve', a.shape, b.shape);
  },
  shape: ([, b]) => [b, []],
  outDtypes: ([dt]) => [dt, 'int32'],
  differentiable: [true, false],
  cpu: ([a, b], [x, info]) => {
    const [batch, n, k] = dims(a.shape, b.shape, true);
    const [bd, xd] = [b.data as FloatArray, x.data as FloatArray];
    solveCpu(a.data as FloatArray, batch, n, bd, k, xd, info.data as Int32Array);
    poisonCpu(a, batch, n, { data: xd, size: n * k });
  },
  webgpu: (gpu, [a, b], [x, info]) => {
    const [batch, n, k] = dims(a.shape, b.shape, true);
    const f = factorGpu(gpu, a, batch, n, info);
    luSolveGpu(gpu, f.lu, f.piv, batch, n, b.storage, k, x.storage);
    f.free();
  },
  // AX = B: gB = A⁻ᴴ G (a solve with Aᴴ), gA = −gB Xᴴ.
  backward: (c, [g]) => {
    const [a] = c.inputs;
    const gB = solveCore(a.mH, g!);
    return [c.needsInputGrad[0] ? gB.matmul(c.outputs[0].mH).neg() : null, gB];
  },
  // dX = A⁻¹ (dB − dA X), one solve with the same A.
  jvp: (c, [dA, dB]) => {
    const rhs = dA ? (dB ? dB.sub(dA.matmul(c.outputs[0])) : dA.matmul(c.outputs[0]).neg()) : dB;
    return [rhs ? solveCore(c.inputs[0], rhs) : null, null];
  },
  // Only B batched (jacrev's cotangents, jacfwd's tangents): the vmapped dim becomes more columns
  // of B, so A is factored once, not once per sample. A batched A: one more batch dim.
  vmap: ([a, b], batched, _, size) => {
    if (batched[0]) return [...applyOp(solveOp, [a, batched[1] ? b : expandBatch(b, size)], undefined)];
    const r = b.ndim; // b: [size, ...batch, n, k]
    const [n, k] = b.shape.slice(-2);
    const lead = b.shape.slice(1, -2);
    const cols = reshape(permute(b, [...Array(r - 1).keys()].map((d) => d + 1).concat([0])), [
      ...lead,
      n,
      k * size,
    ]);
    const [x, info] = applyOp(solveOp, [a, cols], undefined);
    const back = reshape(x, [...lead, n, k, size]);
    return [permute(back, [r - 1, ...Array(r - 1).keys()]), expandBatch(info, size)];
  },
});

/** The solve op without error checks (for backward formulas, where A is known invertible). */
export function solveCore(a: Tensor, b: Tensor): Tensor {
  return applyOp(solveOp, [a, b], undefined)[0];
}

// ---- det and slogdet --------------------------------------------------------------------------

export const detOp: OpDef<undefined> = defineBuiltinOp<undefined>({
  name: 'det',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a]) => void checkSquare('linalg.det', a),
  shape: () => [[]],
  cpu: ([a], [d]) => {
    const [batch, n] = [d.data.length, a.shape[a.shape.length - 1]];
    detCpu(a.data as FloatArray, batch, n, d.data as FloatArray);
    poisonCpu(a, batch, n, { data: d.data, size: 1 });
  },
  webgpu: (gpu, [a], [d]) => {
    const [batch, n] = [numelOf(d.shape), a.shape[a.shape.length - 1]];
    const f = factorGpu(gpu, a, batch, n);
    luDetGpu(gpu, f.lu, f.piv, batch, n, d.storage);
    f.free();
  },
  // d det(A) = cof(A) : dA, where cof(A) = det(A) A⁻ᵀ, computed stably also for singular A;
  // gA = g · conj(cof(A)) = g · conj(det A) · A⁻ᴴ.
  backward: (c, [g]) => [g!.unsqueeze(-1).unsqueeze(-1).mul(cofactor(c.inputs[0]).conj())],
  // d det = tr(adj(A) dA) = Σ cof(A) ∘ dA, finite at singular A (the cofactor's SVD route).
  jvp: (c, [dA]) => [dA ? cofactor(c.inputs[0]).mul(dA).sum([-2, -1]) : null],
});

export const slogdetOp: OpDef<undefined> = defineBuiltinOp<undefined>({
  name: 'slogdet',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a]) => void checkSquare('linalg.slogdet', a),
  shape: () => [[], []],
  // The sign stays in the graph, as in PyTorch (its gradient is zero for real inputs).
  differentiable: [true, true],
  cpu: ([a], [sign, lad]) => {
    const [batch, n] = [sign.data.length, a.shape[a.shape.length - 1]];
    slogdetCpu(a.data as FloatArray, batch, n, sign.data as FloatArray, lad.data as FloatArray);
    poisonCpu(a, batch, n, { data: sign.data, size: 1 }, { data: lad.data, size: 1 });
  },
  webgpu: (gpu, [a], [sign, lad]) => {
    const [batch, n] = [numelOf(sign.shape), a.shape[a.shape.length - 1]];
    const f = factorGpu(gpu, a, batch, n);
    luSlogdetGpu(gpu, f.lu, f.piv, batch, n, sign.storage, lad.storage);
    f.free();
  },
  // log|det A| has gradient A⁻ᴴ; the sign is piecewise constant (no gradient for real inputs).
  backward: (c, [, g]) => (g ? [g.unsqueeze(-1).unsqueeze(-1).mul(invCore(c.inputs[0]).mH)] : [null]),
  // d logabsdet = Re tr(A⁻¹ dA) (a solve, no inverse); the sign's tangent is 0 for real inputs.
  jvp: (c, [dA]) => {
    if (!dA) return [null, null];
    const lad = solveCore(c.inputs[0], dA).diagonal(0, -2, -1).sum(-1);
    return [zerosLike(c.outputs[0]), lad];
  },
});

/** inv without error checks (for backward formulas). */
export function invCore(a: Tensor): Tensor {
  return applyOp(invOp, [a], undefined)[0];
}
