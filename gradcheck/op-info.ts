/**
 * OpInfo-style test tables (PyTorch's OpInfo idea): the types of an op entry — the call under
 * test, its cases (a fast-check arbitrary plus fixed edge cases), error inputs with expected
 * messages, gradcheck settings, WebGPU tolerances and skips with reasons — and builders for
 * cases. An entry also names the OpDef it tests, the dtypes its cases run in, whether the op
 * supports forward mode and vmap, and its skips scoped by check, device and dtype.
 * linagrad's own table is tests/op-table.ts; the same types serve user-defined ops.
 * @module
 */

import type { Device, OpDef, Tensor } from '../src/index.js';
import { tensor } from '../src/index.js';
import type { GradcheckOptions, GradcheckOutput } from './common.js';
import { type Arbitrary, fc, lazyArbitrary } from './fc.js';
import {
  broadcastShapesArb,
  type Sampler,
  samplesArb,
  samplesFromSeed,
  shapeArb,
  type TensorSample,
  uniform,
} from './tensor-arbitraries.js';
import type { Tolerance } from './tolerance.js';

/** One input of a case; differentiated unless `grad: false`. */
export interface InputSpec extends TensorSample {
  /** Differentiate with respect to this input (default true for float inputs). */
  grad?: boolean;
  /**
   * dtype on the cpu (default float64); on webgpu every float input is float32 and every complex
   * one complex64. int32 inputs stay int32 on both devices and are never differentiated. A
   * complex input's `data` holds 2·numel interleaved (re, im) numbers. An input without a dtype
   * follows the case's dtype: it becomes complex in the complex variant of the case
   * ({@link complexCase}); one with an explicit dtype keeps it.
   */
  dtype?: TableDType;
}

/** One test case: inputs plus the op's other arguments (dims, offsets, …). */
export interface OpCase<A = unknown> {
  /** The input tensors of the case. */
  inputs: InputSpec[];
  /** The non-tensor arguments passed to the op. */
  args: A;
  /** Condition number of the problem (default 1), for the WebGPU agreement tolerance. */
  cond?: number;
  /** Name of a fixed sample in test titles. */
  label?: string;
  /**
   * A fixed sample that exposes a known bug: it runs as an expected failure (vitest `it.fails`)
   * titled with this text, so the suite fails once the bug is fixed and the mark can go.
   */
  knownBug?: string;
  /** The checks the known bug breaks (default all); the others run normally. */
  knownBugIn?: CheckKind[];
}

/**
 * Makes a tensor on the device under test: 'float' is float64 on cpu and float32 on webgpu,
 * 'complex' complex128 on cpu and complex64 on webgpu.
 */
export type MakeTensor = (shape: number[], dtype?: 'float' | 'complex' | 'int32') => Tensor;

/**
 * A call that must throw `type` (default any Error) with a message matching `message`. The call
 * may return a promise (e.g. `t.data()`), which must then reject: WebGPU raises numerical
 * failures when a result is first read.
 */
export interface ErrorCase {
  /** What is wrong with the call, for the test name. */
  desc: string;
  /** Makes the bad call (mk builds tensors on the device under test). */
  call: (mk: MakeTensor) => unknown;
  /** The expected error message. */
  message: RegExp;
  /** The expected error class (default any Error). */
  type?: new (
    ...args: never[]
  ) => Error;
  /** A known bug makes this case fail: it runs as an expected failure titled with this text. */
  knownBug?: string;
  /** The devices the known bug shows on (default all). */
  knownBugOn?: Device[];
  /** The devices the case applies to (default all), e.g. only 'cpu' for float64 operands. */
  devices?: Device[];
}

/** gradcheck options plus the number of fast-check runs (the fixed samples always run). */
export interface CheckSettings extends GradcheckOptions {
  numRuns?: number;
}

/** How an op table compares the WebGPU result with the CPU one. */
export interface WebGPUSettings<A = unknown> {
  /** Tolerance against the cpu float64 result `ref` (default: agreementTolerance, see the test). */
  tolerance?: (c: OpCase<A>, kind: 'forward' | 'backward', ref: Float64Array) => Tolerance;
  /** Multiplier on the default tolerance's η, for chains of kernels. */
  factor?: number;
  /** Problem size n of the default tolerance (default: the largest input numel), e.g. the matrix size. */
  size?: (c: OpCase<A>) => number;
  /** Extra fixed cases checked only here: sizes and batches too large for gradcheck. */
  samples?: OpCase<A>[];
  numRuns?: number;
}

