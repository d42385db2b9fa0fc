/**
 * The fuzz suite (tests/fuzz/) in CI: every linear-algebra op on the cpu (float64) and WebGPU
 * (float32) with a short seeded run of adversarial shapes, values and options judged by the oracle
 * (no crash, no wrong result, no spurious NaN or error, no accepted invalid argument), and the
 * minimal regression cases of the bugs it found (tests/op-table-linalg-regressions.ts).
 * A long run: `npm run fuzz -- --budget 10m`. LINAGRAD_FUZZ_SEED picks other cases.
 */
import { describe, expect, it } from 'vitest';
import { contextFor, type FuzzDevice } from './fuzz/gen.js';
import { fuzzSpecs } from './fuzz/index.js';
import { FAILURES, fuzzOp, isFailure, runCase } from './fuzz/runner.js';
import { describeWebGPU } from './helpers/webgpu.js';
import { regressionCases } from './op-table-linalg-regressions.js';

const SEED = Number(process.env.LINAGRAD_FUZZ_SEED ?? 1);
/** Calls per op: small enough for CI (a few seconds per device), fixed so a run is reproducible. */
const CALLS: Record<FuzzDevice, number> = { cpu: 150, webgpu: 40 };

function suite(device: FuzzDevice): void {
  describe('regression cases', () => {
    for (const r of regressionCases.filter((x) => x.devices.includes(device))) {
      it(`${r.op}: ${r.bug}`, async () => {
        const spec = fuzzSpecs.find((s) => s.name === r.op);
        expect(spec, `no fuzz spec named ${r.op}`).toBeDefined();
        const v = await runCase(spec!, r.case as never, contextFor(device));
        expect(isFailure(v.outcome), `${v.outcome}: ${v.why}`).toBe(false);
      });
    }
  });
  describe(`seeded run, ${CALLS[device]} calls per op`, () => {
    for (const spec of fuzzSpecs) {
      it(spec.name, async () => {
        const r = await fuzzOp(spec, device, { seed: SEED, budgetMs: Infinity, maxCalls: CALLS[device] });
        const failed = FAILURES.filter((f) => r.counts[f] > 0);
        const detail = r.examples.map((e) => `${e.why}\n  ${e.case.slice(0, 2000)}`).join('\n');
        expect(failed, detail).toEqual([]);
        expect(r.calls).toBe(CALLS[device]);
      });
    }
  });
}

describe('fuzz: cpu (float64)', () => suite('cpu'));
describeWebGPU('fuzz: webgpu (float32)', () => suite('webgpu'));
