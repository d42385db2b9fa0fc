import { describe, expect, it } from 'vitest';
import {
  arange,
  cat,
  diagEmbed,
  matmul,
  maximum,
  ones,
  randn,
  stack,
  tensor,
  where,
  zeros,
} from '../src/index.js';

const r = (n: number, shape: number[]) => arange(n).reshape(shape);

describe('elementwise forward values and broadcasting', () => {
  it('broadcasts like PyTorch', () => {
    const a = tensor([[1], [2]]); // [2,1]
    const b = tensor([10, 20, 30]); // [3]
    expect(a.add(b).toArray()).toEqual([
      [11, 21, 31],
      [12, 22, 32],
    ]);
    expect(r(24, [2, 3, 4]).sub(r(4, [4])).shape).toEqual([2, 3, 4]);
    expect(
      tensor(2)
        .mul(r(3, [3]))
        .toArray(),
    ).toEqual([0, 2, 4]);
  });

  it('names the op and both shapes when broadcasting fails', () => {
    expect(() => ones([2, 3]).add(ones([4]))).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  });

  it('pow follows Math.pow, including negative bases with integer exponents', () => {
    expect(
      tensor([-2, 4, 0])
        .pow(tensor([3, 0.5, 0]))
        .toArray(),
    ).toEqual([-8, 2, 1]);
    expect(Number.isNaN(tensor(-2).pow(0.5).item())).toBe(true);
  });

  it('where, maximum, comparisons', () => {
    const x = tensor([-1, 2, -3]);
    expect(where(x.gt(tensor(0)), x, 0).toArray()).toEqual([0, 2, 0]);
    expect(maximum(x, tensor(0)).toArray()).toEqual([0, 2, 0]);
    expect(x.abs().toArray()).toEqual([1, 2, 3]);
  });

  it('propagates NaN', () => {
    expect(Number.isNaN(tensor(Number.NaN).exp().add(1).item())).toBe(true);
  });
});

