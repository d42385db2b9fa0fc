/**
 * Complex numbers through the core: dtypes and promotion, creation, the real ↔ complex views,
 * the boundary ops and their gradients in PyTorch's convention (z.grad = ∂L/∂x + i·∂L/∂y for a
 * real loss L of z = x + iy, checked against hand-derived formulas), casts, shape ops, reads,
 * printing and the errors for what is not defined or not supported yet. CPU in complex128 (and
 * complex64), WebGPU in complex64.
 */
import { describe, expect, it, vi } from 'vitest';
import { gradcheck, gradgradcheck } from '../gradcheck/index.js';
import {
  AutogradError,
  angle,
  autograd,
  cat,
  complex,
  complexAbs,
  conj,
  eye,
  full,
  imag,
  linalg,
  ones,
  polar,
  promoteTypes,
  rand,
  randn,
  real,
  stack,
  type Tensor,
  tensor,
  viewAsComplex,
  viewAsReal,
  zeros,
} from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

/** Values as [re, im] pairs, for comparing with toBeCloseTo element by element. */
function pairs(z: Tensor): number[][] {
  const d = z.dataSync();
  const out: number[][] = [];
  for (let i = 0; i < d.length; i += 2) out.push([d[i]!, d[i + 1]!]);
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 10): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

const leaf = (data: number[], dtype: 'complex128' | 'complex64' = 'complex128') =>
  tensor(data, { dtype, requiresGrad: true });

