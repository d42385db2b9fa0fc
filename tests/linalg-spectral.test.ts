import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  distinctSingularValuesMatrix,
  gradcheck,
  gradgradcheck,
  rankDeficientMatrix,
  sampleToTensor,
  symmetricMatrix,
} from '../gradcheck/index.js';
import { AutogradError, eye, LinAlgError, linalg, randn, type Tensor, tensor, zeros } from '../src/index.js';
import { convergenceError } from '../src/ops/linalg/guards.js';
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
import {
  gram,
  I,
  mat,
  maxAbs,
  maxDiff,
  orth,
  sample,
  spoil,
  symWith,
  tol64,
  vals,
  withSpectrum,
} from './helpers/spectral.js';

afterEach(() => {
  setSpectralGradMode('warn');
  resetSpectralGradWarnings();
  vi.restoreAllMocks();
});

describe('linalg.svd and svdvals', () => {
  it('U·diag(S)·Vh ≈ A with orthonormal factors and descending S (tall, wide, square, batched; full and reduced)', () => {
    for (const shape of [
      [5, 3],
      [3, 5],
      [4, 4],
      [2, 3, 4, 2],
      [1, 1],
    ]) {
      const A = randn(shape, { seed: shape.length * 7 + shape[0] });
      const [m, n] = shape.slice(-2);
      for (const fullMatrices of [true, false]) {
        const { U, S, Vh } = svd(A, { fullMatrices });
        const k = Math.min(m, n);
        const Uk = U.narrow(-1, 0, k);
        const Vk = Vh.narrow(-2, 0, k);
        const t = tol64(Math.max(m, n), maxAbs(S));
        expect(maxDiff(Uk.mul(S.unsqueeze(-2)).matmul(Vk), A)).toBeLessThan(t);
        expect(maxDiff(gram(U), I(U.shape[U.ndim - 1]))).toBeLessThan(tol64(m, 1));
        expect(maxDiff(Vh.matmul(Vh.mT), I(Vh.shape[Vh.ndim - 2]))).toBeLessThan(tol64(n, 1));
        const s = vals(S);
        for (let i = 0; i < s.length; i++)
          if ((i + 1) % k !== 0) expect(s[i]).toBeGreaterThanOrEqual(s[i + 1]);
        expect(maxDiff(svdvals(A), S)).toBeLessThan(t);
      }
    }
    // [[3, 0], [4, 5]] has singular values 3√5 and √5.
    const S = svdvals(mat('3 0; 4 5'));
    expect(maxDiff(S, tensor([3 * Math.sqrt(5), Math.sqrt(5)]))).toBeLessThan(tol64(2, 7));
    expect(
      svdvals(
        tensor(
          [
            [3, 0],
            [4, 5],
          ],
          { dtype: 'float32' },
        ),
      ).dtype,
    ).toBe('float32');
  });

  it('empty inputs give empty results (identity bases with fullMatrices)', () => {
    const a = svd(zeros([0, 3]));
    expect([a.U.shape, a.S.shape, a.Vh.shape]).toEqual([[0, 0], [0], [3, 3]]);
    expect(vals(a.Vh)).toEqual(vals(eye(3)));
    const b = svd(zeros([2, 4, 0]), { fullMatrices: false });
    expect([b.U.shape, b.S.shape, b.Vh.shape]).toEqual([
      [2, 4, 0],
      [2, 0],
      [2, 0, 0],
    ]);
    expect(svd(zeros([0, 2, 3])).S.shape).toEqual([0, 2]);
  });

  it('gradcheck and gradgradcheck through gauge-invariant views (distinct singular values)', () => {
    for (const [rows, cols] of [
      [4, 3],
      [3, 4],
      [3, 3],
    ]) {
      const X = sampleToTensor(
        sample(distinctSingularValuesMatrix({ rows, cols, batch: [2], spread: 'harmonic' })),
        {
          requiresGrad: true,
        },
      );
      const f = (a: Tensor) => {
        const r = svd(a, { fullMatrices: false });
        return [r.U.matmul(r.Vh), r.S, r.U.abs(), r.Vh.square()];
      };
      expect(gradcheck(f, [X])).toBe(true);
      expect(gradgradcheck(f, [X])).toBe(true);
      const full = (a: Tensor) => {
        const r = svd(a);
        return [r.S, r.U.narrow(-1, 0, 3).matmul(r.Vh.narrow(-2, 0, 3))];
      };
      expect(gradcheck(full, [X])).toBe(true);
      expect(gradcheck((a: Tensor) => svdvals(a), [X])).toBe(true);
    }
  });
});

