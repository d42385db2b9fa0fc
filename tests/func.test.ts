/**
 * The function transforms (func.*, as torch.func) against hand-derived results and central finite
 * differences in float64: grad, gradAndValue, vjp, jvp, jacrev, jacfwd, hessian, their argnums
 * and hasAux forms, nesting, and the bad-input errors.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  cast,
  eye,
  func,
  linalg,
  matmul,
  noGrad,
  randn,
  stack as stackOf,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

const maxAbs = (t: Tensor) => Math.max(0, ...Array.from(t.abs().dataSync()));
const expectClose = (a: Tensor, b: Tensor, tol = 1e-9) => {
  expect(a.shape).toEqual(b.shape);
  expect(maxAbs(a.sub(b))).toBeLessThan(tol * Math.max(1, maxAbs(b)));
};

/** Central differences of f at x: shape [...f(x).shape, ...x.shape]. */
function numJacobian(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-6): Tensor {
  const base = x.dataSync().slice();
  const y0 = f(x);
  const cols: Float64Array[] = [];
  for (let i = 0; i < base.length; i++) {
    const at = (s: number) => {
      const d = base.slice();
      d[i] += s * h;
      return f(tensor(d, { shape: [...x.shape] })).dataSync();
    };
    const [p, m] = [at(1), at(-1)];
    cols.push(Float64Array.from(p, (v, k) => (v - m[k]) / (2 * h)));
  }
  const nOut = y0.numel;
  const data = new Float64Array(nOut * base.length);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < base.length; i++) data[o * base.length + i] = cols[i][o];
  return tensor(data, { shape: [...y0.shape, ...x.shape] });
}

/** A well-conditioned matrix: I·n + a small random part. */
const wellConditioned = (n: number, seed: number) => randn([n, n], { seed }).mul(0.3).add(eye(n).mul(2));

// Some functions with hand-derivable Jacobians, used by several transforms.
const A3 = wellConditioned(3, 1);
const fns: [string, (x: Tensor) => Tensor, Tensor][] = [
  ['elementwise', (x) => x.sin().mul(x.exp()), tensor([0.3, -0.7, 1.2])],
  ['matmul and tanh', (x) => matmul(A3, x.tanh()).square(), tensor([0.1, 0.5, -0.4])],
  [
    'reduction over a matrix',
    (x) => x.square().sum(1).sqrt(),
    tensor([
      [1, 2, 0.5],
      [0.3, -1, 2],
    ]),
  ],
  ['a broadcasting product', (x) => x.unsqueeze(1).mul(x.unsqueeze(0)).exp(), tensor([0.2, -0.1])],
];

