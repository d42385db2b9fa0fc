/**
 * Tests generated from the op table (tests/op-table.ts), for every entry:
 * - gradcheck (slow mode with checkBatchedGrad, and fast mode) and gradgradcheck in float64 on
 *   the cpu, on the fixed samples and on `numRuns` fast-check cases;
 * - the error inputs, with their expected message and type (on the cpu, and on WebGPU below);
 * - WebGPU (float32) agreement with the cpu float64 result: forward, and backward through
 *   autograd.grad with a random gradOutput;
 * - forward mode (gradcheck with checkForwardAd) and vmap, only where the entry's
 *   supportsForwardAd / supportsVmap flag is set (shown as skipped otherwise).
 * A skip (`skipped`) drops one check for the entry, on one device, or for its cases in one dtype.
 * fast-check runs with a fixed seed (set LINAGRAD_FC_SEED to explore other cases).
 * LINAGRAD_AGREEMENT_REPORT=1 prints, per entry, the largest WebGPU error seen as a multiple of
 * eps(float32)·cond and the largest fraction of the tolerance used.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { flattenOutputs } from '../gradcheck/common.js';
import {
  agreementTolerance,
  allClose,
  type CaseGroup,
  type CheckKind,
  caseDType,
  caseGroups,
  caseTensors,
  describeCase,
  type ErrorCase,
  entryDTypes,
  gradcheck,
  gradgradcheck,
  hasComplexVariants,
  type InputSpec,
  isComplexDType,
  type MakeTensor,
  maxRelError,
  type OpCase,
  type OpEntry,
  samplesFromSeed,
  skipReason,
  type TableCheck,
  type TableDType,
  type Tolerance,
  uniform,
} from '../gradcheck/index.js';
import {
  autograd,
  type Device,
  forwardAD,
  full,
  type Tensor,
  tensor,
  viewAsComplex,
  viewAsReal,
} from '../src/index.js';
import { checkVmapCase, checkVmapCotangents } from './helpers/vmap-check.js';
import { describeWebGPU } from './helpers/webgpu.js';
import { opTable } from './op-table.js';

const SEED = Number(process.env.LINAGRAD_FC_SEED ?? 1234);
const RUNS = { gradcheck: 60, fastMode: 25, gradgradcheck: 30, webgpu: 25, fwdOverRev: 10, vmap: 30 };

type GradKind = 'gradcheck' | 'fastMode' | 'gradgradcheck';

/**
 * Runs one gradient check of one case; a float32-input case expects gradcheck's warning. A case
 * in a dtype the entry skips this check for passes untested. `forwardAd` is gradcheck with
 * checkForwardAd (for entries whose op supports forward mode).
 */
function runCheck(e: OpEntry, kind: GradKind | 'forwardAd' | 'fwdOverRev', c: OpCase): void {
  const scope = { device: 'cpu' as const, dtype: caseDType(c) };
  if (skipReason(e, kind === 'fwdOverRev' ? 'forwardAd' : kind, scope)) return;
  if (kind === 'fwdOverRev' && (skipReason(e, 'fwdOverRev', scope) || skipReason(e, 'gradgradcheck', scope)))
    return;
  const xs = caseTensors(c);
  if (!xs.some((x) => x.requiresGrad)) return; // every input held constant: nothing to differentiate
  const fn = (...ts: Tensor[]) => e.fn(ts, c.args);
  const second = kind === 'gradgradcheck' || kind === 'fwdOverRev';
  const { numRuns: _, ...settings } = (second ? e.gradgradcheck : e.gradcheck) ?? {};
  // forwardAd: the forward-mode Jacobians only (the backward ones are the gradcheck test's).
  const opts =
    kind === 'forwardAd' ? { ...settings, checkForwardAd: true, checkBackwardAd: false } : settings;
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    const ok =
      kind === 'gradgradcheck'
        ? gradgradcheck(fn, xs, null, opts)
        : kind === 'fwdOverRev'
          ? gradgradcheck(fn, xs, null, { ...opts, checkFwdOverRev: true, checkRevOverRev: false })
          : gradcheck(fn, xs, {
              checkBatchedGrad: kind === 'gradcheck',
              ...opts,
              fastMode: kind === 'fastMode',
            });
    expect(ok).toBe(true);
    // gradcheck warns exactly for float32 inputs that require grad (gradgradcheck also for
    // float32 gradOutputs of float32 outputs, so only the first direction is checked there).
    const float32 = c.inputs.some(
      (s) => (s.dtype === 'float32' || s.dtype === 'complex64') && s.grad !== false,
    );
    const warned = warn.mock.calls.some((a) => /requires gradient and is not a double/.test(String(a[0])));
    if (second) expect(warned || !float32).toBe(true);
    else expect(warned).toBe(float32);
  } catch (err) {
    if (err instanceof Error) err.message = `${e.name} (${describeCase(c)}):\n${err.message}`;
    throw err;
  } finally {
    warn.mockRestore();
  }
}

