/**
 * `npm run bench`: linagrad against the native numpy and torch (through python3) and the
 * JavaScript ml-matrix, mathjs and @jax-js/jax, all measured in one run.
 * See bench/README.md. Flags: --webgpu, --only <ids>, --libs <names>, --budget <ms>, --max-run <ms>.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { getNumThreads, runningWorkers } from '../src/backends/cpu/pool.js';
import { startGemmPool } from '../src/backends/cpu/wasm-gemm.js';
import { CASES as BASE_CASES, type BenchCase, type CaseInput } from './cases.js';
import { FUNC_CASES } from './func-cases.js';

const CASES = [...BASE_CASES, ...FUNC_CASES];

import { linagradCpu, linagradWebGPU } from './linagrad.js';
import { NATIVE } from './native.js';
import { type Library, PEERS, type Runner } from './peers.js';

const { values: args } = parseArgs({
  options: {
    webgpu: { type: 'boolean', default: false },
    only: { type: 'string' },
    libs: { type: 'string' },
    budget: { type: 'string', default: '2000' },
    'max-run': { type: 'string', default: '5000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(`usage: npm run bench -- [options]
  --webgpu          also time linagrad on WebGPU (float32; a software adapter is not meaningful for speed)
  --only a,b        run only the cases whose id contains one of these strings (ids: ${CASES.map((c) => c.id).join(', ')})
  --libs a,b        run only these libraries (linagrad is always run: it is the baseline)
  --budget ms       time budget of the timed runs of one library on one case (default 2000)
  --max-run ms      skip a library on a case when one run is predicted to take longer (default 5000)`);
  process.exit(0);
}

const BUDGET_MS = Number(args.budget);
const MAX_RUN_MS = Number(args['max-run']);
if (!(BUDGET_MS > 0) || !(MAX_RUN_MS > 0)) {
  console.error('--budget and --max-run take a positive number of milliseconds');
  process.exit(2);
}
const MIN_RUNS = 3;
const MAX_RUNS = 100;
const MAX_WARMUP_RUNS = 3;
/** Error allowed for float32 (WebGPU) results, instead of the case's float64 tolerance. */
const F32_TOL = 2e-3;

type Result =
  | { status: 'ok'; median: number; min: number; runs: number; warmups: number; err: number }
  | { status: 'n/a' | 'skipped' | 'failed'; reason: string };

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');

// ---------------------------------------------------------------------------------------------
// Timing.

const now = () => performance.now();

async function call<R>(r: Runner<R>): Promise<R> {
  const v = r.run();
  return v instanceof Promise ? await v : v;
}

/** The time of one run: the library's own measure when it has one (native peers), else the wall clock. */
const took = <R,>(r: Runner<R>, v: R, wall: number) => (r.elapsed ? r.elapsed(v) : wall);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Contestant {
  lib: Library;
  r: Runner<unknown>;
  err: number;
  warmups: number;
  times: number[];
  spent: number;
}

/**
 * Builds the runner, checks the first result (before anything is timed; that run is also the
 * first warm-up), then warms up further (JIT tiers, jax-js kernel compilation) within half the
 * budget. Returns a failure result instead when the answer is wrong.
 */
async function prepare(lib: Library, c: BenchCase, input: CaseInput): Promise<Contestant | Result> {
  const r = lib.ops[c.op]!(input) as Runner<unknown>;
  try {
    let t = now();
    const first = await call(r);
    let warmSpent = took(r, first, now() - t);
    const out = await r.read(first);
    const err = c.check(input, out);
    const tol = lib.dtype === 'float32' ? F32_TOL : c.tol;
    if (!(err <= tol)) {
      r.cleanup?.();
      return { status: 'failed', reason: `wrong result: ${c.errName} = ${err.toExponential(2)}` };
    }
    let warmups = 1;
    while (warmups < MAX_WARMUP_RUNS && warmSpent < BUDGET_MS / 2) {
      t = now();
      const v = await call(r);
      warmSpent += took(r, v, now() - t);
      r.release?.(v);
      warmups++;
    }
    return { lib, r, err, warmups, times: [], spent: 0 };
  } catch (e) {
    r.cleanup?.();
    throw e;
  }
}

