/**
 * Fuzz specs of the LU and Cholesky family: inv, invEx, det, slogdet, logdet, luFactor(Ex),
 * cholesky(Ex), choleskyInverse. Oracles: ‖A·X − I‖ against |A||X|, det against the singular
 * values' product (tolerance from the adjugate's norm), ‖P·A − L·U‖, ‖A − L·Lᵀ‖.
 */
import fc from 'fast-check';
import { choleskyInverse, linalg, logdet } from '../../src/index.js';
import { notBoolean, oneMatrixCases, SPD_KINDS } from './cases.js';
import type { FuzzContext } from './gen.js';
import {
  bound,
  matrixAt,
  maxAbs,
  numel,
  ok,
  perElement,
  shapeCheck,
  sliceAt,
  spuriousNan,
  wrong,
} from './judge.js';
import {
  absMat,
  allFinite,
  eyeMat,
  fro,
  inverseMat,
  logAbsDet,
  type Mat,
  mat,
  matmulMat,
  singularValues,
  subMat,
  symmetricEigenvalues,
  symmetricFrom,
  transposeMat,
  triangleOf,
} from './oracle.js';
import type { FuzzCase, FuzzSpec, Outputs, Verdict } from './runner.js';

const noOpts = fc.constant({ opts: undefined as undefined });
const batchOf = (c: FuzzCase) => c.inputs[0]!.shape.slice(0, -2);

/** σ_min ≤ bound·σ_max: an error (or info > 0) is allowed for this matrix. */
export function nearSingular(ctx: FuzzContext, a: Mat): boolean {
  const s = singularValues(a);
  if (s.length === 0) return false;
  return s[s.length - 1]! <= bound(ctx, a.rows) * s[0]! || s[0]! < ctx.tiny;
}

/** Judges X ≈ A⁻¹ by the residual ‖A·X − I‖_F ≤ bound·‖|A||X|‖_F. */
export function judgeInverse(ctx: FuzzContext, a: Mat, x: Mat, what = 'inverse'): Verdict {
  const n = a.rows;
  if (!allFinite(x.data)) {
    const s = singularValues(a);
    const smin = s[n - 1]!;
    if (smin === 0 || 1 / smin > ctx.huge / (4 * n) || nearSingular(ctx, a)) return { outcome: 'overflow' };
    return spuriousNan(`non-finite ${what} of a matrix with σ_min/σ_max = ${smin / s[0]!}`);
  }
  const r = fro(subMat(matmulMat(a, x), eyeMat(n)));
  const scale = fro(matmulMat(absMat(a), absMat(x)));
  if (!(r <= bound(ctx, n) * scale + ctx.tiny)) return wrong(`‖A·X − I‖ = ${r} against ‖|A||X|‖ = ${scale}`);
  return ok;
}

/** Whether scale·X (X a float64 reference) has nonzero entries outside the dtype's range. */
export function outOfRange(ctx: FuzzContext, x: Mat | null, scale = 1): boolean {
  if (!x) return true;
  return x.data.some(
    (v) => v !== 0 && (Math.abs(v * scale) < ctx.tiny / ctx.u || Math.abs(v * scale) > ctx.huge / 4),
  );
}

const inverseJudge = (ctx: FuzzContext, c: FuzzCase, out: Outputs, key: string, info?: string): Verdict => {
  const A = c.inputs[0]!;
  const batch = batchOf(c);
  const n = A.shape[A.shape.length - 1]!;
  const shapes = shapeCheck(out, info ? { [key]: A.shape, [info]: batch } : { [key]: A.shape });
  if (shapes) return shapes;
  return perElement(
    numel(batch),
    (b) => matrixAt(A, b),
    (b) => [sliceAt(out[key]!, batch.length, b).data],
    (b, a) => {
      const code = info ? out[info]!.data[b]! : 0;
      if (code !== 0) {
        if (code < 1 || code > n) return wrong(`info ${code} outside 1…${n}`);
        return nearSingular(ctx, a) ? { outcome: 'error' } : wrong(`info ${code} for a nonsingular matrix`);
      }
      const v = judgeInverse(ctx, a, matrixAt(out[key]!, b));
      return v.outcome === 'wrong' && outOfRange(ctx, inverseMat(a)) ? { outcome: 'overflow' } : v;
    },
  );
};

