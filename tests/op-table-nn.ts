/**
 * Op-table entries of nn.functional (composites): random (N, C) logits or inputs with int32 class
 * targets or float targets, so gradcheck, gradgradcheck, forward mode, vmap and WebGPU agreement
 * run on every loss; the errors for bad targets and for complex input (PyTorch has no complex
 * losses). linear runs over ℂ too.
 */
import fc from 'fast-check';
import {
  entry,
  FLOAT_AND_COMPLEX_DTYPES,
  FLOAT_DTYPES,
  type InputSpec,
  type OpCase,
  type OpEntry,
} from '../gradcheck/index.js';
import { nn, type Tensor, tensor } from '../src/index.js';
import { binaryOps, unaryOps, whereOp } from '../src/ops/elementwise.js';
import { bmmOp } from '../src/ops/matmul.js';
import { sumOp } from '../src/ops/reduce.js';

const F = nn.functional;
/** Float inputs with int32 class targets. */
const WITH_TARGETS = { cpu: ['float64', 'int32'], webgpu: ['float32', 'int32'] } as const;

/** A float input of the given shape with values from a seeded generator in (lo, hi). */
function floats(shape: number[], seed: number, lo = -2, hi = 2): InputSpec {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * (s + 0.5)) / 2 ** 32;
  });
  return { shape, data };
}
/** int32 class targets in [0, C). */
function classes(n: number, C: number, seed: number): InputSpec {
  const data = Float64Array.from({ length: n }, (_, i) => (seed + 7 * i) % C);
  return { shape: [n], data, dtype: 'int32' };
}

type NC = { reduction: 'mean' | 'sum' | 'none' };
const reductionArb = fc.constantFrom<NC['reduction']>('mean', 'sum', 'none');

/** Cases with logits (N, C) and int32 targets (N). */
const classCases: fc.Arbitrary<OpCase<NC>> = fc
  .record({
    n: fc.integer({ min: 1, max: 4 }),
    c: fc.integer({ min: 1, max: 4 }),
    seed: fc.nat(),
    reduction: reductionArb,
  })
  .map(({ n, c, seed, reduction }) => ({
    inputs: [floats([n, c], seed), classes(n, c, seed)],
    args: { reduction },
  }));

/** Cases with an input and a float target of the same shape (the target differentiated too). */
const pairCases = (lo: number, hi: number): fc.Arbitrary<OpCase<NC>> =>
  fc
    .record({
      n: fc.integer({ min: 1, max: 4 }),
      c: fc.integer({ min: 1, max: 3 }),
      seed: fc.nat(),
      reduction: reductionArb,
    })
    .map(({ n, c, seed, reduction }) => ({
      inputs: [floats([n, c], seed), floats([n, c], seed + 1, lo, hi)],
      args: { reduction },
    }));

const targetErrors = (name: 'crossEntropy' | 'nllLoss', call: typeof F.nllLoss) => [
  {
    desc: 'target out of [0, C)',
    call: () => call(tensor([[0.1, 0.2, 0.3]]), tensor(new Int32Array([3]))),
    message: new RegExp(
      `^${name}: Target 3 is out of bounds: it must be in \\[0, 3\\) \\(input shape \\[1, 3\\], target shape \\[1\\]\\)$`,
    ),
    type: RangeError,
  },
  {
    desc: 'float target',
    call: () => call(tensor([[0.1, 0.2, 0.3]]), tensor([1])),
    message: new RegExp(`^${name}: expected target of dtype int32 \\(class indices\\), got float64`),
    type: TypeError,
  },
];

/** PyTorch's error for a real-valued loss of complex input (a complex [2, 3] input and target). */
const complexRejected = (name: string, torchName: string, call: (x: Tensor, y: Tensor) => unknown) => ({
  desc: 'complex input',
  call: (mk: (s: number[], dtype?: 'complex') => Tensor) =>
    call(mk([2, 3], 'complex'), mk([2, 3], 'complex')),
  message: new RegExp(
    `^${name}: ${torchName} is not implemented for complex tensors, got complex(64|128) of shape \\[2, 3\\]$`,
  ),
  type: TypeError,
});
const complexLogits = (name: string, torchName: string, call: typeof F.nllLoss) => ({
  ...complexRejected(name, torchName, () => undefined),
  call: (mk: (s: number[], dtype?: 'complex') => Tensor) =>
    call(mk([2, 3], 'complex'), tensor(new Int32Array([0, 1]), { device: mk([1]).device })),
});

