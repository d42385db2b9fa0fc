/**
 * gradcheck's forward-mode checks (PyTorch's check_forward_ad): Jacobians from forward-mode AD
 * (dual tensors, one unit tangent per input element) against the same central differences the
 * backward check uses; in fast mode vᵀ(J u) from one forward-mode pass per input.
 * @module
 */
import { forwardAD, type Tensor, tensor } from '../src/index.js';
import {
  type FlatOutputs,
  flattenOutputs,
  fmt,
  GradcheckError,
  type GradcheckFn,
  hostValues,
} from './common.js';
import { allCloseJ, mismatchMessage, type Tolerances, violation } from './report.js';

/** What the forward checks need of gradcheck's state. */
export interface ForwardCtx {
  where: string;
  fn: GradcheckFn;
  inputs: readonly Tensor[];
  labels: readonly string[];
  /** Positions of the inputs that require grad (the ones given tangents). */
  diff: readonly number[];
  out: FlatOutputs;
  /** Positions of the outputs that require grad (the ones whose tangents are compared). */
  diffOut: readonly number[];
  tol: Tolerances;
  seed: number;
}

/**
 * The tangents of the outputs at `outIdx` (host float64; zeros where an output has none) when
 * input `pos` carries tangent `t` and the other inputs none, in one dual level. Dual inputs that
 * required grad still do (as leaves), so fn may run reverse mode inside (forward over reverse).
 * `dualOf` builds the dual input from the input and `t` instead (for complex tangents).
 */
