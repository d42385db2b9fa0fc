import type { BackwardContext } from '../autograd/node.js';
import type { Tensor } from '../tensor.js';
import { zerosLike } from './creation.js';
import { applyOp, type OpDef } from './registry.js';

/**
 * Evaluates an op's jvp slot (rule or shortcut) in `ctx` (the op's inputs, its outputs, already
 * computed, and its attributes) with input tangents `tangents` (null where an input has none):
 * the outputs' tangents (null for outputs that are not differentiable or have none). Shared by
 * jvpOp and the forward-mode engine (applyOp's hook), so the forward is never recomputed.
 * 'not-implemented' throws, naming the op.
 */
export function evalJvpSlot<A>(
  op: OpDef<A>,
  ctx: BackwardContext<A>,
  tangents: readonly (Tensor | null)[],
): (Tensor | null)[] {
  const rule = op.jvp ?? 'not-implemented';
  if (rule === 'not-implemented') throw notImplemented(op.name);
  const { inputs, outputs, attrs } = ctx;
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
    // The backward is g·conj(f′); conj(backward(conj(t))) = t·f′, the jvp of a holomorphic op
    // (conj is the identity for real dtypes). Non-holomorphic ops carry rules of their own.
    const shape = outputs[0]!.shape;
    let total: Tensor | null = null;
    for (let i = 0; i < tangents.length; i++) {
      const t = tangents[i];
      const term = t ? backward(ctx, [t.conj().expand([...shape])])[i]?.conj() : null;
      if (term) total = total ? total.add(term) : term;
    }
    out = [total];
  } else {
    out = rule(ctx, tangents);
  }
  return outputs.map((_, j) => (op.differentiable?.[j] === false ? null : (out[j] ?? null)));
}

function notImplemented(name: string): TypeError {
  return new TypeError(`${name}: the forward-mode rule (jvp) is not implemented yet`);
}

/**
 * Evaluates an op's jvp slot (rule or shortcut) at `inputs` with input tangents `tangents` (null
 * where an input has none): returns the op's outputs and their tangents (null for outputs that
 * are not differentiable). One op, one step (the forward-mode engine on dual tensors is
 * forwardAD, src/autograd/forward-ad.ts), so every slot can be checked against a finite difference.
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
  if ((op.jvp ?? 'not-implemented') === 'not-implemented') throw notImplemented(op.name);
  const outputs = [...applyOp(op, inputs, attrs)];
  const ctx = { inputs, outputs, attrs, needsInputGrad: tangents.map((t) => t !== null) };
  return { outputs, tangents: evalJvpSlot(op, ctx, tangents) };
}
