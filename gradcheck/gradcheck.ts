/**
 * gradcheck with the semantics of torch.autograd.gradcheck: analytical Jacobians from
 * `autograd.grad` against central differences in float64.
 * @module
 */
import { applyOp, autograd, defineOp, enableGrad, type Tensor, tensor, zerosLike } from '../src/index.js';
import { analyticalJacobian, checkReentrant, vjp } from './analytical.js';
import { checkBatchedGrad } from './batched.js';
import {
  checkInputs,
  Evaluator,
  type FlatOutputs,
  flattenOutputs,
  fmt,
  GradcheckError,
  type GradcheckFn,
  type GradcheckOptions,
  hostValues,
  inputName,
  multiIndex,
  type ResolvedOptions,
  resolveOptions,
} from './common.js';
import { complexPasses } from './complex.js';
import { checkComplexTangents, passVectors, unitVector } from './fast-complex.js';
import { checkForwardFast, checkForwardJacobians, type ForwardCtx } from './forward.js';
import { makeRng, type Rng } from './linalg-rand.js';
import { numericalJacobian, numericalJvp } from './numerical.js';
import { allCloseJ, mismatchMessage, type Tolerances, violation } from './report.js';

/**
 * Checks the gradients of `fn` at `inputs` (the inputs with requiresGrad are differentiated, the
 * others held constant) against finite differences, like torch.autograd.gradcheck:
 * 1. every Jacobian (or, with `fastMode`, vᵀJu for random unit u, v) from backward passes must
 *    satisfy |analytical − numerical| ≤ atol + rtol·|numerical| (fast mode scales atol by
 *    Σu·Σv, as PyTorch);
 * 2. backward run twice must agree within `nondetTol` (reentrancy);
 * 3. with several outputs, one backward with gradients for all of them must equal the sum of the
 *    per-output backwards (not in PyTorch: it catches formulas that go wrong only then);
 * 4. zero gradOutputs must give zero (or null) gradients;
 * 5. with `checkUndefinedGrad`, backward must accept null gradients for some or all outputs;
 * 6. with `checkBatchedGrad`, backward must be linear in its gradOutputs, what a batched
 *    (vmapped) backward relies on (gradcheck/batched.ts);
 * 7. with `checkForwardAd`, the Jacobians from forward-mode AD (dual tensors, gradcheck/forward.ts)
 *    must match the finite differences too (same tolerance; in fast mode over ℂ also along the
 *    complex tangent ur + i·ui of each complex input, fast-complex.ts). `checkBackwardAd: false` leaves out
 *    the backward checks 1–6 (the finite differences stay).
 * Returns true, or throws a GradcheckError (returns false with `raiseException: false`). Misuse
 * (no input requiring grad, non-tensor inputs or outputs, webgpu inputs) always throws.
 * @example
 * const A = tensor([[2, 1], [1, 3]], { requiresGrad: true });
 * gradcheck((a) => linalg.inv(a), [A]); // true
 * gradcheck((a) => linalg.det(a), [A], { fastMode: true, atol: 1e-6 });
 */
export function gradcheck(fn: GradcheckFn, inputs: readonly Tensor[], opts: GradcheckOptions = {}): boolean {
  const o = resolveOptions('gradcheck', opts);
  try {
    enableGrad(() => {
      // Complex inputs and outputs are checked through their real and imaginary parts (complex.ts).
      // The inputs as given are validated first, so that misuse is named on them, not on a part.
      checkInputs('gradcheck', inputs, o.inputNames, false);
      const names = inputs.map((_, i) => inputName(o.inputNames, i));
      const passes = complexPasses(fn, inputs, names);
      for (const p of passes)
        runGradcheck('gradcheck', p.fn, p.inputs, { ...o, inputNames: p.names }, passVectors(inputs, p));
      // Fast forward mode over ℂ: also along complex tangents ur + i·ui (fast-complex.ts).
      if (o.fastMode && o.checkForwardAd && passes.length > 1)
        checkComplexTangents('gradcheck', fn, inputs, names, o);
    });
    return true;
  } catch (e) {
    if (e instanceof GradcheckError && !o.raiseException) return false;
    throw e;
  }
}

