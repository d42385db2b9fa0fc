import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../gradcheck/index.js';
import { linalgTolerance } from '../gradcheck/tolerance.js';
import {
  choleskyInverse,
  diagEmbed,
  eye,
  LinAlgError,
  linalg,
  logdet,
  randn,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';
import { checkNonFinite } from './helpers/lu-nonfinite.js';

/** A well-conditioned test matrix: Gaussian plus a multiple of the identity. */
const wellConditioned = (shape: number[], seed: number) => {
  const n = shape[shape.length - 1];
  return randn(shape, { seed }).add(eye(n).mul(n + 2));
};
const spd = (shape: number[], seed: number) => {
  const x = randn(shape, { seed });
  const n = shape[shape.length - 1];
  return x.matmul(x.mT).add(eye(n).mul(n));
};
const maxAbsDiff = (a: Tensor, b: Tensor) => {
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
};
/** ‖A‖₁·‖A⁻¹‖₁, an estimate of the condition number good enough for test tolerances. */
const cond1 = (a: Tensor) => {
  const norm1 = (t: Tensor) => {
    const n = t.shape[t.ndim - 1];
    const d = t.dataSync();
    let best = 0;
    for (let e = 0; e < d.length; e += n * n) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += Math.abs(d[e + i * n + j]);
        best = Math.max(best, s);
      }
    }
    return best;
  };
  return norm1(a) * norm1(linalg.inv(a));
};

describe('linalg.inv', () => {
  it("matches NumPy's documented 2×2 and batched examples", () => {
    // cond₁([[1,2],[3,4]]) = 21: allow a few units of n·eps·cond.
    expect(
      maxAbsDiff(
        linalg.inv(
          tensor([
            [1, 2],
            [3, 4],
          ]),
        ),
        tensor([
          [-2, 1],
          [1.5, -0.5],
        ]),
      ),
    ).toBeLessThan(10 * 2 * 2 ** -52 * 21);
    const b = linalg.inv(
      tensor([
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 3],
          [3, 5],
        ],
      ]),
    );
    const want = tensor([
      [
        [-2, 1],
        [1.5, -0.5],
      ],
      [
        [-1.25, 0.75],
        [0.75, -0.25],
      ],
    ]);
    expect(maxAbsDiff(b, want)).toBeLessThan(1e-15 * 8);
  });

  it('A·inv(A) ≈ I and inv(A)·A ≈ I within n·eps·cond', () => {
    for (const n of [1, 3, 8, 33]) {
      const A = wellConditioned([2, n, n], n);
      const X = linalg.inv(A);
      const { atol } = linalgTolerance({ dtype: 'float64', cond: cond1(A), n });
      expect(maxAbsDiff(A.matmul(X), eye(n).expand(2, n, n))).toBeLessThan(atol);
      expect(maxAbsDiff(X.matmul(A), eye(n).expand(2, n, n))).toBeLessThan(atol);
    }
  });

  it('raises LinAlgError with PyTorch text and the batch element for singular input', () => {
    expect(() =>
      linalg.inv(
        tensor([
          [1, 2],
          [2, 4],
        ]),
      ),
    ).toThrow(
      'linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular.',
    );
    const batch = eye(3)
      .expand(4, 3, 3)
      .mul(tensor([1, 1, 1, 0]).reshape(4, 1, 1));
    expect(() => linalg.inv(batch)).toThrow(
      /linalg\.inv: \(Batch element 3\): The diagonal element 1 is zero/,
    );
    expect(() => linalg.inv(zeros([2, 2]))).toThrow(LinAlgError);
  });

  it('invEx returns info and never raises', () => {
    const { inverse, info } = linalg.invEx(
      tensor([
        [
          [1, 2],
          [2, 4],
        ],
        [
          [2, 0],
          [0, 2],
        ],
      ]),
    );
    expect(Array.from(info.dataSync())).toEqual([2, 0]);
    expect((inverse.toArray() as number[][][])[1]).toEqual([
      [0.5, 0],
      [0, 0.5],
    ]);
  });

  it('rejects non-square and low-rank-tensor inputs before any work', () => {
    expect(() => linalg.inv(zeros([3, 4]))).toThrow(
      'linalg.inv: A must be batches of square matrices, but they are 3 by 4 matrices',
    );
    expect(() => linalg.inv(zeros([3]))).toThrow(/at least 2 dimensions/);
    expect(() => linalg.inv(tensor([[1]], { dtype: 'int32' }))).toThrow(/floating point/);
  });

  it('NaN or ±inf in the read part of A gives NaN for that batch element only', async () => {
    await checkNonFinite('cpu', async (t) => t.dataSync());
  });

  it('empty inputs give empty results; NaN gives NaN', () => {
    expect(linalg.inv(zeros([0, 0])).shape).toEqual([0, 0]);
    expect(linalg.inv(zeros([0, 3, 3])).shape).toEqual([0, 3, 3]);
    const x = linalg
      .inv(
        tensor([
          [Number.NaN, 1],
          [1, 1],
        ]),
      )
      .dataSync();
    expect(Array.from(x).every(Number.isNaN)).toBe(true);
    expect(
      tensor([
        [2, 0],
        [0, 4],
      ])
        .inverse()
        .toArray(),
    ).toEqual([
      [0.5, 0],
      [0, 0.25],
    ]);
  });

  it('gradcheck and gradgradcheck in float64', () => {
    const A = wellConditioned([2, 3, 3], 5).requiresGrad_();
    expect(gradcheck((a) => linalg.inv(a), [A])).toBe(true);
    expect(gradgradcheck((a) => linalg.inv(a), [A])).toBe(true);
  });
});

