/**
 * Fuzz specs of the spectral family: eigh, eigvalsh, svd, svdvals, qr. Oracles: ‖A·V − V·Λ‖ and
 * ‖A − U S Vᴴ‖ against ‖A‖, orthogonality of the factors, ordering, and the eigen/singular values
 * against Jacobi references (Weyl: within bound·‖A‖).
 */
import fc from 'fast-check';
import { linalg } from '../../src/index.js';
import { notBoolean, oneMatrixCases, SYM_KINDS } from './cases.js';
import type { FuzzContext } from './gen.js';
import { bound, matrixAt, numel, ok, perElement, shapeCheck, sliceAt, spuriousNan, wrong } from './judge.js';
import {
  allFinite,
  eyeMat,
  fro,
  type Mat,
  mat,
  matmulMat,
  singularValues,
  subMat,
  symmetricEigenvalues,
  symmetricFrom,
  transposeMat,
} from './oracle.js';
import type { FuzzCase, FuzzSpec, Verdict } from './runner.js';

const batchOf = (c: FuzzCase) => c.inputs[0]!.shape.slice(0, -2);

/** ‖QᵀQ − I‖_F ≤ bound for a matrix with orthonormal columns. */
export function orthonormalColumns(ctx: FuzzContext, q: Mat, what: string): Verdict {
  const e = fro(subMat(matmulMat(transposeMat(q), q), eyeMat(q.cols)));
  return e <= bound(ctx, Math.max(q.rows, q.cols)) * Math.sqrt(q.cols + 1)
    ? ok
    : wrong(`‖${what}ᵀ${what} − I‖ = ${e}`);
}

/** Values against a reference, each within tol, in the given order. */
function valuesClose(
  got: ArrayLike<number>,
  ref: readonly number[],
  tol: number,
  what: string,
  ascending: boolean,
): Verdict {
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!;
    if (Number.isNaN(g)) return spuriousNan(`${what}[${i}] is NaN`);
    if (!(Math.abs(g - ref[i]!) <= tol)) return wrong(`${what}[${i}] = ${g}, expected ${ref[i]} ± ${tol}`);
    if (i > 0 && (ascending ? g < got[i - 1]! : g > got[i - 1]!))
      return wrong(`${what} out of order at ${i}`);
  }
  return ok;
}

const overflowing = (ctx: FuzzContext, a: Mat): boolean => fro(a) > ctx.huge / 8;

const uploArb: fc.Arbitrary<{ opts: { UPLO?: unknown }; invalid?: string }> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(undefined, 'L', 'U', 'l', 'u')
      .map((UPLO) => ({ opts: { UPLO }, invalid: undefined })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('X', '', 'lower', 1)
      .map((UPLO) => ({ opts: { UPLO }, invalid: `UPLO = ${String(UPLO)}` })),
  },
);

const eighSpec = (values: boolean): FuzzSpec<{ UPLO?: unknown }> => ({
  name: values ? 'linalg.eigvalsh' : 'linalg.eigh',
  cases: (ctx) => oneMatrixCases(ctx, { square: true }, uploArb, SYM_KINDS),
  call: ([a], o) => (values ? linalg.eigvalsh(a!, o as never) : linalg.eigh(a!, o as never)),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    const n = A.shape[A.shape.length - 1]!;
    const wKey = values ? 'out' : 'eigenvalues';
    const bad = shapeCheck(
      out,
      values ? { out: [...batch, n] } : { eigenvalues: [...batch, n], eigenvectors: A.shape },
    );
    if (bad) return bad;
    const upper = c.opts.UPLO === 'U' || c.opts.UPLO === 'u';
    return perElement(
      numel(batch),
      (b) => symmetricFrom(matrixAt(A, b), upper),
      (b) => [sliceAt(out[wKey]!, batch.length, b).data],
      (b, s) => {
        if (overflowing(ctx, s)) return { outcome: 'overflow' };
        const w = sliceAt(out[wKey]!, batch.length, b).data;
        const tol = bound(ctx, n) * fro(s) + ctx.tiny;
        const vw = valuesClose(w, symmetricEigenvalues(s), tol, 'eigenvalue', true);
        if (vw.outcome !== 'ok' || values) return vw;
        const v = matrixAt(out.eigenvectors!, b);
        if (!allFinite(v.data)) return spuriousNan('non-finite eigenvectors');
        const av = matmulMat(s, v);
        const vl = mat(
          n,
          n,
          v.data.map((x, i) => x * w[i % n]!),
        );
        const r = fro(subMat(av, vl));
        if (!(r <= tol * Math.sqrt(n))) return wrong(`‖A·V − V·Λ‖ = ${r} against ${tol}`);
        return orthonormalColumns(ctx, v, 'V');
      },
    );
  },
  judgeError: (c, e) =>
    e.name === 'LinAlgError' && c.inputs[0]!.data.some((x) => !Number.isFinite(x))
      ? { outcome: 'error' }
      : { outcome: 'spurious-error', why: e.message },
});

const boolOpt = (name: string) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(undefined, true, false)
        .map((v) => ({ v, invalid: undefined as string | undefined })),
    },
    { weight: 1, arbitrary: notBoolean.map((v) => ({ v, invalid: `${name} = ${String(v)}` })) },
  );

