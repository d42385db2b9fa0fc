/**
 * Fast mode's random vectors, complex ones over ℂ as PyTorch's _fast_gradcheck draws them, and
 * the fast forward-mode check along complex tangents.
 *
 * - u: every input that requires grad gets a random unit vector (uniform [0, 1) entries scaled to
 *   unit norm), in input order from one stream seeded by `seed`; a complex input gets the complex
 *   vector u = ur + i·ui, two independent unit vectors, ur drawn first (PyTorch's _make_vectors).
 *   The pass over the real parts (complex.ts) perturbs them along ur, the pass over the imaginary
 *   parts along ui; both passes draw the whole set, so they see the same u.
 * - v: then one unit vector per differentiable output, over the outputs as the passes split them.
 *   A complex output w is its real and its imaginary part, so it gets the complex vector
 *   v = vr + i·vi: vr over Re w, vi over Im w. The per-part checks use vr and vi alone (a real
 *   gradOutput, then an imaginary one); the joint check (gradcheck.ts checkJoint) runs backward
 *   once with the complex gradOutput vr + i·vi.
 * - With checkForwardAd, the passes give a complex input the tangent ur, then i·ui; each is
 *   purely real or purely imaginary. checkComplexTangents then runs fn once more per complex input
 *   along the complex tangent ur + i·ui and compares vᵀ(J u) with the central difference along
 *   the same complex direction, tolerance atol·(Σur + Σui)·Σv + rtol·|numerical| (PyTorch's
 *   _adjusted_atol for complex u). A jvp rule is real-linear in its tangent when it is right, so
 *   this passes exactly when the two passes did, unless the jvp goes wrong only for tangents with
 *   both a real and an imaginary part (a separate code path for them): that is what it catches.
 * @module
 */
import { complex, forwardAD, type Tensor, tensor } from '../src/index.js';
import {
  Evaluator,
  flattenOutputs,
  fmt,
  GradcheckError,
  type GradcheckFn,
  hostValues,
  type ResolvedOptions,
  roundTo,
} from './common.js';
import { type ComplexPart, isComplexTensor, realifyOutputs } from './complex.js';
import { type ForwardCtx, forwardJvp } from './forward.js';
import { makeRng, type Rng } from './linalg-rand.js';
import { violation } from './report.js';

/** Uniform [0, 1) entries scaled to unit norm (PyTorch's fast-mode vectors). */
export function unitVector(rng: Rng, n: number): Float64Array {
  const v = new Float64Array(n);
  let s = 0;
  for (let k = 0; k < n; k++) {
    v[k] = rng.uniform();
    s += v[k] * v[k];
  }
  const norm = Math.sqrt(s);
  if (norm > 0) for (let k = 0; k < n; k++) v[k] /= norm;
  return v;
}

/** Fast mode's u for one input: `im` is null for a real input. */
export interface InputVector {
  re: Float64Array;
  im: Float64Array | null;
}

/**
 * The u of every input that requires grad (null for the others), drawn from `rng` in input
 * order: u for a real input, ur then ui for a complex one.
 */
export function inputVectors(rng: Rng, inputs: readonly Tensor[]): (InputVector | null)[] {
  return inputs.map((t) => {
    if (!t.requiresGrad) return null;
    const re = unitVector(rng, t.numel);
    return { re, im: isComplexTensor(t) ? unitVector(rng, t.numel) : null };
  });
}

/**
 * complex(x, y) of duals of z's parts with the tangents in `t` (interleaved re, im): the dual of z
 * with the complex tangent (forward mode makes duals of real tensors only). The parts require
 * grad if z does, so fn may run reverse mode inside (forward over reverse).
 */
function complexDual(z: Tensor, t: Float64Array): Tensor {
  const part = (p: Tensor, k: number) => {
    const tp = tensor(
      t.filter((_, i) => i % 2 === k),
      { shape: [...p.shape], dtype: p.dtype },
    );
    const d = forwardAD.makeDual(p.detach(), tp);
    return z.requiresGrad ? d.requiresGrad_() : d;
  };
  return complex(part(z.real(), 0), part(z.imag(), 1));
}

const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, k) => s + x * b[k], 0);

