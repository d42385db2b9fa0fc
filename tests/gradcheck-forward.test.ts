/**
 * Checking gradcheck's forward-mode checks: custom ops (defineOp) with correct backward formulas
 * and planted jvp bugs (sign flipped, factor 2, transposed, wrong broadcast, one batch element,
 * a wrong jvp inside a backward formula) must be caught by checkForwardAd (gradgradcheck's
 * checkFwdOverRev for the last), correct ones must pass; miss and false-alarm rates over random
 * cases, as tests/gradcheck.test.ts reports them; the options and their errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generalMatrix,
  gradcheck,
  gradgradcheck,
  type MatrixSample,
  sampleFromSeed,
  sampleToTensor,
  shapeArb,
  signed,
  tensorSampleArb,
  uniform,
} from '../gradcheck/index.js';
import { applyOp, defineOp, type JvpFn, matmul, type OpDef, type Tensor, tensor } from '../src/index.js';
import { failure } from './helpers/failure.js';
import { plantedRates } from './helpers/planted.js';

const noGpu = () => {
  throw new Error('test op: no WebGPU kernel');
};
const same = ([x]: readonly {
  shape: readonly number[];
  dtype: import('../src/index.js').StorageDType;
}[]) => [{ shape: x.shape, dtype: x.dtype }];
const call = <A>(op: OpDef<A>, xs: Tensor[], attrs: A) => applyOp(op, xs, attrs)[0]!;
type View = { data: ArrayLike<number> & { [i: number]: number } };
const kernel =
  (f: (a: number, b: number) => number) =>
  (ins: readonly View[], [out]: readonly View[]): void => {
    const [a, b] = ins;
    for (let i = 0; i < a.data.length; i++) out.data[i] = f(a.data[i]!, b ? b.data[i % b.data.length]! : 0);
  };

/** y = x², right backward; jvp t·k·x (k = 2 right, −2 a sign error, 4 a factor 2, 2(1 + δ)). */
function squareOp(k: number, jvp?: JvpFn<undefined>) {
  return defineOp<undefined>({
    name: 'testSquareFwd',
    infer: same,
    cpu: kernel((v) => v * v),
    webgpu: noGpu,
    backward: (c, [g]) => [g!.mul(c.inputs[0]).mul(2)],
    jvp: jvp ?? ((c, [t]) => [t ? t.mul(c.inputs[0]).mul(k) : null]),
  });
}

/** C = A B; jvp dA B + A dB, or with `transposed` dA Bᵀ + A dB (square B). Backward right. */
function matmulOp(transposed: boolean) {
  return defineOp<undefined>({
    name: 'testMatmulFwd',
    infer: ([a, b]) => [{ shape: [a.shape[0]!, b.shape[1]!], dtype: a.dtype }],
    cpu: ([a, b], [out]) => {
      const [m, k] = a.shape as [number, number];
      const n = b.shape[1]!;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++)
          for (let p = 0; p < k; p++) out.data[i * n + j]! += a.data[i * k + p]! * b.data[p * n + j]!;
    },
    webgpu: noGpu,
    backward: (c, [g]) => {
      const [a, b] = c.inputs;
      return [matmul(g!, b!.mT), matmul(a!.mT, g!)];
    },
    jvp: (c, [dA, dB]) => {
      const [a, b] = c.inputs;
      const t1 = dA ? matmul(dA, transposed ? b!.mT : b!) : null;
      const t2 = dB ? matmul(a!, dB) : null;
      return [t1 && t2 ? t1.add(t2) : (t1 ?? t2)];
    },
  });
}

/** y = x + b, b [n] broadcast over the rows of x [n, n]; `wrongAxis` broadcasts db down the columns. */
function addRowOp(wrongAxis: boolean) {
  return defineOp<undefined>({
    name: 'testAddRowFwd',
    infer: same,
    cpu: kernel((v, b) => v + b),
    webgpu: noGpu,
    backward: (_c, [g]) => [g, g!.sum(0)],
    jvp: (c, [dx, db]) => {
      const shape = [...c.outputs[0]!.shape];
      const b = db ? (wrongAxis ? db.unsqueeze(1).expand(shape) : db.expand(shape)) : null;
      return [dx && b ? dx.add(b) : (dx ?? b)];
    },
  });
}