/** The checks an op table runs per entry. */
export type CheckKind = 'gradcheck' | 'fastMode' | 'gradgradcheck' | 'webgpuBackward';

/**
 * Every check of an op-table entry, for skips: the gradient checks and WebGPU's backward
 * (CheckKind), the error cases, the whole WebGPU agreement (forward and backward), and the
 * forward-mode and vmap checks (which run only where the entry's flag says the op supports them):
 * 'forwardAd' (gradcheck with checkForwardAd; skipping it skips forward over reverse too) and
 * 'fwdOverRev' (gradgradcheck with checkFwdOverRev: tangents through the backward formulas).
 */
export type TableCheck = CheckKind | 'errors' | 'webgpu' | 'forwardAd' | 'fwdOverRev' | 'vmap';

/** Every check that differentiates: skip them all for an op without a gradient. */
export const GRADIENT_CHECKS: readonly CheckKind[] = [
  'gradcheck',
  'fastMode',
  'gradgradcheck',
  'webgpuBackward',
];

/** The dtypes of op-table inputs. */
export type TableDType = 'float32' | 'float64' | 'int32' | 'complex64' | 'complex128';

/** Whether a table dtype is complex. */
export function isComplexDType(dt: TableDType | undefined): dt is 'complex64' | 'complex128' {
  return dt === 'complex64' || dt === 'complex128';
}

/** The input dtypes an entry's cases run in, per device (PyTorch OpInfo's `dtypes`). */
export interface EntryDTypes {
  /** On the cpu, where the gradient checks run (float64 for gradcheck). */
  readonly cpu: readonly TableDType[];
  /** On WebGPU (float inputs become float32 there, WGSL having no f64); empty when not run there. */
  readonly webgpu: readonly TableDType[];
}

/** float64 on the cpu, float32 on WebGPU: the dtypes of most entries. */
export const FLOAT_DTYPES: EntryDTypes = { cpu: ['float64'], webgpu: ['float32'] };

/** complex128 on the cpu, complex64 on WebGPU: entries whose cases are complex only. */
export const COMPLEX_DTYPES: EntryDTypes = { cpu: ['complex128'], webgpu: ['complex64'] };

/**
 * FLOAT_DTYPES plus complex128 / complex64: the entry's real cases also run as their complex
 * variants ({@link complexCase}), each check titled with the complex dtype.
 */
export const FLOAT_AND_COMPLEX_DTYPES: EntryDTypes = {
  cpu: ['float64', 'complex128'],
  webgpu: ['float32', 'complex64'],
};

/**
 * A check that does not apply, with the reason: all of `check` (one check or several), or only
 * on `device`, or only for the cases in `dtype`.
 */
export interface Skip {
  /** The check(s) skipped. */
  check: TableCheck | readonly TableCheck[];
  /** Only on this device (default every device). */
  device?: Device;
  /** Only for the cases whose inputs are in this dtype (default every dtype). */
  dtype?: TableDType;
  /** Why: shown in the skipped test's title. */
  reason: string;
}

/** Any OpDef, as an entry names it (the object itself, compared by identity). */
export type AnyOpDef = OpDef<never>;

/**
 * One op of an op table (the idea of PyTorch's OpInfo): its cases, error inputs and check settings;
 * see docs/gradcheck.md.
 */
export interface OpEntry<A = unknown> {
  /** The op's name, as tests print it. */
  name: string;
  /**
   * The OpDef the entry tests (the object defineOp returned): the call under test applies it,
   * possibly with helper ops around it (gauge-invariant views of a decomposition, a symmetrised
   * input). linagrad's table has an entry for every OpDef (tests/op-table-coverage.test.ts).
   */
  op?: AnyOpDef;
  /**
   * For an entry that tests a composite function (mean, stack, logdet, matrixNorm, …) rather
   * than one OpDef: the OpDefs it exercises. An entry names `op` or `composite`.
   */
  composite?: readonly AnyOpDef[];
  /** The input dtypes its cases run in, per device (default FLOAT_DTYPES). */
  dtypes?: EntryDTypes;
  /** The op has a forward-mode (jvp) rule to check (default false: forwardAd checks are skipped). */
  supportsForwardAd?: boolean;
  /** The op has a batching (vmap) rule to check (default false: vmap checks are skipped). */
  supportsVmap?: boolean;
  /** The call under test. */
  fn: (xs: Tensor[], args: A) => GradcheckOutput;
  /** Random cases (fast-check). */
  arbitrary: Arbitrary<OpCase<A>>;
  /** Fixed cases that always run (edge cases). */
  samples?: OpCase<A>[];
  /** Bad calls and the errors they must raise. */
  errors?: ErrorCase[];
  /** gradcheck settings (and number of random cases). */
  gradcheck?: CheckSettings;
  /** gradgradcheck settings, or absent to skip it. */
  gradgradcheck?: CheckSettings;
  /**
   * CPU-vs-WebGPU agreement settings; `{ skip: reason }` is the older form of
   * `skipped: [{ check: 'webgpu', reason }]`.
   */
  webgpu?: WebGPUSettings<A> | { skip: string };
  /** Checks that do not apply, with the reason (the older form of `skipped`, unscoped). */
  skips?: Partial<Record<CheckKind, string>>;
  /** Checks that do not apply, scoped by check, device and dtype, each with its reason. */
  skipped?: readonly Skip[];
}