/**
 * Fast mode with checkForwardAd over ℂ: for each complex input z that requires grad, vᵀ(J u)
 * from one forward-mode pass with the complex tangent u = ur + i·ui against the central
 * difference of fn along u (f(z + eps·u) − f(z − eps·u)) / 2eps, for every differentiable output
 * (complex outputs through their parts). Runs after the passes over the parts, which checked the
 * tangents ur and i·ui alone. `names` label the inputs as given.
 */
export function checkComplexTangents(
  where: string,
  fn: GradcheckFn,
  inputs: readonly Tensor[],
  names: readonly string[],
  o: ResolvedOptions,
): void {
  const split: GradcheckFn = (...xs) => realifyOutputs(fn(...xs)) as never;
  const out = flattenOutputs(where, split(...inputs));
  const diff = inputs.flatMap((t, i) => (t.requiresGrad ? [i] : []));
  const diffOut = out.tensors.flatMap((t, j) => (t.requiresGrad ? [j] : []));
  if (diffOut.length === 0) return;
  const rng = makeRng(o.seed);
  const us = inputVectors(rng, inputs);
  const vs = diffOut.map((j) => unitVector(rng, out.tensors[j].numel));
  const ev = new Evaluator(where, split, inputs, out, o.eps, o.inputNames);
  const tol = { atol: o.atol, rtol: o.rtol, eps: o.eps };
  const ctx: ForwardCtx = { where, fn: split, inputs, labels: names, diff, out, diffOut, tol, seed: o.seed };
  for (const pos of diff) {
    const u = us[pos];
    const x = inputs[pos];
    if (u?.im == null || x.numel === 0) continue;
    const { re, im } = u;
    // Interleaved (re, im) data: z ± eps·(ur + i·ui), stored in the input's precision.
    const storage = x.dtype === 'complex64' ? 'float32' : 'float64';
    const z = hostValues(x);
    const dir = z.map((_, k) => (k % 2 === 0 ? re[k >> 1] : im[k >> 1]));
    const zp = z.map((v, k) => roundTo(storage, v + o.eps * dir[k]));
    const zm = z.map((v, k) => roundTo(storage, v - o.eps * dir[k]));
    const step = zp.map((v, k) => (v - zm[k]) / (2 * o.eps));
    const fp = ev.eval(pos, zp, diffOut, 'along a complex random vector by +eps');
    const fm = ev.eval(pos, zm, diffOut, 'along a complex random vector by -eps');
    const what = `J·u for ${names[pos]} along a complex random tangent ur + i·ui`;
    const ju = forwardJvp(ctx, pos, step, what, complexDual);
    diffOut.forEach((j, jj) => {
      const v = vs[jj];
      if (v.length === 0) return;
      const n = v.reduce((s, vr, r) => s + (vr * (fp[jj][r] - fm[jj][r])) / (2 * o.eps), 0);
      const a = dot(v, ju[jj]);
      const atol = o.atol * (sum(re) + sum(im)) * sum(v);
      if (violation(a, n, atol, o.rtol) <= 1) return;
      throw new GradcheckError(
        `${where}: Jacobian computed with forward mode mismatch for ${out.labels[j]} with respect to ` +
          `${names[pos]} in fast mode along the complex tangent u = ur + i·ui: vᵀJu numerical ${fmt(n)}, ` +
          `forward mode ${fmt(a)}, |difference| ${fmt(Math.abs(a - n))} > atol·(Σur + Σui)·Σv + ` +
          `rtol·|numerical| = ${fmt(atol + o.rtol * Math.abs(n))} (u, v random unit vectors, seed ${o.seed})\n` +
          `  along ur (the real part of ${names[pos]}) and i·ui (its imaginary part) alone forward mode matched, ` +
          'so the jvp is not real-linear in its tangent: it goes wrong only for a tangent with both a real and ' +
          'an imaginary part (a separate code path for such tangents?)',
      );
    });
  }
}

/**
 * Fast mode's u for the inputs of one pass (complex.ts) that require grad, in order: both passes
 * draw u over the inputs as given and take their part (ur in the pass over the real parts, ui in
 * the pass over the imaginary parts; a real input's u in the first pass).
 */
export function passVectors(
  inputs: readonly Tensor[],
  pass: { part: ComplexPart; inputs: readonly Tensor[] },
): (rng: Rng) => Float64Array[] {
  return (rng) =>
    inputVectors(rng, inputs).flatMap((u, i) => {
      if (u === null || !pass.inputs[i].requiresGrad) return [];
      return [pass.part === 'imaginary' && u.im !== null ? u.im : u.re];
    });
}
