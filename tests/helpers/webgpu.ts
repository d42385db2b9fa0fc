/**
 * WebGPU in tests. Importing this module tries `initWebGPU()` once (top-level await), so
 * `describeWebGPU` knows at collection time whether an adapter exists:
 * - adapter found: the suite runs (the adapter is printed once per file);
 * - no adapter: the suite is skipped, the reason is in its name and printed once;
 * - no adapter and LINAGRAD_REQUIRE_WEBGPU=1 (CI): the suite fails with the reason.
 */
import { beforeAll, describe, it } from 'vitest';
import { getWebGPUInfo, initWebGPU } from '../../src/backends/webgpu/index.js';

export interface WebGPUStatus {
  available: boolean;
  /** The adapter description when available, otherwise why not (and what to install). */
  reason: string;
}

let status: Promise<WebGPUStatus> | null = null;

export function webgpuOrSkip(): Promise<WebGPUStatus> {
  status ??= initWebGPU().then(
    (info) => ({ available: true, reason: `${info.adapter} (${info.backend}, ${info.featureLevel})` }),
    (e: unknown) => ({ available: false, reason: e instanceof Error ? e.message : String(e) }),
  );
  return status;
}

export const requireWebGPU = process.env.LINAGRAD_REQUIRE_WEBGPU === '1';

const initial = await webgpuOrSkip();
let announced = false;

/** `describe` for suites that need a WebGPU device (see the module comment). */
export function describeWebGPU(name: string, fn: () => void): void {
  if (initial.available && getWebGPUInfo()) {
    if (!announced) {
      announced = true;
      console.info(`[linagrad] WebGPU suites on ${initial.reason}`);
    }
    describe(name, () => {
      // Re-initialise if an earlier suite in the file called resetWebGPU().
      beforeAll(async () => {
        await initWebGPU();
      });
      fn();
    });
    return;
  }
  const reason = initial.available ? 'the WebGPU device was lost or reset' : initial.reason;
  if (requireWebGPU) {
    describe(name, () => {
      it('needs a WebGPU adapter (LINAGRAD_REQUIRE_WEBGPU=1)', () => {
        throw new Error(`LINAGRAD_REQUIRE_WEBGPU=1 but WebGPU is unavailable: ${reason}`);
      });
    });
    return;
  }
  if (!announced) {
    announced = true;
    console.warn(`[linagrad] skipping WebGPU suites: ${reason}`);
  }
  const short = reason.split('\n')[0]!.slice(0, 160);
  describe.skip(`${name} [skipped: no WebGPU adapter: ${short}]`, fn);
}
