/**
 * Shared pieces of gradcheck: the error class, options, input validation, output normalisation
 * and the perturbed evaluation of `fn` that the numerical Jacobians are built from.
 * @module
 */

import { isTensor, type Tensor, tensor } from '../src/index.js';
import { LabelledOutputs } from './complex.js';

/** A gradient check failed (a wrong derivative, a non-reentrant backward, …). */
export class GradcheckError extends Error {
  /** 'GradcheckError'. */
  override name = 'GradcheckError';
}

/** What the function under test may return. */
export type GradcheckOutput = Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>;
export type GradcheckFn = (...inputs: Tensor[]) => GradcheckOutput;

/** Options of `gradcheck` (and `gradgradcheck`); defaults are those of torch.autograd.gradcheck. */
export interface GradcheckOptions {
  /** Perturbation of the central differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance of `|analytical − numerical| ≤ atol + rtol·|numerical|` (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw a GradcheckError on failure (default true); false returns false instead. */
  raiseException?: boolean;
  /** Compare vᵀJu for random unit u, v instead of whole Jacobians (default false). */
  fastMode?: boolean;
  /** Largest difference allowed between two backward passes on the same inputs (default 0). */
  nondetTol?: number;
  /** Check that backward formulas accept null (undefined) output gradients (default true). */
  checkUndefinedGrad?: boolean;
  /**
   * Check what a batched (vmapped) backward relies on: VJPs linear in the gradOutput
   * (gradcheck/batched.ts; linagrad has no vmap). Default false, as PyTorch.
   */
  checkBatchedGrad?: boolean;
  /**
   * Also check forward mode: the Jacobians from forward-mode AD (dual tensors with unit tangents,
   * or in fast mode one random tangent per input) against the finite differences (default false,
   * as PyTorch's check_forward_ad).
   */
  checkForwardAd?: boolean;
  /**
   * Check the backward passes (default true, as PyTorch's check_backward_ad); false with
   * checkForwardAd checks forward mode only. At least one of the two must be true.
   */
  checkBackwardAd?: boolean;
  /** Seed of the random vectors of fast mode and of gradgradcheck's gradOutputs (default 0). */
  seed?: number;
  /** Names of the inputs in messages (default `input #i`). */
  inputNames?: readonly string[];
}

export interface ResolvedOptions {
  eps: number;
  atol: number;
  rtol: number;
  raiseException: boolean;
  fastMode: boolean;
  nondetTol: number;
  checkUndefinedGrad: boolean;
  checkBatchedGrad: boolean;
  checkForwardAd: boolean;
  checkBackwardAd: boolean;
  seed: number;
  inputNames: readonly string[] | null;
}

export function resolveOptions(where: string, o: GradcheckOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    eps: o.eps ?? 1e-6,
    atol: o.atol ?? 1e-5,
    rtol: o.rtol ?? 1e-3,
    raiseException: o.raiseException ?? true,
    fastMode: o.fastMode ?? false,
    nondetTol: o.nondetTol ?? 0,
    checkUndefinedGrad: o.checkUndefinedGrad ?? true,
    checkBatchedGrad: o.checkBatchedGrad ?? false,
    checkForwardAd: o.checkForwardAd ?? false,
    checkBackwardAd: o.checkBackwardAd ?? true,
    seed: o.seed ?? 0,
    inputNames: o.inputNames ?? null,
  };
  if (!r.checkForwardAd && !r.checkBackwardAd) {
    throw new Error(
      `${where}: expected at least one of checkForwardAd or checkBackwardAd to be true (both are false)`,
    );
  }
  for (const k of ['eps', 'atol', 'rtol', 'nondetTol'] as const) {
    const v = r[k];
    if (!(v >= 0) || !Number.isFinite(v) || (k === 'eps' && v === 0)) {
      throw new RangeError(
        `${where}: ${k} must be a finite number ${k === 'eps' ? '> 0' : '>= 0'}, got ${v}`,
      );
    }
  }
  return r;
}

/** Validates `inputs` and returns the positions of those that require grad. */
export function checkInputs(
  where: string,
  inputs: readonly unknown[],
  names: readonly string[] | null,
  warn = true,
): number[] {
  if (!Array.isArray(inputs)) {
    throw new TypeError(`${where}: inputs must be an array of tensors, got ${describe(inputs)}`);
  }
  const diff: number[] = [];
  inputs.forEach((t, i) => {
    const name = inputName(names, i);
    if (!isTensor(t)) {
      throw new TypeError(
        `${where}: ${name} is ${describe(t)}, not a Tensor; pass tensors only (capture other arguments in fn)`,
      );
    }
    if (t.isDisposed) throw new Error(`${where}: ${name} was disposed`);
    if (t.device !== 'cpu') {
      const wide = t.dtype === 'complex64' ? 'complex128' : 'float64';
      throw new Error(
        `${where}: ${name} is on ${t.device}. gradcheck is a float64 tool and reads values synchronously, so it ` +
          `needs cpu ${wide} inputs: pass x.detach().to('cpu') (await toCpu(x) for webgpu) converted with ` +
          `.to('${wide}'). To test a WebGPU kernel, compare its results with the cpu ${wide} ones.`,
      );
    }
    if (t.requiresGrad) diff.push(i);
  });
  if (diff.length === 0) {
    const ints = (inputs as Tensor[]).some((t) => t.dtype === 'int32');
    throw new TypeError(
      `${where}: expects at least one input tensor to require gradient, but none of the ${inputs.length} ` +
        'inputs have requiresGrad=true; call x.requiresGrad_() on the inputs to differentiate' +
        (ints ? " (int32 tensors cannot require grad: convert them with .to('float64'))" : ''),
    );
  }
  const seen = new Map<Tensor, number>();
  for (const i of diff) {
    const t = inputs[i] as Tensor;
    const j = seen.get(t);
    if (j !== undefined) {
      throw new Error(
        `${where}: ${inputName(names, j)} and ${inputName(names, i)} are the same tensor object; perturbing ` +
          'one position would change both. Pass a clone (x.detach().requiresGrad_()) for the second one.',
      );
    }
    seen.set(t, i);
  }
  for (const i of diff) {
    if (warn && (inputs[i] as Tensor).dtype !== 'float64') {
      console.warn(
        `${where}: Input #${i} requires gradient and is not a double precision floating point. This check ` +
          'will likely fail if all the inputs are not of double precision floating point.',
      );
    }
  }
  return diff;
}

