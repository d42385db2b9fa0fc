/**
 * Forward mode (forwardAD.makeDual, func.jvp) and the function transforms over ℂ: values against
 * torch 2.13 (torch.autograd.forward_ad and torch.func, computed once in python3 and written
 * below), PyTorch's gradient convention for func.grad / func.vjp, func.jvp against func.vjp in the
 * real embedding (Re⟨v, J·t⟩ = Re⟨vjp(v), t⟩), vmap over complex inputs, and the errors where
 * torch rejects complex tensors (jacrev, jacfwd, hessian; func.grad of a complex output).
 */
import { describe, expect, it } from 'vitest';
import { complex, forwardAD, func, matmul, type Tensor, tensor, viewAsReal } from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

const c128 = (data: number[], shape?: number[]) =>
  tensor(data, { dtype: 'complex128', ...(shape ? { shape } : {}) });
const f64 = (data: number[]) => tensor(data, { dtype: 'float64' });

function expectClose(actual: Tensor, expected: Tensor, tol = 1e-12): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  for (let i = 0; i < e.length; i++) {
    expect(Math.abs(a[i]! - e[i]!), `element ${i}: ${a[i]} vs ${e[i]}`).toBeLessThanOrEqual(
      tol * Math.max(1, Math.abs(e[i]!)),
    );
  }
}

// The points of every torch check below (python3, torch 2.13, dtype=torch.complex128):
// z = [0.5+0.25j, -1+2j], t = [1-0.5j, 0.25+1j], A = [[1+1j, 2-1j], [0.5j, -1]],
// x = [0.5, -1.5] (float64), tx = [1, 2].
const z = () => c128([0.5, 0.25, -1, 2]);
const t = () => c128([1, -0.5, 0.25, 1]);
const A = () => c128([1, 1, 2, -1, 0, 0.5, -1, 0], [2, 2]);
const x = () => f64([0.5, -1.5]);
const tx = () => f64([1, 2]);
const absSq = (w: Tensor) => w.abs().square();

// torch.func.jvp(torch.exp, (z,), (t,)): the output and exp(z)·t.
const EXP_Z = c128([1.5974665191199127, 0.4079001700783598, -0.1530918656742263, 0.33451182923926226]);
const EXP_Z_T = c128([1.8014166041590927, -0.3908330894815965, -0.37278479565781886, -0.06946390836441074]);

describe('forwardAD.makeDual over ℂ', () => {
  it('carries a complex tangent: exp(z) has tangent exp(z)·t (torch.autograd.forward_ad)', () => {
    const [y, dy] = forwardAD.dualLevel(() => {
      const { primal, tangent } = forwardAD.unpackDual(forwardAD.makeDual(z(), t()).exp());
      return [primal, tangent];
    });
    expectClose(y, EXP_Z);
    expectClose(dy!, EXP_Z_T);
  });

  it('z·conj(z) has the real tangent 2·Re(conj(z)·t), not a holomorphic derivative', () => {
    const dy = forwardAD.dualLevel(() => {
      const d = forwardAD.makeDual(z(), t());
      return forwardAD.unpackDual(d.mul(d.conj())).tangent;
    });
    // torch: tensor([0.75+0.j, 3.5+0.j], dtype=torch.complex128)
    expectClose(dy!, c128([0.75, 0, 3.5, 0]));
  });

  it('rejects a tangent of another dtype, naming both', () => {
    forwardAD.dualLevel(() => {
      expect(() => forwardAD.makeDual(z(), t().to('complex64'))).toThrow(
        new TypeError(
          "forwardAD.makeDual: the tangent's dtype complex64 does not match the primal's dtype complex128 (shape [2])",
        ),
      );
      expect(() => forwardAD.makeDual(z(), t().real())).toThrow(
        new TypeError(
          "forwardAD.makeDual: the tangent's dtype float64 does not match the primal's dtype complex128 (shape [2])",
        ),
      );
      expect(() => forwardAD.makeDual(x(), t())).toThrow(
        new TypeError(
          "forwardAD.makeDual: the tangent's dtype complex128 does not match the primal's dtype float64 (shape [2])",
        ),
      );
      expect(() =>
        forwardAD.makeDual(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2], { dtype: 'int32' })),
      ).toThrow(
        new TypeError(
          'forwardAD.makeDual: expected a floating-point primal (float32 or float64), got int32 of shape [2]',
        ),
      );
    });
  });
});

