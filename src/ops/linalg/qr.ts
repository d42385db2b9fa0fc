import { qrScaledCpu } from '../../backends/cpu/linalg/scaling.js';
import type { QrMode } from '../../backends/cpu/linalg/spectral.js';
import { qrGpu } from '../../backends/webgpu/linalg/spectral.js';
import { AutogradError } from '../../errors.js';
import { numelOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { zeros, zerosLike } from '../creation.js';
import { applyOp, defineBuiltinOp, floatDtypes, type OpDef } from '../registry.js';
import { cat, reshape } from '../shape.js';
import { checkMatrix } from './common.js';
import { solveTriangularCore } from './triangular.js';

export type { QrMode };

/**
 * Householder QR A = Q R, as torch.linalg.qr (LAPACK geqrf/orgqr signs: R's diagonal may be
 * negative). 'reduced': Q m×k, R k×n; 'complete': Q m×m, R m×n; 'r': R only (Q has shape [0]).
 */
export const qrOp: OpDef<{ mode: QrMode }> = defineBuiltinOp<{ mode: QrMode }>({
  name: 'qr',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  differentiable: [true, true],
  // Not core dims + batch: mode 'r' gives Q the shape [0] (an empty tensor, as PyTorch), whatever the batch.
  infer: ([a], { mode }) => {
    checkMatrix('linalg.qr', a);
    const [m, n] = a.shape.slice(-2);
    const k = Math.min(m, n);
    const batch = a.shape.slice(0, -2);
    const rows = mode === 'complete' ? m : k;
    return [
      { shape: mode === 'r' ? [0] : [...batch, m, rows], dtype: a.dtype },
      { shape: [...batch, rows, n], dtype: a.dtype },
    ];
  },
  cpu: ([a], [q, r], { mode }) => qrScaledCpu(a, q, r, mode),
  webgpu: (gpu, [a], [q, r], { mode }) => {
    const [m, n] = a.shape.slice(-2);
    const batch = numelOf(a.shape.slice(0, -2));
    qrGpu(gpu, a.storage, batch, m, n, mode === 'r' ? null : q.storage, r.storage, mode);
  },
  backward: (c, [gQ, gR]) => {
    const a = c.inputs[0];
    const [m, n] = a.shape.slice(-2);
    checkDifferentiable(c.attrs.mode, m, n);
    if (a.numel === 0) return [zerosLike(a)];
    const [Q, R] = c.outputs;
    if (m >= n) return [tallBackward(Q, R, gQ, gR)];
    // m < n: A = [X | Y], R = [U | V] with X = Q U square and V = Qᴴ Y, so the square rule applies to X
    // with gQ + Y gVᴴ, and gY = Q gV.
    const gU = gR?.narrow(-1, 0, m) ?? null;
    const gV = gR?.narrow(-1, m, n - m) ?? null;
    const Y = a.narrow(-1, m, n - m);
    const gQx = gV ? (gQ ? gQ.add(Y.matmul(gV.mH)) : Y.matmul(gV.mH)) : gQ;
    const gX = tallBackward(Q, R.narrow(-1, 0, m), gQx, gU);
    const gY = gV ? Q.matmul(gV) : zerosLike(Y);
    return [cat([gX, gY], a.ndim - 1)];
  },
  // m ≥ n: the square/tall rule below; m < n: A = [X | Y], R = [U | V] with X = Q U, so (dQ, dU)
  // come from the rule for X and dV = dQᴴ Y + Qᴴ dY (the backward's split, forward).
  jvp: (c, [dA]) => {
    if (!dA) return [null, null];
    const a = c.inputs[0];
    const [m, n] = a.shape.slice(-2);
    checkDifferentiable(c.attrs.mode, m, n);
    const [Q, R] = c.outputs;
    if (a.numel === 0) return [zerosLike(Q), zerosLike(R)];
    if (m >= n) return tallJvp(Q, R, dA);
    const [dQ, dU] = tallJvp(Q, R.narrow(-1, 0, m), dA.narrow(-1, 0, m));
    const dV = dQ.mH.matmul(a.narrow(-1, m, n - m)).add(Q.mH.matmul(dA.narrow(-1, m, n - m)));
    return [dQ, cat([dU, dV], a.ndim - 1)];
  },
  // Batched over leading dims, but mode 'r' gives Q the shape [0] whatever the batch.
  vmap: ([a], _, attrs, size) => {
    const [q, r] = applyOp(qrOp, [a], attrs);
    return [attrs.mode === 'r' ? zeros([size, 0], { dtype: a.dtype, device: a.device }) : q, r];
  },
});

/** The errors of the modes without a derivative ('r'; 'complete' with m > n), for backward and jvp. */
function checkDifferentiable(mode: QrMode, m: number, n: number): void {
  if (mode === 'r') {
    throw new AutogradError(
      "linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when mode='r'. " +
        "Use linalg.qr(A, { mode: 'reduced' }) if you are going to differentiate through linalg.qr.",
    );
  }
  if (mode === 'complete' && m > n) {
    throw new AutogradError(
      `linalg.qr: The QR decomposition is not differentiable when mode='complete' and nrows > ncols ` +
        `(here ${m} > ${n}): the last ${m - n} columns of Q are an arbitrary orthonormal completion. ` +
        "Use mode='reduced'.",
    );
  }
}

/**
 * m ≥ n (Q m×n, R n×n): C = Qᴴ dA R⁻¹ (dA R⁻¹ by a right triangular solve), Ω = tril(C, −1) −
 * tril(C, −1)ᴴ (QᴴdQ, skew), dR = (C − Ω) R, dQ = dA R⁻¹ − Q (C − Ω).
 */
function tallJvp(Q: Tensor, R: Tensor, dA: Tensor): [Tensor, Tensor] {
  const dAR = solveTriangularCore(R, dA, { upper: true, left: false, unitriangular: false });
  const C = Q.mH.matmul(dAR);
  const low = C.tril(-1);
  const upperPart = C.sub(low.sub(low.mH));
  return [dAR.sub(Q.matmul(upperPart)), upperPart.matmul(R)];
}

// m ≥ n: M = R gRᴴ − gQᴴ Q; gA = (gQ + Q copyltu(M)) R⁻ᴴ, copyltu(M) = tril(M) + tril(M, −1)ᴴ (docs/design.md, derivative formulas).
function tallBackward(Q: Tensor, R: Tensor, gQ: Tensor | null, gR: Tensor | null): Tensor {
  const rg = gR ? R.matmul(gR.mH) : null;
  const qg = gQ ? gQ.mH.matmul(Q) : null;
  const M = rg && qg ? rg.sub(qg) : (rg ?? qg!.neg());
  const b = Q.matmul(M.tril().add(M.tril(-1).mH));
  const rhs = gQ ? b.add(gQ) : b;
  // X Rᴴ = rhs with Rᴴ lower triangular, as one batched right-sided triangular solve.
  const [rows, n] = rhs.shape.slice(-2);
  const lead = rhs.shape.slice(0, -2);
  const B = numelOf(lead);
  const x = solveTriangularCore(reshape(R.mH, [B, n, n]), reshape(rhs, [B, rows, n]), {
    upper: false,
    left: false,
    unitriangular: false,
  });
  return reshape(x, rhs.shape);
}

const MODES: readonly QrMode[] = ['reduced', 'complete', 'r'];

/**
 * QR decomposition, as torch.linalg.qr: { Q, R } with mode 'reduced' (default: Q m×k, R k×n),
 * 'complete' (Q m×m, R m×n) or 'r' (R only; Q is an empty tensor, and there is no gradient).
 * Differentiable for 'reduced' and for 'complete' with m ≤ n, where R must have a nonzero diagonal.
 * @example
 * const { Q, R } = linalg.qr(tensor([[1, 2], [3, 4], [5, 6]])); // Q 3×2, R 2×2
 */
export function qr(
  A: Tensor,
  opts: { mode?: QrMode } = {},
): {
  /** Orthonormal columns (empty for mode 'r'). */
  Q: Tensor;
  /** Upper triangular. */
  R: Tensor;
} {
  const mode = opts.mode ?? 'reduced';
  if (!MODES.includes(mode)) {
    throw new RangeError(
      `linalg.qr: received unrecognized mode ${JSON.stringify(mode)} but expected one of 'reduced' (default), 'r', or 'complete'`,
    );
  }
  const [Q, R] = applyOp(qrOp, [A], { mode });
  return { Q, R };
}