/** Positions of the outputs that require grad (PyTorch's differentiable outputs). */
export function differentiable(out: FlatOutputs): number[] {
  return out.tensors.flatMap((t, j) => (t.requiresGrad ? [j] : []));
}

/**
 * @internal gradcheck without the option handling (gradgradcheck calls it). `drawU` draws fast
 * mode's u for the inputs that require grad (default: one unit vector each, in order).
 */
export function runGradcheck(
  where: string,
  fn: GradcheckFn,
  inputs: readonly Tensor[],
  o: ResolvedOptions,
  drawU?: (rng: Rng) => Float64Array[],
): void {
  const diff = checkInputs(where, inputs, o.inputNames);
  const labels = inputs.map((_, i) => inputName(o.inputNames, i));
  const out = flattenOutputs(where, fn(...inputs));
  out.tensors.forEach((t, j) => {
    if (t.device !== 'cpu')
      throw new Error(`${where}: ${out.labels[j]} is on ${t.device}; gradcheck needs cpu outputs`);
  });
  const ev = new Evaluator(where, fn, inputs, out, o.eps, o.inputNames);
  const diffOut = differentiable(out);
  const ctx: Ctx = { where, fn, inputs, labels, diff, out, diffOut, ev, o, drawU };
  if (diffOut.length === 0) {
    checkNumericalZero(ctx);
    return;
  }
  if (o.fastMode) fastCheck(ctx);
  else slowCheck(ctx);
  if (!o.checkBackwardAd) return;
  checkZeroGradOutputs(ctx);
  if (o.checkUndefinedGrad) checkUndefinedGrad(ctx);
  if (o.checkBatchedGrad) {
    checkBatchedGrad({
      where,
      outs: diffOut.map((j) => out.tensors[j]),
      xs: diff.map((i) => inputs[i]),
      labels: diff.map((i) => labels[i]),
      atol: o.atol,
      rtol: o.rtol,
      seed: o.seed,
    });
  }
}

/** The forward checks' state (gradcheck/forward.ts) plus the evaluator and the options. */
interface Ctx extends Omit<ForwardCtx, 'tol' | 'seed'> {
  ev: Evaluator;
  o: ResolvedOptions;
  drawU: ((rng: Rng) => Float64Array[]) | undefined;
}

const tolerances = (o: ResolvedOptions): Tolerances => ({ atol: o.atol, rtol: o.rtol, eps: o.eps });

const forwardCtx = (c: Ctx): ForwardCtx => ({ ...c, tol: tolerances(c.o), seed: c.o.seed });

/** No output requires grad: then no float output may change when an input is perturbed. */
function checkNumericalZero(c: Ctx): void {
  const floats = c.out.tensors.flatMap((t, j) => (t.dtype === 'int32' ? [] : [j]));
  const numels = floats.map((j) => c.out.tensors[j].numel);
  for (const pos of c.diff) {
    const jac = numericalJacobian(c.ev, c.inputs[pos], pos, floats, numels, c.o.eps);
    jac.forEach((J, jj) => {
      const k = J.findIndex((v) => !(Math.abs(v) <= 1e-8));
      if (k < 0) return;
      const n = c.inputs[pos].numel;
      const j = floats[jj];
      throw new GradcheckError(
        `${c.where}: Numerical gradient for function expected to be zero: no output of fn requires grad, but ` +
          `${c.out.labels[j]} changes when ${c.labels[pos]} is perturbed (d ${c.out.labels[j]}` +
          `${multiIndex(c.out.tensors[j].shape, Math.floor(k / n))} / d ${c.labels[pos]}` +
          `${multiIndex(c.inputs[pos].shape, k % n)} = ${fmt(J[k])}). fn cut the graph: detach(), noGrad() or ` +
          "an op with backward 'not-differentiable'.",
      );
    });
  }
}

