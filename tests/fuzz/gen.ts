/**
 * Adversarial inputs for the fuzz suite: fast-check arbitraries for shapes (batch 0, 0×0, 1×1,
 * non-square) and a seeded per-matrix value kind (Gaussian, 1e±300, subnormal, exact zeros, small
 * integers, singular, rank-deficient, graded, NaN/±inf entries, symmetric, SPD). Values are rounded
 * to the dtype under test, so the oracle sees exactly what the kernel sees.
 */
import fc from 'fast-check';

export type FuzzDevice = 'cpu' | 'webgpu';

export interface FuzzContext {
  device: FuzzDevice;
  dtype: 'float64' | 'float32';
  /** Unit roundoff of the dtype. */
  u: number;
  /** Smallest positive normal number of the dtype. */
  tiny: number;
  /** Largest finite number of the dtype. */
  huge: number;
}

export const contextFor = (device: FuzzDevice): FuzzContext =>
  device === 'cpu'
    ? { device, dtype: 'float64', u: 2 ** -53, tiny: 2.2250738585072014e-308, huge: Number.MAX_VALUE }
    : { device, dtype: 'float32', u: 2 ** -24, tiny: 1.1754943508222875e-38, huge: 3.4028234663852886e38 };

/** An input array: its shape and its values (already rounded to the dtype). */
export interface Arr {
  shape: number[];
  data: Float64Array;
}

export type ValueKind =
  | 'gauss'
  | 'scaled'
  | 'subnormal'
  | 'zeros'
  | 'integers'
  | 'singular'
  | 'rankdef'
  | 'graded'
  | 'nonfinite'
  | 'special'
  | 'symmetric'
  | 'spd'
  | 'zerocol'
  | 'duprows';

/** A small seeded generator (mulberry32): the data of one case follows from its fast-check seed. */
export function rngFrom(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return { next, gauss, int, pick };
}
export type Rng = ReturnType<typeof rngFrom>;

const round = (ctx: FuzzContext, v: number) => (ctx.dtype === 'float32' ? Math.fround(v) : v);

/** One m×n matrix of the given kind, row-major. */
export function fillMatrix(ctx: FuzzContext, rng: Rng, kind: ValueKind, m: number, n: number): Float64Array {
  const a = new Float64Array(m * n);
  const f64 = ctx.dtype === 'float64';
  const g = () => rng.gauss();
  for (let i = 0; i < a.length; i++) a[i] = g();
  switch (kind) {
    case 'gauss':
      break;
    case 'scaled': {
      const e = rng.pick(f64 ? [300, -300, 150, -150, 20, -20] : [30, -30, 15, -15, 6, -6]);
      for (let i = 0; i < a.length; i++) a[i]! *= 10 ** e;
      break;
    }
    case 'subnormal':
      for (let i = 0; i < a.length; i++) a[i]! *= f64 ? 1e-310 : 1e-41;
      break;
    case 'zeros':
      a.fill(0);
      break;
    case 'integers':
      for (let i = 0; i < a.length; i++) a[i] = rng.int(-2, 2);
      break;
    case 'singular':
      if (m >= 2) for (let j = 0; j < n; j++) a[(m - 1) * n + j] = a[j]!;
      else if (n >= 1) for (let i = 0; i < m; i++) a[i * n + n - 1] = 0;
      break;
    case 'rankdef': {
      const r = rng.int(0, Math.max(0, Math.min(m, n) - 1));
      const left = Array.from({ length: m * r }, g);
      const right = Array.from({ length: r * n }, g);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let t = 0;
          for (let l = 0; l < r; l++) t += left[i * r + l]! * right[l * n + j]!;
          a[i * n + j] = t;
        }
      break;
    }
    case 'zerocol': {
      // A zero column (and row) inside: a zero pivot in the middle of the elimination.
      const c = rng.int(0, Math.max(0, n - 1));
      for (let i = 0; i < m; i++) a[i * n + c] = 0;
      if (rng.next() < 0.5 && m > 0) for (let j = 0; j < n; j++) a[rng.int(0, m - 1) * n + j] = 0;
      break;
    }
    case 'duprows':
      for (let i = 1; i < m; i++)
        if (rng.next() < 0.5) for (let j = 0; j < n; j++) a[i * n + j] = a[(i - 1) * n + j]!;
      break;
    case 'graded':
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) a[i * n + j]! *= 10 ** (-(f64 ? 12 : 5) * (i / Math.max(1, m - 1)));
      break;
    case 'nonfinite': {
      const count = rng.int(1, 2);
      for (let c = 0; c < count && a.length > 0; c++)
        a[rng.int(0, a.length - 1)] = rng.pick([Number.NaN, Infinity, -Infinity]);
      break;
    }
    case 'special':
      for (let i = 0; i < a.length; i++) {
        const r = rng.next();
        if (r < 0.25) a[i] = 0;
        else if (r < 0.35) a[i]! *= f64 ? 1e-300 : 1e-30;
        else if (r < 0.45) a[i]! *= f64 ? 1e300 : 1e30;
        else if (r < 0.5) a[i]! *= f64 ? 5e-324 * 1e5 : 1e-40;
      }
      break;
    case 'symmetric':
    case 'spd':
      if (m === n) {
        const s = new Float64Array(m * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            s[i * n + j] = kind === 'symmetric' ? a[Math.max(i, j) * n + Math.min(i, j)]! : 0;
        if (kind === 'spd') {
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++)
              for (let l = 0; l < n; l++) s[i * n + j]! += a[i * n + l]! * a[j * n + l]!;
          for (let i = 0; i < n; i++) s[i * n + i]! += 0.1;
        }
        a.set(s);
      }
      break;
  }
  // Subnormals are meaningless on WebGPU (WGSL may flush them to zero): keep them on the CPU.
  for (let i = 0; i < a.length; i++) {
    const v = round(ctx, a[i]!);
    a[i] = ctx.device === 'webgpu' && v !== 0 && Math.abs(v) < ctx.tiny ? 0 : v;
  }
  return a;
}

export const BASE_KINDS: readonly ValueKind[] = [
  'gauss',
  'gauss',
  'scaled',
  'subnormal',
  'zeros',
  'integers',
  'singular',
  'rankdef',
  'graded',
  'nonfinite',
  'special',
  'zerocol',
  'duprows',
];

/** Batch shapes: none, a batch of 0, small batches of one or two dims. */
export const batchArb: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<number[]>([]) },
  { weight: 1, arbitrary: fc.constant<number[]>([0]) },
  { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }) },
);

/** Matrix sizes: mostly 0…6 (0 and 1 often), sometimes up to 12, rarely up to 33 (kernel tiles). */
export const sizeArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, 1) },
  { weight: 12, arbitrary: fc.integer({ min: 2, max: 6 }) },
  { weight: 2, arbitrary: fc.integer({ min: 7, max: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 13, max: 33 }) },
);

export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** A batch of m×n matrices, each batch element of its own kind drawn from `kinds`. */
export function matrices(
  ctx: FuzzContext,
  rng: Rng,
  batch: readonly number[],
  m: number,
  n: number,
  kinds: readonly ValueKind[] = BASE_KINDS,
): Arr {
  const count = batch.reduce((p, d) => p * d, 1);
  const data = new Float64Array(count * m * n);
  for (let b = 0; b < count; b++) data.set(fillMatrix(ctx, rng, rng.pick(kinds), m, n), b * m * n);
  return { shape: [...batch, m, n], data };
}
