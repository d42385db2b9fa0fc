/**
 * Runs fuzz specs and classifies every call. A call ends in one of:
 * - ok: a finite result the oracle accepts;
 * - error: a typed error (RangeError, TypeError, LinAlgError) that names the op, for invalid
 *   arguments or a numerically failing input where the oracle allows one;
 * - nan: non-finite input in a batch element gave non-finite output there (NaN in → NaN out);
 * - overflow: the exact result is beyond the dtype's range (or its naive formula overflows there);
 * and the failures: crash (any other error, or one that does not name the op), wrong (the oracle
 * rejects a result, a wrong output shape, or finite output from non-finite input), spurious-nan
 * (non-finite output from finite input whose result is finite), spurious-error (a typed error
 * for valid input the op should handle) and accepted-invalid (invalid arguments without an error).
 */
import fc from 'fast-check';
import { LinAlgError, type Tensor, tensor } from '../../src/index.js';
import { type Arr, contextFor, type FuzzContext, type FuzzDevice } from './gen.js';

export const FAILURES = ['crash', 'wrong', 'spurious-nan', 'spurious-error', 'accepted-invalid'] as const;
export const OUTCOMES = ['ok', 'error', 'nan', 'overflow', ...FAILURES] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Verdict {
  outcome: Outcome;
  why?: string;
}

export interface FuzzCase<O = unknown> {
  inputs: Arr[];
  opts: O;
  /** Why the arguments are invalid (the call must raise a RangeError/TypeError), or undefined. */
  invalid?: string;
  /** Int32 inputs (e.g. pivots) by index; the rest use the context's float dtype. */
  intInputs?: readonly number[];
}

/** Outputs read back: float outputs as Float64Array, int32 ones too (exact). */
export type Outputs = Record<string, Arr>;

export interface FuzzSpec<O = unknown> {
  /** The op as its error messages name it, e.g. 'linalg.inv'. */
  name: string;
  /** Where it runs: both by default. */
  devices?: readonly FuzzDevice[];
  cases: (ctx: FuzzContext) => fc.Arbitrary<FuzzCase<O>>;
  call: (inputs: Tensor[], opts: O) => Tensor | Record<string, Tensor>;
  /** Judges outputs of a valid call. */
  judge: (c: FuzzCase<O>, out: Outputs, ctx: FuzzContext) => Verdict;
  /** Judges a typed error for a valid call (default: allowed only when an input is non-finite). */
  judgeError?: (c: FuzzCase<O>, e: Error, ctx: FuzzContext) => Verdict;
  /** Other op names its messages may carry (e.g. invEx reports shape errors as linalg.inv). */
  aliases?: readonly string[];
}

const isTyped = (e: unknown): e is Error =>
  e instanceof RangeError || e instanceof TypeError || e instanceof LinAlgError;

function toTensor(a: Arr, ctx: FuzzContext, int: boolean): Tensor {
  const dtype = int ? 'int32' : ctx.dtype;
  const data = int ? Int32Array.from(a.data) : ctx.dtype === 'float32' ? Float32Array.from(a.data) : a.data;
  const t = tensor(data as Float64Array, { shape: a.shape, dtype });
  return ctx.device === 'cpu' || int ? t : t.to('webgpu');
}

async function readAll(out: Tensor | Record<string, Tensor>): Promise<Outputs> {
  const rec: Record<string, Tensor> = 'shape' in out && 'dtype' in out ? { out: out as Tensor } : out;
  const res: Outputs = {};
  for (const [k, t] of Object.entries(rec)) {
    const d = await t.data();
    res[k] = { shape: [...t.shape], data: Float64Array.from(d as ArrayLike<number>) };
  }
  return res;
}

function disposeAll(ts: Array<Tensor | Record<string, Tensor> | undefined>): void {
  for (const t of ts) {
    if (!t) continue;
    const list = 'shape' in t && 'dtype' in t ? [t as Tensor] : Object.values(t);
    for (const x of list) x.dispose();
  }
}

export const anyNonFinite = (c: FuzzCase): boolean =>
  c.inputs.some((a) => a.data.some((v) => !Number.isFinite(v)));

