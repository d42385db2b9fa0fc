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

describe('reductions over ℂ: values and gradients as torch 2.13 gives them', () => {
  // z = [[1+2i, 3−i], [0.5+0.2i, −2+i]], complex128.
  const z = () => tensor([1, 2, 3, -1, 0.5, 0.2, -2, 1], { dtype: 'complex128', shape: [2, 2] });
  const pairs = (t: lg.Tensor) => Array.from(t.dataSync());
  const close = (got: number[], want: number[], digits = 12) => {
    expect(got.length).toBe(want.length);
    for (const [i, g] of got.entries()) expect(g, `element ${i}`).toBeCloseTo(want[i], digits);
  };

  it('logsumexp: the principal log of Σ exp(z), stable at |Re z| = 1000, the gradient g·conj(softmax)', () => {
    close(
      pairs(logsumexp(z(), 1)),
      [2.856394780842109, -0.977950346200897, 0.557162436239561, 0.255641313115501],
    );
    const big = tensor([1000, 1, 1000, -2, -1000, 5], { dtype: 'complex128' });
    close(pairs(logsumexp(big)), [998.0443635265815, -0.5]);
    // Σ exp(z) has argument ≈ 3.25 > π: the principal branch gives 3.25 − 2π.
    close(
      pairs(logsumexp(tensor([0, 3, 0, 3.5], { dtype: 'complex128' }))),
      [0.661566129312476, -3.033185307179587],
    );
    const x = z().requiresGrad_();
    logsumexp(x, 1)
      .mul(tensor([1, 0.5, 2, -1], { dtype: 'complex128' }))
      .real()
      .sum()
      .backward();
    close(pairs(x.grad!), [-0.1669, 0.0516, 1.1669, -0.5516, 1.8334, 1.048, 0.1666, -0.048], 3);
  });

  it('var and std are real, Σ|z − mean|²/(N − correction), with torch gradient', () => {
    const x = z().requiresGrad_();
    const v = lg.var(x, 1);
    expect(v.dtype).toBe('float64');
    close(pairs(v), [6.5, 3.445]);
    close(pairs(lg.var(z(), 1, { correction: 0 })), [3.25, 1.7225]);
    close(pairs(std(z(), 1)), [Math.sqrt(6.5), Math.sqrt(3.445)]);
    v.sum().backward();
    close(pairs(x.grad!), [-2, 3, 2, -3, 2.5, -0.8, -2.5, 0.8]);
  });

  it('vector norms of |z| for every p, real, and the p = 3 gradient', () => {
    const want: [number, number[]][] = [
      [1, [5.39834563766817, 2.77458445821324]],
      [2, [Math.sqrt(15), 2.3]],
      [Infinity, [Math.sqrt(10), Math.sqrt(5)]],
      [-Infinity, [Math.sqrt(5), Math.sqrt(0.29)]],
      [0, [2, 2]],
    ];
    for (const [p, w] of want) {
      const n = norm(z(), p, 1);
      expect(n.dtype, `p = ${p}`).toBe('float64');
      close(pairs(n), w);
    }
    const x = z().requiresGrad_();
    const n3 = norm(x, 3, 1);
    close(pairs(n3), [3.498042891940774, 2.246431192873447]);
    n3.sum().backward();
    close(
      pairs(x.grad!),
      [
        0.182740471632861, 0.365480943265721, 0.775302160132942, -0.258434053377647, 0.053355938278016,
        0.021342375311207, -0.886193899468879, 0.44309694973444,
      ],
    );
  });

  it('prod, cumsum and cumprod multiply and add as complex numbers', () => {
    close(pairs(prod(z(), 1)), [5, 5, -1.2, 0.1]);
    close(pairs(cumsum(z(), 1)), [1, 2, 4, 1, 0.5, 0.2, -1.5, 1.2]);
    close(pairs(cumprod(z(), 0)), [1, 2, 3, -1, 0.1, 1.2, -5, 5]);
    expect(pairs(prod(zeros([0, 2], { dtype: 'complex128' }), 0))).toEqual([1, 0, 1, 0]);
  });

  it('the mean over nothing is NaN + NaN·i', () => {
    expect(pairs(lg.mean(zeros([0, 2], { dtype: 'complex128' }), 0))).toEqual([NaN, NaN, NaN, NaN]);
  });

  it('ordered reductions and softmax raise PyTorch’s error', () => {
    const c = z();
    expect(() => amax(c)).toThrow(
      new TypeError(
        'amax: amax is not implemented for complex tensors (complex numbers are not ordered), got complex128 of shape [2, 2]',
      ),
    );
    expect(() => amin(c, 0)).toThrow(/^amin: amin is not implemented for complex tensors/);
    expect(() => max(c)).toThrow(
      new TypeError('max: max(): does not support complex input, got complex128 of shape [2, 2]'),
    );
    expect(() => min(c, 1)).toThrow(/^min: min\(\): does not support complex input/);
    expect(() => argmax(c)).toThrow(/^argmax: argmax\(\): does not support complex input/);
    expect(() => argmin(c, 0)).toThrow(/^argmin: argmin\(\): does not support complex input/);
    expect(() => softmax(c, 0)).toThrow(/^softmax: softmax is not implemented for complex tensors/);
    expect(() => logSoftmax(c, 0)).toThrow(/^logSoftmax: logSoftmax is not implemented for complex tensors/);
  });
});