export function forwardJvp(
  c: ForwardCtx,
  pos: number,
  t: Float64Array,
  what: string,
  dualOf: (x: Tensor, t: Float64Array) => Tensor = realDual,
): Float64Array[] {
  return forwardAD.dualLevel(() => {
    const args = c.inputs.map((x, i) => (i === pos ? dualOf(x, t) : x));
    let out: FlatOutputs;
    try {
      out = flattenOutputs(c.where, c.fn(...args));
    } catch (e) {
      if (e instanceof GradcheckError) throw e;
      throw new Error(
        `${c.where}: forward-mode AD failed while computing ${what}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    return c.diffOut.map((j) => {
      const y = out.tensors[j];
      const { tangent } = forwardAD.unpackDual(y);
      if (!tangent) return new Float64Array(y.numel);
      if (tangent.shape.length !== y.shape.length || tangent.shape.some((d, k) => d !== y.shape[k])) {
        throw new GradcheckError(
          `${c.where}: Forward-mode tangent has incorrect size: the tangent of ${c.out.labels[j]} has shape ` +
            `[${tangent.shape.join(', ')}] but the output has shape [${y.shape.join(', ')}]`,
        );
      }
      if (tangent.dtype !== y.dtype) {
        throw new GradcheckError(
          `${c.where}: Forward-mode tangent has dtype mismatch: the tangent of ${c.out.labels[j]} is ` +
            `${tangent.dtype} but the output is ${y.dtype}`,
        );
      }
      return hostValues(tangent);
    });
  });
}

/** A dual of `x` with tangent `t` (same shape and dtype), requiring grad if `x` does. */
function realDual(x: Tensor, t: Float64Array): Tensor {
  const dual = forwardAD.makeDual(x.detach(), tensor(t, { shape: [...x.shape], dtype: x.dtype }));
  return x.requiresGrad ? dual.requiresGrad_() : dual;
}

/**
 * Forward-mode Jacobians of every differentiable output with respect to input `pos` (row-major
 * output numel × input numel): column k is the outputs' tangent for the unit tangent e_k.
 */
export function forwardJacobian(c: ForwardCtx, pos: number): Float64Array[] {
  const x = c.inputs[pos];
  const n = x.numel;
  const jac = c.diffOut.map((j) => new Float64Array(c.out.tensors[j].numel * n));
  for (let k = 0; k < n; k++) {
    const e = new Float64Array(n);
    e[k] = 1;
    const cols = forwardJvp(c, pos, e, `column ${k} of the Jacobian with respect to ${c.labels[pos]}`);
    cols.forEach((col, jj) => {
      const J = jac[jj];
      for (let r = 0; r < col.length; r++) J[r * n + k] = col[r];
    });
  }
  return jac;
}

const header = (c: ForwardCtx, j: number, pos: number) =>
  `${c.where}: Jacobian computed with forward mode mismatch for ${c.out.labels[j]} with respect to ${c.labels[pos]}`;

/**
 * Slow mode: the forward-mode Jacobians against `numerical[ii][jj]` (d output diffOut[jj] / d input
 * diff[ii]), with the backward check's tolerance and message (worst element, both values).
 */
export function checkForwardJacobians(c: ForwardCtx, numerical: readonly (readonly Float64Array[])[]): void {
  c.diff.forEach((pos, ii) => {
    const fwd = forwardJacobian(c, pos);
    c.diffOut.forEach((j, jj) => {
      const a = fwd[jj];
      const n = numerical[ii][jj];
      if (a.length === 0 || allCloseJ(a, n, c.tol.atol, c.tol.rtol)) return;
      const pair = pairOf(c, pos, j, n, a);
      throw new GradcheckError(mismatchMessage(c.where, pair, c.tol, header(c, j, pos)));
    });
  });
}

function pairOf(c: ForwardCtx, pos: number, j: number, numerical: Float64Array, analytical: Float64Array) {
  return {
    outLabel: c.out.labels[j],
    inLabel: c.labels[pos],
    outShape: c.out.tensors[j].shape,
    inShape: c.inputs[pos].shape,
    numerical,
    analytical,
    mode: 'forward' as const,
  };
}

/**
 * Fast mode: vᵀ(J u) with J u from one forward-mode pass along `steps[ii]` (the direction the
 * finite difference actually took) against `numerical[ii][jj]`; atol scaled by Σu·Σv as the
 * backward fast check. A failure recomputes that pair's Jacobians slowly for the message.
 */
export function checkForwardFast(
  c: ForwardCtx,
  us: readonly Float64Array[],
  vs: readonly Float64Array[],
  steps: readonly Float64Array[],
  numerical: readonly (readonly number[])[],
  numericalJacobianOf: (pos: number, j: number) => Float64Array,
): void {
  const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
  c.diff.forEach((pos, ii) => {
    if (us[ii].length === 0) return;
    const ju = forwardJvp(c, pos, steps[ii], `J·u for ${c.labels[pos]} along a random unit vector`);
    c.diffOut.forEach((j, jj) => {
      if (vs[jj].length === 0) return;
      const a = ju[jj].reduce((s, x, r) => s + x * vs[jj][r], 0);
      const n = numerical[ii][jj];
      const atol = c.tol.atol * sum(us[ii]) * sum(vs[jj]);
      if (violation(a, n, atol, c.tol.rtol) <= 1) return;
      const head =
        `${header(c, j, pos)} in fast mode: vᵀJu numerical ${fmt(n)}, forward mode ${fmt(a)}, |difference| ` +
        `${fmt(Math.abs(a - n))} > atol·Σu·Σv + rtol·|numerical| = ${fmt(atol + c.tol.rtol * Math.abs(n))} ` +
        `(u, v random unit vectors, seed ${c.seed})`;
      const num = numericalJacobianOf(pos, j);
      const fwd = forwardJacobian(c, pos)[jj];
      if (allCloseJ(fwd, num, c.tol.atol, c.tol.rtol)) {
        throw new GradcheckError(
          `${head}\n  the slow-mode recomputation of this Jacobian (${fwd.length} entries) is within the ` +
            'tolerance everywhere, so the fast-mode difference comes from accumulated rounding; rerun with ' +
            'fastMode: false',
        );
      }
      const pair = pairOf(c, pos, j, num, fwd);
      throw new GradcheckError(mismatchMessage(c.where, pair, c.tol, `${head}\n  slow-mode recomputation:`));
    });
  });
}
