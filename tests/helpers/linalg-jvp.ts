/**
 * The machinery of the linalg jvp tests (tests/linalg-jvp.test.ts): inputs with a known
 * spectrum, and the three checks of a jvp rule evaluated by jvpOp, each with a step and tolerance
 * derived from eps and the problem's condition number:
 * - expectFiniteDifference: against a central difference of the op in float64;
 * - expectAgreesWithVjp: ⟨v, J u⟩ (jvp) = ⟨Jᵀ v, u⟩ (autograd.grad), and ∂⟨v, J u⟩/∂u through
 *   the rule = Jᵀ v (the rule is built of differentiable ops);
 * - expectRuleDifferentiableInPrimal: autograd through the rule in the primal against a
 *   difference of the jvp (second order, for forward-over-reverse).
 */
import { expect, it } from 'vitest';
import { linalgTolerance } from '../../gradcheck/index.js';
import { composeUSVt, gaussian, makeRng, randomOrthogonal, symmetrize } from '../../gradcheck/linalg-rand.js';
import { autograd, linalg, type Tensor } from '../../src/index.js';
import { fromHost } from '../../src/ops/creation.js';
import { jvpOp } from '../../src/ops/jvp.js';
import { applyOp, type OpDef } from '../../src/ops/registry.js';
import { maxAbs } from './jvp.js';

// ---- inputs -------------------------------------------------------------------------------------

export const t64 = (data: Float64Array, shape: readonly number[]) => fromHost(data, shape, 'cpu');
export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A batch of m×n matrices U diag(s) Vᵀ with Haar-random U, V (the same s for every element). */
export function withSingularValues(seed: number, batch: number[], m: number, n: number, s: number[]): Tensor {
  const rng = makeRng(seed);
  const parts: number[] = [];
  for (let b = 0; b < numel(batch); b++) {
    const u = randomOrthogonal(rng, m);
    const v = randomOrthogonal(rng, n);
    parts.push(...composeUSVt(u, m, s, v, n));
  }
  return t64(Float64Array.from(parts), [...batch, m, n]);
}

/** A batch of symmetric n×n matrices Q diag(λ) Qᵀ (exactly symmetric). */
export function withEigenvalues(seed: number, batch: number[], lambda: number[]): Tensor {
  const n = lambda.length;
  const rng = makeRng(seed);
  const parts: number[] = [];
  for (let b = 0; b < numel(batch); b++) {
    const q = randomOrthogonal(rng, n);
    parts.push(...symmetrize(composeUSVt(q, n, lambda, q, n), n));
  }
  return t64(Float64Array.from(parts), [...batch, n, n]);
}

/** N(0, 1)/√(rows·cols) entries: each matrix of a tangent has a Frobenius norm near 1. */
export function tangent(seed: number, shape: readonly number[]): Tensor {
  const core = numel(shape.slice(-2));
  const g = gaussian(makeRng(seed), numel(shape)).map((x) => x / Math.sqrt(Math.max(core, 1)));
  return t64(g, shape);
}

export const symmetricTangent = (seed: number, shape: readonly number[]) => {
  const t = tangent(seed, shape);
  return t.add(t.mT).mul(0.5);
};

/** σ_max/σ_min over a batch of matrices (svdvals is backward stable: accurate enough for a tolerance). */
export function kappa(a: Tensor): number {
  const s = linalg.svdvals(a);
  const k = s.shape[s.ndim - 1];
  const r = s.narrow(-1, 0, 1).div(s.narrow(-1, k - 1, 1));
  return Math.max(...Array.from(r.dataSync()));
}

/** ‖A‖ / (the smallest gap between the values in the last dim of `w`, and `extra` more gaps). */
export function gapCondition(w: Tensor, norm: number, extra: number[] = []): number {
  const vals = Array.from(w.dataSync());
  const k = w.shape[w.ndim - 1];
  let gap = Math.min(...extra, Number.POSITIVE_INFINITY);
  for (let b = 0; b < vals.length / k; b++)
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) gap = Math.min(gap, Math.abs(vals[b * k + i]! - vals[b * k + j]!));
  return Math.max(1, norm / gap);
}

// ---- the checks ---------------------------------------------------------------------------------

