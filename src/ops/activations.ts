import { JS_ERF, JS_ROUND, JS_SIGMOID } from '../backends/cpu/elementwise.js';
import {
  WGSL_ERF,
  WGSL_ERF_LOOPS,
  WGSL_EXPM1,
  WGSL_EXPM1_LOOPS,
  WGSL_LOG1P,
  WGSL_SIGMOID,
} from '../backends/webgpu/kernels/elementwise.js';
import { isComplex, isFloat } from '../dtype.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { scalarLike, zerosLike } from './creation.js';
import {
  add,
  build,
  type Entry,
  exp,
  gt,
  lt,
  maximum,
  minimum,
  mul,
  neg,
  square,
  tanh,
  un,
  where,
} from './elementwise.js';
import { apply1 } from './registry.js';

/**
 * The activation and special-function part of the elementwise expression table (same format as
 * ./elementwise.ts: a JS expression, a WGSL expression, a backward), plus the composite activations
 * with attributes (softplus, gelu, clamp) written with these ops. sigmoid, silu, log1p, expm1, tan,
 * atan and rsqrt are defined over ℂ too (holomorphic: backward g·conj(f′), the jvp t·f′ from it);
 * relu, erf, the rounding ops, atan2, softplus, gelu and clamp are real-only, as in PyTorch.
 */

const g0 = (gs: readonly (Tensor | null)[]) => gs[0]!;
const zeroGrad = (c: { inputs: readonly Tensor[] }) => [zerosLike(c.inputs[0])];

const activationUnary = {
  relu: {
    js: 'Math.max(a, 0)',
    wgsl: 'max(a, 0.0)',
    // 0 at 0, as PyTorch.
    backward: (c, gs) => [g0(gs).mul(gt(c.inputs[0], 0))],
    jvp: 'elementwise',
  },
  sigmoid: {
    complex: 'sigmoid',
    js: 'sigmoid(a)',
    wgsl: 'sigmoidf(a)',
    jsPrelude: JS_SIGMOID,
    prelude: WGSL_SIGMOID,
    backward: (c, gs) => {
      const y = c.outputs[0];
      return [g0(gs).mul(y.mul(y.neg().add(1)).conj())];
    },
    jvp: 'elementwise',
  },
  silu: {
    complex: 'silu',
    js: 'a * sigmoid(a)',
    wgsl: 'a * sigmoidf(a)',
    jsPrelude: JS_SIGMOID,
    prelude: WGSL_SIGMOID,
    // d/dx x σ(x) = σ(x) (1 + x (1 − σ(x)))
    backward: (c, gs) => {
      const x = c.inputs[0];
      const s = sigmoid(x);
      return [g0(gs).mul(s.mul(x.mul(s.neg().add(1)).add(1)).conj())];
    },
    jvp: 'elementwise',
  },
  log1p: {
    complex: 'log1p',
    js: 'Math.log1p(a)',
    wgsl: 'log1pf(a)',
    prelude: WGSL_LOG1P,
    backward: (c, gs) => [g0(gs).div(c.inputs[0].add(1).conj())],
    jvp: 'elementwise',
  },
  expm1: {
    complex: 'expm1',
    js: 'Math.expm1(a)',
    wgsl: 'expm1f(a)',
    prelude: WGSL_EXPM1,
    wgslLoops: WGSL_EXPM1_LOOPS,
    backward: (c, gs) => [g0(gs).mul(c.outputs[0].add(1).conj())],
    jvp: 'elementwise',
  },
  tan: {
    complex: 'tan',
    js: 'Math.tan(a)',
    wgsl: 'tan(a)',
    backward: (c, gs) => [g0(gs).mul(c.outputs[0].square().add(1).conj())],
    jvp: 'elementwise',
  },
  atan: {
    complex: 'atan',
    js: 'Math.atan(a)',
    wgsl: 'atan(a)',
    backward: (c, gs) => [g0(gs).div(c.inputs[0].square().add(1).conj())],
    jvp: 'elementwise',
  },
  erf: {
    js: 'erf(a)',
    wgsl: 'erff(a)',
    jsPrelude: JS_ERF,
    prelude: WGSL_ERF,
    wgslLoops: WGSL_ERF_LOOPS,
    // d/dx erf x = 2/√π e^(−x²)
    backward: (c, gs) => [g0(gs).mul(exp(square(c.inputs[0]).neg()).mul(2 / Math.sqrt(Math.PI)))],
    jvp: 'elementwise',
  },
  rsqrt: {
    complex: 'rsqrt',
    js: '1 / Math.sqrt(a)',
    wgsl: 'inverseSqrt(a)',
    // d/dx x^(−1/2) = −½ y³
    backward: (c, gs) => {
      const y = c.outputs[0];
      return [g0(gs).mul(y.mul(y).mul(y).conj()).mul(-0.5)];
    },
    jvp: 'elementwise',
  },
  // Piecewise constant: a zero gradient, as PyTorch.
  floor: { js: 'Math.floor(a)', wgsl: 'floor(a)', backward: zeroGrad, jvp: 'elementwise' },
  ceil: { js: 'Math.ceil(a)', wgsl: 'ceil(a)', backward: zeroGrad, jvp: 'elementwise' },
  round: {
    js: 'roundEven(a)',
    wgsl: 'round(a)',
    jsPrelude: JS_ROUND,
    backward: zeroGrad,
    jvp: 'elementwise',
  },
} satisfies Record<string, Entry>;

