import { expect, it } from 'vitest';
import { getGpu } from '../src/backends/webgpu/device.js';
import { eye, linalg, optim, randn, tensor, tidy } from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

describeWebGPU('WebGPU memory', () => {
  it('1,000 training steps inside tidy leave the live buffer count at its baseline', async () => {
    const gpu = getGpu();
    const X = randn([32, 4], { seed: 1, dtype: 'float32' }).to('webgpu');
    const Y = randn([32, 1], { seed: 2, dtype: 'float32' }).to('webgpu');
    const W = randn([4, 1], { seed: 3, dtype: 'float32' }).to('webgpu').requiresGrad_();
    const b = tensor([0], { dtype: 'float32', device: 'webgpu', requiresGrad: true });
    const opt = new optim.SGD([W, b], { lr: 0.05, momentum: 0.5 });
    const step = () =>
      tidy(() => {
        opt.zeroGrad();
        const loss = X.matmul(W).add(b).sub(Y).square().mean();
        loss.backward();
        opt.step();
      });
    step(); // the first step creates the optimizer's momentum buffers and the gradients
    await W.data();
    const baseline = gpu.liveBuffers();
    for (let i = 0; i < 1000; i++) step();
    await W.data();
    expect(gpu.liveBuffers()).toBe(baseline);
  });

  it('results of linalg ops made inside tidy stay readable, errors and all', async () => {
    const A = randn([8, 8], { seed: 4, dtype: 'float32' })
      .add(eye(8, { dtype: 'float32' }).mul(8))
      .to('webgpu');
    const X = tidy(() => linalg.solve(A, A));
    const x = await X.data();
    for (let i = 0; i < 8; i++) expect(x[i * 9]).toBeCloseTo(1, 5);
    const Ag = A.detach().requiresGrad_();
    tidy(() => {
      linalg.inv(Ag).sum().backward();
    });
    expect((await Ag.grad!.data()).every(Number.isFinite)).toBe(true);
    const S = tensor(
      [
        [1, 2],
        [2, 4],
      ],
      { dtype: 'float32', device: 'webgpu' },
    );
    const y = tidy(() => linalg.inv(S).sum());
    await expect(y.data()).rejects.toThrow(/linalg\.inv: The diagonal element 2 is zero/);
  });

  it('dispose and using give buffers back at once', async () => {
    const gpu = getGpu();
    const before = gpu.liveBuffers();
    const t = tensor([1, 2, 3], { dtype: 'float32', device: 'webgpu' });
    expect(gpu.liveBuffers()).toBe(before + 1);
    t.dispose();
    expect(gpu.liveBuffers()).toBe(before);
    {
      using u = tensor([1], { dtype: 'float32', device: 'webgpu' });
      expect(await u.array()).toEqual([1]);
    }
    expect(gpu.liveBuffers()).toBe(before);
  });

  it('reading a webgpu tensor synchronously names the async method; float64 is refused', () => {
    const t = tensor([1], { dtype: 'float32', device: 'webgpu' });
    expect(() => t.dataSync()).toThrow(/await t\.data\(\)/);
    expect(() => t.toArray()).toThrow(/await t\.array\(\)/);
    expect(() => t.item()).toThrow(/await/);
    expect(() => tensor([1], { dtype: 'float64', device: 'webgpu' })).toThrow(
      /float64 is not supported on WebGPU.*float32/,
    );
    expect(() => tensor([1]).to('webgpu')).toThrow(/float32/);
    expect(() => t.add(tensor([1], { dtype: 'float32' }))).toThrow(/same device.*webgpu and cpu/);
  });
});