describe('complex dtypes and promotion', () => {
  it('promotes as PyTorch', () => {
    expect(promoteTypes('float32', 'complex64')).toBe('complex64');
    expect(promoteTypes('float64', 'complex64')).toBe('complex128');
    expect(promoteTypes('complex64', 'complex128')).toBe('complex128');
    expect(promoteTypes('int32', 'complex64')).toBe('complex64');
    expect(promoteTypes('int32', 'complex128')).toBe('complex128');
    expect(promoteTypes('float32', 'float64')).toBe('float64');
  });

  it('requiresGrad is allowed on complex, still an error on int32', () => {
    expect(zeros([2], { dtype: 'complex128', requiresGrad: true }).requiresGrad).toBe(true);
    expect(() => zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(
      /only floating-point tensors can require gradients, got int32/,
    );
  });
});

describe('creation', () => {
  it('tensor() from interleaved nested or typed data; the innermost dim halves', () => {
    const z = tensor([[1, 2, 3, 4]], { dtype: 'complex128' });
    expect(z.shape).toEqual([1, 2]);
    expect(z.dtype).toBe('complex128');
    expect(Array.from(z.dataSync())).toEqual([1, 2, 3, 4]);
    const w = tensor(new Float32Array([1, -1, 0.5, 2]), { dtype: 'complex64' });
    expect(w.shape).toEqual([2]);
    expect(w.dataSync()).toBeInstanceOf(Float32Array);
    expect(tensor([1, 2, 3, 4, 5, 6], { dtype: 'complex128', shape: [3] }).shape).toEqual([3]);
    expect(() => tensor([1, 2, 3], { dtype: 'complex128' })).toThrow(RangeError);
    expect(() => tensor(new Float64Array(3), { dtype: 'complex128' })).toThrow(RangeError);
  });

  it('zeros, ones, full, eye: real values with imaginary part 0', () => {
    expect(Array.from(ones([2], { dtype: 'complex128' }).dataSync())).toEqual([1, 0, 1, 0]);
    expect(Array.from(zeros([1], { dtype: 'complex64' }).dataSync())).toEqual([0, 0]);
    expect(Array.from(full([2], 2.5, { dtype: 'complex128' }).dataSync())).toEqual([2.5, 0, 2.5, 0]);
    expect(pairs(eye(2, { dtype: 'complex128' }))).toEqual([
      [1, 0],
      [0, 0],
      [0, 0],
      [1, 0],
    ]);
  });

  it('randn: real and imaginary parts each of variance ½; rand: each uniform in [0, 1)', () => {
    const n = 20000;
    const d = randn([n], { dtype: 'complex128', seed: 3 }).dataSync();
    let re2 = 0;
    let im2 = 0;
    for (let i = 0; i < d.length; i += 2) {
      re2 += d[i]! ** 2;
      im2 += d[i + 1]! ** 2;
    }
    expect(re2 / n).toBeGreaterThan(0.47);
    expect(re2 / n).toBeLessThan(0.53);
    expect(im2 / n).toBeGreaterThan(0.47);
    expect(im2 / n).toBeLessThan(0.53);
    const u = rand([1000], { dtype: 'complex128', seed: 1 }).dataSync();
    expect(u.length).toBe(2000);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const im = Array.from(u).filter((_, i) => i % 2 === 1);
    expect(im.reduce((a, b) => a + b, 0) / im.length).toBeGreaterThan(0.45);
  });

  it('complex(re, im): dtypes, broadcasting, and torch errors', () => {
    const a = complex(tensor([1, 2], { dtype: 'float32' }), tensor([3, 4], { dtype: 'float32' }));
    expect(a.dtype).toBe('complex64');
    const b = complex(tensor([1, 2]), tensor([0.5]));
    expect(b.dtype).toBe('complex128');
    expect(pairs(b)).toEqual([
      [1, 0.5],
      [2, 0.5],
    ]);
    expect(complex(tensor([1], { dtype: 'float32' }), tensor([1])).dtype).toBe('complex128');
    expect(() => complex(tensor(new Int32Array([1])), tensor([1]))).toThrow(
      'complex: expected both inputs to be float or double tensors, got int32 and float64',
    );
    expect(() => complex(b, tensor([1, 1]))).toThrow(
      'complex: expected both inputs to be float or double tensors, got complex128 and float64',
    );
  });

  it('polar(abs, angle) = abs·(cos angle + i sin angle)', () => {
    const z = polar(tensor([2, 1]), tensor([Math.PI / 2, Math.PI]));
    const p = pairs(z);
    expect(p[0]![0]).toBeCloseTo(0, 12);
    expect(p[0]![1]).toBeCloseTo(2, 12);
    expect(p[1]![0]).toBeCloseTo(-1, 12);
    expect(p[1]![1]).toBeCloseTo(0, 12);
  });
});

describe('views, parts and the boundary ops', () => {
  const z = tensor([3, 4, -1, 2, 0, -2], { dtype: 'complex128' });

  it('viewAsReal and viewAsComplex share the interleaved layout', () => {
    const x = viewAsReal(z);
    expect(x.shape).toEqual([3, 2]);
    expect(x.dtype).toBe('float64');
    expect(x.toArray()).toEqual([
      [3, 4],
      [-1, 2],
      [0, -2],
    ]);
    const back = viewAsComplex(x);
    expect(back.dtype).toBe('complex128');
    expect(back.shape).toEqual([3]);
    expect(viewAsReal(tensor([1, 2], { dtype: 'complex64' })).dtype).toBe('float32');
    expect(() => viewAsComplex(tensor([1, 2, 3]))).toThrow(/Tensor must have a last dimension of size 2/);
    expect(() => viewAsComplex(tensor(new Int32Array([1, 2]), { shape: [1, 2] }))).toThrow(TypeError);
    expect(() => viewAsReal(tensor([1, 2]))).toThrow(TypeError);
  });

  it('real, imag, conj, abs, angle, isComplex, mH', () => {
    expect(Array.from(real(z).dataSync())).toEqual([3, -1, 0]);
    expect(Array.from(z.imag().dataSync())).toEqual([4, 2, -2]);
    expect(real(z).dtype).toBe('float64');
    expect(pairs(conj(z))).toEqual([
      [3, -4],
      [-1, -2],
      [0, 2],
    ]);
    expectClose(complexAbs(z).dataSync(), [5, Math.sqrt(5), 2]);
    expectClose(z.angle().dataSync(), [Math.atan2(4, 3), Math.atan2(2, -1), -Math.PI / 2]);
    expectClose(angle(tensor([2, -1, 0])).dataSync(), [0, Math.PI, 0]);
    expect(z.isComplex()).toBe(true);
    expect(tensor([1]).isComplex()).toBe(false);
    expect(tensor([1]).real().dtype).toBe('float64');
    expect(() => tensor([1]).imag()).toThrow(
      'imag: imag is not implemented for tensors with non-complex dtypes',
    );
    const m = tensor([[1, 2, 3, 4]], { dtype: 'complex128' }); // [[1+2i, 3+4i]]
    expect(m.mH.shape).toEqual([2, 1]);
    expect(pairs(m.mH)).toEqual([
      [1, -2],
      [3, -4],
    ]);
  });
});

describe('gradients in PyTorch convention (hand-derived)', () => {
  it('|z|² → 2z', () => {
    const z = leaf([3, 4, -1, 0.5, 0, 0]);
    complexAbs(z).square().sum().backward();
    expect(z.grad!.dtype).toBe('complex128');
    expectClose(z.grad!.dataSync(), [6, 8, -2, 1, 0, 0]);
  });

  it('|z| → z/|z|, and 0 at z = 0 (as torch)', () => {
    const z = leaf([3, 4, 0, 0]);
    complexAbs(z).sum().backward();
    expectClose(z.grad!.dataSync(), [0.6, 0.8, 0, 0]);
  });

  it('Re(z·w) through viewAsReal → conj(w); Im(z·w) → i·conj(w)... as a gradient', () => {
    // z·w = (xu − yv) + i(xv + yu); L = Re: ∂/∂x = u, ∂/∂y = −v → z.grad = u − iv = conj(w).
    const [u, v] = [0.7, -1.3];
    const z = leaf([0.2, 0.9]);
    const xy = viewAsReal(z);
    const x = xy.narrow(-1, 0, 1);
    const y = xy.narrow(-1, 1, 1);
    x.mul(u).sub(y.mul(v)).sum().backward();
    expectClose(z.grad!.dataSync(), [u, -v]);
    // L = Im(z·w) = xv + yu: z.grad = v + iu.
    const z2 = leaf([0.2, 0.9]);
    const xy2 = viewAsReal(z2);
    xy2
      .narrow(-1, 0, 1)
      .mul(v)
      .add(xy2.narrow(-1, 1, 1).mul(u))
      .sum()
      .backward();
    expectClose(z2.grad!.dataSync(), [v, u]);
  });

  it('real, imag: L = Σ a·Re z + b·Im z → z.grad = a + ib', () => {
    const z = leaf([1, 2, 3, 4]);
    real(z)
      .mul(tensor([2, -1]))
      .sum()
      .backward();
    expectClose(z.grad!.dataSync(), [2, 0, -1, 0]);
    const w = leaf([1, 2, 3, 4]);
    imag(w)
      .mul(tensor([5, 7]))
      .sum()
      .backward();
    expectClose(w.grad!.dataSync(), [0, 5, 0, 7]);
  });

  it('conj: L = Im(conj z) = −y → z.grad = −i', () => {
    const z = leaf([1, 2]);
    imag(conj(z)).sum().backward();
    expectClose(z.grad!.dataSync(), [0, -1]);
  });

  it('complex(re, im): re.grad = Re(z.grad), im.grad = Im(z.grad)', () => {
    const re = tensor([1, 2], { requiresGrad: true });
    const im = tensor([3, 4], { requiresGrad: true });
    const c = tensor([
      [0.5, -2],
      [3, 1],
    ]);
    viewAsReal(complex(re, im)).mul(c).sum().backward();
    expectClose(re.grad!.dataSync(), [0.5, 3]);
    expectClose(im.grad!.dataSync(), [-2, 1]);
  });

  it('polar: L = Re + 2·Im of r e^{iθ} → r.grad = cos θ + 2 sin θ, θ.grad = r(−sin θ + 2 cos θ)', () => {
    const r = tensor([2], { requiresGrad: true });
    const th = tensor([0.3], { requiresGrad: true });
    const z = polar(r, th);
    viewAsReal(z)
      .mul(tensor([1, 2]))
      .sum()
      .backward();
    expectClose(r.grad!.dataSync(), [Math.cos(0.3) + 2 * Math.sin(0.3)]);
    expectClose(th.grad!.dataSync(), [2 * (-Math.sin(0.3) + 2 * Math.cos(0.3))]);
  });

  it('angle: ∂atan2(y, x) → z.grad = (−y + ix)/|z|²', () => {
    const z = leaf([3, 4]);
    angle(z).sum().backward();
    expectClose(z.grad!.dataSync(), [-4 / 25, 3 / 25]);
  });

  it('casts: real → complex takes Re of the gradient; complex → real gives imaginary part 0', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const z = x.to('complex128');
    expect(pairs(z)).toEqual([
      [1, 0],
      [2, 0],
    ]);
    viewAsReal(z)
      .mul(tensor([[3, 5]]))
      .sum()
      .backward();
    expectClose(x.grad!.dataSync(), [3, 3]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const w = leaf([1, 2, 3, 4]);
    const r = w.to('float64');
    r.to('float32');
    w.to('float32');
    expect(Array.from(r.dataSync())).toEqual([1, 3]);
    expect(warn.mock.calls.length).toBeLessThanOrEqual(1);
    warn.mockRestore();
    r.mul(tensor([2, 3]))
      .sum()
      .backward();
    expect(w.grad!.dtype).toBe('complex128');
    expectClose(w.grad!.dataSync(), [2, 0, 3, 0]);
    const c64 = w.detach().to('complex64');
    expect(c64.dtype).toBe('complex64');
    expect(Array.from(c64.dataSync())).toEqual([1, 2, 3, 4]);
    expect(c64.to('complex128').dtype).toBe('complex128');
  });

  it('second derivatives: ∇ of Re(∇|z|²) = ∇ Re(2z) = 2', () => {
    const z = leaf([0.5, -1.5]);
    const [g] = autograd.grad(complexAbs(z).square().sum(), z, { createGraph: true });
    expectClose(g!.dataSync(), [1, -3]);
    const [gg] = autograd.grad(real(g!).sum(), z);
    expectClose(gg!.dataSync(), [2, 0]);
    // and of Im(2z): 2i
    const [g2] = autograd.grad(complexAbs(z).square().sum(), z, { createGraph: true });
    const [gg2] = autograd.grad(imag(g2!).sum(), z);
    expectClose(gg2!.dataSync(), [0, 2]);
  });

  it('gradcheck and gradgradcheck through the views (float64 parts)', () => {
    const x = randn([3, 2], { seed: 5, requiresGrad: true });
    const r = randn([3], { seed: 6 }).abs().add(0.5).requiresGrad_();
    const t = randn([3], { seed: 7, requiresGrad: true });
    const fns: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
      ['conj', (a) => viewAsReal(conj(viewAsComplex(a))), [x]],
      ['abs', (a) => complexAbs(viewAsComplex(a)), [x]],
      ['angle', (a) => angle(viewAsComplex(a)), [x]],
      ['real/imag', (a) => real(viewAsComplex(a)).mul(imag(viewAsComplex(a))), [x]],
      ['polar', (a, b) => viewAsReal(polar(a, b)), [r, t]],
      ['complex', (a, b) => viewAsReal(complex(a, b)), [r, t]],
      ['cast', (a) => viewAsReal(a.to('complex128').unsqueeze(0).mT), [r]],
      ['cast back', (a) => viewAsComplex(a).to('float64'), [x]],
    ];
    for (const [name, fn, ins] of fns) {
      expect(gradcheck(fn, ins), name).toBe(true);
      expect(gradgradcheck(fn, ins), name).toBe(true);
    }
  });
});