const linalgErrorIfSingular =
  (read: (a: Mat, c: FuzzCase) => Mat = (a) => a) =>
  (c: FuzzCase, e: Error, ctx: FuzzContext): Verdict => {
    if (e.name !== 'LinAlgError') return { outcome: 'spurious-error', why: e.message };
    const A = c.inputs[0]!;
    for (let b = 0; b < numel(batchOf(c)); b++) {
      const a = read(matrixAt(A, b), c);
      if (!allFinite(a.data) || nearSingular(ctx, a)) return { outcome: 'error' };
    }
    return { outcome: 'spurious-error', why: `${e.message} (every matrix is nonsingular)` };
  };

const inv: FuzzSpec<undefined> = {
  name: 'linalg.inv',
  cases: (ctx) => oneMatrixCases(ctx, { square: true }, noOpts),
  call: ([a]) => linalg.inv(a!),
  judge: (c, out, ctx) => inverseJudge(ctx, c, out, 'out'),
  judgeError: linalgErrorIfSingular(),
};

const invEx: FuzzSpec<{ checkErrors?: unknown }> = {
  name: 'linalg.invEx',
  aliases: ['linalg.inv'],
  cases: (ctx) =>
    oneMatrixCases(
      ctx,
      { square: true },
      fc.record({ opts: fc.record({ checkErrors: fc.constantFrom(undefined, false, true) }) }),
    ),
  call: ([a], o) => linalg.invEx(a!, o as { checkErrors?: boolean }),
  judge: (c, out, ctx) => inverseJudge(ctx, c, out, 'inverse', 'info'),
  judgeError: linalgErrorIfSingular(),
};

/**
 * The reference determinant (sign and log|det|) and a log-tolerance: a backward error E with
 * ‖E‖ ≤ bound·σ₁ moves det by at most ‖adj(A)‖₂·‖E‖ ≤ σ₁⋯σ_{n−1}·bound·σ₁ (to first order), each
 * σ_i raised to bound·σ₁ so rank-deficient matrices keep a nonzero tolerance.
 */
export function detReference(ctx: FuzzContext, a: Mat) {
  const n = a.rows;
  const { sign, logabs, mantissa, exponent } = logAbsDet(a);
  const s = singularValues(a);
  const floor = bound(ctx, n) * s[0]!;
  let logTol = Math.log(bound(ctx, n)) + Math.log(s[0]!);
  for (let i = 0; i < n - 1; i++) logTol += Math.log(Math.max(s[i]!, floor));
  return { sign, logabs, logTol, mantissa, exponent };
}

function judgeDet(ctx: FuzzContext, a: Mat, d: number): Verdict {
  if (a.rows === 0) return d === 1 ? ok : wrong(`det of a 0×0 matrix is ${d}, not 1`);
  const { sign, logabs, logTol, mantissa, exponent } = detReference(ctx, a);
  // mantissa·2^exponent in two steps, so neither factor over- or underflows on its own.
  const half = Math.trunc(exponent / 2);
  const exact = sign === 0 ? 0 : mantissa * 2 ** half * 2 ** (exponent - half);
  if (logabs > Math.log(ctx.huge) - 1) {
    // Beyond the range: ±inf (the sign too is lost where the factorization itself overflows), or
    // anything when the backward-error tolerance is as large as |det| (numerically singular).
    const loose = logTol >= logabs - Math.LN2;
    return Math.abs(d) >= ctx.huge / 16 || loose
      ? { outcome: 'overflow' }
      : wrong(`det ${d}, expected about ±e^${logabs}`);
  }
  if (Number.isNaN(d)) return spuriousNan(`det NaN of a finite matrix (det ≈ ${exact})`);
  const tol = Math.exp(logTol) + ctx.tiny;
  // det(A + E) for a backward error E may itself lie beyond the range: inf is then its rounding.
  if (!Number.isFinite(d) && tol > ctx.huge / 16) return { outcome: 'overflow' };
  if (!(Math.abs(d - exact) <= tol)) return wrong(`det ${d}, expected ${exact} ± ${tol}`);
  return ok;
}

const det: FuzzSpec<undefined> = {
  name: 'linalg.det',
  cases: (ctx) => oneMatrixCases(ctx, { square: true }, noOpts),
  call: ([a]) => linalg.det(a!),
  judge: (c, out, ctx) => {
    const batch = batchOf(c);
    const A = c.inputs[0]!;
    return (
      shapeCheck(out, { out: batch }) ??
      perElement(
        numel(batch),
        (b) => matrixAt(A, b),
        (b) => [out.out!.data.subarray(b, b + 1)],
        (b, a) => judgeDet(ctx, a, out.out!.data[b]!),
      )
    );
  },
};