export interface Case {
  name: string;
  op: OpDef<never>;
  attrs: unknown;
  inputs: Tensor[];
  tangents: (Tensor | null)[];
  /**
   * The sensitivity κ of the outputs to the inputs (κ(A) for solves and factorizations,
   * ‖A‖/gap for eigen- and singular vectors): the forward errors of the op are ≲ c·n·eps·κ
   * (linalgTolerance), its k-th derivative along a unit tangent ≲ k!·κᵏ times the outputs' scale.
   */
  cond: number;
  /** Tangents for the VJP check (default `tangents`): any direction, also outside the op's domain. */
  vjpTangents?: (Tensor | null)[];
  /**
   * Attributes for the backward of the VJP check, where the case's own have none (eigvalsh and
   * svdvals without vectors); only the outputs with a jvp tangent are compared.
   */
  vjpAttrs?: unknown;
  /** The part of output j the finite difference can see (default all of it). */
  view?: (j: number, t: Tensor) => Tensor;
}

export const floatOutputs = (outs: Tensor[]) =>
  outs.map((o, j) => (o.dtype === 'int32' ? -1 : j)).filter((j) => j >= 0);
export const sizeOf = (c: Case) => Math.max(...c.inputs.flatMap((x) => x.shape.slice(-2)));

/** r = c·n·eps·κ (linalgTolerance, factor 2: an op and its derivative each carry one error). */
export const forwardRtol = (c: Case) =>
  linalgTolerance({ dtype: 'float64', cond: c.cond, n: sizeOf(c), factor: 2 }).rtol;

/**
 * Central difference (f(x + h u) − f(x − h u)) / 2h: its error is ≤ h²·|f'''|/6 + r·S/h with
 * |f'''| ≲ 6κ³·S and r·S the forward error of each evaluation (S the scale of f and of its
 * tangent); the step minimising the sum is h = (r/(2κ³))^(1/3), and the bound is S·(r/h + h²κ³).
 */
export function expectFiniteDifference(c: Case): void {
  const { tangents } = jvpOp(c.op, c.inputs, c.tangents, c.attrs as never);
  const r = forwardRtol(c);
  const k3 = c.cond ** 3;
  const h = Math.cbrt(r / (2 * k3));
  const at = (s: number) =>
    applyOp(
      c.op,
      c.inputs.map((x, i) => (c.tangents[i] ? x.add(c.tangents[i]!.mul(s * h)) : x)),
      c.attrs as never,
    );
  const [plus, minus] = [at(1), at(-1)];
  const base = applyOp(c.op, c.inputs, c.attrs as never);
  const view = c.view ?? ((_j: number, t: Tensor) => t);
  for (const j of floatOutputs(base)) {
    const t = tangents[j];
    // Outputs that are not differentiable (pinv's S and cutoff) or not computed (V of eigvalsh) have none.
    if (c.op.differentiable?.[j] === false || base[j]!.numel === 0) {
      expect(t, `${c.name}: output ${j} has no tangent`).toBeNull();
      continue;
    }
    expect(t, `${c.name}: output ${j} has a tangent`).not.toBeNull();
    expect(t!.shape, `${c.name}: output ${j}`).toEqual(base[j]!.shape);
    const fd = view(j, plus[j]!.sub(minus[j]!).div(2 * h));
    const scale = Math.max(maxAbs(view(j, base[j]!)), maxAbs(fd));
    const tol = scale * (r / h + h * h * k3);
    expect(
      maxAbs(view(j, t!).sub(fd)),
      `${c.name}: output ${j} (tol ${tol.toExponential(2)})`,
    ).toBeLessThanOrEqual(tol);
  }
}

export const dot = (a: Tensor, b: Tensor) => a.mul(b).sum().item();
export const norm = (a: Tensor) => Math.sqrt(a.square().sum().item());

