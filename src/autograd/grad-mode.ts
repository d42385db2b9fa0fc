/** Global grad mode, as torch.no_grad / torch.enable_grad. */
let enabled = true;

/**
 * Whether operations are recorded for autograd now (false inside noGrad).
 * @example
 * noGrad(() => isGradEnabled()); // false
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` with gradient recording set to `flag`, restoring the previous mode afterwards. */
export function withGradMode<T>(flag: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = flag;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs `fn` without recording operations for autograd.
 * @example
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2)); // y.requiresGrad === false, no graph is kept
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * Runs `fn` recording operations even inside `noGrad`.
 * @example
 * noGrad(() => enableGrad(() => tensor([1], { requiresGrad: true }).mul(2).requiresGrad)); // true
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