function slowCheck(c: Ctx): void {
  const { inputs, diff, out, diffOut, o } = c;
  const numels = diffOut.map((j) => out.tensors[j].numel);
  // numerical[ii][jj]: d output diffOut[jj] / d input diff[ii]; one pass over each input's elements.
  const numerical = diff.map((pos) => numericalJacobian(c.ev, inputs[pos], pos, diffOut, numels, o.eps));
  if (o.checkBackwardAd) slowBackward(c, numerical);
  if (o.checkForwardAd) checkForwardJacobians(forwardCtx(c), numerical);
}

/** The backward half of the slow check: Jacobians from one-hot backward passes, reentrancy, joint outputs. */
function slowBackward(c: Ctx, numerical: readonly Float64Array[][]): void {
  const { where, inputs, diff, out, diffOut, o } = c;
  const xs = diff.map((i) => inputs[i]);
  const xLabels = diff.map((i) => c.labels[i]);
  const jacobians: Float64Array[][] = [];
  diffOut.forEach((j, jj) => {
    const y = out.tensors[j];
    const first = analyticalJacobian(where, y, out.labels[j], xs, xLabels);
    jacobians.push(first);
    diff.forEach((pos, ii) => {
      const a = first[ii];
      const n = numerical[ii][jj];
      if (a.length === 0 || allCloseJ(a, n, o.atol, o.rtol)) return;
      const pair = {
        outLabel: out.labels[j],
        inLabel: c.labels[pos],
        outShape: y.shape,
        inShape: inputs[pos].shape,
        numerical: n,
        analytical: a,
      };
      throw new GradcheckError(mismatchMessage(where, pair, tolerances(o)));
    });
    const second = analyticalJacobian(where, y, out.labels[j], xs, xLabels);
    checkReentrant(where, first, second, o.nondetTol, out.labels[j], y.shape, xs, xLabels);
  });
  if (diffOut.length < 2) return;
  // vᵀJ per output from the Jacobians, for the joint-output check.
  const rng = makeRng(o.seed);
  const vs = diffOut.map((j) => unitVector(rng, out.tensors[j].numel));
  const perOutput = jacobians.map((jac, jj) =>
    jac.map((J, ii) => {
      const n = xs[ii].numel;
      const r = new Float64Array(n);
      vs[jj].forEach((vr, row) => {
        for (let k = 0; k < n; k++) r[k] += vr * J[row * n + k];
      });
      return r;
    }),
  );
  checkJoint(c, vs, perOutput);
}

/**
 * With several outputs: one backward pass with gradients for all of them must equal the sum of
 * the per-output passes (the Jacobian checks only ever give one output a gradient, so a formula
 * that takes another path when several outputs have gradients would go unchecked otherwise).
 * `perOutput[jj][ii]` is v_jᵀ J_j for input ii.
 */
function checkJoint(c: Ctx, vs: readonly Float64Array[], perOutput: readonly Float64Array[][]): void {
  const { where, o } = c;
  const ys = c.diffOut.map((j) => c.out.tensors[j]);
  const xs = c.diff.map((i) => c.inputs[i]);
  const xLabels = c.diff.map((i) => c.labels[i]);
  const vts = vs.map((v, jj) => tensor(v, { shape: [...ys[jj].shape], dtype: ys[jj].dtype }));
  const what = `the gradients of all ${ys.length} outputs in one backward pass`;
  const joint = vjp(where, ys, vts, xs, xLabels, what);
  joint.forEach((g, ii) => {
    const sum = new Float64Array(g.length);
    for (const p of perOutput) for (let k = 0; k < g.length; k++) sum[k] += p[ii][k];
    let worst = -1;
    let worstV = 1;
    for (let k = 0; k < g.length; k++) {
      const v = violation(g[k], sum[k], o.atol, o.rtol);
      if (!(v <= worstV)) {
        worst = k;
        worstV = v;
      }
    }
    if (worst < 0) return;
    const at = `${xLabels[ii]}${multiIndex(xs[ii].shape, worst)}`;
    throw new GradcheckError(
      `${where}: backward with gradients for all ${ys.length} outputs at once disagrees with the sum of the ` +
        `per-output backward passes (random gradOutputs, seed ${o.seed}): at ${at} all at once gives ` +
        `${fmt(g[worst])}, the sum ${fmt(sum[worst])} (tolerance atol + rtol*|sum| = ` +
        `${fmt(o.atol + o.rtol * Math.abs(sum[worst]))}). A backward formula takes a different, wrong path ` +
        'when several of its outputs have gradients.',
    );
  });
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, k) => s + x * b[k], 0);
const total = (a: Float64Array) => a.reduce((s, x) => s + x, 0);