const activationBinary = {
  atan2: {
    js: 'Math.atan2(a, b)',
    wgsl: 'atan2(a, b)',
    // ∂/∂a atan2(a, b) = b / (a² + b²), ∂/∂b = −a / (a² + b²)
    backward: (c, gs) => {
      const [a, b] = c.inputs;
      const r = g0(gs).div(a.square().add(b.square()));
      return [c.needsInputGrad[0] ? r.mul(b) : null, c.needsInputGrad[1] ? r.mul(a).neg() : null];
    },
    jvp: 'elementwise',
  },
} satisfies Record<string, Entry>;

export const activationUnaryOps = build(activationUnary, 1);
export const activationBinaryOps = build(activationBinary, 2);

/**
 * max(x, 0) elementwise (gradient 0 at 0, as PyTorch).
 * @example
 * relu(tensor([-1, 2])); // tensor([0., 2.])
 */
export const relu = un(activationUnaryOps.relu);
/**
 * The logistic function 1 / (1 + e⁻ˣ), without overflow for large |x|.
 * @example
 * sigmoid(tensor([0])); // tensor([0.5000])
 */
export const sigmoid = un(activationUnaryOps.sigmoid);
/**
 * x · sigmoid(x) (SiLU, swish).
 * @example
 * silu(tensor([0, 1])); // tensor([0.0000, 0.7311])
 */
export const silu = un(activationUnaryOps.silu);
/**
 * log(1 + x), accurate near 0.
 * @example
 * log1p(tensor([1e-10])); // tensor([1.0000e-10])
 */
export const log1p = un(activationUnaryOps.log1p);
/**
 * eˣ − 1, accurate near 0.
 * @example
 * expm1(tensor([1e-10])); // tensor([1.0000e-10])
 */
export const expm1 = un(activationUnaryOps.expm1);
/**
 * Tangent elementwise.
 * @example
 * tan(tensor([0])); // tensor([0.])
 */
export const tan = un(activationUnaryOps.tan);
/**
 * Arctangent elementwise.
 * @example
 * atan(tensor([1])); // tensor([0.7854])
 */
export const atan = un(activationUnaryOps.atan);
/**
 * The error function elementwise (float64: within a few ulp).
 * @example
 * erf(tensor([0, 1])); // tensor([0.0000, 0.8427])
 */
export const erf = un(activationUnaryOps.erf);
/**
 * 1 / √x elementwise.
 * @example
 * rsqrt(tensor([4])); // tensor([0.5000])
 */
export const rsqrt = un(activationUnaryOps.rsqrt);
/**
 * The largest integer ≤ x (gradient 0).
 * @example
 * floor(tensor([-1.5, 1.5])); // tensor([-2.,  1.])
 */
export const floor = un(activationUnaryOps.floor);
/**
 * The smallest integer ≥ x (gradient 0).
 * @example
 * ceil(tensor([-1.5, 1.5])); // tensor([-1.,  2.])
 */