describe('linalg.solve', () => {
  it('solve(A, A·X) ≈ X, with broadcasting and vector right-hand sides', () => {
    const A = wellConditioned([3, 4, 4], 1);
    const X = randn([3, 4, 2], { seed: 2 });
    const tol = linalgTolerance({ dtype: 'float64', cond: cond1(A), n: 4 }).atol * 4;
    expect(maxAbsDiff(linalg.solve(A, A.matmul(X)), X)).toBeLessThan(tol);
    const v = randn([4], { seed: 3 });
    const xs = linalg.solve(A, v);
    expect(xs.shape).toEqual([3, 4]);
    const Ab = wellConditioned([4, 4], 4);
    expect(linalg.solve(Ab, randn([5, 4, 1], { seed: 6 })).shape).toEqual([5, 4, 1]);
    const right = linalg.solve(A, randn([3, 2, 4], { seed: 7 }), { left: false });
    expect(right.shape).toEqual([3, 2, 4]);
  });

  it('errors: singular, mismatched shapes', () => {
    expect(() =>
      linalg.solve(
        tensor([
          [1, 2],
          [2, 4],
        ]),
        tensor([1, 1]),
      ),
    ).toThrow('linalg.solve: The solver failed because the input matrix is singular.');
    expect(() => linalg.solve(eye(3), zeros([4, 1]))).toThrow(
      'linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x1)',
    );
  });

  it('gradcheck and gradgradcheck for both sides', () => {
    const A = wellConditioned([2, 3, 3], 8).requiresGrad_();
    const B = randn([2, 3, 2], { seed: 9 }).requiresGrad_();
    expect(gradcheck((a, b) => linalg.solve(a, b), [A, B])).toBe(true);
    expect(gradgradcheck((a, b) => linalg.solve(a, b), [A, B])).toBe(true);
    const Bt = randn([2, 2, 3], { seed: 10 }).requiresGrad_();
    expect(gradcheck((a, b) => linalg.solve(a, b, { left: false }), [A, Bt])).toBe(true);
  });
});