describe('func.grad and func.gradAndValue', () => {
  it('gives the hand-derived gradient, shaped like the input, without history', () => {
    const g = func.grad((x: Tensor) => x.pow(3).sum())(tensor([1, 2, -3]));
    expect(g.toArray()).toEqual([3, 12, 27]);
    expect(g.requiresGrad).toBe(false);
  });

  it('argnums picks one argument, several (an array), or counts from the end', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).sum();
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expect(func.grad(f)(a, b).toArray()).toEqual([3, 4]);
    expect(func.grad(f, { argnums: 1 })(a, b).toArray()).toEqual([1, 2]);
    expect(func.grad(f, { argnums: -1 })(a, b).toArray()).toEqual([1, 2]);
    const [ga, gb] = func.grad(f, { argnums: [0, 1] })(a, b);
    expect([ga.toArray(), gb.toArray()]).toEqual([
      [3, 4],
      [1, 2],
    ]);
  });

  it('hasAux passes the aux value through; gradAndValue returns the value too', () => {
    const f = (x: Tensor): [Tensor, { norm: Tensor }] => [x.square().sum(), { norm: x.abs().sum() }];
    const [g, aux] = func.grad(f, { hasAux: true })(tensor([1, -2]));
    expect(g.toArray()).toEqual([2, -4]);
    expect(aux.norm.item()).toBe(3);
    const [g2, v] = func.gradAndValue((x: Tensor) => x.square().sum())(tensor([1, 2]));
    expect([g2.toArray(), v.item()]).toEqual([[2, 4], 5]);
    const [g3, [v3, aux3]] = func.gradAndValue(f, { hasAux: true })(tensor([3]));
    expect([g3.toArray(), v3.item(), aux3.norm.item()]).toEqual([[6], 9, 3]);
  });

  it('nests: grad(grad(f)) is the second derivative, and matches finite differences', () => {
    const f = (x: Tensor) => x.pow(3).sum();
    expect(func.grad(func.grad(f))(tensor(2)).item()).toBeCloseTo(12, 12);
    const g = (x: Tensor) => x.sin().mul(x).sum();
    const d2 = func.grad((x: Tensor) => func.grad(g)(x).sum())(tensor([0.5, 1.5]));
    expectClose(d2, numJacobian((x) => func.grad(g)(x), tensor([0.5, 1.5])).diagonal(), 1e-7);
  });

  it('gives zeros for an argument the output does not depend on', () => {
    const [gx, gy] = func.grad((x: Tensor, _y: Tensor) => x.sum(), { argnums: [0, 1] })(
      tensor([1, 2]),
      tensor([[5]]),
    );
    expect([gx.toArray(), gy.toArray()]).toEqual([[1, 1], [[0]]]);
  });

  it('works inside noGrad and tidy (a transform turns recording on for itself)', () => {
    const f = (x: Tensor) => x.pow(3).sum();
    expect(noGrad(() => func.grad(f)(tensor([1, 2]))).toArray()).toEqual([3, 12]);
    expect(tidy(() => func.hessian(f)(tensor([1, 2]))).toArray()).toEqual([
      [6, 0],
      [0, 12],
    ]);
  });

  it('stays differentiable for an outer autograd graph when the argument requires grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const g = func.grad((t: Tensor) => t.pow(3).sum())(x); // 3x²
    expect(g.requiresGrad).toBe(true);
    g.sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 12]);
  });
});

describe('func.vjp', () => {
  it('returns the output and a pullback that may be called many times', () => {
    const [y, vjpFn] = func.vjp((x: Tensor) => x.square(), tensor([1, 2]));
    expect(y.toArray()).toEqual([1, 4]);
    expect(vjpFn(tensor([1, 1]))[0].toArray()).toEqual([2, 4]);
    expect(vjpFn(tensor([1, 0]))[0].toArray()).toEqual([2, 0]);
  });

  it('gives one gradient per primal, takes one cotangent per output, and passes aux through', () => {
    const f = (x: Tensor, y: Tensor) => [x.mul(y), x.add(y).sum()];
    const [outs, vjpFn] = func.vjp(f, tensor([1, 2]), tensor([3, 4]));
    expect(outs.map((o) => o.toArray())).toEqual([[3, 8], 10]);
    const [gx, gy] = vjpFn([tensor([1, 1]), tensor(2)]);
    expect([gx.toArray(), gy.toArray()]).toEqual([
      [5, 6],
      [3, 4],
    ]);
    const [out, pull, aux] = func.vjp((x: Tensor) => [x.exp(), 'note'], tensor([0]), { hasAux: true });
    expect([(out as Tensor).item(), pull(tensor([2]))[0].item(), aux]).toEqual([1, 2, 'note']);
  });

  it('vᵀJ agrees with the finite-difference Jacobian', () => {
    for (const [, f, x] of fns) {
      const [y, vjpFn] = func.vjp(f, x);
      const v = randn([...y.shape], { seed: 3 });
      const J = numJacobian(f, x);
      const want = matmul(v.reshape([1, -1]), J.reshape([v.numel, -1])).reshape([...x.shape]);
      expectClose(vjpFn(v)[0], want, 1e-7);
    }
  });
});