/** y = x³ over [B, n]; jvp 3x²·t, off by 1.5× in batch element `bad` (if any). */
function cubeBatchOp(bad: number | null) {
  return defineOp<undefined>({
    name: 'testCubeBatchFwd',
    infer: same,
    cpu: kernel((v) => v * v * v),
    webgpu: noGpu,
    backward: (c, [g]) => [g!.mul(c.inputs[0]!.square()).mul(3)],
    jvp: (c, [t]) => {
      const x = c.inputs[0]!;
      const dy = t!.mul(x.square()).mul(3);
      if (bad === null) return [dy];
      const f = new Float64Array(x.shape[0]!).fill(1);
      f[bad] = 1.5;
      return [dy.mul(tensor(f, { shape: [x.shape[0]!, 1] }))];
    },
  });
}

/** y = x³ with backward g·d(x), d(x) = 3x² a custom op with a right backward and jvp t·k·x (k = 6 right). */
function cubeViaDerivOp(k: number) {
  const deriv = defineOp<undefined>({
    name: 'testCubeDerivFwd',
    infer: same,
    cpu: kernel((v) => 3 * v * v),
    webgpu: noGpu,
    backward: (c, [g]) => [g!.mul(c.inputs[0]).mul(6)],
    jvp: (c, [t]) => [t!.mul(c.inputs[0]).mul(k)],
  });
  return defineOp<undefined>({
    name: 'testCubeFwd',
    infer: same,
    cpu: kernel((v) => v * v * v),
    webgpu: noGpu,
    backward: (c, [g]) => [g!.mul(call(deriv, [c.inputs[0]!], undefined))],
    jvp: (c, [t]) => [t!.mul(call(deriv, [c.inputs[0]!], undefined))],
  });
}

const leaf = (s: { shape: number[]; data: Float64Array }) => sampleToTensor(s, { requiresGrad: true });
const mat = (s: MatrixSample) => sampleToTensor(s, { requiresGrad: true });
const away = signed(0.2, 1.5);
const fwdOnly = { checkForwardAd: true, checkBackwardAd: false } as const;

