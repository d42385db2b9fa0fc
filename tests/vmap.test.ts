/**
 * vmap (torch.func.vmap semantics): every result equals the loop over the batch (per-sample
 * results stacked), in float64, for elementwise ops with broadcasting and unbatched arguments,
 * reductions with dims, shape ops, matmul and linalg; nesting; inDims/outDims variants; autograd
 * inside vmap (per-sample gradients) and through it; errors; and the loop fallback's note.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { vmap } from '../src/func/vmap.js';
import {
  applyOp1,
  autograd,
  cat,
  complex,
  defineOp,
  diagEmbed,
  eye,
  LinAlgError,
  linalg,
  mean,
  randn,
  stack,
  sum,
  type Tensor,
  tensor,
  tidy,
  viewAsComplex,
  viewAsReal,
  zeros,
} from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

type Out = Tensor | Tensor[] | Record<string, Tensor>;

/** The i-th sample of x along dim d. */
function sample(x: Tensor, d: number, i: number): Tensor {
  return x.narrow(d, i, 1).squeeze(d < 0 ? d + x.ndim : d);
}

function leaves(o: Out): Tensor[] {
  if (Array.isArray(o)) return o;
  if (o instanceof Object && !('shape' in o)) return Object.values(o);
  return [o as Tensor];
}

/** fn applied to each sample (args batched along inDims[i], null: passed whole), stacked along outDim. */
function loop(fn: (...a: Tensor[]) => Out, args: Tensor[], inDims: (number | null)[], outDim = 0): Tensor[] {
  const i0 = inDims.findIndex((d) => d !== null);
  const size = args[i0].shape.at(inDims[i0]!)!;
  const per: Tensor[][] = [];
  for (let b = 0; b < size; b++) {
    per.push(leaves(fn(...args.map((a, i) => (inDims[i] === null ? a : sample(a, inDims[i]!, b))))));
  }
  return per[0].map((_, j) =>
    stack(
      per.map((p) => p[j]),
      outDim,
    ),
  );
}

function expectClose(got: Tensor, want: Tensor, tol = 1e-10): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const g = got.dataSync();
  const w = want.dataSync();
  const scale = Math.max(1, ...Array.from(w, Math.abs));
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i])) expect(Number.isNaN(g[i])).toBe(true);
    else expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(tol * scale);
  }
}

/** vmap(fn, inDims, outDim)(...args) equals the loop over the batch. */
function checkVmap(
  fn: (...a: Tensor[]) => Out,
  args: Tensor[],
  inDims: (number | null)[] = args.map(() => 0),
  outDim = 0,
  tol = 1e-10,
): void {
  const got = leaves(vmap(fn, inDims, outDim)(...args) as Out);
  const want = loop(fn, args, inDims, outDim);
  expect(got.length).toBe(want.length);
  for (const [j, g] of got.entries()) expectClose(g, want[j], tol);
}

let seed = 100;
const r = (...shape: number[]) => randn(shape, { seed: seed++ });
/** Symmetric positive-definite matrices [..., n, n]. */
const spd = (...shape: number[]) => {
  const a = r(...shape);
  const n = shape.at(-1)!;
  return a.matmul(a.mT).add(diagEmbed(zeros(shape.slice(0, -1)).add(n)));
};

