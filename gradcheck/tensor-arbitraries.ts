/**
 * fast-check arbitraries for general (non-matrix) test tensors: shapes, shapes that broadcast
 * together, and values drawn from a domain (to keep ops like log, sqrt, abs or maximum away from
 * the points where they are not differentiable). Like `arbitraries.ts`, they produce raw host
 * data ({@link TensorSample}); `sampleToTensor` turns one into a tensor.
 *
 * Values come from a seed (`fc.integer`) through the deterministic PRNG of `linalg-rand.ts`, so
 * a failing case shrinks to small shapes first and then to seed 0.
 * @module
 */
import { type Arbitrary, fc } from './fc.js';
import { makeRng, type Rng } from './linalg-rand.js';

/** Host data of one tensor: row-major values and shape (a `MatrixSample` is one too). */
export interface TensorSample {
  shape: number[];
  data: Float64Array;
}

/** Draws one value. */
export type Sampler = (rng: Rng) => number;

/** Options of {@link grid}. */
export interface GridOptions {
  lo: number;
  hi: number;
  /** Grid spacing. */
  step: number;
  /** Grid origin: the values are offset + k·step (default 0). */
  offset?: number;
  /** Uniform noise in [−jitter, jitter] added to each grid value (default 0). */
  jitter?: number;
}

/** Uniform in [lo, hi). */
export function uniform(lo: number, hi: number): Sampler {
  return (rng) => rng.range(lo, hi);
}

/** ±u with u uniform in [lo, hi), random sign: values at least `lo` away from zero. */
export function signed(lo: number, hi: number): Sampler {
  return (rng) => (rng.uniform() < 0.5 ? -1 : 1) * rng.range(lo, hi);
}

/**
 * Values on a jittered grid offset + k·step inside [lo, hi]. Two grids whose offsets differ by
 * step/2 never produce values closer than step/2 − 2·jitter: use them for the two operands of
 * maximum/minimum to stay away from ties.
 */
export function grid(o: GridOptions): Sampler {
  const off = o.offset ?? 0;
  const jitter = o.jitter ?? 0;
  const kLo = Math.ceil((o.lo - off) / o.step);
  const kHi = Math.floor((o.hi - off) / o.step);
  if (kHi < kLo) throw new RangeError(`grid: no grid point in [${o.lo}, ${o.hi}]`);
  return (rng) => {
    const k = kLo + Math.min(kHi - kLo, Math.floor(rng.uniform() * (kHi - kLo + 1)));
    return off + k * o.step + rng.range(-jitter, jitter);
  };
}

/** One of the given values. */
export function oneOf(values: readonly number[]): Sampler {
  return (rng) => values[Math.min(values.length - 1, Math.floor(rng.uniform() * values.length))];
}

/** Options of {@link shapeArb}. */
export interface ShapeOptions {
  /** Fewest dims (default 0: 0-d tensors included). */
  minDims?: number;
  /** Most dims (default 3). */
  maxDims?: number;
  /** Smallest size of a dim (default 0: empty tensors included). */
  minSize?: number;
  /** Largest size of a dim (default 3). */
  maxSize?: number;
}

/**
 * A dim size in [min, max]. When min is 0, zero (an empty tensor) is drawn one time in ten, so
 * that most multi-dim shapes are not empty; shrinking still goes to 0 first.
 */
export function sizeArb(min: number, max: number): Arbitrary<number> {
  if (min > 0 || max === 0) return fc.integer({ min, max });
  return fc.oneof(
    { arbitrary: fc.constant(0), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max }), weight: 9 },
  );
}

/** Shapes with `minDims`–`maxDims` dims of size `minSize`–`maxSize` (sizes by {@link sizeArb}). */
export function shapeArb(o: ShapeOptions = {}): Arbitrary<number[]> {
  const size = sizeArb(o.minSize ?? 0, o.maxSize ?? 3);
  return fc.array(size, { minLength: o.minDims ?? 0, maxLength: o.maxDims ?? 3 });
}

/**
 * `count` shapes that broadcast together: each is a broadcast shape drawn by {@link shapeArb}
 * with some leading dims dropped and some dims set to 1.
 */
export function broadcastShapesArb(count: number, o: ShapeOptions = {}): Arbitrary<number[][]> {
  return shapeArb(o).chain((out) => {
    const one = fc
      .tuple(
        fc.integer({ min: 0, max: out.length }),
        fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      )
      .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
    return fc.tuple(...Array.from({ length: count }, () => one));
  });
}

/** A sample of `shape` with values from `sampler`, drawn from `seed`. */
export function sampleFromSeed(shape: readonly number[], sampler: Sampler, seed: number): TensorSample {
  return samplesFromSeed([shape], [sampler], seed)[0];
}

/** Samples for several shapes from one seed; `samplers[i]` (or the last one) fills sample i. */
export function samplesFromSeed(
  shapes: readonly (readonly number[])[],
  samplers: readonly Sampler[],
  seed: number,
): TensorSample[] {
  const rng = makeRng(seed);
  return shapes.map((shape, i) => {
    const draw = samplers[Math.min(i, samplers.length - 1)];
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(n);
    for (let k = 0; k < n; k++) data[k] = draw(rng);
    return { shape: [...shape], data };
  });
}

/** Samples for the given shapes (an arbitrary of shape lists), valued by `samplers`. */
export function samplesArb(
  shapes: Arbitrary<number[][]>,
  samplers: readonly Sampler[],
): Arbitrary<TensorSample[]> {
  return fc
    .tuple(shapes, fc.integer({ min: 0, max: 0x7fffffff }))
    .map(([s, seed]) => samplesFromSeed(s, samplers, seed));
}

/** One sample of a shape from `shape`, valued by `sampler`. */
export function tensorSampleArb(
  shape: Arbitrary<number[]> = shapeArb(),
  sampler: Sampler = uniform(-1, 1),
): Arbitrary<TensorSample> {
  return samplesArb(
    shape.map((s) => [s]),
    [sampler],
  ).map((l) => l[0]);
}