const svdSpec = (values: boolean): FuzzSpec<{ fullMatrices?: unknown }> => ({
  name: values ? 'linalg.svdvals' : 'linalg.svd',
  cases: (ctx) =>
    oneMatrixCases(
      ctx,
      { square: false },
      values
        ? fc.constant({ opts: {} })
        : boolOpt('fullMatrices').map((f) => ({ opts: { fullMatrices: f.v }, invalid: f.invalid })),
    ),
  call: ([a], o) => (values ? linalg.svdvals(a!) : linalg.svd(a!, o as never)),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    const [m, n] = A.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const full = c.opts.fullMatrices !== false;
    const sKey = values ? 'out' : 'S';
    const bad = shapeCheck(
      out,
      values
        ? { out: [...batch, k] }
        : { U: [...batch, m, full ? m : k], S: [...batch, k], Vh: [...batch, full ? n : k, n] },
    );
    if (bad) return bad;
    return perElement(
      numel(batch),
      (b) => matrixAt(A, b),
      (b) => [sliceAt(out[sKey]!, batch.length, b).data],
      (b, a) => {
        if (overflowing(ctx, a)) return { outcome: 'overflow' };
        const s = sliceAt(out[sKey]!, batch.length, b).data;
        const tol = bound(ctx, Math.max(m, n)) * fro(a) + ctx.tiny;
        const vs = valuesClose(s, singularValues(a), tol, 'singular value', false);
        if (vs.outcome !== 'ok' || values) return vs;
        if (s.some((x) => x < 0)) return wrong('negative singular value');
        const U = matrixAt(out.U!, b);
        const Vh = matrixAt(out.Vh!, b);
        if (!allFinite(U.data) || !allFinite(Vh.data)) return spuriousNan('non-finite singular vectors');
        const us = mat(
          m,
          k,
          new Float64Array(m * k).map((_, i) => U.data[Math.floor(i / k) * U.cols + (i % k)]! * s[i % k]!),
        );
        const vk = mat(k, n, Vh.data.subarray(0, k * n));
        const r = fro(subMat(a, matmulMat(us, vk)));
        if (!(r <= tol * Math.sqrt(k + 1))) return wrong(`‖A − U S Vh‖ = ${r} against ${tol}`);
        return orthonormalColumns(ctx, U, 'U').outcome !== 'ok'
          ? orthonormalColumns(ctx, U, 'U')
          : orthonormalColumns(ctx, transposeMat(Vh), 'V');
      },
    );
  },
  judgeError: (c, e) =>
    e.name === 'LinAlgError' && c.inputs[0]!.data.some((x) => !Number.isFinite(x))
      ? { outcome: 'error' }
      : { outcome: 'spurious-error', why: e.message },
});

const modeArb: fc.Arbitrary<{ opts: { mode?: unknown }; invalid?: string }> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(undefined, 'reduced', 'complete', 'r')
      .map((mode) => ({ opts: { mode }, invalid: undefined })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('full', 'R', '', 0)
      .map((mode) => ({ opts: { mode }, invalid: `mode = ${String(mode)}` })),
  },
);

const qrSpec: FuzzSpec<{ mode?: unknown }> = {
  name: 'linalg.qr',
  cases: (ctx) => oneMatrixCases(ctx, { square: false }, modeArb),
  call: ([a], o) => linalg.qr(a!, o as never),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    const [m, n] = A.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const mode = (c.opts.mode ?? 'reduced') as string;
    const rRows = mode === 'complete' ? m : k;
    const bad = shapeCheck(out, {
      Q: mode === 'r' ? [0] : [...batch, m, mode === 'complete' ? m : k],
      R: [...batch, rRows, n],
    });
    if (bad) return bad;
    return perElement(
      numel(batch),
      (b) => matrixAt(A, b),
      (b) => [matrixAt(out.R!, b).data],
      (b, a) => {
        if (overflowing(ctx, a)) return { outcome: 'overflow' };
        const R = matrixAt(out.R!, b);
        if (!allFinite(R.data)) return spuriousNan('non-finite R');
        for (let i = 0; i < R.rows; i++)
          for (let j = 0; j < Math.min(i, n); j++)
            if (R.data[i * n + j] !== 0)
              return wrong(`R[${i}, ${j}] = ${R.data[i * n + j]} below the diagonal`);
        const tol = bound(ctx, Math.max(m, n)) * fro(a) + ctx.tiny;
        if (mode === 'r') {
          // RᵀR = AᵀA up to rounding (R is unique up to row signs), compared scaled by ‖A‖.
          const s = fro(a) || 1;
          const as = mat(
            m,
            n,
            a.data.map((x) => x / s),
          );
          const rs = mat(
            R.rows,
            n,
            R.data.map((x) => x / s),
          );
          const e = fro(subMat(matmulMat(transposeMat(rs), rs), matmulMat(transposeMat(as), as)));
          return e <= (4 * tol) / s + ctx.tiny ? ok : wrong(`‖RᵀR − AᵀA‖/‖A‖² = ${e}`);
        }
        const Q = matrixAt(out.Q!, b);
        if (!allFinite(Q.data)) return spuriousNan('non-finite Q');
        const r = fro(subMat(a, matmulMat(Q, R)));
        if (!(r <= tol * Math.sqrt(k + 1))) return wrong(`‖A − Q·R‖ = ${r} against ${tol}`);
        return orthonormalColumns(ctx, Q, 'Q');
      },
    );
  },
};

export const spectralSpecs: FuzzSpec<never>[] = [
  eighSpec(false),
  eighSpec(true),
  svdSpec(false),
  svdSpec(true),
  qrSpec,
] as unknown as FuzzSpec<never>[];
