import type { GpuStorage } from './backends/backend.js';
import { getGpu, isWebGPUAvailable } from './backends/webgpu/device.js';
import type { Tensor } from './tensor.js';

/**
 * Tensor lifetimes. CPU storage is ordinary garbage-collected memory; GPU buffers are returned to
 * the pool by dispose(), by tidy(), by `using`, and — as a safety net — when a tensor is collected.
 */

const scopes: Set<Tensor>[] = [];
const scopeOf = new WeakMap<Tensor, Set<Tensor>>();

const finalizer = new FinalizationRegistry<GpuStorage>((s) => {
  if (isWebGPUAvailable()) getGpu().free(s);
});

/** Registers a new tensor with the innermost tidy scope (if any) and the GPU safety net. */
export function track(t: Tensor, gpu: GpuStorage | null): void {
  const scope = scopes.at(-1);
  if (scope) {
    scope.add(t);
    scopeOf.set(t, scope);
  }
  if (gpu) finalizer.register(t, gpu, t);
}

/** Points the GPU safety net at a tensor's new storage (after an in-place update), scope unchanged. */
export function retarget(t: Tensor, gpu: GpuStorage | null): void {
  finalizer.unregister(t);
  if (gpu) finalizer.register(t, gpu, t);
}

/** Removes a tensor from tidy bookkeeping (disposed, or adopted as a leaf's .grad). */
export function untrack(t: Tensor): void {
  scopeOf.get(t)?.delete(t);
  scopeOf.delete(t);
  finalizer.unregister(t);
}

/**
 * Keeps a tensor alive past the tidy scope it was made in.
 * @example
 * let w = tensor([1]);
 * tidy(() => {
 *   w = keep(w.add(1)); // survives the tidy scope
 * });
 */
export function keep<T extends Tensor>(t: T): T {
  scopeOf.get(t)?.delete(t);
  scopeOf.delete(t);
  return t;
}

function collectTensors(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  const stack: unknown[] = [value];
  const seen = new Set<unknown>();
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (isTensor(v)) {
      out.add(v);
    } else if (Array.isArray(v)) {
      stack.push(...v);
    } else if (v instanceof Map) {
      stack.push(...v.values());
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      stack.push(...Object.values(v));
    }
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the ones it returns (in arrays or
 * plain objects) and the tensors those still need for backward(). Scopes nest.
 */
export function tidy<T>(fn: () => T, isTensor: (v: unknown) => v is Tensor): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    throw new TypeError(
      'tidy: the function returned a Promise; tidy only tracks synchronous code (await outside it)',
    );
  }
  const kept = new Set<Tensor>();
  collectTensors(result, kept, isTensor);
  // Tensors saved by the autograd graph of a returned tensor must outlive the scope too.
  const stack = [...kept];
  while (stack.length) {
    const t = stack.pop()!;
    for (const s of t.savedByGraph()) {
      if (!kept.has(s)) {
        kept.add(s);
        stack.push(s);
      }
    }
  }
  const parent = scopes.at(-1);
  for (const t of scope) {
    if (kept.has(t)) {
      if (parent) {
        parent.add(t);
        scopeOf.set(t, parent);
      } else {
        scopeOf.delete(t);
      }
    } else {
      t.dispose();
    }
  }
  return result;
}
