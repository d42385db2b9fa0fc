/**
 * Checking the checker: custom ops (defineOp + applyOp) with planted backward bugs must be caught
 * by gradcheck (first derivatives) or gradgradcheck (second derivatives), correct ones must pass;
 * miss and false-alarm rates over random cases; every option; errors for bad input.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
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
import {
  applyOp,
  autograd,
  cos,
  defineOp,
  eye,
  gt,
  linalg,
  matmul,
  type OpDef,
  onesLike,
  sin,
  type Tensor,
  tensor,
} from '../src/index.js';
import { failure } from './helpers/failure.js';
import { plantedRates } from './helpers/planted.js';
import { describeWebGPU } from './helpers/webgpu.js';

// ---- custom ops with optional planted bugs ----------------------------------------------------------

const noGpu = () => {
  throw new Error('test op: no WebGPU kernel');
};
const same = ([x]: readonly {
  shape: readonly number[];
  dtype: import('../src/index.js').StorageDType;
}[]) => [{ shape: x.shape, dtype: x.dtype }];
const call = <A>(op: OpDef<A>, xs: Tensor[], attrs: A) => applyOp(op, xs, attrs)[0];
type View = { data: ArrayLike<number> & { [i: number]: number } };
/** A CPU kernel computing out[i] = f(inputs[0][i], inputs[1][i % len]) elementwise. */
const kernel =
  (f: (a: number, b: number) => number) =>
  (ins: readonly View[], [out]: readonly View[]): void => {
    const [a, b] = ins;
    for (let i = 0; i < a.data.length; i++) out.data[i] = f(a.data[i], b ? b.data[i % b.data.length] : 0);
  };

/** y = x²; backward g·k·x (k = 2 is right; −2 a sign error; 2(1 + δ) a wrong constant). */
function squareOp(k: number) {
  return defineOp<undefined>({
    name: 'testSquare',
    infer: same,
    cpu: kernel((v) => v * v),
    webgpu: noGpu,
    backward: (c, [g]) => [g!.mul(c.inputs[0]).mul(k)],
  });
}

/** y = x², backward g·2x with 2x detached: right first derivative, missing second-order term. */
const squareDetached = defineOp<undefined>({
  ...squareOp(2),
  backward: (c, [g]) => [g!.mul(c.inputs[0].detach().mul(2))],
});

/** C = A B for 2-D A, B; `missingTranspose` plants gA = G B instead of G Bᵀ (square B only). */
function matmulOp(missingTranspose: boolean) {
  return defineOp<undefined>({
    name: 'testMatmul',
    infer: ([a, b]) => [{ shape: [a.shape[0], b.shape[1]], dtype: a.dtype }],
    cpu: ([a, b], [out]) => {
      const [m, k] = a.shape;
      const n = b.shape[1];
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++)
          for (let p = 0; p < k; p++) out.data[i * n + j] += a.data[i * k + p] * b.data[p * n + j];
    },
    webgpu: noGpu,
    backward: (c, [g]) => {
      const [a, b] = c.inputs;
      return [matmul(g!, missingTranspose ? b : b.mT), matmul(a.mT, g!)];
    },
  });
}

/**
 * y = x + b with x [m, n] and b [n] broadcast over rows. gb = Σ_rows g; `wrongAxis` sums over
 * columns instead (same shape for square x); `leaveToEngine` returns g unreduced, which the
 * engine's sumTo reduces correctly.
 */
function addRowOp(bug: 'none' | 'wrongAxis' | 'leaveToEngine') {
  return defineOp<undefined>({
    name: 'testAddRow',
    infer: same,
    cpu: kernel((v, b) => v + b),
    webgpu: noGpu,
    backward: (_c, [g]) => [g, bug === 'wrongAxis' ? g!.sum(1) : bug === 'leaveToEngine' ? g : g!.sum(0)],
  });
}

