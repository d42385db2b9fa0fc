/**
 * The machinery under vmap (functorch's design): a tensor batched at a vmap level is a
 * BatchedTensor, a Tensor with the per-sample (logical) shape that holds the whole batch (`inner`,
 * the vmapped dim at `bdim`). applyOp hands every op with a batched input to `intercept` (installed
 * with setBatchInterceptor while a vmap runs), which checks the per-sample shapes with the op's own
 * rules, then applies the op's batching rule to the inner tensors and wraps the results:
 * - the op's `vmap` field where it has one (ops whose attributes name dims or shapes);
 * - else the rule derived from numeric `coreRanks` and `shape`: vmapped dim in front, unbatched
 *   inputs expanded ('same' batch) or aligned (broadcast), the op called once on the batch;
 * - else a loop over the batch (unbind, apply, stack) with a one-time note naming the op.
 * The op is recorded for autograd on the batched (per-sample) tensors, so autograd.grad inside
 * vmap gives per-sample gradients; the inner ops record their own graph, so gradients also flow
 * through vmap from outside. Nested vmaps nest wrappers: the innermost level is peeled first.
 */
import type { Storage } from '../backends/backend.js';
import { zeros } from '../ops/creation.js';
import {
  applyOp,
  inferMetas,
  type OpDef,
  setAllSamples,
  setBatchInterceptor,
  type TensorMeta,
} from '../ops/registry.js';
import { expandBatch, narrow, permute, reshape, stack } from '../ops/shape.js';
import { shapeStr } from '../shape.js';
import { Tensor } from '../tensor.js';

/** The Tensor constructor (private to tensor.ts's users; BatchedTensor is a Tensor without storage). */
const TensorBase = Tensor as unknown as new (storage: Storage, shape: readonly number[]) => Tensor;

const NO_DATA = new Float64Array(0);

/**
 * A tensor batched by vmap: its `shape` is one sample's, `inner` holds the batch with the
 * vmapped dim at `bdim`. It has no storage of its own: reading its values inside the vmapped
 * function is an error (as in torch.func), ops go through their batching rules.
 */
export class BatchedTensor extends TensorBase {
  constructor(
    readonly inner: Tensor,
    readonly bdim: number,
    readonly level: number,
  ) {
    super({ device: 'cpu', dtype: inner.dtype, data: NO_DATA } as Storage, perSample(inner.shape, bdim));
    // The fields Tensor's constructor set from the placeholder storage: the device is the batch's,
    // and there is no storage, so nothing reads or frees one.
    Object.defineProperty(this, 'device', { value: inner.device });
    (this as unknown as { storage: Storage | null }).storage = null;
  }

  /** The size of the vmapped dim. */
  get batchSize(): number {
    return this.inner.shape[this.bdim];
  }

  override get isDisposed(): boolean {
    return this.inner.isDisposed;
  }

  /** Alive while its batch is, and only inside its vmap (an escaped batched tensor throws). */
  override assertAlive(op: string): void {
    if (!isActive(this.level)) throw this.unreadable(op);
    this.inner.assertAlive(op);
  }

  // Anything that reads or takes the values stops here (as in torch.func).
  override cpuView(): never {
    throw this.unreadable('read');
  }
  override gpuView(): never {
    throw this.unreadable('read');
  }
  override dataSync(): never {
    throw this.unreadable('dataSync');
  }
  override data(): Promise<never> {
    return Promise.reject(this.unreadable('data'));
  }
  override toArray(): never {
    throw this.unreadable('toArray');
  }
  override item(): never {
    throw this.unreadable('item');
  }
  override toJSON(): never {
    throw this.unreadable('JSON.stringify');
  }
  override takeStorage(): never {
    throw this.unreadable('takeStorage');
  }
  override assignFrom(): never {
    throw this.unreadable('assign');
  }

  private unreadable(op: string): TypeError {
    const where = isActive(this.level)
      ? 'inside the function vmap maps: a batched tensor has no values of its own there; return it from the function instead'
      : 'after the vmap that made it returned (it escaped the vmapped function, e.g. through a closure); return it from the function instead';
    return new TypeError(
      `${op}: cannot use a tensor batched by vmap (per-sample shape ${shapeStr(this.shape)}, batch of ${this.batchSize}) ${where}`,
    );
  }

  /** The graph's saved tensors plus the batch itself, so tidy() keeps what a kept wrapper needs. */
  override savedByGraph(): readonly Tensor[] {
    return [this.inner, ...super.savedByGraph()];
  }

  override toString(): string {
    return `BatchedTensor(level=${this.level}, bdim=${this.bdim}, value=${String(this.inner)})`;
  }
}

Object.defineProperty(BatchedTensor.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: BatchedTensor) {
    return this.toString();
  },
});

function perSample(shape: readonly number[], bdim: number): number[] {
  return shape.filter((_, i) => i !== bdim);
}

// Checks that read an op's values (info codes, counts) read every sample's (registry allSamples).
setAllSamples((t) => {
  while (t instanceof BatchedTensor) t = t.inner;
  return t;
});

// ---- levels ---------------------------------------------------------------------------------------

/** The levels of the vmaps running now, outermost first (increasing). */
const active: number[] = [];
let lastLevel = 0;

function isActive(level: number): boolean {
  return active.includes(level);
}

