import type { CpuView } from '../../backend.js';

/** The small CPU kernels of the matrix norms and ranks: row extrema, counts above a cutoff, nonzero flags. */

/** out[b] = max (or min) of row b of x over its last dim, NaN if the row holds one. */
export function extremumCpu(x: CpuView, out: CpuView, min: boolean): void {
  const k = x.shape[x.shape.length - 1];
  for (let b = 0; b < out.data.length; b++) {
    let best = x.data[b * k];
    for (let l = 1; l < k; l++) {
      const v = x.data[b * k + l];
      if (Number.isNaN(v) || (min ? v < best : v > best)) best = v;
      if (Number.isNaN(best)) break;
    }
    out.data[b] = best;
  }
}

/** out[b] = the number of entries of row b of s whose magnitude exceeds max(atol, rtol·max|s|). */
export function countAboveCpu(s: CpuView, out: CpuView, atol: number, rtol: number): void {
  const k = s.shape[s.shape.length - 1];
  for (let b = 0; b < out.data.length; b++) {
    let smax = 0;
    for (let l = 0; l < k; l++) smax = Math.max(smax, Math.abs(s.data[b * k + l]));
    const cut = Math.max(atol, rtol * smax);
    let r = 0;
    for (let l = 0; l < k; l++) if (Math.abs(s.data[b * k + l]) > cut) r++;
    out.data[b] = r;
  }
}

/** out = 1 where the int32 x is nonzero, else 0. */
export function nonzeroCpu(x: CpuView, out: CpuView): void {
  for (let i = 0; i < x.data.length; i++) out.data[i] = x.data[i] !== 0 ? 1 : 0;
}