export const ceil = un(activationUnaryOps.ceil);
/**
 * The nearest integer, halves to even as PyTorch (gradient 0).
 * @example
 * round(tensor([0.5, 1.5, 2.5])); // tensor([0., 2., 2.])
 */
export const round = un(activationUnaryOps.round);
/**
 * The angle of the point (b, a) in (−π, π], broadcasting (torch.atan2(input, other)).
 * @example
 * atan2(tensor([1]), tensor([-1])); // tensor([2.3562])
 */
export function atan2(a: Tensor | number, b: Tensor | number): Tensor {
  return apply1(activationBinaryOps.atan2, pairOperands(a, b), undefined);
}

function pairOperands(a: Tensor | number, b: Tensor | number): [Tensor, Tensor] {
  // Numbers become 0-d tensors like the tensor operand, as the binary ops make them.
  if (typeof a === 'number' && typeof b === 'number')
    throw new TypeError('expected at least one tensor operand');
  const like = (typeof a === 'number' ? b : a) as Tensor;
  const ta = typeof a === 'number' ? scalarLike(like, a) : a;
  const tb = typeof b === 'number' ? scalarLike(like, b) : b;
  return [ta, tb];
}

function floatOnly(op: string, x: Tensor): void {
  if (isComplex(x.dtype)) {
    // torch has no complex kernel for softplus or gelu ("not implemented for 'ComplexDouble'").
    throw new TypeError(
      `${op}: ${op} not implemented for complex tensors, got ${x.dtype} of shape ${shapeStr(x.shape)}`,
    );
  }
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected floating-point tensors, got ${x.dtype}`);
}

/**
 * log(1 + e^(βx)) / β, and x itself where βx > threshold (torch.nn.functional.softplus). Computed
 * as max(βx, 0) + log1p(e^(−|βx|)), which never overflows; the gradient is σ(βx) (½ at 0).
 * @example
 * softplus(tensor([0, 30])); // tensor([ 0.6931, 30.0000])
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  floatOnly('softplus', x);
  const z = beta === 1 ? x : mul(x, beta);
  // max(z, 0) and min(z, −z) split the gradient at z = 0, so it is ½ there, as σ(0).
  const soft = add(maximum(z, 0), log1p(exp(minimum(z, neg(z)))));
  return where(gt(z, threshold), x, beta === 1 ? soft : soft.div(beta));
}

/**
 * The Gaussian error linear unit x Φ(x) = ½ x (1 + erf(x / √2)); with approximate 'tanh',
 * ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))) (torch.nn.functional.gelu).
 * @example
 * gelu(tensor([0, 1])); // tensor([0.0000, 0.8413])
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh')
    throw new RangeError(
      `gelu: approximate argument must be either none or tanh, got '${String(approximate)}'`,
    );
  floatOnly('gelu', x);
  const inner =
    approximate === 'none'
      ? erf(mul(x, Math.SQRT1_2))
      : tanh(mul(add(x, mul(x.mul(x).mul(x), 0.044715)), Math.sqrt(2 / Math.PI)));
  return mul(x, 0.5).mul(add(inner, 1));
}

/**
 * x limited to [min, max] elementwise (torch.clamp): min and max are numbers or tensors that
 * broadcast with x; either may be omitted, not both. Where min > max the result is max. The
 * gradient goes to x where min ≤ x ≤ max, else to the bound that was taken.
 * @example
 * clamp(tensor([-2, 0.5, 3]), -1, 1); // tensor([-1.0000,  0.5000,  1.0000])
 */
export function clamp(x: Tensor, min?: Tensor | number | null, max?: Tensor | number | null): Tensor {
  const hasMin = min !== undefined && min !== null;
  const hasMax = max !== undefined && max !== null;
  if (!hasMin && !hasMax) throw new TypeError("clamp: At least one of 'min' or 'max' must not be None");
  if (isComplex(x.dtype)) {
    throw new TypeError(
      `clamp: clamp is not supported for complex types, got ${x.dtype} of shape ${shapeStr(x.shape)}`,
    );
  }
  floatOnly('clamp', x);
  let y = x;
  if (hasMin) y = where(lt(y, min), min, y);
  if (hasMax) y = where(gt(y, max), max, y);
  return y;
}
