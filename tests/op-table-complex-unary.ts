/**
 * Op-table entries of the special functions and activations over ℂ (src/ops/activations.ts):
 * log1p, expm1, tan, atan, rsqrt, sigmoid and silu with complex128 inputs on the cpu (gradcheck,
 * gradgradcheck, forward mode) and complex64 on WebGPU (agreement with the cpu). A case draws
 * real parts from the sampler and imaginary parts over the same range (complexCase), so each
 * sampler keeps z off the op's branch cuts and away from its poles: log1p right of −1 + 0.4,
 * atan inside |Re z|, |Im z| < 0.8 (±i, where its cuts start, at least 0.2 away), rsqrt in the
 * right half-plane, tan and the sigmoids with |Im z| ≤ 1.5 (poles at ±π/2 and ±iπ).
 */
import {
  type AnyOpDef,
  COMPLEX_DTYPES,
  complexCase,
  entry,
  fixed,
  type OpEntry,
  type Sampler,
  samplesArb,
  shapeArb,
  uniform,
} from '../gradcheck/index.js';
import { atan, expm1, log1p, rsqrt, sigmoid, silu, type Tensor, tan } from '../src/index.js';
import { activationUnaryOps as un } from '../src/ops/activations.js';

/** complex128 cases of one shape (0-d and empty included), real parts from `s`. */
function unary(name: string, op: AnyOpDef, f: (z: Tensor) => Tensor, s: Sampler): OpEntry {
  return entry({
    name: `${name} (complex)`,
    op,
    supportsForwardAd: true,
    dtypes: COMPLEX_DTYPES,
    fn: ([x]) => f(x!),
    arbitrary: samplesArb(
      shapeArb({ maxDims: 2 }).map((sh) => [sh]),
      [s],
    ).map((inputs) => complexCase({ inputs, args: undefined })!),
    samples: [
      fixed('0-d', [[]], [s], undefined),
      fixed('empty', [[0, 2]], [s], undefined),
      fixed('2x3', [[2, 3]], [s], undefined),
    ].map((c) => complexCase(c)!),
  });
}

export const complexUnaryEntries: OpEntry[] = [
  unary('log1p', un.log1p, log1p, uniform(-0.6, 1.5)),
  unary('expm1', un.expm1, expm1, uniform(-1.5, 1.5)),
  unary('tan', un.tan, tan, uniform(-1, 1)),
  unary('atan', un.atan, atan, uniform(-0.8, 0.8)),
  unary('rsqrt', un.rsqrt, rsqrt, uniform(0.3, 1.5)),
  unary('sigmoid', un.sigmoid, sigmoid, uniform(-1.5, 1.5)),
  unary('silu', un.silu, silu, uniform(-1.5, 1.5)),
];
