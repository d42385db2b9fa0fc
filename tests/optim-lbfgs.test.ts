/**
 * optim.LBFGS against torch.optim.LBFGS 2.13 (float64): the same iterates, iteration and evaluation
 * counts on Rosenbrock from (−1.5, 2) and on a 4-D quadratic, with and without the strong-Wolfe line
 * search, at the defaults and with tight tolerances. stepAsync takes step's iterates on the cpu and
 * converges on webgpu (float32) to the cpu optimum.
 */
import { describe, expect, it } from 'vitest';
import { linalg, matmul, optim, type Tensor, tensor, zeros } from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

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

const A4 = [
  [4, 1, 0, 0.5],
  [1, 3, 0.2, 0],
  [0, 0.2, 2, 0.3],
  [0.5, 0, 0.3, 1],
];
const B4 = [1, -2, 0.5, 3];
/** ½xᵀAx − bᵀx, with A and b on the device and dtype of x. */
const quadratic = () => (x: Tensor) => {
  const A = tensor(A4, { device: x.device, dtype: x.dtype });
  const b = tensor(B4, { device: x.device, dtype: x.dtype });
  return matmul(x, matmul(A, x)).mul(0.5).sub(matmul(b, x));
};

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
    const f = quadratic();
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

/** minimize() through stepAsync, `steps` times; the closure is async when `async` is set. */
async function minimizeAsync(
  f: (x: Tensor) => Tensor,
  x: Tensor,
  opts: ConstructorParameters<typeof optim.LBFGS>[1],
  { steps = 1, async = false } = {},
) {
  const opt = new optim.LBFGS([x.requiresGrad_()], opts);
  const closure = () => {
    opt.zeroGrad();
    const l = f(x);
    l.backward();
    return l;
  };
  let first: Tensor | null = null;
  for (let i = 0; i < steps; i++) {
    const l = await opt.stepAsync(async ? async () => closure() : closure);
    first ??= l;
  }
  const firstValue = (await first!.data())[0];
  return { x: Array.from(await x.data()), first: firstValue, nIter: opt.nIter, funcEvals: opt.funcEvals };
}

describe('LBFGS.stepAsync', () => {
  it('takes exactly the iterates of step() on the cpu, with a sync or an async closure', async () => {
    const cases: [(x: Tensor) => Tensor, number[], ConstructorParameters<typeof optim.LBFGS>[1]][] = [
      [
        rosen,
        [-1.5, 2],
        { maxIter: 200, lineSearchFn: 'strongWolfe', toleranceGrad: 1e-10, toleranceChange: 1e-14 },
      ],
      [rosen, [-1.5, 2], { maxIter: 200 }],
      [quadratic(), [0, 0, 0, 0], { lineSearchFn: 'strongWolfe' }],
      [quadratic(), [0, 0, 0, 0], {}],
    ];
    for (const [f, x0, opts] of cases) {
      const sync = minimize(f, x0, { ...opts });
      for (const async of [false, true]) {
        const r = await minimizeAsync(f, tensor(x0), { ...opts }, { async });
        expect(r).toEqual(sync);
      }
    }
  });

  it('step() rejects an async closure, naming stepAsync', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const opt = new optim.LBFGS([x]);
    expect(() =>
      opt.step((async () => {
        opt.zeroGrad();
        const l = x.square().sum();
        l.backward();
        return l;
      }) as unknown as () => Tensor),
    ).toThrow(
      'LBFGS.step: the closure returned a Promise; use `await opt.stepAsync(closure)` for an async closure',
    );
  });
});

describeWebGPU('LBFGS on webgpu (float32) through stepAsync', () => {
  const EPS32 = 2 ** -23;
  const gpu = (v: number[]) => tensor(v, { device: 'webgpu', dtype: 'float32' });
  const norm = (v: number[]) => Math.hypot(...v);
  /**
   * How far a float32 minimizer may be from the exact one x* (loss f*, Hessian H with eigenvalues
   * λmin ≤ … ≤ λmax). The gradient is computed with an error of a few ulps of the size of its
   * terms, ~‖H‖·‖x*‖ near x*, which moves its zero by up to ‖H⁻¹‖·‖H‖·eps·‖x*‖ = κ(H)·eps·‖x*‖ to
   * first order. And the line search and the loss-change test compare losses, which are rounded
   * to a few ulps of |f*|: points with ½·λmin·‖x − x*‖² below that cannot be told apart, so
   * ‖x − x*‖ ≤ √(2·k·eps·|f*| / λmin). k = 8 ulps for both.
   */
  const tolerance = (H: number[][], xStar: number[], fStar: number) => {
    const lambda = linalg.eigvalsh(tensor(H)).toArray() as number[];
    const [lo, hi] = [lambda[0], lambda[lambda.length - 1]];
    return 8 * (hi / lo) * EPS32 * norm(xStar) + Math.sqrt((2 * 8 * EPS32 * Math.abs(fStar)) / lo);
  };

  it('Rosenbrock with strong Wolfe converges to the cpu optimum (1, 1)', async () => {
    const cpu = minimize(rosen, [-1.5, 2], {
      maxIter: 200,
      lineSearchFn: 'strongWolfe',
      toleranceGrad: 1e-10,
    });
    const r = await minimizeAsync(rosen, gpu([-1.5, 2]), { lineSearchFn: 'strongWolfe' }, { steps: 10 });
    expect(r.first).toBe(12.5);
    // The Hessian at (1, 1): [[2 + 1200a² − 400b, −400a], [−400a, 200]].
    close(
      r.x,
      cpu.x,
      tolerance(
        [
          [802, -400],
          [-400, 200],
        ],
        cpu.x,
        0,
      ),
    );
  });

  it('the 4-D quadratic converges to the cpu optimum A⁻¹b, with and without the line search', async () => {
    const xStar = linalg.solve(tensor(A4), tensor(B4)).toArray() as number[];
    const fStar = quadratic()(tensor(xStar)).item();
    for (const lineSearchFn of ['strongWolfe', null] as const) {
      const cpu = minimize(quadratic(), zeros([4]), { lineSearchFn });
      close(cpu.x, xStar, 1e-4);
      const r = await minimizeAsync(quadratic(), gpu([0, 0, 0, 0]), { lineSearchFn }, { steps: 3 });
      close(r.x, xStar, tolerance(A4, xStar, fStar));
    }
  });

  it('step() with webgpu parameters says to use stepAsync', () => {
    const x = gpu([1, 2]).requiresGrad_();
    const opt = new optim.LBFGS([x]);
    expect(() => opt.step(() => x.square().sum())).toThrow(
      'LBFGS.step: a parameter is on webgpu, whose loss and gradients cannot be read synchronously; use `await opt.stepAsync(closure)`',
    );
  });
});