const finished = (k: Contestant) =>
  k.times.length >= MAX_RUNS || (k.times.length >= MIN_RUNS && k.spent >= BUDGET_MS);

/**
 * Timed runs, interleaved round-robin over the libraries of one case so that changes in machine
 * load hit them alike; each library stops after ≥ MIN_RUNS runs and BUDGET_MS of its own time.
 * No forced gc() between runs: tried with --expose-gc, it made ml-matrix 2.7× and jax-js 1.5×
 * slower at 128×128 (V8 starts over cold after a full collection), so it would flatter linagrad.
 */
async function timeAll(ks: Contestant[]): Promise<Map<string, Result>> {
  const out = new Map<string, Result>();
  try {
    let active = ks.filter((k) => !finished(k));
    while (active.length) {
      for (const k of active) {
        const t = now();
        const v = await call(k.r);
        const dt = took(k.r, v, now() - t);
        k.r.release?.(v);
        k.times.push(dt);
        k.spent += dt;
      }
      active = active.filter((k) => !finished(k));
    }
    for (const k of ks)
      out.set(k.lib.name, {
        status: 'ok',
        median: median(k.times),
        min: Math.min(...k.times),
        runs: k.times.length,
        warmups: k.warmups,
        err: k.err,
      });
  } finally {
    for (const k of ks) k.r.cleanup?.();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formatting.

function ms(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function ratio(x: number): string {
  return x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`;
}

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((s, i) => (i === 0 ? s.padEnd(w[i]!) : s.padStart(w[i]!))).join(' | ')} |`;
  const sep = `| ${w.map((n, i) => (i === 0 ? '-'.repeat(n) : `${'-'.repeat(n - 1)}:`)).join(' | ')} |`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main.

const wantedLibs = args.libs?.split(',').map((s) => s.trim().toLowerCase());
const libs: Library[] = [
  linagradCpu,
  ...[...NATIVE, ...PEERS].filter((l) => !wantedLibs || wantedLibs.includes(l.name.toLowerCase())),
  ...(args.webgpu ? [linagradWebGPU] : []),
];
const onlyIds = args.only?.split(',').map((s) => s.trim());
const cases = CASES.filter((c) => !onlyIds || onlyIds.some((s) => c.id.includes(s)));

const load0 = loadavg();
const t0 = now();
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`linagrad bench — ${new Date().toISOString()}`);
console.log(
  `node ${process.version}, ${cpu}, ${os.cpus().length} logical cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
);
console.log(`load average at start (1/5/15 min): ${load0}`);
// The CPU pool starts by itself on the first large product; started here so that no case's
// warm-up depends on when its workers came up.
await startGemmPool();
console.log(
  `linagrad CPU threads: ${getNumThreads()} (${runningWorkers()} pool worker${runningWorkers() === 1 ? '' : 's'} running; LINAGRAD_NUM_THREADS or setNumThreads change it)`,
);
console.log(
  `median of timed runs after warm-up, libraries interleaved; per library and case: ≥${MIN_RUNS} runs and ${BUDGET_MS} ms (≤${MAX_RUNS} runs); skipped when one run is predicted > ${MAX_RUN_MS} ms`,
);
console.log('peer / linagrad = library median / linagrad median (>1: linagrad is faster)');
console.log('linagrad ÷ native = linagrad median / the best of numpy and torch (≤ 2 is the goal)\n');

const unavailable = new Map<string, string>();
for (const lib of libs) {
  try {
    const note = await lib.init?.();
    console.log(`  ${lib.name}: ready${note ? ` — ${note}` : ''}`);
  } catch (e) {
    unavailable.set(lib.name, (e as Error).message.split('\n')[0]!);
    console.log(`  ${lib.name}: UNAVAILABLE — ${unavailable.get(lib.name)}`);
  }
}
console.log();

const results = new Map<string, Map<string, Result>>();

/** The fastest native peer's result of a case by median (or by fastest run), if any ran. */
function bestNative(row: Map<string, Result>, stat: 'median' | 'min'): { name: string; t: number } | null {
  let best: { name: string; t: number } | null = null;
  for (const lib of libs) {
    const r = row.get(lib.name);
    if (lib.native && r?.status === 'ok' && (!best || r[stat] < best.t))
      best = { name: lib.name, t: r[stat] };
  }
  return best;
}

/**
 * linagrad ÷ best native peer, by medians (the goal's measure) or by fastest runs (more robust
 * when the machine is oversubscribed: the native peers' threads spin-wait for each other then).
 */
function nativeRatio(
  row: Map<string, Result>,
  stat: 'median' | 'min' = 'median',
): { ratio: number; name: string } | null {
  const b = row.get(linagradCpu.name);
  const nat = bestNative(row, stat);
  return b?.status === 'ok' && nat ? { ratio: b[stat] / nat.t, name: nat.name } : null;
}

/** Predicted time of one run, from the same library's inverse at the largest smaller size. */
function predictedRun(lib: Library, c: BenchCase): number | null {
  if (c.op !== 'inv' || c.batch !== 1) return null;
  let best: { n: number; median: number } | null = null;
  for (const o of cases) {
    if (o.op !== 'inv' || o.batch !== 1 || o.n >= c.n) continue;
    const r = results.get(o.id)?.get(lib.name);
    if (r?.status === 'ok' && (!best || o.n > best.n)) best = { n: o.n, median: r.median };
  }
  return best ? best.median * (c.n / best.n) ** 3 : null;
}

for (const c of cases) {
  const input = c.make();
  const row = new Map<string, Result>();
  results.set(c.id, row);
  const contestants: Contestant[] = [];
  for (const lib of libs) {
    let res: Result;
    const est = predictedRun(lib, c);
    if (unavailable.has(lib.name))
      res = { status: 'n/a', reason: `unavailable: ${unavailable.get(lib.name)}` };
    else if (!lib.ops[c.op]) res = { status: 'n/a', reason: lib.missing[c.op] ?? 'op not available' };
    else if (est !== null && est > MAX_RUN_MS)
      res = {
        status: 'skipped',
        reason: `predicted ≈ ${(est / 1000).toFixed(1)} s per run (n³ from the smaller size)`,
      };
    else {
      try {
        const k = await prepare(lib, c, input);
        if ('lib' in k) {
          contestants.push(k);
          continue;
        }
        res = k;
      } catch (e) {
        res = { status: 'failed', reason: (e as Error).message.split('\n')[0]! };
      }
    }
    row.set(lib.name, res);
  }
  try {
    for (const [name, res] of await timeAll(contestants)) row.set(name, res);
  } catch (e) {
    for (const k of contestants) row.set(k.lib.name, { status: 'failed', reason: (e as Error).message });
  }

  const base = row.get(linagradCpu.name)!;
  const fwd = c.forwardOf ? results.get(c.forwardOf) : undefined;
  const header = ['library', 'median ms', 'peer / linagrad'];
  if (c.forwardOf) header.push('÷ own forward');
  header.push('runs', 'check / note');
  const rows = libs.map((lib) => {
    const r = row.get(lib.name)!;
    const name = lib.informational ? `${lib.name} (info)` : lib.name;
    if (r.status !== 'ok') {
      const cells = [name, r.status, '—'];
      if (c.forwardOf) cells.push('—');
      cells.push('—', r.reason);
      return cells;
    }
    const cells = [name, ms(r.median)];
    cells.push(lib.baseline ? '1' : base.status === 'ok' ? ratio(r.median / base.median) : '—');
    if (c.forwardOf) {
      const f = fwd?.get(lib.name);
      cells.push(f?.status === 'ok' ? ratio(r.median / f.median) : '—');
    }
    cells.push(`${r.runs}+${r.warmups}w`, `${r.err.toExponential(1)} ok`);
    return cells;
  });
  console.log(`### ${c.title}  [${c.id}]`);
  console.log(table(header, rows));
  const nr = nativeRatio(row);
  if (nr) console.log(`linagrad ÷ best native (${nr.name}): ${ratio(nr.ratio)}`);
  console.log();
}

// ---------------------------------------------------------------------------------------------
// Summary.

const load1 = loadavg();
const elapsed = (now() - t0) / 1000;

console.log('## All cases: median ms (peer / linagrad), and linagrad ÷ the best native peer');
const sumHeader = [
  'case',
  'linagrad ÷ native',
  'by fastest run',
  ...libs.map((l) => (l.informational ? `${l.name} (info)` : l.name)),
];
const sumRows = cases.map((c) => {
  const row = results.get(c.id)!;
  const base = row.get(linagradCpu.name)!;
  const nr = nativeRatio(row);
  return [
    c.id,
    nr ? `${ratio(nr.ratio)} (${nr.name})` : '—',
    ((m) => (m ? `${ratio(m.ratio)} (${m.name})` : '—'))(nativeRatio(row, 'min')),
    ...libs.map((lib) => {
      const r = row.get(lib.name)!;
      if (r.status !== 'ok') return r.status;
      if (lib.baseline || base.status !== 'ok') return ms(r.median);
      return `${ms(r.median)} (${ratio(r.median / base.median)})`;
    }),
  ];
});
console.log(table(sumHeader, sumRows));

const bwdNotes: string[] = [];
for (const c of cases) {
  if (!c.forwardOf) continue;
  for (const lib of libs) {
    const r = results.get(c.id)?.get(lib.name);
    const f = results.get(c.forwardOf)?.get(lib.name);
    if (r?.status === 'ok' && f?.status === 'ok' && !lib.informational)
      bwdNotes.push(`${lib.name} ${ratio(r.median / f.median)} for ${c.id}`);
  }
}
if (bwdNotes.length) console.log(`\nbackward / jvp cases ÷ own forward: ${bwdNotes.join(', ')}`);

const parts: string[] = [];
for (const lib of libs) {
  if (lib.baseline || lib.informational) continue;
  const rs: number[] = [];
  const slower: string[] = [];
  for (const c of cases) {
    const r = results.get(c.id)?.get(lib.name);
    const b = results.get(c.id)?.get(linagradCpu.name);
    if (r?.status === 'ok' && b?.status === 'ok') {
      rs.push(r.median / b.median);
      if (r.median < b.median) slower.push(c.id);
    }
  }
  if (!rs.length) {
    parts.push(`${lib.name}: no common case`);
    continue;
  }
  const geo = Math.exp(rs.reduce((s, x) => s + Math.log(x), 0) / rs.length);
  parts.push(
    `vs ${lib.name} faster in ${rs.length - slower.length}/${rs.length} (geo-mean ${ratio(geo)})` +
      (slower.length ? `, slower in ${slower.join(', ')}` : ''),
  );
}
console.log(`\nSummary: linagrad ${parts.join('; ')}.`);

const nativeRatios = cases.flatMap((c) => {
  const nr = nativeRatio(results.get(c.id)!);
  return nr ? [{ id: c.id, ...nr }] : [];
});
const nativeMins = cases.flatMap((c) => {
  const nr = nativeRatio(results.get(c.id)!, 'min');
  return nr && nr.ratio > 2 ? [`${c.id} ${ratio(nr.ratio)}`] : [];
});
if (nativeRatios.length) {
  const within = nativeRatios.filter((r) => r.ratio <= 2);
  const over = nativeRatios.filter((r) => r.ratio > 2).map((r) => `${r.id} ${ratio(r.ratio)}`);
  const geo = Math.exp(nativeRatios.reduce((s, r) => s + Math.log(r.ratio), 0) / nativeRatios.length);
  console.log(
    `Against the best native peer: ${within.length}/${nativeRatios.length} cases within 2× (geo-mean linagrad ÷ native ${ratio(geo)})` +
      (over.length ? `; above 2×: ${over.join(', ')}` : ''),
  );
  console.log(
    `By fastest runs: ${nativeRatios.length - nativeMins.length}/${nativeRatios.length} within 2×` +
      (nativeMins.length ? `; above 2×: ${nativeMins.join(', ')}` : ''),
  );
} else console.log('No native peer ran (numpy/torch not importable by python3): no native ratios.');

const problems: string[] = [];
for (const c of cases)
  for (const lib of libs) {
    const r = results.get(c.id)!.get(lib.name)!;
    if (r.status === 'failed') problems.push(`${lib.name} ${c.id}: ${r.reason}`);
  }
if (problems.length) console.log(`\nFailures:\n  ${problems.join('\n  ')}`);
for (const [name, why] of unavailable) console.log(`\n${name} unavailable: ${why}`);

console.log(`\nload average at end (1/5/15 min): ${load1}; total ${elapsed.toFixed(0)} s`);
// jax-js and the WebGPU device keep handles open.
process.exit(0);