describe('reductions', () => {
  it('sum and mean over dims with keepdim', () => {
    const x = r(6, [2, 3]);
    expect(x.sum().item()).toBe(15);
    expect(x.sum(0).toArray()).toEqual([3, 5, 7]);
    expect(x.sum(-1, true).toArray()).toEqual([[3], [12]]);
    expect(x.mean(1).toArray()).toEqual([1, 4]);
    expect(r(24, [2, 3, 4]).sum([0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(zeros([0, 3]).sum(0).toArray()).toEqual([0, 0, 0]);
    expect(() => x.sum(2)).toThrow(/dimension out of range/);
  });
});

describe('shape ops', () => {
  it('reshape with -1, transpose, permute, mT', () => {
    const x = r(6, [2, 3]);
    expect(x.reshape(3, -1).shape).toEqual([3, 2]);
    expect(x.transpose(0, 1).toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(r(24, [2, 3, 4]).permute(2, 0, 1).shape).toEqual([4, 2, 3]);
    expect((r(24, [2, 3, 4]).permute(2, 0, 1).reshape(-1).toArray() as number[]).slice(0, 6)).toEqual([
      0, 4, 8, 12, 16, 20,
    ]);
    expect(x.mT.toArray()).toEqual(x.transpose(-1, -2).toArray());
    expect(() => x.reshape(4)).toThrow(/invalid for input of size 6/);
  });

  it('unsqueeze, squeeze, expand, narrow', () => {
    const x = tensor([1, 2, 3]);
    expect(x.unsqueeze(0).shape).toEqual([1, 3]);
    expect(x.unsqueeze(-1).shape).toEqual([3, 1]);
    expect(x.unsqueeze(0).squeeze().shape).toEqual([3]);
    expect(x.unsqueeze(0).expand(2, 3).toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(() => x.expand(2, 4)).toThrow(/expanded size/);
    expect(r(6, [2, 3]).narrow(1, 1, 2).toArray()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(() => x.narrow(0, 2, 2)).toThrow(/exceeds dimension size/);
  });

  it('diagonal with offsets and dims, diagEmbed, tril, triu', () => {
    const x = r(9, [3, 3]);
    expect(x.diagonal().toArray()).toEqual([0, 4, 8]);
    expect(x.diagonal(1).toArray()).toEqual([1, 5]);
    expect(x.diagonal(-1).toArray()).toEqual([3, 7]);
    expect(r(24, [2, 3, 4]).diagonal(0, -2, -1).shape).toEqual([2, 3]);
    expect(diagEmbed(tensor([[1, 2]])).toArray()).toEqual([
      [
        [1, 0],
        [0, 2],
      ],
    ]);
    expect(x.tril().toArray()).toEqual([
      [0, 0, 0],
      [3, 4, 0],
      [6, 7, 8],
    ]);
    expect(x.triu(1).toArray()).toEqual([
      [0, 1, 2],
      [0, 0, 5],
      [0, 0, 0],
    ]);
  });

  it('cat and stack', () => {
    expect(cat([r(4, [2, 2]), r(2, [2, 1])], 1).toArray()).toEqual([
      [0, 1, 0],
      [2, 3, 1],
    ]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(() => cat([ones([2, 2]), ones([3, 3])], 0)).toThrow(/sizes of tensors must match/);
  });
});

describe('matmul follows torch.matmul', () => {
  it('1-D · 1-D is a dot product', () => {
    expect(matmul(tensor([1, 2, 3]), tensor([4, 5, 6])).item()).toBe(32);
  });
  it('2-D · 1-D and 1-D · 2-D', () => {
    const A = r(6, [2, 3]);
    expect(matmul(A, tensor([1, 1, 1])).toArray()).toEqual([3, 12]);
    expect(matmul(tensor([1, 1]), A).toArray()).toEqual([3, 5, 7]);
  });
  it('broadcasts batch dims', () => {
    const A = r(24, [2, 1, 3, 4]);
    const B = r(20, [5, 4, 1]);
    const C = matmul(A, B);
    expect(C.shape).toEqual([2, 5, 3, 1]);
    // C[1, 4, 2, 0] = Σ_k A[1,0,2,k] B[4,k,0]
    const a = [20, 21, 22, 23];
    const b = [16, 17, 18, 19];
    const want = a.reduce((s, v, k) => s + v * b[k], 0);
    expect((C.toArray() as number[][][][])[1][4][2][0]).toBe(want);
  });
  it('batched vector operand', () => {
    expect(matmul(r(12, [2, 2, 3]), tensor([1, 0, 0])).toArray()).toEqual([
      [0, 3],
      [6, 9],
    ]);
  });
  it('large products (the blocked kernel) agree with a direct sum, in float64 and float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const A = randn([2, 37, 70], { seed: 1, dtype });
      const B = randn([2, 70, 45], { seed: 2, dtype });
      const C = matmul(A, B).dataSync();
      const a = A.dataSync();
      const b = B.dataSync();
      let worst = 0;
      for (let z = 0; z < 2; z++) {
        for (let i = 0; i < 37; i++) {
          for (let j = 0; j < 45; j++) {
            let s = 0;
            let mag = 0;
            for (let p = 0; p < 70; p++) {
              s += a[z * 37 * 70 + i * 70 + p] * b[z * 70 * 45 + p * 45 + j];
              mag += Math.abs(a[z * 37 * 70 + i * 70 + p] * b[z * 70 * 45 + p * 45 + j]);
            }
            worst = Math.max(worst, Math.abs(C[z * 37 * 45 + i * 45 + j] - s) / mag);
          }
        }
      }
      // Error of a k-term dot product: k·eps·Σ|aᵢbᵢ| (plus one rounding for float32 storage).
      const eps = dtype === 'float64' ? 2 ** -52 : 2 ** -23;
      expect(worst).toBeLessThan(71 * eps);
    }
    expect(Number.isNaN(matmul(tensor([[0, 0]]), tensor([[Number.NaN], [1]])).item())).toBe(true);
  });

  it('names the shapes on an inner-dimension mismatch', () => {
    expect(() => matmul(ones([2, 3]), ones([4, 5]))).toThrow(
      /\[2, 3\] and \[4, 5\] cannot be multiplied \(2x3 and 4x5\)/,
    );
    expect(() => matmul(tensor(1), ones([2]))).toThrow(/at least 1 dimension/);
  });
});
