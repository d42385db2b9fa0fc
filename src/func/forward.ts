/**
 * Forward-mode transforms (torch.func): jvp, jacfwd, and hessian (forward over reverse). They
 * build on dual tensors (forwardAD, src/autograd/forward-ad.ts): the primals carry the tangents
 * through every op's jvp rule, in a dual level of their own.
 */
import { forwardAD } from '../autograd/forward-ad.js';
import { isDifferentiableDtype } from '../dtype.js';
import { zerosLike } from '../ops/creation.js';
import { permute, reshape } from '../ops/shape.js';
import { sameShape, shapeStr } from '../shape.js';
import { isTensor, type Tensor } from '../tensor.js';
import {
  type Argnums,
  atLevel,
  isNested as depthNested,
  mapRows,
  normalizeArgnums,
  oneHotBasis,
  outputList,
  rejectComplex,
  release,
  splitAux,
  splitRows,
} from './common.js';
import { jacrev } from './reverse.js';
import type { AnyFn, AuxOf, HessianOf, JacOf, MainOut, WithAux } from './types.js';

function checkTangents(name: string, primals: readonly Tensor[], tangents: readonly unknown[]): void {
  if (tangents.length !== primals.length) {
    throw new RangeError(
      `${name}: got ${tangents.length} tangent${tangents.length === 1 ? '' : 's'} for ${primals.length} ` +
        `primal${primals.length === 1 ? '' : 's'} (shapes ${primals.map((p) => shapeStr(p.shape)).join(', ')})`,
    );
  }
  tangents.forEach((t, i) => {
    const p = primals[i];
    if (!isTensor(t)) throw new TypeError(`${name}: tangent ${i} must be a tensor, got ${typeof t}`);
    if (!sameShape(t.shape, p.shape)) {
      throw new RangeError(
        `${name}: tangent ${i} has shape ${shapeStr(t.shape)} but primal ${i} has shape ${shapeStr(p.shape)}`,
      );
    }
    if (t.dtype !== p.dtype) {
      throw new TypeError(
        `${name}: tangent ${i} has dtype ${t.dtype} but primal ${i} has dtype ${p.dtype} (shape ${shapeStr(p.shape)})`,
      );
    }
    if (t.device !== p.device) {
      throw new TypeError(
        `${name}: tangent ${i} is on ${t.device} but primal ${i} is on ${p.device} (shape ${shapeStr(p.shape)})`,
      );
    }
  });
}

/** One forward-mode pass (inside a transform level): the outputs and their tangents. */
interface Pushed {
  outs: Tensor[];
  tangents: Tensor[];
  single: boolean;
  aux: unknown;
}

/** Runs `fn` with the arguments `nums` made dual with `tangents`, in a dual level of its own. */
function push(
  name: string,
  fn: AnyFn,
  args: readonly unknown[],
  nums: readonly number[],
  tangents: readonly Tensor[],
  hasAux: boolean,
): Pushed {
  return forwardAD.dualLevel(() => {
    const xs = [...args];
    nums.forEach((k, i) => {
      xs[k] = forwardAD.makeDual(args[k] as Tensor, tangents[i]);
    });
    const split = splitAux(name, (fn as (...a: unknown[]) => unknown)(...xs), hasAux);
    const { list, single } = outputList(name, split.out);
    const outs: Tensor[] = [];
    const ts: Tensor[] = [];
    list.forEach((o, j) => {
      if (!isDifferentiableDtype(o.dtype)) {
        throw new TypeError(
          `${name}: output ${j} has dtype ${o.dtype} (shape ${shapeStr(o.shape)}); an op with integer outputs ` +
            'has no derivative, so there is no tangent to push forward',
        );
      }
      const { primal, tangent } = forwardAD.unpackDual(o);
      outs.push(primal);
      ts.push(tangent ?? zerosLike(primal));
    });
    return { outs, tangents: ts, single, aux: split.aux };
  });
}

/** Options of func.jvp. */
export interface JvpOptions {
  /** The function returns `[output, aux]`; the result is then `[output, outputTangent, aux]`. */
  hasAux?: boolean | undefined;
}

/**
 * The output of `fn` at the primals and its directional derivative along the tangents
 * (J·v, forward mode), as torch.func.jvp: `[output, outputTangent]` (arrays when the function
 * returns an array). Tangents must match the primals in shape and dtype.
 * @example
 * const [y, dy] = func.jvp((x: Tensor) => x.exp(), [tensor([0, 1])], [tensor([1, 1])]); // dy = exp(x)
 */