export const nnEntries: OpEntry[] = [
  entry<NC>({
    name: 'nn.functional.crossEntropy',
    composite: [binaryOps.sub, unaryOps.exp, unaryOps.log, sumOp, binaryOps.eq, binaryOps.mul],
    dtypes: WITH_TARGETS,
    supportsForwardAd: true,
    supportsVmap: true,
    fn: ([x, t], { reduction }) => F.crossEntropy(x, t, { reduction, labelSmoothing: 0.1 }),
    arbitrary: classCases,
    errors: [
      ...targetErrors('crossEntropy', F.crossEntropy),
      complexLogits('crossEntropy', 'cross_entropy', F.crossEntropy),
    ],
  }),
  entry<NC>({
    name: 'nn.functional.nllLoss',
    composite: [binaryOps.eq, binaryOps.mul, sumOp],
    dtypes: WITH_TARGETS,
    supportsForwardAd: true,
    supportsVmap: true,
    fn: ([x, t], { reduction }) => F.nllLoss(x, t, { reduction }),
    arbitrary: classCases,
    errors: [...targetErrors('nllLoss', F.nllLoss), complexLogits('nllLoss', 'nll_loss', F.nllLoss)],
  }),
  entry<NC>({
    name: 'nn.functional.mseLoss',
    composite: [binaryOps.sub, unaryOps.square],
    dtypes: FLOAT_DTYPES,
    supportsForwardAd: true,
    supportsVmap: true,
    fn: ([x, y], { reduction }) => F.mseLoss(x, y, { reduction }),
    arbitrary: pairCases(-2, 2),
    errors: [complexRejected('mseLoss', 'mse_loss', (x, y) => F.mseLoss(x, y))],
  }),
  entry<NC>({
    name: 'nn.functional.huberLoss',
    composite: [binaryOps.sub, unaryOps.abs, binaryOps.lt, whereOp],
    dtypes: FLOAT_DTYPES,
    supportsForwardAd: true,
    supportsVmap: true,
    // Targets in (5, 6) against inputs in (−2, 2): every |d| > delta, away from the kink at delta.
    fn: ([x, y], { reduction }) => F.huberLoss(x, y, { reduction, delta: 1.5 }),
    arbitrary: pairCases(5, 6),
    errors: [complexRejected('huberLoss', 'huber_loss', (x, y) => F.huberLoss(x, y))],
  }),
  entry<NC>({
    name: 'nn.functional.binaryCrossEntropyWithLogits',
    composite: [unaryOps.abs, unaryOps.exp, unaryOps.log, binaryOps.maximum],
    dtypes: FLOAT_DTYPES,
    supportsForwardAd: true,
    supportsVmap: true,
    fn: ([x, y], { reduction }) => F.binaryCrossEntropyWithLogits(x, y, { reduction }),
    arbitrary: pairCases(0, 1),
    errors: [
      complexRejected('binaryCrossEntropyWithLogits', 'binary_cross_entropy_with_logits', (x, y) =>
        F.binaryCrossEntropyWithLogits(x, y),
      ),
    ],
  }),
  entry<undefined>({
    name: 'nn.functional.linear',
    composite: [bmmOp, binaryOps.add],
    // Over ℂ as torch: input·weightᵀ + bias, no conjugate.
    dtypes: FLOAT_AND_COMPLEX_DTYPES,
    supportsForwardAd: true,
    supportsVmap: true,
    fn: ([x, w, b]) => F.linear(x, w, b),
    arbitrary: fc
      .record({
        n: fc.integer({ min: 1, max: 3 }),
        i: fc.integer({ min: 1, max: 3 }),
        o: fc.integer({ min: 1, max: 3 }),
        seed: fc.nat(),
      })
      .map(({ n, i, o, seed }) => ({
        inputs: [floats([n, i], seed), floats([o, i], seed + 1), floats([o], seed + 2)],
        args: undefined,
      })),
  }),
];
