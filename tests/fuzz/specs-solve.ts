/**
 * Fuzz specs of solve and solveTriangular: B as a vector, a batch of vectors or matrices whose
 * batch dims broadcast against A's (or do not), left true/false, wrongly typed flags. Oracle: the
 * residual ‖A·X − B‖ against |A||X| + |B| per broadcast batch element, and torch's output shapes.
 */
import fc from 'fast-check';
import { linalg } from '../../src/index.js';
import { broadcastBatch, broadcastIndex, broadcastPartner, drawArb, drawInput, notBoolean } from './cases.js';
import { type Arr, type FuzzContext, matrices } from './gen.js';
import {
  bound,
  matrixAt,
  maxAbs,
  numel,
  ok,
  perElement,
  sameShape,
  shapeCheck,
  spuriousNan,
  wrong,
} from './judge.js';
import {
  absMat,
  allFinite,
  fro,
  type Mat,
  mat,
  matmulMat,
  singularValues,
  subMat,
  transposeMat,
  triangleOf,
} from './oracle.js';
import type { FuzzCase, FuzzSpec, Outputs, Verdict } from './runner.js';
import { nearSingular } from './specs-lu.js';

type SolveOpts = { left?: unknown; upper?: unknown; unitriangular?: unknown };

const flagArb = (name: string, values: readonly unknown[]) =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(...values).map((v) => ({ v, bad: undefined as string | undefined })),
    },
    { weight: 1, arbitrary: notBoolean.map((v) => ({ v, bad: `${name} = ${String(v)}` })) },
  );

/** What torch returns for solve's B shape: the output shape, or why it must raise. */
export function solveShape(
  a: readonly number[],
  b: readonly number[],
  left: boolean,
  vectorRule: boolean,
): { shape?: number[]; vector?: boolean; invalid?: string } {
  const n = a[a.length - 1]!;
  const batchA = a.slice(0, -2);
  if (b.length < 1) return { invalid: 'B is 0-d' };
  const vector =
    vectorRule && (b.length === 1 || (b.length === a.length - 1 && sameShape(b, a.slice(0, -1))));
  if (vector && !left) return { invalid: 'a vector B with left=false' };
  const bm = vector ? [...b, 1] : b;
  if (bm.length < 2) return { invalid: 'B must have at least 2 dims' };
  const [r, k] = bm.slice(-2) as [number, number];
  if ((left ? r : k) !== n) return { invalid: `B ${r}x${k} does not fit A ${n}x${n} (left=${left})` };
  const batch = broadcastBatch(batchA, bm.slice(0, -2));
  if (!batch) return { invalid: 'batch dims do not broadcast' };
  return { shape: vector ? [...batch, n] : [...batch, r, k], vector };
}

function solveCases(ctx: FuzzContext, triangular: boolean): fc.Arbitrary<FuzzCase<SolveOpts>> {
  return fc
    .tuple(
      drawArb({ square: true }),
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 0, max: 4 }),
      flagArb('left', [undefined, true, false]),
      flagArb('upper', triangular ? [true, false] : [undefined]),
      flagArb('unitriangular', triangular ? [undefined, true, false] : [undefined]),
    )
    .map(([d, form, k, left, upper, unit]) => {
      const A = drawInput(ctx, d);
      const n = d.n;
      const batch = A.shape.slice(0, -2);
      const rng = d.rng;
      const leftV = left.v === undefined ? true : left.v === true;
      // B: a vector, a batch of vectors, matrices with broadcast batch dims, or a misfit.
      let bShape: number[];
      if (form === 0 && !triangular) bShape = [n];
      else if (form === 1 && !triangular) bShape = [...batch, n];
      else if (form === 8) bShape = [...broadcastPartner(rng, batch), n + 1, k];
      else if (form === 9) bShape = [rng.int(2, 3), ...batch.map((x) => x + 1), n, k];
      else {
        const partner = broadcastPartner(rng, batch);
        bShape = leftV ? [...partner, n, k] : [...partner, k, n];
      }
      const B: Arr = matrices(ctx, rng, [], 1, numel(bShape), undefined);
      B.shape = bShape;
      const expect = solveShape(A.shape, bShape, leftV, !triangular);
      const opts: SolveOpts = triangular
        ? { left: left.v, upper: upper.v, unitriangular: unit.v }
        : { left: left.v };
      if (triangular && upper.v === undefined) expect.invalid ??= 'upper missing';
      return {
        inputs: [A, B],
        opts,
        invalid:
          d.invalid ?? left.bad ?? (triangular ? (upper.bad ?? unit.bad) : undefined) ?? expect.invalid,
      };
    });
}