/** sign and log|det| against the reference: exact sign where the tolerance is below |det|/2. */
function judgeSlogdet(ctx: FuzzContext, a: Mat, sign: number, l: number, nanForNegative: boolean): Verdict {
  if (a.rows === 0) return sign === 1 && l === 0 ? ok : wrong(`slogdet of 0×0 is (${sign}, ${l})`);
  const ref = detReference(ctx, a);
  const robust = ref.logTol < ref.logabs - Math.LN2;
  const slack = Number.isFinite(ref.logabs) ? 8 * ctx.u * Math.abs(ref.logabs) + 1e-300 : 0;
  if (robust && ref.sign < 0 && nanForNegative)
    return Number.isNaN(l) ? ok : wrong(`logdet ${l} of det < 0, expected NaN`);
  if (Number.isNaN(l) && !(nanForNegative && !robust))
    return spuriousNan(`log|det| NaN, expected ${ref.logabs}`);
  if (Number.isNaN(l)) return ok;
  if (robust) {
    if (sign !== ref.sign) return wrong(`sign ${sign}, expected ${ref.sign}`);
    const tol = 1.5 * Math.exp(ref.logTol - ref.logabs) + slack;
    if (!(Math.abs(l - ref.logabs) <= tol)) return wrong(`log|det| ${l}, expected ${ref.logabs} ± ${tol}`);
    return ok;
  }
  const hi = Math.max(ref.logabs, ref.logTol) + Math.LN2 + slack;
  if (!(l <= hi)) return wrong(`log|det| ${l} above ${hi} for a (nearly) singular matrix`);
  if (l === -Infinity && sign !== 0) return wrong(`log|det| = −inf with sign ${sign}`);
  return ok;
}

const slogdet: FuzzSpec<undefined> = {
  name: 'linalg.slogdet',
  cases: (ctx) => oneMatrixCases(ctx, { square: true }, noOpts),
  call: ([a]) => linalg.slogdet(a!),
  judge: (c, out, ctx) => {
    const batch = batchOf(c);
    const A = c.inputs[0]!;
    return (
      shapeCheck(out, { sign: batch, logabsdet: batch }) ??
      perElement(
        numel(batch),
        (b) => matrixAt(A, b),
        (b) => [out.logabsdet!.data.subarray(b, b + 1)],
        (b, a) => judgeSlogdet(ctx, a, out.sign!.data[b]!, out.logabsdet!.data[b]!, false),
      )
    );
  },
};

const logdetSpec: FuzzSpec<undefined> = {
  name: 'logdet',
  cases: (ctx) => oneMatrixCases(ctx, { square: true }, noOpts),
  call: ([a]) => logdet(a!),
  judge: (c, out, ctx) => {
    const batch = batchOf(c);
    const A = c.inputs[0]!;
    return (
      shapeCheck(out, { out: batch }) ??
      perElement(
        numel(batch),
        (b) => matrixAt(A, b),
        (b) => [out.out!.data.subarray(b, b + 1)],
        (b, a) => {
          const l = out.out!.data[b]!;
          const ref = logAbsDet(a);
          return judgeSlogdet(ctx, a, l === -Infinity ? 0 : ref.sign, l, true);
        },
      )
    );
  },
};

/** ‖P·A − L·U‖_F ≤ bound·‖|L||U|‖_F, valid pivots, |L| ≤ 1 and info = first zero of diag(U). */
function judgeLu(ctx: FuzzContext, a: Mat, lu: Mat, piv: Float64Array, info: number | undefined): Verdict {
  const { rows: m, cols: n } = a;
  const k = Math.min(m, n);
  const pa = Float64Array.from(a.data);
  for (let i = 0; i < k; i++) {
    const p = piv[i]! - 1;
    if (!(p >= i && p < m)) return wrong(`pivot ${i} is ${piv[i]}, outside ${i + 1}…${m}`);
    for (let j = 0; j < n; j++) [pa[i * n + j], pa[p * n + j]] = [pa[p * n + j]!, pa[i * n + j]!];
  }
  if (!allFinite(lu.data)) return spuriousNan('non-finite LU of a finite matrix');
  const L = mat(m, k);
  const U = mat(k, n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const v = lu.data[i * n + j]!;
      if (j < i && j < k) L.data[i * k + j] = v;
      else if (i < k) U.data[i * n + j] = v;
      if (i === j && i < k) L.data[i * k + j] = 1;
    }
  if (maxAbs(L.data) > 1 + bound(ctx, k)) return wrong(`|L| = ${maxAbs(L.data)} > 1 under partial pivoting`);
  const r = fro(subMat(mat(m, n, pa), matmulMat(L, U)));
  const scale = fro(matmulMat(absMat(L), absMat(U)));
  if (!(r <= bound(ctx, k) * scale + ctx.tiny)) return wrong(`‖P·A − L·U‖ = ${r} against ${scale}`);
  if (info !== undefined) {
    let first = 0;
    for (let i = 0; i < k && first === 0; i++) if (U.data[i * n + i] === 0) first = i + 1;
    if (info !== first) return wrong(`info ${info}, but the first zero of diag(U) is at ${first}`);
  }
  return ok;
}