/** y = x³ over a batch [B, n]; backward 3x²·g, off by 1.5× in batch element `bad` (if any). */
function cubeBatchOp(bad: number | null) {
  return defineOp<undefined>({
    name: 'testCubeBatch',
    infer: same,
    cpu: kernel((v) => v * v * v),
    webgpu: noGpu,
    backward: (c, [g]) => {
      const x = c.inputs[0];
      const gx = g!.mul(x.square()).mul(3);
      if (bad === null) return [gx];
      const f = new Float64Array(x.shape[0]).fill(1);
      f[bad] = 1.5;
      return [gx.mul(tensor(f, { shape: [x.shape[0], 1] }))];
    },
  });
}

/** y = x³ with backward g·d(x), d(x) = 3x² a custom op whose own backward is g·k·x (k = 6 right). */
function cubeViaDerivOp(k: number) {
  const deriv = defineOp<undefined>({
    name: 'testCubeDeriv',
    infer: same,
    cpu: kernel((v) => 3 * v * v),
    webgpu: noGpu,
    backward: (c, [g]) => [g!.mul(c.inputs[0]).mul(k)],
  });
  return defineOp<undefined>({
    name: 'testCube',
    infer: same,
    cpu: kernel((v) => v * v * v),
    webgpu: noGpu,
    backward: (c, [g]) => [g!.mul(call(deriv, [c.inputs[0]], undefined))],
  });
}

/**
 * [sin x, cos x] as one op. `nullSafe: false` assumes both output gradients are present;
 * `fusedBug` uses a wrong formula only when both are (the per-output checks never see it).
 */
function sinCosOp(opts: { nullSafe?: boolean; fusedBug?: boolean } = {}) {
  return defineOp<undefined>({
    name: 'testSinCos',
    infer: ([x]) => [
      { shape: x.shape, dtype: x.dtype },
      { shape: x.shape, dtype: x.dtype },
    ],
    cpu: ([x], [s, c]) =>
      x.data.forEach((v, i) => {
        s.data[i] = Math.sin(v);
        c.data[i] = Math.cos(v);
      }),
    webgpu: noGpu,
    backward: (ctx, [gs, gc]) => {
      const x = ctx.inputs[0];
      if (opts.nullSafe === false) return [gs!.mul(cos(x)).sub(gc!.mul(sin(x)))];
      if (gs && gc && opts.fusedBug) return [gs.mul(cos(x)).add(gc.mul(sin(x)))];
      const a = gs ? gs.mul(cos(x)) : null;
      const b = gc ? gc.mul(sin(x)).neg() : null;
      return [a && b ? a.add(b) : (a ?? b)];
    },
  });
}

/** Σx with a backward that ignores g (right for g = 1, the only one-hot row of a scalar). */
const sumIgnoringGrad = defineOp<undefined>({
  name: 'testSumIgnoringGrad',
  infer: ([x]) => [{ shape: [], dtype: x.dtype }],
  cpu: ([x], [out]) => {
    for (let i = 0; i < x.data.length; i++) out.data[0] += x.data[i];
  },
  webgpu: noGpu,
  backward: (c) => [onesLike(c.inputs[0])],
});

const leaf = (s: { shape: number[]; data: Float64Array }) => sampleToTensor(s, { requiresGrad: true });
const away = signed(0.2, 1.5);
const quiet = { raiseException: false } as const;

// ---- planted bugs, one by one -------------------------------------------------------------------------