describe('func.jvp', () => {
  it('gives the output and J·v by forward mode', () => {
    const [y, dy] = func.jvp((x: Tensor) => x.exp(), [tensor([0, 1])], [tensor([1, 2])]);
    expect(y.toArray()).toEqual([1, Math.E]);
    expect(dy.toArray()).toEqual([1, 2 * Math.E]);
    expect(dy.requiresGrad).toBe(false);
  });

  it('sums the contributions of several primals; hasAux gives [output, tangent, aux]', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y);
    const [, dz] = func.jvp(f, [tensor([2]), tensor([5])], [tensor([1]), tensor([10])]);
    expect(dz.item()).toBe(5 + 20);
    const [o, t, aux] = func.jvp((x: Tensor) => [x.square(), x.shape], [tensor([3])], [tensor([1])], {
      hasAux: true,
    });
    expect([(o as Tensor).item(), (t as Tensor).item(), aux]).toEqual([9, 6, [1]]);
  });

  it('J·v agrees with the finite-difference Jacobian', () => {
    for (const [, f, x] of fns) {
      const v = randn([...x.shape], { seed: 4 });
      const [, dy] = func.jvp(f, [x], [v]);
      const J = numJacobian(f, x);
      const want = matmul(J.reshape([-1, v.numel]), v.reshape([-1, 1])).reshape([...dy.shape]);
      expectClose(dy, want, 1e-7);
    }
  });

  it('⟨u, J v⟩ from jvp equals ⟨uᵀJ, v⟩ from vjp', () => {
    for (const [, f, x] of fns) {
      const v = randn([...x.shape], { seed: 5 });
      const [y, dy] = func.jvp(f, [x], [v]);
      const u = randn([...y.shape], { seed: 6 });
      const [, vjpFn] = func.vjp(f, x);
      expect(u.mul(dy).sum().item()).toBeCloseTo(vjpFn(u)[0].mul(v).sum().item(), 10);
    }
  });
});

describe('func.jacrev and func.jacfwd', () => {
  it('jacrev of x ↦ solve(A, x) is A⁻¹', () => {
    const A = wellConditioned(4, 11);
    const J = func.jacrev((x: Tensor) => linalg.solve(A, x))(randn([4], { seed: 12 }));
    expectClose(J, linalg.inv(A), 1e-12);
  });

  it('jacrev of X ↦ solve(A, X) for a matrix right-hand side is A⁻¹ ⊗ I, shaped [...out, ...in]', () => {
    const A = wellConditioned(3, 13);
    const J = func.jacrev((X: Tensor) => linalg.solve(A, X))(randn([3, 2], { seed: 14 }));
    expect(J.shape).toEqual([3, 2, 3, 2]);
    const Ainv = linalg.inv(A);
    // ∂X[i,j]/∂B[k,l] = A⁻¹[i,k] δ(j,l)
    const want = Ainv.reshape([3, 1, 3, 1]).mul(eye(2).reshape([1, 2, 1, 2]));
    expectClose(J, want, 1e-12);
  });

  it('both agree with finite differences and with each other, with shape [...out, ...in]', () => {
    for (const [name, f, x] of fns) {
      const J = numJacobian(f, x);
      const Jr = func.jacrev(f)(x);
      const Jf = func.jacfwd(f)(x);
      expect(Jr.shape, name).toEqual([...f(x).shape, ...x.shape]);
      expectClose(Jr, J, 1e-7);
      expectClose(Jf, Jr, 1e-12);
    }
  });

  it('agree with each other through linalg: inv (dX = −X dA X), solve, cholesky, det', () => {
    const A = wellConditioned(3, 18);
    const S = A.matmul(A.mT);
    const cases: [string, (x: Tensor) => Tensor, Tensor][] = [
      ['inv', (x) => linalg.inv(x), A],
      ['solve', (x) => linalg.solve(x, tensor([1, 2, 3])), A],
      ['cholesky', (x) => linalg.cholesky(x.add(x.mT).mul(0.5)), S],
      ['det', (x) => linalg.det(x), A],
    ];
    for (const [name, f, x] of cases) {
      const Jr = func.jacrev(f)(x);
      expect(Jr.shape, name).toEqual([...f(x).shape, ...x.shape]);
      expectClose(func.jacfwd(f)(x), Jr, 1e-11);
      expectClose(Jr, numJacobian(f, x), 1e-6);
    }
    // inv's Jacobian in closed form: ∂X[i,j]/∂A[k,l] = −X[i,k] X[l,j]
    const X = linalg.inv(A);
    const want = X.reshape([3, 1, 3, 1])
      .mul(X.mT.reshape([1, 3, 1, 3]))
      .neg();
    expectClose(func.jacfwd((x: Tensor) => linalg.inv(x))(A), want, 1e-12);
  });

  it('argnums arrays give an array of Jacobians; array outputs an array per output', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y);
    const x = tensor([1, 2]);
    const y = tensor([3, 4]);
    for (const jac of [func.jacrev, func.jacfwd]) {
      const [jx, jy] = jac(f, [0, 1])(x, y);
      expect([jx.toArray(), jy.toArray()]).toEqual([
        [
          [3, 0],
          [0, 4],
        ],
        [
          [1, 0],
          [0, 2],
        ],
      ]);
      const g = (t: Tensor) => [t.sum(), t.square()];
      const [js, jsq] = jac(g)(x);
      expect([js.toArray(), jsq.toArray()]).toEqual([
        [1, 1],
        [
          [2, 0],
          [0, 4],
        ],
      ]);
      const [both] = jac(g, [0])(x);
      expect(both.map((t) => t.shape)).toEqual([[2]]);
      const [J, aux] = jac((t: Tensor): [Tensor, number] => [t.square(), 7], 0, { hasAux: true })(x);
      expect([J.toArray(), aux]).toEqual([
        [
          [2, 0],
          [0, 4],
        ],
        7,
      ]);
    }
  });

  it('nest in all four orders to the same Hessian', () => {
    const A = wellConditioned(2, 15);
    const q = (x: Tensor) =>
      matmul(x.unsqueeze(0), matmul(A, x.unsqueeze(1)))
        .sum()
        .exp()
        .mul(0.01);
    const x = tensor([0.3, -0.2]);
    const rr = func.jacrev(func.jacrev(q))(x);
    for (const H of [
      func.jacfwd(func.jacrev(q))(x),
      func.jacfwd(func.jacfwd(q))(x),
      func.jacrev(func.jacfwd(q))(x),
      func.hessian(q)(x),
    ]) {
      expectClose(H, rr, 1e-12);
    }
  });
});

