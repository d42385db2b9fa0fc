/**
 * optim.LBFGS against torch.optim.LBFGS 2.13 (float64): the same iterates, iteration and evaluation
 * counts on Rosenbrock from (−1.5, 2) and on a 4-D quadratic, with and without the strong-Wolfe line
 * search, at the defaults and with tight tolerances.
 */
import { describe, expect, it } from 'vitest';
import { matmul, optim, type Tensor, tensor, zeros } from '../src/index.js';

const rosen = (x: Tensor) => {
  const [a, b] = [x.narrow(0, 0, 1), x.narrow(0, 1, 1)];
  return a.neg().add(1).square().add(b.sub(a.square()).square().mul(100)).sum();
};

function minimize(
  f: (x: Tensor) => Tensor,
  x0: number[] | Tensor,
  opts: ConstructorParameters<typeof optim.LBFGS>[1],
) {
  const x = Array.isArray(x0) ? tensor(x0, { requiresGrad: true }) : x0.requiresGrad_();
  const opt = new optim.LBFGS([x], opts);
  const first = opt.step(() => {
    opt.zeroGrad();
    const l = f(x);
    l.backward();
    return l;
  });
  return { x: x.toArray() as number[], first: first.item(), nIter: opt.nIter, funcEvals: opt.funcEvals };
}

function close(a: number[], b: number[], tol: number) {
  a.forEach((v, i) => {
    expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol);
  });
}

describe('LBFGS follows torch.optim.LBFGS', () => {
  it('Rosenbrock, strong Wolfe, tight tolerances: 42 iterations, 52 evaluations', () => {
    const r = minimize(rosen, [-1.5, 2], {
      maxIter: 200,
      lineSearchFn: 'strongWolfe',
      toleranceGrad: 1e-10,
      toleranceChange: 1e-14,
      historySize: 10,
    });
    expect([r.nIter, r.funcEvals]).toEqual([42, 52]);
    close(r.x, [0.9999999995729714, 0.9999999984823061], 1e-8);
  });

  it('Rosenbrock, fixed steps (no line search), maxIter 200: about the 89 iterations PyTorch takes', () => {
    // Unit steps without a line search make the path sensitive to rounding, so the count is "about".
    const r = minimize(rosen, [-1.5, 2], { maxIter: 200 });
    expect(Math.abs(r.nIter - 89)).toBeLessThanOrEqual(5);
    expect(r.funcEvals).toBe(r.nIter);
    close(r.x, [0.9999956484454162, 0.999991789284527], 1e-5);
  });

  it('Rosenbrock at the defaults: one step stops at maxEval (strong Wolfe) or maxIter', () => {
    const sw = minimize(rosen, [-1.5, 2], { lineSearchFn: 'strongWolfe' });
    expect([sw.nIter, sw.funcEvals, sw.first]).toEqual([19, 25, 12.5]);
    close(sw.x, [-0.08511855589860293, -0.028757058413769698], 1e-10);
    const fixed = minimize(rosen, [-1.5, 2], {});
    expect([fixed.nIter, fixed.funcEvals]).toEqual([20, 20]);
    close(fixed.x, [-0.781122729831648, 0.6131352916809746], 1e-10);
  });

  it('a 4-D quadratic converges in 8 iterations, as PyTorch', () => {
    const A = tensor([
      [4, 1, 0, 0.5],
      [1, 3, 0.2, 0],
      [0, 0.2, 2, 0.3],
      [0.5, 0, 0.3, 1],
    ]);
    const b = tensor([1, -2, 0.5, 3]);
    const f = (x: Tensor) => matmul(x, matmul(A, x)).mul(0.5).sub(matmul(b, x));
    const torchX = [0.040153012027485786, -0.670985601881434, -0.13599394647901672, 3.020728944244129];
    const solution = [0.04015544041450775, -0.6709844559585492, -0.13601036269430047, 3.0207253886010363];
    for (const lineSearchFn of ['strongWolfe', null] as const) {
      const r = minimize(f, zeros([4]), { lineSearchFn });
      expect([r.nIter, r.funcEvals]).toEqual([8, 8]);
      close(r.x, torchX, 1e-10);
      close(r.x, solution, 1e-4);
    }
  });

  it('float32 parameters, state across steps, and bad input', () => {
    const x = tensor([-1.5, 2], { dtype: 'float32', requiresGrad: true });
    const opt = new optim.LBFGS([x], { lineSearchFn: 'strongWolfe' });
    const closure = () => {
      opt.zeroGrad();
      const l = rosen(x);
      l.backward();
      return l;
    };
    for (let i = 0; i < 5; i++) opt.step(closure);
    expect(x.dtype).toBe('float32');
    close(x.toArray() as number[], [1, 1], 1e-3);
    expect(() => new optim.LBFGS([tensor([1])])).toThrow(
      'optimizer: every parameter must be a leaf tensor with requiresGrad (use requiresGrad_())',
    );
  });
});