describe('vmap: elementwise and broadcasting', () => {
  it('unary and binary ops over dim 0', () => {
    checkVmap((x) => x.exp().mul(x.sin()).add(1), [r(5, 3)]);
    checkVmap((x, y) => x.mul(y).sub(y.div(x.abs().add(1))), [r(4, 2, 3), r(4, 2, 3)]);
  });
  it('an unbatched argument broadcasts (null inDim)', () => {
    checkVmap((x, y) => x.add(y), [r(5, 3), r(3)], [0, null]);
    checkVmap((x, y) => x.mul(y), [r(5), r(2, 3)], [0, null]); // per-sample 0-d times [2, 3]
    checkVmap((x, y) => x.maximum(y), [r(2, 3), r(6, 4, 1, 3)], [null, 0]);
  });
  it('batched arguments of different ranks broadcast per sample', () => {
    checkVmap((x, y) => x.mul(y), [r(5, 3), r(5, 4, 1)]);
    checkVmap((x, y) => x.sub(y), [r(5), r(2, 5, 3)], [0, 1]);
  });
  it('numbers and where', () => {
    checkVmap((x) => x.mul(2).add(0.5).pow(2), [r(3, 4)]);
    checkVmap((x, y) => x.gt(0).mul(y), [r(3, 4), r(4)], [0, null]);
  });
  it('inDims other than 0, negative ones, and outDims', () => {
    checkVmap((x, y) => x.mul(y), [r(3, 5), r(5, 3)], [1, 0]);
    checkVmap((x) => x.tanh(), [r(2, 3, 4)], [-1], 1);
    checkVmap((x) => x.square(), [r(2, 3, 4)], [1], -1);
  });
});

describe('vmap: reductions and shape ops', () => {
  it('sum and mean with dims, keepdim, all dims', () => {
    checkVmap((x) => x.sum(), [r(4, 2, 3)]);
    checkVmap((x) => x.sum(-1), [r(4, 2, 3)]);
    checkVmap((x) => sum(x, [0, 1], true), [r(2, 4, 3)], [1]);
    checkVmap((x) => mean(x, 0), [r(3, 5, 2)], [2]);
  });
  it('reshape, transpose, permute, (un)squeeze, expand, narrow', () => {
    checkVmap((x) => x.reshape(-1), [r(4, 2, 3)]);
    checkVmap((x) => x.reshape(3, 2).transpose(0, 1), [r(6, 2)], [1]);
    checkVmap((x) => x.permute(2, 0, 1), [r(3, 2, 4, 5)]);
    checkVmap((x) => x.unsqueeze(0).unsqueeze(-1).squeeze(0), [r(3, 4)]);
    checkVmap((x) => x.unsqueeze(0).expand(3, -1), [r(5, 2)]);
    checkVmap((x) => x.narrow(1, 1, 2), [r(3, 2, 4)]);
  });
  it('diagonal, diagEmbed, tril/triu, mT', () => {
    checkVmap((x) => x.diagonal(1), [r(3, 4, 4)]);
    checkVmap((x) => x.diagonal(0, 1, 0), [r(4, 3, 3)], [1]);
    checkVmap((x) => diagEmbed(x, -1), [r(3, 4)]);
    checkVmap((x) => x.tril().add(x.triu(1).mT), [r(3, 4, 4)]);
  });
  it('cat and stack, with unbatched tensors among the inputs', () => {
    checkVmap((x, y) => cat([x, y], 0), [r(3, 2, 4), r(5, 4)], [0, null]);
    checkVmap((x, y) => cat([y, x, y], -1), [r(2, 3, 3), r(2, 1)], [1, null]);
    checkVmap((x, y) => stack([x, y], 1), [r(3, 2), r(3, 2)]);
  });
  it('an indexing chain (per-sample slices of slices)', () => {
    checkVmap((x) => x.narrow(0, 1, 2).transpose(0, 1).reshape(-1).narrow(0, 0, 3), [r(4, 3, 2)]);
  });
});