describe('func.jvp over ℂ (values from torch.func.jvp)', () => {
  it('exp: [exp(z), exp(z)·t]', () => {
    const [y, dy] = func.jvp((w: Tensor) => w.exp(), [z()], [t()]);
    expectClose(y, EXP_Z);
    expectClose(dy, EXP_Z_T);
  });

  it('|z|² (complex → real): tangent 2·Re(conj(z)·t), float64', () => {
    const [y, dy] = func.jvp(absSq, [z()], [t()]);
    // torch: (tensor([0.3125, 5.0]), tensor([0.75, 3.5])), both float64
    expectClose(y, f64([0.3125, 5]));
    expectClose(dy, f64([0.75, 3.5]));
  });

  it('matmul with a complex matrix: [A·z, A·t]', () => {
    const [y, dy] = func.jvp((w: Tensor) => matmul(A(), w), [z()], [t()]);
    // torch: (tensor([0.25+5.75j, 0.875-1.75j]), tensor([3+2.25j, 0-0.5j]))
    expectClose(y, c128([0.25, 5.75, 0.875, -1.75]));
    expectClose(dy, c128([3, 2.25, 0, -0.5]));
  });

  it('real → complex and complex → real boundaries', () => {
    const [y, dy] = func.jvp((r: Tensor) => matmul(A(), r.to('complex128')), [x()], [tx()]);
    // torch: jvp(lambda x: A @ x.to(torch.complex128), (x,), (tx,))
    expectClose(y, c128([-2.5, 2, 1.5, 0.25]));
    expectClose(dy, c128([5, -1, -2, 0.5]));
    const [u, du] = func.jvp((w: Tensor) => w.real().mul(w.imag()), [z()], [t()]);
    // torch: jvp(lambda z: z.real * z.imag, (z,), (t,)) = ([0.125, -2], [0, -0.5])
    expectClose(u, f64([0.125, -2]));
    expectClose(du, f64([0, -0.5]));
  });

  it('forward over reverse: jvp of grad(Σ|z|⁴) (torch: jvp(grad(f), (z,), (t,)))', () => {
    const g = func.grad((w: Tensor) => w.abs().pow(4).sum());
    const [gz, dg] = func.jvp(g, [z()], [t()]);
    // 4|z|²·z, and torch's tangent [2.75+0.125j, -9+48j]
    expectClose(gz, c128([0.625, 0.3125, -20, 40]));
    expectClose(dg, c128([2.75, 0.125, -9, 48]));
  });

  it('reverse over forward: grad of |exp(z)·t|² through jvp is 2·exp(2x)·|t|²', () => {
    const tan = t();
    const g = func.grad((w: Tensor) => absSq(func.jvp((u: Tensor) => u.exp(), [w], [tan])[1]).sum())(z());
    // torch: tensor([6.795704571147613-6.1e-17j, 0.287587476877802+5.2e-18j])
    expectClose(g, c128([6.795704571147613, 0, 0.287587476877802, 0]));
  });

  it('checks the tangents: dtype (naming both) and shape', () => {
    expect(() => func.jvp((w: Tensor) => w.exp(), [z()], [t().to('complex64')])).toThrow(
      new TypeError('func.jvp: tangent 0 has dtype complex64 but primal 0 has dtype complex128 (shape [2])'),
    );
    expect(() => func.jvp((w: Tensor) => w.exp(), [x()], [t()])).toThrow(
      new TypeError('func.jvp: tangent 0 has dtype complex128 but primal 0 has dtype float64 (shape [2])'),
    );
    expect(() => func.jvp((w: Tensor) => w.exp(), [z()], [c128([1, 0])])).toThrow(
      new RangeError('func.jvp: tangent 0 has shape [1] but primal 0 has shape [2]'),
    );
  });
});