export function inputName(names: readonly string[] | null, i: number): string {
  return names?.[i] ?? `input #${i}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

/** fn's outputs as a list, with a label per output for messages. */
export interface FlatOutputs {
  tensors: Tensor[];
  labels: string[];
  /** Record keys (null for a tensor or an array). */
  keys: (string | null)[];
}

/** Normalises a Tensor / Tensor[] / Record<string, Tensor> result; non-tensors are a TypeError. */
export function flattenOutputs(where: string, result: unknown): FlatOutputs {
  if (result instanceof LabelledOutputs) {
    return { tensors: [...result.tensors], labels: [...result.labels], keys: [...result.keys] };
  }
  if (isTensor(result)) return { tensors: [result], labels: ['output 0'], keys: [null] };
  let entries: [string, unknown, string | null][];
  if (Array.isArray(result)) entries = result.map((t, i) => [`output ${i}`, t, null]);
  else if (
    result !== null &&
    typeof result === 'object' &&
    Object.getPrototypeOf(result) === Object.prototype
  )
    entries = Object.entries(result).map(([k, t], i) => [`output ${i} ('${k}')`, t, k]);
  else {
    throw new TypeError(
      `${where}: fn must return a Tensor, an array of Tensors or a record of Tensors, but it returned ${describe(result)}`,
    );
  }
  for (const [label, t] of entries) {
    if (!isTensor(t)) {
      throw new TypeError(
        `${where}: fn must return tensors only, but ${label} is ${describe(t)}; return it as a tensor or drop it`,
      );
    }
  }
  if (entries.length === 0) throw new TypeError(`${where}: fn returned no tensors`);
  return {
    tensors: entries.map((e) => e[1] as Tensor),
    labels: entries.map((e) => e[0]),
    keys: entries.map((e) => e[2]),
  };
}

/** Host copy of a cpu tensor's values as float64. */
export function hostValues(t: Tensor): Float64Array {
  const d = t.dataSync();
  return d instanceof Float64Array ? d : Float64Array.from(d);
}

/** A new leaf with `data` in `like`'s shape and dtype, requiring grad like `like`. */
export function replaceWith(like: Tensor, data: Float64Array): Tensor {
  const t = tensor(data, { shape: [...like.shape], dtype: like.dtype });
  return like.requiresGrad ? t.requiresGrad_() : t;
}

/** Rounds `x` to a dtype's precision (what storing it in a tensor of that dtype does). */
export function roundTo(dtype: string, x: number): number {
  return dtype === 'float32' ? Math.fround(x) : x;
}

/**
 * Evaluates fn on inputs where one input is replaced by host data, checking that the outputs keep
 * their number, shapes and dtypes; returns the values of the outputs at `outIdx`.
 */
export class Evaluator {
  constructor(
    private readonly where: string,
    private readonly fn: GradcheckFn,
    private readonly inputs: readonly Tensor[],
    private readonly ref: FlatOutputs,
    private readonly eps: number,
    private readonly names: readonly string[] | null,
  ) {}

  /** `what` says which perturbation this is, for the shape-change message. */
  eval(pos: number, data: Float64Array, outIdx: readonly number[], what: string): Float64Array[] {
    const args = this.inputs.map((t, i) => (i === pos ? replaceWith(t, data) : t));
    const out = flattenOutputs(this.where, this.fn(...args));
    if (out.tensors.length !== this.ref.tensors.length) {
      throw new GradcheckError(
        `${this.where}: fn returned ${this.ref.tensors.length} outputs at the given inputs but ` +
          `${out.tensors.length} when ${this.perturbed(pos, what)}`,
      );
    }
    return outIdx.map((j) => {
      const a = this.ref.tensors[j];
      const b = out.tensors[j];
      if (
        a.dtype !== b.dtype ||
        a.shape.length !== b.shape.length ||
        a.shape.some((d, k) => d !== b.shape[k])
      ) {
        throw new GradcheckError(
          `${this.where}: Expected fn to return outputs with the same shape and dtype when inputs are perturbed ` +
            `by eps=${this.eps}, but ${this.ref.labels[j]} is ${meta(a)} at the given inputs and ${meta(b)} ` +
            `when ${this.perturbed(pos, what)}`,
        );
      }
      if (b.device !== 'cpu') {
        throw new Error(
          `${this.where}: ${this.ref.labels[j]} is on ${b.device}; gradcheck needs cpu outputs`,
        );
      }
      return hostValues(b);
    });
  }

  private perturbed(pos: number, what: string): string {
    return `${inputName(this.names, pos)} was perturbed (${what})`;
  }
}

function meta(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

/** Multi-index of flat position `k` in a row-major shape, as `[i, j]` (`[]` for 0-d). */
export function multiIndex(shape: readonly number[], k: number): string {
  const idx: number[] = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d];
    k = Math.floor(k / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

/** A float in messages: 6 significant digits. */
export function fmt(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(6)).toString();
}