describe('vmap: matmul and linalg', () => {
  it('matmul: batched with unbatched, both batched, vectors, broadcast batches', () => {
    const W = r(3, 4);
    checkVmap((x, w) => w.matmul(x), [r(5, 4), W], [0, null]);
    checkVmap((x, w) => x.matmul(w), [r(5, 2, 3), W], [0, null]);
    checkVmap((a, b) => a.matmul(b), [r(4, 2, 3), r(4, 3, 5)]);
    checkVmap((a, b) => a.matmul(b), [r(3, 4), r(4, 3)], [1, 0]); // dot products
    checkVmap((a, b) => a.matmul(b), [r(2, 6, 3, 4), r(4, 5)], [1, null]);
    checkVmap((a, b) => a.matmul(b), [r(3, 4), r(2, 3, 4, 2)], [null, 1]);
  });
  it('inv, det, slogdet', () => {
    const A = r(5, 3, 3).add(diagEmbed(zeros([5, 3]).add(3)));
    checkVmap((a) => linalg.inv(a), [A]);
    checkVmap((a) => linalg.det(a), [A]);
    checkVmap((a) => linalg.slogdet(a), [A]);
    checkVmap((a) => linalg.inv(a), [r(2, 4, 3, 3).add(diagEmbed(zeros([2, 4, 3]).add(3)))], [1]);
  });
  it('solve: batched A or B, the other unbatched', () => {
    const A = r(4, 3, 3).add(diagEmbed(zeros([4, 3]).add(3)));
    checkVmap((a, b) => linalg.solve(a, b), [A, r(4, 3)]);
    checkVmap((a, b) => linalg.solve(a, b), [A, r(3, 2)], [0, null]);
    checkVmap((a, b) => linalg.solve(a, b), [A.narrow(0, 0, 1).squeeze(0), r(3, 5)], [null, 1]);
    checkVmap((a, b) => linalg.solve(a, b, { left: false }), [A, r(4, 2, 3)]);
  });
  it('cholesky, eigh, svd, qr', () => {
    const S = spd(5, 3, 3);
    checkVmap((a) => linalg.cholesky(a), [S]);
    checkVmap(
      (a) => {
        const { eigenvalues, eigenvectors } = linalg.eigh(a);
        // eigenvalues, and the gauge-invariant V diag(λ) Vᵀ
        return [eigenvalues, eigenvectors.mul(eigenvalues.unsqueeze(-2)).matmul(eigenvectors.mT)];
      },
      [S],
    );
    checkVmap(
      (a) => {
        const { U, S: s, Vh } = linalg.svd(a, { fullMatrices: false });
        return [s, U.mul(s.unsqueeze(-2)).matmul(Vh)];
      },
      [r(4, 3, 2)],
    );
    checkVmap((a) => linalg.svdvals(a), [r(3, 2, 4)], [1]);
    checkVmap(
      (a) => {
        const { Q, R } = linalg.qr(a);
        return [Q.matmul(R), R.abs()];
      },
      [r(4, 3, 3)],
    );
    const rOnly = vmap((a: Tensor) => linalg.qr(a, { mode: 'r' }))(r(4, 3, 2));
    expect(rOnly.Q.shape).toEqual([4, 0]);
    expect(rOnly.R.shape).toEqual([4, 2, 2]);
  });
  it('a singular sample raises the LinAlgError, numbered in the whole batch', () => {
    const A = stack([
      tensor([
        [2, 0],
        [0, 1],
      ]),
      tensor([
        [1, 2],
        [2, 4],
      ]),
    ]);
    expect(() => vmap((a: Tensor) => linalg.inv(a))(A)).toThrow(LinAlgError);
    expect(() => vmap((a: Tensor) => linalg.inv(a))(A)).toThrow(/linalg.inv: \(Batch element 1\)/);
  });
});

