import { expect } from 'vitest';
import type { Tensor } from '../../src/index.js';
import { jvpOp } from '../../src/ops/jvp.js';
import { applyOp, type OpDef } from '../../src/ops/registry.js';

export const maxAbs = (t: Tensor) => Math.max(0, ...Array.from(t.abs().dataSync()));

/** (f(x + h·t) − f(x − h·t)) / 2h for each float output, in float64 (null for integer outputs). */
function finiteDifference<A>(
  op: OpDef<A>,
  xs: Tensor[],
  ts: (Tensor | null)[],
  attrs: A,
  h = 1e-6,
): (Tensor | null)[] {
  const at = (s: number) =>
    applyOp(
      op,
      xs.map((x, i) => (ts[i] ? x.add(ts[i]!.mul(s * h)) : x)),
      attrs,
    );
  const [plus, minus] = [at(1), at(-1)];
  return plus.map((p, j) => (p.dtype === 'int32' ? null : p.sub(minus[j]!).div(2 * h)));
}

/** Checks the op's jvp slot against the finite difference, output by output (h = 1 is exact for linear ops). */
export function expectJvpMatchesFiniteDifference<A, NIn extends number, NOut extends number>(
  op: OpDef<A, NIn, NOut>,
  xs: Tensor[],
  ts: (Tensor | null)[],
  attrs: A,
  tol = 1e-6,
  h = 1e-6,
): void {
  const { tangents } = jvpOp(op, xs, ts, attrs);
  const fd = finiteDifference(op as unknown as OpDef<A>, xs, ts, attrs, h);
  tangents.forEach((t, j) => {
    if (t === null) return;
    expect(t.shape).toEqual(fd[j]!.shape);
    expect(maxAbs(t.sub(fd[j]!))).toBeLessThan(tol);
  });
}
