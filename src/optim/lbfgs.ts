/**
 * L-BFGS (torch.optim.LBFGS): quasi-Newton steps from a history of gradient differences, with an
 * optional strong-Wolfe line search. The loss and gradients are read on the host every evaluation
 * and the vectors of the method are flat Float64Arrays. The algorithm is one generator that yields
 * where it needs the device (an evaluation, the parameters' values): step() answers synchronously
 * (cpu parameters), stepAsync() with awaited reads (any device), so both take the same path.
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { axpy, dot, type Evaluate as LineEvaluate, maxAbs, strongWolfe } from './line-search.js';

/** Options of optim.LBFGS (torch.optim.LBFGS's, camelCase, with its defaults). */
export interface LBFGSOptions {
  /** Learning rate: the step length tried along each direction (default 1). */
  lr?: number;
  /** Iterations per step() (default 20). */
  maxIter?: number;
  /** Closure evaluations per step() (default ⌊maxIter·5/4⌋). */
  maxEval?: number;
  /** Stops when max |gradient| ≤ this (default 1e-7). */
  toleranceGrad?: number;
  /** Stops when the step or the loss changes by less than this (default 1e-9). */
  toleranceChange?: number;
  /** How many updates the curvature history keeps (default 100). */
  historySize?: number;
  /** 'strongWolfe' for a line search satisfying the strong Wolfe conditions; null (default) for fixed steps. */
  lineSearchFn?: 'strongWolfe' | null;
}

/** What the algorithm asks its driver for: a closure evaluation, or the parameters' values. */
type Request = 'evaluate' | 'params';
/** The algorithm's generators: they yield requests and get back an {@link Evaluation} or values. */
type Run<T> = Generator<Request, T, Evaluation | Float64Array>;
/** One closure evaluation: the loss tensor, its value and the flat gradient. */
interface Evaluation {
  loss: Tensor;
  f: number;
  g: Float64Array;
}

function* evaluateClosure(): Run<Evaluation> {
  return (yield 'evaluate') as Evaluation;
}
function* readParams(): Run<Float64Array> {
  return (yield 'params') as Float64Array;
}

type Evaluate = LineEvaluate<Request, Evaluation | Float64Array>;

/**
 * L-BFGS (torch.optim.LBFGS, same algorithm, options and defaults). step(closure) runs up to
 * maxIter iterations; the closure clears the gradients, computes the loss, calls backward() and
 * returns the loss. The state (history, last direction) carries over between calls.
 *
 * step() reads the loss and gradients synchronously, so it needs cpu parameters; stepAsync()
 * takes the same steps on any device (webgpu float32 parameters included), awaiting each read, and
 * its closure may be async.
 * @example
 * const x = tensor([-1.5, 2], { requiresGrad: true });
 * const opt = new optim.LBFGS([x], { lineSearchFn: 'strongWolfe' });
 * opt.step(() => {
 *   opt.zeroGrad();
 *   const loss = x.square().sum();
 *   loss.backward();
 *   return loss;
 * });
 * @example
 * const w = tensor([-1.5, 2], { device: 'webgpu', dtype: 'float32', requiresGrad: true });
 * const gpuOpt = new optim.LBFGS([w], { lineSearchFn: 'strongWolfe' });
 * await gpuOpt.stepAsync(() => {
 *   gpuOpt.zeroGrad();
 *   const loss = w.square().sum();
 *   loss.backward();
 *   return loss;
 * });
 */
export class LBFGS {
  /** Closure evaluations over all steps. */
  funcEvals = 0;
  /** Iterations over all steps. */
  nIter = 0;
  private d: Float64Array | null = null;
  private t = 0;
  private oldDirs: Float64Array[] = [];
  private oldStps: Float64Array[] = [];
  private ro: number[] = [];
  private hDiag = 1;
  private prevFlatGrad: Float64Array | null = null;
  private prevLoss = 0;
  private readonly numel: number;

  constructor(
    /** The tensors this optimizer updates in place. */
    readonly params: Tensor[],
    /** The options it was made with (defaults filled in at each step). */
    readonly opts: LBFGSOptions = {},
  ) {
    for (const p of params) {
      if (!p.isLeaf || !p.requiresGrad) {
        throw new TypeError(
          'optimizer: every parameter must be a leaf tensor with requiresGrad (use requiresGrad_())',
        );
      }
    }
    this.numel = params.reduce((n, p) => n + p.numel, 0);
  }

