/**
 * Op-table entries over ℂ (src/ops/complex.ts and the casts of src/ops/misc.ts): the real ↔
 * complex views (complexViewOp, both directions), complex, polar, the parts real / imag, conj,
 * angle, complexAbs, and the casts into and between complex dtypes. Every check of the table runs
 * on them: gradcheck and gradgradcheck in complex128 (complex inputs through their real and
 * imaginary parts, complex outputs split into both: gradcheck/complex.ts), forward mode, vmap,
 * and WebGPU agreement in complex64 against the complex128 cpu result. The shape ops' entries
 * (tests/op-table.ts, tests/op-table-indexing.ts) run over ℂ through FLOAT_AND_COMPLEX_DTYPES.
 */

import type { Arbitrary } from '../gradcheck/fc.js';
import {
  type AnyOpDef,
  broadcastShapesArb,
  COMPLEX_DTYPES,
  complexCase,
  entry,
  FLOAT_DTYPES,
  fixed,
  type OpCase,
  type OpEntry,
  type Sampler,
  samplesArb,
  shapeArb,
  signed,
  uniform,
} from '../gradcheck/index.js';
import {
  angle,
  cast,
  complex,
  complexAbs,
  conj,
  imag,
  polar,
  real,
  type Tensor,
  viewAsComplex,
  viewAsReal,
} from '../src/index.js';
import { complexViewOp } from '../src/ops/complex.js';
import { angleOp, conjOp, unaryOps } from '../src/ops/elementwise.js';
import { castOp } from '../src/ops/misc.js';
import { catOp, narrowOp, reshapeOp } from '../src/ops/shape.js';

const wide = uniform(-1.5, 1.5);
/** Real parts at least 0.3 from 0 (away from the kinks of |z| and angle at z = 0). */
const away = signed(0.3, 1.5);

/** Real inputs whose last dim holds (re, im) pairs. */
const pairsArb = samplesArb(
  shapeArb({ maxDims: 2 }).map((s) => [[...s, 2]]),
  [wide],
).map((inputs) => ({ inputs, args: undefined }));

/** One complex128 input of a random shape (0-d and empty included), parts uniform in [-1.5, 1.5]. */
function complexArb(sampler: Sampler = wide): Arbitrary<OpCase<undefined>> {
  return samplesArb(
    shapeArb().map((s) => [s]),
    [sampler],
  ).map((inputs) => complexCase({ inputs, args: undefined })!);
}

/** Fixed complex cases: 0-d, empty and [2, 3]. */
function complexSamples(sampler: Sampler = wide): OpCase<undefined>[] {
  return [
    fixed('0-d', [[]], [sampler], undefined),
    fixed('empty', [[0, 2]], [sampler], undefined),
    fixed('2x3', [[2, 3]], [sampler], undefined),
  ].map((c) => complexCase(c)!);
}

/** An entry of a function of one complex input (the parts, conj, angle, |z|). */
function complexUnary(
  name: string,
  call: (z: Tensor) => Tensor,
  composite: readonly AnyOpDef[],
  extra: Partial<OpEntry<undefined>> = {},
): OpEntry {
  return entry<undefined>({
    name,
    composite,
    supportsForwardAd: true,
    dtypes: COMPLEX_DTYPES,
    fn: ([z]) => call(z),
    arbitrary: complexArb(),
    samples: complexSamples(),
    ...extra,
  });
}

/** The complex dtype of a real tensor's precision (float32 → complex64, float64 → complex128). */
const complexOf = (x: Tensor) => (x.dtype === 'float32' ? 'complex64' : 'complex128');

const BROADCAST: [string, number[][]][] = [
  ['0-d with 0-d', [[], []]],
  ['[2, 3] with 0-d', [[2, 3], []]],
  [
    '[2, 1] with [1, 3]',
    [
      [2, 1],
      [1, 3],
    ],
  ],
  ['empty [0, 3] with [3]', [[0, 3], [3]]],
];