describe('checkForwardAd catches planted jvp bugs and passes correct ops', () => {
  const x = leaf(sampleFromSeed([2, 3], away, 1));

  it('a sign error: the message names output, input, worst element and both values', () => {
    const right = (t: Tensor) => call(squareOp(2), [t], undefined);
    expect(gradcheck(right, [x], { checkForwardAd: true })).toBe(true);
    const wrong = (t: Tensor) => call(squareOp(-2), [t], undefined);
    expect(gradcheck(wrong, [x])).toBe(true); // the backward formula is right
    const msg = failure(() => gradcheck(wrong, [x], { checkForwardAd: true }));
    expect(msg).toMatch(
      /^gradcheck: Jacobian computed with forward mode mismatch for output 0 with respect to input #0\n/,
    );
    expect(msg).toMatch(
      /worst element \(largest \|difference\| \/ tolerance\): d output 0\[\d, \d\] \/ d input #0\[\d, \d\]/,
    );
    expect(msg).toMatch(/numerical: +-?\d[\s\S]*analytical: +-?\d/);
    expect(msg).toMatch(
      /hint: analytical = -1 x numerical on every entry: a wrong constant factor \(a sign error\)/,
    );
    expect(msg).toMatch(/forward-mode Jacobian:/);
  });

  it('fast mode: vᵀJu from one forward pass, with the slow recomputation on failure', () => {
    const wrong = (t: Tensor) => call(squareOp(4), [t], undefined);
    expect(
      gradcheck((t) => call(squareOp(2), [t], undefined), [x], { checkForwardAd: true, fastMode: true }),
    ).toBe(true);
    const msg = failure(() => gradcheck(wrong, [x], { checkForwardAd: true, fastMode: true }));
    expect(msg).toMatch(
      /^gradcheck: Jacobian computed with forward mode mismatch for output 0 with respect to input #0 in fast mode: vᵀJu numerical/,
    );
    expect(msg).toMatch(/slow-mode recomputation:[\s\S]*hint: analytical = 2 x numerical on every entry/);
  });

  it('a transposed rule, with two inputs', () => {
    const a = leaf(sampleFromSeed([2, 3], uniform(-1, 1), 2));
    const b = leaf(sampleFromSeed([3, 3], uniform(-1, 1), 3));
    expect(
      gradcheck((p, q) => call(matmulOp(false), [p, q], undefined), [a, b], { checkForwardAd: true }),
    ).toBe(true);
    const msg = failure(() => gradcheck((p, q) => call(matmulOp(true), [p, q], undefined), [a, b], fwdOnly));
    expect(msg).toMatch(/forward mode mismatch for output 0 with respect to input #0\n/);
  });

  it('an error in one batch element, with the hint naming it', () => {
    const xb = leaf(sampleFromSeed([3, 2], away, 6));
    const msg = failure(() => gradcheck((t) => call(cubeBatchOp(1), [t], undefined), [xb], fwdOnly));
    expect(msg).toMatch(/all mismatches are at input #0\[i, \.\.\.\] with i in \{1\} \(of 3\)/);
  });

  it('a rule that gives no tangent: the hint says so', () => {
    const none = squareOp(2, () => [null]);
    const msg = failure(() => gradcheck((t) => call(none, [t], undefined), [x], fwdOnly));
    expect(msg).toMatch(/hint: the forward-mode Jacobian is zero: a jvp rule gives no \(or a zero\) tangent/);
  });

  it('a wrong jvp inside a backward formula: caught by gradgradcheck with checkFwdOverRev only', () => {
    const wrong = (t: Tensor) => call(cubeViaDerivOp(5), [t], undefined);
    expect(gradcheck(wrong, [x])).toBe(true);
    expect(gradgradcheck(wrong, [x])).toBe(true); // reverse over reverse never runs the jvp
    expect(failure(() => gradgradcheck(wrong, [x], null, { checkFwdOverRev: true }))).toMatch(
      /^gradgradcheck: Jacobian computed with forward mode mismatch for output 0 \('grad of input #0'\) with respect to input #0/,
    );
    const right = (t: Tensor) => call(cubeViaDerivOp(6), [t], undefined);
    expect(gradgradcheck(right, [x], null, { checkFwdOverRev: true, checkRevOverRev: false })).toBe(true);
  });
});

describe('options', () => {
  const x = leaf(sampleFromSeed([2, 2], away, 9));
  /** Right jvp, backward off by a factor 3. */
  const badBackward = defineOp<undefined>({
    ...squareOp(2),
    backward: (c, [g]) => [g!.mul(c.inputs[0]).mul(6)],
  });

  it('checkBackwardAd: false leaves the backward checks out', () => {
    const f = (t: Tensor) => call(badBackward, [t], undefined);
    expect(gradcheck(f, [x], { raiseException: false })).toBe(false);
    expect(gradcheck(f, [x], fwdOnly)).toBe(true);
    expect(gradcheck(f, [x], { ...fwdOnly, fastMode: true })).toBe(true);
  });

  it('raiseException: false returns false for a forward-mode mismatch', () => {
    expect(
      gradcheck((t) => call(squareOp(-2), [t], undefined), [x], { ...fwdOnly, raiseException: false }),
    ).toBe(false);
  });

  it('misuse: no check left, gradcheck option names given to gradgradcheck, an op without a rule', () => {
    const f = (t: Tensor) => t.sin();
    expect(() => gradcheck(f, [x], { checkBackwardAd: false })).toThrow(
      'gradcheck: expected at least one of checkForwardAd or checkBackwardAd to be true (both are false)',
    );
    expect(() => gradgradcheck(f, [x], null, { checkRevOverRev: false })).toThrow(
      'gradgradcheck: expected at least one of checkFwdOverRev or checkRevOverRev to be true (both are false)',
    );
    expect(() => gradgradcheck(f, [x], null, { checkForwardAd: true } as never)).toThrow(
      'gradgradcheck: checkForwardAd is an option of gradcheck; gradgradcheck takes checkFwdOverRev and checkRevOverRev (as PyTorch)',
    );
    const noRule = defineOp<undefined>({ ...squareOp(2), name: 'testNoRule', jvp: undefined });
    expect(() => gradcheck((t) => call(noRule, [t], undefined), [x], fwdOnly)).toThrow(
      'gradcheck: forward-mode AD failed while computing column 0 of the Jacobian with respect to input #0: testNoRule: the forward-mode rule (jvp) is not implemented yet',
    );
  });

  it('built-in ops pass, several outputs and inputs held constant included', () => {
    const y = tensor([0.3, -0.7, 1.1, 0.4], { shape: [2, 2] });
    const f = (a: Tensor, b: Tensor) => [a.exp().matmul(b), a.sum(0).mul(b.sum(1))];
    expect(gradcheck(f, [x, y], { checkForwardAd: true })).toBe(true);
    expect(gradcheck(f, [x, y.clone().requiresGrad_()], { checkForwardAd: true, fastMode: true })).toBe(true);
    expect(gradgradcheck(f, [x, y.clone().requiresGrad_()], null, { checkFwdOverRev: true })).toBe(true);
  });
});

// ---- miss and false-alarm rates --------------------------------------------------------------------------

describe('miss and false-alarm rates over random cases (forward mode)', () => {
  const RUNS = 100;
  type Family = {
    name: string;
    cases: fc.Arbitrary<Tensor[]>;
    fn: (bug: boolean) => (...xs: Tensor[]) => Tensor;
    /** gradgradcheck with checkFwdOverRev instead of gradcheck with checkForwardAd. */
    second?: boolean;
  };
  const f1 =
    (op: (bug: boolean) => OpDef<undefined>) =>
    (bug: boolean) =>
    (...xs: Tensor[]) =>
      call(op(bug), xs, undefined);
  const sizes = (min: number) => fc.integer({ min, max: 4 });
  const elementwise = tensorSampleArb(shapeArb({ maxDims: 3, minSize: 1 }), away).map((s) => [leaf(s)]);
  const fams: Family[] = [
    { name: 'sign flipped (y = x²)', cases: elementwise, fn: f1((bug) => squareOp(bug ? -2 : 2)) },
    { name: 'factor 2 (y = x²)', cases: elementwise, fn: f1((bug) => squareOp(bug ? 4 : 2)) },
    {
      name: 'wrong constant 2(1 + 1e-2) (y = x²)',
      cases: tensorSampleArb(shapeArb({ maxDims: 2, minSize: 1 }), away).map((s) => [leaf(s)]),
      fn: f1((bug) => squareOp(bug ? 2 * (1 + 1e-2) : 2)),
    },
    {
      name: 'transposed (A·B, square B)',
      cases: fc
        .tuple(sizes(1), sizes(2))
        .chain(([m, k]) => fc.tuple(generalMatrix({ rows: m, cols: k }), generalMatrix({ rows: k, cols: k })))
        .map(([a, b]) => [mat(a), mat(b)]),
      fn: f1(matmulOp),
    },
    {
      name: 'broadcast along the wrong axis (x + row b, square x)',
      cases: sizes(2)
        .chain((n) => fc.tuple(generalMatrix({ rows: n, cols: n }), generalMatrix({ rows: 1, cols: n })))
        .map(([a, b]) => [mat(a), leaf({ shape: [b.cols], data: b.data })]),
      fn: f1(addRowOp),
    },
    {
      name: 'one wrong batch element (x³)',
      cases: fc
        .tuple(sizes(2), sizes(1), fc.integer({ min: 0, max: 0x7fffffff }))
        .map(([b, n, seed]) => [leaf(sampleFromSeed([b, n], away, seed))]),
      fn: (bug) => (t) => call(cubeBatchOp(bug ? t.shape[0]! - 1 : null), [t], undefined),
    },
    {
      name: 'wrong jvp inside a backward formula (gradgradcheck, checkFwdOverRev)',
      cases: tensorSampleArb(shapeArb({ maxDims: 2, minSize: 1 }), away).map((s) => [leaf(s)]),
      fn: f1((bug) => cubeViaDerivOp(bug ? 5 : 6)),
      second: true,
    },
  ];

  for (const fam of fams) {
    it(fam.name, () => {
      const samples = fc.sample(fam.cases, { numRuns: RUNS, seed: 7 });
      const { misses, alarms, total } = plantedRates(samples, fam.second === true, (xs, bug, fastMode) =>
        fam.second
          ? gradgradcheck(fam.fn(bug), xs, null, {
              raiseException: false,
              checkFwdOverRev: true,
              checkRevOverRev: false,
            })
          : gradcheck(fam.fn(bug), xs, { ...fwdOnly, raiseException: false, fastMode }),
      );
      console.log(
        `[gradcheck rates] forward mode, ${fam.name}: ${misses}/${total} planted bugs missed, ${alarms}/${total} correct ops flagged`,
      );
      expect({ misses, alarms }).toEqual({ misses: 0, alarms: 0 });
    });
  }
});
