import { describe, expect, it } from 'vitest';
import * as lg from '../src/index.js';
import {
  amax,
  amin,
  argmax,
  argmin,
  cumprod,
  cumsum,
  logSoftmax,
  logsumexp,
  max,
  min,
  norm,
  prod,
  softmax,
  std,
  tensor,
  zeros,
} from '../src/index.js';

const L = Math.log(1 + Math.exp(-1)); // log Σ exp(x − max) for [0, −1]

describe('stable exp-sums: exact to the last bit at ±1000', () => {
  it('logsumexp of [1000, 1001] and [-1000, -1001]', () => {
    expect(logsumexp(tensor([1000, 1001])).item()).toBe(1001 + L);
    expect(logsumexp(tensor([-1000, -1001])).item()).toBe(-1000 + L);
  });
  it('softmax of [1000, 1001] and [-1000, -1001]', () => {
    const e = Math.exp(-1);
    expect(softmax(tensor([1000, 1001]), 0).toArray()).toEqual([e / (1 + e), 1 / (1 + e)]);
    expect(softmax(tensor([-1000, -1001]), 0).toArray()).toEqual([1 / (1 + e), e / (1 + e)]);
  });
  it('logSoftmax of [1000, 1001] and [-1000, -1001]', () => {
    expect(logSoftmax(tensor([1000, 1001]), 0).toArray()).toEqual([-1 - L, -L]);
    expect(logSoftmax(tensor([-1000, -1001]), 0).toArray()).toEqual([-L, -1 - L]);
  });
  it('stays finite in float32 and at ±Infinity entries', () => {
    const s = softmax(tensor([1000, 1001], { dtype: 'float32' }), 0).toArray() as number[];
    expect(s.every(Number.isFinite)).toBe(true);
    expect(logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(logsumexp(tensor([Infinity, 0])).item()).toBe(Infinity);
    expect(logsumexp(tensor([[1, 2]]), 1, true).shape).toEqual([1, 1]);
  });
  it('softmax gradient sums to zero along dim', () => {
    const x = tensor([[1000, 1001, 999]], { requiresGrad: true });
    softmax(x, 1)
      .mul(tensor([1, 2, 3]))
      .sum()
      .backward();
    const g = (x.grad!.toArray() as number[][])[0];
    expect(Math.abs(g[0] + g[1] + g[2])).toBeLessThan(1e-15);
  });
});

describe('max, min, amax, amin, argmax, argmin', () => {
  it('max with dim gives values and int32 indices; the gradient goes to the selected entry', () => {
    const x = tensor(
      [
        [1, 5, 5],
        [3, 2, -1],
      ],
      { requiresGrad: true },
    );
    const { values, indices } = max(x, 1);
    expect(values.toArray()).toEqual([5, 3]);
    expect(indices.dtype).toBe('int32');
    expect(indices.toArray()).toEqual([1, 0]);
    values.sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    expect(min(x, 0, true).indices.toArray()).toEqual([[0, 1, 1]]);
    expect(x.max().item()).toBe(5);
    expect(x.min().item()).toBe(-1);
    expect(x.max(-1).values.toArray()).toEqual([5, 3]);
  });
  it('amax/amin share the gradient evenly among ties', () => {
    const x = tensor(
      [
        [1, 5, 5],
        [3, 2, -1],
      ],
      { requiresGrad: true },
    );
    amax(x, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 0.5, 0.5],
      [1, 0, 0],
    ]);
    expect(amin(x).item()).toBe(-1);
    expect(amax(x, [0, 1], true).toArray()).toEqual([[5]]);
  });
  it('max(x)/min(x) without dim share the gradient evenly among ties (as torch.max(x)), with dim pick the first', () => {
    const x = tensor(
      [
        [1, 5, 5],
        [5, 2, -1],
      ],
      { requiresGrad: true },
    );
    max(x).backward();
    const third = 1 / 3;
    expect(x.grad!.toArray()).toEqual([
      [0, third, third],
      [third, 0, 0],
    ]);
    x.grad = null;
    x.max(1).values.sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const y = tensor([2, -1, 4, -1], { requiresGrad: true });
    y.min().mul(3).backward();
    expect(y.grad!.toArray()).toEqual([0, 1.5, 0, 1.5]);
  });
  it("max/min/argmax/argmin of all the elements of an empty tensor: PyTorch's error, which asks for a dim", () => {
    const e = zeros([2, 0]);
    expect(() => max(e)).toThrow(
      "max: Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.",
    );
    expect(() => e.min()).toThrow(/^min: Expected reduction dim to be specified for input\.numel\(\) == 0\./);
    expect(() => argmax(e)).toThrow('argmax: Expected reduction dim to be specified for input.numel() == 0.');
    expect(() => e.argmin(undefined, true)).toThrow(RangeError);
    // Along a dim of nonzero size the result is empty, as in PyTorch; along the empty dim an error.
    expect(max(e, 0).values.shape).toEqual([0]);
    expect(() => max(e, 1)).toThrow(
      'max: Expected reduction dim 1 to have non-zero size (input of shape [2, 0])',
    );
  });
  it('argmax/argmin pick the first extremum; no dim indexes the flattened tensor', () => {
    const x = tensor([
      [1, 5, 5],
      [3, 2, -1],
    ]);
    expect(argmax(x, 1).toArray()).toEqual([1, 0]);
    expect(argmax(x).item()).toBe(1);
    expect(argmin(x).item()).toBe(5);
    expect(argmin(x, 0, true).toArray()).toEqual([[0, 1, 1]]);
    expect(x.argmax(0).dtype).toBe('int32');
    expect(argmax(tensor([1, Number.NaN, 3])).item()).toBe(1);
  });
  it('an empty reduction is an error naming the op, the dim and the shape', () => {
    expect(() => amax(tensor([]).reshape([0, 3]), 0)).toThrow(
      'amax: Expected reduction dim 0 to have non-zero size (input of shape [0, 3])',
    );
    expect(() => max(tensor([[1]]), 2)).toThrow(
      'max: dimension out of range (expected to be in range of [-2, 1], but got 2)',
    );
  });
});

