/**
 * gradgradcheck: gradcheck of the first derivative, as torch.autograd.gradgradcheck.
 * @module
 */
import { autograd, enableGrad, isTensor, type Tensor, tensor } from '../src/index.js';
import {
  checkInputs,
  type FlatOutputs,
  flattenOutputs,
  GradcheckError,
  type GradcheckFn,
  type GradcheckOptions,
  inputName,
  type ResolvedOptions,
  resolveOptions,
} from './common.js';
import { complexPasses, isComplexTensor } from './complex.js';
import { checkComplexTangents, passVectors } from './fast-complex.js';
import { differentiable, runGradcheck } from './gradcheck.js';
import { makeRng } from './linalg-rand.js';

/** Options of gradgradcheck: gradcheck's, with PyTorch's choice of second-derivative checks. */
export interface GradgradcheckOptions extends Omit<GradcheckOptions, 'checkForwardAd' | 'checkBackwardAd'> {
  /**
   * Check the first derivative's forward-mode Jacobian: forward over reverse, tangents pushed
   * through the backward formulas (default false, as PyTorch's check_fwd_over_rev).
   */
  checkFwdOverRev?: boolean;
  /** Check the first derivative by backward passes: reverse over reverse (default true). */
  checkRevOverRev?: boolean;
}

/** gradOutputs as gradgradcheck accepts them. */
export type GradOutputsArg = Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>;

/**
 * Checks second derivatives, like torch.autograd.gradgradcheck: runs {@link gradcheck} on
 * (inputs…, gradOutputs…) ↦ autograd.grad(fn(inputs), inputs, { gradOutputs, createGraph: true }).
 * Without `gradOutputs`, random ones (uniform in [−1, 1), seeded by `opts.seed`, requiring grad)
 * are made for every output of fn that requires grad; given ones are matched to those outputs in
 * order (by key for a record) and are differentiated only if they require grad. `checkFwdOverRev`
 * also checks the first derivative in forward mode (dual tensors through the backward formulas),
 * `checkRevOverRev: false` leaves out the backward passes over it. Complex inputs and outputs: the
 * first derivative takes complex gradOutputs (random ones have both parts uniform in [−1, 1)) and
 * returns complex gradients, checked through their real and imaginary parts as gradcheck does.
 * @example
 * const A = tensor([[2, 1], [1, 3]], { requiresGrad: true });
 * gradgradcheck((a) => linalg.cholesky(a), [A]); // true: the backward formula's own gradient is right
 */
export function gradgradcheck(
  fn: GradcheckFn,
  inputs: readonly Tensor[],
  gradOutputs?: GradOutputsArg | null,
  opts: GradgradcheckOptions = {},
): boolean {
  const where = 'gradgradcheck';
  const given = opts as GradgradcheckOptions & GradcheckOptions;
  for (const k of ['checkForwardAd', 'checkBackwardAd'] as const) {
    if (given[k] !== undefined) {
      throw new TypeError(
        `${where}: ${k} is an option of gradcheck; gradgradcheck takes checkFwdOverRev and checkRevOverRev (as PyTorch)`,
      );
    }
  }
  const { checkFwdOverRev = false, checkRevOverRev = true, ...rest } = opts;
  if (!checkFwdOverRev && !checkRevOverRev) {
    throw new Error(
      `${where}: expected at least one of checkFwdOverRev or checkRevOverRev to be true (both are false)`,
    );
  }
  const o = resolveOptions(where, {
    ...rest,
    checkForwardAd: checkFwdOverRev,
    checkBackwardAd: checkRevOverRev,
  });
  try {
    enableGrad(() => {
      checkSecondDerivative(where, fn, inputs, gradOutputs, o);
    });
    return true;
  } catch (e) {
    if (e instanceof GradcheckError && !o.raiseException) return false;
    throw e;
  }
}

