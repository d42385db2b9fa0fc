/**
 * The kernels that moved from src/ops into src/backends (cpu/*, webgpu/kernels/*): the params
 * array buckets of the generated WGSL, and WebGPU against the CPU for the shape-sized params
 * (broadcast strides, views, reductions) at ranks that fall in different buckets.
 */
import { describe, expect, it } from 'vitest';
import { paramArrayLength } from '../src/backends/webgpu/kernels/cache.js';
import { cat, randn, type Tensor, where } from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

describe('params array buckets', () => {
  it('are powers of two from 4, then multiples of 4 up to the struct limit', () => {
    expect([0, 1, 4, 5, 8, 9, 17, 33, 64].map((n) => paramArrayLength(n))).toEqual([
      4, 4, 4, 8, 8, 16, 32, 64, 64,
    ]);
    expect(paramArrayLength(129)).toBe(132);
    expect(paramArrayLength(200, 240)).toBe(200);
  });
});

/** The WebGPU result of f, read back, next to the float64 CPU result on float32-rounded inputs. */
async function compare(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], tol = 1e-5): Promise<void> {
  const cpu = xs.map((x) => x.to('float32').to('float64'));
  const gpu = xs.map((x) => x.to('float32').to('webgpu'));
  const want = f(...cpu);
  const got = f(...gpu);
  expect(got.shape).toEqual(want.shape);
  const a = await got.data();
  const b = want.dataSync();
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
}

describeWebGPU('moved kernels on WebGPU at several ranks', () => {
  it('broadcast elementwise ops of 1 to 7 dims', async () => {
    for (let nd = 1; nd <= 7; nd++) {
      const shape = Array.from({ length: nd }, (_, d) => 1 + (d % 3));
      const bshape = shape.map((s, d) => (d % 2 === 0 ? 1 : s));
      const x = randn(shape, { seed: nd });
      const y = randn(bshape, { seed: 100 + nd });
      const z = randn([shape[nd - 1]], { seed: 200 + nd });
      await compare((a, b) => a.mul(b), [x, y]);
      await compare((a, b, c) => where(a.gt(0), b, a.sub(b).add(c)), [x, y, z]);
    }
  });

  it('views (permute, narrow, diagonal, expand), tril and cat of up to 6 dims', async () => {
    const x = randn([2, 3, 2, 3, 2, 3], { seed: 5 });
    await compare((a) => a.permute([5, 4, 3, 2, 1, 0]), [x]);
    await compare((a) => a.narrow(3, 1, 2), [x]);
    await compare((a) => a.diagonal(0, 1, 3), [x]);
    await compare((a) => a.reshape([2, 3, 2, 3, 2, 3, 1]).expand([2, 3, 2, 3, 2, 3, 4]), [x]);
    await compare((a) => a.tril(-1), [x]);
    await compare((a) => a.triu(1), [x]);
    await compare((a) => cat([a, a.mul(2)], 4), [x]);
  });

  it('sums over strided dims of a 6-dim tensor', async () => {
    const x = randn([3, 2, 4, 2, 3, 2], { seed: 9 });
    await compare((a) => a.sum([0, 2, 4]), [x]);
    await compare((a) => a.sum([1, 5], true), [x]);
    await compare((a) => a.sum(), [x]);
  });
});
