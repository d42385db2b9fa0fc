import type { Tensor } from '../tensor.js';
import { zerosLike } from './creation.js';
import { applyOp, type OpDef } from './registry.js';

/**
 * Evaluates an op's jvp slot (rule or shortcut) at `inputs` with input tangents `tangents` (null
 * where an input has none): returns the op's outputs and their tangents (null for outputs that
 * are not differentiable). Not a forward-mode engine: one op, one step, so every slot can be
 * checked against a finite difference now.
 * @example
 * const { outputs, tangents } = jvpOp(unaryOps.exp, [x], [dx], undefined); // tangents[0] = exp(x)·dx
 */
export function jvpOp<A, NIn extends number = number, NOut extends number = number>(
  def: OpDef<A, NIn, NOut>,
  inputs: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
  attrs: A,
): { outputs: Tensor[]; tangents: (Tensor | null)[] } {
  const op = def as unknown as OpDef<A>;
  const rule = op.jvp ?? 'not-implemented';
  if (rule === 'not-implemented') {
    throw new TypeError(`${op.name}: the forward-mode rule (jvp) is not implemented yet`);
  }
  const outputs = [...applyOp(op, inputs, attrs)];
  const ctx = { inputs, outputs, attrs, needsInputGrad: tangents.map((t) => t !== null) };
  let out: (Tensor | null)[];
  if (rule === 'not-differentiable') {
    out = outputs.map(() => null);
  } else if (rule === 'linear') {
    const ts = inputs.map((x, i) => tangents[i] ?? zerosLike(x));
    out = [...applyOp(op, ts, attrs)];
  } else if (rule === 'elementwise') {
    const backward = op.backward;
    if (backward === 'not-differentiable') {
      throw new TypeError(`${op.name}: jvp 'elementwise' needs a backward formula`);
    }
    const shape = outputs[0].shape;
    let total: Tensor | null = null;
    for (let i = 0; i < tangents.length; i++) {
      const t = tangents[i];
      const term = t ? backward(ctx, [t.expand([...shape])])[i] : null;
      if (term) total = total ? total.add(term) : term;
    }
    out = [total];
  } else {
    out = rule(ctx, tangents);
  }
  return {
    outputs,
    tangents: outputs.map((_, j) => (op.differentiable?.[j] === false ? null : (out[j] ?? null))),
  };
}