describe('shape ops and copies over complex (cpu)', () => {
  const z = tensor(
    Array.from({ length: 12 }, (_, i) => i + 1),
    { dtype: 'complex128', shape: [2, 3] },
  );

  it('move (re, im) pairs together', () => {
    expect(pairs(z.transpose(0, 1))).toEqual([
      [1, 2],
      [7, 8],
      [3, 4],
      [9, 10],
      [5, 6],
      [11, 12],
    ]);
    expect(pairs(z.reshape(3, 2)).length).toBe(6);
    expect(pairs(z.narrow(1, 1, 1))).toEqual([
      [3, 4],
      [9, 10],
    ]);
    expect(pairs(z.unsqueeze(0).squeeze(0))).toEqual(pairs(z));
    expect(pairs(z.narrow(0, 0, 1).expand(2, 3))).toEqual([...pairs(z).slice(0, 3), ...pairs(z).slice(0, 3)]);
    expect(pairs(cat([z, z], 0)).length).toBe(12);
    expect(pairs(cat([z.narrow(1, 0, 1), z.narrow(1, 2, 1)], 1))).toEqual([
      [1, 2],
      [5, 6],
      [7, 8],
      [11, 12],
    ]);
    expect(stack([z, z]).shape).toEqual([2, 2, 3]);
    expect(pairs(z.diagonal())).toEqual([
      [1, 2],
      [9, 10],
    ]);
    expect(pairs(z.permute(1, 0)).length).toBe(6);
    expect(pairs(z.tril())).toEqual([
      [1, 2],
      [0, 0],
      [0, 0],
      [7, 8],
      [9, 10],
      [0, 0],
    ]);
    expect(pairs(z.triu(1))).toEqual([
      [0, 0],
      [3, 4],
      [5, 6],
      [0, 0],
      [0, 0],
      [11, 12],
    ]);
    expect(pairs(z.slice(1, 1))).toEqual([
      [3, 4],
      [5, 6],
      [9, 10],
      [11, 12],
    ]);
    expect(pairs(z.flip(1))[0]).toEqual([5, 6]);
    expect(pairs(z.clone())).toEqual(pairs(z));
    expect(z.detach().dtype).toBe('complex128');
  });

  it('gradients flow back through complex shape ops', () => {
    const w = leaf([1, 2, 3, 4]).reshape(2, 1);
    const leafW = w;
    void leafW;
    const a = leaf([1, 2, 3, 4]);
    real(a.reshape(2, 1).transpose(0, 1).narrow(1, 1, 1))
      .sum()
      .backward();
    expectClose(a.grad!.dataSync(), [0, 0, 1, 0]);
  });
});

