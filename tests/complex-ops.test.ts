/**
 * Complex elementwise ops, where, sum/mean and matmul over ℂ: values against hand-computed
 * numbers, gradients in PyTorch's convention (z.grad = ∂L/∂x + i·∂L/∂y for a real loss L of
 * z = x + iy) on hand-derived cases, gradcheck / gradgradcheck / forward mode for every op on
 * complex128 CPU, complex64 WebGPU agreement with the CPU, and the errors for ops that are not
 * defined over ℂ.
 */
import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../gradcheck/index.js';
import { eps } from '../gradcheck/tolerance.js';
import { complexElementwiseCpu } from '../src/backends/cpu/elementwise-complex.js';
import {
  angle,
  applyOp,
  atan,
  atan2,
  autograd,
  ceil,
  clamp,
  complex,
  conj,
  defineOp,
  erf,
  expm1,
  floor,
  gelu,
  log1p,
  matmul,
  mean,
  relu,
  round,
  rsqrt,
  sigmoid,
  silu,
  softplus,
  sum,
  type Tensor,
  tan,
  tensor,
  where,
} from '../src/index.js';
import { binaryOps } from '../src/ops/elementwise.js';
import { describeWebGPU } from './helpers/webgpu.js';

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-10): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(
      Math.abs(actual[i]! - expected[i]!),
      `element ${i}: ${actual[i]} vs ${expected[i]}`,
    ).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
  }
}

const c128 = (data: number[], shape?: number[]) =>
  tensor(data, { dtype: 'complex128', ...(shape ? { shape } : {}) });
const leaf = (data: number[], shape?: number[]) => c128(data, shape).requiresGrad_();

// Interleaved (re, im) data: away from 0 and from the negative real axis (log, sqrt, pow's cut).
const Z = [0.7, 0.4, 1.3, -0.6, 0.5, 1.1];
const W = [-0.8, 0.3, 0.6, 0.9, 1.2, -0.5];
const R = [0.9, -1.4, 0.35];