const luSpec = (ex: boolean): FuzzSpec<undefined> => ({
  name: ex ? 'linalg.luFactorEx' : 'linalg.luFactor',
  aliases: ex ? ['linalg.luFactor'] : [],
  cases: (ctx) => oneMatrixCases(ctx, { square: false }, noOpts),
  call: ([a]) => (ex ? linalg.luFactorEx(a!) : linalg.luFactor(a!)),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    const [m, n] = A.shape.slice(-2) as [number, number];
    const expected: Record<string, number[]> = { LU: A.shape, pivots: [...batch, Math.min(m, n)] };
    if (ex) expected.info = batch;
    return (
      shapeCheck(out, expected) ??
      perElement(
        numel(batch),
        (b) => matrixAt(A, b),
        (b) => [matrixAt(out.LU!, b).data],
        (b, a) =>
          judgeLu(
            ctx,
            a,
            matrixAt(out.LU!, b),
            sliceAt(out.pivots!, batch.length, b).data,
            ex ? out.info!.data[b] : undefined,
          ),
      )
    );
  },
  // U has a zero diagonal entry only where the leading k = min(m, n) columns are rank-deficient.
  judgeError: linalgErrorIfSingular((a) => leadingColumns(a, Math.min(a.rows, a.cols))),
});

function leadingColumns(a: Mat, k: number): Mat {
  const out = mat(a.rows, k);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < k; j++) out.data[i * k + j] = a.data[i * a.cols + j]!;
  return out;
}

const upperArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(undefined, false, true).map((upper) => ({ upper, invalid: undefined })),
  },
  { weight: 1, arbitrary: notBoolean.map((upper) => ({ upper, invalid: `upper = ${String(upper)}` })) },
);

/** The factor of S = L·Lᵀ (or Uᵀ·U): triangular with a positive diagonal and a small residual. */
function judgeCholesky(ctx: FuzzContext, s: Mat, f: Mat, upper: boolean): Verdict {
  const n = s.rows;
  if (!allFinite(f.data)) return spuriousNan('non-finite Cholesky factor of a finite matrix');
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = f.data[i * n + j]!;
      if ((upper ? j < i : j > i) && v !== 0)
        return wrong(`factor entry (${i}, ${j}) = ${v} outside the triangle`);
      if (i === j && !(v > 0)) return wrong(`factor diagonal ${i} is ${v}`);
    }
  const L = upper ? transposeMat(f) : f;
  const r = fro(subMat(s, matmulMat(L, transposeMat(L))));
  const scale = fro(matmulMat(absMat(L), absMat(transposeMat(L))));
  if (!(r <= bound(ctx, n) * scale + ctx.tiny)) return wrong(`‖A − L·Lᵀ‖ = ${r} against ${scale}`);
  return ok;
}

/** λ_min(S) ≤ bound·‖S‖: not (safely) positive-definite, so an error is allowed. */
function notSafelyPd(ctx: FuzzContext, s: Mat): boolean {
  const w = symmetricEigenvalues(s);
  return w.length > 0 && w[0]! <= bound(ctx, s.rows) * fro(s);
}

