/**
 * Forward-mode AD on dual tensors, as torch.autograd.forward_ad: a dual level is a scope in which a
 * tensor may carry a tangent; every op applied inside it (applyOp, src/ops/registry.ts) computes
 * its outputs' tangents from its inputs' with the op's jvp slot. Tangents live in one WeakMap per
 * level, so leaving the level drops them and levels never confuse each other's perturbations.
 *
 * While a level's jvp rules run, that level is paused (its tangents do not recurse into the
 * rule's own ops); the other levels and reverse mode keep recording, so forward-over-reverse
 * (a dual level around autograd.grad) and reverse-over-forward both work. Grad mode (noGrad) does
 * not switch forward mode off, as in PyTorch; detach() drops tangents.
 */
import { isDifferentiableDtype } from '../dtype.js';
import { tensorOps } from '../ops-hook.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';

interface Level {
  readonly id: number;
  readonly tangents: WeakMap<Tensor, Tensor>;
  /** > 0 while this level's own jvp rules (or makeDual/unpackDual) run. */
  paused: number;
}

/** The active levels, outermost first. */
const levels: Level[] = [];
let nextId = 0;

/** @internal True when some dual level is active (the cheap test applyOp makes on every op). */
export function forwardADActive(): boolean {
  return levels.length !== 0;
}

/**
 * Computes the tangents of `outputs` (null: none) from those of `inputs`, once per active level
 * where an input has one, with `rule` run while that level is paused; attaches them to the outputs.
 * @internal The applyOp hook and the hand-built graph nodes (device transfers) call it.
 */
export function propagateTangents(
  name: string,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  rule: (tangents: (Tensor | null)[]) => (Tensor | null)[],
): void {
  for (const level of levels) {
    if (level.paused !== 0) continue;
    let any = false;
    const ts = inputs.map((x) => {
      const t = level.tangents.get(x) ?? null;
      if (t) any = true;
      return t;
    });
    if (!any) continue;
    const outTs = paused(level, () => rule(ts));
    outputs.forEach((o, j) => {
      const t = outTs[j];
      if (!t || o.dtype === 'int32') return;
      if (t.shape.length !== o.shape.length || t.shape.some((d, k) => d !== o.shape[k])) {
        throw new Error(
          `internal: ${name}'s forward-mode rule (jvp) gave output ${j} a tangent of shape ` +
            `${shapeStr(t.shape)}, but the output has shape ${shapeStr(o.shape)}`,
        );
      }
      level.tangents.set(o, t);
    });
  }
}

/** @internal Each active level's tangent of `x` (for transfers that finish after an await). */
export function tangentsOf(x: Tensor): { level: number; tangent: Tensor }[] {
  const out: { level: number; tangent: Tensor }[] = [];
  for (const l of levels) {
    const t = l.tangents.get(x);
    if (t && l.paused === 0) out.push({ level: l.id, tangent: t });
  }
  return out;
}

/** @internal Attaches `tangent` to `x` at level `id` if that level is still active. */
export function setTangentIfActive(id: number, x: Tensor, tangent: Tensor): void {
  levels.find((l) => l.id === id)?.tangents.set(x, tangent);
}

/** @internal Runs `fn` with every level paused: no tangent reaches what it makes (detach). */
export function withoutTangents<T>(fn: () => T): T {
  for (const l of levels) l.paused++;
  try {
    return fn();
  } finally {
    for (const l of levels) l.paused--;
  }
}

function paused<T>(level: Level, fn: () => T): T {
  level.paused++;
  try {
    return fn();
  } finally {
    level.paused--;
  }
}

function findLevel(op: string, id: number | undefined): Level {
  if (levels.length === 0) {
    throw new Error(
      `forwardAD.${op}: no dual level is active; call it inside forwardAD.dualLevel(() => { ... })`,
    );
  }
  if (id === undefined) return levels[levels.length - 1]!;
  const level = levels.find((l) => l.id === id);
  if (!level) {
    throw new Error(
      `forwardAD.${op}: dual level ${id} is not active (active levels: ${levels.map((l) => l.id).join(', ')}); ` +
        'dual tensors and levels cannot be mixed across dualLevel scopes',
    );
  }
  return level;
}

/**
 * Enters a new dual level and returns its id (torch.autograd.forward_ad.enter_dual_level); pair it
 * with exitDualLevel. dualLevel(fn) does both.
 */
function enterDualLevel(): number {
  const id = nextId++;
  levels.push({ id, tangents: new WeakMap(), paused: 0 });
  return id;
}

/** Leaves the innermost dual level (its tangents are dropped); levels exit in reverse order. */
function exitDualLevel(id?: number): void {
  const inner = levels[levels.length - 1];
  if (!inner) throw new Error('forwardAD.exitDualLevel: no dual level is active');
  if (id !== undefined && id !== inner.id) {
    throw new Error(
      `forwardAD.exitDualLevel: level ${id} is not the innermost active level (${inner.id}); ` +
        'exit levels in the reverse order they were entered',
    );
  }
  levels.pop();
}

