import type { CpuView } from '../backend.js';
import { type FloatArray, gemm } from './linalg/triangular.js';

/** Below this many multiply-adds per matrix the plain loops beat the blocked kernel's setup. */
const GEMM_MIN_WORK = 4096;

/** i-p-j loops: the innermost loop walks rows of B and C contiguously. */
function smallProduct(
  A: ArrayLike<number>,
  Bm: ArrayLike<number>,
  C: { [i: number]: number },
  B: number,
  m: number,
  k: number,
  n: number,
) {
  for (let z = 0; z < B; z++) {
    const ao = z * m * k;
    const bo = z * k * n;
    const co = z * m * n;
    for (let i = 0; i < m; i++) {
      const crow = co + i * n;
      for (let p = 0; p < k; p++) {
        const aip = A[ao + i * k + p];
        const brow = bo + p * n;
        for (let j = 0; j < n; j++) C[crow + j] += aip * Bm[brow + j];
      }
    }
  }
}

/** The GEMM of the linear-algebra kernels (WebAssembly SIMD); float32 goes through float64 scratch. */
function blockedProduct(
  A: FloatArray,
  Bm: FloatArray,
  C: FloatArray,
  B: number,
  m: number,
  k: number,
  n: number,
) {
  const wide = (x: FloatArray) => (x instanceof Float64Array ? x : Float64Array.from(x));
  const a64 = wide(A);
  const b64 = wide(Bm);
  const c64 = C instanceof Float64Array ? C : new Float64Array(C.length);
  for (let z = 0; z < B; z++) gemm(1, a64, z * m * k, k, 1, b64, z * k * n, n, c64, z * m * n, n, m, n, k);
  if (c64 !== C) C.set(c64);
}

/** Batched matrix product c = a·b of [B, m, k] and [B, k, n] (same dtype); c starts zeroed. */
export function bmmCpu(a: CpuView, b: CpuView, c: CpuView): void {
  const [B, m, k] = a.shape;
  const n = b.shape[2];
  if (m * n * k >= GEMM_MIN_WORK)
    blockedProduct(a.data as FloatArray, b.data as FloatArray, c.data as FloatArray, B, m, k, n);
  else smallProduct(a.data, b.data, c.data, B, m, k, n);
}
