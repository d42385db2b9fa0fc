/**
 * Numerical derivatives by central differences, computed on host float64 copies of the inputs.
 * @module
 */
import type { Tensor } from '../src/index.js';
import { type Evaluator, fmt, GradcheckError, hostValues, multiIndex, roundTo } from './common.js';

/**
 * Numerical Jacobians of the outputs at `outIdx` with respect to input `pos`: one row-major
 * (output numel × input numel) matrix per output. Column k is (f(x + eps·e_k) − f(x − eps·e_k)) / h
 * with h the step actually stored in the input's dtype (2·eps up to rounding; for float32 inputs
 * the rounded step, which keeps the quotient exact for functions that are linear there).
 */
export function numericalJacobian(
  ev: Evaluator,
  input: Tensor,
  pos: number,
  outIdx: readonly number[],
  outNumels: readonly number[],
  eps: number,
): Float64Array[] {
  const x = hostValues(input);
  const n = x.length;
  const jac = outNumels.map((m) => new Float64Array(m * n));
  for (let k = 0; k < n; k++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[k] = roundTo(input.dtype, x[k] + eps);
    xm[k] = roundTo(input.dtype, x[k] - eps);
    const step = xp[k] - xm[k];
    const at = multiIndex(input.shape, k);
    if (!(step > 0)) {
      throw new GradcheckError(
        `gradcheck: eps=${eps} is below the precision of ${input.dtype} at element ${at} (value ${fmt(x[k])}); ` +
          'use float64 inputs or a larger eps',
      );
    }
    const fp = ev.eval(pos, xp, outIdx, `element ${at} by +eps`);
    const fm = ev.eval(pos, xm, outIdx, `element ${at} by -eps`);
    for (let j = 0; j < outIdx.length; j++) {
      const a = fp[j];
      const b = fm[j];
      const J = jac[j];
      for (let r = 0; r < a.length; r++) J[r * n + k] = (a[r] - b[r]) / step;
    }
  }
  return jac;
}

/**
 * Numerical Jacobian-vector products for the outputs at `outIdx`, perturbing input `pos` along
 * `u`: `ju[j]` = (f(x⁺) − f(x⁻)) / (2·eps) with x^± = x ± eps·u as stored in the input's dtype, as
 * PyTorch's fast mode. `step` = (x⁺ − x⁻) / (2·eps) is the direction actually taken (u up to
 * rounding; for float32 inputs the rounded one): compare ju with J·step.
 */
export function numericalJvp(
  ev: Evaluator,
  input: Tensor,
  pos: number,
  u: Float64Array,
  outIdx: readonly number[],
  eps: number,
): { ju: Float64Array[]; step: Float64Array } {
  const x = hostValues(input);
  const xp = x.map((v, k) => roundTo(input.dtype, v + eps * u[k]));
  const xm = x.map((v, k) => roundTo(input.dtype, v - eps * u[k]));
  const step = xp.map((v, k) => (v - xm[k]) / (2 * eps));
  const fp = ev.eval(pos, xp, outIdx, 'along a random unit vector by +eps');
  const fm = ev.eval(pos, xm, outIdx, 'along a random unit vector by -eps');
  return { ju: fp.map((a, j) => a.map((v, r) => (v - fm[j][r]) / (2 * eps))), step };
}