describe('linalg.eigh and eigvalsh', () => {
  it('A·V = V·diag(λ), VᵀV = I, λ ascending; only the UPLO triangle is read', () => {
    expect(vals(eigvalsh(mat('2 1; 1 2')))).toEqual([1, 3].map((x) => expect.closeTo(x, 14)));
    const A = sample(symmetricMatrix({ rows: 5, batch: [3] }));
    const At = sampleToTensor(A);
    const { eigenvalues: w, eigenvectors: V } = eigh(At);
    const scale = maxAbs(w);
    expect(maxDiff(At.matmul(V), V.mul(w.unsqueeze(-2)))).toBeLessThan(tol64(5, scale));
    expect(maxDiff(gram(V), I(5))).toBeLessThan(tol64(5, 1));
    const w0 = vals(w);
    for (let i = 0; i < w0.length; i++) if ((i + 1) % 5 !== 0) expect(w0[i]).toBeLessThanOrEqual(w0[i + 1]);
    // Garbage (NaN) in the other triangle is never read.
    expect(maxDiff(eigvalsh(spoil(At, true)), w)).toBe(0);
    expect(maxDiff(eigh(spoil(At, false), { UPLO: 'U' }).eigenvalues, w)).toBeLessThan(tol64(5, scale));
    expect(eigh(zeros([0, 0])).eigenvectors.shape).toEqual([0, 0]);
    expect(eigvalsh(zeros([0, 3, 3])).shape).toEqual([0, 3]);
  });

  it('gradcheck and gradgradcheck through A + Aᵀ (distinct eigenvalues): λ, |V|, eigenvector outer products', () => {
    const X = sampleToTensor(
      sample(symmetricMatrix({ rows: 4, batch: [2], distinctEigenvalues: { minGap: 0.3 } })),
      {
        requiresGrad: true,
      },
    );
    for (const UPLO of ['L', 'U'] as const) {
      const f = (x: Tensor) => {
        const { eigenvalues, eigenvectors: V } = eigh(x.add(x.mT), { UPLO });
        const v1 = V.narrow(-1, 1, 1);
        return [eigenvalues, V.abs(), v1.matmul(v1.mT)];
      };
      expect(gradcheck(f, [X])).toBe(true);
      expect(gradgradcheck(f, [X])).toBe(true);
    }
    expect(gradcheck((x: Tensor) => eigvalsh(x.add(x.mT)), [X])).toBe(true);
  });
});