describe('reads and printing', () => {
  it('dataSync is interleaved; toArray nests [re, im] pairs innermost; item is a TypeError', () => {
    const z = tensor([[1, 2, 3, -1.5]], { dtype: 'complex128' });
    expect(Array.from(z.dataSync())).toEqual([1, 2, 3, -1.5]);
    expect(z.toArray()).toEqual([
      [
        [1, 2],
        [3, -1.5],
      ],
    ]);
    expect(() => tensor([1, 2], { dtype: 'complex128' }).item()).toThrow(
      'item: a complex128 tensor has no single number; read its parts with t.real().item() and t.imag().item()',
    );
  });

  it('prints as torch', () => {
    expect(String(tensor([1, 2, 3, -1.5], { dtype: 'complex64' }))).toBe(
      'tensor([1.+2.0000j, 3.-1.5000j], dtype=complex64)',
    );
    expect(String(tensor([1, 2, 3, -1.5], { dtype: 'complex128' }))).toBe('tensor([1.+2.0000j, 3.-1.5000j])');
    expect(String(tensor([1, 2, 3, 4], { dtype: 'complex128' }))).toBe('tensor([1.+2.j, 3.+4.j])');
    expect(
      String(
        tensor(
          [
            [1, 0],
            [-2, -1],
          ],
          { dtype: 'complex128' },
        ),
      ),
    ).toBe('tensor([[ 1.+0.j],\n        [-2.-1.j]])');
    // Each part has its own mode, as torch 2.13 prints these.
    const show = (v: number[]) => String(tensor(v, { dtype: 'complex128' }));
    expect(show([1, 0.5, 2, -3])).toBe('tensor([1.+0.5000j, 2.-3.0000j])');
    expect(show([1.25, 0.5, 2, -3])).toBe('tensor([1.2500+0.5000j, 2.0000-3.0000j])');
    expect(show([1e-5, 1, 2, 3])).toBe('tensor([1.0000e-05+1.j, 2.0000e+00+3.j])');
    expect(show([1, 1e-5, 2, 3])).toBe('tensor([1.+1.0000e-05j, 2.+3.0000e+00j])');
    expect(show([-1, 2, 10, -1])).toBe('tensor([-1.+2.j, 10.-1.j])');
  });

  it('backward() of a complex scalar is an AutogradError, as torch (no implicit gradient for complex outputs)', () => {
    const w = tensor([1, 2], { dtype: 'complex128', requiresGrad: true });
    expect(() => w.mul(w).sum().backward()).toThrow(AutogradError);
    expect(() => w.mul(w).sum().backward()).toThrow(
      'backward: grad can be implicitly created only for real scalar outputs, but this output is complex128',
    );
    w.mul(w)
      .sum()
      .backward(tensor([1, 0], { dtype: 'complex128', shape: [] }));
    expect(Array.from(w.grad!.dataSync())).toEqual([2, -4]);
  });
});