/** −log p(y | X, θ) of a GP with a squared-exponential kernel; θ = [log ℓ, log σf, log σn]. */
function gpNll(X: Tensor, y: Tensor) {
  const n = X.shape[0];
  const D = X.unsqueeze(1).sub(X.unsqueeze(0)).square().sum(2); // squared distances, constant
  return (theta: Tensor) => {
    const [logL, logSf, logSn] = [0, 1, 2].map((i) => theta.narrow(0, i, 1));
    const K = D.mul(logL.mul(-2).exp().mul(-0.5))
      .exp()
      .mul(logSf.mul(2).exp())
      .add(eye(n).mul(logSn.mul(2).exp()));
    const L = linalg.cholesky(K);
    const alpha = linalg.solve(K, y.unsqueeze(1));
    const logdet = L.diagonal().log().sum().mul(2);
    return y
      .unsqueeze(0)
      .matmul(alpha)
      .sum()
      .add(logdet)
      .add(n * Math.log(2 * Math.PI))
      .mul(0.5);
  };
}

describe('func.hessian', () => {
  it('of simple functions: Σx³ and the quadratic form xᵀAx', () => {
    expect(
      func
        .hessian((x: Tensor) => x.pow(3).sum())(tensor([1, 2]))
        .toArray(),
    ).toEqual([
      [6, 0],
      [0, 12],
    ]);
    const A = randn([3, 3], { seed: 16 });
    const H = func.hessian((x: Tensor) => matmul(x.unsqueeze(0), matmul(A, x.unsqueeze(1))).sum())(
      randn([3], { seed: 17 }),
    );
    expectClose(H, A.add(A.mT), 1e-12);
  });

  it('with argnums an array gives the nested blocks [[Hxx, Hxy], [Hyx, Hyy]]', () => {
    const [[hxx, hxy], [hyx, hyy]] = func.hessian((x: Tensor, y: Tensor) => x.mul(y).square().sum(), [0, 1])(
      tensor([1, 2]),
      tensor([3, 4]),
    );
    // f = Σ x_i² y_i²: ∂²/∂x_i² = 2y_i², ∂²/∂x_i∂y_i = 4 x_i y_i, ∂²/∂y_i² = 2x_i²
    expect(hxx.toArray()).toEqual([
      [18, 0],
      [0, 32],
    ]);
    expect(hxy.toArray()).toEqual([
      [12, 0],
      [0, 32],
    ]);
    expect(hyx.toArray()).toEqual(hxy.toArray());
    expect(hyy.toArray()).toEqual([
      [2, 0],
      [0, 8],
    ]);
  });

  it('of a GP negative log-likelihood (cholesky + solve) is symmetric and equals reverse-over-reverse', () => {
    const X = randn([12, 2], { seed: 21 });
    const y = X.narrow(1, 0, 1)
      .squeeze(1)
      .sin()
      .add(randn([12], { seed: 22 }).mul(0.1));
    const nll = gpNll(X, y);
    const theta = tensor([Math.log(0.8), Math.log(1.1), Math.log(0.2)]);
    const H = func.hessian(nll)(theta);
    expect(H.shape).toEqual([3, 3]);
    expectClose(H, H.mT, 1e-10);
    expectClose(H, func.jacrev(func.jacrev(nll))(theta), 1e-10);
    expectClose(
      H,
      numJacobian((t) => func.grad(nll)(t), theta),
      1e-6,
    );
  });
});