/** A synchronous throw and a rejected returned promise (a WebGPU error raised on read) both count. */
async function expectError(err: ErrorCase, mk: MakeTensor): Promise<void> {
  const run = async () => {
    await err.call(mk);
  };
  await expect(run()).rejects.toThrow(err.message);
  if (err.type) await expect(run()).rejects.toThrow(err.type);
}

/** The entry's error cases on one device, known bugs as expected failures. */
function errorTests(e: OpEntry, device: Device, mk: MakeTensor): void {
  const reason = skipReason(e, 'errors', { device });
  if (reason && e.errors?.length) {
    it.skip(`error cases${device === 'cpu' ? '' : ` (${device})`} [skipped, reason: ${reason}]`, () => {});
    return;
  }
  for (const err of e.errors ?? []) {
    if (err.devices && !err.devices.includes(device)) continue;
    const title = `throws on ${err.desc}${device === 'cpu' ? '' : ` (${device})`}`;
    if (err.knownBug && (!err.knownBugOn || err.knownBugOn.includes(device)))
      it.fails(`${title} [known bug, expected to fail: ${err.knownBug}]`, () => expectError(err, mk));
    else it(title, () => expectError(err, mk));
  }
}

/** Whether a fixed case is marked as breaking this check by a known bug. */
function buggy(c: OpCase, kind: CheckKind | 'webgpu'): boolean {
  if (!c.knownBug) return false;
  if (!c.knownBugIn) return true;
  return kind === 'webgpu' ? c.knownBugIn.includes('webgpuBackward') : c.knownBugIn.includes(kind);
}

/**
 * The reason a check is skipped in every dtype the entry's own cases run in on `device`: its
 * dtypes there, less the complex ones its complex variants run in (undefined otherwise).
 */
function everyDTypeSkipped(e: OpEntry, check: TableCheck, device: Device): string | undefined {
  const variants = hasComplexVariants(e);
  const reasons = entryDTypes(e)
    [device === 'cpu' ? 'cpu' : 'webgpu'].filter((dtype) => !(variants && isComplexDType(dtype)))
    .map((dtype) => skipReason(e, check, { device, dtype }));
  return reasons.length > 0 && reasons.every((r) => r !== undefined) ? reasons[0] : undefined;
}

/** The complex variants' dtype on a device: complex128 on the cpu, complex64 on WebGPU. */
function variantDType(device: Device): TableDType {
  return device === 'cpu' ? 'complex128' : 'complex64';
}

/**
 * Why a check does not run for a case group on a device: an unscoped skip, then for the entry's
 * own cases a skip in every dtype they run in, for the complex variants a skip of their dtype.
 */
function groupSkipReason(e: OpEntry, check: TableCheck, device: Device, g: CaseGroup): string | undefined {
  return (
    skipReason(e, check, { device }) ??
    (g.dtype
      ? skipReason(e, check, { device, dtype: variantDType(device) })
      : everyDTypeSkipped(e, check, device))
  );
}

/** The title suffix of a case group's checks: '' for the entry's own cases, ' complex128' or ' complex64'. */
function groupLabel(g: CaseGroup, device: Device = 'cpu'): string {
  return g.dtype ? ` ${variantDType(device)}` : '';
}

/**
 * The checks an entry runs once its op supports them: forward mode (gradcheck with
 * checkForwardAd) where `supportsForwardAd`, batching where `supportsVmap`; skipped otherwise.
 * Each runs per case group (the entry's cases, then their complex variants, titled complex128).
 */