export function jvp<F extends AnyFn, const H extends boolean = false>(
  fn: F,
  primals: readonly Tensor[] | Tensor,
  tangents: readonly Tensor[] | Tensor,
  opts?: { hasAux?: H },
): H extends true ? [MainOut<F, true>, MainOut<F, true>, AuxOf<F>] : [MainOut<F, false>, MainOut<F, false>] {
  const ps = isTensor(primals) ? [primals] : [...primals];
  const ts = isTensor(tangents) ? [tangents] : [...tangents];
  return atLevel(() => {
    const nums = normalizeArgnums('func.jvp', [...ps.keys()], ps);
    checkTangents('func.jvp', ps, ts);
    const p = push('func.jvp', fn, ps, nums, ts, opts?.hasAux ?? false);
    const keep = isNestedOrTracked(ps, ts);
    const out = release(p.single ? p.outs[0] : p.outs, keep);
    const tan = release(p.single ? p.tangents[0] : p.tangents, keep);
    // biome-ignore lint/suspicious/noExplicitAny: the result type is worked out in the signature
    return (opts?.hasAux ? [out, tan, release(p.aux, keep)] : [out, tan]) as any;
  });
}

function isNestedOrTracked(ps: readonly Tensor[], ts: readonly Tensor[]): boolean {
  return depthNested() || [...ps, ...ts].some((t) => t.requiresGrad);
}

/**
 * Reshapes per-row tangents (rows are input elements: [N, ...output]) into Jacobians
 * [...output, ...input], nested as torch.func.jacfwd: per output, then per argnum.
 */
function assembleForward(
  outs: readonly Tensor[],
  single: boolean,
  argnums: Argnums,
  inputs: readonly Tensor[],
  rows: readonly Tensor[],
): unknown {
  const perIn = inputs.map((x) => x.numel);
  const jac = outs.map((o, j) => {
    const blocks = splitRows(rows[j], perIn);
    const r = o.ndim;
    const perArg = inputs.map((x, i) => {
      const moved = permute(blocks[i], [...Array(r).keys()].map((d) => d + 1).concat([0]));
      return reshape(moved, [...o.shape, ...x.shape]);
    });
    return typeof argnums === 'number' ? perArg[0] : perArg;
  });
  return single ? jac[0] : jac;
}

/**
 * The Jacobian by forward mode, as torch.func.jacfwd: `jacfwd(f)(x)` has shape
 * [...f(x).shape, ...x.shape], one jvp per input element, batched over the one-hot tangents with
 * vmap. Same argnums/hasAux forms as jacrev; the better choice when inputs are fewer than outputs.
 * @example
 * func.jacfwd((x: Tensor) => x.square())(tensor([1, 2])); // [[2, 0], [0, 4]]
 */
export function jacfwd<F extends AnyFn, const N extends Argnums = 0, const H extends boolean = false>(
  fn: F,
  argnums?: N,
  opts?: { hasAux?: H },
): (...args: Parameters<F>) => WithAux<JacOf<MainOut<F, H>, N>, F, H> {
  return (...args) =>
    atLevel((): WithAux<JacOf<MainOut<F, H>, N>, F, H> => {
      const an: Argnums = argnums ?? 0;
      rejectComplex('func.jacfwd', 'inputs', args);
      const nums = normalizeArgnums('func.jacfwd', an, args);
      const inputs = nums.map((k) => args[k] as Tensor);
      let first: Pushed | null = null;
      const rows = mapRows((...ts) => {
        const p = push('func.jacfwd', fn, args, nums, ts, opts?.hasAux ?? false);
        rejectComplex('func.jacfwd', 'outputs', p.outs);
        first ??= p;
        return p.tangents;
      }, oneHotBasis(inputs));
      const p: Pushed =
        first ?? push('func.jacfwd', fn, args, nums, inputs.map(zerosLike), opts?.hasAux ?? false);
      rejectComplex('func.jacfwd', 'outputs', p.outs);
      const keep = depthNested() || (args as unknown[]).some((a) => isTensor(a) && a.requiresGrad);
      const jac = release(assembleForward(p.outs, p.single, an, inputs, rows), keep);
      return (opts?.hasAux ? [jac, release(p.aux, keep)] : jac) as WithAux<JacOf<MainOut<F, H>, N>, F, H>;
    });
}

/**
 * The Hessian, as torch.func.hessian: forward over reverse, `jacfwd(jacrev(f, argnums), argnums)`.
 * For a scalar f of x with shape s it has shape [...s, ...s]; argnums as an array gives the
 * nested blocks [[H00, H01], [H10, H11]].
 * @example
 * func.hessian((x: Tensor) => x.pow(3).sum())(tensor([1, 2])); // [[6, 0], [0, 12]]
 */
export function hessian<F extends AnyFn, const N extends Argnums = 0>(
  fn: F,
  argnums?: N,
): (...args: Parameters<F>) => HessianOf<N> {
  const an: Argnums = argnums ?? 0;
  const inner = jacrev(fn, an);
  const outer = jacfwd(inner as AnyFn, an);
  return (...args) => {
    rejectComplex('func.hessian', 'inputs', args);
    normalizeArgnums('func.hessian', an, args);
    return outer(...(args as never[])) as HessianOf<N>;
  };
}