/** Runs one case and classifies it. */
export async function runCase<O>(spec: FuzzSpec<O>, c: FuzzCase<O>, ctx: FuzzContext): Promise<Verdict> {
  const ints = new Set(c.intInputs ?? []);
  const ts = c.inputs.map((a, i) => toTensor(a, ctx, ints.has(i)));
  let out: Tensor | Record<string, Tensor> | undefined;
  let read: Outputs | undefined;
  let err: unknown;
  try {
    out = spec.call(ts, c.opts);
    read = await readAll(out);
  } catch (e) {
    err = e;
  } finally {
    disposeAll([...ts, out]);
  }
  if (err !== undefined) {
    if (!isTyped(err)) return { outcome: 'crash', why: String((err as Error)?.stack ?? err) };
    const names = [spec.name, ...(spec.aliases ?? [])];
    if (!names.some((n) => err.message.includes(n)))
      return { outcome: 'crash', why: `error does not name ${spec.name}: ${err.name}: ${err.message}` };
    if (c.invalid) {
      if (err instanceof LinAlgError) return { outcome: 'wrong', why: `LinAlgError for ${c.invalid}` };
      return { outcome: 'error' };
    }
    if (process.env.FUZZ_LOG_ERRORS)
      console.log(`  [${spec.name}] ${err.name}: ${err.message.slice(0, 160)}`);
    if (spec.judgeError) return spec.judgeError(c, err, ctx);
    if (anyNonFinite(c)) return { outcome: 'error' };
    return { outcome: 'spurious-error', why: `${err.name}: ${err.message}` };
  }
  if (c.invalid) return { outcome: 'accepted-invalid', why: c.invalid };
  return spec.judge(c, read!, ctx);
}

const severity: Record<Outcome, number> = {
  ok: 0,
  error: 1,
  nan: 2,
  overflow: 3,
  'accepted-invalid': 4,
  'spurious-error': 5,
  'spurious-nan': 6,
  wrong: 7,
  crash: 8,
};

/** The worse of two verdicts (batch elements are judged one by one). */
export const worse = (a: Verdict, b: Verdict): Verdict => (severity[b.outcome] > severity[a.outcome] ? b : a);

export const isFailure = (o: Outcome): boolean => (FAILURES as readonly string[]).includes(o);

export interface OpReport {
  op: string;
  device: FuzzDevice;
  calls: number;
  counts: Record<Outcome, number>;
  /** Up to a few failing cases, as JSON, with the reason. */
  examples: { why: string; case: string }[];
}

const caseText = (c: FuzzCase): string =>
  JSON.stringify(c, (_k, v) =>
    v instanceof Float64Array ? Array.from(v, (x) => (Number.isFinite(x) ? x : String(x))) : v,
  );

/**
 * Runs `spec` on `device` for at least `minCalls` calls or until `budgetMs` is spent (whichever
 * ends first once minCalls is reached), from `seed`, and counts the outcomes.
 */
export async function fuzzOp<O>(
  spec: FuzzSpec<O>,
  device: FuzzDevice,
  opts: { seed: number; budgetMs: number; maxCalls?: number; minCalls?: number },
): Promise<OpReport> {
  const ctx = contextFor(device);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const examples: OpReport['examples'] = [];
  const start = performance.now();
  let calls = 0;
  let seed = opts.seed;
  const arb = spec.cases(ctx);
  const maxCalls = opts.maxCalls ?? Number.POSITIVE_INFINITY;
  const minCalls = opts.minCalls ?? 0;
  while (calls < maxCalls && (calls < minCalls || performance.now() - start < opts.budgetMs)) {
    const batch = fc.sample(arb, { seed: seed++, numRuns: 50 });
    for (const c of batch) {
      if (calls >= maxCalls) break;
      let v: Verdict;
      try {
        v = await runCase(spec, c, ctx);
      } catch (e) {
        v = { outcome: 'crash', why: `harness: ${String((e as Error)?.stack ?? e)}` };
      }
      calls++;
      counts[v.outcome]++;
      if (isFailure(v.outcome) && examples.length < 5)
        examples.push({ why: `${v.outcome}: ${v.why ?? ''}`, case: caseText(c) });
    }
  }
  return { op: spec.name, device, calls, counts, examples };
}