describe('complex elementwise values (cpu)', () => {
  it('arithmetic, functions, sgn, abs, angle, conj and where', () => {
    const z = c128([3, 4, -1, 0.5]);
    const w = c128([1, -1, 2, 0.25]);
    expectClose(z.add(w).dataSync(), [4, 3, 1, 0.75]);
    expectClose(z.sub(w).dataSync(), [2, 5, -3, 0.25]);
    expectClose(z.mul(w).dataSync(), [7, 1, -2.125, 0.75]);
    // (3 + 4i)/(1 − i) = (3 + 4i)(1 + i)/2 = (−1 + 7i)/2
    expectClose(z.div(w).dataSync().slice(0, 2), [-0.5, 3.5]);
    expectClose(z.neg().dataSync(), [-3, -4, 1, -0.5]);
    expectClose(z.square().dataSync(), [-7, 24, 0.75, -1]);
    expectClose(z.reciprocal().dataSync().slice(0, 2), [3 / 25, -4 / 25]);
    expectClose(z.sqrt().dataSync().slice(0, 2), [2, 1]);
    expectClose(z.exp().dataSync().slice(0, 2), [Math.exp(3) * Math.cos(4), Math.exp(3) * Math.sin(4)]);
    expectClose(z.log().dataSync().slice(0, 2), [Math.log(5), Math.atan2(4, 3)]);
    expectClose(z.sin().dataSync().slice(0, 2), [Math.sin(3) * Math.cosh(4), Math.cos(3) * Math.sinh(4)]);
    expectClose(z.cos().dataSync().slice(0, 2), [Math.cos(3) * Math.cosh(4), -Math.sin(3) * Math.sinh(4)]);
    const t = c128([0.5, 0.25]).tanh().dataSync();
    const d = Math.cosh(1) + Math.cos(0.5);
    expectClose(t, [Math.sinh(1) / d, Math.sin(0.5) / d]);
    expectClose(
      z
        .pow(c128([2, 0]))
        .dataSync()
        .slice(0, 2),
      [-7, 24],
      1e-12,
    );
    expectClose(z.pow(2).dataSync().slice(0, 2), [-7, 24], 1e-12);
    expectClose(c128([3, 4, 0, 0]).sign().dataSync(), [0.6, 0.8, 0, 0]);
    const a = z.abs();
    expect(a.dtype).toBe('float64');
    expectClose(a.dataSync(), [5, Math.hypot(1, 0.5)]);
    const th = angle(z);
    expect(th.dtype).toBe('float64');
    expectClose(th.dataSync(), [Math.atan2(4, 3), Math.atan2(0.5, -1)]);
    expectClose(conj(z).dataSync(), [3, -4, -1, -0.5]);
    expectClose(where(tensor([1, 0]), z, w).dataSync(), [3, 4, 2, 0.25]);
    expectClose(where(tensor([0, 1]), z, 0).dataSync(), [0, 0, -1, 0.5]);
    expectClose(z.eq(c128([3, 4, -1, 0])).dataSync(), [1, 0]);
    expectClose(z.ne(c128([3, 4, -1, 0])).dataSync(), [0, 1]);
  });

  it('mixed real and complex operands promote as PyTorch', () => {
    const z64 = tensor([1, 2], { dtype: 'complex64' });
    expect(z64.add(tensor([1], { dtype: 'float32' })).dtype).toBe('complex64');
    expect(z64.add(tensor([1], { dtype: 'float64' })).dtype).toBe('complex128');
    expect(z64.mul(2).dtype).toBe('complex64');
    expect(tensor([2], { dtype: 'int32' }).mul(z64).dtype).toBe('complex64');
    expectClose(
      tensor([2])
        .mul(c128([1, 2]))
        .dataSync(),
      [2, 4],
    );
    expectClose(where(tensor([1]), tensor([5]), c128([1, 2])).dataSync(), [5, 0]);
    expect(
      matmul(
        tensor([[1, 2]], { dtype: 'float32' }),
        tensor([1, 0, 0, 1], { dtype: 'complex64', shape: [2, 1] }),
      ).dtype,
    ).toBe('complex64');
  });

  it('sum and mean: full, over dims, keepdim', () => {
    const z = c128([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3]);
    expectClose(sum(z).dataSync(), [36, 42]);
    expectClose(sum(z, 0).dataSync(), [8, 10, 12, 14, 16, 18]);
    expectClose(sum(z, 1, true).dataSync(), [9, 12, 27, 30]);
    expect(sum(z, 1, true).shape).toEqual([2, 1]);
    expectClose(mean(z).dataSync(), [6, 7]);
    expectClose(mean(z, [0, 1]).dataSync(), [6, 7]);
    expectClose(mean(z, 0).dataSync(), [4, 5, 6, 7, 8, 9]);
  });

  it('matmul: complex GEMM, matrix-vector and broadcast batches', () => {
    // [[1+i, 2], [0, i]] · [1, 1−i] = [1+i + 2 − 2i, i(1 − i)] = [3 − i, 1 + i]
    const A = c128([1, 1, 2, 0, 0, 0, 0, 1], [2, 2]);
    const v = c128([1, 0, 1, -1]);
    expectClose(matmul(A, v).dataSync(), [3, -1, 1, 1]);
    const B = c128(
      Array.from({ length: 24 }, (_, i) => Math.sin(i + 1)),
      [3, 2, 2],
    );
    const C = matmul(B, A);
    expect(C.shape).toEqual([3, 2, 2]);
    expectClose(C.narrow(0, 1, 1).squeeze(0).dataSync(), matmul(B.narrow(0, 1, 1).squeeze(0), A).dataSync());
  });
});