/** gradgradcheck proper: gradcheck of (inputs, gradOutputs) ↦ the first derivative. */
function checkSecondDerivative(
  where: string,
  fn: GradcheckFn,
  inputs: readonly Tensor[],
  gradOutputs: GradOutputsArg | null | undefined,
  o: ResolvedOptions,
): void {
  const diff = checkInputs(where, inputs, o.inputNames, false);
  const labels = inputs.map((_, i) => inputName(o.inputNames, i));
  const out = flattenOutputs(where, fn(...inputs));
  const diffOut = differentiable(out);
  if (diffOut.length === 0) {
    throw new Error(`${where}: no output of fn requires grad, so there is no first derivative to check`);
  }
  const gos = resolveGradOutputs(where, gradOutputs, out, diffOut, o.seed);
  const n = inputs.length;
  const wrt = new Set(diff);
  const firstDerivative = (...args: Tensor[]) => {
    // An input the first derivative is taken with respect to that the outer check holds constant
    // (a real input in the pass over imaginary parts) is a leaf of its own here.
    const xs = args
      .slice(0, n)
      .map((x, i) => (wrt.has(i) && !x.requiresGrad ? x.detach().requiresGrad_() : x));
    const r = flattenOutputs(where, fn(...xs));
    const ys = diffOut.map((j) => r.tensors[j]);
    const grads = autograd.grad(
      ys,
      diff.map((i) => xs[i]),
      { gradOutputs: args.slice(n), createGraph: true, allowUnused: true },
    );
    const rec: Record<string, Tensor> = {};
    grads.forEach((g, ii) => {
      if (g) rec[`grad of ${labels[diff[ii]]}`] = g;
    });
    if (Object.keys(rec).length === 0) {
      throw new Error(
        `${where}: autograd.grad returned no gradient for any input that requires grad (the outputs ` +
          'do not depend on them), so there is no first derivative to check',
      );
    }
    return rec;
  };
  const names = [...labels, ...diffOut.map((j, k) => `gradOutputs[${k}] (of ${out.labels[j]})`)];
  // The first derivative of a complex fn takes complex inputs and gradOutputs and returns complex
  // gradients: gradcheck's passes over their real and imaginary parts (complex.ts) then check the
  // whole real Hessian, cross terms ∂²L/∂x∂y included, as torch.autograd.gradgradcheck does.
  const all = [...inputs, ...gos];
  const passes = complexPasses(firstDerivative, all, names);
  for (const p of passes)
    runGradcheck(where, p.fn, p.inputs, { ...o, inputNames: p.names }, passVectors(all, p));
  // Fast forward over reverse over ℂ: also along complex tangents ur + i·ui (fast-complex.ts).
  if (o.fastMode && o.checkForwardAd && passes.length > 1)
    checkComplexTangents(where, firstDerivative, all, names, o);
}

function resolveGradOutputs(
  where: string,
  given: GradOutputsArg | null | undefined,
  out: FlatOutputs,
  diffOut: readonly number[],
  seed: number,
): Tensor[] {
  const ys = diffOut.map((j) => out.tensors[j]);
  if (given == null) {
    const rng = makeRng(seed ^ 0x5f3759df);
    return ys.map((y) => {
      // Complex outputs: both parts of each gradOutput uniform in [−1, 1) (interleaved).
      const d = Float64Array.from({ length: (isComplexTensor(y) ? 2 : 1) * y.numel }, () => rng.range(-1, 1));
      return tensor(d, { shape: [...y.shape], dtype: y.dtype }).requiresGrad_();
    });
  }
  let list: unknown[];
  if (isTensor(given)) list = [given];
  else if (Array.isArray(given)) list = [...given];
  else {
    const rec = given as Record<string, unknown>;
    list = diffOut.map((j) => {
      const key = out.keys[j];
      return key === null ? undefined : rec[key];
    });
  }
  if (list.length !== ys.length) {
    throw new RangeError(
      `${where}: got ${list.length} gradOutputs for the ${ys.length} outputs of fn that require grad ` +
        `(${diffOut.map((j) => out.labels[j]).join(', ')})`,
    );
  }
  return list.map((g, k) => {
    const y = ys[k];
    const label = out.labels[diffOut[k]];
    if (!isTensor(g)) throw new TypeError(`${where}: the gradOutput for ${label} is missing or not a Tensor`);
    if (g.dtype !== y.dtype || g.device !== y.device || g.shape.join() !== y.shape.join()) {
      throw new TypeError(
        `${where}: the gradOutput for ${label} is [${g.shape.join(', ')}] ${g.dtype} on ${g.device}, but the ` +
          `output is [${y.shape.join(', ')}] ${y.dtype} on ${y.device}`,
      );
    }
    return g;
  });
}