describe('gradcheck catches planted backward bugs and passes correct ops', () => {
  const x = leaf(sampleFromSeed([2, 3], away, 1));
  const sq = squareOp(2);

  it('a sign error', () => {
    expect(gradcheck((t) => call(sq, [t], undefined), [x])).toBe(true);
    const msg = failure(() => gradcheck((t) => call(squareOp(-2), [t], undefined), [x]));
    expect(msg).toMatch(/Jacobian mismatch for output 0 with respect to input #0/);
    expect(msg).toMatch(
      /worst element \(largest \|difference\| \/ tolerance\): d output 0\[\d, \d\] \/ d input #0\[\d, \d\]/,
    );
    expect(msg).toMatch(/numerical: +-?\d[\s\S]*analytical: +-?\d/);
    expect(msg).toMatch(/tolerance atol \+ rtol\*\|numerical\| = /);
    expect(msg).toMatch(
      /hint: analytical = -1 x numerical on every entry: a wrong constant factor \(a sign error\)/,
    );
  });

  it('a missing transpose', () => {
    const a = leaf(sampleFromSeed([2, 3], uniform(-1, 1), 2));
    const b = leaf(sampleFromSeed([3, 3], uniform(-1, 1), 3));
    expect(gradcheck((p, q) => call(matmulOp(false), [p, q], undefined), [a, b])).toBe(true);
    const msg = failure(() => gradcheck((p, q) => call(matmulOp(true), [p, q], undefined), [a, b]));
    expect(msg).toMatch(/Jacobian mismatch for output 0 with respect to input #0\n/);
    expect(msg).toMatch(/max \|analytical - numerical\| = /);
  });

  it('a broadcast gradient summed over the wrong axis (leaving the reduction to the engine is fine)', () => {
    const m = leaf(sampleFromSeed([3, 3], uniform(-1, 1), 4));
    const b = leaf(sampleFromSeed([3], uniform(-1, 1), 5));
    const run = (bug: 'none' | 'wrongAxis' | 'leaveToEngine') =>
      failure(() => gradcheck((p, q) => call(addRowOp(bug), [p, q], undefined), [m, b]));
    expect(run('none')).toBe('');
    expect(run('leaveToEngine')).toBe('');
    expect(run('wrongAxis')).toMatch(/Jacobian mismatch for output 0 with respect to input #1/);
  });

  it('an error in one batch element only, with a hint naming it', () => {
    const xb = leaf(sampleFromSeed([3, 2], away, 6));
    expect(gradcheck((t) => call(cubeBatchOp(null), [t], undefined), [xb])).toBe(true);
    const msg = failure(() => gradcheck((t) => call(cubeBatchOp(1), [t], undefined), [xb]));
    expect(msg).toMatch(/all mismatches are at input #0\[i, \.\.\.\] with i in \{1\} \(of 3\)/);
  });

  it('a wrong second derivative: caught by gradgradcheck only', () => {
    const fns = {
      detached: (t: Tensor) => call(squareDetached, [t], undefined),
      wrongConstant: (t: Tensor) => call(cubeViaDerivOp(5), [t], undefined),
    };
    for (const fn of Object.values(fns)) {
      expect(gradcheck(fn, [x])).toBe(true);
      expect(failure(() => gradgradcheck(fn, [x]))).toMatch(
        /gradgradcheck: Jacobian mismatch for output 0 \('grad of input #0'\) with respect to input #0/,
      );
    }
    expect(gradgradcheck((t) => call(cubeViaDerivOp(6), [t], undefined), [x])).toBe(true);
    expect(gradgradcheck((t) => call(sq, [t], undefined), [x])).toBe(true);
  });
});

// ---- miss and false-alarm rates --------------------------------------------------------------------------

const mat = (s: MatrixSample) => sampleToTensor(s, { requiresGrad: true });

describe('miss and false-alarm rates over random cases', () => {
  const RUNS = 100;

  type Family = {
    name: string;
    /** Random inputs, and fn with the bug (true) or the correct op (false). */
    cases: fc.Arbitrary<Tensor[]>;
    fn: (bug: boolean) => (...xs: Tensor[]) => Tensor;
    /** gradgradcheck (second-derivative bugs) instead of gradcheck. */
    second?: boolean;
    /** Extra gradcheck options. */
    opts?: { checkBatchedGrad?: boolean };
  };
  const f1 =
    (op: (bug: boolean) => OpDef<undefined>) =>
    (bug: boolean) =>
    (...xs: Tensor[]) =>
      call(op(bug), xs, undefined);
  const sizes = (min: number) => fc.integer({ min, max: 4 });
  const fams: Family[] = [
    {
      name: 'sign error (y = x²)',
      cases: tensorSampleArb(shapeArb({ maxDims: 3, minSize: 1 }), away).map((s) => [leaf(s)]),
      fn: f1((bug) => squareOp(bug ? -2 : 2)),
    },
    {
      name: 'missing transpose (A·B, square B)',
      cases: fc
        .tuple(sizes(1), sizes(2))
        .chain(([m, k]) => fc.tuple(generalMatrix({ rows: m, cols: k }), generalMatrix({ rows: k, cols: k })))
        .map(([a, b]) => [mat(a), mat(b)]),
      fn: f1(matmulOp),
    },
    {
      name: 'reduction over the wrong axis (x + row b, square x)',
      cases: sizes(2)
        .chain((n) => fc.tuple(generalMatrix({ rows: n, cols: n }), generalMatrix({ rows: 1, cols: n })))
        .map(([a, b]) => [mat(a), leaf({ shape: [b.cols], data: b.data })]),
      fn: f1((bug) => addRowOp(bug ? 'wrongAxis' : 'none')),
    },
    {
      name: 'one wrong batch element (x³)',
      cases: fc
        .tuple(sizes(2), sizes(1), fc.integer({ min: 0, max: 0x7fffffff }))
        .map(([b, n, seed]) => [leaf(sampleFromSeed([b, n], away, seed))]),
      fn: (bug) => (t) => call(cubeBatchOp(bug ? t.shape[0] - 1 : null), [t], undefined),
    },
    {
      name: 'wrong constant 2(1 + 1e-2) (x²)',
      cases: tensorSampleArb(shapeArb({ maxDims: 2, minSize: 1 }), away).map((s) => [leaf(s)]),
      fn: f1((bug) => squareOp(bug ? 2 * (1 + 1e-2) : 2)),
    },
    {
      name: 'backward nonlinear in g: g²·2x (with checkBatchedGrad)',
      cases: tensorSampleArb(shapeArb({ maxDims: 2, minSize: 1 }), away).map((s) => [leaf(s)]),
      fn: f1((bug) =>
        bug
          ? defineOp<undefined>({
              ...squareOp(2),
              backward: (c, [g]) => [g!.square().mul(c.inputs[0]).mul(2)],
            })
          : squareOp(2),
      ),
      opts: { checkBatchedGrad: true },
    },
    {
      name: 'detached second-order term (gradgradcheck)',
      cases: tensorSampleArb(shapeArb({ maxDims: 2, minSize: 1 }), away).map((s) => [leaf(s)]),
      fn: (bug) => (t) => call(bug ? squareDetached : squareOp(2), [t], undefined),
      second: true,
    },
    {
      name: 'wrong constant in the double backward (gradgradcheck)',
      cases: tensorSampleArb(shapeArb({ maxDims: 2, minSize: 1 }), away).map((s) => [leaf(s)]),
      fn: f1((bug) => cubeViaDerivOp(bug ? 5 : 6)),
      second: true,
    },
  ];

  for (const fam of fams) {
    it(fam.name, () => {
      const samples = fc.sample(fam.cases, { numRuns: RUNS, seed: 7 });
      const { misses, alarms, total } = plantedRates(samples, fam.second === true, (xs, bug, fastMode) => {
        const opts = { ...quiet, ...fam.opts, fastMode };
        return fam.second ? gradgradcheck(fam.fn(bug), xs, null, opts) : gradcheck(fam.fn(bug), xs, opts);
      });
      console.log(
        `[gradcheck rates] ${fam.name}: ${misses}/${total} planted bugs missed, ${alarms}/${total} correct ops flagged`,
      );
      expect({ misses, alarms }).toEqual({ misses: 0, alarms: 0 });
    });
  }

  it('the resolution is the tolerance: a relative error of 1e-4 (below rtol = 1e-3) is never flagged', () => {
    const samples = fc.sample(tensorSampleArb(shapeArb({ maxDims: 2, minSize: 1 }), away), {
      numRuns: RUNS,
      seed: 8,
    });
    const missed = samples.filter((s) =>
      gradcheck((t) => call(squareOp(2 * (1 + 1e-4)), [t], undefined), [leaf(s)], quiet),
    );
    console.log(
      `[gradcheck rates] wrong constant 2(1 + 1e-4): ${missed.length}/${samples.length} missed (by design)`,
    );
    expect(missed.length).toBe(samples.length);
  });
});

// ---- options ----------------------------------------------------------------------------------------------

describe('gradcheck options', () => {
  const x = leaf(sampleFromSeed([2, 3], away, 11));
  const bad = (t: Tensor) => call(squareOp(-2), [t], undefined);

  it('fastMode: compares vᵀJu and reports the slow-mode Jacobians on failure', () => {
    expect(gradcheck((t) => call(squareOp(2), [t], undefined), [x], { fastMode: true })).toBe(true);
    const msg = failure(() => gradcheck(bad, [x], { fastMode: true, seed: 3 }));
    expect(msg).toMatch(/in fast mode: vᵀJu numerical -?[\d.]+, analytical -?[\d.]+/);
    expect(msg).toMatch(
      /seed 3\)\n {2}slow-mode recomputation:\n {2}worst element \(largest \|difference\| \/ tolerance\): d output 0\[/,
    );
    expect(msg).toMatch(/a sign error/);
  });

  it('raiseException: false returns false instead of throwing', () => {
    expect(gradcheck(bad, [x], quiet)).toBe(false);
    expect(gradgradcheck((t) => call(squareDetached, [t], undefined), [x], null, quiet)).toBe(false);
    expect(gradcheck((t) => t.sin(), [x], quiet)).toBe(true);
    // Misuse still throws.
    expect(() => gradcheck((t) => t, [x.detach()], quiet)).toThrow(TypeError);
  });

  it('nondetTol: a backward that differs between runs fails the reentrancy check unless tolerated', () => {
    let calls = 0;
    const noisy = defineOp<undefined>({
      ...squareOp(2),
      // 2x plus a tiny term that changes on every backward call (but is still multiplied by g).
      backward: (c, [g]) => [g!.mul(c.inputs[0].mul(2).add(1e-9 * (++calls % 7)))],
    });
    const fn = (t: Tensor) => call(noisy, [t], undefined);
    const msg = failure(() => gradcheck(fn, [x]));
    expect(msg).toMatch(/Backward is not reentrant/);
    expect(msg).toMatch(/although the analytical gradient matches the numerical one/);
    expect(msg).toMatch(/The tolerance for nondeterminism was 0 \(option nondetTol\)/);
    expect(gradcheck(fn, [x], { nondetTol: 1e-7 })).toBe(true);
    expect(failure(() => gradcheck(fn, [x], { fastMode: true }))).toMatch(/not reentrant/);
  });

  it('checkBatchedGrad: a backward nonlinear in its gradOutput passes slow mode, fails the batched check', () => {
    // y = x², backward g²·2x: one-hot gradOutputs (1² = 1, 0² = 0) give the right Jacobian rows.
    const squared = defineOp<undefined>({
      ...squareOp(2),
      backward: (c, [g]) => [g!.square().mul(c.inputs[0]).mul(2)],
    });
    const fn = (t: Tensor) => call(squared, [t], undefined);
    expect(gradcheck(fn, [x])).toBe(true);
    const msg = failure(() => gradcheck(fn, [x], { checkBatchedGrad: true }));
    expect(msg).toMatch(/batched gradient check failed: the backward is not linear in its gradOutput/);
    expect(msg).toMatch(/the gradient of input #0 for Σ c_b g_b is -?[\d.e-]+ at input #0\[\d, \d\]/);
    // Correct ops pass, first and second order, several inputs and outputs.
    const ok = (a: Tensor, b: Tensor) => [linalg.inv(a).matmul(b), a.mul(b).sum(0)];
    const A = leaf(sampleFromSeed([3, 3], away, 5))
      .add(eye(3).mul(3))
      .detach()
      .requiresGrad_();
    const B = leaf(sampleFromSeed([3, 3], away, 6));
    expect(gradcheck(ok, [A, B], { checkBatchedGrad: true })).toBe(true);
    expect(gradgradcheck(ok, [A, B], null, { checkBatchedGrad: true })).toBe(true);
  });

  it('zero gradOutputs must give zero gradients', () => {
    const msg = failure(() => gradcheck((t) => call(sumIgnoringGrad, [t], undefined), [x]));
    expect(msg).toMatch(
      /backward not multiplied by gradOutput: .* the gradient of input #0 is 1 at input #0\[0, 0\]/,
    );
  });

  it('checkUndefinedGrad: backward formulas get null output gradients; fn is re-run for the check', () => {
    let calls = 0;
    const op = sinCosOp();
    const fn = (t: Tensor) => {
      calls++;
      const [s, c] = applyOp(op, [t], undefined);
      return [s, c];
    };
    expect(gradcheck(fn, [x])).toBe(true);
    const withCheck = calls;
    calls = 0;
    expect(gradcheck(fn, [x], { checkUndefinedGrad: false })).toBe(true);
    // All outputs undefined once, then each output undefined in turn.
    expect(withCheck - calls).toBe(3);
    // A backward that assumes every output has a gradient fails with a message about null.
    const unsafe = sinCosOp({ nullSafe: false });
    expect(() => gradcheck((t) => applyOp(unsafe, [t], undefined), [x])).toThrow(
      /backward failed while computing row \[0, 0\] of the Jacobian of output 0 alone: .*null/,
    );
  });

  it('several outputs: one backward for all must equal the sum of per-output backwards', () => {
    const fused = sinCosOp({ fusedBug: true });
    const fn = (t: Tensor) => applyOp(fused, [t], undefined);
    for (const fastMode of [false, true]) {
      expect(failure(() => gradcheck(fn, [x], { fastMode }))).toMatch(
        /backward with gradients for all 2 outputs at once disagrees with the sum of the per-output backward passes/,
      );
    }
    expect(gradcheck((t) => applyOp(sinCosOp(), [t], undefined), [x], { fastMode: true })).toBe(true);
  });

  it('record and array outputs: failures name the output by index and key', () => {
    const rec = (t: Tensor) => ({ s: t.sin(), b: bad(t) });
    expect(failure(() => gradcheck(rec, [x]))).toMatch(
      /Jacobian mismatch for output 1 \('b'\) with respect to input #0/,
    );
    expect(failure(() => gradcheck((t) => [t.exp(), bad(t)], [x]))).toMatch(/for output 1 with respect/);
    expect(gradcheck((t) => ({ s: t.sin(), c: t.cos() }), [x])).toBe(true);
  });

  it('inputs that do not require grad are held constant', () => {
    // gb is wrong, but b is constant: only gx is checked.
    const op = defineOp<undefined>({
      name: 'testMulWrongB',
      infer: same,
      cpu: kernel((a, b) => a * b),
      webgpu: noGpu,
      backward: (c, [g]) => [g!.mul(c.inputs[1]), g!.mul(c.inputs[0]).neg()],
    });
    const b = sampleToTensor(sampleFromSeed([2, 3], away, 12));
    const fn = (p: Tensor, q: Tensor) => call(op, [p, q], undefined);
    expect(gradcheck(fn, [x, b])).toBe(true);
    expect(failure(() => gradcheck(fn, [x, b.detach().requiresGrad_()]))).toMatch(/with respect to input #1/);
    // An int32 input is a constant too.
    const idx = tensor([0, 1, 1], { dtype: 'int32' });
    expect(gradcheck((t, i) => t.mul(i.to('float64')), [x, idx])).toBe(true);
  });

  it('warns like PyTorch for float32 inputs that require grad', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const x32 = tensor([0.5, -1, 2], { dtype: 'float32' }).requiresGrad_();
      // Exact in float64 after the cast, and the step is divided by its float32-rounded size.
      expect(gradcheck((t) => t.to('float64').mul(3), [x32])).toBe(true);
      // As the warning says: float32 outputs round the central differences (ulp(6)/2e-6 ≈ 0.24).
      expect(gradcheck((t) => t.mul(3), [x32], quiet)).toBe(false);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(
          /Input #0 requires gradient and is not a double precision floating point\. This check will likely fail/,
        ),
      );
      warn.mockClear();
      gradcheck((t) => t.mul(3), [x]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('checkForwardAd runs the forward-mode check; bad options say why', () => {
    expect(gradcheck((t) => t.sin(), [x], { checkForwardAd: true })).toBe(true);
    expect(() => gradcheck((t) => t.sin(), [x], { eps: 0 })).toThrow(/eps must be a finite number > 0/);
  });

  it('0-d and empty inputs', () => {
    expect(gradcheck((t) => t.mul(t).sum(), [tensor(0.7).requiresGrad_()])).toBe(true);
    const e = tensor(new Float64Array(0), { shape: [0, 3] }).requiresGrad_();
    expect(gradcheck((t) => t.exp().sum(0), [e])).toBe(true);
    expect(gradgradcheck((t) => t.exp().sum(0), [e])).toBe(true);
  });
});

// ---- bad input ----------------------------------------------------------------------------------------

describe('gradcheck errors for bad input', () => {
  const x = leaf(sampleFromSeed([3], away, 21));

  it('no input requires grad (with a hint for int32)', () => {
    expect(() => gradcheck((t) => t.sin(), [x.detach()])).toThrow(
      /expects at least one input tensor to require gradient, but none of the 1 inputs have requiresGrad=true/,
    );
    expect(() => gradcheck((t) => t.to('float64'), [tensor([1, 2], { dtype: 'int32' })])).toThrow(
      /int32 tensors cannot require grad: convert them with \.to\('float64'\)/,
    );
  });

  it('inputs that are not tensors, or the same tensor twice', () => {
    expect(() => gradcheck((t) => t, [x, 3 as unknown as Tensor])).toThrow(
      /input #1 is number 3, not a Tensor/,
    );
    expect(() => gradcheck((a, b) => a.mul(b), [x, x])).toThrow(
      /input #0 and input #1 are the same tensor object/,
    );
  });

  it('fn returning non-tensors', () => {
    const as = (v: unknown) => () => v as Tensor;
    expect(() => gradcheck(as(3), [x])).toThrow(
      /fn must return a Tensor, an array of Tensors or a record of Tensors, but it returned number 3/,
    );
    expect(() => gradcheck((t) => [t, 'no'] as unknown as Tensor[], [x])).toThrow(/output 1 is string no/);
    expect(() => gradcheck((t) => ({ a: t, b: null }) as unknown as Tensor, [x])).toThrow(
      /output 1 \('b'\) is null/,
    );
    expect(() => gradcheck(() => [], [x])).toThrow(/fn returned no tensors/);
  });

  it('outputs that change shape or count under perturbation', () => {
    const x0 = x.dataSync()[0];
    const jumpy = (t: Tensor) => (t.dataSync()[0] === x0 ? t.sin() : t.sin().sum());
    expect(failure(() => gradcheck(jumpy, [x]))).toMatch(
      /Expected fn to return outputs with the same shape and dtype when inputs are perturbed by eps=0.000001, but output 0 is \[3\] float64 at the given inputs and \[\] float64 when input #0 was perturbed \(element \[0\] by \+eps\)/,
    );
    const counting = (t: Tensor) => (t.dataSync()[0] === x0 ? [t.sin()] : [t.sin(), t.cos()]);
    expect(failure(() => gradcheck(counting, [x]))).toMatch(
      /fn returned 1 outputs at the given inputs but 2 when/,
    );
  });

  it('fn that cuts the graph: no differentiable output, but the values move', () => {
    expect(failure(() => gradcheck((t) => t.detach().mul(2), [x]))).toMatch(
      /Numerical gradient for function expected to be zero: no output of fn requires grad, but output 0 changes/,
    );
    // A piecewise-constant output that does not require grad is fine.
    expect(gradcheck((t) => [t.sin(), gt(t, 0)], [x])).toBe(true);
  });

  it('gradgradcheck: gradOutputs that do not match the outputs', () => {
    const fn = (t: Tensor) => t.sin();
    expect(() => gradgradcheck(fn, [x], [tensor([1, 2, 3]), tensor([1])])).toThrow(
      /got 2 gradOutputs for the 1 outputs of fn that require grad/,
    );
    expect(() => gradgradcheck(fn, [x], tensor([1, 2]))).toThrow(
      /the gradOutput for output 0 is \[2\] float64 on cpu, but the output is \[3\] float64 on cpu/,
    );
    expect(() => gradgradcheck((t) => t.detach(), [x])).toThrow(/no output of fn requires grad/);
  });
});

describe('gradgradcheck', () => {
  const x = leaf(sampleFromSeed([2, 2], away, 31));
  const w = leaf(sampleFromSeed([2, 2], away, 32));

  it('accepts gradOutputs as a tensor, an array or a record; constant gradOutputs are not differentiated', () => {
    const g = sampleToTensor(sampleFromSeed([2, 2], uniform(-1, 1), 33));
    expect(gradgradcheck((a, b) => matmul(a, b).tanh(), [x, w], g.detach().requiresGrad_())).toBe(true);
    expect(gradgradcheck((a) => [a.sin(), a.exp()], [x], [g, g.detach().requiresGrad_()])).toBe(true);
    expect(gradgradcheck((a) => ({ p: a.square(), q: a.exp() }), [x], { q: g, p: g.detach() })).toBe(true);
  });

  it('names the gradOutput inputs in messages and works in fast mode', () => {
    const msg = failure(() => gradgradcheck((t) => call(cubeViaDerivOp(5), [t], undefined), [x]));
    expect(msg).toMatch(/with respect to input #0\n/);
    const fast = failure(() =>
      gradgradcheck((t) => call(cubeViaDerivOp(5), [t], undefined), [x], null, { fastMode: true }),
    );
    expect(fast).toMatch(/in fast mode/);
    // The first derivative is linear in the gradOutput, so its gradient w.r.t. it is right here.
    expect(msg).not.toMatch(/with respect to gradOutputs\[0\]/);
  });

  it('checks a function with several inputs and outputs, and autograd.grad agrees', () => {
    const fn = (a: Tensor, b: Tensor) => ({ y: matmul(a, b).sin(), z: a.mul(b).sum() });
    expect(gradgradcheck(fn, [x, w])).toBe(true);
    const [ga] = autograd.grad(fn(x, w).z, [x]);
    expect(Array.from(ga!.dataSync())).toEqual(Array.from(w.dataSync()));
  });
});

describeWebGPU('gradcheck on WebGPU inputs', () => {
  it('says it needs cpu float64 inputs', () => {
    const g = tensor([1, 2], { dtype: 'float32' }).to('webgpu').requiresGrad_();
    expect(() => gradcheck((t) => t.sin(), [g])).toThrow(
      /input #0 is on webgpu\. gradcheck is a float64 tool/,
    );
  });
});
