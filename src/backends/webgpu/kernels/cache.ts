import type { Kernel } from '../kernel.js';

/**
 * Helpers of the generated kernels in this folder: a cache of built kernels by key, and the length
 * of a params array field for a given number of values.
 */

const built = new Map<string, Kernel>();

/** The kernel built by `build` for `key`, built once. */
export function cachedKernel(key: string, build: () => Kernel): Kernel {
  let k = built.get(key);
  if (!k) {
    k = build();
    built.set(key, k);
  }
  return k;
}

/**
 * The length of a params array that holds `n` values: the next power of two (at least 4), or `n`
 * rounded up to a multiple of 4 when that power would not fit in `max`. Kernels whose arrays fall
 * in one bucket share their code, so few pipelines are compiled for many shapes.
 */
export function paramArrayLength(n: number, max = 240): number {
  let len = 4;
  while (len < n) len *= 2;
  return len <= max ? len : Math.ceil(n / 4) * 4;
}
