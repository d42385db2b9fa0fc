import { numelOf } from '../../../shape.js';
import type { CpuView } from '../../backend.js';
import { eigh } from './eigh.js';
import { type QrMode, qr } from './qr.js';
import { type SvdOptions, svdCpu } from './svd.js';
import type { FloatArray } from './triangular.js';

/**
 * Per-matrix power-of-two exponents for kernels whose norms and rotations lose accuracy near the
 * ends of the range: e with 2^e·max|a| near 1 for each matrix whose max|a| lies outside
 * [2^−range, 2^range], 0 for the others; null when every matrix is in range and free of subnormal
 * entries (the common case costs one pass). Subnormal entries of a matrix whose max is normal
 * make the rotations of the iterations inaccurate (1e-6 relative in σ₁ from a 1e-319 entry), so
 * their presence also asks for the copy, in which `scaledCopy` flushes them to zero: a backward
 * error below 2^-1022, far under eps·‖A‖ for a matrix in range. With `triangle` (n×n matrices of
 * which only the lower or upper triangle is read, as eigh) only that triangle sets the scale.
 */
export function rangeScales(
  a: ArrayLike<number>,
  batch: number,
  size: number,
  triangle?: { n: number; upper: boolean },
): Int32Array | null {
  const f32 = a instanceof Float32Array;
  const range = f32 ? 60 : 500;
  const tiny = f32 ? 2 ** -126 : 2 ** -1022;
  let exps: Int32Array | null = null;
  for (let b = 0; b < batch; b++) {
    let big = 0;
    let small = Infinity;
    for (let i = b * size; i < (b + 1) * size; i++) {
      if (triangle) {
        const r = Math.floor((i - b * size) / triangle.n);
        const c = (i - b * size) % triangle.n;
        if (triangle.upper ? c < r : c > r) continue;
      }
      const v = Math.abs(a[i]);
      if (v > big) big = v;
      if (v !== 0 && v < small) small = v;
    }
    if (!(big > 0) || !Number.isFinite(big)) continue;
    const e = Math.floor(Math.log2(big));
    if (Math.abs(e) <= range && small >= tiny) continue;
    exps ??= new Int32Array(batch);
    exps[b] = Math.abs(e) <= range ? 0 : -e;
  }
  return exps;
}

/** x·2^e in two steps, so that 2^e itself cannot overflow (e down to −2100 and up to 2100). */
export const timesPow2 = (x: number, e: number): number => x * 2 ** (e >> 1) * 2 ** (e - (e >> 1));

/** A copy of the batch with matrix b multiplied by 2^exps[b] and subnormal results flushed to 0. */
export function scaledCopy<T extends Float32Array | Float64Array>(a: T, exps: Int32Array, size: number): T {
  const out = a.slice() as T;
  const tiny = a instanceof Float32Array ? 2 ** -126 : 2 ** -1022;
  for (let b = 0; b < exps.length; b++) {
    const e = exps[b];
    for (let i = b * size; i < (b + 1) * size; i++) {
      const v = e === 0 ? out[i] : timesPow2(out[i], e);
      out[i] = Math.abs(v) < tiny ? 0 : v;
    }
  }
  return out;
}

/**
 * The CPU kernels of the svd, eigh and qr ops: subnormal or huge matrices are decomposed scaled by
 * 2^e (exact), and the values (S, λ, R) are scaled back.
 */
export function svdScaledCpu(
  a: CpuView,
  [u, s, vh, info]: readonly CpuView[],
  { fullMatrices, computeUV }: SvdOptions,
): void {
  const [m, n] = a.shape.slice(-2);
  const k = Math.min(m, n);
  const batch = numelOf(a.shape.slice(0, -2));
  const U = computeUV ? (u.data as FloatArray) : null;
  const V = computeUV ? (vh.data as FloatArray) : null;
  const scales = rangeScales(a.data, batch, m * n);
  svdCpu(
    scales ? scaledCopy(a.data as FloatArray, scales, m * n) : (a.data as FloatArray),
    batch,
    m,
    n,
    U,
    s.data as FloatArray,
    V,
    { fullMatrices, computeUV },
    info.data as Int32Array,
  );
  if (scales)
    for (let i = 0; i < batch * k; i++) s.data[i] = timesPow2(s.data[i], -scales[Math.floor(i / k)]);
}

/** eigh of the `upper` (or lower) triangle; see svdScaledCpu. */
export function eighScaledCpu(
  a: CpuView,
  [w, v, info]: readonly CpuView[],
  upper: boolean,
  vectors: boolean,
): void {
  const n = a.shape[a.shape.length - 1];
  const batch = numelOf(a.shape.slice(0, -2));
  const exps = rangeScales(a.data, batch, n * n, { n, upper });
  eigh(
    exps ? scaledCopy(a.data as FloatArray, exps, n * n) : (a.data as FloatArray),
    batch,
    n,
    upper,
    w.data as FloatArray,
    vectors ? (v.data as FloatArray) : null,
    vectors,
    info.data as Int32Array,
  );
  if (exps) for (let i = 0; i < batch * n; i++) w.data[i] = timesPow2(w.data[i], -exps[Math.floor(i / n)]);
}

/** Householder QR; see svdScaledCpu. */
export function qrScaledCpu(a: CpuView, q: CpuView, r: CpuView, mode: QrMode): void {
  const [m, n] = a.shape.slice(-2);
  const batch = numelOf(a.shape.slice(0, -2));
  const scales = rangeScales(a.data, batch, m * n);
  qr(
    scales ? scaledCopy(a.data as FloatArray, scales, m * n) : (a.data as FloatArray),
    batch,
    m,
    n,
    mode === 'r' ? null : (q.data as FloatArray),
    r.data as FloatArray,
    mode,
  );
  const rSize = r.data.length / Math.max(batch, 1);
  if (scales)
    for (let i = 0; i < r.data.length; i++) r.data[i] = timesPow2(r.data[i], -scales[Math.floor(i / rSize)]);
}