function fastCheck(c: Ctx): void {
  const { inputs, diff, out, diffOut, o } = c;
  const rng = makeRng(o.seed);
  const us = c.drawU ? c.drawU(rng) : diff.map((i) => unitVector(rng, inputs[i].numel));
  const vs = diffOut.map((j) => unitVector(rng, out.tensors[j].numel));
  // numerical[ii][jj] = vᵀ (J u) with J u by central differences along u; steps[ii] is the
  // direction actually taken (u up to rounding), which the analytical side is dotted with.
  const steps: Float64Array[] = [];
  const numerical = diff.map((pos, ii) => {
    const { ju, step } = numericalJvp(c.ev, inputs[pos], pos, us[ii], diffOut, o.eps);
    steps.push(step);
    return ju.map((v, jj) => dot(vs[jj], v));
  });
  if (o.checkBackwardAd) fastBackward(c, us, vs, steps, numerical);
  if (o.checkForwardAd) {
    const slowNumerical = (pos: number, j: number) =>
      numericalJacobian(c.ev, inputs[pos], pos, [j], [out.tensors[j].numel], o.eps)[0];
    checkForwardFast(forwardCtx(c), us, vs, steps, numerical, slowNumerical);
  }
}

/** The backward half of the fast check: vᵀJ from one backward pass per output, dotted with u. */
function fastBackward(
  c: Ctx,
  us: readonly Float64Array[],
  vs: readonly Float64Array[],
  steps: readonly Float64Array[],
  numerical: readonly number[][],
): void {
  const { where, inputs, diff, out, diffOut, o } = c;
  const xs = diff.map((i) => inputs[i]);
  const xLabels = diff.map((i) => c.labels[i]);
  const perOutput: Float64Array[][] = [];
  diffOut.forEach((j, jj) => {
    const y = out.tensors[j];
    const v = tensor(vs[jj], { shape: [...y.shape], dtype: y.dtype });
    const first = vjp(where, [y], [v], xs, xLabels, `vᵀJ for ${out.labels[j]} alone`);
    diff.forEach((pos, ii) => {
      if (us[ii].length === 0 || vs[jj].length === 0) return;
      const a = dot(first[ii], steps[ii]);
      const n = numerical[ii][jj];
      const atol = o.atol * total(us[ii]) * total(vs[jj]);
      if (violation(a, n, atol, o.rtol) <= 1) return;
      throw new GradcheckError(fastFailure(c, pos, j, { a, n, atol }));
    });
    const second = vjp(where, [y], [v], xs, xLabels, `vᵀJ for ${out.labels[j]} alone`);
    checkReentrant(where, first, second, o.nondetTol, out.labels[j], null, xs, xLabels);
    perOutput.push(first);
  });
  if (diffOut.length >= 2) checkJoint(c, vs, perOutput);
}

/** The fast-mode failure message, with the slow-mode Jacobians of the failing pair. */
function fastFailure(c: Ctx, pos: number, j: number, f: { a: number; n: number; atol: number }): string {
  const { where, inputs, out, o } = c;
  const y = out.tensors[j];
  const header =
    `${where}: Jacobian mismatch for ${out.labels[j]} with respect to ${c.labels[pos]} in fast mode: ` +
    `vᵀJu numerical ${fmt(f.n)}, analytical ${fmt(f.a)}, |difference| ${fmt(Math.abs(f.a - f.n))} > ` +
    `atol·Σu·Σv + rtol·|numerical| = ${fmt(f.atol + o.rtol * Math.abs(f.n))} (u, v random unit vectors, seed ${o.seed})`;
  const num = numericalJacobian(c.ev, inputs[pos], pos, [j], [y.numel], o.eps)[0];
  const ana = analyticalJacobian(where, y, out.labels[j], [inputs[pos]], [c.labels[pos]])[0];
  if (allCloseJ(ana, num, o.atol, o.rtol)) {
    return (
      `${header}\n  the slow-mode recomputation of this Jacobian (${ana.length} entries) is within the ` +
      'tolerance everywhere, so the fast-mode difference comes from accumulated rounding; rerun with ' +
      'fastMode: false'
    );
  }
  const pair = {
    outLabel: out.labels[j],
    inLabel: c.labels[pos],
    outShape: y.shape,
    inShape: inputs[pos].shape,
    numerical: num,
    analytical: ana,
  };
  return mismatchMessage(where, pair, tolerances(o), `${header}\n  slow-mode recomputation:`);
}