describe('vmap: nesting and inDims/outDims', () => {
  it('vmap of vmap maps two dims', () => {
    checkVmap(
      vmap((x: Tensor) => x.sum()),
      [r(3, 4, 5)],
    );
    const x = r(3, 4, 5);
    const got = vmap(
      vmap((a: Tensor) => a.exp().sum()),
      1,
    )(x);
    expectClose(got, x.exp().sum(-1).transpose(0, 1));
  });
  it('outer products by nested vmaps over different arguments', () => {
    const a = r(3);
    const b = r(4);
    const outer = vmap(
      vmap((x: Tensor, y: Tensor) => x.mul(y), [null, 0]),
      [0, null],
    );
    expectClose(outer(a, b), a.unsqueeze(-1).mul(b));
  });
  it('nested vmap with matmul and linalg inside', () => {
    const A = r(2, 3, 4, 4).add(diagEmbed(zeros([2, 3, 4]).add(4)));
    const got = vmap(vmap((m: Tensor) => linalg.inv(m).matmul(m.sum(-1))))(A);
    expectClose(got, linalg.inv(A).matmul(A.sum(-1).unsqueeze(-1)).squeeze(-1));
  });
  it('outDims per output, an unbatched output repeated, outDims null', () => {
    const x = r(5, 3);
    const c = r(2);
    const [s, t] = vmap((a: Tensor) => [a.sum(), a.mul(2)], 0, [0, 1])(x) as Tensor[];
    expectClose(s, x.sum(-1));
    expectClose(t, x.mul(2).mT);
    const rep = vmap((_a: Tensor) => c, 0, 1)(x);
    expectClose(rep, c.unsqueeze(1).expand(2, 5));
    const [same, b] = vmap((a: Tensor) => [c, a], 0, [null, 0])(x) as Tensor[];
    expect(same).toBe(c);
    expectClose(b, x);
  });
  it('arrays and records of tensors as arguments and outputs; non-tensor arguments with null', () => {
    const x = r(4, 3);
    const y = r(4, 3);
    const f = vmap(([a, b]: Tensor[], k: number) => ({ s: a.add(b).mul(k), d: a.sub(b) }), [0, null]);
    const out = f([x, y], 3);
    expectClose(out.s, x.add(y).mul(3));
    expectClose(out.d, x.sub(y));
  });
  it('a batch of size 0', () => {
    const out = vmap((a: Tensor) => a.mul(2).sum())(zeros([0, 3]));
    expect(out.shape).toEqual([0]);
  });
});

describe('vmap: autograd', () => {
  it('per-sample gradients: autograd.grad inside vmap, unbatched weights', () => {
    const X = r(6, 3);
    const Y = r(6);
    const w = r(3);
    const perSample = (x: Tensor, y: Tensor) => {
      const wl = w.detach().requiresGrad_();
      const loss = x.matmul(wl).sub(y).square();
      return autograd.grad(loss, [wl])[0]!;
    };
    checkVmap(perSample, [X, Y]);
    // Closed form: 2 (xᵢ·w − yᵢ) xᵢ.
    const g = vmap(perSample)(X, Y);
    expectClose(g, X.mul(X.matmul(w).sub(Y).mul(2).unsqueeze(-1)));
  });
  it('per-sample gradients through linalg (solve and logdet-like terms)', () => {
    const A = spd(3, 3);
    const B = r(4, 3);
    checkVmap(
      (b) => {
        const a = A.detach().requiresGrad_();
        const x = linalg.solve(a, b);
        return autograd.grad(x.square().sum().add(linalg.det(a).log()), [a])[0]!;
      },
      [B],
      [0],
      0,
      1e-9,
    );
  });
  it('gradients with respect to a batched input, and second derivatives (createGraph)', () => {
    const f = (x: Tensor) => {
      const xl = x.detach().requiresGrad_();
      const y = xl.sin().mul(xl.square()).sum();
      const [g] = autograd.grad(y, [xl], { createGraph: true });
      const [h] = autograd.grad(g!.sum(), [xl]); // the Hessian's row sums
      return [g!, h!];
    };
    checkVmap(f, [r(5, 3)]);
  });
  it('autograd.grad inside nested vmaps', () => {
    const X = r(2, 3, 4);
    const g = vmap(
      vmap((x: Tensor) => {
        const xl = x.detach().requiresGrad_();
        return autograd.grad(xl.sin().sum().mul(xl.square().sum()), [xl])[0]!;
      }),
    )(X);
    // ∂/∂x (Σ sin x)(Σ x²) = cos x · Σ x² + 2x · Σ sin x
    const want = X.cos()
      .mul(X.square().sum(-1, true))
      .add(X.mul(2).mul(X.sin().sum(-1, true)));
    expectClose(g, want);
  });
  it('gradients flow through vmap from outside', () => {
    const x = r(4, 3).requiresGrad_();
    const W = r(3, 3).requiresGrad_();
    const y = vmap((xi: Tensor, w: Tensor) => w.matmul(xi).tanh().sum(), [0, null])(x, W);
    const [gx, gW] = autograd.grad(y.square().sum(), [x, W]);
    const y2 = x.matmul(W.mT).tanh().sum(-1);
    const [rx, rW] = autograd.grad(y2.square().sum(), [x, W]);
    expectClose(gx!, rx!);
    expectClose(gW!, rW!);
  });
  it('a Jacobian by vmap over cotangents of a graph made outside (jacrev style)', () => {
    const A = spd(3, 3);
    const x = r(3).requiresGrad_();
    const y = linalg.solve(A, x.sin());
    const jac = vmap((v: Tensor) => autograd.grad([y], [x], { gradOutputs: [v], retainGraph: true })[0]!)(
      eye(3),
    );
    // J = A⁻¹ diag(cos x)
    expectClose(jac, linalg.inv(A).mul(x.detach().cos()));
  });
  it('backward() inside vmap accumulates per-sample .grad on a batched leaf', () => {
    const X = r(3, 4);
    const g = vmap((x: Tensor) => {
      const xl = x.detach().requiresGrad_();
      xl.exp().sum().backward();
      return xl.grad!;
    })(X);
    expectClose(g, X.exp());
  });
});

