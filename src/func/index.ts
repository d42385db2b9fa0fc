/**
 * Function transforms, as torch.func: `func.grad`, `func.gradAndValue`, `func.vjp`, `func.jacrev`
 * (reverse mode, on autograd.grad), `func.jvp`, `func.jacfwd`, `func.hessian` (forward mode, on
 * dual tensors) and `func.vmap`. Docs: docs/function-transforms.md.
 */
import { hessian, jacfwd, jvp } from './forward.js';
import { grad, gradAndValue, jacrev, vjp } from './reverse.js';
import { vmap } from './vmap.js';

export type { Argnums } from './common.js';
export type { JvpOptions } from './forward.js';
export type { GradTransformOptions, JacobianOptions, VjpFn, VjpOptions } from './reverse.js';
export type { InDims, OutDims } from './vmap.js';

/**
 * torch.func: transforms of functions of tensors.
 * @example
 * const f = (x: Tensor) => x.pow(3).sum();
 * func.grad(f)(tensor([1, 2])); // tensor([ 3., 12.])
 * func.jacrev((x: Tensor) => x.square())(tensor([1, 2])); // [[2, 0], [0, 4]]
 */
export const func = { grad, gradAndValue, vjp, jvp, jacrev, jacfwd, hessian, vmap };