function firstNonzero(g: Tensor): number {
  return hostValues(g).findIndex((v) => v !== 0);
}

/** Zero gradOutputs must give zero or null gradients (PyTorch: "backward not multiplied by grad_output"). */
function checkZeroGradOutputs(c: Ctx): void {
  const ys = c.diffOut.map((j) => c.out.tensors[j]);
  const xs = c.diff.map((i) => c.inputs[i]);
  const grads = autograd.grad(ys, xs, {
    gradOutputs: ys.map(zerosLike),
    retainGraph: true,
    allowUnused: true,
  });
  grads.forEach((g, ii) => {
    if (!g) return;
    const k = firstNonzero(g);
    if (k < 0) return;
    const label = c.labels[c.diff[ii]];
    throw new GradcheckError(
      `${c.where}: backward not multiplied by gradOutput: with zero gradOutputs for every output, the gradient ` +
        `of ${label} is ${fmt(hostValues(g)[k])} at ${label}${multiIndex(g.shape, k)} instead of 0. A backward ` +
        'formula does not scale with its incoming gradient (e.g. it returns a constant or adds a term without g).',
    );
  });
}

/**
 * Identity whose backward returns no gradient: plants an undefined (null) output gradient. A
 * testing op of gradcheck, not of linagrad (the op table's coverage test leaves it out).
 */
export const undefinedGradOp = defineOp<undefined>({
  name: 'undefinedGrad',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  cpu: ([x], [out]) => out.data.set(x.data),
  webgpu: (gpu, [x], [out]) => gpu.copy(x.storage, out.storage),
  backward: () => [null],
});

/**
 * Backward formulas must handle null output gradients: all outputs undefined, then (with several
 * outputs) one undefined at a time with zero gradients for the others. The input gradients must
 * be null or zero. Each case calls fn again for a fresh graph.
 */
function checkUndefinedGrad(c: Ctx): void {
  const xs = c.diff.map((i) => c.inputs[i]);
  const attempt = (undef: number | 'all') => {
    const fresh = flattenOutputs(c.where, c.fn(...c.inputs));
    const ys = c.diffOut.map((j, k) => {
      const y = fresh.tensors[j];
      return undef === 'all' || undef === k ? applyOp(undefinedGradOp, [y], undefined)[0] : y;
    });
    const what =
      undef === 'all'
        ? 'every output has an undefined (null) gradient'
        : `${c.out.labels[c.diffOut[undef]]} has an undefined (null) gradient and the other outputs zero gradients`;
    let grads: (Tensor | null)[];
    try {
      grads = autograd.grad(ys, xs, { gradOutputs: ys.map(zerosLike), allowUnused: true });
    } catch (e) {
      throw new GradcheckError(
        `${c.where}: Expected backward function to handle undefined output grads: backward failed when ${what}: ` +
          `${e instanceof Error ? e.message : String(e)}. Backward formulas receive null for outputs that no ` +
          'gradient reached and must treat it as zero (or pass checkUndefinedGrad: false).',
        { cause: e },
      );
    }
    grads.forEach((g, ii) => {
      if (!g || firstNonzero(g) < 0) return;
      throw new GradcheckError(
        `${c.where}: Expected all input grads to be undefined or zero when all output grads are undefined or ` +
          `zero, but when ${what}, the gradient of ${c.labels[c.diff[ii]]} is nonzero`,
      );
    });
  };
  attempt('all');
  if (c.diffOut.length > 1) for (let k = 0; k < c.diffOut.length; k++) attempt(k);
}