describe('func.vjp and func.grad over ℂ (PyTorch convention: ∂L/∂x + i·∂L/∂y)', () => {
  it('vjp of exp and of matmul with complex cotangents (torch.func.vjp)', () => {
    const [y, pull] = func.vjp((w: Tensor) => w.exp(), z());
    expectClose(y, EXP_Z);
    // conj(exp(z))·t
    expectClose(
      pull(t())[0],
      c128([1.3935164340807327, -1.206633429638316, 0.29623886282070566, -0.23671982298404187]),
    );
    const [, pullA] = func.vjp((w: Tensor) => matmul(A(), w), z());
    expectClose(pullA(t())[0], c128([1, -1.625, 2.25, -1])); // A^H·t
    expect(() => pull(f64([1, 1]))).toThrow(
      new TypeError('func.vjp: cotangent 0 has dtype float64 but output 0 has dtype complex128'),
    );
  });

  it('grad of a real scalar equals .backward(): Σ|z|² and Re Σ z·conj(z) give 2z', () => {
    const twoZ = c128([1, 0.5, -2, 4]); // torch: grad(lambda z: (z.abs()**2).sum())(z)
    expectClose(func.grad((w: Tensor) => absSq(w).sum())(z()), twoZ);
    expectClose(func.grad((w: Tensor) => w.mul(w.conj()).real().sum())(z()), twoZ);
    const leaf = z().requiresGrad_();
    absSq(leaf).sum().backward();
    expectClose(leaf.grad!, twoZ);
    const [g, v] = func.gradAndValue((w: Tensor) => absSq(w).sum())(z());
    expectClose(g, twoZ);
    expectClose(v, tensor(5.3125, { dtype: 'float64' }));
    // torch: grad(lambda z: z.exp().abs().sum())(z) = exp(Re z) (+ ~1e-17j)
    expectClose(
      func.grad((w: Tensor) => w.exp().abs().sum())(z()),
      c128([1.648721270700128, 0, 0.36787944117144233, 0]),
    );
  });

  it('grad across real → complex → real: d/dx Σ|exp(x + i·x²)| (torch: 2.117000016612675)', () => {
    const g = func.grad((r: Tensor) => complex(r, r.square()).exp().abs().sum())(
      tensor(0.75, { dtype: 'float64' }),
    );
    expectClose(g, tensor(2.117000016612675, { dtype: 'float64' }));
  });

  it('grad of a complex output is a TypeError in torch wording', () => {
    expect(() => func.grad((w: Tensor) => w.square().sum())(z())).toThrow(
      new TypeError(
        'func.grad: grad can be implicitly created only for real scalar outputs but got complex128; ' +
          'take a real part of it (e.g. .real(), .abs(), or |f|² as f.abs().square()), or use func.vjp with a complex cotangent',
      ),
    );
    expect(() => func.gradAndValue((r: Tensor) => r.to('complex128').sum())(x())).toThrow(
      /^func\.gradAndValue: grad can be implicitly created only for real scalar outputs but got complex128/,
    );
  });
});