/** The scope a check runs in, for {@link skipReason}. */
export interface CheckScope {
  /** The device the check runs on. */
  device: Device;
  /** The dtype of the cases (absent: the check as a whole, i.e. only unscoped-by-dtype skips). */
  dtype?: TableDType;
}

/**
 * Why `check` does not run for `entry` in `scope` (undefined when it runs): the first matching
 * skip of `skipped`, or the older `skips` / `webgpu.skip` forms. A skip scoped to a dtype matches
 * only a scope with that dtype.
 */
export function skipReason(e: OpEntry, check: TableCheck, scope: CheckScope): string | undefined {
  for (const s of e.skipped ?? []) {
    const checks: readonly TableCheck[] = typeof s.check === 'string' ? [s.check] : s.check;
    if (!checks.includes(check)) continue;
    if (s.device !== undefined && s.device !== scope.device) continue;
    if (s.dtype !== undefined && s.dtype !== scope.dtype) continue;
    return s.reason;
  }
  if (
    check !== 'errors' &&
    check !== 'webgpu' &&
    check !== 'forwardAd' &&
    check !== 'fwdOverRev' &&
    check !== 'vmap'
  ) {
    const legacy = e.skips?.[check];
    if (legacy) return legacy;
  }
  if (check === 'webgpu' && scope.device === 'webgpu' && e.webgpu && 'skip' in e.webgpu) return e.webgpu.skip;
  return undefined;
}

/** The entry's dtypes (FLOAT_DTYPES unless it names its own). */
export function entryDTypes(e: OpEntry): EntryDTypes {
  return e.dtypes ?? FLOAT_DTYPES;
}

/**
 * The dtype of one input of a case on a device: float inputs are float32 on webgpu, complex ones
 * complex64.
 */
export function inputDType(s: InputSpec, device: Device = 'cpu'): TableDType {
  const dt = s.dtype ?? 'float64';
  if (device !== 'webgpu' || dt === 'int32') return dt;
  return isComplexDType(dt) ? 'complex64' : 'float32';
}

/**
 * The dtype a case runs in on a device: that of its first float input (its int32 inputs are
 * indices or flags), int32 when it has only int32 inputs, undefined when it has no inputs.
 */
export function caseDType(c: OpCase, device: Device = 'cpu'): TableDType | undefined {
  const dts = c.inputs.map((s) => inputDType(s, device));
  return dts.find((d) => d !== 'int32') ?? dts[0];
}

/**
 * Whether an entry's real cases also run as their complex variants: it lists complex128 and
 * float64 on the cpu (an entry listing complex128 alone writes its complex inputs itself).
 */
export function hasComplexVariants(e: OpEntry): boolean {
  const { cpu } = entryDTypes(e);
  return cpu.includes('complex128') && cpu.includes('float64');
}