describe("gradients in PyTorch's convention (hand-derived)", () => {
  it('|z|² → 2z, by abs and by z·conj(z)', () => {
    const z = leaf([3, 4, -1, 0.5]);
    z.abs().square().sum().backward();
    expectClose(z.grad!.dataSync(), [6, 8, -2, 1]);
    const z2 = leaf([3, 4, -1, 0.5]);
    z2.mul(conj(z2)).real().sum().backward();
    expectClose(z2.grad!.dataSync(), [6, 8, -2, 1]);
  });

  it('Re(z·w) → conj(w); a complex tensor used twice: Re(z² + z) → conj(2z + 1)', () => {
    const z = leaf([3, 4, -1, 0.5]);
    const w = c128([1, -1, 2, 0.25]);
    z.mul(w).real().sum().backward();
    expectClose(z.grad!.dataSync(), [1, 1, 2, -0.25]);
    const u = leaf([3, 4, -1, 0.5]);
    u.mul(u).add(u).real().sum().backward();
    expectClose(u.grad!.dataSync(), [7, -8, -1, -1]);
  });

  it('|exp(z)| = e^x → e^x + 0i; Im(exp(z)) = e^x sin y → e^x (sin y + i cos y)', () => {
    const z = leaf([0.3, 1.2, -0.5, -2]);
    z.exp().abs().sum().backward();
    expectClose(z.grad!.dataSync(), [Math.exp(0.3), 0, Math.exp(-0.5), 0]);
    const z2 = leaf([0.3, 1.2]);
    z2.exp().imag().sum().backward();
    expectClose(z2.grad!.dataSync(), [Math.exp(0.3) * Math.sin(1.2), Math.exp(0.3) * Math.cos(1.2)]);
  });

  it('angle → i·z/|z|² = (−y + ix)/|z|²; abs and angle have gradient 0 at 0', () => {
    const z = leaf([3, 4, 0, 0]);
    angle(z).sum().backward();
    expectClose(z.grad!.dataSync(), [-4 / 25, 3 / 25, 0, 0]);
    const z2 = leaf([3, 4, 0, 0]);
    z2.abs().sum().backward();
    expectClose(z2.grad!.dataSync(), [0.6, 0.8, 0, 0]);
  });

  it('sgn: Re(sgn z) = x/|z| → (y², −xy)/|z|³', () => {
    const z = leaf([3, 4]);
    z.sign().real().sum().backward();
    expectClose(z.grad!.dataSync(), [16 / 125, -12 / 125]);
  });

  it('mixed real × complex: the real input gets a real gradient', () => {
    const x = tensor(R).requiresGrad_();
    const w = c128(W);
    x.mul(w).real().sum().backward();
    expect(x.grad!.dtype).toBe('float64');
    expectClose(x.grad!.dataSync(), [W[0]!, W[2]!, W[4]!]);
    const y = tensor(R).requiresGrad_();
    y.mul(w).imag().sum().backward();
    expectClose(y.grad!.dataSync(), [W[1]!, W[3]!, W[5]!]);
  });

  it('a broadcast complex operand sums its gradient back (sumTo over ℂ)', () => {
    const z = leaf([1, 2, 3, 4]);
    const w = c128([1, 0, 0, 1, 2, -1, 0.5, 0.5], [2, 2]);
    // L = Re Σ z_j w_ij = Σ_j Re(z_j (w_0j + w_1j)) → z.grad_j = conj(w_0j + w_1j)
    z.mul(w).real().sum().backward();
    expectClose(z.grad!.dataSync(), [3, 1, 0.5, -1.5]);
  });

  it('sum backward expands g; matmul: gA = G·Bᴴ', () => {
    const z = leaf([1, 2, 3, 4]);
    const [g] = autograd.grad(
      sum(z)
        .mul(c128([0, 1]))
        .real(),
      z,
    );
    // L = Re(i·Σz) = −Σy: ∂L/∂y = −1 → z.grad = −i
    expectClose(g!.dataSync(), [0, -1, 0, -1]);
    const A = leaf([1, 1, 2, 0, 0, 0, 0, 1], [2, 2]);
    const B = c128([1, -1, 0.5, 2, 3, 0, -1, 1], [2, 2]);
    matmul(A, B).real().sum().backward();
    const want = matmul(tensor([1, 0, 1, 0, 1, 0, 1, 0], { dtype: 'complex128', shape: [2, 2] }), B.mH);
    expectClose(A.grad!.dataSync(), want.dataSync());
  });

  it('second derivatives: ∇ Re(z³) = conj(3z²), then ∇ Re(conj(3z²)) = conj(6z)', () => {
    const z = leaf([0.5, -1.5]);
    const [g] = autograd.grad(z.pow(3).real().sum(), z, { createGraph: true });
    // ∇ Re(z³) = conj(3z²)
    const z2 = [0.5 * 0.5 - 1.5 * 1.5, 2 * 0.5 * -1.5];
    expectClose(g!.dataSync(), [3 * z2[0]!, -3 * z2[1]!]);
    // Re(conj(3z²)) = Re(3z²) → gradient conj(6z)
    const [gg] = autograd.grad(g!.real().sum(), z);
    expectClose(gg!.dataSync(), [3, 9]);
  });
});

