import { noGrad } from './autograd/grad-mode.js';
import { keep } from './memory.js';
import { zerosLike } from './ops/creation.js';
import { LBFGS } from './optim/lbfgs.js';
import { CosineAnnealingLR, StepLR } from './optim/lr-scheduler.js';
import type { Tensor } from './tensor.js';

export { LBFGS, type LBFGSOptions } from './optim/lbfgs.js';
export {
  CosineAnnealingLR,
  type CosineAnnealingLROptions,
  StepLR,
  type StepLROptions,
} from './optim/lr-scheduler.js';

/**
 * Optimizers in the style of torch.optim. They update parameters in place (the only in-place
 * change linagrad makes to a tensor's values) so references held by the user stay valid, and free
 * the replaced storage at once, which keeps GPU memory flat across steps.
 */
export abstract class Optimizer {
  constructor(
    /** The tensors this optimizer updates in place. */
    readonly params: Tensor[],
  ) {
    for (const p of params) {
      if (!p.isLeaf || !p.requiresGrad) {
        throw new TypeError(
          'optimizer: every parameter must be a leaf tensor with requiresGrad (use requiresGrad_())',
        );
      }
    }
  }

  /**
   * Sets every parameter's .grad to null (freeing it), as zero_grad(set_to_none=True).
   * @example
   * opt.zeroGrad(); // every p.grad is null
   */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * One update from the current .grad of each parameter (parameters without a gradient are skipped).
   * @example
   * loss.backward();
   * opt.step();
   */
  step(): void {
    noGrad(() => {
      this.params.forEach((p, i) => {
        if (p.grad) p.assignFrom(this.update(p, p.grad, i));
      });
    });
  }

  protected abstract update(p: Tensor, g: Tensor, i: number): Tensor;

  /** The learning rate the next step uses (read and set by the lrScheduler classes). */
  abstract get lr(): number;
  abstract set lr(value: number);
}

/** Options of optim.SGD (torch.optim.SGD's, camelCase). */
export interface SGDOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor (default 0: plain gradient descent). */
  momentum?: number;
  /** Dampening of the gradient added to the momentum buffer, as (1 − dampening)·g (default 0). */
  dampening?: number;
  /** Nesterov momentum: step along g + momentum·v instead of v (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient as weightDecay·p (default 0). */
  weightDecay?: number;
}

/** Options of optim.Adam (torch.optim.Adam's, camelCase). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the running means of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator √v̂ for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient as weightDecay·p (default 0). */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent with optional momentum and weight decay (torch.optim.SGD): g = grad +
 * weightDecay·p; v = momentum·v + (1 − dampening)·g (v = g at the first step); p ← p − lr·v, or
 * p ← p − lr·(g + momentum·v) with nesterov.
 * @example
 * const w = tensor([1, -1], { requiresGrad: true });
 * const opt = new optim.SGD([w], { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad();
 * w.square().sum().backward();
 * opt.step();
 */
export class SGD extends Optimizer {
  private velocity: (Tensor | null)[];
  constructor(
    params: Tensor[],
    /** The options it was made with. */
    readonly opts: SGDOptions,
  ) {
    super(params);
    if (opts.nesterov && (!(opts.momentum! > 0) || (opts.dampening ?? 0) !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
    this.velocity = params.map(() => null);
  }

  get lr(): number {
    return this.opts.lr;
  }
  set lr(value: number) {
    this.opts.lr = value;
  }

  protected update(p: Tensor, g: Tensor, i: number): Tensor {
    const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = this.opts;
    let d = weightDecay ? g.add(p.mul(weightDecay)) : g;
    if (momentum) {
      const prev = this.velocity[i];
      const v = prev ? prev.mul(momentum).add(dampening ? d.mul(1 - dampening) : d) : d.clone();
      prev?.dispose();
      this.velocity[i] = keep(v);
      d = nesterov ? d.add(v.mul(momentum)) : v;
    }
    return p.sub(d.mul(lr));
  }
}

/**
 * Adam (torch.optim.Adam): m and v are running means of g and g² (betas), bias-corrected; p ← p −
 * lr·m̂ / (√v̂ + eps), with g = grad + weightDecay·p.
 * @example
 * const w = tensor([1, -1], { requiresGrad: true });
 * const opt = new optim.Adam([w], { lr: 0.01 });
 * opt.zeroGrad();
 * w.square().sum().backward();
 * opt.step();
 */
export class Adam extends Optimizer {
  private m: Tensor[];
  private v: Tensor[];
  private t = 0;
  constructor(
    params: Tensor[],
    /** The options it was made with (defaults filled in at each step). */
    readonly opts: AdamOptions = {},
  ) {
    super(params);
    this.m = params.map((p) => keep(zerosLike(p)));
    this.v = params.map((p) => keep(zerosLike(p)));
  }

  override step(): void {
    this.t++;
    super.step();
  }

  get lr(): number {
    return this.opts.lr ?? 1e-3;
  }
  set lr(value: number) {
    this.opts.lr = value;
  }

  /** AdamW decays the parameter itself instead of adding to the gradient. */
  protected decoupled = false;

  protected update(p: Tensor, g: Tensor, i: number): Tensor {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8 } = this.opts;
    const weightDecay = this.opts.weightDecay ?? (this.decoupled ? 1e-2 : 0);
    const [b1, b2] = betas;
    if (weightDecay && this.decoupled) p = p.mul(1 - lr * weightDecay);
    else if (weightDecay) g = g.add(p.mul(weightDecay));
    const m = this.m[i].mul(b1).add(g.mul(1 - b1));
    const v = this.v[i].mul(b2).add(g.square().mul(1 - b2));
    this.m[i].assignFrom(m);
    this.v[i].assignFrom(v);
    const mHat = this.m[i].div(1 - b1 ** this.t);
    const vHat = this.v[i].div(1 - b2 ** this.t);
    return p.sub(mHat.mul(lr).div(vHat.sqrt().add(eps)));
  }
}

/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay, p ← p·(1 − lr·weightDecay) before
 * the Adam step (weightDecay defaults to 1e-2; the other options as Adam's).
 * @example
 * const w = tensor([1, -1], { requiresGrad: true });
 * const opt = new optim.AdamW([w], { lr: 0.01, weightDecay: 0.1 });
 * w.square().sum().backward();
 * opt.step();
 */
export class AdamW extends Adam {
  protected override decoupled = true;
}

/**
 * The optimizers, as torch.optim.
 * @example
 * new optim.Adam(params, { lr: 1e-3 });
 */
export const optim = {
  /** Stochastic gradient descent (torch.optim.SGD); see the SGD class. */
  SGD,
  /** Adam (torch.optim.Adam); see the Adam class. */
  Adam,
  /** Adam with decoupled weight decay (torch.optim.AdamW); see the AdamW class. */
  AdamW,
  /** Limited-memory BFGS with a closure (torch.optim.LBFGS); see the LBFGS class. */
  LBFGS,
  /** Learning-rate schedules (torch.optim.lr_scheduler). */
  lrScheduler: { StepLR, CosineAnnealingLR },
};
