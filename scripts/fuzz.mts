/**
 * The long fuzz run: `npm run fuzz -- --budget 10m` splits the budget over every op on the CPU
 * (float64) and, when an adapter is found, WebGPU (float32), and prints calls and outcomes per op
 * with up to five failing cases each. Options: --budget 90s|10m, --seed N, --device cpu|webgpu,
 * --op name (substring), --min-calls N (per op, overrides the budget), --json file.
 * The budget goes two parts to the CPU, one to WebGPU (its calls are slower on software adapters),
 * split evenly over the ops. FUZZ_LOG_ERRORS=1 prints the typed errors raised for valid inputs.
 * Exits 1 when any call failed (crash, wrong, spurious-nan, spurious-error, accepted-invalid).
 */
import { writeFileSync } from 'node:fs';
import { initWebGPU } from '../src/index.js';
import { fuzzSpecs } from '../tests/fuzz/index.js';
import { FAILURES, fuzzOp, type OpReport, OUTCOMES } from '../tests/fuzz/runner.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const parseBudget = (s: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s);
  if (!m) throw new Error(`--budget: expected e.g. 90s or 10m, got ${s}`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
};

const budget = parseBudget(flag('budget') ?? '60s');
const seed = Number(flag('seed') ?? 1);
const minCalls = Number(flag('min-calls') ?? 0);
const only = flag('op');
const devices = (flag('device') ? [flag('device')] : ['cpu', 'webgpu']) as ('cpu' | 'webgpu')[];
if (devices.includes('webgpu')) {
  try {
    await initWebGPU();
  } catch (e) {
    console.warn(`no WebGPU adapter, fuzzing the CPU only: ${(e as Error).message.split('\n')[0]}`);
    devices.splice(devices.indexOf('webgpu'), 1);
  }
}
const specs = fuzzSpecs.filter((s) => !only || s.name.includes(only));
const runs = devices.flatMap((d) =>
  specs.filter((s) => !s.devices || s.devices.includes(d)).map((s) => [s, d] as const),
);
// WebGPU calls are ~10x slower here (software adapters): give them a third of the budget.
const share = (d: string) => (d === 'cpu' ? 2 : 1) / runs.reduce((t, [, x]) => t + (x === 'cpu' ? 2 : 1), 0);
const reports: OpReport[] = [];
for (const [spec, device] of runs) {
  const r = await fuzzOp(spec, device, {
    seed,
    budgetMs: budget * share(device),
    minCalls: minCalls || undefined,
    maxCalls: minCalls || undefined,
  });
  reports.push(r);
  const counts = OUTCOMES.filter((o) => r.counts[o] > 0)
    .map((o) => `${o} ${r.counts[o]}`)
    .join(', ');
  console.log(`${device.padEnd(6)} ${r.op.padEnd(22)} ${String(r.calls).padStart(7)} calls: ${counts}`);
  for (const ex of r.examples) console.log(`    ${ex.why.slice(0, 400)}\n      ${ex.case.slice(0, 600)}`);
}
const out = flag('json');
if (out) writeFileSync(out, JSON.stringify(reports, null, 2));
const failed = reports.filter((r) => FAILURES.some((f) => r.counts[f] > 0));
console.log(
  failed.length === 0
    ? 'no failures'
    : `failures in: ${failed.map((r) => `${r.op} (${r.device})`).join(', ')}`,
);
process.exit(failed.length === 0 ? 0 : 1);