describe('var, std, cumsum, norm', () => {
  it('var/std with correction (default 1)', () => {
    const x = tensor([1, 2, 3, 4]);
    expect(lg.var(x).item()).toBeCloseTo(5 / 3, 14);
    expect(lg.variance(x, 0, { correction: 0 }).item()).toBeCloseTo(1.25, 14);
    expect(std(x, undefined, { correction: 0 }).item()).toBeCloseTo(Math.sqrt(1.25), 14);
    expect(x.var(0, { keepdim: true }).shape).toEqual([1]);
    expect(
      tensor([
        [1, 3],
        [2, 6],
      ])
        .std(1)
        .toArray(),
    ).toEqual([Math.SQRT2, 2 * Math.SQRT2]);
  });
  it('cumsum along a dim, gradient the reversed cumulative sum', () => {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    expect(cumsum(x, 1).toArray()).toEqual([
      [1, 3, 6],
      [4, 9, 15],
    ]);
    expect(x.cumsum(0).toArray()).toEqual([
      [1, 2, 3],
      [5, 7, 9],
    ]);
    cumsum(x, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [3, 2, 1],
      [3, 2, 1],
    ]);
  });
  it('vector norms as torch.linalg.vector_norm', () => {
    const x = tensor([3, 0, -4]);
    expect(norm(x).item()).toBe(5);
    expect(norm(x, 1).item()).toBe(7);
    expect(norm(x, Infinity).item()).toBe(4);
    expect(norm(x, -Infinity).item()).toBe(0);
    expect(norm(x, 0).item()).toBe(2);
    expect(norm(x, 3).item()).toBeCloseTo(91 ** (1 / 3), 14);
    expect(
      tensor([
        [3, 4],
        [6, 8],
      ])
        .norm(2, 1, true)
        .toArray(),
    ).toEqual([[5], [10]]);
    const z = tensor([0, 0], { requiresGrad: true });
    norm(z).backward();
    expect(z.grad!.toArray()).toEqual([0, 0]);
  });
});

describe('prod and cumprod with zeros', () => {
  it('prod: values, and the gradient with one zero and with two', () => {
    const x = tensor([2, 0, 3], { requiresGrad: true });
    expect(prod(x).item()).toBe(0);
    prod(x).backward();
    expect(x.grad!.toArray()).toEqual([0, 6, 0]);
    const y = tensor([0, 5, 0], { requiresGrad: true });
    prod(y).backward();
    expect(y.grad!.toArray()).toEqual([0, 0, 0]);
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ])
        .prod(1)
        .toArray(),
    ).toEqual([2, 12]);
    expect(prod(tensor([1, 2, 3, 4, 5])).item()).toBe(120);
    expect(prod(tensor([]).reshape([0, 2]), 0).toArray()).toEqual([1, 1]);
  });
  it('cumprod: values and gradient through a zero', () => {
    const x = tensor([1, 2, 0, 3], { requiresGrad: true });
    expect(cumprod(x, 0).toArray()).toEqual([1, 2, 0, 0]);
    cumprod(x, 0).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 1, 8, 0]);
    expect(
      tensor([[1, 2, 3]])
        .cumprod(1)
        .toArray(),
    ).toEqual([[1, 2, 6]]);
  });
});