describe('linalg.solveTriangular', () => {
  it('solves all upper/left/unitriangular combinations and reads only its triangle', () => {
    const A = wellConditioned([2, 4, 4], 11);
    for (const upper of [true, false]) {
      for (const left of [true, false]) {
        for (const unitriangular of [true, false]) {
          const B = left ? randn([2, 4, 3], { seed: 12 }) : randn([2, 3, 4], { seed: 12 });
          const X = linalg.solveTriangular(A, B, { upper, left, unitriangular });
          let T = upper ? A.triu() : A.tril();
          if (unitriangular) T = T.sub(diagEmbed(T.diagonal(0, -2, -1))).add(eye(4));
          const back = left ? T.matmul(X) : X.matmul(T);
          expect(maxAbsDiff(back, B)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('gradcheck and gradgradcheck', () => {
    const A = wellConditioned([2, 3, 3], 13).requiresGrad_();
    const B = randn([2, 3, 2], { seed: 14 }).requiresGrad_();
    for (const upper of [true, false]) {
      for (const unitriangular of [true, false]) {
        const f = (a: Tensor, b: Tensor) => linalg.solveTriangular(a, b, { upper, unitriangular });
        expect(gradcheck(f, [A, B])).toBe(true);
        expect(gradgradcheck(f, [A, B])).toBe(true);
      }
    }
    const Br = randn([2, 2, 3], { seed: 15 }).requiresGrad_();
    expect(gradcheck((a, b) => linalg.solveTriangular(a, b, { upper: true, left: false }), [A, Br])).toBe(
      true,
    );
  });

  it('requires upper, and checks shapes', () => {
    expect(() => linalg.solveTriangular(eye(2), eye(2), {} as never)).toThrow(/upper is required/);
    expect(() => linalg.solveTriangular(eye(2), zeros([3, 1]), { upper: true })).toThrow(
      /Incompatible shapes/,
    );
  });
});

describe('det, slogdet, logdet', () => {
  it('det(AB) = det(A)·det(B); permutation sign; 0×0 is 1', () => {
    const A = wellConditioned([3, 3], 20);
    const B = wellConditioned([3, 3], 21);
    const lhs = linalg.det(A.matmul(B)).item();
    const rhs = linalg.det(A).item() * linalg.det(B).item();
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.abs(rhs));
    expect(
      linalg
        .det(
          tensor([
            [0, 1],
            [1, 0],
          ]),
        )
        .item(),
    ).toBe(-1);
    expect(linalg.det(zeros([0, 0])).item()).toBe(1);
    const { sign, logabsdet } = linalg.slogdet(
      tensor([
        [0, 2],
        [3, 0],
      ]),
    );
    expect(sign.item()).toBe(-1);
    expect(Math.abs(logabsdet.item() - Math.log(6))).toBeLessThan(1e-15);
    expect(
      Number.isNaN(
        logdet(
          tensor([
            [0, 2],
            [3, 0],
          ]),
        ).item(),
      ),
    ).toBe(true);
    expect(
      logdet(
        tensor([
          [1, 2],
          [2, 4],
        ]),
      ).item(),
    ).toBe(Number.NEGATIVE_INFINITY);
  });

  it('det has a finite, correct gradient at singular matrices (the cofactor matrix)', () => {
    // rank 1: cof(A) = [[d, -c], [-b, a]] for A = [[a, b], [c, d]]
    const A = tensor(
      [
        [1, 2],
        [2, 4],
      ],
      { requiresGrad: true },
    );
    linalg.det(A).backward();
    expect(
      maxAbsDiff(
        A.grad!,
        tensor([
          [4, -2],
          [-2, 1],
        ]),
      ),
    ).toBeLessThan(1e-14);
    // rank n-2: the cofactor matrix is zero
    const Z = zeros([3, 3]).requiresGrad_();
    linalg.det(Z).backward();
    expect(maxAbsDiff(Z.grad!, zeros([3, 3]))).toBe(0);
    // rank-1 3×3 with the gradient from finite differences
    const u = tensor([[1], [2], [3]]);
    const S = u
      .matmul(tensor([[1, -1, 2]]))
      .add(
        tensor([
          [0, 0, 0],
          [0, 1, 0],
          [0, 0, 0],
        ]),
      )
      .requiresGrad_();
    expect(gradcheck((a) => linalg.det(a), [S])).toBe(true);
  });

  it('gradcheck and gradgradcheck of det, slogdet, logdet', () => {
    const A = wellConditioned([2, 3, 3], 22).requiresGrad_();
    expect(gradcheck((a) => linalg.det(a), [A])).toBe(true);
    expect(gradgradcheck((a) => linalg.det(a), [A])).toBe(true);
    expect(gradcheck((a) => linalg.slogdet(a).logabsdet, [A])).toBe(true);
    expect(gradgradcheck((a) => linalg.slogdet(a).logabsdet, [A])).toBe(true);
    const P = spd([2, 3, 3], 23).requiresGrad_();
    expect(gradcheck((a) => logdet(a), [P])).toBe(true);
  });
});

describe('linalg.luFactor', () => {
  it('P·L·U reconstructs A, and its gradient checks', () => {
    const A = wellConditioned([2, 4, 4], 30).requiresGrad_();
    const { LU, pivots } = linalg.luFactor(A);
    expect(pivots.dtype).toBe('int32');
    expect(gradcheck((a) => linalg.luFactor(a).LU, [A])).toBe(true);
    expect(gradgradcheck((a) => linalg.luFactor(a).LU, [A])).toBe(true);
    expect(LU.shape).toEqual([2, 4, 4]);
    expect(() =>
      linalg.luFactor(
        tensor([
          [1, 2],
          [2, 4],
        ]),
      ),
    ).toThrow(/U\[2,2\] is zero/);
    expect(
      Array.from(
        linalg
          .luFactorEx(
            tensor([
              [1, 2],
              [2, 4],
            ]),
          )
          .info.dataSync(),
      ),
    ).toEqual([2]);
  });
});

describe('cholesky and choleskyInverse', () => {
  it('L·Lᴴ ≈ A; upper gives U = Lᴴ; choleskyInverse ≈ inv(A) for both upper values', () => {
    const A = spd([2, 5, 5], 40);
    const L = linalg.cholesky(A);
    expect(maxAbsDiff(L.matmul(L.mT), A)).toBeLessThan(1e-12);
    const U = linalg.cholesky(A, { upper: true });
    expect(maxAbsDiff(U, L.mT)).toBe(0);
    const Ainv = linalg.inv(A);
    expect(maxAbsDiff(choleskyInverse(L), Ainv)).toBeLessThan(1e-13);
    expect(maxAbsDiff(choleskyInverse(U, { upper: true }), Ainv)).toBeLessThan(1e-13);
  });

  it('raises for non-positive-definite input with the minor order and batch element', () => {
    expect(() =>
      linalg.cholesky(
        tensor([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, -1],
        ]),
      ),
    ).toThrow(
      'linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the leading minor of order 3 is not positive-definite).',
    );
    const batch = eye(2)
      .expand(3, 2, 2)
      .mul(tensor([1, -1, 1]).reshape(3, 1, 1));
    expect(() => linalg.cholesky(batch)).toThrow(/\(Batch element 1\): .*leading minor of order 1/);
    const { info } = linalg.choleskyEx(batch);
    expect(Array.from(info.dataSync())).toEqual([0, 1, 0]);
    expect(() =>
      choleskyInverse(
        tensor([
          [1, 0],
          [1, 0],
        ]),
      ),
    ).toThrow(/cholesky_inverse: The diagonal element 2 is zero/);
  });

  it('gradcheck and gradgradcheck through symmetric inputs', () => {
    const X = randn([2, 3, 3], { seed: 41 }).requiresGrad_();
    const sym = (x: Tensor) => x.matmul(x.mT).add(eye(3).mul(3));
    for (const upper of [false, true]) {
      expect(gradcheck((x) => linalg.cholesky(sym(x), { upper }), [X])).toBe(true);
      expect(gradgradcheck((x) => linalg.cholesky(sym(x), { upper }), [X])).toBe(true);
    }
    const L = linalg
      .cholesky(spd([2, 3, 3], 42))
      .detach()
      .requiresGrad_();
    // The formula is PyTorch's, not projected onto the triangle that is read, so (as PyTorch's
    // OpInfo does) the check goes through the triangular part of the input.
    expect(gradcheck((l) => choleskyInverse(l.tril()), [L])).toBe(true);
    expect(gradgradcheck((l) => choleskyInverse(l.tril()), [L])).toBe(true);
    const Uf = L.mT.detach().requiresGrad_();
    expect(gradcheck((u) => choleskyInverse(u.triu(), { upper: true }), [Uf])).toBe(true);
    expect(gradgradcheck((u) => choleskyInverse(u.triu(), { upper: true }), [Uf])).toBe(true);
  });
});
