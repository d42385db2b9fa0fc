/**
 * The op table's WebGPU agreement check (run by tests/op-table.test.ts): an entry's call on
 * WebGPU (float32, complex64) against the cpu float64 / complex128 result, forward, backward
 * through autograd.grad with seeded gradOutputs, and forward mode with seeded tangents; complex
 * tensors are compared through viewAsReal as (re, im) pairs. LINAGRAD_AGREEMENT_REPORT=1 prints,
 * per entry, the largest error seen as a multiple of eps(float32)·cond and the largest fraction
 * of the tolerance used.
 */
import { expect } from 'vitest';
import { flattenOutputs } from '../gradcheck/common.js';
import {
  agreementTolerance,
  allClose,
  caseDType,
  caseTensors,
  describeCase,
  type InputSpec,
  isComplexDType,
  maxRelError,
  type OpCase,
  type OpEntry,
  samplesFromSeed,
  skipReason,
  type Tolerance,
  uniform,
} from '../gradcheck/index.js';
import {
  autograd,
  type Device,
  forwardAD,
  type Tensor,
  tensor,
  viewAsComplex,
  viewAsReal,
} from '../src/index.js';

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

/** Prints the largest errors seen per entry and kind (LINAGRAD_AGREEMENT_REPORT=1). */
export function printAgreementReport(): void {
  if (!process.env.LINAGRAD_AGREEMENT_REPORT || seen.size === 0) return;
  const rows = [...seen].map(([k, v]) => `${k}\t${v.multiple.toPrecision(3)}\t${v.used.toPrecision(2)}`);
  console.log(['entry\tkind\tmax err / (eps32·cond)\tmax fraction of tolerance', ...rows].join('\n'));
}

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
function seededLike(
  like: readonly Tensor[],
  seed: number,
): { cpu: Tensor[]; gpu: Tensor[]; extra: Float64Array[] } {
  const shapes = like.map((t) => (t.isComplex() ? [...t.shape, 2] : [...t.shape]));
  const g = samplesFromSeed(shapes, [uniform(-1, 1)], seed);
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

export async function agree(e: OpEntry, c: OpCase, seed: number): Promise<void> {
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
    const {
      cpu: gCpu,
      gpu: gGpu,
      extra,
    } = seededLike(
      outs.map((j) => cpuOut.tensors[j]),
      seed,
    );
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
export async function agreeForward(e: OpEntry, c: OpCase, seed: number): Promise<void> {
  const cpuX = caseTensors(c);
  const gpuX = caseTensors(c, 'webgpu');
  const ins = cpuX.flatMap((t, i) => (t.requiresGrad ? [i] : []));
  if (ins.length === 0) return;
  const ts = seededLike(
    ins.map((i) => cpuX[i]),
    seed,
  );
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
