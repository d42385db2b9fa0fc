/**
 * Loss functions and layers in the style of torch.nn.functional. Every one is a composite of
 * existing differentiable ops, so gradients (first and higher order), forward mode and vmap come
 * from those ops' rules.
 */
import { getGpu } from '../backends/webgpu/device.js';
import { firstBadClassTargetGpu } from '../backends/webgpu/kernels/gather.js';
import { BatchedTensor } from '../func/batching.js';
import { arange } from '../ops/creation.js';
import { abs, eq, exp, log, lt, maximum, where } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { cast } from '../ops/misc.js';
import { mean, sum } from '../ops/reduce.js';
import { rejectComplexInput } from '../ops/reductions.js';
import { narrow, reshape } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';

/** How a loss reduces over its elements: their mean (default), their sum, or none (per element). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of the pointwise losses. */
export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

function checkReduction(op: string, reduction: string): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new TypeError(`${op}: ${String(reduction)} is not a valid value for reduction`);
  }
  return reduction;
}

function reduce(x: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? x : reduction === 'sum' ? sum(x) : mean(x);
}

/**
 * The maximum over `dim` (kept), with no gradient: a tree of elementwise maxima over halves. Only
 * used as the shift of a stable log-sum-exp, whose value and derivatives do not depend on it.
 */
function amaxDetached(x: Tensor, dim: number): Tensor {
  let m = x.detach();
  let size = m.shape[dim];
  while (size > 1) {
    const h = Math.ceil(size / 2);
    m = maximum(narrow(m, dim, 0, h), narrow(m, dim, size - h, h));
    size = h;
  }
  // As torch.logsumexp: an infinite maximum shifts by 0 (so -inf rows stay -inf, not NaN).
  return where(eq(abs(m), Number.POSITIVE_INFINITY), 0, m);
}

/** log(softmax(x, dim)), computed stably as x − m − log Σ exp(x − m) with m the maximum. */
function logSoftmax(x: Tensor, dim: number): Tensor {
  const shifted = x.sub(amaxDetached(x, dim));
  return shifted.sub(log(sum(exp(shifted), dim, true)));
}

/**
 * Mean squared error (torch.nn.functional.mse_loss): (input − target)², reduced.
 * @example
 * nn.functional.mseLoss(tensor([1, 2]), tensor([0, 0])); // tensor(2.5000)
 */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  rejectComplexInput('mseLoss', 'mse_loss is not implemented for complex tensors', [input, target]);
  const reduction = checkReduction('mseLoss', opts.reduction ?? 'mean');
  return reduce(input.sub(target).square(), reduction);
}