type Fn = (...xs: Tensor[]) => Tensor;
const z = () => leaf(Z);
const w = () => leaf(W);
const r = () => tensor(R).requiresGrad_();
/** Every op wired over ℂ, with complex128 inputs (the mixed cases with a real one). */
const CASES: [string, Fn, () => Tensor[]][] = [
  ['add', (a, b) => a.add(b), () => [z(), w()]],
  ['sub', (a, b) => a.sub(b), () => [z(), w()]],
  ['mul', (a, b) => a.mul(b), () => [z(), w()]],
  ['div', (a, b) => a.div(b), () => [z(), w()]],
  ['pow', (a, b) => a.pow(b), () => [z(), w()]],
  ['pow (number)', (a) => a.pow(3), () => [z()]],
  ['neg', (a) => a.neg(), () => [z()]],
  ['square', (a) => a.square(), () => [z()]],
  ['reciprocal', (a) => a.reciprocal(), () => [z()]],
  ['sqrt', (a) => a.sqrt(), () => [z()]],
  ['exp', (a) => a.exp(), () => [z()]],
  ['log', (a) => a.log(), () => [z()]],
  ['sin', (a) => a.sin(), () => [z()]],
  ['cos', (a) => a.cos(), () => [z()]],
  ['tanh', (a) => a.tanh(), () => [z()]],
  ['sign', (a) => a.sign(), () => [z()]],
  ['log1p', (a) => log1p(a), () => [z()]],
  ['expm1', (a) => expm1(a), () => [z()]],
  ['tan', (a) => tan(a), () => [z()]],
  ['atan', (a) => atan(a), () => [z()]],
  ['rsqrt', (a) => rsqrt(a), () => [z()]],
  ['sigmoid', (a) => sigmoid(a), () => [z()]],
  ['silu', (a) => silu(a), () => [z()]],
  ['conj', (a) => conj(a), () => [z()]],
  ['abs', (a) => a.abs(), () => [z()]],
  ['angle', (a) => angle(a), () => [z()]],
  ['where', (a, b) => where(a.real().gt(0.6), a, b), () => [z(), w()]],
  ['sum', (a) => sum(a.reshape([3, 1]), 0, true), () => [z()]],
  ['mean', (a) => mean(a), () => [z()]],
  ['matmul', (a, b) => matmul(a.reshape([3, 1]), b.reshape([1, 3])), () => [z(), w()]],
  ['matmul (dot)', (a, b) => matmul(a, b), () => [z(), w()]],
  ['mul (real × complex)', (a, b) => a.mul(b), () => [r(), w()]],
  ['add (complex + real)', (a, b) => a.add(b), () => [z(), r()]],
  ['div (real / complex)', (a, b) => a.div(b), () => [r(), w()]],
  ['matmul (real × complex)', (a, b) => matmul(a.reshape([3, 1]), b.reshape([1, 3])), () => [r(), w()]],
  ['z used twice', (a) => a.mul(a).add(a.exp()), () => [z()]],
];

