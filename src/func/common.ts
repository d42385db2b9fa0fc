/**
 * What the function transforms share: argnums, checks with messages that name the transform and
 * the shapes, the inputs a transform differentiates with respect to, and the nesting depth.
 */
import { forwardADActive } from '../autograd/forward-ad.js';
import { enableGrad } from '../autograd/grad-mode.js';
import { isComplex, isDifferentiableDtype } from '../dtype.js';
import { eye } from '../ops/creation.js';
import { clone, detach } from '../ops/misc.js';
import { narrow, reshape } from '../ops/shape.js';
import { shapeStr } from '../shape.js';
import { isTensor, type Tensor } from '../tensor.js';
import { vmap } from './vmap.js';

/** Which arguments a transform differentiates with respect to: one index or several (negative from the end). */
export type Argnums = number | readonly number[];

/** How many transforms are running now (a transform inside another sees depth > 1). */
let depth = 0;

/** Runs `fn` as one transform level: grad mode on, the depth counted. */
export function atLevel<T>(fn: () => T): T {
  depth++;
  try {
    return enableGrad(fn);
  } finally {
    depth--;
  }
}

/** True inside another transform (results must stay differentiable for the outer one). */
export function isNested(): boolean {
  return depth > 1;
}

/** The shapes of the arguments, for messages: `[3], [2, 2]`. */
export function argShapes(args: readonly unknown[]): string {
  return args.map((a) => (isTensor(a) ? shapeStr(a.shape) : typeof a)).join(', ');
}

/**
 * The argument indices `argnums` names, checked: in range for `args` (negative counts from the
 * end), no repeats, and each a floating-point or complex tensor (the Jacobian transforms reject
 * complex arguments first, with rejectComplex).
 */
export function normalizeArgnums(name: string, argnums: Argnums, args: readonly unknown[]): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  if (list.length === 0) throw new RangeError(`${name}: argnums must name at least one argument`);
  const n = args.length;
  const out = list.map((k) => {
    if (!Number.isInteger(k) || k >= n || k < -n) {
      throw new RangeError(
        `${name}: argnums ${k} is out of range for a function called with ${n} argument${n === 1 ? '' : 's'} ` +
          `(shapes ${argShapes(args) || 'none'}); valid argnums are ${n === 0 ? 'none' : `-${n} to ${n - 1}`}`,
      );
    }
    return k < 0 ? k + n : k;
  });
  if (new Set(out).size !== out.length) {
    throw new RangeError(`${name}: argnums ${shapeStr(list)} repeats an argument`);
  }
  for (const k of out) {
    const a = args[k];
    if (!isTensor(a)) throw new TypeError(`${name}: argument ${k} must be a tensor, got ${typeof a}`);
    if (!isDifferentiableDtype(a.dtype)) {
      throw new TypeError(
        `${name}: argument ${k} must be a floating-point tensor to differentiate with respect to it, ` +
          `got ${a.dtype} (shape ${shapeStr(a.shape)})`,
      );
    }
  }
  return out;
}

/** The tensors in `x` in order (arrays and plain objects opened), as torch's pytree leaves. */
function leaves(x: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(x)) for (const v of x) leaves(v, out);
  else if (
    x !== null &&
    typeof x === 'object' &&
    !isTensor(x) &&
    Object.getPrototypeOf(x) === Object.prototype
  ) {
    for (const v of Object.values(x)) leaves(v, out);
  } else out.push(x);
  return out;
}

/**
 * The Jacobian transforms (jacrev, jacfwd, hessian) are of real functions, as torch.func's: a
 * complex tensor anywhere among the inputs (`what` = 'inputs', every argument) or the outputs is a
 * TypeError in torch's wording, with the flattened index.
 */
export function rejectComplex(name: string, what: 'inputs' | 'outputs', values: unknown): void {
  const flat = leaves(values);
  const idx = flat.findIndex((v) => isTensor(v) && isComplex(v.dtype));
  if (idx < 0) return;
  const t = flat[idx] as Tensor;
  throw new TypeError(
    `${name}: Expected all ${what} to be real but received complex tensor at flattened ${what === 'inputs' ? 'input' : 'output'} ` +
      `idx: ${idx} (${t.dtype} of shape ${shapeStr(t.shape)}); for the Jacobian of the real embedding, ` +
      'pass real tensors and build complex ones inside the function (complex(re, im), viewAsReal on the outputs)',
  );
}