describe('jacrev, jacfwd and hessian: real functions only, as torch.func', () => {
  const real = (w: Tensor) => matmul(A(), w.to('complex128')).abs();
  it('complex intermediates are fine (torch: jacrev and jacfwd agree)', () => {
    // torch: jacrev(lambda x: (A @ x.to(torch.complex128)).abs())(x)
    const J = tensor(
      [
        [-0.1561737618886061, -2.186432666440485],
        [0.08219949365267865, -0.9863939238321437],
      ],
      { dtype: 'float64' },
    );
    expectClose(func.jacrev(real)(x()), J);
    expectClose(func.jacfwd(real)(x()), J);
    // torch: hessian(lambda x: (A @ x.to(torch.complex128)).abs().pow(2).sum())(x)
    const H = func.hessian((r: Tensor) => real(r).square().sum())(x());
    expectClose(
      H,
      tensor(
        [
          [4.5, 2],
          [2, 12],
        ],
        { dtype: 'float64' },
      ),
      1e-11,
    );
  });

  it('reject complex inputs (any argument) and outputs with the flattened index', () => {
    const hint =
      'for the Jacobian of the real embedding, pass real tensors and build complex ones inside the function ' +
      '(complex(re, im), viewAsReal on the outputs)';
    type Transform = (f: (...a: Tensor[]) => unknown, argnums?: number) => (...a: Tensor[]) => unknown;
    const transforms: [string, Transform][] = [
      ['func.jacrev', func.jacrev as Transform],
      ['func.jacfwd', func.jacfwd as Transform],
      ['func.hessian', func.hessian as Transform],
    ];
    for (const [name, tr] of transforms) {
      expect(() => tr((w: Tensor) => w.exp())(z())).toThrow(
        new TypeError(
          `${name}: Expected all inputs to be real but received complex tensor at flattened input idx: 0 ` +
            `(complex128 of shape [2]); ${hint}`,
        ),
      );
      expect(() =>
        tr((r: Tensor, M: Tensor) => matmul(M, r.to('complex128')).abs().sum(), 0)(x(), A()),
      ).toThrow(
        new TypeError(
          `${name}: Expected all inputs to be real but received complex tensor at flattened input idx: 1 ` +
            `(complex128 of shape [2, 2]); ${hint}`,
        ),
      );
    }
    for (const [name, tr] of transforms.slice(0, 2)) {
      expect(() => tr((r: Tensor) => [r.square(), r.to('complex128')])(x())).toThrow(
        new TypeError(
          `${name}: Expected all outputs to be real but received complex tensor at flattened output idx: 1 ` +
            `(complex128 of shape [2]); ${hint}`,
        ),
      );
    }
  });
});

/** Re⟨a, b⟩ = Σ Re(conj(a)·b), for real or complex tensors of one shape. */
function reDot(a: Tensor, b: Tensor): number {
  const ra = a.isComplex() ? viewAsReal(a) : a;
  const rb = b.isComplex() ? viewAsReal(b) : b;
  return ra.mul(rb).sum().item();
}

/** Deterministic data in [-1, 1): a small LCG, so the cross-checks are reproducible. */
function data(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (2 * s) / 2147483648 - 1;
  });
}

describe('func.jvp against func.vjp over ℂ: Re⟨v, J·t⟩ = Σᵢ Re⟨vjp(v)ᵢ, tᵢ⟩', () => {
  const M = c128(data(12, 7), [2, 3]);
  const cases: { name: string; fn: (...a: Tensor[]) => Tensor; args: () => Tensor[] }[] = [
    { name: 'exp(M·z)', fn: (w) => matmul(M, w).exp(), args: () => [c128(data(6, 1))] },
    { name: 'z·conj(z) (not holomorphic)', fn: (w) => w.mul(w.conj()), args: () => [c128(data(6, 2))] },
    {
      name: 'sin(z)·r, z complex and r real',
      fn: (w, r) => w.sin().mul(r),
      args: () => [c128(data(6, 3)), f64(data(3, 4))],
    },
    {
      name: '|z|·angle(z) (complex → real)',
      fn: (w) => w.abs().mul(w.angle()),
      args: () => [c128(data(6, 5))],
    },
    {
      name: 'complex(a, b²)/(1 + z) (real → complex)',
      fn: (a, b, w) => complex(a, b.square()).div(w.add(1)),
      args: () => [f64(data(3, 6)), f64(data(3, 8)), c128(data(6, 9))],
    },
  ];
  for (const { name, fn, args } of cases) {
    it(name, () => {
      const primals = args();
      const tangents = primals.map((p, i) =>
        tensor(data(p.isComplex() ? 2 * p.numel : p.numel, 100 + i), { dtype: p.dtype, shape: [...p.shape] }),
      );
      const [y, dy] = func.jvp(fn, primals, tangents);
      const v = tensor(data(y.isComplex() ? 2 * y.numel : y.numel, 200), {
        dtype: y.dtype,
        shape: [...y.shape],
      });
      const [y2, pull] = func.vjp(fn, ...primals);
      expectClose(y2, y);
      const gs = pull(v);
      const lhs = reDot(v, dy);
      const rhs = gs.reduce((s, g, i) => s + reDot(g, tangents[i]!), 0);
      expect(gs.map((g) => g.dtype)).toEqual(primals.map((p) => p.dtype));
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lhs)));
      expect(Math.abs(lhs)).toBeGreaterThan(1e-3); // the identity is not trivially 0 = 0
    });
  }
});