describe('errors for complex where only real is defined or not supported yet', () => {
  const z = tensor([1, 2, 3, 4], { dtype: 'complex128' });

  it('linalg ops: one message', () => {
    const m = tensor([1, 0, 0, 0, 0, 0, 1, 0], { dtype: 'complex128', shape: [2, 2] });
    expect(() => linalg.inv(m)).toThrow(new TypeError('linalg.inv: complex inputs are not supported yet'));
    expect(() => linalg.det(m)).toThrow('linalg.det: complex inputs are not supported yet');
    expect(() => linalg.solve(m, m)).toThrow('linalg.solve: complex inputs are not supported yet');
    expect(() => linalg.eigh(m)).toThrow('linalg.eigh: complex inputs are not supported yet');
    expect(() => m.inverse()).toThrow('linalg.inv: complex inputs are not supported yet');
  });

  it('comparisons, maximum, minimum: TypeErrors naming the op and dtype', () => {
    for (const [name, f] of [
      ['gt', () => z.gt(z)],
      ['lt', () => z.lt(z)],
      ['ge', () => z.ge(z)],
      ['le', () => z.le(z)],
      ['maximum', () => z.maximum(z)],
      ['minimum', () => z.minimum(z)],
    ] as const) {
      expect(f, name).toThrow(TypeError);
      expect(f, name).toThrow(new RegExp(`^${name}: .*complex`));
    }
    expect(() => z.floor()).toThrow(TypeError);
    expect(() => z.clamp(0, 1)).toThrow(TypeError);
  });

  it('ops without complex kernels raise a TypeError, never a wrong number', () => {
    expect(() => z.erf()).toThrow(TypeError);
    expect(() => z.atan2(z)).toThrow(TypeError);
    expect(() => z.relu()).toThrow(TypeError);
  });
});