describe('vmap: errors and the loop fallback', () => {
  afterEach(() => vi.restoreAllMocks());
  const id = (a: Tensor) => a;
  it('sizes that disagree name the arguments and shapes', () => {
    expect(() => vmap((a: Tensor, b: Tensor) => a.add(b))(r(3, 4), r(5))).toThrow(
      /vmap: expected all batched arguments to have the same size along their vmapped dims, but argument 0 \(shape \[3, 4\], inDim 0\) has size 3 and argument 1 \(shape \[5\], inDim 0\) has size 5/,
    );
    expect(() => vmap((a: Tensor, b: Tensor) => a.add(b))(r(3), r(5))).toThrow(RangeError);
  });
  it('a dim that does not exist', () => {
    expect(() => vmap(id, 2)(r(3, 4))).toThrow(
      /vmap: inDim 2 is out of range for argument 0 of shape \[3, 4\] \(a dim in \[-2, 1\]\)/,
    );
    expect(() => vmap(id)(tensor(1))).toThrow(
      /vmap: inDim 0 is out of range for argument 0 of shape \[\].*0-d/,
    );
    expect(() => vmap(id, 0, 3)(r(3, 4))).toThrow(
      /vmap: outDim 3 is out of range for output of per-sample shape \[4\] \(a dim in \[-2, 1\]/,
    );
    expect(() => vmap(id, 2)(r(3, 4))).toThrow(RangeError);
  });
  it('wrong inDims, nothing batched, non-tensors with a dim', () => {
    expect(() => vmap((a: Tensor, b: Tensor) => a.add(b), [0])(r(3), r(3))).toThrow(
      /vmap: inDims has 1 entries \(\[0\]\) but the function was called with 2 arguments/,
    );
    expect(() => vmap(id, null)(r(3))).toThrow(/vmap: at least one argument must be batched/);
    expect(() => vmap((a: Tensor, k: number) => a.mul(k))(r(3), 2)).toThrow(
      /vmap: argument 1 has an inDim but holds a number, not a Tensor; give it inDims null/,
    );
  });
  it('reading values inside, outDims null for a batched output, an escaped batched tensor', () => {
    expect(() => vmap((a: Tensor) => tensor(a.item()))(r(3))).toThrow(
      /item: cannot use a tensor batched by vmap \(per-sample shape \[\], batch of 3\) inside the function vmap maps/,
    );
    expect(() => vmap(id, 0, null)(r(3))).toThrow(
      /vmap: outDims is null for output \(per-sample shape \[\]\)/,
    );
    let leaked: Tensor | null = null;
    vmap((a: Tensor) => {
      leaked = a;
      return a;
    })(r(3));
    expect(() => leaked!.add(1)).toThrow(/after the vmap that made it returned/);
  });
  it('the op checks the per-sample shapes, with its own message', () => {
    expect(() => vmap((a: Tensor) => linalg.inv(a))(r(4, 3, 2))).toThrow(
      /linalg.inv: A must be batches of square matrices, but they are 3 by 2 matrices/,
    );
    expect(() => vmap((a: Tensor, b: Tensor) => a.matmul(b))(r(4, 3), r(4, 2))).toThrow(
      /matmul: shapes \[3\] and \[2\] cannot be multiplied/,
    );
  });
  it('an op without a batching rule runs in a loop, with a one-time note naming it', () => {
    const rowMaxOp = defineOp<{ dim: number }, 1, 1>({
      name: 'testRowMax',
      coreRanks: 'any',
      infer: ([x], { dim }) => [{ shape: x.shape.filter((_, i) => i !== dim), dtype: x.dtype }],
      cpu: ([x], [out], { dim }) => {
        const n = x.shape[dim];
        const inner = x.shape.slice(dim + 1).reduce((p, q) => p * q, 1);
        out.data.fill(Number.NEGATIVE_INFINITY);
        x.data.forEach((v, i) => {
          const o = Math.floor(i / (n * inner)) * inner + (i % inner);
          out.data[o] = Math.max(out.data[o], v);
        });
      },
      webgpu: () => {
        throw new Error('no kernel');
      },
      backward: 'not-differentiable',
    });
    const rowMax = (x: Tensor) => applyOp1(rowMaxOp, [x], { dim: 0 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    checkVmap(rowMax, [r(4, 3, 2)], [1]);
    checkVmap((x) => rowMax(x).mul(2), [r(4, 3, 2)], [2]);
    const notes = warn.mock.calls.filter((c) =>
      /vmap: the op 'testRowMax' has no batching rule/.test(String(c[0])),
    );
    expect(notes.length).toBe(1);
  });
  it('viewAsReal / viewAsComplex batch without the loop (the views act on the trailing dim)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const z = complex(r(3, 4), r(3, 4));
    const x = vmap((w: Tensor) => viewAsReal(w), 1)(z);
    expect(x.shape).toEqual([4, 3, 2]);
    expectClose(x, viewAsReal(z).permute([1, 0, 2]));
    const back = vmap((p: Tensor) => viewAsComplex(p))(x);
    expectClose(viewAsReal(back), x);
    expect(warn.mock.calls.some((c) => /'complexView' has no batching rule/.test(String(c[0])))).toBe(false);
    warn.mockRestore();
  });
  it('tidy inside the vmapped function keeps what a returned tensor needs', () => {
    const x = r(4, 3);
    const y = vmap((a: Tensor) => tidy(() => a.mul(2).add(1)))(x);
    expectClose(y, x.mul(2).add(1));
  });
});

describeWebGPU('vmap on WebGPU (float32)', () => {
  it('elementwise, reductions, matmul and inv agree with the cpu', async () => {
    const A = r(4, 3, 3).add(diagEmbed(zeros([4, 3]).add(3)));
    const x = r(4, 3);
    const W = r(3, 3);
    const f = (a: Tensor, xi: Tensor, w: Tensor) =>
      linalg.inv(a).matmul(w.matmul(xi.tanh())).sum().add(xi.square().mean());
    const gpu = (t: Tensor) => t.to('float32').to('webgpu');
    const want = vmap(f, [0, 0, null])(A, x, W);
    const got = vmap(f, [0, 0, null])(gpu(A), gpu(x), gpu(W));
    expect(got.device).toBe('webgpu');
    const g = await got.data();
    const w = want.dataSync();
    for (let i = 0; i < w.length; i++)
      expect(Math.abs(g[i] - w[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(w[i])));
  });
});