describe('special functions and activations over ℂ against torch (complex128)', () => {
  // torch 2.13 at Z: values, and z.grad of Im f(z) + ½ Re f(z) (torch's silu has no complex
  // backward; ours is g·conj(f′) as the others).
  const TORCH: [string, Fn, number[], number[] | null][] = [
    [
      'log1p',
      log1p,
      [
        0.55757079530966, 0.231090667195897, 0.865827772579175, -0.255182390620818, 0.620634294534817,
        0.632748835002183,
      ],
      [
        0.147540983606557, 0.622950819672131, 0.309734513274336, 0.353982300884956, -0.101156069364162,
        0.592485549132948,
      ],
    ],
    [
      'expm1',
      expm1,
      [
        0.854789070418758, 0.78419224116271, 2.02840122145556, -2.07184074602469, -0.252146426298573,
        1.4693525311378,
      ],
      [
        1.71158677637209, 1.4626929498374, -0.55764013529691, 4.06432159446791, 1.84327931798851,
        0.0131773081325292,
      ],
    ],
    [
      'tan',
      tan,
      [
        0.653740456541445, 0.589163295279733, 0.540489943955583, -1.5826314496645, 0.164729108678656,
        0.872537467464817,
      ],
      [
        1.31045136127434, 0.695103314380507, -2.31708923003805, -0.357196542418546, 0.420371662166496,
        0.122081727811936,
      ],
    ],
    [
      'atan',
      atan,
      [
        0.662908831834016, 0.264651738513603, 0.977306975041733, -0.207933335961523, 1.00096753375684,
        0.721522274026041,
      ],
      [
        0.0504201680672269, 0.773109243697479, 0.346581875993641, 0.197138314785374, -0.891383294816771,
        0.486959392538792,
      ],
    ],
    [
      'rsqrt',
      rsqrt,
      [
        1.0763991877587, -0.285853344364735, 0.816264858129086, 0.179281837209132, 0.764876343609549,
        -0.492514027809214,
      ],
      [
        0.239298437935536, -0.734205078280454, -0.292588514602558, -0.144429893077481, 0.39975500728349,
        -0.131672341490477,
      ],
    ],
    [
      'sigmoid',
      sigmoid,
      [
        0.674288494774719, 0.0894708607027231, 0.803689321643769, -0.100964238649304, 0.664776127875779,
        0.281809673541725,
      ],
      [
        0.0826267944758721, 0.243222297142125, 0.145306808994164, 0.137304812259894, 0.0582617462836937,
        0.348701026588102,
      ],
    ],
    [
      'silu',
      silu,
      [
        0.436213602061214, 0.332345000401794, 0.984217574947317, -0.613467103230356, 0.0223974230419917,
        0.87215857743422,
      ],
      null,
    ],
  ];
  for (const [name, f, want, grad] of TORCH) {
    it(name, () => {
      const a = z();
      const y = f(a);
      expect(y.dtype).toBe('complex128');
      expectClose(y.dataSync(), want, 1e-13);
      y.imag().sum().add(y.real().sum().mul(0.5)).backward();
      if (grad) expectClose(a.grad!.dataSync(), grad, 1e-13);
    });
  }
});

describe('gradcheck, gradgradcheck and forward mode over ℂ (complex128, cpu)', () => {
  for (const [name, fn, ins] of CASES) {
    it(name, () => {
      expect(gradcheck(fn, ins(), { checkForwardAd: true })).toBe(true);
      expect(gradgradcheck(fn, ins())).toBe(true);
    });
  }

  it('planted bugs in a complex backward are caught: a missing conjugate, swapped parts', () => {
    // exp over ℂ with a chosen backward: the correct g·conj(eᶻ) passes, the others fail.
    const expWith = (backward: (g: Tensor, out: Tensor) => Tensor): Fn => {
      const op = defineOp<undefined>({
        name: 'plantedComplexExp',
        infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
        cpu: (ins, [out]) => complexElementwiseCpu('exp', ins, out!),
        webgpu: () => {
          throw new Error('cpu only');
        },
        backward: (c, [g]) => [backward(g!, c.outputs[0]!)],
      });
      return (a) => applyOp(op, [a], undefined)[0]!;
    };
    const good = expWith((g, out) => g.mul(out.conj()));
    const noConj = expWith((g, out) => g.mul(out));
    const swapped = expWith((g, out) => {
      const v = g.mul(out.conj());
      return complex(v.imag(), v.real());
    });
    expect(gradcheck(good, [z()])).toBe(true);
    expect(gradcheck(noConj, [z()], { raiseException: false })).toBe(false);
    expect(gradcheck(swapped, [z()], { raiseException: false })).toBe(false);
  });
});

