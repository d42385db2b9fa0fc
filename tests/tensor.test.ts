import { describe, expect, it } from 'vitest';
import {
  arange,
  complex,
  eye,
  full,
  keep,
  ones,
  rand,
  randn,
  setDefaultDtype,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../src/index.js';
import { tensorMethods } from '../src/tensor-methods.js';

describe('tensor creation', () => {
  it('infers shape and defaults JS numbers to float64', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.ndim).toBe(2);
    expect(t.numel).toBe(6);
    expect(t.dtype).toBe('float64');
    expect(t.device).toBe('cpu');
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('honours setDefaultDtype', () => {
    setDefaultDtype('float32');
    try {
      expect(tensor([1]).dtype).toBe('float32');
    } finally {
      setDefaultDtype('float64');
    }
  });

  it('takes typed arrays with a shape, copying them', () => {
    const src = new Float32Array([1, 2, 3, 4]);
    const t = tensor(src, { shape: [2, 2] });
    src[0] = 99;
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(() => tensor(src, { shape: [3] })).toThrow(/needs 3 values but the array has 4/);
  });

  it('makes 0-d tensors and reads them with item()', () => {
    const t = tensor(2.5);
    expect(t.shape).toEqual([]);
    expect(t.item()).toBe(2.5);
    expect(() => tensor([1, 2]).item()).toThrow(/2 elements/);
  });

  it('rejects ragged arrays and odd-length complex data', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
    // Complex data is interleaved (re, im): tests/complex-core.test.ts covers the complex dtypes.
    expect(() => tensor([1], { dtype: 'complex64' })).toThrow(RangeError);
    expect(complex(tensor([1]), tensor([2])).dtype).toBe('complex128');
  });

  it('zeros, ones, full, eye, arange', () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([1, 2]).toArray()).toEqual([[1, 1]]);
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(eye(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(eye(2, 3).shape).toEqual([2, 3]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(zeros([0, 3]).numel).toBe(0);
    expect(() => zeros([-1])).toThrow(/invalid shape/);
  });

  it('randn and rand are reproducible with a seed', () => {
    expect(Array.from(randn([5], { seed: 3 }).dataSync())).toEqual(
      Array.from(randn([5], { seed: 3 }).dataSync()),
    );
    const u = rand([1000], { seed: 1 }).dataSync();
    expect(Math.min(...u)).toBeGreaterThan(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const z = Array.from(randn([20000], { seed: 2 }).dataSync());
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
    // standard errors: mean 1/sqrt(n) = 0.007, variance sqrt(2/n) = 0.01; allow 5 of each
    expect(Math.abs(mean)).toBeLessThan(0.035);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('reading and conversion', () => {
  it('data() and array() resolve on cpu, dataSync copies', async () => {
    const t = tensor([1, 2]);
    expect(Array.from(await t.data())).toEqual([1, 2]);
    expect(await t.array()).toEqual([1, 2]);
    const d = t.dataSync();
    d[0] = 5;
    expect(t.toArray()).toEqual([1, 2]);
  });

  it('to(dtype) converts and promotes like PyTorch', () => {
    const a = tensor([1.5, 2], { dtype: 'float32' });
    expect(a.to('float64').dtype).toBe('float64');
    expect(a.add(tensor([1], { dtype: 'float64' })).dtype).toBe('float64');
    expect(a.mul(2).dtype).toBe('float32'); // numbers do not promote
  });
});

describe('lifecycle', () => {
  it('dispose makes later use an error that explains tidy', () => {
    const t = tensor([1, 2]);
    t.dispose();
    t.dispose(); // idempotent
    expect(t.isDisposed).toBe(true);
    expect(() => t.toArray()).toThrow(/disposed/);
    expect(() => t.add(1)).toThrow(/disposed.*keep/);
  });

  it('using disposes at the end of the block', () => {
    let escaped: Tensor;
    {
      using t = tensor([1]);
      escaped = t;
    }
    expect(escaped.isDisposed).toBe(true);
  });

  it('tidy disposes intermediates and keeps what it returns', () => {
    let inner: Tensor | null = null;
    const out = tidy(() => {
      inner = tensor([1, 2]).mul(2);
      return { y: inner.add(1) };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(out.y.toArray()).toEqual([3, 5]);
  });

  it('tidy keeps what the returned tensor needs for backward', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = tidy(() => x.exp().mul(x).sum());
    y.backward();
    const e = [Math.exp(1), Math.exp(2)];
    expect(x.grad!.toArray()).toEqual([e[0] * 2, e[1] * 3]);
  });

  it('keep() rescues a tensor from tidy, nested scopes hand results outwards', () => {
    let kept: Tensor | null = null;
    const outer = tidy(() => {
      const r = tidy(() => {
        kept = keep(tensor([9]));
        return tensor([1]);
      });
      return r.add(1);
    });
    expect(kept!.toArray()).toEqual([9]);
    expect(outer.toArray()).toEqual([2]);
  });

  it('gradients made inside tidy survive it', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    tidy(() => {
      w.square().sum().backward();
    });
    expect(w.grad!.toArray()).toEqual([2, 4]);
  });

  it('tidy rejects async functions', () => {
    expect(() => tidy((async () => tensor(1)) as never)).toThrow(/Promise/);
  });
});

describe('conj and mH', () => {
  it('conj is the tensor itself for real dtypes, and mH is conj().mT', () => {
    for (const dtype of ['float64', 'float32', 'int32'] as const) {
      const a = randn([2, 3, 4], { seed: 1 }).to(dtype);
      expect(a.conj()).toBe(a);
      expect(a.mH.shape).toEqual([2, 4, 3]);
      expect(Array.from(a.mH.dataSync())).toEqual(Array.from(a.mT.dataSync()));
    }
  });

  it('mH is differentiable like mT', () => {
    const a = randn([3, 2], { seed: 2 }).requiresGrad_();
    const w = randn([2, 3], { seed: 3 });
    a.mH.mul(w).sum().backward();
    expect(a.mH.gradFn).toBe(a.mT.gradFn);
    expect(Array.from(a.grad!.dataSync())).toEqual(Array.from(w.mT.dataSync()));
  });
});

describe('the op methods (src/tensor-methods.ts)', () => {
  it('sit on Tensor.prototype as class methods do: writable, configurable, not enumerable', () => {
    const proto = Object.getPrototypeOf(tensor([1])) as object;
    const classMethod = Object.getOwnPropertyDescriptor(proto, 'toArray')!;
    expect(classMethod).toMatchObject({ writable: true, enumerable: false, configurable: true });
    for (const name of Object.keys(tensorMethods)) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      expect(d, name).toEqual({ ...classMethod, value: tensorMethods[name as keyof typeof tensorMethods] });
      expect((d!.value as { name: string }).name, name).toBe(name);
    }
    expect(Object.keys(tensorMethods)).toEqual(
      expect.arrayContaining(['add', 'max', 'min', 'kron', 'inverse']),
    );
    const seen: string[] = [];
    for (const k in tensor([1])) seen.push(k);
    expect(seen).not.toContain('add');
    expect(Object.keys(proto)).toEqual([]);
  });

  it('keep their overloads and defaults: max/min with and without dim, keepdim false', () => {
    const x = tensor([
      [1, 5],
      [7, 3],
    ]);
    expect(x.max().item()).toBe(7);
    expect(x.min().item()).toBe(1);
    const { values, indices } = x.max(1);
    expect(values.toArray()).toEqual([5, 7]);
    expect(indices.toArray()).toEqual([1, 0]);
    expect(x.min(0, true).values.shape).toEqual([1, 2]);
    expect(x.sum(0).shape).toEqual([2]);
    expect(x.reshape(4).shape).toEqual([4]);
    expect(x.reshape([1, 4]).shape).toEqual([1, 4]);
  });
});
