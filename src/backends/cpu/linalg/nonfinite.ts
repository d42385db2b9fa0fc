import type { FloatArray } from './triangular.js';

/**
 * NaN or ±Inf input gives NaN output (issue policy, stricter than LAPACK): a batch element whose
 * matrix holds a non-finite entry in the part an op reads gets NaN in every output entry of that
 * element, on the CPU and on the device alike. Without this, LU-based kernels return finite
 * limits for infinite input (inv([[inf, 1], [1, 1]]) = [[0, 0], [0, 1]], solve gives [0, 1]),
 * which no caller can tell from an answer.
 */

/** Which entries of an n×n matrix are read: the whole matrix, or one triangle (without its diagonal). */
export interface Region {
  /** Only the upper (true) or lower (false) triangle; undefined: the whole matrix. */
  readonly upper?: boolean;
  /** The diagonal is not read (unitriangular). */
  readonly skipDiagonal?: boolean;
}

export const regionCode = (r: Region): number =>
  (r.upper === undefined ? 0 : r.upper ? 1 : 2) + (r.skipDiagonal ? 4 : 0);

/** Whether entry (i, j) is read under region code c (see regionCode). */
function reads(c: number, i: number, j: number): boolean {
  if (i === j) return (c & 4) === 0;
  const tri = c & 3;
  return tri === 0 || (tri === 1 ? j > i : j < i);
}

/** A batch of rows × cols matrices (a triangular region needs rows = cols). */
export interface Batch {
  readonly batch: number;
  readonly rows: number;
  readonly cols: number;
}

/** A batch of n×n matrices. */
export const squares = (batch: number, n: number): Batch => ({ batch, rows: n, cols: n });

/**
 * CPU: fills with NaN, for each matrix of `a` with a non-finite entry in `region`, that batch
 * element's slice of each output (`size` entries per element).
 */
export function poisonNonFiniteCpu(
  a: ArrayLike<number>,
  b: Batch,
  region: Region,
  outputs: readonly { data: FloatArray; size: number }[],
): void {
  const c = regionCode(region);
  const mn = b.rows * b.cols;
  const end = b.batch * mn;
  // One pass over the whole batch; only a non-finite value (v − v is NaN exactly then) costs more.
  for (let q = 0; q < end; q++) {
    const v = a[q];
    if (v - v === 0) continue;
    const e = Math.floor(q / mn);
    const r = q - e * mn;
    if (!reads(c, Math.floor(r / b.cols), r % b.cols)) continue;
    for (const o of outputs) o.data.fill(Number.NaN, e * o.size, (e + 1) * o.size);
    q = (e + 1) * mn - 1; // the next matrix
  }
}