describe('degeneracy guards: repeated singular values and eigenvalues', () => {
  const spyWarn = () => vi.spyOn(console, 'warn').mockImplementation(() => {});

  it('gauge-invariant losses get finite, correct gradients and no diagnostic', () => {
    const warn = spyWarn();
    const A = symWith([1, 1, 3], 3).requiresGrad_(); // λ = 1 twice
    eigvalsh(A).square().sum().backward(); // Σλ² = ‖A‖²_F, so the gradient is 2A
    expect(maxDiff(A.grad!, A.detach().mul(2))).toBeLessThan(tol64(3, 6));
    // The projector onto the whole repeated eigenspace is smooth; its gradient needs the guard.
    const proj = (x: Tensor) => {
      const V = eigh(x.add(x.mT).mul(0.5)).eigenvectors.narrow(-1, 0, 2);
      return V.matmul(V.mT);
    };
    expect(gradcheck(proj, [A.detach().requiresGrad_()])).toBe(true);
    expect(gradcheck((x: Tensor) => eigvalsh(x.add(x.mT)).sum(), [A.detach().requiresGrad_()])).toBe(true);

    const B = withSpectrum(4, 3, [2, 1, 1], 5).requiresGrad_(); // σ = 1 twice
    svdvals(B).sum().backward(); // nuclear norm: gradient U·Vh
    const { U, Vh } = svd(B.detach(), { fullMatrices: false });
    expect(maxDiff(B.grad!, U.matmul(Vh))).toBeLessThan(tol64(4, 1));
    const polar = (x: Tensor) => {
      const r = svd(x, { fullMatrices: false });
      return [r.U.matmul(r.Vh), r.S.sum()];
    };
    expect(gradcheck(polar, [B.detach().requiresGrad_()])).toBe(true);
    // The Hessian of the nuclear norm is the derivative of the polar factor U·Vh.
    expect(gradgradcheck((x: Tensor) => svdvals(x).sum(), [B.detach().requiresGrad_()])).toBe(true);

    // ‖A⁺‖_F at a rank-2 A = X Yᵀ with orthonormal X, Y (σ = 1, 1, 0), perturbing the factors.
    const Xf = orth(4, 7).narrow(-1, 0, 2).requiresGrad_();
    const Yf = orth(3, 9).narrow(-1, 0, 2).requiresGrad_();
    const pinvNorm = (x: Tensor, y: Tensor) => matrixNorm(pinv(x.matmul(y.mT)));
    expect(gradcheck(pinvNorm, [Xf, Yf])).toBe(true);
    expect(gradcheck((x: Tensor, y: Tensor) => pinv(x.matmul(y.mT)), [Xf, Yf])).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('gauge-dependent losses: one warning per op and process, strict raises, silent is quiet', () => {
    const A = symWith([1, 1, 3], 11);
    const eigLoss = (a: Tensor) =>
      eigh(a)
        .eigenvectors.narrow(-1, 0, 1)
        .matmul(tensor([[1, 2, 3]]))
        .sum();
    const B = withSpectrum(4, 3, [2, 1, 1], 13);
    const svdLoss = (b: Tensor) => svd(b, { fullMatrices: false }).U.narrow(-1, 1, 1).sum();
    for (const [name, M, loss] of [
      ['linalg.eigh', A, eigLoss],
      ['linalg.svd', B, svdLoss],
    ] as const) {
      const warn = spyWarn();
      warn.mockClear();
      const x = M.detach().requiresGrad_();
      loss(x).backward();
      expect(vals(x.grad!).every(Number.isFinite)).toBe(true);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toContain(`${name} backward: the gradient is ill-defined`);
      loss(M.detach().requiresGrad_()).backward();
      expect(warn).toHaveBeenCalledTimes(1); // once per process
      setSpectralGradMode('strict');
      expect(() => loss(M.detach().requiresGrad_()).backward()).toThrow(AutogradError);
      setSpectralGradMode('silent');
      resetSpectralGradWarnings();
      loss(M.detach().requiresGrad_()).backward();
      expect(warn).toHaveBeenCalledTimes(1);
      setSpectralGradMode('warn');
    }
    // The polar factor of a matrix with two zero singular values is not unique either.
    const Z = withSpectrum(3, 3, [1, 0, 0], 17).requiresGrad_();
    setSpectralGradMode('strict');
    expect(() => svdLoss(Z).backward()).toThrow(/linalg\.svd backward/);
    expect(() => setSpectralGradMode('loud' as never)).toThrow(/expected 'warn', 'strict' or 'silent'/);
  });

  it('pinv flags singular values within a factor 2 of its cutoff (a rank change)', () => {
    const warn = spyWarn();
    const D = mat('1 0; 0 1e-3');
    pinv(D.clone().requiresGrad_(), { atol: 1e-4 }).sum().backward(); // 1e-3 far above the cutoff
    expect(warn).not.toHaveBeenCalled();
    const x = D.clone().requiresGrad_();
    pinv(x, { atol: 1.5e-3 }).sum().backward();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('linalg.pinv backward');
    setSpectralGradMode('strict');
    expect(() => pinv(D.clone().requiresGrad_(), { rtol: 8e-4 }).sum().backward()).toThrow(AutogradError);
  });
});

describe('linalg.pinv', () => {
  it('satisfies the four Moore–Penrose conditions (full rank and rank-deficient, tall and wide, batched)', () => {
    const arb = fc.oneof(
      distinctSingularValuesMatrix({ batch: 'any', maxSize: 5, minSize: 1 }),
      fc
        .integer({ min: 1, max: 3 })
        .chain((r) => rankDeficientMatrix({ rank: r, minSize: r + 1, maxSize: 5, batch: [2], cond: 5 })),
    );
    fc.assert(
      fc.property(arb, (s) => {
        const A = sampleToTensor(s);
        const P = pinv(A);
        const n = Math.max(s.rows, s.cols);
        const kappa = s.cond ?? 5; // rank-deficient: σ₁/σ_r of the nonzero part
        const nA = maxAbs(svdvals(A)) || 1;
        const nP = maxAbs(svdvals(P)) || 1;
        expect(maxDiff(A.matmul(P).matmul(A), A)).toBeLessThanOrEqual(tol64(n, nA, kappa));
        expect(maxDiff(P.matmul(A).matmul(P), P)).toBeLessThanOrEqual(tol64(n, nP, kappa));
        const AP = A.matmul(P);
        const PA = P.matmul(A);
        expect(maxDiff(AP, AP.mT)).toBeLessThanOrEqual(tol64(n, 1, kappa));
        expect(maxDiff(PA, PA.mT)).toBeLessThanOrEqual(tol64(n, 1, kappa));
      }),
      { numRuns: 25, seed: 42 },
    );
  });

  it('cutoff max(atol, rtol·σ_max) with PyTorch defaults; hermitian uses |λ| and the lower triangle', () => {
    const D = mat('1 0 0; 0 1e-3 0; 0 0 1e-13');
    expect(pinv(D).dataSync()[8]).toBeCloseTo(1e13, -1); // default rtol = 3·eps keeps 1e-13
    expect(vals(pinv(D, { rtol: 1e-6 }))).toEqual(
      vals(mat('1 0 0; 0 1e3 0; 0 0 0')).map((x) => expect.closeTo(x, 9)),
    );
    expect(pinv(D, { atol: 1e-2 }).dataSync()[4]).toBe(0); // atol > 0 sets rtol to 0
    const H = symWith([2, -0.5, 1e-14], 21);
    const lower = H.tril().add(H.triu(1).mul(7)); // upper triangle wrong on purpose
    const Ph = pinv(lower, { hermitian: true, rtol: 1e-10 });
    expect(maxDiff(Ph, pinv(H, { rtol: 1e-10 }))).toBeLessThan(tol64(3, 2, 4));
    expect(pinv(zeros([0, 3])).shape).toEqual([3, 0]);
    expect(vals(pinv(zeros([2, 3])))).toEqual(Array(6).fill(0));
    expect(() => pinv(zeros([2, 3]), { hermitian: true })).toThrow(
      'linalg.pinv: A must be batches of square matrices',
    );
    expect(() => pinv(eye(2), { rtol: -1 })).toThrow(/rtol must be a finite number >= 0/);
  });

  it('atol and rtol may be tensors, one tolerance per matrix of the batch (as PyTorch)', () => {
    const A = randn([2, 3, 4, 4], { seed: 31 });
    const atol = tensor([[0.5], [1.5]]); // broadcasts over the batch [2, 3]
    const rtol = tensor([0.1, 0.3, 0.6]);
    const P = pinv(A, { atol, rtol });
    const R = linalg.matrixRank(A, { atol, rtol });
    expect(P.shape).toEqual([2, 3, 4, 4]);
    expect(R.shape).toEqual([2, 3]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const a = A.narrow(0, i, 1).narrow(1, j, 1).reshape([4, 4]);
        const o = { atol: [0.5, 1.5][i], rtol: [0.1, 0.3, 0.6][j] };
        const p = P.narrow(0, i, 1).narrow(1, j, 1).reshape([4, 4]);
        expect(vals(p)).toEqual(vals(pinv(a, o)));
        expect(R.narrow(0, i, 1).narrow(1, j, 1).item()).toBe(linalg.matrixRank(a, o).item());
      }
    }
    // One-element tensors are numbers; PyTorch's OpInfo passes rtol = tensor(1.0): every s ≤ σ_max is cut.
    expect(vals(pinv(A, { rtol: tensor(0.3) }))).toEqual(vals(pinv(A, { rtol: 0.3 })));
    expect(vals(pinv(A, { rtol: tensor(1) })).every((x) => x === 0)).toBe(true);
    expect(vals(linalg.matrixRank(A, { rtol: tensor([1]) }))).toEqual(Array(6).fill(0));
    // The per-matrix path stays differentiable.
    const X = randn([3, 3, 2], { seed: 32 }).requiresGrad_();
    expect(gradcheck((x: Tensor) => pinv(x, { rtol: tensor([1e-3, 1e-2, 1e-1]) }), [X])).toBe(true);
    expect(() => pinv(A, { atol: tensor([[[1]], [[2]]]) })).toThrow(
      'linalg.pinv: atol of shape [2, 1, 1] does not broadcast to the batch shape [2, 3] of A (one tolerance per matrix)',
    );
    expect(() => pinv(A, { atol: tensor([1, 2, 3, 4, 5]) })).toThrow(/cannot be broadcast/);
    expect(pinv(zeros([0, 3, 2]), { atol: tensor([1, 2, 3]).narrow(0, 0, 0) }).shape).toEqual([0, 2, 3]);
  });

  it('gradcheck and gradgradcheck: full rank, rank-deficient a·bᵀ through its factors, hermitian', () => {
    for (const [m, n] of [
      [4, 3],
      [3, 4],
      [3, 3],
    ]) {
      const X = randn([2, m, n], { seed: m * 10 + n }).requiresGrad_();
      expect(gradcheck((a: Tensor) => pinv(a), [X])).toBe(true);
      expect(gradgradcheck((a: Tensor) => pinv(a), [X])).toBe(true);
    }
    const a = randn([4, 1], { seed: 1 }).requiresGrad_();
    const b = randn([3, 1], { seed: 2 }).requiresGrad_();
    expect(gradcheck((x: Tensor, y: Tensor) => pinv(x.matmul(y.mT)), [a, b])).toBe(true);
    expect(gradgradcheck((x: Tensor, y: Tensor) => pinv(x.matmul(y.mT)), [a, b])).toBe(true);
    const a2 = randn([2, 4, 2], { seed: 3 }).requiresGrad_();
    const b2 = randn([2, 5, 2], { seed: 4 }).requiresGrad_();
    expect(gradcheck((x: Tensor, y: Tensor) => pinv(y.matmul(x.mT)), [a2, b2])).toBe(true);
    const S = randn([2, 3, 3], { seed: 5 }).requiresGrad_();
    expect(gradcheck((x: Tensor) => pinv(x.add(x.mT), { hermitian: true }), [S])).toBe(true);
    expect(gradgradcheck((x: Tensor) => pinv(x.add(x.mT), { hermitian: true }), [S])).toBe(true);
    expect(gradcheck((x: Tensor) => pinv(x.matmul(x.mT), { hermitian: true }), [a2])).toBe(true);
  });
});

describe('linalg.qr', () => {
  it('Q·R ≈ A with orthonormal Q and upper-triangular R in every mode', () => {
    for (const shape of [
      [5, 3],
      [3, 5],
      [4, 4],
      [2, 4, 2],
    ]) {
      const A = randn(shape, { seed: shape[0] + 3 * shape[1] });
      const [m, n] = shape.slice(-2);
      const k = Math.min(m, n);
      const scale = maxAbs(svdvals(A));
      for (const mode of ['reduced', 'complete'] as const) {
        const { Q, R } = qr(A, { mode });
        const cols = mode === 'complete' ? m : k;
        expect(Q.shape.slice(-2)).toEqual([m, cols]);
        expect(R.shape.slice(-2)).toEqual([cols, n]);
        expect(maxDiff(Q.matmul(R), A)).toBeLessThan(tol64(Math.max(m, n), scale));
        expect(maxDiff(gram(Q), I(cols))).toBeLessThan(tol64(m, 1));
        expect(maxAbs(R.tril(-1))).toBe(0);
      }
      const r = qr(A, { mode: 'r' });
      expect(r.Q.shape).toEqual([0]);
      expect(maxDiff(r.R, qr(A).R)).toBe(0);
    }
    expect(qr(zeros([3, 0]), { mode: 'complete' }).Q.shape).toEqual([3, 3]);
  });

  it('gradcheck and gradgradcheck (reduced: tall, square, wide; complete with m ≤ n)', () => {
    for (const [m, n, mode] of [
      [4, 3, 'reduced'],
      [3, 3, 'reduced'],
      [3, 5, 'reduced'],
      [3, 4, 'complete'],
    ] as const) {
      const X = randn([2, m, n], { seed: m + n }).requiresGrad_();
      const f = (a: Tensor) => {
        const { Q, R } = qr(a, { mode });
        return [Q, R];
      };
      expect(gradcheck(f, [X])).toBe(true);
      expect(gradgradcheck(f, [X])).toBe(true);
      expect(gradcheck((a: Tensor) => qr(a).R.diagonal(0, -2, -1).abs(), [X])).toBe(true);
    }
  });

  it("errors: unknown mode; no gradient for mode 'r' or for 'complete' with m > n", () => {
    expect(() => qr(eye(2), { mode: 'full' as never })).toThrow(
      `linalg.qr: received unrecognized mode "full" but expected one of 'reduced' (default), 'r', or 'complete'`,
    );
    expect(() =>
      qr(randn([3, 2], { seed: 1 }).requiresGrad_(), { mode: 'r' })
        .R.sum()
        .backward(),
    ).toThrow(/depends on Q, which is not computed when mode='r'/);
    expect(() =>
      qr(randn([3, 2], { seed: 1 }).requiresGrad_(), { mode: 'complete' })
        .Q.sum()
        .backward(),
    ).toThrow(/not differentiable when mode='complete' and nrows > ncols \(here 3 > 2\)/);
  });
});

describe('linalg.lstsq', () => {
  it('full-rank tall A: matches the normal equations; residuals, rank, singular values', () => {
    const A = sampleToTensor(
      sample(distinctSingularValuesMatrix({ rows: 6, cols: 3, batch: [2], spread: 'harmonic' })),
    );
    const B = randn([2, 6, 2], { seed: 3 });
    const { solution, residuals, rank, singularValues } = lstsq(A, B);
    const normal = linalg.solve(gram(A), A.mT.matmul(B));
    const kappa = 3; // σ_max/σ_min ≤ 1.5/(2/3) for the harmonic spectrum; the normal equations square it
    expect(maxDiff(solution, normal)).toBeLessThan(tol64(6, maxAbs(normal), kappa ** 2));
    expect(maxDiff(residuals, A.matmul(solution).sub(B).square().sum(-2))).toBeLessThan(
      tol64(6, maxAbs(residuals)),
    );
    expect(rank.dtype).toBe('int32');
    expect(vals(rank)).toEqual([3, 3]);
    expect(maxDiff(singularValues, svdvals(A))).toBe(0);
    const v = lstsq(A, randn([2, 6], { seed: 4 }));
    expect([v.solution.shape, v.residuals.shape]).toEqual([[2, 3], [2]]);
  });

  it('rank-deficient or wide A: the minimum-norm solution pinv(A)·B, and empty residuals', () => {
    const A = randn([5, 2], { seed: 5 }).matmul(randn([2, 3], { seed: 6 }));
    const B = randn([5, 2], { seed: 7 });
    const r = lstsq(A, B);
    expect(maxDiff(r.solution, pinv(A).matmul(B))).toBeLessThan(1e-13);
    expect(r.residuals.shape).toEqual([0]);
    expect(vals(r.rank)).toEqual([2]);
    const W = randn([2, 4], { seed: 8 });
    expect(maxDiff(W.matmul(lstsq(W, tensor([[1], [2]])).solution), tensor([[1], [2]]))).toBeLessThan(
      tol64(4, 2, 10),
    );
    expect(() => lstsq(eye(3), zeros([4, 1]))).toThrow(
      /linalg\.lstsq: Incompatible shapes of A and B .*3x3 and 4x1/,
    );
    expect(() => lstsq(eye(3), zeros([3, 1], { dtype: 'float32' }))).toThrow(/same dtype/);
  });

  it('gradcheck and gradgradcheck for A and B', () => {
    for (const [m, n] of [
      [5, 3],
      [2, 4],
    ]) {
      const A = randn([m, n], { seed: m }).requiresGrad_();
      const B = randn([m, 2], { seed: n }).requiresGrad_();
      expect(gradcheck((a: Tensor, b: Tensor) => lstsq(a, b).solution, [A, B])).toBe(true);
      expect(gradgradcheck((a: Tensor, b: Tensor) => lstsq(a, b).solution, [A, B])).toBe(true);
    }
    const A = randn([5, 3], { seed: 9 }).requiresGrad_();
    expect(gradcheck((a: Tensor) => lstsq(a, tensor([[1], [0], [2], [1], [3]])).residuals, [A])).toBe(true);
  });
});

describe('matrixNorm, cond, matrixRank', () => {
  it('norms match direct formulas; dim and keepdim', () => {
    const A = randn([2, 4, 3], { seed: 11 });
    const S = svdvals(A);
    const absA = A.abs();
    const amax = (t: Tensor, min = false) => {
      const rows = t.toArray() as number[][];
      return rows.map((r) => (min ? Math.min(...r) : Math.max(...r)));
    };
    const cases: [Parameters<typeof matrixNorm>[1], number[]][] = [
      ['fro', vals(A.square().sum([-2, -1]).sqrt())],
      ['nuc', vals(S.sum(-1))],
      [2, vals(S.narrow(-1, 0, 1).squeeze(-1))],
      [-2, vals(S.narrow(-1, 2, 1).squeeze(-1))],
      [1, amax(absA.sum(-2))],
      [-1, amax(absA.sum(-2), true)],
      [Infinity, amax(absA.sum(-1))],
      [-Infinity, amax(absA.sum(-1), true)],
    ];
    for (const [ord, want] of cases) {
      expect(vals(matrixNorm(A, ord)).map((x, i) => Math.abs(x - want[i]))).toEqual(
        [0, 0].map(() => expect.closeTo(0, 13)),
      );
    }
    expect(matrixNorm(A, 'fro', [0, 2], true).shape).toEqual([1, 4, 1]);
    expect(maxDiff(matrixNorm(A, 1, [0, 2]), matrixNorm(A.permute(1, 0, 2), 1))).toBe(0);
    expect(() => matrixNorm(A, 3)).toThrow('linalg.matrixNorm: Order 3 not supported');
    expect(() => matrixNorm(zeros([0, 3]), 2)).toThrow(/not defined for empty matrices/);
    expect(matrixNorm(zeros([0, 3]), 'nuc').item()).toBe(0);
    const Z = zeros([2, 2]).requiresGrad_();
    matrixNorm(Z).backward();
    expect(vals(Z.grad!)).toEqual([0, 0, 0, 0]);
  });

  it('gradcheck of every norm and of cond', () => {
    const X = sampleToTensor(sample(distinctSingularValuesMatrix({ rows: 4, cols: 3, spread: 'harmonic' })), {
      requiresGrad: true,
    });
    for (const ord of ['fro', 'nuc', 2, -2, 1, -1, Infinity, -Infinity] as const) {
      expect(gradcheck((a: Tensor) => matrixNorm(a, ord), [X])).toBe(true);
    }
    expect(gradgradcheck((a: Tensor) => matrixNorm(a, 'nuc'), [X])).toBe(true);
    const Q = X.detach().narrow(-2, 0, 3).requiresGrad_();
    for (const p of [undefined, -2, 1, Infinity, 'fro'] as const)
      expect(gradcheck((a: Tensor) => cond(a, p), [Q])).toBe(true);
  });

  it('cond and matrixRank values', () => {
    const D = mat('2 0; 0 1e-3');
    expect(cond(D).item()).toBeCloseTo(2000, 9);
    expect(cond(D, -2).item()).toBeCloseTo(5e-4, 15);
    expect(cond(D, 1).item()).toBeCloseTo(2000, 9);
    expect(cond(mat('1 0; 0 0')).item()).toBe(Infinity);
    expect(cond(mat('1 2; 2 4'), 1).item()).toBe(Infinity);
    expect(() => cond(zeros([2, 3]), 1)).toThrow(
      'linalg.cond(p=1): A must be batches of square matrices, but they are 2 by 3 matrices',
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 1000 }), (r, seed) => {
        const A = sampleToTensor(
          sample(rankDeficientMatrix({ rank: r, rows: 5, cols: 4, batch: [2], cond: 100 }), seed),
        );
        const rank = matrixRank(A);
        expect(rank.dtype).toBe('int32');
        expect(vals(rank)).toEqual([r, r]);
        const H = A.mT.matmul(A);
        expect(vals(matrixRank(H, { hermitian: true }))).toEqual([r, r]);
      }),
      { numRuns: 10, seed: 3 },
    );
    expect(vals(matrixRank(mat('1 0; 0 1e-3'), { atol: 1e-2 }))).toEqual([1]);
    expect(vals(matrixRank(mat('1 0; 0 1e-3'), { rtol: 1e-4 }))).toEqual([2]);
    expect(matrixRank(randn([3, 3], { seed: 1 }).requiresGrad_()).requiresGrad).toBe(false);
  });
});

