/**
 * The `checkBatchedGrad` check of gradcheck and gradgradcheck.
 *
 * PyTorch's check computes the vector-Jacobian products of a batch of random gradOutputs in one
 * vmapped backward pass and compares them with one backward pass per gradOutput. What a batched
 * backward relies on is that each backward formula is a linear map of its incoming gradient
 * (determinism is the reentrancy check's). linagrad has no vmap, so this checks linearity
 * directly: for B random gradOutputs g_b and random weights c_b,
 *   VJP(Σ_b c_b g_b) = Σ_b c_b VJP(g_b)   within atol + rtol·|Σ_b c_b VJP(g_b)|.
 * A formula nonlinear in g (g², |g|, sign(g), g normalised) can pass the one-hot Jacobian rows
 * of slow mode (1² = 1, 0² = 0) and fails here.
 * @module
 */
import { type Tensor, tensor } from '../src/index.js';
import { vjp } from './analytical.js';
import { fmt, GradcheckError, multiIndex } from './common.js';
import { gaussian, makeRng } from './linalg-rand.js';
import { violation } from './report.js';

/** How many gradOutputs make up the batch. */
export const BATCH = 3;

export interface BatchedGradContext {
  where: string;
  /** The differentiable outputs and the inputs that require grad, with their labels. */
  outs: readonly Tensor[];
  xs: readonly Tensor[];
  labels: readonly string[];
  atol: number;
  rtol: number;
  seed: number;
}

export function checkBatchedGrad(c: BatchedGradContext): void {
  const rng = makeRng(c.seed ^ 0x5bd1e995);
  const grads = Array.from({ length: BATCH }, () => c.outs.map((y) => gaussian(rng, y.numel)));
  const weights = gaussian(rng, BATCH);
  const asTensors = (gs: readonly Float64Array[]) =>
    gs.map((g, j) => tensor(g, { shape: [...c.outs[j].shape], dtype: c.outs[j].dtype }));
  const run = (gs: readonly Float64Array[], what: string) =>
    vjp(c.where, c.outs, asTensors(gs), c.xs, c.labels, what);

  const each = grads.map((gs, b) => run(gs, `the vector-Jacobian product of random gradOutput ${b + 1}`));
  const mixed = c.outs.map((y, j) => {
    const m = new Float64Array(y.numel);
    for (let b = 0; b < BATCH; b++) for (let k = 0; k < m.length; k++) m[k] += weights[b] * grads[b][j][k];
    return m;
  });
  const ofMixed = run(mixed, 'the vector-Jacobian product of a combination of random gradOutputs');

  c.xs.forEach((x, i) => {
    const want = new Float64Array(x.numel);
    for (let b = 0; b < BATCH; b++)
      for (let k = 0; k < want.length; k++) want[k] += weights[b] * each[b][i][k];
    let worst = -1;
    let worstV = 1;
    for (let k = 0; k < want.length; k++) {
      const v = violation(ofMixed[i][k], want[k], c.atol, c.rtol);
      if (!(v <= worstV)) {
        worst = k;
        worstV = v;
      }
    }
    if (worst >= 0) {
      throw new GradcheckError(
        `${c.where}: batched gradient check failed: the backward is not linear in its gradOutput. For ` +
          `${BATCH} random gradOutputs g_b and weights c_b, the gradient of ${c.labels[i]} for Σ c_b g_b is ` +
          `${fmt(ofMixed[i][worst])} at ${c.labels[i]}${multiIndex(x.shape, worst)}, but Σ c_b (gradient for g_b) ` +
          `is ${fmt(want[worst])} (atol=${c.atol}, rtol=${c.rtol}). A backward formula uses its incoming ` +
          'gradient nonlinearly (squared, its sign or abs, normalised): it must be a linear map of g. ' +
          '(This is what a vmapped, batched backward relies on; pass checkBatchedGrad: false to skip.)',
      );
    }
  });
}
