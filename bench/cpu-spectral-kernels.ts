/**
 * Timing sanity check for the CPU spectral kernels (not a test):
 *   npx tsx bench/cpu-spectral-kernels.ts
 * Prints the median of several runs for float64 eigh / svd / qr on random matrices.
 */
import { eigh, qr, svdCpu } from '../src/backends/cpu/linalg/spectral.js';

function randomMatrices(batch: number, m: number, n: number, seed: number): Float64Array {
  const a = new Float64Array(batch * m * n);
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
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

function report(name: string, ms: number): void {
  console.log(`${name.padEnd(40)} ${ms.toFixed(3).padStart(10)} ms`);
}

function benchSize(batch: number, n: number, runs: number): void {
  const a = randomMatrices(batch, n, n, 1);
  const sym = a.slice();
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) sym[b * n * n + j * n + i] = sym[b * n * n + i * n + j];
  const w = new Float64Array(batch * n);
  const v = new Float64Array(batch * n * n);
  const u = new Float64Array(batch * n * n);
  const vh = new Float64Array(batch * n * n);
  const r = new Float64Array(batch * n * n);
  const info = new Int32Array(batch);
  const tag = batch === 1 ? `${n}×${n}` : `${batch} × ${n}×${n}`;
  report(
    `eigh ${tag}`,
    median(() => eigh(sym, batch, n, false, w, v, true, info), runs),
  );
  report(
    `eigvalsh ${tag}`,
    median(() => eigh(sym, batch, n, false, w, null, false, info), runs),
  );
  const full = { fullMatrices: true, computeUV: true };
  report(
    `svd ${tag}`,
    median(() => svdCpu(a, batch, n, n, u, w, vh, full, info), runs),
  );
  const vals = { fullMatrices: false, computeUV: false };
  report(
    `svdvals ${tag}`,
    median(() => svdCpu(a, batch, n, n, null, w, null, vals, info), runs),
  );
  report(
    `qr ${tag}`,
    median(() => qr(a, batch, n, n, u, r, 'reduced'), runs),
  );
}

function benchTall(m: number, n: number, runs: number): void {
  const a = randomMatrices(1, m, n, 2);
  const u = new Float64Array(m * m);
  const s = new Float64Array(n);
  const vh = new Float64Array(n * n);
  const info = new Int32Array(1);
  for (const fullMatrices of [false, true]) {
    const ms = median(() => svdCpu(a, 1, m, n, u, s, vh, { fullMatrices, computeUV: true }, info), runs);
    report(`svd ${m}×${n} fullMatrices=${fullMatrices}`, ms);
  }
}

for (const [n, runs] of [
  [16, 201],
  [64, 31],
  [128, 11],
  [256, 5],
] as const)
  benchSize(1, n, runs);
benchSize(10_000, 4, 5);
benchTall(512, 64, 5);