/** A seed from a case's data (FNV-1a over the float64 bytes), so a variant is a function of its case. */
function seedOf(c: OpCase): number {
  let h = 0x811c9dc5;
  for (const s of c.inputs) {
    const bytes = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    h = Math.imul(h ^ s.shape.length, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

/**
 * The complex128 variant of a real case: every input that follows the case's dtype (no `dtype`
 * of its own) becomes complex128 with its values as the real parts and imaginary parts drawn
 * (seeded by the case's data) uniformly over the same range as the real parts (±1 when they
 * span none), so a sampler's domain carries over. Undefined when no input follows (nothing to
 * make complex). Labels say "(complex)".
 */
export function complexCase<A>(c: OpCase<A>): OpCase<A> | undefined {
  if (!c.inputs.some((s) => s.dtype === undefined)) return undefined;
  const seed = seedOf(c);
  const inputs = c.inputs.map((s, i): InputSpec => {
    if (s.dtype !== undefined) return s;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of s.data) {
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (!(hi > lo)) [lo, hi] = [-1, 1];
    const [im] = samplesFromSeed([s.shape], [uniform(lo, hi)], seed + i);
    const data = new Float64Array(2 * s.data.length);
    for (let k = 0; k < s.data.length; k++) {
      data[2 * k] = s.data[k];
      data[2 * k + 1] = im.data[k];
    }
    return { ...s, data, dtype: 'complex128' };
  });
  return { ...c, inputs, label: c.label === undefined ? undefined : `${c.label} (complex)` };
}

/**
 * The case groups an entry's checks run: its own cases (`dtype` undefined), and, where the entry
 * has complex variants, the same cases made complex128 (`dtype` 'complex128'; a case without an
 * input that follows gives none).
 */
export interface CaseGroup {
  /** undefined for the entry's own cases, 'complex128' for their complex variants. */
  dtype?: 'complex128';
  /** The fixed cases of the group. */
  samples: OpCase[];
  /** The random cases of the group (undefined where a case gives no variant). */
  arbitrary: Arbitrary<OpCase | undefined>;
  /** Maps one of the entry's own cases into the group (undefined: none). */
  of: (c: OpCase) => OpCase | undefined;
}

/** The case groups of an entry's checks (see {@link CaseGroup}); `samples` are the fixed cases to map. */
export function caseGroups(e: OpEntry, samples: readonly OpCase[] = e.samples ?? []): CaseGroup[] {
  const groups: CaseGroup[] = [{ samples: [...samples], arbitrary: e.arbitrary, of: (c) => c }];
  if (hasComplexVariants(e)) {
    groups.push({
      dtype: 'complex128',
      samples: samples.flatMap((c) => complexCase(c) ?? []),
      arbitrary: e.arbitrary.map((c) => complexCase(c)),
      of: complexCase,
    });
  }
  return groups;
}

/** Erases the args type so entries with different args live in one array. */
export function entry<A>(e: OpEntry<A>): OpEntry<unknown> {
  return e as unknown as OpEntry<unknown>;
}

/** Seeds for case generators (a fast-check arbitrary; throws on use without fast-check). */
export const seedArb: Arbitrary<number> = lazyArbitrary('seedArb', () =>
  fc.integer({ min: 0, max: 0x7fffffff }),
);

/** A fixed case: the given shapes filled from `samplers` with a fixed seed. */
export function fixed<A>(
  label: string,
  shapes: number[][],
  samplers: Sampler[],
  args: A,
  seed = 1,
): OpCase<A> {
  return { label, inputs: samplesFromSeed(shapes, samplers, seed), args };
}

/** Cases whose shapes and args are drawn together by `gen`, valued by `samplers`. */
export function casesOf<A>(
  gen: Arbitrary<{ shapes: number[][]; args: A }>,
  samplers: Sampler[],
): Arbitrary<OpCase<A>> {
  return fc
    .tuple(gen, seedArb)
    .map(([g, seed]) => ({ inputs: samplesFromSeed(g.shapes, samplers, seed), args: g.args }));
}

/** One-input cases whose args depend on the input shape (shape ops). */
export function shaped<A>(
  shape: Arbitrary<number[]>,
  args: (s: number[]) => Arbitrary<A>,
  sampler: Sampler = uniform(-1.5, 1.5),
): Arbitrary<OpCase<A>> {
  return casesOf(
    shape.chain((s) => args(s).map((a) => ({ shapes: [s], args: a }))),
    [sampler],
  );
}

/** A dim of an `nd`-dim tensor, negative or not. */
export function dimIn(nd: number): Arbitrary<number> {
  return fc.integer({ min: -nd, max: nd - 1 });
}

/** undefined (all dims), one dim, or a list of distinct dims in any order; each possibly negative. */
export function dimsArb(nd: number): Arbitrary<number | number[] | undefined> {
  const all = [...Array(nd).keys()];
  const neg = (d: number, flip: boolean) => (flip ? d - nd : d);
  const options: Arbitrary<number | number[] | undefined>[] = [fc.constant(undefined)];
  if (nd > 0) {
    options.push(fc.tuple(fc.integer({ min: 0, max: nd - 1 }), fc.boolean()).map(([d, f]) => neg(d, f)));
    options.push(
      fc
        .tuple(fc.shuffledSubarray(all), fc.array(fc.boolean(), { minLength: nd, maxLength: nd }))
        .map(([ds, fl]) => ds.map((d, i) => neg(d, fl[i]))),
    );
  }
  return fc.oneof(...options);
}

/**
 * The tensors of a case on a device: cpu inputs in their spec dtype (default float64), webgpu
 * inputs in float32 or complex64 (made on the cpu in the spec dtype, converted, then moved);
 * differentiable ones require grad.
 */
export function caseTensors(c: OpCase, device: Device = 'cpu'): Tensor[] {
  return c.inputs.map((s) => {
    const dtype = s.dtype ?? 'float64';
    // Complex data is interleaved (re, im): the shape is the complex tensor's.
    const cpu = tensor(s.data, { shape: [...s.shape], dtype });
    const t = device === 'cpu' ? cpu : cpu.to(inputDType(s, device)).to(device);
    return s.grad === false || dtype === 'int32' ? t : t.requiresGrad_();
  });
}

/** A short description of a case for messages. */
export function describeCase(c: OpCase): string {
  const ins = c.inputs.map((s) => `[${s.shape.join(', ')}]${s.grad === false ? ' (const)' : ''}`).join(', ');
  return `${c.label ? `${c.label}: ` : ''}inputs ${ins}; args ${JSON.stringify(c.args)}`;
}

// ---- elementwise entries (error messages as linagrad's elementwise ops word them) ----------------

/** The error case of an op given int32 tensors. */
export const floatOnly = (name: string, call: (mk: MakeTensor) => unknown): ErrorCase => ({
  desc: 'int32 input',
  call,
  message: new RegExp(`${name}: expected (a )?floating-point tensors?`),
  type: TypeError,
});

/**
 * An elementwise unary entry: random shapes (0-d and empty included) valued by `sampler`; `extra`
 * adds or overrides fields (op, webgpu tolerance, …).
 */
export function unary(
  name: string,
  call: (x: Tensor) => Tensor,
  sampler: Sampler,
  extra: Partial<OpEntry> = {},
) {
  return entry<undefined>({
    name,
    fn: ([x]) => call(x),
    arbitrary: samplesArb(
      shapeArb().map((s) => [s]),
      [sampler],
    ).map((inputs) => ({ inputs, args: undefined })),
    samples: [
      fixed('0-d', [[]], [sampler], undefined),
      fixed('empty', [[0, 2]], [sampler], undefined),
      fixed('2x3', [[2, 3]], [sampler], undefined),
    ],
    errors: [floatOnly(name, (mk) => call(mk([2], 'int32')))],
    dtypes: FLOAT_DTYPES,
    ...(extra as Partial<OpEntry<undefined>>),
  });
}

const BROADCAST_SAMPLES: [string, number[][]][] = [
  ['0-d with 0-d', [[], []]],
  ['[2, 3] with 0-d', [[2, 3], []]],
  ['0-d with [3]', [[], [3]]],
  [
    '[2, 1] with [1, 3] (outer)',
    [
      [2, 1],
      [1, 3],
    ],
  ],
  [
    '[2, 3, 1] with [3, 4]',
    [
      [2, 3, 1],
      [3, 4],
    ],
  ],
  ['empty [0, 3] with [3]', [[0, 3], [3]]],
];

/**
 * An elementwise binary entry: broadcasting shapes, plus fixed 0-d, outer and empty cases; `extra`
 * adds or overrides fields (op, skips, …).
 */
export function binary(
  name: string,
  call: (a: Tensor, b: Tensor) => Tensor,
  samplers: [Sampler, Sampler],
  extra: Partial<OpEntry> = {},
) {
  return entry<undefined>({
    name,
    fn: ([a, b]) => call(a, b),
    arbitrary: samplesArb(broadcastShapesArb(2), samplers).map((inputs) => ({ inputs, args: undefined })),
    samples: BROADCAST_SAMPLES.map(([label, shapes]) => fixed(label, shapes, samplers, undefined)),
    errors: [
      {
        desc: 'shapes that do not broadcast',
        call: (mk) => call(mk([2, 3]), mk([4])),
        message: new RegExp(`${name}: shapes \\[2, 3\\] and \\[4\\] cannot be broadcast together`),
        type: RangeError,
      },
      floatOnly(name, (mk) => call(mk([2], 'int32'), mk([2], 'int32'))),
    ],
    dtypes: FLOAT_DTYPES,
    ...(extra as Partial<OpEntry<undefined>>),
  });
}
