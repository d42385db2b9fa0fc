/** Learning-rate schedules (torch.optim.lr_scheduler): each sets its optimizer's lr by epoch. */

/** What a schedule drives: any optimizer of this package (its lr is read and set). */
export interface HasLr {
  lr: number;
}

abstract class LRScheduler {
  /** The lr the optimizer had when the schedule was made. */
  readonly baseLr: number;
  /** How many times step() has been called. */
  lastEpoch = 0;
  constructor(
    /** The optimizer whose lr this schedule sets. */
    readonly optimizer: HasLr,
  ) {
    this.baseLr = optimizer.lr;
  }

  /** The lr at `epoch` (closed form). */
  protected abstract lrAt(epoch: number): number;

  /**
   * Advances one epoch and sets the optimizer's lr (call it after optimizer.step(), as PyTorch).
   * @example
   * opt.step();
   * sched.step();
   */
  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  /** The lr set by the last step (the base lr before any), as get_last_lr()[0]. */
  getLastLr(): number {
    return this.optimizer.lr;
  }
}

/** Options of StepLR. */
export interface StepLROptions {
  /** Epochs between decays (required, a positive integer). */
  stepSize: number;
  /** The factor of each decay (default 0.1). */
  gamma?: number;
}

/**
 * Decays the lr by gamma every stepSize epochs (torch.optim.lr_scheduler.StepLR):
 * lr = baseLr·gamma^⌊epoch / stepSize⌋.
 * @example
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: HasLr,
    /** The options it was made with. */
    readonly opts: StepLROptions,
  ) {
    super(optimizer);
    if (!Number.isInteger(opts.stepSize) || opts.stepSize < 1) {
      throw new RangeError(`StepLR: stepSize must be a positive integer, got ${opts.stepSize}`);
    }
  }
  protected lrAt(epoch: number): number {
    return this.baseLr * (this.opts.gamma ?? 0.1) ** Math.floor(epoch / this.opts.stepSize);
  }
}

/** Options of CosineAnnealingLR. */
export interface CosineAnnealingLROptions {
  /** Epochs of a half period (required, positive). */
  tMax: number;
  /** The lowest lr (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing (torch.optim.lr_scheduler.CosineAnnealingLR, its closed form):
 * lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch / tMax)) / 2.
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100 });
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    optimizer: HasLr,
    /** The options it was made with. */
    readonly opts: CosineAnnealingLROptions,
  ) {
    super(optimizer);
    if (!(opts.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${opts.tMax}`);
  }
  protected lrAt(epoch: number): number {
    const etaMin = this.opts.etaMin ?? 0;
    return etaMin + ((this.baseLr - etaMin) * (1 + Math.cos((Math.PI * epoch) / this.opts.tMax))) / 2;
  }
}