describeWebGPU('complex64 on WebGPU', () => {
  it('creation, views, shape ops, casts and reads agree with the cpu', async () => {
    const data = [1, 2, 3, -1.5, 0.5, 4, -2, 0, 7, 1, 2, 2];
    const cz = tensor(data, { dtype: 'complex64', shape: [2, 3] });
    const gz = tensor(data, { dtype: 'complex64', shape: [2, 3], device: 'webgpu' });
    expect(gz.dtype).toBe('complex64');
    expect(await gz.array()).toEqual(cz.toArray());
    const same = async (f: (t: Tensor) => Tensor) => {
      const want = Array.from(f(cz).dataSync());
      const got = Array.from(await f(gz).data());
      expectClose(got, want, 5);
    };
    await same((t) => t.transpose(0, 1));
    await same((t) => t.narrow(1, 1, 2));
    await same((t) => t.reshape(3, 2));
    await same((t) => t.narrow(0, 0, 1).expand(2, 3));
    await same((t) => cat([t, t.narrow(0, 1, 1)], 0));
    await same((t) => stack([t, t], 1));
    await same((t) => t.diagonal());
    await same((t) => t.tril());
    await same((t) => t.triu(1));
    await same((t) => viewAsReal(t));
    await same((t) => viewAsComplex(viewAsReal(t)));
    await same((t) => conj(t));
    await same((t) => real(t));
    await same((t) => imag(t));
    await same((t) => t.clone());
    await same((t) => t.to('float32'));
    await same((t) => real(t).to('complex64'));
    await same((t) => complex(real(t), imag(t)));
    expectClose(await zeros([2], { dtype: 'complex64', device: 'webgpu' }).data(), [0, 0, 0, 0]);
    expectClose(await ones([2], { dtype: 'complex64', device: 'webgpu' }).data(), [1, 0, 1, 0]);
    expect(String(gz.narrow(0, 0, 1).squeeze(0))).toContain('not read yet');
    const moved = cz.to('webgpu');
    expect(moved.dtype).toBe('complex64');
    expect(await moved.array()).toEqual(cz.toArray());
  });

  it('complex128 on webgpu raises the float64 error, naming complex64', () => {
    expect(() => tensor([1, 2], { dtype: 'complex128', device: 'webgpu' })).toThrow(
      /complex128 is not supported on WebGPU.*complex64/,
    );
    expect(() => tensor([1, 2], { dtype: 'complex128' }).to('webgpu')).toThrow(
      /complex128 is not supported on WebGPU.*complex64/,
    );
  });

  it('gradients through the views on webgpu', async () => {
    const z = tensor([3, 4, 1, -1], { dtype: 'complex64', device: 'webgpu', requiresGrad: true });
    real(z)
      .mul(tensor([2, 5], { dtype: 'float32', device: 'webgpu' }))
      .sum()
      .backward();
    expect(z.grad!.dtype).toBe('complex64');
    expectClose(await z.grad!.data(), [2, 0, 5, 0], 5);
  });
});
