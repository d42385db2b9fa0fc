import type { Tensor } from '../../src/index.js';

/**
 * Planted-bug rates of one family: for every sample, in slow and (unless `slowOnly`) fast mode,
 * `check(xs, bug, fastMode)` runs on the buggy op (a pass is a miss) and on the correct one (a
 * failure is a false alarm). `check` returns what gradcheck returns with raiseException: false.
 */
export function plantedRates(
  samples: readonly Tensor[][],
  slowOnly: boolean,
  check: (xs: Tensor[], bug: boolean, fastMode: boolean) => boolean,
): { misses: number; alarms: number; total: number } {
  let misses = 0;
  let alarms = 0;
  let total = 0;
  for (const xs of samples) {
    for (const fastMode of slowOnly ? [false] : [false, true]) {
      total++;
      if (check(xs, true, fastMode)) misses++;
      if (!check(xs, false, fastMode)) alarms++;
    }
  }
  return { misses, alarms, total };
}