/** ⟨v, J u⟩ = ⟨Jᵀ v, u⟩, and ∂⟨v, J u⟩/∂u (through the rule) = Jᵀ v, with v random per output. */
export function expectAgreesWithVjp(c: Case, seed: number): void {
  const us = (c.vjpTangents ?? c.tangents).map((u) => (u ? u.detach().clone() : null));
  const leaves = us.map((u) => (u ? u.detach().clone() : null));
  for (const l of leaves) if (l) l.requiresGrad = true;
  const { tangents } = jvpOp(c.op, c.inputs, leaves, c.attrs as never);
  const xs = c.inputs.map((x) => {
    const y = x.detach().clone();
    y.requiresGrad = true;
    return y;
  });
  const outs = applyOp(c.op, xs, (c.vjpAttrs ?? c.attrs) as never);
  const js = floatOutputs(outs).filter((j) => tangents[j] !== null && outs[j]!.requiresGrad);
  const vs = js.map((j, i) => tangent(seed + 31 * i, outs[j]!.shape));
  const grads = autograd.grad(
    js.map((j) => outs[j]!),
    xs,
    { gradOutputs: vs, allowUnused: true },
  );
  let lhs = 0;
  let rhs = 0;
  let scale = 0;
  js.forEach((j, i) => {
    lhs += dot(vs[i]!, tangents[j]!.detach());
    scale += norm(vs[i]!) * norm(tangents[j]!.detach());
  });
  us.forEach((u, i) => {
    if (!u || !grads[i]) return;
    rhs += dot(grads[i]!, u);
    scale += norm(grads[i]!) * norm(u);
  });
  const r = forwardRtol(c);
  expect(Math.abs(lhs - rhs), `${c.name}: ⟨v, Ju⟩ = ${lhs}, ⟨Jᵀv, u⟩ = ${rhs}`).toBeLessThanOrEqual(
    r * scale,
  );

  // Reverse through the rule: the jvp is linear in u, so its gradient in u is Jᵀ v.
  const s = js.map((j, i) => tangents[j]!.mul(vs[i]!).sum()).reduce((a, b) => a.add(b));
  const live = leaves.map((l, i) => (l && grads[i] ? l : null)).filter((l): l is Tensor => l !== null);
  const back = grads.filter((g, i) => g && leaves[i]);
  const through = autograd.grad(s, live, { allowUnused: true });
  through.forEach((g, i) => {
    const want = back[i]!;
    expect(g, `${c.name}: the rule is differentiable in the tangent`).not.toBeNull();
    // Both are Jᵀv computed two ways, each with a normwise error ≲ r·‖J‖‖v‖, of the order of
    // r·‖Jᵀv‖ for a random v (and a normwise bound bounds every entry).
    expect(maxAbs(g!.sub(want)), `${c.name}: ∂⟨v, Ju⟩/∂u`).toBeLessThanOrEqual(r * (norm(want) + norm(g!)));
  });
}

/**
 * The rule is differentiable in the primal too (what forward-over-reverse and reverse-over-forward
 * Hessians need): with g(A) = ⟨w, J(A) u⟩, autograd's ⟨∇g, u⟩ equals the central difference of g
 * along u (d²f[u, u] contracted with w), with the step and bound of expectFiniteDifference.
 */
export function expectRuleDifferentiableInPrimal(c: Case, seed: number): void {
  const us = c.tangents;
  const probe = jvpOp(c.op, c.inputs, us, c.attrs as never).tangents;
  const ws = probe.map((t, j) => (t ? tangent(seed + 17 * j, t.shape) : null));
  const g = (xs: Tensor[]) => {
    const ts = jvpOp(c.op, xs, us, c.attrs as never).tangents;
    return ts.map((t, j) => (t ? t.mul(ws[j]!).sum() : null)).reduce((a, b) => (b ? (a ? a.add(b) : b) : a))!;
  };
  const xs = c.inputs.map((x) => {
    const y = x.detach().clone();
    y.requiresGrad = true;
    return y;
  });
  const out = g(xs);
  // A rule that does not depend on the primal (amax's, piecewise linear) has d²f = 0.
  const grads = out.requiresGrad ? autograd.grad(out, xs, { allowUnused: true }) : xs.map(() => null);
  let analytic = 0;
  grads.forEach((gr, i) => {
    if (gr && us[i]) analytic += dot(gr, us[i]!);
  });
  const r = forwardRtol(c);
  const k3 = c.cond ** 3;
  const h = Math.cbrt(r / (2 * k3));
  const at = (sgn: number) => g(c.inputs.map((x, i) => (us[i] ? x.add(us[i]!.mul(sgn * h)) : x))).item();
  const fd = (at(1) - at(-1)) / (2 * h);
  const scale = Math.max(Math.abs(g(c.inputs).item()), Math.abs(fd), Math.abs(analytic));
  expect(
    Math.abs(analytic - fd),
    `${c.name}: ⟨∇⟨w, Ju⟩, u⟩ = ${analytic}, difference ${fd}`,
  ).toBeLessThanOrEqual(scale * (r / h + h * h * k3));
}

export function runCases(cases: Case[]): void {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s: jvp = finite difference', (_n, c) => {
    expectFiniteDifference(c);
  });
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s: jvp agrees with the VJP', (_n, c, i) => {
    expectAgreesWithVjp(c, 1000 + i);
  });
  it.each(cases.map((c, i) => [c.name, c, i] as const))(
    '%s: the rule is differentiable in the primal',
    (_n, c, i) => {
      expectRuleDifferentiableInPrimal(c, 2000 + i);
    },
  );
}

export const op = <A>(o: OpDef<A>) => o as unknown as OpDef<never>;

export const eyeOf = (like: Tensor) => {
  const n = like.shape[like.ndim - 1];
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) d[i * n + i] = 1;
  return t64(d, [n, n]);
};

export const tensorOf = (xs: number[]) => t64(Float64Array.from(xs), [xs.length]);
