import { noGrad } from '../../autograd/grad-mode.js';
import type { GpuStorage } from '../../backends/backend.js';
import { getGpu } from '../../backends/webgpu/device.js';
import { eps, type FloatDType } from '../../dtype.js';
import { AutogradError, LinAlgError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { where } from '../elementwise.js';
import { allSamples } from '../registry.js';

/**
 * Numerical guards of the spectral ops (eigh, svd, pinv):
 * - degeneracy guards for their gradients (docs/design.md, derivative formulas): reciprocal spectral gaps below a
 *   tolerance are taken as 0, and a diagnostic says when the loss depends on the part of the
 *   gradient that this hides (a gauge-dependent quantity at a degenerate spectrum, or a pinv
 *   rank change), once per op and process ('warn'), as an error ('strict'), or not at all ('silent');
 * - LinAlgErrors for non-convergence (info > 0), raised on the CPU at once and on WebGPU when an
 *   output is first read. NaN/Inf input (info −1) is not an error: its outputs are NaN.
 */

/** What a spectral backward does where its gradient is ill-defined (default 'warn'). */
export type SpectralGradMode = 'warn' | 'strict' | 'silent';

let mode: SpectralGradMode = 'warn';
const warned = new Set<string>();

/**
 * Sets what the backward of eigh, svd and pinv does where the gradient is ill-defined:
 * - 'warn' (default): one console.warn per op and process, then the guarded gradient;
 * - 'strict': throws an AutogradError (on WebGPU: reading the gradient rejects with it);
 * - 'silent': the guarded gradient, no diagnostic (and no cost for detecting it).
 * @example
 * setSpectralGradMode('strict'); // ill-defined eigh/svd/pinv gradients now throw AutogradError
 * setSpectralGradMode('warn'); // the default
 */
export function setSpectralGradMode(m: SpectralGradMode): void {
  if (m !== 'warn' && m !== 'strict' && m !== 'silent') {
    throw new TypeError(`setSpectralGradMode: expected 'warn', 'strict' or 'silent', got ${String(m)}`);
  }
  mode = m;
}

/**
 * The current mode of setSpectralGradMode.
 * @example
 * getSpectralGradMode(); // 'warn'
 */
export function getSpectralGradMode(): SpectralGradMode {
  return mode;
}

/**
 * Lets the once-per-process warnings fire again (for tests).
 * @example
 * resetSpectralGradWarnings(); // the next ill-defined gradient warns again
 */
export function resetSpectralGradWarnings(): void {
  warned.clear();
}

/**
 * Relative gap tolerance: two eigenvalues (singular values) closer than
 * GAP_FACTOR·max(n, 1)·eps(dtype)·scale, scale = max|λ| (σ_max), count as equal. Computed
 * eigenvalues of a backward-stable solver carry absolute errors ≲ p(n)·eps·‖A‖, so an exactly
 * repeated value comes out split by up to about that much; and below such a gap the computed
 * eigenvectors are not determined at all (their angle error ≲ p(n)·eps·‖A‖/gap ≈ 1), so a
 * reciprocal gap there only multiplies rounding noise. 10 is the backward-error constant c used
 * for test tolerances (gradcheck/tolerance.ts); it keeps genuine gaps of float64 matrices down to
 * ~1e-14·‖A‖ (n ≤ 10) differentiable.
 */
export const GAP_FACTOR = 10;

export function gapTolerance(dtype: FloatDType, n: number): number {
  return GAP_FACTOR * Math.max(n, 1) * eps(dtype);
}

/**
 * A numerator entry at a degenerate pair counts as "the loss depends on it" when it exceeds
 * sqrt(eps)·‖numerator‖_F. For a gauge-invariant loss it is exactly 0 in exact arithmetic (e.g.
 * Vᴴ gV is symmetric on a cluster of equal eigenvalues when the loss depends on V only through
 * the cluster's projector), so in floating point it is ≲ n·eps·‖numerator‖; a gauge-dependent
 * loss makes it O(‖numerator‖). sqrt(eps) sits between the two with margins of 1e7 (float64)
 * and 1e3 (float32) for n ≤ 10.
 */
export function numeratorTolerance(dtype: FloatDType): number {
  return Math.sqrt(eps(dtype));
}

/**
 * 1/d where |d| > tol, and 0 where not (the degenerate entries, also returned as a 0/1 mask).
 * The reciprocal stays differentiable (for double backward) and never sees a zero: the guarded
 * entries divide 1 by 1 and are then replaced by 0, so their gradient is 0, not NaN.
 */
export function guardedReciprocal(d: Tensor, tol: Tensor): { inv: Tensor; degenerate: Tensor } {
  const keep = noGrad(() => d.abs().gt(tol));
  const inv = where(keep, where(keep, d, 1).reciprocal(), 0);
  const degenerate = noGrad(() => keep.lt(0.5));
  return { inv, degenerate };
}

/** Number of degenerate entries (mask 1) whose numerator is not negligible (see numeratorTolerance). */
export function gaugeViolations(degenerate: Tensor, numerator: Tensor, scale: Tensor): Tensor {
  return noGrad(() => {
    const tol = scale.mul(numeratorTolerance(numerator.dtype as FloatDType));
    return degenerate.mul(numerator.abs().gt(tol)).sum();
  });
}

/** Frobenius norm over the last two dims (keepdim), without gradient: a scale for tolerances. */
export function frobScale(x: Tensor): Tensor {
  return noGrad(() => x.square().sum([-2, -1], true).sqrt());
}

/** True when a diagnostic for `op` would have any effect (so its detection is worth computing). */
export function diagnosticActive(op: string): boolean {
  return mode === 'strict' || (mode === 'warn' && !warned.has(op));
}

function diagnosticText(op: string, what: string): string {
  return (
    `${op} backward: the gradient is ill-defined here: ${what}. ` +
    'The reciprocal gaps (or singular values) below the degeneracy tolerance were taken as 0. ' +
    "setSpectralGradMode('strict') makes this an error, 'silent' hides it."
  );
}

/**
 * Reports an ill-defined gradient when `count` (a 0-d tensor of violations, computed without
 * gradient) is positive: warns once per op and process, or throws in strict mode. On WebGPU the
 * count is read asynchronously: the warning comes when it is known, and in strict mode reading
 * any of `grads` (or anything computed from them) rejects with the AutogradError.
 */
export function reportIllDefined(
  op: string,
  count: Tensor,
  what: string,
  grads: readonly (Tensor | null)[],
): void {
  if (!diagnosticActive(op)) {
    count.dispose();
    return;
  }
  const text = diagnosticText(op, what);
  const samples = allSamples(count);
  if (samples !== count) count = samples.sum(); // inside vmap: over every sample
  if (count.device === 'cpu') {
    const bad = count.item() > 0;
    count.dispose();
    if (bad) raiseOrWarn(op, text);
    return;
  }
  const strict = mode === 'strict';
  const verdict = count.data().then(
    (v) => {
      count.dispose();
      return v[0] > 0;
    },
    () => false, // a failed read is reported by the read of the gradient itself
  );
  if (!strict) {
    verdict.then((bad) => {
      if (bad && !warned.has(op)) raiseOrWarn(op, text);
    });
    return;
  }
  const check = async () => ((await verdict) ? new AutogradError(text) : null);
  for (const g of grads) if (g && g.device === 'webgpu') chainPending(g.gpuView().storage, check);
}

function raiseOrWarn(op: string, text: string): void {
  if (mode === 'strict') throw new AutogradError(text);
  if (mode === 'warn' && !warned.has(op)) {
    warned.add(op);
    console.warn(`[linagrad] ${text} (shown once per process)`);
  }
}

function chainPending(s: GpuStorage, check: () => Promise<Error | null>): void {
  const prev = s.pendingError;
  s.pendingError = prev ? async () => (await check()) ?? (await prev()) : check;
}

// ---- non-convergence --------------------------------------------------------------------------

/** 'eigenvalues' for eigh, 'singular values' for svd. */
export type SpectralKind = 'eigenvalues' | 'singular values';

/** The LinAlgError for the first batch element with info > 0 (info −1, NaN input, is not an error). */
export function convergenceError(
  op: string,
  info: Int32Array,
  batched: boolean,
  kind: SpectralKind,
): LinAlgError | null {
  for (let b = 0; b < info.length; b++) {
    if (info[b] > 0) {
      const where = batched ? `(Batch element ${b}): ` : '';
      return new LinAlgError(
        `${op}: ${where}The algorithm failed to converge because the input matrix is ill-conditioned or has ` +
          `too many repeated ${kind} (error code: ${info[b]}).`,
      );
    }
  }
  return null;
}

/**
 * Raises (CPU) or defers to the first read of any of `outputs` (WebGPU) the non-convergence
 * error of `info`, and releases the info tensor.
 */
export function checkConvergence(
  op: string,
  info: Tensor,
  batched: boolean,
  kind: SpectralKind,
  outputs: readonly Tensor[],
): void {
  // Inside vmap the check covers every sample, numbered as in the whole batch.
  const samples = allSamples(info);
  if (samples !== info) [info, batched, outputs] = [samples, true, outputs.map(allSamples)];
  if (info.device === 'cpu') {
    const e = convergenceError(op, info.dataSync() as Int32Array, batched, kind);
    info.dispose();
    if (e) throw e;
    return;
  }
  const gpu = getGpu();
  const storage = info.takeStorage() as GpuStorage;
  if (storage.length === 0) {
    gpu.free(storage);
    return;
  }
  // Read at once (without waiting): the verdict then outlives the info buffer and every output,
  // so tensors computed from the outputs can still raise it after the outputs are disposed.
  const verdict = gpu.read(storage).then(
    (data) => convergenceError(op, data as Int32Array, batched, kind),
    () => null, // a failed read (lost device) is reported by the read of the output itself
  );
  verdict.finally(() => gpu.free(storage));
  for (const o of outputs) if (o.numel > 0) chainPending(o.gpuView().storage, () => verdict);
}
