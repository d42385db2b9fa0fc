import type { Tensor } from '../tensor.js';
import { runBackward } from './engine.js';

export { enableGrad, isGradEnabled, noGrad } from './grad-mode.js';
export type { BackwardContext, BackwardFn, GradHook, Tuple } from './node.js';

/**
 * Options of autograd.grad (torch.autograd.grad).
 * @example
 * autograd.grad([y], [x], { createGraph: true, allowUnused: true });
 */
export interface GradOptions {
  /** Gradients of the outputs (vector-Jacobian product); required for non-scalar outputs. */
  gradOutputs?: Tensor | (Tensor | null)[] | null;
  /**
   * Keep the graph's saved tensors for another backward pass (default false; default true with
   * createGraph).
   */
  retainGraph?: boolean;
  /** Record the backward pass so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing. */
  allowUnused?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs` (torch.autograd.grad). Leaves' .grad are left
 * untouched.
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * const [g] = autograd.grad([x.square().sum()], [x]); // tensor([2., 4.])
 */
function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  opts: GradOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const go = opts.gradOutputs;
  const gradOutputs = go == null ? null : Array.isArray(go) ? go : [go];
  if (gradOutputs && gradOutputs.length !== outs.length) {
    throw new RangeError(`autograd.grad: got ${gradOutputs.length} gradOutputs for ${outs.length} outputs`);
  }
  return runBackward(outs, gradOutputs as Tensor[] | null, {
    retainGraph: opts.retainGraph,
    createGraph: opts.createGraph,
    accumulate: false,
    inputs: ins,
    allowUnused: opts.allowUnused ?? false,
  });
}

/**
 * torch.autograd: `autograd.grad(outputs, inputs, opts)`.
 * @example
 * const [g] = autograd.grad([x.square().sum()], [x]);
 */
export const autograd = { grad };
