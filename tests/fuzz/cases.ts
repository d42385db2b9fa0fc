/**
 * Case arbitraries the fuzz specs share: a batch of matrices (square or not), with an occasional
 * invalid shape (1-D, non-square where square is needed) or dtype-free option value.
 */
import fc from 'fast-check';
import {
  type Arr,
  BASE_KINDS,
  batchArb,
  type FuzzContext,
  matrices,
  type Rng,
  rngFrom,
  seedArb,
  sizeArb,
  type ValueKind,
} from './gen.js';
import type { FuzzCase } from './runner.js';

export interface MatrixDraw {
  batch: number[];
  m: number;
  n: number;
  rng: Rng;
  /** Why the shape is invalid for the op, or undefined. */
  invalid?: string;
}

/**
 * Shapes for a batched matrix op: square when `square` (sometimes a non-square or 1-D input that
 * must be rejected), otherwise any m×n.
 */
export function drawArb(opts: { square: boolean; badShapes?: boolean }): fc.Arbitrary<MatrixDraw> {
  return fc
    .record({
      batch: batchArb,
      m: sizeArb,
      n: sizeArb,
      seed: seedArb,
      bad: fc.integer({ min: 0, max: 19 }),
    })
    .map(({ batch, m, n, seed, bad }) => {
      const rng = rngFrom(seed);
      const badShapes = opts.badShapes ?? true;
      if (badShapes && bad === 0) return { batch: [], m: 0, n: Math.max(n, 1), rng, invalid: '1-D input' };
      if (opts.square) {
        if (badShapes && bad === 1 && m !== n)
          return { batch, m, n, rng, invalid: `${m}x${n} is not square` };
        return { batch, m: n, n, rng };
      }
      return { batch, m, n, rng };
    });
}

/** The input array of a draw (a 1-D vector for the '1-D input' invalid case). */
export function drawInput(ctx: FuzzContext, d: MatrixDraw, kinds: readonly ValueKind[] = BASE_KINDS): Arr {
  if (d.invalid === '1-D input') return { shape: [d.n], data: matrices(ctx, d.rng, [], 1, d.n, kinds).data };
  return matrices(ctx, d.rng, d.batch, d.m, d.n, kinds);
}

/** One-matrix cases with options drawn by `opts` (whose invalid reason, if any, wins over none). */
export function oneMatrixCases<O>(
  ctx: FuzzContext,
  shape: { square: boolean; badShapes?: boolean },
  optsArb: fc.Arbitrary<{ opts: O; invalid?: string }>,
  kinds: readonly ValueKind[] = BASE_KINDS,
): fc.Arbitrary<FuzzCase<O>> {
  return fc.tuple(drawArb(shape), optsArb).map(([d, o]) => ({
    inputs: [drawInput(ctx, d, kinds)],
    opts: o.opts,
    invalid: d.invalid ?? o.invalid,
  }));
}

export const SPD_KINDS: readonly ValueKind[] = [...BASE_KINDS, 'spd', 'spd', 'spd', 'spd', 'symmetric'];
export const SYM_KINDS: readonly ValueKind[] = [...BASE_KINDS, 'symmetric', 'symmetric', 'symmetric', 'spd'];

/** Wrongly typed values for a boolean option (as an outside caller from JavaScript might pass). */
export const notBoolean = fc.constantFrom<unknown>('yes', 1, 0, null, 'false');

/** The batch dims of a second operand that broadcast against `batch` (or, when `bad`, do not). */
export function broadcastPartner(rng: Rng, batch: readonly number[]): number[] {
  const r = rng.int(0, 2);
  if (r === 0) return [...batch];
  if (r === 1) return batch.slice(rng.int(0, batch.length)).map((d) => (rng.next() < 0.5 ? 1 : d));
  return [rng.int(1, 2), ...batch];
}

/** Maps a flat index of the broadcast batch `out` to the flat index in `inp`. */
export function broadcastIndex(out: readonly number[], inp: readonly number[], b: number): number {
  let idx = 0;
  let stride = 1;
  let rem = b;
  const coords: number[] = [];
  for (let d = out.length - 1; d >= 0; d--) {
    coords[d] = rem % out[d]!;
    rem = Math.floor(rem / out[d]!);
  }
  for (let d = inp.length - 1; d >= 0; d--) {
    const c = coords[d + out.length - inp.length]!;
    idx += (inp[d] === 1 ? 0 : c) * stride;
    stride *= inp[d]!;
  }
  return idx;
}

/** Broadcast of two batch shapes, or null when they do not broadcast. */
export function broadcastBatch(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}
