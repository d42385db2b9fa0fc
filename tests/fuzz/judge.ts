/**
 * Pieces the fuzz specs share: splitting a batch into matrices, the "NaN in → NaN out for that
 * batch element" rule, output-shape checks and the backward-error bound.
 */
import fc from 'fast-check';
import type { Arr, FuzzContext } from './gen.js';
import { allFinite, type Mat, mat } from './oracle.js';
import { type Outputs, type Verdict, worse } from './runner.js';

/**
 * The backward-error bound for an n-sized problem: (n + 2)·32·u. Backward-stable kernels (LU with
 * partial pivoting, Householder, Jacobi) stay within a small multiple of n·u; a real bug is off
 * by O(1).
 */
export const bound = (ctx: FuzzContext, n: number): number => 32 * (n + 2) * ctx.u;

export const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** The b-th matrix (trailing two dims) of a batched array. */
export function matrixAt(a: Arr, b: number): Mat {
  const [m, n] = a.shape.slice(-2) as [number, number];
  return mat(m, n, a.data.subarray(b * m * n, (b + 1) * m * n));
}

/** The b-th slice of an output whose batch rank is `batchRank`. */
export function sliceAt(a: Arr, batchRank: number, b: number): Arr {
  const core = a.shape.slice(batchRank);
  const size = numel(core);
  return { shape: core, data: a.data.subarray(b * size, (b + 1) * size) };
}

export const asMat = (a: Arr): Mat => {
  const [m, n] = (a.shape.length === 1 ? [a.shape[0], 1] : a.shape.slice(-2)) as [number, number];
  return mat(m, n, a.data);
};

export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** A wrong-output-shape verdict, or null when every named output has its expected shape. */
export function shapeCheck(out: Outputs, expected: Record<string, readonly number[]>): Verdict | null {
  for (const [k, s] of Object.entries(expected)) {
    const got = out[k]?.shape;
    if (!got || !sameShape(got, s))
      return { outcome: 'wrong', why: `output ${k} has shape [${got}], expected [${s}]` };
  }
  return null;
}

export const ok: Verdict = { outcome: 'ok' };
export const wrong = (why: string): Verdict => ({ outcome: 'wrong', why });
export const spuriousNan = (why: string): Verdict => ({ outcome: 'spurious-nan', why });

/**
 * Judges every batch element: where the matrix the op reads (`read(b)`) has a non-finite entry,
 * the element's float outputs must hold a non-finite value (NaN in → NaN out); elsewhere `judge`
 * decides. Returns the worst verdict.
 */
export function perElement(
  count: number,
  read: (b: number) => Mat,
  floatOutputs: (b: number) => Float64Array[],
  judge: (b: number, a: Mat) => Verdict,
): Verdict {
  let v: Verdict = ok;
  for (let b = 0; b < count; b++) {
    const a = read(b);
    if (!allFinite(a.data)) {
      const outs = floatOutputs(b);
      const flagged = outs.length === 0 || outs.some((o) => o.length === 0 || !allFinite(o));
      v = worse(
        v,
        flagged ? { outcome: 'nan' } : wrong(`batch element ${b}: finite output from non-finite input`),
      );
      continue;
    }
    v = worse(v, judge(b, a));
    if (v.outcome === 'crash') break;
  }
  return v;
}

/** max |x| of an array (NaN when it holds one). */
export function maxAbs(d: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    const v = Math.abs(d[i]!);
    if (Number.isNaN(v)) return Number.NaN;
    if (v > m) m = v;
  }
  return m;
}

/** An option value that is valid, or an invalid one with the reason (the call must raise). */
export function optionArb<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>, name: string) {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: valid.map((v) => ({ value: v as unknown, invalid: undefined as string | undefined })),
    },
    { weight: 1, arbitrary: invalid.map((v) => ({ value: v, invalid: `${name} = ${String(v)}` })) },
  );
}