/**
 * Runs `fn` at a new vmap level (its argument), with the hook of applyOp installed; nested calls
 * get higher levels.
 */
export function withLevel<T>(fn: (level: number) => T): T {
  const level = ++lastLevel;
  active.push(level);
  if (active.length === 1) setBatchInterceptor(intercept);
  try {
    return fn(level);
  } finally {
    active.pop();
    if (active.length === 0) setBatchInterceptor(null);
  }
}

/** `x` batched at `level` along its dim `bdim` (a dim of x, normalized). */
export function addBatchDim(x: Tensor, bdim: number, level: number): Tensor {
  return new BatchedTensor(x, bdim, level);
}

/** The batch held by `x` at `level` (vmapped dim at `bdim`), or null when x is not batched there. */
export function batchOf(x: Tensor, level: number): { inner: Tensor; bdim: number } | null {
  if (!(x instanceof BatchedTensor)) return null;
  if (x.level === level) return { inner: x.inner, bdim: x.bdim };
  if (!isActive(x.level)) x.assertAlive('vmap'); // an escaped wrapper: throws
  return null;
}

/** `x` with dim `from` moved to `to` (a permute; x itself when they are equal). */
export function moveDim(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const dims = [...Array(x.ndim).keys()].filter((d) => d !== from);
  dims.splice(to, 0, from);
  return permute(x, dims);
}

// ---- the hook -------------------------------------------------------------------------------------

function intercept(op: OpDef<unknown>, inputs: readonly Tensor[], attrs: unknown): Tensor[] | null {
  let level = 0;
  for (const t of inputs) {
    if (t instanceof BatchedTensor && t.level > level) level = t.level;
  }
  if (level === 0) return null;
  if (!isActive(level)) {
    const t = inputs.find((x) => x instanceof BatchedTensor && x.level === level)!;
    t.assertAlive(op.name); // throws: it escaped its vmap
  }
  // The per-sample shapes go through the op's own checks, so errors read as without vmap.
  const metas = inferMetas(op, inputs, attrs);
  let size = -1;
  const batched = inputs.map((t) => batchOf(t, level) !== null);
  const xs = inputs.map((t) => {
    const b = batchOf(t, level);
    if (!b) return t;
    size = b.inner.shape[b.bdim];
    return moveDim(b.inner, b.bdim, 0);
  });
  const outs = batchRule(op)(op, xs, batched, attrs, size, metas);
  return outs.map((o, j) => {
    const want = [size, ...metas[j].shape];
    if (o.shape.length !== want.length || o.shape.some((d, i) => d !== want[i])) {
      throw new Error(
        `internal: the vmap rule of '${op.name}' gave output ${j} the shape ${shapeStr(o.shape)}, expected ${shapeStr(want)}`,
      );
    }
    return addBatchDim(o, 0, level);
  });
}

type Rule = (
  op: OpDef<unknown>,
  xs: Tensor[],
  batched: boolean[],
  attrs: unknown,
  size: number,
  metas: TensorMeta[],
) => Tensor[];

/** How an op batches: its own rule, the one derived from its core ranks, or the loop. */
export function batchRule(op: OpDef<unknown>): Rule {
  if (op.vmap) return ownRule;
  if (Array.isArray(op.coreRanks) && op.shape && !op.infer) return derivedRule;
  return loopRule;
}

const ownRule: Rule = (op, xs, batched, attrs, size) => [...op.vmap!(xs, batched, attrs, size)];

/**
 * The rule of an op batched over leading dims: with the vmapped dim in front it is one more batch
 * dim. 'same' batches need equal batch dims, so unbatched inputs are expanded; 'broadcast' batches
 * align from the right, so batched inputs get size-1 dims after the vmapped one where they have
 * fewer batch dims than another input.
 */
const derivedRule: Rule = (op, xs, batched, attrs, size) => {
  const ranks = op.coreRanks as readonly number[];
  if (op.batch === 'broadcast') {
    const lead = xs.map((x, i) => x.ndim - (batched[i] ? 1 : 0) - (ranks[i] ?? 0));
    const most = Math.max(...lead);
    xs = xs.map((x, i) =>
      batched[i] && lead[i] < most
        ? reshape(x, [size, ...Array(most - lead[i]).fill(1), ...x.shape.slice(1)])
        : x,
    );
  } else {
    xs = xs.map((x, i) => (batched[i] ? x : expandBatch(x, size)));
  }
  return [...applyOp(op, xs, attrs)];
};

const noted = new Set<string>();

/** No rule: the op once per sample, stacked (never a wrong result, only a slower one). */
const loopRule: Rule = (op, xs, batched, attrs, size, metas) => {
  if (!noted.has(op.name)) {
    noted.add(op.name);
    console.warn(
      `vmap: the op '${op.name}' has no batching rule; running it once per sample in a loop (correct, but slower)`,
    );
  }
  if (size === 0) {
    const device = xs[0].device;
    return metas.map((m) => zeros([0, ...m.shape], { dtype: m.dtype, device }));
  }
  const per: Tensor[][] = [];
  for (let b = 0; b < size; b++) {
    const sample = xs.map((x, i) => (batched[i] ? reshape(narrow(x, 0, b, 1), x.shape.slice(1)) : x));
    per.push([...applyOp(op, sample, attrs)]);
  }
  return metas.map((_, j) =>
    stack(
      per.map((o) => o[j]),
      0,
    ),
  );
};