describe('func.vmap with the other transforms', () => {
  it('vmap(grad(loss)) gives per-sample gradients of a linear model', () => {
    const X = randn([6, 3], { seed: 31 });
    const y = randn([6], { seed: 32 });
    const w = randn([3], { seed: 33 });
    const loss = (wt: Tensor, xi: Tensor, yi: Tensor) => matmul(xi, wt).sub(yi).square();
    const per = func.vmap(func.grad(loss), [null, 0, 0])(w, X, y);
    // ∇w (xᵢ·w − yᵢ)² = 2 (xᵢ·w − yᵢ) xᵢ
    const want = X.mul(matmul(X, w).sub(y).mul(2).unsqueeze(1));
    expectClose(per, want, 1e-12);
  });

  it('vmap of solve: B batched (more columns of one factorization), A batched, or both', () => {
    const A = wellConditioned(3, 35);
    const As = stackOf([A, wellConditioned(3, 36)]);
    const B = randn([2, 3, 2], { seed: 37 });
    const solveAB = (a: Tensor, b: Tensor) => linalg.solve(a, b);
    const each = (a: (i: number) => Tensor, b: (i: number) => Tensor) =>
      stackOf([0, 1].map((i) => linalg.solve(a(i), b(i))));
    const row = (t: Tensor, i: number) => t.narrow(0, i, 1).squeeze(0);
    expectClose(
      func.vmap(solveAB, [null, 0])(A, B),
      each(
        () => A,
        (i) => row(B, i),
      ),
      1e-12,
    );
    expectClose(
      func.vmap(solveAB, [0, null])(As, row(B, 0)),
      each(
        (i) => row(As, i),
        () => row(B, 0),
      ),
      1e-12,
    );
    expectClose(
      func.vmap(solveAB, [0, 0])(As, B),
      each(
        (i) => row(As, i),
        (i) => row(B, i),
      ),
      1e-12,
    );
    // a batch of A's inside each sample, B batched along its last dim
    const A2 = stackOf([A, A.mT]);
    const Bk = randn([2, 3, 4], { seed: 38 });
    const got = func.vmap(solveAB, [null, 2])(A2, Bk);
    expect(got.shape).toEqual([4, 2, 3]);
    expectClose(got, linalg.solve(A2, Bk).permute([2, 0, 1]), 1e-12);
  });

  it('vmap(jacrev(f)) gives a batch of Jacobians', () => {
    const xs = randn([4, 3], { seed: 34 });
    const f = (x: Tensor) => matmul(A3, x.tanh());
    const Js = func.vmap(func.jacrev(f))(xs);
    expect(Js.shape).toEqual([4, 3, 3]);
    for (let i = 0; i < 4; i++)
      expectClose(Js.narrow(0, i, 1).squeeze(0), func.jacrev(f)(xs.narrow(0, i, 1).squeeze(0)), 1e-12);
  });
});

