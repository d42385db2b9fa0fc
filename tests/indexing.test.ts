/**
 * Values of the indexing and layout functions against PyTorch's (the op table checks gradients,
 * forward mode, vmap and WebGPU agreement), and the WebGPU range check of gather/scatterAdd.
 */
import { describe, expect, it } from 'vitest';
import {
  arange,
  chunk,
  einsum,
  eye,
  flip,
  gather,
  indexSelect,
  kron,
  matmul,
  ones,
  outer,
  pad,
  randn,
  repeat,
  roll,
  scatterAdd,
  slice,
  split,
  tensor,
  trace,
  zeros,
} from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

const I = (a: number[] | number[][]) => tensor(a, { dtype: 'int32' });

describe('indexing and layout values (as torch)', () => {
  it('slice follows Python slicing', () => {
    expect(slice(arange(6), 0, 1, -1, 2).toArray()).toEqual([1, 3]);
    expect(slice(arange(6), 0, -2).toArray()).toEqual([4, 5]);
    expect(slice(arange(6), 0, 4, 2).toArray()).toEqual([]);
    expect(arange(6).reshape(2, 3).slice(1, undefined, undefined, 2).toArray()).toEqual([
      [0, 2],
      [3, 5],
    ]);
  });
  it('flip, roll, repeat', () => {
    expect(flip(arange(4).reshape(2, 2), [0, 1]).toArray()).toEqual([
      [3, 2],
      [1, 0],
    ]);
    expect(roll(arange(5), -2).toArray()).toEqual([2, 3, 4, 0, 1]);
    expect(roll(arange(4).reshape(2, 2), [1, 1], [0, 1]).toArray()).toEqual([
      [3, 2],
      [1, 0],
    ]);
    expect(repeat(tensor([1, 2]), [2, 2]).toArray()).toEqual([
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
  });
  it('split and chunk', () => {
    expect(split(arange(5), 2).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(split(arange(5), [1, 4]).map((t) => t.shape)).toEqual([[1], [4]]);
    expect(chunk(arange(6), 4).map((t) => t.shape)).toEqual([[2], [2], [2]]);
  });
  it('pad, outer, trace, kron', () => {
    expect(pad(tensor([[1]]), [1, 0, 0, 1], 9).toArray()).toEqual([
      [9, 1],
      [9, 9],
    ]);
    expect(outer(tensor([1, 2]), tensor([1, 10])).toArray()).toEqual([
      [1, 10],
      [2, 20],
    ]);
    expect(trace(arange(6).reshape(2, 3)).item()).toBe(4);
    expect(kron(eye(2), tensor([[1, 2]])).toArray()).toEqual([
      [1, 2, 0, 0],
      [0, 0, 1, 2],
    ]);
  });
  it('einsum contracts through matmul and broadcasts ...', () => {
    const a = randn([2, 3, 4], { seed: 1 });
    const b = randn([4, 5], { seed: 2 });
    const want = matmul(a, b).toArray();
    expect(einsum('...ij,jk->...ik', a, b).toArray()).toEqual(want);
    expect(einsum('bij,jk', a, b).toArray()).toEqual(want);
    expect(einsum('ii', arange(9).reshape(3, 3)).item()).toBe(12);
    expect(einsum('i,j->ij', tensor([1, 2]), tensor([3])).toArray()).toEqual([[3], [6]]);
  });
  it('gather, scatterAdd, indexSelect', () => {
    expect(
      gather(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        1,
        I([
          [0, 0],
          [1, 0],
        ]),
      ).toArray(),
    ).toEqual([
      [1, 1],
      [4, 3],
    ]);
    expect(scatterAdd(zeros([3]), 0, I([0, 2, 0]), tensor([1, 2, 3])).toArray()).toEqual([4, 0, 2]);
    expect(
      indexSelect(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        1,
        I([1, 1, 0]),
      ).toArray(),
    ).toEqual([
      [2, 2, 1],
      [4, 4, 3],
    ]);
    expect(() => gather(tensor([[1, 2]]).requiresGrad_(), 1, I([[0, 2]]))).toThrow(
      'gather: index 2 is out of bounds for dimension 1 with size 2 (index shape [1, 2])',
    );
  });
});

/** A complex tensor from interleaved (re, im) data. */
const C = (data: number[], shape: number[], dtype: 'complex64' | 'complex128' = 'complex128') =>
  tensor(data, { shape, dtype });
// x = [[1+2i, 3−i, −2+0.5i], [0.25−4i, 5+5i, −1−i]]
const ZX = [1, 2, 3, -1, -2, 0.5, 0.25, -4, 5, 5, -1, -1];

describe('gather, scatterAdd and indexSelect over ℂ (as torch)', () => {
  for (const dtype of ['complex128', 'complex64'] as const) {
    it(`move and add both parts (${dtype})`, () => {
      const x = C(ZX, [2, 3], dtype);
      const g = gather(
        x,
        1,
        I([
          [2, 0],
          [1, 1],
        ]),
      );
      expect(g.dtype).toBe(dtype);
      expect(Array.from(g.dataSync())).toEqual([-2, 0.5, 1, 2, 5, 5, 5, 5]);
      const s = scatterAdd(zeros([3], { dtype }), 0, I([0, 2, 0]), C([1, 1, 2, -3, 0.5, 2], [3], dtype));
      expect(Array.from(s.dataSync())).toEqual([1.5, 3, 0, 0, 2, -3]);
      const sel = indexSelect(x, 0, I([1, 1, 0]));
      expect(Array.from(sel.dataSync())).toEqual([...ZX.slice(6), ...ZX.slice(6), ...ZX.slice(0, 6)]);
    });
  }
  it("gather's gradient is PyTorch's (∂L/∂x + i·∂L/∂y, added at the gathered positions)", () => {
    const x = C(ZX, [2, 3]).requiresGrad_();
    const g = gather(
      x,
      1,
      I([
        [2, 0],
        [1, 1],
      ]),
    );
    g.mul(C([1, 1, 2, 0, 0, 0.5, -1, 0], [2, 2]))
      .real()
      .sum()
      .backward();
    // torch: [[2+0j, 0, 1−1j], [0, −1−0.5j, 0]]
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 0, 0, 0, 1, -1, 0, 0, -1, -0.5, 0, 0]);
  });
  it('a complex index or a src of another dtype is a TypeError', () => {
    const x = C(ZX, [2, 3]);
    expect(() => gather(x, 1, C([0, 0, 1, 0], [2, 1]))).toThrow(
      new TypeError('gather: expected index of dtype int32, got complex128'),
    );
    expect(() => scatterAdd(x, 0, I([[1, 0, 1]]), tensor([[1, 2, 3]]))).toThrow(
      new TypeError('scatterAdd: expected src of dtype complex128, got float64'),
    );
    expect(() => scatterAdd(zeros([2, 3]), 0, I([[1, 0, 1]]), x)).toThrow(
      new TypeError('scatterAdd: expected src of dtype float64, got complex128'),
    );
  });
});

describeWebGPU('gather and scatterAdd on WebGPU', () => {
  it('move and add both parts of complex64 elements, as the CPU', async () => {
    const x = C(ZX, [2, 3], 'complex64').to('webgpu');
    const idx = I([
      [2, 0],
      [1, 1],
    ]).to('webgpu');
    expect(Array.from(await gather(x, 1, idx).data())).toEqual([-2, 0.5, 1, 2, 5, 5, 5, 5]);
    const src = C([1, 1, 2, -3, 0.5, 2, 1, 1], [2, 2], 'complex64').to('webgpu');
    // x[0][2] += src[0][0]; x[0][0] += src[0][1]; x[1][1] += src[1][0] + src[1][1]
    expect(Array.from(await scatterAdd(x, 1, idx, src).data())).toEqual([
      3, -1, 3, -1, -1, 1.5, 0.25, -4, 6.5, 8, -1, -1,
    ]);
    const bad = gather(x, 1, I([[3], [0]]).to('webgpu')).mul(2);
    await expect(bad.data()).rejects.toThrow(
      'gather: index 3 is out of bounds for dimension 1 with size 3 (index shape [2, 1])',
    );
  });

  it('agree with the CPU and raise an out-of-range index when read', async () => {
    const x = tensor([[1, 2, 3]], { dtype: 'float32' }).to('webgpu');
    const idx = I([[2, 0, 2]]).to('webgpu');
    expect(Array.from(await gather(x, 1, idx).data())).toEqual([3, 1, 3]);
    expect(
      Array.from(await scatterAdd(x, 1, idx, ones([1, 3], { dtype: 'float32' }).to('webgpu')).data()),
    ).toEqual([2, 2, 5]);
    const bad = gather(x, 1, I([[3]]).to('webgpu')).mul(2);
    await expect(bad.data()).rejects.toThrow(
      'gather: index 3 is out of bounds for dimension 1 with size 3 (index shape [1, 1])',
    );
  });
});
