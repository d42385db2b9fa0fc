import { forwardADActive } from '../../autograd/forward-ad.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { choleskyBackward, choleskyBackwardFinite } from '../../backends/cpu/linalg/cholesky-backward.js';
import {
  cholesky as choleskyCpu,
  choleskyInverse as choleskyInverseCpu,
  type FloatArray,
} from '../../backends/cpu/linalg/index.js';
import { poisonNonFiniteCpu, squares } from '../../backends/cpu/linalg/nonfinite.js';
import { poisonNonFiniteGpu } from '../../backends/webgpu/kernels/nonfinite.js';
import { choleskyGpu, choleskyInverseGpu } from '../../backends/webgpu/linalg/index.js';
import { batchOf, numelOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { fromHost } from '../creation.js';
import { allSamples, applyOp, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
import { checkSquare } from './common.js';
import { solveTriangularCore } from './triangular.js';

type Upper = { upper: boolean };
const sizes = (shape: readonly number[]): [number, number] => {
  const n = shape[shape.length - 1];
  return [numelOf(batchOf(shape)), n];
};

/** A = L Lᴴ (or Uᴴ U with U = Lᴴ): the factor and info (order of the first failing leading minor). */
export const choleskyOp: OpDef<Upper> = defineBuiltinOp<Upper>({
  name: 'cholesky',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a]) => void checkSquare('linalg.cholesky', a),
  shape: ([a]) => [a, []],
  outDtypes: ([dt]) => [dt, 'int32'],
  differentiable: [true, false],
  cpu: ([a], [l, info], { upper }) => {
    const [batch, n] = sizes(a.shape);
    choleskyCpu(a.data as FloatArray, batch, n, l.data as FloatArray, info.data as Int32Array, upper);
  },
  webgpu: (gpu, [a], [l, info], { upper }) => {
    const [batch, n] = sizes(a.shape);
    choleskyGpu(gpu, a.storage, batch, n, l.storage, info.storage, upper);
  },
  // T = tril(Lᴴ gL); gA = L⁻ᴴ · ½(T + tril(T, −1)ᴴ) · L⁻¹, by two triangular solves (L⁻ᴴ as a
  // `trans` solve with conj(L)); upper: L = Uᴴ and gL = gUᴴ.
  backward: (c, [gOut]) => {
    const upper = c.attrs.upper;
    const direct = backwardCpu(c.outputs[0], gOut!, upper);
    if (direct) return [direct];
    const L = upper ? c.outputs[0].mH : c.outputs[0];
    const gL = upper ? gOut!.mH : gOut!;
    const t = L.mH.matmul(gL).tril();
    const sym = t.add(t.tril(-1).mH).mul(0.5);
    const left = solveTriangularCore(L.conj(), sym, {
      upper: true,
      left: true,
      unitriangular: false,
      trans: true,
    });
    return [solveTriangularCore(L, left, { upper: false, left: false, unitriangular: false })];
  },
  // dL = L Φ(L⁻¹ dS L⁻ᴴ), Φ = tril with the diagonal halved, dS = ½(dA + dAᴴ): the kernel reads
  // one triangle of a Hermitian A, and the backward's gA is Hermitian, so the rule sees the
  // Hermitian part of dA (the two agree as ⟨v, J u⟩ = ⟨Jᵀ v, u⟩ for every u). upper: dU = dLᴴ.
  jvp: (c, [dA]) => {
    if (!dA) return [null, null];
    const upper = c.attrs.upper;
    const L = upper ? c.outputs[0].mH : c.outputs[0];
    const dS = dA.add(dA.mH).mul(0.5);
    const y = solveTriangularCore(L, dS, { upper: false, left: true, unitriangular: false });
    // W = Y L⁻ᴴ: W Lᴴ = Y with Lᴴ = conj(L)ᵀ upper triangular, a `trans` solve reading L in place.
    const w = solveTriangularCore(L.conj(), y, {
      upper: true,
      left: false,
      unitriangular: false,
      trans: true,
    });
    const phi = w.tril(-1).add(w.tril().triu().mul(0.5));
    const dL = L.matmul(phi);
    return [upper ? dL.mH : dL, null];
  },
});

/**
 * The backward's formula in one CPU kernel (cholesky-backward.ts: the triangular product in
 * about a fifth of the multiply-adds, no intermediate tensors) for float64 when nothing records
 * what it computes (no graph, no dual level, no vmap) and L and gL are finite; null otherwise,
 * for the formula in ops. Upper: L = Uᵀ and gL = gUᵀ, transposed for the kernel.
 */
function backwardCpu(f: Tensor, g: Tensor, upper: boolean): Tensor | null {
  if (f.device !== 'cpu' || f.dtype !== 'float64' || g.dtype !== 'float64') return null;
  if (isGradEnabled() || forwardADActive() || allSamples(f) !== f || allSamples(g) !== g) return null;
  const [batch, n] = sizes(f.shape);
  let l = f.cpuView().data as Float64Array;
  let gl = g.cpuView().data as Float64Array;
  if (upper) [l, gl] = [transposed(l, batch, n), transposed(gl, batch, n)];
  if (!choleskyBackwardFinite(l, gl, batch, n)) return null;
  const out = new Float64Array(batch * n * n);
  choleskyBackward(l, gl, batch, n, out);
  return fromHost(out, f.shape, 'cpu');
}

const transposed = (x: Float64Array, batch: number, n: number): Float64Array => {
  const t = new Float64Array(x.length);
  for (let e = 0; e < batch; e++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) t[e * n * n + j * n + i] = x[e * n * n + i * n + j]!;
  return t;
};

/**
 * (L Lᴴ)⁻¹ or (Uᴴ U)⁻¹ from the factor, and info (index of a zero diagonal element); NaN or ±inf
 * in the triangle that is read gives NaN for that batch element (nonfinite.ts).
 */
export const choleskyInverseOp: OpDef<Upper> = defineBuiltinOp<Upper>({
  name: 'choleskyInverse',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([l]) => void checkSquare('cholesky_inverse', l, 'input'),
  shape: ([l]) => [l, []],
  outDtypes: ([dt]) => [dt, 'int32'],
  differentiable: [true, false],
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
    const cm = x.matmul(g!.add(g!.mH)).matmul(x);
    return [c.attrs.upper ? f.matmul(cm).neg() : cm.matmul(f).neg()];
  },
  // dX = −X dM X with dM = dL Lᴴ + L dLᴴ (lower) or dUᴴ U + Uᴴ dU (upper); dL is not projected,
  // matching the backward.
  jvp: (c, [dF]) => {
    if (!dF) return [null, null];
    const x = c.outputs[0];
    const f = c.inputs[0];
    const half = c.attrs.upper ? dF.mH.matmul(f) : dF.matmul(f.mH);
    return [x.matmul(half.add(half.mH)).matmul(x).neg(), null];
  },
});

export function choleskyCore(a: Tensor, upper: boolean): [Tensor, Tensor] {
  const [l, info] = applyOp(choleskyOp, [a], { upper });
  return [l, info];
}