/**
 * A fresh tensor to differentiate with respect to: a copy of `x` that requires grad. A copy of a
 * tensor that already requires grad stays in its graph (an outer transform differentiates
 * through), and a copy keeps a forward-mode tangent (an outer jvp/jacfwd sees through).
 */
export function differentiableCopy(x: Tensor): Tensor {
  const c = clone(x);
  return c.requiresGrad ? c : c.requiresGrad_();
}

/**
 * Whether gradients must be recorded (createGraph): inside another transform, when an argument
 * already requires grad, or inside a dual level (the backward pass's ops must carry tangents).
 */
export function needsGraph(args: readonly unknown[]): boolean {
  return isNested() || forwardADActive() || args.some((a) => isTensor(a) && a.requiresGrad);
}

/** The function's output as a list of tensors (a tensor or an array of tensors), checked. */
export function outputList(name: string, out: unknown): { list: Tensor[]; single: boolean } {
  if (isTensor(out)) return { list: [out], single: true };
  if (Array.isArray(out) && out.length > 0 && out.every(isTensor)) return { list: out, single: false };
  throw new TypeError(
    `${name}: the function must return a tensor or an array of tensors, got ${describe(out)}`,
  );
}

/** Splits `[output, aux]` for hasAux, checked. */
export function splitAux(name: string, out: unknown, hasAux: boolean): { out: unknown; aux: unknown } {
  if (!hasAux) return { out, aux: undefined };
  if (!Array.isArray(out) || out.length !== 2) {
    throw new TypeError(
      `${name}: with hasAux the function must return a pair [output, aux], got ${describe(out)}`,
    );
  }
  return { out: out[0], aux: out[1] };
}

function describe(x: unknown): string {
  if (isTensor(x)) return `a tensor of shape ${shapeStr(x.shape)}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return x === null ? 'null' : typeof x;
}

/**
 * At the outermost level, results leave without history (as torch.func's do); inside another
 * transform they keep it.
 */
export function release<T>(x: T, keepGraph: boolean): T {
  if (keepGraph) return x;
  if (isTensor(x)) return (x.requiresGrad ? detach(x) : x) as T;
  if (Array.isArray(x)) return x.map((v) => release(v, false)) as T;
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, release(v, false)])) as T;
  }
  return x;
}

/**
 * One-hot basis for several tensors at once: N = Σ numel rows; row r is one at element r of the
 * concatenated tensors. Returned per tensor, shaped [N, ...shape] (rows outside its block are zero).
 */
export function oneHotBasis(like: readonly Tensor[]): Tensor[] {
  const sizes = like.map((t) => t.numel);
  const total = sizes.reduce((a, b) => a + b, 0);
  const I = eye(total, { dtype: like[0].dtype, device: like[0].device });
  let start = 0;
  return like.map((t, k) => {
    const block = narrow(I, 1, start, sizes[k]);
    start += sizes[k];
    return reshape(block, [total, ...t.shape]);
  });
}

/** Splits a [N, ...] result into blocks of `sizes` rows along dim 0. */
export function splitRows(x: Tensor, sizes: readonly number[]): Tensor[] {
  let start = 0;
  return sizes.map((n) => {
    const part = narrow(x, 0, start, n);
    start += n;
    return part;
  });
}

/**
 * `f` applied to every row (along dim 0) of `batched`, each output stacked along dim 0: one call
 * of `f` under vmap, so every op inside runs once on the whole basis by its batching rule.
 * jacrev and jacfwd push their one-hot basis through here.
 */
export function mapRows(f: (...rows: Tensor[]) => Tensor[], batched: readonly Tensor[]): Tensor[] {
  // One row (a scalar output, a one-element input): a plain call, without vmap's wrappers.
  if (batched[0].shape[0] === 1) {
    return f(...batched.map((b) => reshape(b, b.shape.slice(1)))).map((t) => reshape(t, [1, ...t.shape]));
  }
  return vmap(f)(...batched);
}
