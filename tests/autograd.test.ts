import { describe, expect, it } from 'vitest';
import { AutogradError, autograd, enableGrad, isGradEnabled, noGrad, ones, tensor } from '../src/index.js';

const close = (a: number, b: number, tol = 1e-12) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('backward engine', () => {
  it('sums both paths of a diamond graph (one value used twice)', () => {
    const x = tensor(3, { requiresGrad: true });
    const a = x.mul(2); // da/dx = 2
    const b = a.mul(a); // uses a twice
    const c = a.exp();
    const y = b.add(c); // y = 4x^2 + e^{2x}
    y.backward();
    close(x.grad!.item(), 8 * 3 + 2 * Math.exp(6));
  });

  it('walks a 10,000-node chain without overflowing the stack', () => {
    const x = tensor(1, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 10_000; i++) y = y.mul(1.0001);
    y.backward();
    close(x.grad!.item(), 1.0001 ** 10_000, 1e-9);
  });

  it('accumulates into .grad across backward calls, as PyTorch does', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.square().sum().backward();
    x.square().sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 8, 12]);
  });

  it('refuses a second backward through a freed graph and names retainGraph', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = x.exp().mul(x);
    y.backward();
    expect(() => y.backward()).toThrow(/retainGraph/);
  });

  it('allows a second backward with retainGraph', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = x.exp().mul(x);
    y.backward(undefined, { retainGraph: true });
    y.backward();
    close(x.grad!.item(), 2 * (Math.exp(2) + 2 * Math.exp(2)));
  });

  it('gives the third derivative of x^3 through createGraph', () => {
    const x = tensor(1.5, { requiresGrad: true });
    const y = x.pow(3);
    const [d1] = autograd.grad(y, x, { createGraph: true });
    const [d2] = autograd.grad(d1!, x, { createGraph: true });
    const [d3] = autograd.grad(d2!, x);
    close(d1!.item(), 3 * 1.5 ** 2);
    close(d2!.item(), 6 * 1.5);
    close(d3!.item(), 6);
  });

  it('runs leaf hooks and lets them replace the gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(Array.from(g.dataSync()));
      return g.mul(10);
    });
    x.mul(3).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(x.grad!.toArray()).toEqual([30, 30]);
  });

  it('runs hooks on non-leaf tensors and retainGrad keeps their gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    h.retainGrad();
    h.registerHook((g) => g.mul(-1));
    h.square().sum().backward();
    // dL/dh = 2h = [4, 8]; hooks run in registration order: retainGrad sees [4, 8], the next negates.
    expect(h.grad!.toArray()).toEqual([4, 8]);
    expect(x.grad!.toArray()).toEqual([-8, -16]);
  });

  it('autograd.grad leaves .grad untouched and supports allowUnused', () => {
    const x = tensor(2, { requiresGrad: true });
    const z = tensor(5, { requiresGrad: true });
    const y = x.square();
    const [gx, gz] = autograd.grad(y, [x, z], { allowUnused: true });
    expect(gx!.item()).toBe(4);
    expect(gz).toBeNull();
    expect(x.grad).toBeNull();
    expect(() => autograd.grad(x.square(), [z])).toThrow(/allowUnused/);
  });

  it('autograd.grad returns gradients for non-leaf inputs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const y = h.square().sum();
    const [gh] = autograd.grad(y, h);
    expect(gh!.toArray()).toEqual([6, 12]);
  });

  it('undoes broadcasting once in the engine', () => {
    const a = tensor([[1, 2, 3]], { requiresGrad: true }); // [1, 3]
    const b = tensor([[1], [2]], { requiresGrad: true }); // [2, 1]
    a.mul(b).sum().backward();
    expect(a.grad!.toArray()).toEqual([[3, 3, 3]]);
    expect(b.grad!.toArray()).toEqual([[6], [6]]);
  });

  it('requires a gradient for non-scalar outputs and explains how to pass one', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/scalar outputs.*pass a gradient/);
    x.mul(2).backward(ones([2]));
    expect(x.grad!.toArray()).toEqual([2, 2]);
    expect(() => x.mul(2).backward(ones([3]))).toThrow(/shape/);
  });

  it('rejects backward of a tensor that does not require grad', () => {
    expect(() => tensor(1).backward()).toThrow(AutogradError);
  });

  it('noGrad stops recording, enableGrad restores it inside', () => {
    const x = tensor(1, { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const z = enableGrad(() => x.mul(2));
      expect(z.gradFn).toBe('mul');
    });
    expect(isGradEnabled()).toBe(true);
  });

  it('detach cuts the graph', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = x.mul(x.detach());
    y.backward();
    expect(x.grad!.item()).toBe(2);
  });

  it('mixes float32 and float64 with promotion, and the gradient keeps the leaf dtype', () => {
    const a = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const b = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
    const y = a.mul(b);
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(b.grad!.dtype).toBe('float64');
    expect(Array.from(a.grad!.dataSync())).toEqual([3, 4]);
  });

  it('only leaves can stop requiring grad, and only float tensors can require it', () => {
    const x = tensor(1, { requiresGrad: true });
    expect(() => x.mul(2).requiresGrad_(false)).toThrow(/not a leaf/);
    expect(() => tensor([1], { dtype: 'int32' }).requiresGrad_()).toThrow(/floating-point/);
  });
});