/** Residual check of one solve: ‖A·X − B‖_F ≤ bound·(‖|A||X|‖_F + ‖B‖_F). */
function judgeResidual(ctx: FuzzContext, a: Mat, x: Mat, b: Mat, overflowOk: () => boolean): Verdict {
  if (!allFinite(x.data))
    return overflowOk() ? { outcome: 'overflow' } : spuriousNan('non-finite solution of a finite system');
  const r = fro(subMat(matmulMat(a, x), b));
  const scale = fro(matmulMat(absMat(a), absMat(x))) + fro(b);
  if (!(r <= bound(ctx, a.rows) * scale + ctx.tiny)) {
    // X below the dtype's range (‖B‖/‖A‖ under tiny/u) underflows to zero or subnormals.
    if (fro(b) < (fro(a) * ctx.tiny) / ctx.u || overflowOk()) return { outcome: 'overflow' };
    return wrong(`‖A·X − B‖ = ${r} against ${scale}`);
  }
  return ok;
}

function judgeSolve(c: FuzzCase<SolveOpts>, out: Outputs, ctx: FuzzContext, triangular: boolean): Verdict {
  const [A, B] = c.inputs as [Arr, Arr];
  const left = c.opts.left === undefined || c.opts.left === true;
  const expect = solveShape(A.shape, B.shape, left, !triangular);
  const X = out.out!;
  const bad = shapeCheck(out, { out: expect.shape! });
  if (bad) return bad;
  const n = A.shape[A.shape.length - 1]!;
  const batchA = A.shape.slice(0, -2);
  const bm = expect.vector ? [...B.shape, 1] : B.shape;
  const batchB = bm.slice(0, -2);
  const [r, k] = bm.slice(-2) as [number, number];
  const batch = expect.shape!.slice(0, expect.vector ? -1 : -2);
  const xAt = (e: number) => mat(r, k, X.data.subarray(e * r * k, (e + 1) * r * k));
  const bAt = (e: number) => {
    const i = broadcastIndex(batch, batchB, e);
    return mat(r, k, B.data.subarray(i * r * k, (i + 1) * r * k));
  };
  const read = (e: number) => {
    const a = matrixAt(A, broadcastIndex(batch, batchA, e));
    return triangular ? triangleOf(a, c.opts.upper === true, c.opts.unitriangular === true) : a;
  };
  return perElement(
    numel(batch),
    (e) => {
      // Non-finite anywhere in what the element reads (A's triangle or B) must show in its X.
      const a = read(e);
      return allFinite(bAt(e).data) ? a : mat(1, 1, [Number.NaN]);
    },
    (e) => [xAt(e).data],
    (e, a0) => {
      const a = left ? a0 : transposeMat(a0);
      const x = left ? xAt(e) : transposeMat(xAt(e));
      const b = left ? bAt(e) : transposeMat(bAt(e));
      const overflowOk = () => {
        if (triangular || nearSingular(ctx, a) || maxAbs(b.data) === 0 || n === 0) return true;
        const s = singularValues(a);
        return fro(b) / s[s.length - 1]! > ctx.huge / 16;
      };
      return judgeResidual(ctx, a, x, b, overflowOk);
    },
  );
}

const solve: FuzzSpec<SolveOpts> = {
  name: 'linalg.solve',
  cases: (ctx) => solveCases(ctx, false),
  call: ([a, b], o) => linalg.solve(a!, b!, o as { left?: boolean }),
  judge: (c, out, ctx) => judgeSolve(c, out, ctx, false),
  judgeError: (c, e, ctx) => {
    if (e.name !== 'LinAlgError') return { outcome: 'spurious-error', why: e.message };
    const A = c.inputs[0]!;
    for (let b = 0; b < numel(A.shape.slice(0, -2)); b++) {
      const a = matrixAt(A, b);
      if (!allFinite(a.data) || nearSingular(ctx, a)) return { outcome: 'error' };
    }
    return { outcome: 'spurious-error', why: `${e.message} (every A is nonsingular)` };
  },
};

const solveTriangular: FuzzSpec<SolveOpts> = {
  name: 'linalg.solveTriangular',
  cases: (ctx) => solveCases(ctx, true),
  call: ([a, b], o) => linalg.solveTriangular(a!, b!, o as { upper: boolean }),
  judge: (c, out, ctx) => judgeSolve(c, out, ctx, true),
};

export const solveSpecs: FuzzSpec<never>[] = [solve, solveTriangular] as unknown as FuzzSpec<never>[];