describe('vmap over complex inputs', () => {
  it('maps exp, jvp and vjp over a complex batch (torch.func.vmap)', () => {
    expectClose(func.vmap((w: Tensor) => w.exp())(z().reshape([2, 1])), EXP_Z.reshape([2, 1]));
    // torch: vmap(lambda z, t: jvp(torch.exp, (z,), (t,))[1])(z, z) = exp(z)·z
    const dj = func.vmap((w: Tensor, u: Tensor) => func.jvp((q: Tensor) => q.exp(), [w], [u])[1])(z(), z());
    expectClose(dj, c128([0.6967582170403663, 0.603316714819158, -0.5159317928042982, -0.6406955605877149]));
    // torch: vmap(lambda z, t: vjp(torch.exp, z)[1](t)[0])(z, z) = conj(exp(z))·z
    const dv = func.vmap((w: Tensor, u: Tensor) => func.vjp((q: Tensor) => q.exp(), w)[1](u)[0]!)(z(), z());
    expectClose(dv, c128([0.9007083020795463, 0.19541654474079825, 0.8221155241527508, 0.02832809789080964]));
  });
});

describeWebGPU('forward mode over ℂ on WebGPU (complex64)', () => {
  it('func.jvp and func.vjp of exp(A·z) agree with the cpu in complex128', async () => {
    const f = (M: Tensor) => (w: Tensor) => matmul(M, w).exp();
    const [, ref] = func.jvp(f(A()), [z()], [t()]);
    const [, pullRef] = func.vjp(f(A()), z());
    const on = (a: Tensor) => a.to('complex64').to('webgpu');
    const [, dy] = func.jvp(f(on(A())), [on(z())], [on(t())]);
    const [, pull] = func.vjp(f(on(A())), on(z()));
    const g = pull(on(t()))[0]!;
    expect([dy.device, dy.dtype, g.device, g.dtype]).toEqual(['webgpu', 'complex64', 'webgpu', 'complex64']);
    for (const [got, want] of [
      [await dy.data(), ref.dataSync()],
      [await g.data(), pullRef(t())[0]!.dataSync()],
    ] as const) {
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(got[i]! - want[i]!), `element ${i}`).toBeLessThan(
          1e-4 * Math.max(1, Math.abs(want[i]!)),
        );
      }
    }
  });

  it('rejects a tangent on another device, naming both', () => {
    const p = z().to('complex64');
    const tg = t().to('complex64').to('webgpu');
    expect(() => forwardAD.dualLevel(() => forwardAD.makeDual(p, tg))).toThrow(
      new TypeError('forwardAD.makeDual: the tangent is on webgpu but the primal is on cpu (shape [2])'),
    );
    expect(() => func.jvp((w: Tensor) => w.exp(), [p], [tg])).toThrow(
      new TypeError('func.jvp: tangent 0 is on webgpu but primal 0 is on cpu (shape [2])'),
    );
  });
});