describe('bad input: each error names the transform and the shapes', () => {
  it('grad of a non-scalar output', () => {
    expect(() => func.grad((x: Tensor) => x.square())(tensor([1, 2]))).toThrow(
      'func.grad: expected the function to return a scalar tensor (shape []), got shape [2]; reduce it first',
    );
    expect(() => func.gradAndValue((x: Tensor) => [x.sum(), x.sum()])(tensor([1]))).toThrow(
      'func.gradAndValue: expected the function to return a scalar tensor (shape []), got an array of 2 tensors',
    );
  });

  it('argnums out of range, repeated, or naming a non-float argument', () => {
    const f = (x: Tensor, y: Tensor) => x.add(y).sum();
    expect(() => func.grad(f, { argnums: 2 })(tensor([1]), zeros([2, 2]))).toThrow(
      'func.grad: argnums 2 is out of range for a function called with 2 arguments (shapes [1], [2, 2]); valid argnums are -2 to 1',
    );
    expect(() => func.jacrev(f, [0, -3])(tensor([1]), tensor([1]))).toThrow(
      'func.jacrev: argnums -3 is out of range',
    );
    expect(() => func.jacfwd(f, [1, 1])(tensor([1]), tensor([1]))).toThrow(
      'func.jacfwd: argnums [1, 1] repeats an argument',
    );
    expect(() => func.hessian(f, 5)(tensor([1]), tensor([1]))).toThrow(
      'func.hessian: argnums 5 is out of range',
    );
    expect(() => func.grad(f)(cast(tensor([1]), 'int32'), tensor([1]))).toThrow(
      'func.grad: argument 0 must be a floating-point tensor to differentiate with respect to it, got int32 (shape [1])',
    );
  });

  it('tangents of the wrong number, shape or dtype', () => {
    const f = (x: Tensor) => x.exp();
    expect(() => func.jvp(f, [tensor([1, 2])], [tensor([1, 2, 3])])).toThrow(
      'func.jvp: tangent 0 has shape [3] but primal 0 has shape [2]',
    );
    expect(() => func.jvp(f, [tensor([1, 2])], [tensor([1, 2], { dtype: 'float32' })])).toThrow(
      'func.jvp: tangent 0 has dtype float32 but primal 0 has dtype float64 (shape [2])',
    );
    expect(() => func.jvp(f, [tensor([1, 2])], [])).toThrow(
      'func.jvp: got 0 tangents for 1 primal (shapes [2])',
    );
  });

  it('cotangents of the wrong shape or dtype', () => {
    const [, vjpFn] = func.vjp((x: Tensor) => x.exp(), tensor([1, 2]));
    expect(() => vjpFn(tensor([1]))).toThrow(
      'func.vjp: cotangent 0 has shape [1] but output 0 has shape [2]',
    );
    expect(() => vjpFn(tensor([1, 1], { dtype: 'float32' }))).toThrow(
      'func.vjp: cotangent 0 has dtype float32 but output 0 has dtype float64',
    );
  });

  it('jacfwd and jacrev through an op with integer outputs', () => {
    expect(() => func.jacfwd((x: Tensor) => cast(x, 'int32'))(tensor([1, 2]))).toThrow(
      'func.jacfwd: output 0 has dtype int32 (shape [2]); an op with integer outputs has no derivative',
    );
    expect(() => func.jacrev((x: Tensor) => cast(x, 'int32'))(tensor([1, 2]))).toThrow(
      'func.jacrev: output 0 has dtype int32 (shape [2]); integer outputs have no derivative',
    );
  });

  it('a function that returns neither a tensor nor an array of tensors', () => {
    expect(() => func.jacrev((x: Tensor) => x.item() as unknown as Tensor)(tensor([1]))).toThrow(
      'func.jacrev: the function must return a tensor or an array of tensors, got number',
    );
    expect(() => func.grad((x: Tensor) => x.sum(), { hasAux: true })(tensor([1]))).toThrow(
      'func.grad: with hasAux the function must return a pair [output, aux], got a tensor of shape []',
    );
  });
});