describe('errors for ops not defined over ℂ', () => {
  const zc = c128([1, 2, 3, 4]);
  it("PyTorch's wording", () => {
    expect(() => zc.gt(zc)).toThrow(
      new TypeError(
        'gt: gt is not supported for complex tensors (complex numbers are not ordered), got complex128 of shape [2]',
      ),
    );
    expect(() => zc.maximum(zc)).toThrow(
      new TypeError('maximum: maximum not implemented for complex tensors, got complex128 of shape [2]'),
    );
    expect(() => zc.clamp(0, 1)).toThrow(
      new TypeError('clamp: clamp is not supported for complex types, got complex128 of shape [2]'),
    );
    expect(() => zc.relu()).toThrow(TypeError);
    // The real-only activations and special functions: torch's wording (relu clamps; erf, atan2,
    // gelu and softplus have no complex kernels in torch).
    const got = ', got complex128 of shape [2]';
    const realOnly: [string, () => unknown, string][] = [
      ['relu', () => relu(zc), 'relu: clamp is not supported for complex types'],
      ['erf', () => erf(zc), 'erf: erf not implemented for complex tensors'],
      ['atan2', () => atan2(zc, zc), 'atan2: atan2 not implemented for complex tensors'],
      [
        'atan2 (real, complex)',
        () => atan2(tensor([1, 2]), zc),
        'atan2: atan2 not implemented for complex tensors',
      ],
      ['gelu', () => gelu(zc), 'gelu: gelu not implemented for complex tensors'],
      ['gelu tanh', () => gelu(zc, 'tanh'), 'gelu: gelu not implemented for complex tensors'],
      ['softplus', () => softplus(zc), 'softplus: softplus not implemented for complex tensors'],
      ['floor', () => floor(zc), 'floor: floor is not supported for complex inputs'],
      ['ceil', () => ceil(zc), 'ceil: ceil is not supported for complex inputs'],
      ['round', () => round(zc), 'round: round is not supported for complex inputs'],
      ['clamp', () => clamp(zc, null, 1), 'clamp: clamp is not supported for complex types'],
      ['minimum', () => zc.minimum(zc), 'minimum: minimum not implemented for complex tensors'],
      [
        'lt',
        () => zc.lt(zc),
        'lt: lt is not supported for complex tensors (complex numbers are not ordered)',
      ],
      [
        'ge',
        () => zc.ge(zc),
        'ge: ge is not supported for complex tensors (complex numbers are not ordered)',
      ],
      [
        'le',
        () => zc.le(zc),
        'le: le is not supported for complex tensors (complex numbers are not ordered)',
      ],
    ];
    for (const [name, f, msg] of realOnly) expect(f, name).toThrow(new TypeError(msg + got));
    // The kernels take one dtype: an OpDef applied to mixed operands directly (not through add)
    // is an error, never a misread of real data as (re, im) pairs.
    expect(() => applyOp(binaryOps.add, [zc, tensor([1, 2])], undefined)).toThrow(
      new TypeError('add: expected operands of one complex dtype, got complex128, float64; cast them first'),
    );
    expect(() => where(zc, zc, zc)).toThrow(
      new TypeError('where: expected a real condition (float32, float64 or int32), got complex128'),
    );
  });
});

describeWebGPU('complex64 on WebGPU agrees with the cpu', () => {
  // Elementwise results within a few f32 ulps of the complex64 CPU result (computed in double,
  // rounded on store); the matmul and sums accumulate over at most 3 terms.
  const tol = 64 * eps('float32');
  const onBoth = async (fn: Fn, mk: () => Tensor[]) => {
    const cpu = mk().map((t) =>
      t
        .detach()
        .to(t.isComplex() ? 'complex64' : 'float32')
        .requiresGrad_(),
    );
    const gpu = cpu.map((t) => t.detach().to('webgpu').requiresGrad_());
    const yc = fn(...cpu);
    const yg = fn(...gpu);
    expect(yg.dtype).toBe(yc.dtype);
    expectClose(await yg.data(), yc.dataSync(), tol);
    const loss = (y: Tensor) => (y.isComplex() ? y.real().sum().add(y.imag().mul(0.5).sum()) : y.sum());
    loss(yc).backward();
    loss(yg).backward();
    for (let i = 0; i < cpu.length; i++)
      expectClose(await gpu[i]!.grad!.data(), cpu[i]!.grad!.dataSync(), tol);
  };
  for (const [name, fn, ins] of CASES) {
    it(name, async () => {
      await onBoth(fn, ins);
    });
  }
});