/**
 * Runs `fn` inside a new dual level (torch.autograd.forward_ad.dual_level) and returns its
 * result; the level's tangents are dropped afterwards. Levels nest: each has its own tangents.
 * @example
 * const [y, dy] = forwardAD.dualLevel(() => {
 *   const { primal, tangent } = forwardAD.unpackDual(forwardAD.makeDual(x, v).exp());
 *   return [primal, tangent]; // exp(x) and exp(x)·v
 * });
 */
function dualLevel<T>(fn: (level: number) => T): T {
  const id = enterDualLevel();
  let result: T;
  try {
    result = fn(id);
  } finally {
    // The level is the innermost one unless fn left a level of its own open; close those too.
    while (levels.length > 0 && levels[levels.length - 1]!.id >= id) levels.pop();
  }
  if (result instanceof Promise) {
    result.catch(() => {}); // its outcome is moot now; do not report it as unhandled as well
    throw new TypeError(
      'forwardAD.dualLevel: the function returned a Promise; dual levels only cover synchronous code ' +
        '(await outside the level, or read values after it)',
    );
  }
  return result;
}

/**
 * A tensor with the values of `primal` that carries `tangent` at the current dual level (or
 * `level`). Differentiable in reverse mode with respect to `primal`. The tangent must have the
 * primal's shape, dtype and device. A complex primal (complex64, complex128) takes a complex
 * tangent, as torch's make_dual: the tangent of f(z) is then the real directional derivative of f
 * along it, ∂f/∂z·t + ∂f/∂z̄·conj(t).
 * @example
 * forwardAD.dualLevel(() => forwardAD.makeDual(x, ones([3])).square()); // tangent 2x
 */
function makeDual(primal: Tensor, tangent: Tensor, opts: { level?: number } = {}): Tensor {
  const level = findLevel('makeDual', opts.level);
  primal.assertAlive('forwardAD.makeDual');
  tangent.assertAlive('forwardAD.makeDual');
  if (!isDifferentiableDtype(primal.dtype)) {
    throw new TypeError(
      `forwardAD.makeDual: expected a floating-point primal (float32 or float64), got ${primal.dtype} of shape ${shapeStr(primal.shape)}`,
    );
  }
  if (tangent.shape.length !== primal.shape.length || tangent.shape.some((d, i) => d !== primal.shape[i])) {
    throw new RangeError(
      `forwardAD.makeDual: the tangent's shape ${shapeStr(tangent.shape)} does not match the primal's shape ${shapeStr(primal.shape)}`,
    );
  }
  if (tangent.dtype !== primal.dtype) {
    throw new TypeError(
      `forwardAD.makeDual: the tangent's dtype ${tangent.dtype} does not match the primal's dtype ${primal.dtype} (shape ${shapeStr(primal.shape)})`,
    );
  }
  if (tangent.device !== primal.device) {
    throw new TypeError(
      `forwardAD.makeDual: the tangent is on ${tangent.device} but the primal is on ${primal.device} (shape ${shapeStr(primal.shape)})`,
    );
  }
  if (level.tangents.has(primal)) {
    throw new Error(
      `forwardAD.makeDual: the primal (shape ${shapeStr(primal.shape)}) already has a tangent at dual level ${level.id}; ` +
        'take unpackDual(t).primal first',
    );
  }
  if (level.tangents.has(tangent)) {
    throw new Error(
      `forwardAD.makeDual: the tangent (shape ${shapeStr(tangent.shape)}) is itself a dual tensor at dual level ${level.id}; ` +
        'a tangent cannot carry a tangent of its own level',
    );
  }
  const dual = paused(level, () => tensorOps.clone(primal));
  level.tangents.set(dual, tangent);
  return dual;
}

/**
 * The primal and tangent of `t` at the current dual level (or `level`): `tangent` is null when it
 * has none (or outside every level). The primal carries no tangent at that level and stays
 * differentiable in reverse mode.
 * @example
 * const { primal, tangent } = forwardAD.unpackDual(y);
 */
function unpackDual(t: Tensor, opts: { level?: number } = {}): { primal: Tensor; tangent: Tensor | null } {
  if (levels.length === 0 && opts.level === undefined) return { primal: t, tangent: null };
  const level = findLevel('unpackDual', opts.level);
  const tangent = level.paused === 0 ? (level.tangents.get(t) ?? null) : null;
  if (!tangent) return { primal: t, tangent: null };
  return { primal: paused(level, () => tensorOps.clone(t)), tangent };
}

/**
 * torch.autograd.forward_ad: `dualLevel(fn)`, `makeDual(primal, tangent)`, `unpackDual(t)`, and
 * the explicit `enterDualLevel()` / `exitDualLevel()`.
 * @example
 * const dy = forwardAD.dualLevel(() => forwardAD.unpackDual(f(forwardAD.makeDual(x, v))).tangent);
 */
export const forwardAD = { dualLevel, makeDual, unpackDual, enterDualLevel, exitDualLevel };
