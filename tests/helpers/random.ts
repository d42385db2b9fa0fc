/**
 * Seeded uniform values in [−0.5, 0.5) from a 32-bit linear congruential generator: the same
 * matrices on every run and machine, for the CPU kernel suites that compare kernels bit for bit
 * or against backward-error bounds.
 */
export function random(count: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}