const choleskySpec = (ex: boolean): FuzzSpec<{ upper?: unknown; checkErrors?: boolean }> => ({
  name: ex ? 'linalg.choleskyEx' : 'linalg.cholesky',
  aliases: ex ? ['linalg.cholesky'] : [],
  cases: (ctx) =>
    oneMatrixCases(
      ctx,
      { square: true },
      fc
        .tuple(upperArb, fc.constantFrom<boolean | undefined>(undefined, false, true))
        .map(([u, checkErrors]) => ({
          opts: { upper: u.upper, checkErrors: ex ? checkErrors : undefined },
          invalid: u.invalid,
        })),
      SPD_KINDS,
    ),
  call: ([a], o) =>
    ex ? linalg.choleskyEx(a!, o as { upper?: boolean }) : linalg.cholesky(a!, o as { upper?: boolean }),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    const upper = c.opts.upper === true;
    const key = ex ? 'L' : 'out';
    return (
      shapeCheck(out, ex ? { L: A.shape, info: batch } : { out: A.shape }) ??
      perElement(
        numel(batch),
        (b) => symmetricFrom(matrixAt(A, b), upper),
        (b) => (ex && out.info!.data[b] !== 0 ? [] : [matrixAt(out[key]!, b).data]),
        (b, s) => {
          const info = ex ? out.info!.data[b]! : 0;
          if (info !== 0) {
            if (info < 1 || info > s.rows) return wrong(`info ${info} outside 1…${s.rows}`);
            return notSafelyPd(ctx, s)
              ? { outcome: 'error' }
              : wrong(`info ${info} for a positive-definite matrix`);
          }
          const v = judgeCholesky(ctx, s, matrixAt(out[key]!, b), upper);
          return v.outcome === 'ok' || !notSafelyPd(ctx, s)
            ? v
            : wrong(`${v.why} (and A is not positive-definite)`);
        },
      )
    );
  },
  judgeError: (c, e, ctx) => {
    if (e.name !== 'LinAlgError') return { outcome: 'spurious-error', why: e.message };
    const A = c.inputs[0]!;
    for (let b = 0; b < numel(batchOf(c)); b++) {
      const s = symmetricFrom(matrixAt(A, b), c.opts.upper === true);
      if (!allFinite(s.data) || notSafelyPd(ctx, s)) return { outcome: 'error' };
    }
    return { outcome: 'spurious-error', why: `${e.message} (every matrix is positive-definite)` };
  },
});

const choleskyInverseSpec: FuzzSpec<{ upper?: unknown }> = {
  name: 'cholesky_inverse',
  cases: (ctx) =>
    oneMatrixCases(
      ctx,
      { square: true },
      upperArb.map((u) => ({ opts: { upper: u.upper }, invalid: u.invalid })),
    ),
  call: ([l], o) => choleskyInverse(l!, o as { upper?: boolean }),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    const upper = c.opts.upper === true;
    return (
      shapeCheck(out, { out: A.shape }) ??
      perElement(
        numel(batch),
        (b) => triangleOf(matrixAt(A, b), upper),
        (b) => [matrixAt(out.out!, b).data],
        (b, t) => {
          // Judged on L/s and X·s² (s = max|L|), so L·Lᵀ stays in range for the oracle.
          const s = maxAbs(t.data) || 1;
          const L = mat(
            t.rows,
            t.cols,
            (upper ? transposeMat(t) : t).data.map((v) => v / s),
          );
          const x = matrixAt(out.out!, b);
          const xs = mat(
            x.rows,
            x.cols,
            x.data.map((v) => v * s * s),
          );
          const sv = singularValues(L);
          // X = (L·Lᵀ)⁻¹ has entries up to 1/σ_min(L)²: beyond the range it is inf (or NaN).
          if (!allFinite(xs.data) && sv.length > 0 && 1 / (sv[sv.length - 1]! * s) ** 2 > ctx.huge / 16)
            return { outcome: 'overflow' };
          const v = judgeInverse(
            ctx,
            matmulMat(L, transposeMat(L)),
            allFinite(x.data) ? xs : x,
            'cholesky_inverse',
          );
          return v.outcome === 'wrong' &&
            outOfRange(ctx, inverseMat(matmulMat(L, transposeMat(L))), 1 / (s * s))
            ? { outcome: 'overflow' }
            : v;
        },
      )
    );
  },
  judgeError: linalgErrorIfSingular((a, c) => triangleOf(a, (c.opts as { upper?: unknown }).upper === true)),
};

export const luSpecs: FuzzSpec<never>[] = [
  inv,
  invEx,
  det,
  slogdet,
  logdetSpec,
  luSpec(false),
  luSpec(true),
  choleskySpec(false),
  choleskySpec(true),
  choleskyInverseSpec,
] as unknown as FuzzSpec<never>[];