/** Two real inputs that broadcast (complex and polar). */
function realPairEntry(
  name: string,
  call: (a: Tensor, b: Tensor) => Tensor,
  samplers: [Sampler, Sampler],
  composite: readonly AnyOpDef[],
  extra: Partial<OpEntry<undefined>> = {},
): OpEntry {
  return entry<undefined>({
    name,
    composite,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([a, b]) => call(a, b),
    arbitrary: samplesArb(broadcastShapesArb(2), samplers).map((inputs) => ({ inputs, args: undefined })),
    samples: BROADCAST.map(([label, shapes]) => fixed(label, shapes, samplers, undefined)),
    errors: [
      {
        desc: 'complex inputs',
        call: (mk) => call(mk([2], 'complex'), mk([2], 'complex')),
        message: new RegExp(
          `${name}: expected both inputs to be float or double tensors, got complex(64|128) and complex(64|128)`,
        ),
        type: TypeError,
      },
      {
        desc: 'int32 input',
        call: (mk) => call(mk([2], 'int32'), mk([2])),
        message: new RegExp(
          `${name}: expected both inputs to be float or double tensors, got int32 and float(32|64)`,
        ),
        type: TypeError,
      },
      {
        desc: 'shapes that do not broadcast',
        call: (mk) => call(mk([2, 3]), mk([4])),
        message: new RegExp(`${name}: shapes \\[2, 3\\] and \\[4\\] cannot be broadcast together`),
        type: RangeError,
      },
    ],
    ...extra,
  });
}

// complex and polar stack their two parts (reshape + cat) and read the pairs as complex numbers.
const STACKED = [complexViewOp, reshapeOp, catOp];
// The parts and angle narrow viewAsReal(z) to one column and squeeze it.
const PARTS = [complexViewOp, narrowOp, reshapeOp];