describe('errors, NaN and non-convergence', () => {
  it('wrong shapes and arguments name the op and what was given', () => {
    expect(() => eigh(zeros([3, 4]))).toThrow(
      'linalg.eigh: A must be batches of square matrices, but they are 3 by 4 matrices',
    );
    expect(() => eigvalsh(zeros([2, 3]))).toThrow(/^linalg\.eigvalsh: A must be batches of square/);
    expect(() => eigh(eye(2), { UPLO: 'X' as never })).toThrow(
      `linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got "X"`,
    );
    expect(() => svd(zeros([3]))).toThrow(/linalg\.svd: The input tensor A must have at least 2 dimensions/);
    expect(() => qr(tensor([[1]], { dtype: 'int32' }))).toThrow(
      /linalg\.qr: Expected a floating point tensor/,
    );
  });

  it('NaN/Inf input gives NaN outputs, never an error or a finite number', () => {
    const bad = mat('NaN 1; 1 2');
    const { eigenvalues, eigenvectors } = eigh(bad);
    const inf = mat('Infinity 1; 1 2');
    const { U, S, Vh } = svd(inf);
    for (const t of [
      eigenvalues,
      eigenvectors,
      U,
      S,
      Vh,
      pinv(bad),
      svdvals(bad),
      pinv(inf, { hermitian: true }),
    ]) {
      expect(vals(t).every(Number.isNaN)).toBe(true);
    }
  });

  it("non-convergence (info > 0) is a LinAlgError in PyTorch's words", () => {
    const e = convergenceError('linalg.eigh', Int32Array.from([0, -1, 3]), true, 'eigenvalues');
    expect(e).toBeInstanceOf(LinAlgError);
    expect(e!.message).toBe(
      'linalg.eigh: (Batch element 2): The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated eigenvalues (error code: 3).',
    );
    expect(convergenceError('linalg.svd', Int32Array.from([-1]), false, 'singular values')).toBeNull();
  });
});
