import { afterEach, expect, it, vi } from 'vitest';
import { distinctSingularValuesMatrix, rankDeficientMatrix, sampleToTensor } from '../gradcheck/index.js';
import { agreementTolerance } from '../gradcheck/tolerance.js';
import { AutogradError, randn, type Tensor, tensor } from '../src/index.js';
import {
  cond,
  eigh,
  eigvalsh,
  lstsq,
  matrixNorm,
  matrixRank,
  pinv,
  qr,
  resetSpectralGradWarnings,
  setSpectralGradMode,
  svd,
  svdvals,
} from '../src/ops/linalg/spectral.js';
import { mat, onGpuLike, sample, symWith, vals } from './helpers/spectral.js';
import { describeWebGPU } from './helpers/webgpu.js';

afterEach(() => {
  setSpectralGradMode('warn');
  resetSpectralGradWarnings();
  vi.restoreAllMocks();
});

describeWebGPU('WebGPU (float32) agrees with the CPU (float64)', () => {
  const onGpu = (t: Tensor, grad = false) => {
    const g = t.detach().to('float32').to('webgpu');
    return grad ? g.requiresGrad_() : g;
  };
  const worst: Record<string, number> = {};
  /**
   * |gpu − cpu| ≤ agreementTolerance: η = factor·(c·n + √n/2)·eps32 (+ the float64 term) times the
   * problem's condition number `cond`, times the size of the reference (atol = rtol·max|cpu|).
   */
  async function agree(
    name: string,
    got: Tensor,
    want: Tensor,
    o: { cond: number; n: number; factor?: number },
  ) {
    const g = await got.data();
    const w = want.dataSync();
    const scale = Array.from(w).reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
    let err = 0;
    for (let i = 0; i < w.length; i++) err = Math.max(err, Math.abs(g[i] - w[i]));
    worst[name] = Math.max(worst[name] ?? 0, err / scale);
    expect(g.length).toBe(w.length);
    expect(err).toBeLessThanOrEqual(agreementTolerance({ ...o, scale }).atol);
  }
  /** The gradient of `loss` at A on both devices. */
  async function grads(A: Tensor, loss: (a: Tensor) => Tensor): Promise<[Tensor, Tensor]> {
    const g = onGpu(A, true);
    loss(g).backward();
    const c = A.detach().requiresGrad_();
    loss(c).backward();
    await g.grad!.data();
    return [g.grad!, c.grad!];
  }
  /** σ_max / min(σ gap, σ_min): the condition number of singular vectors (Wedin) and of their gradients. */
  const gapCond = (s: number[]) => s[0] / Math.min(...s.map((x, i) => (i + 1 < s.length ? x - s[i + 1] : x)));

  it('svd, eigh, qr: forward and backward', async () => {
    const A = sampleToTensor(
      sample(distinctSingularValuesMatrix({ rows: 5, cols: 3, batch: [2], spread: 'harmonic' })),
    );
    const kappa = 3; // harmonic spectrum: σ in [2/3, 3/2]
    const gc = Math.max(...[0, 1].map((b) => gapCond(vals(svdvals(A.narrow(0, b, 1))))));
    const g = svd(onGpu(A), { fullMatrices: false });
    const c = svd(A, { fullMatrices: false });
    await agree('svd S', g.S, c.S, { cond: 1, n: 5 });
    await agree('svd U·Vh', g.U.matmul(g.Vh), c.U.matmul(c.Vh), { cond: gc, n: 5 });
    await agree('svd |U|', g.U.abs(), c.U.abs(), { cond: gc, n: 5 });
    // Gradients carry up to three rotated factors and one reciprocal gap (relative error 2η‖A‖/gap): factor 5.
    const polar = (a: Tensor) => {
      const r = svd(a, { fullMatrices: false });
      return r.U.matmul(r.Vh)
        .mul(tensor([1, 2, 3], { dtype: a.dtype, device: a.device }))
        .sum()
        .add(r.S.square().sum());
    };
    await agree('svd grad', ...(await grads(A, polar)), { cond: gc, n: 5, factor: 5 });

    const H = symWith([-1, 0.5, 2, 3.5], 31);
    const hc = 3.5 / 1.5;
    const eg = eigh(onGpu(H));
    const ec = eigh(H);
    await agree('eigh λ', eg.eigenvalues, ec.eigenvalues, { cond: 1, n: 4 });
    await agree('eigh |V|', eg.eigenvectors.abs(), ec.eigenvectors.abs(), { cond: hc, n: 4 });
    const eigLoss = (x: Tensor) => {
      const { eigenvalues, eigenvectors: V } = eigh(x.add(x.mT));
      const v = V.narrow(-1, 2, 1);
      return v.matmul(v.mT).narrow(-2, 0, 2).sum().add(eigenvalues.square().sum());
    };
    await agree('eigh grad', ...(await grads(H.mul(0.5), eigLoss)), { cond: hc, n: 4, factor: 5 });

    const qg = qr(onGpu(A));
    const qc = qr(A);
    await agree('qr Q', qg.Q, qc.Q, { cond: kappa, n: 5 });
    await agree('qr R', qg.R, qc.R, { cond: kappa, n: 5 });
    // Q, R (each ~κη) and a solve with R (κ): factor 3.
    const qrLoss = (a: Tensor) => {
      const { Q, R } = qr(a);
      return Q.abs().sum().add(R.square().sum());
    };
    await agree('qr grad', ...(await grads(A, qrLoss)), { cond: kappa, n: 5, factor: 3 });
  });

  it('pinv, lstsq, norms, cond, matrixRank: forward and backward', async () => {
    const A = sampleToTensor(
      sample(distinctSingularValuesMatrix({ rows: 4, cols: 6, batch: [2], spread: 'harmonic' })),
    );
    const kappa = 3;
    // Wedin: ‖ΔA⁺‖ ≤ μ‖A⁺‖²‖ΔA‖ with μ ≤ 2: factor 2; gradients multiply up to four factors with P: factor 4.
    await agree('pinv', pinv(onGpu(A)), pinv(A), { cond: kappa, n: 6, factor: 2 });
    await agree('pinv grad', ...(await grads(A, (a) => pinv(a).square().sum())), {
      cond: kappa,
      n: 6,
      factor: 4,
    });
    const H = symWith([-2, 0.5, 1, 0], 33);
    const opts = { hermitian: true, rtol: 1e-4 };
    await agree('pinv hermitian', pinv(onGpu(H), opts), pinv(H, opts), { cond: 4, n: 4, factor: 2 });
    const B = randn([2, 6, 2], { seed: 35 });
    const T = A.mT; // tall 6×4, full rank: the least-squares problem has condition κ² at most
    const lg = lstsq(onGpu(T), onGpu(B));
    const lc = lstsq(T, B);
    await agree('lstsq solution', lg.solution, lc.solution, { cond: kappa ** 2, n: 6, factor: 2 });
    await agree('lstsq residuals', lg.residuals, lc.residuals, { cond: kappa ** 2, n: 6, factor: 2 });
    expect(Array.from(await lg.rank.data())).toEqual([4, 4]);
    const lsLoss = (a: Tensor) => lstsq(a, onGpuLike(B, a)).solution.sum();
    await agree('lstsq grad', ...(await grads(T, lsLoss)), { cond: kappa ** 2, n: 6, factor: 4 });
    for (const ord of ['fro', 'nuc', 2, -2, 1, -1, Infinity, -Infinity] as const) {
      await agree(`norm ${ord}`, matrixNorm(onGpu(A), ord), matrixNorm(A, ord), { cond: 1, n: 6 });
      // The gradient of the spectral norms are singular-vector products: condition σ_max/gap.
      const gcnd = typeof ord === 'number' && Math.abs(ord) === 2 ? 3 : 1;
      await agree(`norm ${ord} grad`, ...(await grads(A, (a) => matrixNorm(a, ord).sum())), {
        cond: gcnd,
        n: 6,
        factor: 3,
      });
    }
    const Sq = A.narrow(-1, 0, 4);
    const kq = Math.max(...vals(cond(Sq)));
    for (const p of [undefined, 1, 'fro'] as const) {
      await agree(`cond ${p}`, cond(onGpu(Sq), p), cond(Sq, p), { cond: kq, n: 4, factor: 2 });
    }
    const R = sampleToTensor(
      sample(rankDeficientMatrix({ rank: 2, rows: 5, cols: 4, batch: [3], cond: 10 })),
    );
    expect(Array.from(await matrixRank(onGpu(R)).data())).toEqual([2, 2, 2]);
  });

  it('degeneracy guards on the device: invariant losses are fine, strict mode rejects the gradient read', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const A = symWith([1, 1, 3], 41);
    const [g] = await grads(A, (a) => eigvalsh(a).square().sum());
    await agree('repeated λ: grad of Σλ²', g, A.mul(2), { cond: 1, n: 3 });
    const gauge = (a: Tensor) => eigh(a).eigenvectors.narrow(-1, 0, 1).sum();
    const x = onGpu(A, true);
    gauge(x).backward();
    await x.grad!.data();
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1));
    expect(String(warn.mock.calls[0][0])).toContain('linalg.eigh backward');
    setSpectralGradMode('strict');
    const y = onGpu(A, true);
    gauge(y).backward();
    await expect(y.grad!.data()).rejects.toThrow(AutogradError);
    const nan = eigh(onGpu(mat('NaN 1; 1 2')));
    expect(Array.from(await nan.eigenvalues.data()).every(Number.isNaN)).toBe(true);
    console.log('largest relative WebGPU-vs-CPU errors:', JSON.stringify(worst));
  });
});