export const complexEntries: OpEntry[] = [
  entry({
    name: 'viewAsComplex / viewAsReal',
    op: complexViewOp,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x]) => viewAsReal(conj(viewAsComplex(x))),
    arbitrary: pairsArb,
    errors: [
      {
        desc: 'last dim not 2',
        call: (mk) => viewAsComplex(mk([2, 3])),
        message: /viewAsComplex: Tensor must have a last dimension of size 2/,
        type: RangeError,
      },
      {
        desc: 'real input to viewAsReal',
        call: (mk) => viewAsReal(mk([2])),
        message: /viewAsReal: view_as_real is only supported for complex tensors/,
        type: TypeError,
      },
    ],
  }),
  entry<undefined>({
    name: 'viewAsReal (complex input)',
    op: complexViewOp,
    supportsForwardAd: true,
    dtypes: COMPLEX_DTYPES,
    fn: ([z]) => viewAsReal(z),
    arbitrary: complexArb(),
    samples: complexSamples(),
    errors: [
      {
        desc: 'complex input to viewAsComplex',
        call: (mk) => viewAsComplex(mk([2], 'complex')),
        message:
          /viewAsComplex: view_as_complex is only supported for float and double tensors, but got a tensor of scalar type: complex(64|128)/,
        type: TypeError,
      },
    ],
  }),
  realPairEntry('complex', complex, [wide, wide], STACKED),
  realPairEntry('polar', polar, [uniform(0.2, 2), uniform(-3, 3)], STACKED, {
    // WGSL guarantees sin/cos only to an absolute error of 2^-11 on [-π, π] (spec, "Floating
    // Point Accuracy"); |abs| ≤ 2 and gradOutputs ≤ 1 bound the error of the values and of
    // both gradients (abs·(−g_re·sin + g_im·cos) the largest) by 4·2^-11.
    webgpu: { tolerance: () => ({ atol: 2 ** -9, rtol: 0 }) },
  }),
  complexUnary('real', real, PARTS),
  complexUnary('imag', imag, PARTS, {
    errors: [
      {
        desc: 'real input',
        call: (mk) => imag(mk([2])),
        message: /imag: imag is not implemented for tensors with non-complex dtypes/,
        type: TypeError,
      },
    ],
  }),
  complexUnary('conj', conj, [], { op: conjOp as AnyOpDef, composite: undefined }),
  complexUnary('angle', angle, [], {
    op: angleOp as AnyOpDef,
    composite: undefined,
    // atan2(y, x) has its branch cut on the negative real axis: real parts away from 0.
    arbitrary: complexArb(away),
    samples: complexSamples(away),
    errors: [
      {
        desc: 'int32 input',
        call: (mk) => angle(mk([2], 'int32')),
        message: /angle: expected a float or complex tensor, got int32/,
        type: TypeError,
      },
    ],
  }),
  // |z| is abs over ℂ; it is not differentiable at 0: real parts away from 0.
  complexUnary('complexAbs', complexAbs, [unaryOps.abs], {
    arbitrary: complexArb(away),
    samples: complexSamples(away),
    errors: [
      {
        desc: 'real input',
        call: (mk) => complexAbs(mk([2])),
        message: /complexAbs: expected a complex tensor, got float(32|64); use abs/,
        type: TypeError,
      },
    ],
  }),
  entry<undefined>({
    name: 'cast real -> complex',
    // float64 → complex128 (float32 → complex64 on webgpu): complex(x, 0).
    composite: STACKED,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x]) => cast(x, complexOf(x)),
    arbitrary: samplesArb(
      shapeArb().map((s) => [s]),
      [wide],
    ).map((inputs) => ({ inputs, args: undefined })),
    errors: [
      {
        desc: 'unknown dtype',
        call: (mk) => cast(mk([2], 'complex'), 'complex32' as never),
        message: /to: unknown dtype complex32/,
        type: TypeError,
      },
    ],
  }),
  entry<undefined>({
    name: 'cast complex -> real',
    // Drops the imaginary part (a one-time warning, as PyTorch): real(z), cast to the parts' dtype.
    composite: PARTS,
    supportsForwardAd: true,
    dtypes: COMPLEX_DTYPES,
    fn: ([z]) => cast(z, z.dtype === 'complex64' ? 'float32' : 'float64'),
    arbitrary: complexArb(),
    samples: complexSamples(),
  }),
  entry<undefined>({
    name: 'cast complex128 -> complex64',
    composite: [complexViewOp, castOp],
    supportsForwardAd: true,
    dtypes: { cpu: ['complex128'], webgpu: [] },
    fn: ([z]) => cast(z, 'complex64'),
    arbitrary: complexArb(),
    // The output is complex64: eps 1e-3 keeps its float32 rounding inside rtol (as for
    // cast float64 -> float32: the map is linear, no truncation error at any eps).
    gradcheck: { eps: 1e-3 },
    gradgradcheck: { eps: 1e-3 },
    skipped: [{ check: 'webgpu', device: 'webgpu', reason: 'webgpu has no complex128 (WGSL has no f64)' }],
  }),
  entry<undefined>({
    name: 'cast complex64 -> complex128',
    composite: [complexViewOp, castOp],
    supportsForwardAd: true,
    dtypes: { cpu: ['complex64'], webgpu: [] },
    fn: ([z]) => cast(z, 'complex128'),
    arbitrary: complexArb().map((c) => ({
      ...c,
      inputs: c.inputs.map((s) => ({
        ...s,
        data: Float64Array.from(Float32Array.from(s.data)),
        dtype: 'complex64' as const,
      })),
    })),
    // As cast float32 -> float64: the double backward's output is complex64, eps 1e-3 keeps its
    // rounding inside rtol.
    gradgradcheck: { eps: 1e-3 },
    skipped: [{ check: 'webgpu', device: 'webgpu', reason: 'webgpu has no complex128 (WGSL has no f64)' }],
  }),
];
