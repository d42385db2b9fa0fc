/**
 * vmap, as torch.func.vmap: `vmap(fn, inDims, outDims)` maps `fn`, written for one sample, over
 * a batch dim of its arguments, by batching rules (src/func/batching.ts), not a loop.
 */
import { expand, unsqueeze } from '../ops/shape.js';
import { normDim, shapeStr } from '../shape.js';
import { isTensor, type Tensor } from '../tensor.js';
import { addBatchDim, BatchedTensor, batchOf, moveDim, withLevel } from './batching.js';

/**
 * Where each argument is batched: one dim for every argument, or one entry per argument, null
 * for an argument passed to every sample as it is (a Tensor, or any other value).
 */
export type InDims = number | null | readonly (number | null)[];
/**
 * Where each output gets the batch dim: one dim for every output, or one entry per output (of an
 * array output), null for an output that is the same for every sample (it must not be batched).
 */
export type OutDims = number | null | readonly (number | null)[];

// biome-ignore lint/suspicious/noExplicitAny: vmap keeps the mapped function's own signature.
type AnyFn = (...args: any[]) => any;

/**
 * Maps `fn` over a batch dim of its arguments (torch.func.vmap): `inDims` says which dim of each
 * argument is the batch (default 0; null: not batched), `outDims` where the batch dim goes in each
 * output (default 0). Arguments and outputs may be tensors or arrays / plain objects of tensors
 * (the dim applies to each). Inside `fn` tensors have the per-sample shape; every op runs once on
 * the whole batch by its batching rule, and autograd works inside (per-sample gradients). vmaps
 * nest. Sizes that disagree or dims that do not exist throw a RangeError naming the shapes.
 * Inside `fn` a batched tensor's values cannot be read (`item()`, `data()`: a TypeError, as
 * torch.func), and tensors made there without a batched input (randn, zeros) are shared by every
 * sample.
 * @example
 * const x = randn([5, 3]), W = randn([3, 3]);
 * vmap((xi: Tensor) => W.matmul(xi))(x).shape; // [5, 3], each row W·xᵢ
 * vmap((a: Tensor, b: Tensor) => a.mul(b), [0, null])(randn([5, 3]), randn([3])); // b unbatched
 * vmap(vmap((a: Tensor) => a.sum()))(randn([4, 5, 3])).shape; // [4, 5]
 */
export function vmap<F extends AnyFn>(fn: F, inDims: InDims = 0, outDims: OutDims = 0): F {
  const mapped = (...args: unknown[]) => {
    const dims = argDims(inDims, args.length);
    const size = batchSize(args, dims);
    return withLevel((level) => {
      const wrapped = args.map((a, i) => {
        const d = dims[i];
        return d === null ? a : mapTensors(a, (t) => addBatchDim(t, normDim('vmap', d, t.ndim), level));
      });
      return unbatchOutputs(fn(...wrapped), outDims, level, size);
    });
  };
  return mapped as F;
}

function argDims(inDims: InDims, n: number): (number | null)[] {
  if (inDims === null || typeof inDims === 'number') return Array(n).fill(inDims);
  if (!Array.isArray(inDims)) {
    throw new TypeError(`vmap: inDims must be a number, null or an array of them, got ${typeof inDims}`);
  }
  if (inDims.length !== n) {
    throw new RangeError(
      `vmap: inDims has ${inDims.length} entries (${JSON.stringify(inDims)}) but the function was called with ${n} arguments`,
    );
  }
  for (const d of inDims) {
    if (d !== null && !Number.isInteger(d)) {
      throw new TypeError(`vmap: inDims entries must be integers or null, got ${JSON.stringify(inDims)}`);
    }
  }
  return [...inDims];
}