  /** The step length tried along each direction (read and set by the lrScheduler classes). */
  get lr(): number {
    return this.opts.lr ?? 1;
  }
  set lr(value: number) {
    this.opts.lr = value;
  }

  /** Sets every parameter's .grad to null (freeing it). @example opt.zeroGrad(); */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Concatenates per-parameter values (null: a missing gradient, zeros) into one flat vector. */
  private flat(parts: readonly (ArrayLike<number> | null)[]): Float64Array {
    const out = new Float64Array(this.numel);
    let o = 0;
    this.params.forEach((p, i) => {
      const v = parts[i];
      if (v) out.set(v, o);
      o += p.numel;
    });
    return out;
  }

  /** Writes the flat vector x back into the parameters, on their devices. */
  private setParams(x: Float64Array): void {
    noGrad(() => {
      let o = 0;
      for (const p of this.params) {
        const v = x.subarray(o, o + p.numel);
        const data = p.dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v);
        p.assignFrom(tensor(data, { shape: [...p.shape], device: p.device }));
        o += p.numel;
      }
    });
  }

  /**
   * Runs up to maxIter L-BFGS iterations, calling the closure for each loss and gradient; returns the
   * loss of the first evaluation (as PyTorch). The parameters must be on the cpu (use stepAsync for
   * webgpu ones).
   * @example
   * opt.step(() => { opt.zeroGrad(); const l = f(x); l.backward(); return l; });
   */
  step(closure: () => Tensor): Tensor {
    const gpu = this.params.find((p) => p.device !== 'cpu');
    if (gpu) {
      throw new TypeError(
        `LBFGS.step: a parameter is on ${gpu.device}, whose loss and gradients cannot be read synchronously; ` +
          'use `await opt.stepAsync(closure)`',
      );
    }
    const run = this.run();
    let r = run.next();
    while (!r.done) {
      if (r.value === 'params') {
        r = run.next(this.flat(this.params.map((p) => p.dataSync())));
      } else {
        const loss = enableGrad(closure);
        if (loss instanceof Promise) {
          throw new TypeError(
            'LBFGS.step: the closure returned a Promise; use `await opt.stepAsync(closure)` for an async closure',
          );
        }
        const g = this.flat(this.params.map((p) => (p.grad ? p.grad.dataSync() : null)));
        r = run.next({ loss, f: loss.item(), g });
      }
    }
    return r.value;
  }

  /**
   * step() for parameters on any device (webgpu float32 ones included): the same iterations, with
   * the loss and the gradients read by `await t.data()` at each evaluation and the new values
   * written back on the parameters' devices. The closure may return the loss or a Promise of it
   * (an async closure runs with gradients enabled only up to its first await, so call it outside
   * noGrad). On cpu parameters it takes exactly step()'s iterates. Resolves to the loss of the
   * first evaluation.
   * @example
   * const first = await opt.stepAsync(() => { opt.zeroGrad(); const l = f(x); l.backward(); return l; });
   * console.log((await first.data())[0]);
   */
  async stepAsync(closure: () => Tensor | Promise<Tensor>): Promise<Tensor> {
    const run = this.run();
    let r = run.next();
    while (!r.done) {
      if (r.value === 'params') {
        r = run.next(this.flat(await Promise.all(this.params.map((p) => p.data()))));
      } else {
        const loss = await enableGrad(closure);
        const [value, ...grads] = await Promise.all([
          lossValue(loss),
          ...this.params.map((p) => (p.grad ? p.grad.data() : null)),
        ]);
        r = run.next({ loss, f: value as number, g: this.flat(grads as (ArrayLike<number> | null)[]) });
      }
    }
    return r.value;
  }

  /** The algorithm of step(): yields for each evaluation and parameter read, returns the first loss. */
  private *run(): Run<Tensor> {
    const lr = this.lr;
    const maxIter = this.opts.maxIter ?? 20;
    const maxEval = this.opts.maxEval ?? Math.floor((maxIter * 5) / 4);
    const tolGrad = this.opts.toleranceGrad ?? 1e-7;
    const tolChange = this.opts.toleranceChange ?? 1e-9;
    const historySize = this.opts.historySize ?? 100;
    const lineSearch = this.opts.lineSearchFn ?? null;

    const first = yield* evaluateClosure();
    const origLoss = first.loss;
    let loss = first.f;
    let evals = 1;
    this.funcEvals++;
    let g = first.g;
    if (maxAbs(g) <= tolGrad) return origLoss;

    let d = this.d;
    let t = this.t;
    let n = 0;
    while (n < maxIter) {
      n++;
      this.nIter++;
      if (this.nIter === 1 || !d || !this.prevFlatGrad) {
        d = g.map((v) => -v);
        this.oldDirs = [];
        this.oldStps = [];
        this.ro = [];
        this.hDiag = 1;
      } else {
        // Update the history with y = g − g_prev and s = t·d when the curvature ys is positive.
        const y = g.map((v, i) => v - this.prevFlatGrad![i]);
        const s = d.map((v) => v * t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (this.oldDirs.length === historySize) {
            this.oldDirs.shift();
            this.oldStps.shift();
            this.ro.shift();
          }
          this.oldDirs.push(y);
          this.oldStps.push(s);
          this.ro.push(1 / ys);
          this.hDiag = ys / dot(y, y);
        }
        // Two-loop recursion: d = −H·g with H the L-BFGS inverse-Hessian approximation.
        const k = this.oldDirs.length;
        const al = new Array<number>(k);
        const q = g.map((v) => -v);
        for (let i = k - 1; i >= 0; i--) {
          al[i] = dot(this.oldStps[i], q) * this.ro[i];
          axpy(q, -al[i], this.oldDirs[i]);
        }
        const r = q.map((v) => v * this.hDiag);
        for (let i = 0; i < k; i++) {
          const be = dot(this.oldDirs[i], r) * this.ro[i];
          axpy(r, al[i] - be, this.oldStps[i]);
        }
        d = r;
      }
      this.prevFlatGrad = g.slice();
      this.prevLoss = loss;
      // The first step is scaled by 1/‖g‖₁ (at most lr), later ones use lr.
      t = this.nIter === 1 ? Math.min(1, 1 / g.reduce((a, v) => a + Math.abs(v), 0)) * lr : lr;
      const gtd = dot(g, d);
      if (gtd > -tolChange) break;

      let lsEvals = 0;
      let optCond = false;
      if (lineSearch === 'strongWolfe') {
        const x0 = yield* readParams();
        const dir = d;
        const evaluate: Evaluate = function* (this: LBFGS, step: number) {
          const x = x0.slice();
          axpy(x, step, dir);
          this.setParams(x);
          const e = yield* evaluateClosure();
          this.setParams(x0);
          return [e.f, e.g] as [number, Float64Array];
        }.bind(this);
        const res = yield* strongWolfe(evaluate, t, d, loss, g, gtd);
        loss = res.f;
        g = res.g;
        t = res.t;
        lsEvals = res.evals;
        const x = x0.slice();
        axpy(x, t, d);
        this.setParams(x);
        optCond = maxAbs(g) <= tolGrad;
      } else if (lineSearch === null) {
        const x = yield* readParams();
        axpy(x, t, d);
        this.setParams(x);
        if (n !== maxIter) {
          const e = yield* evaluateClosure();
          loss = e.f;
          g = e.g;
          optCond = maxAbs(g) <= tolGrad;
          lsEvals = 1;
        }
      } else {
        throw new TypeError(
          `LBFGS: only 'strongWolfe' is supported as lineSearchFn, got ${String(lineSearch)}`,
        );
      }
      evals += lsEvals;
      this.funcEvals += lsEvals;

      if (n === maxIter || evals >= maxEval || optCond) break;
      if (maxAbs(d) * Math.abs(t) <= tolChange) break;
      if (Math.abs(loss - this.prevLoss) < tolChange) break;
    }
    this.d = d;
    this.t = t;
    return origLoss;
  }
}

/** The value of a one-element loss on any device (item()'s RangeError otherwise). */
async function lossValue(loss: Tensor): Promise<number> {
  if (loss.numel !== 1) {
    throw new RangeError(`item: a Tensor with ${loss.numel} elements cannot be converted to a number`);
  }
  return (await loss.data())[0];
}