describe('result types', () => {
  it('follow argnums and hasAux', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).sum();
    const x = tensor([1]);
    expectTypeOf(func.grad(f)(x, x)).toEqualTypeOf<Tensor>();
    expectTypeOf(func.grad(f, { argnums: [0, 1] })(x, x)).toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf(func.gradAndValue(f)(x, x)).toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf(func.jacrev(f)(x, x)).toEqualTypeOf<Tensor>();
    expectTypeOf(func.jacfwd(f, [0, 1])(x, x)).toEqualTypeOf<[Tensor, Tensor]>();
    const nums: number[] = [0, 1];
    expectTypeOf(func.jacrev(f, nums)(x, x)).toEqualTypeOf<Tensor[]>();
    const pair = (t: Tensor): [Tensor, Tensor] => [t.sum(), t.square()];
    expectTypeOf(func.jacrev(pair, [0])(x)).toEqualTypeOf<[[Tensor], [Tensor]]>();
    expectTypeOf(func.vjp(f, x, x)[1](tensor(1))).toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf(func.hessian(f)(x, x)).toEqualTypeOf<Tensor>();
    expectTypeOf(func.hessian(f, [0, 1])(x, x)).toEqualTypeOf<[[Tensor, Tensor], [Tensor, Tensor]]>();
    const g = (t: Tensor): [Tensor, string] => [t.sum(), 'aux'];
    expectTypeOf(func.grad(g, { hasAux: true })(x)).toEqualTypeOf<[Tensor, string]>();
  });
});

describeWebGPU('func on WebGPU (float32) agrees with the CPU in float64', () => {
  const A64 = wellConditioned(3, 41);
  const x64 = tensor([0.3, -0.2, 0.5]);
  const gpu = (t: Tensor) => t.to('float32').to('webgpu');
  const expectNear = async (got: Tensor, want: Tensor) => {
    expect(got.device).toBe('webgpu');
    expect(got.shape).toEqual(want.shape);
    const g = await got.data();
    const w = want.dataSync();
    const scale = Math.max(1, ...Array.from(w, Math.abs));
    for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThan(1e-4 * scale);
  };
  const on = (A: Tensor) => ({
    f: (v: Tensor) => linalg.solve(A, v.tanh()).square().sum(),
    solveA: (v: Tensor) => linalg.solve(A, v),
  });
  const [cpu, dev] = [on(A64), on(gpu(A64))];

  it('grad, jacrev, jacfwd, hessian and jvp', async () => {
    const x = gpu(x64);
    await expectNear(func.grad(dev.f)(x), func.grad(cpu.f)(x64));
    await expectNear(func.jacrev(dev.solveA)(x), linalg.inv(A64));
    await expectNear(func.jacfwd(dev.solveA)(x), linalg.inv(A64));
    await expectNear(func.hessian(dev.f)(x), func.hessian(cpu.f)(x64));
    const [, dX] = func.jvp(linalg.inv, [gpu(A64)], [gpu(eye(3))]);
    await expectNear(dX, func.jvp(linalg.inv, [A64], [eye(3)])[1]);
  });

  it('vmap(grad(loss)) per-sample gradients', async () => {
    const X = randn([4, 3], { seed: 42 });
    const loss = (w: Tensor, xi: Tensor) => matmul(xi, w).square();
    const want = func.vmap(func.grad(loss), [null, 0])(x64, X);
    await expectNear(func.vmap(func.grad(loss), [null, 0])(gpu(x64), gpu(X)), want);
  });
});