/** The common size of the batched dims; throws when a dim does not exist or sizes disagree. */
function batchSize(args: readonly unknown[], dims: readonly (number | null)[]): number {
  let first: { size: number; where: string } | null = null;
  args.forEach((a, i) => {
    const d = dims[i];
    if (d === null) return;
    mapTensors(
      a,
      (t) => {
        const where = `argument ${i} (shape ${shapeStr(t.shape)}, inDim ${d})`;
        if (d < -t.ndim || d >= t.ndim) {
          throw new RangeError(
            `vmap: inDim ${d} is out of range for argument ${i} of shape ${shapeStr(t.shape)} ` +
              `(a dim in [${-t.ndim}, ${t.ndim - 1}]${t.ndim === 0 ? ': a 0-d tensor has no dim to map over' : ''})`,
          );
        }
        const size = t.shape[d < 0 ? d + t.ndim : d];
        if (!first) first = { size, where };
        else if (first.size !== size) {
          throw new RangeError(
            `vmap: expected all batched arguments to have the same size along their vmapped dims, but ` +
              `${first.where} has size ${first.size} and ${where} has size ${size}`,
          );
        }
        return t;
      },
      `argument ${i}`,
    );
  });
  if (!first) {
    throw new RangeError(
      'vmap: at least one argument must be batched: give a tensor argument a dim in inDims (null means not batched)',
    );
  }
  return (first as { size: number }).size;
}

/**
 * `v` with every tensor replaced by `f(t)` (tensors, arrays and plain objects of them); with
 * `what` set, any other leaf is an error (a batched argument must hold tensors only).
 */
function mapTensors(v: unknown, f: (t: Tensor) => unknown, what?: string): unknown {
  if (isTensor(v)) return f(v);
  if (Array.isArray(v)) return v.map((x) => mapTensors(x, f, what));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapTensors(x, f, what)]));
  }
  if (what === undefined) return v;
  throw new TypeError(
    `vmap: ${what} has an inDim but holds a ${v === null ? 'null' : typeof v}, not a Tensor; ` +
      'give it inDims null to pass it to every sample as it is',
  );
}

function unbatchOutputs(out: unknown, outDims: OutDims, level: number, size: number): unknown {
  if (outDims === null || typeof outDims === 'number') {
    return mapOutputs(out, (t, where) => unbatch(t, outDims, level, size, where), 'output');
  }
  if (!Array.isArray(out) || out.length !== outDims.length) {
    throw new RangeError(
      `vmap: outDims has ${outDims.length} entries (${JSON.stringify(outDims)}) but the function returned ` +
        `${Array.isArray(out) ? `${out.length} outputs` : 'a single output'}`,
    );
  }
  return out.map((o, i) =>
    mapOutputs(o, (t, where) => unbatch(t, outDims[i], level, size, where), `output ${i}`),
  );
}

/** As mapTensors over an output tree, naming each tensor's place; other leaves need outDim null. */
function mapOutputs(v: unknown, f: (t: Tensor, where: string) => unknown, where: string): unknown {
  if (isTensor(v)) return f(v, where);
  if (Array.isArray(v)) return v.map((x, i) => mapOutputs(x, f, `${where} ${i}`));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapOutputs(x, f, `${where} '${k}'`)]));
  }
  if (
    typeof v === 'number' ||
    typeof v === 'boolean' ||
    v === undefined ||
    v === null ||
    typeof v === 'string'
  )
    return v;
  throw new TypeError(
    `vmap: the function returned ${typeof v} as ${where}; return tensors (or arrays of them)`,
  );
}

/** The whole batch of one output, its batch dim at `outDim`. */
function unbatch(t: Tensor, outDim: number | null, level: number, size: number, where: string): Tensor {
  const b = batchOf(t, level);
  if (t instanceof BatchedTensor && t.level > level) t.assertAlive('vmap'); // from a vmap inside that returned
  if (outDim === null) {
    if (b) {
      throw new RangeError(
        `vmap: outDims is null for ${where} (per-sample shape ${shapeStr(t.shape)}), but it differs ` +
          'between samples (it depends on a batched argument); give it an outDim',
      );
    }
    return t;
  }
  const rank = t.ndim + 1;
  if (!Number.isInteger(outDim) || outDim < -rank || outDim >= rank) {
    throw new RangeError(
      `vmap: outDim ${outDim} is out of range for ${where} of per-sample shape ${shapeStr(t.shape)} ` +
        `(a dim in [${-rank}, ${rank - 1}] of the batched result)`,
    );
  }
  const d = outDim < 0 ? outDim + rank : outDim;
  if (b) return moveDim(b.inner, b.bdim, d);
  // The same for every sample: repeated along the batch dim, as torch.func does.
  const shape = [...t.shape];
  shape.splice(d, 0, size);
  return expand(unsqueeze(t, d), shape);
}