/** Options of huberLoss. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/**
 * Huber loss (torch.nn.functional.huber_loss): ½(x − y)² where |x − y| < delta, else
 * delta·(|x − y| − ½·delta), reduced.
 * @example
 * nn.functional.huberLoss(tensor([0, 3]), tensor([0.5, 0])); // tensor(1.3125)
 */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOptions = {}): Tensor {
  rejectComplexInput('huberLoss', 'huber_loss is not implemented for complex tensors', [input, target]);
  const reduction = checkReduction('huberLoss', opts.reduction ?? 'mean');
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be positive, got ${delta}`);
  const diff = input.sub(target);
  const ad = abs(diff);
  const loss = where(lt(ad, delta), diff.square().mul(0.5), ad.sub(0.5 * delta).mul(delta));
  return reduce(loss, reduction);
}

/** Options of binaryCrossEntropyWithLogits. */
export interface BCEWithLogitsOptions extends LossOptions {
  /** A rescaling weight broadcast against the loss of each element. */
  weight?: Tensor;
  /** The weight of positive examples, broadcast along the classes (the last dim). */
  posWeight?: Tensor;
}

/**
 * Binary cross-entropy on logits (torch.nn.functional.binary_cross_entropy_with_logits), stable for
 * large |x|: (1 − y)·x + (1 + (posWeight − 1)·y)·(log(1 + e^−|x|) + max(−x, 0)), times weight,
 * reduced. Its gradient is weight·(σ(x)·(1 + (pw − 1)y) − pw·y), as PyTorch's.
 * @example
 * nn.functional.binaryCrossEntropyWithLogits(tensor([0]), tensor([1])); // tensor(0.6931)
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BCEWithLogitsOptions = {},
): Tensor {
  rejectComplexInput(
    'binaryCrossEntropyWithLogits',
    'binary_cross_entropy_with_logits is not implemented for complex tensors',
    [input, target, ...(opts.weight ? [opts.weight] : []), ...(opts.posWeight ? [opts.posWeight] : [])],
  );
  const reduction = checkReduction('binaryCrossEntropyWithLogits', opts.reduction ?? 'mean');
  const softplusNeg = log(exp(abs(input).neg()).add(1)).add(maximum(input.neg(), 0));
  const logWeight = opts.posWeight ? opts.posWeight.sub(1).mul(target).add(1) : null;
  let loss = target
    .neg()
    .add(1)
    .mul(input)
    .add(logWeight ? logWeight.mul(softplusNeg) : softplusNeg);
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce(loss, reduction);
}

/** Options of nllLoss and crossEntropy. */
export interface NllLossOptions extends LossOptions {
  /** A weight per class (a 1-D tensor of C values). */
  weight?: Tensor;
  /** A target value that contributes nothing and is not counted in the mean (default -100). */
  ignoreIndex?: number;
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution over the C classes (default 0). */
  labelSmoothing?: number;
}

/** The tensor holding a value's data: itself, or under vmap the whole batch (every sample's). */
function unbatched(t: Tensor): Tensor {
  let v = t;
  while (v instanceof BatchedTensor) v = v.inner;
  return v;
}

/**
 * The class dim and count of an (N, C, d1, …) or (C) input; checks the target's shape and values.
 * A cpu target is checked here (a RangeError now); a webgpu one on the device, and `deviceCheck`
 * resolves to that same RangeError (or null), for the caller to raise when the loss is read.
 */
function classSetup(op: string, input: Tensor, target: Tensor, ignoreIndex: number) {
  if (input.ndim < 1) throw new RangeError(`${op}: input must have at least 1 dim, got shape []`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  const expected = input.shape.filter((_, i) => i !== classDim);
  const shapes = `input shape [${input.shape.join(', ')}], target shape [${target.shape.join(', ')}]`;
  if (target.dtype !== 'int32') {
    throw new TypeError(
      `${op}: expected target of dtype int32 (class indices), got ${target.dtype} (${shapes})`,
    );
  }
  if (target.ndim !== expected.length || target.shape.some((s, i) => s !== expected[i])) {
    throw new RangeError(`${op}: expected target of shape [${expected.join(', ')}] for ${shapes}`);
  }
  const outOfBounds = (v: number) =>
    new RangeError(`${op}: Target ${v} is out of bounds: it must be in [0, ${C}) (${shapes})`);
  const values = unbatched(target);
  let deviceCheck: Promise<Error | null> | null = null;
  if (values.device === 'cpu') {
    for (const v of values.dataSync()) {
      if (v !== ignoreIndex && (v < 0 || v >= C)) throw outOfBounds(v);
    }
  } else {
    deviceCheck = firstBadClassTargetGpu(getGpu(), values.gpuView(), C, ignoreIndex).then(
      (v) => (v === null ? null : outOfBounds(v)),
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  }
  return { classDim, C, deviceCheck };
}

/**
 * Makes `t` (and every tensor later computed from it: the loss, its gradient) raise the error
 * `check` resolves to when first read, as WebGPU ops do for errors found on the device.
 */
function raiseOnRead(t: Tensor, check: Promise<Error | null>): void {
  const s = unbatched(t).gpuView().storage;
  const prev = s.pendingError;
  s.pendingError = prev ? async () => (await check) ?? (await prev()) : () => check;
}

/** Broadcasts a 1-D tensor of C values along the class dim of an input of rank `ndim`. */
function alongClass(v: Tensor, classDim: number, ndim: number): Tensor {
  return reshape(
    v,
    Array.from({ length: ndim }, (_, i) => (i === classDim ? v.numel : 1)),
  );
}

/** One-hot of the int32 target along the class dim (an ignored or out-of-range target gives a zero row). */
function oneHot(input: Tensor, target: Tensor, classDim: number, C: number): Tensor {
  const dtype = input.dtype;
  const classes = alongClass(arange(C, undefined, 1, { dtype, device: input.device }), classDim, input.ndim);
  const t = reshape(
    target,
    input.shape.map((s, i) => (i === classDim ? 1 : s)),
  );
  return eq(cast(t, dtype), classes);
}

/** The class scores and, when given, the class weights (both must be real). */
const withWeight = (input: Tensor, opts: { weight?: Tensor }): Tensor[] =>
  opts.weight ? [input, opts.weight] : [input];

function checkWeight(op: string, weight: Tensor | undefined, C: number): void {
  if (weight && (weight.ndim !== 1 || weight.numel !== C)) {
    throw new RangeError(
      `${op}: weight must be a 1-D tensor of ${C} values (one per class), got shape [${weight.shape.join(', ')}]`,
    );
  }
}

/**
 * The picked −w[y]·logp[y] per element and the sum of the weights w[y] (0 for ignored targets), as
 * torch.nn.functional.nll_loss; 'mean' divides the sum of the first by the sum of the second.
 */
function nllParts(op: string, logp: Tensor, target: Tensor, opts: NllLossOptions) {
  const { classDim, C, deviceCheck } = classSetup(op, logp, target, opts.ignoreIndex ?? -100);
  checkWeight(op, opts.weight, C);
  const hot = oneHot(logp, target, classDim, C);
  // Every part of the loss and of its gradient is computed from the one-hot mask.
  if (deviceCheck) raiseOnRead(hot, deviceCheck);
  const mask = opts.weight ? hot.mul(alongClass(opts.weight, classDim, logp.ndim)) : hot;
  const valid = sum(hot, classDim);
  const wt = opts.weight ? sum(mask, classDim) : valid;
  return { loss: sum(logp.mul(mask), classDim).neg(), wt, valid, C };
}

/**
 * Negative log-likelihood (torch.nn.functional.nll_loss) of log-probabilities `input` (N, C, …) or
 * (C) at int32 class indices `target` (N, …): −weight[y]·input[y]; 'mean' divides by Σ weight[y].
 * @example
 * nn.functional.nllLoss(tensor([[-1, -2]]), tensor([1], { dtype: 'int32' })); // tensor(2.)
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  rejectComplexInput('nllLoss', 'nll_loss is not implemented for complex tensors', withWeight(input, opts));
  const reduction = checkReduction('nllLoss', opts.reduction ?? 'mean');
  const { loss, wt } = nllParts('nllLoss', input, target, opts);
  return reduction === 'mean' ? sum(loss).div(sum(wt)) : reduce(loss, reduction);
}

/**
 * Cross-entropy of logits `input` (N, C, …) or (C) and int32 class indices `target` (N, …), as
 * torch.nn.functional.cross_entropy: with p = logSoftmax(input, classDim) and ε = labelSmoothing,
 * (1 − ε)·nllLoss(p, target) + ε/C·Σ_c −weight[c]·p[c] ('mean' divides the second by Σ weight[y]
 * too). The log-softmax is stable for large logits.
 * @example
 * nn.functional.crossEntropy(tensor([[1000, 1001]]), tensor([1], { dtype: 'int32' })); // tensor(0.3133)
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  rejectComplexInput(
    'crossEntropy',
    'cross_entropy is not implemented for complex tensors',
    withWeight(input, opts),
  );
  const reduction = checkReduction('crossEntropy', opts.reduction ?? 'mean');
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) {
    throw new RangeError(`crossEntropy: labelSmoothing must be between 0.0 and 1.0. Got: ${eps}`);
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const logp = input.ndim >= 1 ? logSoftmax(input, classDim) : input;
  const { loss: nll, wt, valid, C } = nllParts('crossEntropy', logp, target, opts);
  let loss = nll;
  if (eps > 0) {
    const weighted = opts.weight ? logp.mul(alongClass(opts.weight, classDim, logp.ndim)) : logp;
    // The smoothing term is zero at ignored targets (valid is 1 exactly where the target is a class).
    const smooth = sum(weighted, classDim).neg().mul(valid);
    loss = nll.mul(1 - eps).add(smooth.mul(eps / C));
  }
  return reduction === 'mean' ? sum(loss).div(sum(wt)) : reduce(loss, reduction);
}

/**
 * A linear layer (torch.nn.functional.linear): input·weightᵀ + bias, with weight (out, in).
 * @example
 * nn.functional.linear(tensor([[1, 2]]), tensor([[1, 1]]), tensor([0.5])); // tensor([[3.5000]])
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const y = matmul(input, weight.ndim === 1 ? weight : weight.mT);
  return bias ? y.add(bias) : y;
}

/**
 * Neural-network helpers, as torch.nn.
 * @example
 * nn.functional.mseLoss(tensor([1]), tensor([0])); // tensor(1.)
 */
export const nn = {
  /** Losses and layers as functions (torch.nn.functional). */
  functional: {
    mseLoss,
    huberLoss,
    binaryCrossEntropyWithLogits,
    nllLoss,
    crossEntropy,
    linear,
  },
};
