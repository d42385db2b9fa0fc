import { expect, it } from 'vitest';
import { autograd, LinAlgError, linalg, type Tensor, tensor } from '../src/index.js';
import { checkNonFinite } from './helpers/lu-nonfinite.js';
import { describeWebGPU } from './helpers/webgpu.js';

describeWebGPU('LU/Cholesky family on WebGPU', () => {
  const gpu = (data: number[][] | number[][][]) => tensor(data, { dtype: 'float32', device: 'webgpu' });

  it('raises the same LinAlgError when the result is first read', async () => {
    await expect(
      linalg
        .inv(
          gpu([
            [1, 2],
            [2, 4],
          ]),
        )
        .data(),
    ).rejects.toThrow(
      'linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular.',
    );
    const notPd = gpu([
      [
        [1, 0],
        [0, 1],
      ],
      [
        [1, 0],
        [0, -1],
      ],
    ]);
    await expect(linalg.cholesky(notPd).data()).rejects.toThrow(
      /linalg\.cholesky: \(Batch element 1\): .*leading minor of order 2/,
    );
    await expect(
      linalg
        .solve(
          gpu([
            [0, 0],
            [0, 0],
          ]),
          gpu([[1], [1]]),
        )
        .data(),
    ).rejects.toThrow(LinAlgError);
    const { info } = linalg.choleskyEx(notPd);
    expect(Array.from(await info.data())).toEqual([0, 2]);
  });

  it('NaN or ±inf in the read part of A gives NaN for that batch element only', async () => {
    await checkNonFinite('webgpu', (t) => t.data());
  });

  it('det has the cofactor matrix as its gradient at singular matrices', async () => {
    const A = gpu([
      [1, -1, 2],
      [2, -1, 4],
      [3, -3, 6],
    ]).requiresGrad_();
    linalg.det(A).backward();
    const want = [6, 0, -3, 0, 0, 0, -2, 0, 1];
    const got = await A.grad!.data();
    // cof entries are products of two entries of A (|.| ≤ 6); float32 SVD route: a few eps·‖A‖².
    for (const [i, w] of want.entries()) expect(Math.abs(got[i] - w)).toBeLessThan(100 * 2 ** -23 * 36);
  });

  it('det has a finite second derivative at singular matrices, equal to the cpu float64 one', async () => {
    const rows = [
      [1, -1, 2],
      [2, -1, 4],
      [3, -3, 6],
    ];
    const W = [
      [0.5, -1, 0.25],
      [1, 2, -0.5],
      [-1.5, 0.75, 1],
    ];
    // ⟨W, ∂det/∂A⟩ differentiated again: the Hessian of det applied to W.
    const hessian = (A: Tensor, w: Tensor) => {
      const [g] = autograd.grad(linalg.det(A), A, { createGraph: true });
      return autograd.grad(g!.mul(w).sum(), A)[0]!;
    };
    // Exactly: ∂²det/∂a_pq∂a_rs = sgn(σ)·a_tu for p ≠ r, q ≠ s, with t, u the remaining row and
    // column and σ the permutation p→q, r→s, t→u (0 otherwise).
    const sgn = (p: number[]) => (p[0] < p[1] ? 1 : -1) * (p[0] < p[2] ? 1 : -1) * (p[1] < p[2] ? 1 : -1);
    const want = new Float64Array(9);
    for (let p = 0; p < 3; p++)
      for (let q = 0; q < 3; q++)
        for (let r = 0; r < 3; r++)
          for (let c = 0; c < 3; c++) {
            if (p === r || q === c) continue;
            const [t, u] = [3 - p - r, 3 - q - c];
            const sigma = [0, 0, 0];
            [sigma[p], sigma[r], sigma[t]] = [q, c, u];
            want[p * 3 + q] += sgn(sigma) * rows[t][u] * W[r][c];
          }
    const cpu = hessian(tensor(rows, { requiresGrad: true }), tensor(W)).dataSync();
    const got = await hessian(gpu(rows).requiresGrad_(), gpu(W)).data();
    // Each entry sums 4 products a·w (|a| ≤ 6, |w| ≤ 2): the float64 SVD route is exact to a few
    // eps64·48, the float32 one to a few eps32·48.
    for (let i = 0; i < 9; i++) {
      expect(Math.abs(cpu[i] - want[i])).toBeLessThan(100 * 2 ** -52 * 48);
      expect(Math.abs(got[i] - want[i])).toBeLessThan(100 * 2 ** -23 * 48);
    }
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(1);
  });
});
