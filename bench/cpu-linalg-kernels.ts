/**
 * Timing sanity check for the CPU LU / Cholesky / triangular kernels (not a test):
 *   npx tsx bench/cpu-linalg-kernels.ts
 * Prints the median of several runs for float64 inverse (luFactor + luInverse) and a few others.
 */
import {
  cholesky,
  choleskyInverse,
  luFactorCpu,
  luInverse,
  luSolve,
  solveTriangular,
} from '../src/backends/cpu/linalg/index.js';

function randomMatrices(batch: number, n: number, seed: number): Float64Array {
  const a = new Float64Array(batch * n * n);
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

function spd(n: number): Float64Array {
  const g = randomMatrices(1, n, 7);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += g[i * n + k]! * g[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

function median(f: () => void, runs: number): number {
  f(); // warm-up
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((x, y) => x - y);
  return t[t.length >> 1]!;
}

function report(name: string, ms: number, flops?: number): void {
  const rate = flops === undefined ? '' : `  (${(flops / ms / 1e6).toFixed(2)} GFLOP/s)`;
  console.log(`${name.padEnd(36)} ${ms.toFixed(2).padStart(9)} ms${rate}`);
}

function benchInv(batch: number, n: number, runs: number): void {
  const a = randomMatrices(batch, n, 1);
  const lu = new Float64Array(a.length);
  const piv = new Int32Array(batch * n);
  const info = new Int32Array(batch);
  const out = new Float64Array(a.length);
  const ms = median(() => {
    luFactorCpu(a, batch, n, lu, piv, info);
    luInverse(lu, piv, batch, n, out);
  }, runs);
  report(`inv f64 ${batch} x ${n}x${n}`, ms, batch * 2 * n ** 3);
  const msLu = median(() => luFactorCpu(a, batch, n, lu, piv, info), runs);
  report(`  luFactor f64 ${batch} x ${n}x${n}`, msLu, (batch * 2 * n ** 3) / 3);
}

benchInv(10_000, 4, 9);
for (const n of [128, 256, 512]) benchInv(1, n, n === 512 ? 7 : 11);

for (const n of [256, 512]) {
  const a = randomMatrices(1, n, 3);
  const b = randomMatrices(1, n, 4);
  const lu = new Float64Array(n * n);
  const piv = new Int32Array(n);
  const info = new Int32Array(1);
  const x = new Float64Array(n * n);
  luFactorCpu(a, 1, n, lu, piv, info);
  report(
    `luSolve f64 ${n}, nrhs ${n}`,
    median(() => luSolve(lu, piv, 1, n, b, n, x), 7),
    2 * n ** 3,
  );
  const s = spd(n);
  const l = new Float64Array(n * n);
  report(
    `cholesky f64 ${n}`,
    median(() => cholesky(s, 1, n, l, info, false), 7),
    n ** 3 / 3,
  );
  report(
    `choleskyInverse f64 ${n}`,
    median(() => choleskyInverse(l, 1, n, false, x, info), 7),
    (2 * n ** 3) / 3,
  );
  for (const left of [true, false])
    report(
      `solveTriangular f64 ${n}, ${left ? 'left' : 'right'}`,
      median(() => solveTriangular(l, 1, n, b, n, x, { upper: false, left, unitriangular: false }), 7),
      n ** 3,
    );
}