function optionalChecks(e: OpEntry): void {
  for (const g of caseGroups(e)) {
    const label = groupLabel(g);
    const forward = groupSkipReason(e, 'forwardAd', 'cpu', g);
    if (!e.supportsForwardAd || forward) {
      it.skip(`forwardAd${label} [skipped, reason: ${forward ?? 'supportsForwardAd is false'}]`, () => {});
    } else {
      const numRuns = e.gradcheck?.numRuns ?? RUNS.gradcheck;
      it(`forwardAd${label} (${g.samples.length} fixed cases + ${numRuns} random)`, () => {
        for (const c of g.samples) runCheck(e, 'forwardAd', c);
        fc.assert(
          fc.property(g.arbitrary, (c) => {
            if (c) runCheck(e, 'forwardAd', c);
          }),
          { numRuns, seed: SEED },
        );
      });
      // Forward over reverse (tangents through the backward formulas), on fewer cases: it is a
      // gradgradcheck whose second derivative comes from forward mode.
      const fwdRuns = Math.min(RUNS.fwdOverRev, e.gradgradcheck?.numRuns ?? RUNS.gradgradcheck);
      const fwdOverRev = g.dtype
        ? (groupSkipReason(e, 'fwdOverRev', 'cpu', g) ?? groupSkipReason(e, 'gradgradcheck', 'cpu', g))
        : (skipReason(e, 'fwdOverRev', { device: 'cpu' }) ??
          skipReason(e, 'gradgradcheck', { device: 'cpu' }) ??
          everyDTypeSkipped(e, 'fwdOverRev', 'cpu'));
      if (fwdOverRev) {
        it.skip(`forward over reverse${label} [skipped, reason: ${fwdOverRev}]`, () => {});
      } else {
        it(`forward over reverse${label} (${g.samples.length} fixed cases + ${fwdRuns} random)`, () => {
          for (const c of g.samples) runCheck(e, 'fwdOverRev', c);
          fc.assert(
            fc.property(g.arbitrary, (c) => {
              if (c) runCheck(e, 'fwdOverRev', c);
            }),
            { numRuns: fwdRuns, seed: SEED },
          );
        });
      }
    }
    const vmap =
      skipReason(e, 'vmap', { device: 'cpu' }) ??
      (g.dtype ? groupSkipReason(e, 'vmap', 'cpu', g) : undefined);
    if (!e.supportsVmap || vmap) {
      it.skip(`vmap${label} [skipped, reason: ${vmap ?? 'supportsVmap is false'}]`, () => {});
    } else {
      const numRuns = RUNS.vmap;
      it(`vmap${label} (${g.samples.length} fixed cases + ${numRuns} random, each in a batch; backward over a batch of cotangents)`, () => {
        const cases = [
          ...g.samples.filter((c) => !c.knownBug),
          ...fc.sample(g.arbitrary, { numRuns, seed: SEED }).filter((c) => c !== undefined),
        ];
        cases.forEach((c, k) => {
          const dtype = caseDType(c);
          if (skipReason(e, 'vmap', { device: 'cpu', dtype })) return;
          checkVmapCase(e, c, k, cases);
          if (!skipReason(e, 'gradcheck', { device: 'cpu', dtype })) checkVmapCotangents(e, c, k);
        });
      });
    }
  }
}

const cpuMaker: MakeTensor = (shape, dtype = 'float') =>
  full(shape, 0.5, { dtype: dtype === 'int32' ? 'int32' : dtype === 'complex' ? 'complex128' : 'float64' });

