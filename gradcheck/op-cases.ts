/**
 * Case arbitraries for shape ops and matmul, whose arguments depend on the input shapes
 * (used by tests/op-table.ts). Each gives `OpCase`s with values uniform in [−1.5, 1.5].
 * @module
 */
import { fc } from './fc.js';
import { casesOf, dimIn, shaped } from './op-info.js';
import { broadcastShapesArb, shapeArb, sizeArb, uniform } from './tensor-arbitraries.js';

const wide = uniform(-1.5, 1.5);

export type ReshapeArgs = { shape: number[] };
/** Input and target shapes are two groupings of the same list of factors; maybe one -1. */
export const reshapeArb = casesOf(
  fc
    .tuple(
      fc.array(sizeArb(0, 3), { maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      fc.nat(),
    )
    .map(([factors, mergeIn, mergeOut, pick]) => {
      const group = (merge: boolean[]) =>
        factors.reduce<number[]>((acc, f, i) => {
          if (i > 0 && merge[i]) acc[acc.length - 1] *= f;
          else acc.push(f);
          return acc;
        }, []);
      const target = group(mergeOut);
      const numel = factors.reduce((a, b) => a * b, 1);
      if (numel > 0 && target.length > 0 && pick % 2 === 0) target[pick % target.length] = -1;
      return { shapes: [group(mergeIn)], args: { shape: target } };
    }),
  [wide],
);

export type ExpandArgs = { shape: number[] };
/** Target shape, then the input: leading dims dropped and some dims 1; -1 keeps some sizes. */
export const expandArb = casesOf(
  shapeArb({ maxDims: 4 }).chain((target) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: target.length }),
        fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }),
        fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }),
      )
      .map(([drop, ones, keep]) => {
        const input = target.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
        const shape = target.map((d, i) => (i >= drop && keep[i] && input[i - drop] === d ? -1 : d));
        return { shapes: [input], args: { shape } };
      }),
  ),
  [wide],
);

export type NarrowArgs = { dim: number; start: number; length: number };
export const narrowArb = shaped(shapeArb({ minDims: 1 }), (s) =>
  dimIn(s.length).chain((dim) => {
    const size = s[dim < 0 ? dim + s.length : dim];
    return fc.integer({ min: 0, max: size }).chain((start) =>
      fc.tuple(fc.integer({ min: 0, max: size - start }), fc.boolean()).map(([length, negative]) => ({
        dim,
        start: negative && start < size ? start - size : start,
        length,
      })),
    );
  }),
);

export type DiagArgs = { offset: number; dim1: number; dim2: number };
export const diagonalArb = shaped(shapeArb({ minDims: 2, maxDims: 4 }), (s) =>
  fc
    .tuple(fc.integer({ min: -3, max: 3 }), dimIn(s.length), dimIn(s.length))
    .filter(([, a, b]) => (a + s.length) % s.length !== (b + s.length) % s.length)
    .map(([offset, dim1, dim2]) => ({ offset, dim1, dim2 })),
);

export type CatArgs = { dim: number };
/** 1–3 tensors equal except along `dim` (sizes 0–3 there). */
export const catArb = casesOf(
  shapeArb({ minDims: 1 }).chain((base) =>
    fc
      .tuple(dimIn(base.length), fc.array(sizeArb(0, 3), { minLength: 1, maxLength: 3 }))
      .map(([dim, sizes]) => {
        const d = dim < 0 ? dim + base.length : dim;
        return { shapes: sizes.map((n) => base.map((b, i) => (i === d ? n : b))), args: { dim } };
      }),
  ),
  [wide],
);
export const stackArb = casesOf(
  fc
    .tuple(shapeArb(), fc.integer({ min: 1, max: 3 }))
    .chain(([s, count]) =>
      fc
        .integer({ min: -(s.length + 1), max: s.length })
        .map((dim) => ({ shapes: Array.from({ length: count }, () => s), args: { dim } })),
    ),
  [wide],
);

/** matmul operands: 1-D or (batched) matrices; the batch dims broadcast; m, k, n in 0–3. */
export const matmulArb = casesOf(
  fc
    .tuple(
      broadcastShapesArb(2, { maxDims: 2, maxSize: 2 }),
      sizeArb(0, 3),
      sizeArb(0, 3),
      sizeArb(0, 3),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([[ba, bb], m, k, n, aVec, bVec]) => ({
      shapes: [aVec ? [k] : [...ba, m, k], bVec ? [k] : [...bb, k, n]],
      args: undefined,
    })),
  [wide],
);