describe('op table: gradients in float64 on the cpu', () => {
  for (const e of opTable) {
    describe(e.name, () => {
      for (const kind of ['gradcheck', 'fastMode', 'gradgradcheck'] as const) {
        for (const g of caseGroups(e)) {
          const reason = groupSkipReason(e, kind, 'cpu', g);
          const title = `${kind}${groupLabel(g)}`;
          if (reason) {
            it.skip(`${title} [skipped, reason: ${reason}]`, () => {});
            continue;
          }
          const settings = kind === 'gradgradcheck' ? e.gradgradcheck : e.gradcheck;
          const numRuns = settings?.numRuns ?? RUNS[kind];
          const samples = g.samples.filter((c) => !buggy(c, kind));
          it(`${title} (${samples.length} fixed cases + ${numRuns} random)`, () => {
            for (const c of samples) runCheck(e, kind, c);
            fc.assert(
              fc.property(g.arbitrary, (c) => {
                if (c) runCheck(e, kind, c);
              }),
              { numRuns, seed: SEED },
            );
          });
        }
      }
      for (const c of (e.samples ?? []).filter((c) => c.knownBug)) {
        const kinds = (['gradcheck', 'fastMode', 'gradgradcheck'] as const).filter((k) => buggy(c, k));
        if (kinds.length === 0) continue; // a WebGPU-only bug: expected to fail below
        it.fails(`${c.label}: ${kinds.join(', ')} [known bug, expected to fail: ${c.knownBug}]`, () => {
          for (const kind of kinds) runCheck(e, kind, c);
        });
      }
      optionalChecks(e);
      errorTests(e, 'cpu', cpuMaker);
    });
  }

  it('every entry has a name of its own', () => {
    const names = opTable.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

// ---- WebGPU agreement -----------------------------------------------------------------------------

/**
 * Default agreement tolerance: agreementTolerance (float32 vs float64, η growing with the case's
 * size n = largest input numel and its condition number) with atol = rtol·scale, where scale is
 * the largest magnitude among the inputs, the gradOutputs and the reference. The bound is
 * normwise on purpose: a − b or log(x) near x = 1 lose relative accuracy in the result through
 * cancellation of the float32-rounded inputs, not through the kernel, so the error is judged
 * against the size of the data.
 */
function defaultTolerance(
  e: OpEntry,
  c: OpCase,
  kind: 'forward' | 'backward',
  ref: Float64Array,
  extra: readonly Float64Array[],
): Tolerance {
  const settings = e.webgpu && !('skip' in e.webgpu) ? e.webgpu : {};
  const n = settings.size?.(c) ?? Math.max(1, ...c.inputs.map(numelOf));
  let scale = 0;
  for (const a of [ref, ...c.inputs.map((s) => s.data), ...extra]) {
    for (const v of a) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  }
  const factor = (settings.factor ?? 1) * (kind === 'backward' ? 2 : 1);
  return agreementTolerance({ cond: c.cond ?? 1, n, factor, scale });
}

function compare(
  e: OpEntry,
  c: OpCase,
  kind: 'forward' | 'backward',
  what: string,
  got: ArrayLike<number>,
  ref: Float64Array,
  extra: readonly Float64Array[] = [],
): void {
  const settings = e.webgpu && !('skip' in e.webgpu) ? e.webgpu : {};
  const tol = settings.tolerance?.(c, kind, ref) ?? defaultTolerance(e, c, kind, ref, extra);
  record(e.name, kind, c, got, ref, tol);
  if (allClose(got, ref, { ...tol, equalNaN: true })) return;
  const worst = maxRelError(got, ref);
  throw new Error(
    `${e.name} (${describeCase(c)}): webgpu ${what} differs from cpu float64 beyond atol=${tol.atol}, ` +
      `rtol=${tol.rtol}: at flat index ${worst.index} webgpu ${worst.actual}, cpu ${worst.expected}`,
  );
}

/** Per entry and kind: the largest normwise error in units of eps32·cond, and of the tolerance used. */
const seen = new Map<string, { multiple: number; used: number }>();

function record(
  name: string,
  kind: 'forward' | 'backward',
  c: OpCase,
  got: ArrayLike<number>,
  ref: Float64Array,
  tol: Tolerance,
): void {
  let diff = 0;
  let size = 0;
  let used = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(ref[i]) || !Number.isFinite(got[i])) continue;
    const d = Math.abs(got[i] - ref[i]);
    diff = Math.max(diff, d);
    size = Math.max(size, Math.abs(ref[i]));
    const allowed = tol.atol + tol.rtol * Math.abs(ref[i]);
    used = Math.max(used, allowed > 0 ? d / allowed : d > 0 ? Number.POSITIVE_INFINITY : 0);
  }
  const multiple = size > 0 ? diff / size / (2 ** -23 * (c.cond ?? 1)) : 0;
  const key = `${name}\t${kind}`;
  const old = seen.get(key) ?? { multiple: 0, used: 0 };
  seen.set(key, { multiple: Math.max(old.multiple, multiple), used: Math.max(old.used, used) });
}

afterAll(() => {
  if (!process.env.LINAGRAD_AGREEMENT_REPORT || seen.size === 0) return;
  const rows = [...seen].map(([k, v]) => `${k}\t${v.multiple.toPrecision(3)}\t${v.used.toPrecision(2)}`);
  console.log(['entry\tkind\tmax err / (eps32·cond)\tmax fraction of tolerance', ...rows].join('\n'));
});

/** The values of a tensor as float64: a complex one's through viewAsReal, as (re, im) pairs. */
const host = async (t: Tensor) => {
  if (!t.isComplex()) return Float64Array.from(await t.data());
  const r = viewAsReal(t);
  try {
    return Float64Array.from(await r.data());
  } finally {
    r.dispose();
  }
};

/** The number of elements of an input (a complex input's data holds two numbers per element). */
function numelOf(s: InputSpec): number {
  return isComplexDType(s.dtype) ? s.data.length / 2 : s.data.length;
}

/**
 * Seeded values in [-1, 1] for gradOutputs or tangents of the given tensors' shapes, as tensors
 * of their dtypes on the cpu (float64 / complex128) and WebGPU (float32 / complex64): a complex
 * one gets interleaved (re, im) pairs. `extra` is their data, for the tolerance's scale.
 */
function seededLike(like: readonly Tensor[]): { cpu: Tensor[]; gpu: Tensor[]; extra: Float64Array[] } {
  const shapes = like.map((t) => (t.isComplex() ? [...t.shape, 2] : [...t.shape]));
  const g = samplesFromSeed(shapes, [uniform(-1, 1)], SEED);
  const cpu = g.map((s, j) =>
    tensor(s.data, { shape: [...like[j].shape], dtype: like[j].isComplex() ? 'complex128' : 'float64' }),
  );
  const gpu = g.map((s, j) =>
    tensor(s.data, {
      shape: [...like[j].shape],
      dtype: like[j].isComplex() ? 'complex64' : 'float32',
    }).to('webgpu'),
  );
  return { cpu, gpu, extra: g.map((s) => s.data) };
}

async function agree(e: OpEntry, c: OpCase): Promise<void> {
  const cpuX = caseTensors(c);
  const gpuX = caseTensors(c, 'webgpu');
  const cpuOut = flattenOutputs(e.name, e.fn(cpuX, c.args));
  const gpuOut = flattenOutputs(e.name, e.fn(gpuX, c.args));
  const made: Tensor[] = [...gpuX, ...gpuOut.tensors];
  try {
    for (const [j, ref] of cpuOut.tensors.entries()) {
      const got = gpuOut.tensors[j];
      expect(got.device).toBe('webgpu');
      expect(got.shape).toEqual(ref.shape);
      compare(e, c, 'forward', cpuOut.labels[j], await host(got), await host(ref));
    }
    if (skipReason(e, 'webgpuBackward', { device: 'webgpu', dtype: caseDType(c, 'webgpu') })) return;
    const outs = cpuOut.tensors.flatMap((t, j) => (t.requiresGrad ? [j] : []));
    const ins = cpuX.flatMap((t, i) => (t.requiresGrad ? [i] : []));
    if (outs.length === 0 || ins.length === 0) return;
    const { cpu: gCpu, gpu: gGpu, extra } = seededLike(outs.map((j) => cpuOut.tensors[j]));
    made.push(...gGpu);
    const opts = { allowUnused: true };
    const ref = autograd.grad(
      outs.map((j) => cpuOut.tensors[j]),
      ins.map((i) => cpuX[i]),
      { ...opts, gradOutputs: gCpu },
    );
    const got = autograd.grad(
      outs.map((j) => gpuOut.tensors[j]),
      ins.map((i) => gpuX[i]),
      { ...opts, gradOutputs: gGpu },
    );
    for (const [k, r] of ref.entries()) {
      const x = cpuX[ins[k]];
      const gk = got[k];
      if (gk) made.push(gk);
      const zeros = new Float64Array(x.isComplex() ? 2 * x.numel : x.numel);
      const refV = r ? await host(r) : zeros;
      const gotV = gk ? await host(gk) : zeros;
      if (gk) expect(gk.shape).toEqual(x.shape);
      compare(e, c, 'backward', `gradient of input #${ins[k]}`, gotV, refV, extra);
    }
  } finally {
    for (const t of made) t.dispose();
  }
}

/**
 * Forward mode on WebGPU: the outputs' tangents for random input tangents (one per input that
 * requires grad, all at once) in float32 on the device against the cpu float64 ones, with the
 * backward agreement's tolerance (a derivative, like a gradient).
 */
async function agreeForward(e: OpEntry, c: OpCase): Promise<void> {
  const cpuX = caseTensors(c);
  const gpuX = caseTensors(c, 'webgpu');
  const ins = cpuX.flatMap((t, i) => (t.requiresGrad ? [i] : []));
  if (ins.length === 0) return;
  const ts = seededLike(ins.map((i) => cpuX[i]));
  const tangentsOf = (xs: Tensor[], device: Device) =>
    forwardAD.dualLevel(() => {
      const args = xs.map((x, i) => {
        const k = ins.indexOf(i);
        if (k < 0) return x;
        const t = device === 'cpu' ? ts.cpu[k] : ts.gpu[k];
        if (!x.isComplex()) return forwardAD.makeDual(x.detach(), t);
        // makeDual takes real primals: a complex input is the complex view of a dual real (…, 2)
        // tensor, its tangent the complex tangent's (re, im) pairs.
        return viewAsComplex(forwardAD.makeDual(viewAsReal(x.detach()), viewAsReal(t)));
      });
      const out = flattenOutputs(e.name, e.fn(args, c.args));
      return out.tensors.map((y) => forwardAD.unpackDual(y).tangent);
    });
  const ref = tangentsOf(cpuX, 'cpu');
  const got = tangentsOf(gpuX, 'webgpu');
  const made = [...gpuX, ...ts.gpu, ...got.filter((t) => t !== null)];
  try {
    for (const [j, r] of ref.entries()) {
      if (!r) continue;
      const g = got[j];
      expect(g, `${e.name}: output ${j} has a tangent on the cpu but none on webgpu`).toBeTruthy();
      expect(g!.device).toBe('webgpu');
      expect(g!.shape).toEqual(r.shape);
      compare(e, c, 'backward', `tangent of output ${j}`, await host(g!), await host(r), ts.extra);
    }
  } finally {
    for (const t of made) t.dispose();
  }
}

const gpuMaker: MakeTensor = (shape, dtype = 'float') =>
  full(shape, 0.5, {
    dtype: dtype === 'int32' ? 'int32' : dtype === 'complex' ? 'complex64' : 'float32',
    device: 'webgpu' as Device,
  });

/**
 * The agreement tests of one case group of an entry (its own cases, or their complex variants,
 * titled complex64); false when the whole group is skipped.
 */
function agreementTests(e: OpEntry, g: CaseGroup): boolean {
  const label = groupLabel(g, 'webgpu');
  const reason = groupSkipReason(e, 'webgpu', 'webgpu', g);
  if (reason) {
    it.skip(`agreement${label} [skipped, reason: ${reason}]`, () => {});
    return false;
  }
  const settings = e.webgpu && !('skip' in e.webgpu) ? e.webgpu : undefined;
  const numRuns = settings?.numRuns ?? RUNS.webgpu;
  const backward: CheckKind = 'webgpuBackward';
  const noBackward = groupSkipReason(e, backward, 'webgpu', g);
  const what = `${noBackward ? 'forward' : 'forward and backward'}${label}`;
  const all = [...(e.samples ?? []), ...(settings?.samples ?? [])].flatMap((c) => g.of(c) ?? []);
  const samples = all.filter((c) => !buggy(c, 'webgpu'));
  // A case in a dtype the entry skips WebGPU agreement for passes untested.
  const check = async (c: OpCase | undefined) => {
    if (c && !skipReason(e, 'webgpu', { device: 'webgpu', dtype: caseDType(c, 'webgpu') })) await agree(e, c);
  };
  it(`${what} (${samples.length} fixed cases + ${numRuns} random)`, async () => {
    for (const c of samples) await check(c);
    await fc.assert(
      fc.asyncProperty(g.arbitrary, (c) => check(c)),
      { numRuns, seed: SEED },
    );
  });
  for (const c of all.filter((c) => c.knownBug && c.knownBugIn?.includes(backward))) {
    it.fails(`${c.label}: ${what} [known bug, expected to fail: ${c.knownBug}]`, () => agree(e, c));
  }
  const forward = noBackward ?? skipReason(e, 'forwardAd', { device: 'webgpu' });
  if (e.supportsForwardAd && !forward) {
    const checkForward = async (c: OpCase | undefined) => {
      if (!c) return;
      const dtype = caseDType(c, 'webgpu');
      if (skipReason(e, 'webgpu', { device: 'webgpu', dtype })) return;
      if (skipReason(e, backward, { device: 'webgpu', dtype })) return;
      if (skipReason(e, 'forwardAd', { device: 'webgpu', dtype })) return;
      await agreeForward(e, c);
    };
    it(`forward mode${label} (${samples.length} fixed cases + ${numRuns} random)`, async () => {
      for (const c of samples) await checkForward(c);
      await fc.assert(
        fc.asyncProperty(g.arbitrary, (c) => checkForward(c)),
        { numRuns, seed: SEED },
      );
    });
  }
  return true;
}

describeWebGPU('op table: WebGPU float32 agrees with cpu float64', () => {
  for (const e of opTable) {
    describe(e.name, () => {
      const [own, ...variants] = caseGroups(e);
      const ran = agreementTests(e, own);
      for (const g of variants) agreementTests(e, g);
      // The error cases run with the entry's own agreement (skipped with it, as before).
      if (ran) errorTests(e, 'webgpu', gpuMaker);
    });
  }
});
