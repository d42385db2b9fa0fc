/**
 * Reverse-mode transforms (torch.func): grad, gradAndValue, vjp, jacrev. All build on
 * autograd.grad: the function runs once on fresh copies of the arguments that require grad, and
 * every gradient is a backward pass over that one graph.
 */
import { autograd } from '../autograd/index.js';
import { isComplex, isDifferentiableDtype } from '../dtype.js';
import { onesLike, zerosLike } from '../ops/creation.js';
import { reshape } from '../ops/shape.js';
import { sameShape, shapeStr } from '../shape.js';
import { isTensor, type Tensor } from '../tensor.js';
import {
  type Argnums,
  atLevel,
  differentiableCopy,
  mapRows,
  needsGraph,
  normalizeArgnums,
  oneHotBasis,
  outputList,
  rejectComplex,
  release,
  splitAux,
  splitRows,
} from './common.js';
import type { AnyFn, AuxOf, JacOf, MainOut, PerArg, WithAux } from './types.js';

/** Options of func.grad and func.gradAndValue (torch.func.grad's argnums and has_aux). */
export interface GradTransformOptions {
  /** The argument(s) to differentiate with respect to (default 0); an array gives an array of gradients. */
  argnums?: Argnums | undefined;
  /** The function returns `[output, aux]`; aux is passed through, not differentiated. */
  hasAux?: boolean | undefined;
}

/** One traced call of the function, ready for backward passes (inside a transform level). */
export interface Traced {
  /** The outputs, as a list. */
  outs: Tensor[];
  /** The function returned one tensor (not an array). */
  single: boolean;
  aux: unknown;
  /** The copies of the differentiated arguments the graph starts from. */
  inputs: Tensor[];
  /** Record the backward passes (an outer transform differentiates the results). */
  keep: boolean;
  /** Gradients of the inputs for cotangents of the outputs (one per output): a vector-Jacobian product. */
  pull: (cotangents: readonly Tensor[]) => Tensor[];
}

/** Runs `fn` once with the arguments `nums` replaced by differentiable copies. */
export function trace(
  name: string,
  fn: AnyFn,
  args: readonly unknown[],
  nums: readonly number[],
  hasAux: boolean,
): Traced {
  const keep = needsGraph(args);
  const xs = [...args];
  for (const k of nums) xs[k] = differentiableCopy(args[k] as Tensor);
  const inputs = nums.map((k) => xs[k] as Tensor);
  const split = splitAux(name, (fn as (...a: unknown[]) => unknown)(...xs), hasAux);
  const { list: outs, single } = outputList(name, split.out);
  outs.forEach((o, j) => {
    if (!isDifferentiableDtype(o.dtype)) {
      throw new TypeError(
        `${name}: output ${j} has dtype ${o.dtype} (shape ${shapeStr(o.shape)}); integer outputs have no derivative`,
      );
    }
  });
  const live = outs.map((o, j) => (o.requiresGrad ? j : -1)).filter((j) => j >= 0);
  const pull = (cts: readonly Tensor[]): Tensor[] => {
    const grads = live.length
      ? autograd.grad(
          live.map((j) => outs[j]),
          inputs,
          {
            gradOutputs: live.map((j) => cts[j]),
            retainGraph: true,
            createGraph: keep,
            allowUnused: true,
          },
        )
      : inputs.map(() => null);
    return grads.map((g, i) => g ?? zerosLike(inputs[i]));
  };
  return { outs, single, aux: split.aux, inputs, keep, pull };
}

function gradImpl(name: string, fn: AnyFn, opts: GradTransformOptions, args: unknown[]) {
  return atLevel(() => {
    const argnums = opts.argnums ?? 0;
    const nums = normalizeArgnums(name, argnums, args);
    const t = trace(name, fn, args, nums, opts.hasAux ?? false);
    const out = t.outs[0];
    if (!t.single || out.ndim !== 0) {
      const got = t.single ? `shape ${shapeStr(out.shape)}` : `an array of ${t.outs.length} tensors`;
      throw new TypeError(
        `${name}: expected the function to return a scalar tensor (shape []), got ${got}; ` +
          'reduce it first (e.g. with .sum()), or use func.vjp or func.jacrev for non-scalar outputs',
      );
    }
    if (isComplex(out.dtype)) {
      throw new TypeError(
        `${name}: grad can be implicitly created only for real scalar outputs but got ${out.dtype}; ` +
          'take a real part of it (e.g. .real(), .abs(), or |f|² as f.abs().square()), or use func.vjp with a complex cotangent',
      );
    }
    const grads = t.pull([onesLike(out)]);
    const g = typeof argnums === 'number' ? grads[0] : grads;
    return { g: release(g, t.keep), value: release(out, t.keep), aux: release(t.aux, t.keep) };
  });
}

/**
 * The gradient of a function that returns a scalar tensor, as torch.func.grad: `grad(f)(x)` is
 * ∂f/∂x, shaped like x. `argnums` picks the argument(s) (an array gives an array of gradients);
 * with `hasAux`, `f` returns `[output, aux]` and the result is `[gradient, aux]`. Transforms nest:
 * `grad(grad(f))` is the second derivative.
 * @example
 * const f = (x: Tensor) => x.pow(3).sum();
 * func.grad(f)(tensor([1, 2])); // tensor([ 3., 12.])
 * func.grad((x: Tensor, y: Tensor) => x.mul(y).sum(), { argnums: [0, 1] })(a, b); // [b, a]
 */
export function grad<F extends AnyFn, const O extends GradTransformOptions = NoOptions>(
  fn: F,
  opts?: O,
): (...args: Parameters<F>) => WithAux<PerArg<O['argnums']>, F, O['hasAux']> {
  const o: GradTransformOptions = opts ?? {};
  return (...args) => {
    const r = gradImpl('func.grad', fn, o, args);
    return (o.hasAux ? [r.g, r.aux] : r.g) as WithAux<PerArg<O['argnums']>, F, O['hasAux']>;
  };
}

/**
 * The gradient and the value, as torch.func.grad_and_value: `[gradient(s), value]`, or
 * `[gradient(s), [value, aux]]` with `hasAux`.
 * @example
 * const [g, v] = func.gradAndValue((x: Tensor) => x.square().sum())(tensor([1, 2])); // g = [2, 4], v = 5
 */
export function gradAndValue<F extends AnyFn, const O extends GradTransformOptions = NoOptions>(
  fn: F,
  opts?: O,
): (
  ...args: Parameters<F>
) => [PerArg<O['argnums']>, O['hasAux'] extends true ? [Tensor, AuxOf<F>] : Tensor] {
  const o: GradTransformOptions = opts ?? {};
  type R = [PerArg<O['argnums']>, O['hasAux'] extends true ? [Tensor, AuxOf<F>] : Tensor];
  return (...args) => {
    const r = gradImpl('func.gradAndValue', fn, o, args);
    return (o.hasAux ? [r.g, [r.value, r.aux]] : [r.g, r.value]) as R;
  };
}

/** The options when none are given. */
export interface NoOptions {
  argnums?: undefined;
  hasAux?: false;
}

/** Options of func.vjp (passed as the last argument, after the primals). */
export interface VjpOptions {
  /** The function returns `[output, aux]`; the result is then `[output, vjpFn, aux]`. */
  hasAux?: boolean;
}

/** The pullback func.vjp returns: cotangents shaped like the output(s) ⟼ one gradient per primal. */
export type VjpFn<N extends number = number> = (cotangents: Tensor | readonly Tensor[]) => TensorTuple<N>;

/** `N` tensors (a tuple when N is a literal). */
export type TensorTuple<N extends number, Acc extends Tensor[] = []> = number extends N
  ? Tensor[]
  : Acc['length'] extends N
    ? Acc
    : TensorTuple<N, [...Acc, Tensor]>;

function checkCotangents(outs: readonly Tensor[], single: boolean, ct: Tensor | readonly Tensor[]): Tensor[] {
  const cts = isTensor(ct) ? [ct] : Array.isArray(ct) ? [...ct] : null;
  if (!cts?.every(isTensor) || cts.length !== outs.length || (single && !isTensor(ct))) {
    const want = single ? 'one tensor' : `an array of ${outs.length} tensors`;
    throw new TypeError(
      `func.vjp: the cotangents must match the output (${want}, shapes ${outs.map((o) => shapeStr(o.shape)).join(', ')})`,
    );
  }
  cts.forEach((c, j) => {
    const o = outs[j];
    if (!sameShape(c.shape, o.shape)) {
      throw new RangeError(
        `func.vjp: cotangent ${j} has shape ${shapeStr(c.shape)} but output ${j} has shape ${shapeStr(o.shape)}`,
      );
    }
    if (c.dtype !== o.dtype) {
      throw new TypeError(
        `func.vjp: cotangent ${j} has dtype ${c.dtype} but output ${j} has dtype ${o.dtype}`,
      );
    }
  });
  return cts;
}

/**
 * The output of `fn` at the primals and its pullback, as torch.func.vjp: `vjpFn(v)` is vᵀJ, one
 * gradient per primal (always an array). Pass `{ hasAux: true }` after the primals for `[output,
 * vjpFn, aux]`. The pullback may be called many times.
 * @example
 * const [y, vjpFn] = func.vjp((x: Tensor) => x.square(), tensor([1, 2]));
 * vjpFn(tensor([1, 1])); // [tensor([2., 4.])]
 */
export function vjp<F extends AnyFn, const P extends Tensor[]>(
  fn: F,
  ...primals: P
): [MainOut<F, false>, VjpFn<P['length']>];
export function vjp<F extends AnyFn, const P extends Tensor[]>(
  fn: F,
  ...args: [...primals: P, opts: { hasAux: true }]
): [MainOut<F, true>, VjpFn<P['length']>, AuxOf<F>];
export function vjp(fn: AnyFn, ...primals: (Tensor | VjpOptions)[]): unknown[] {
  const last = primals[primals.length - 1];
  const opts: VjpOptions =
    last !== undefined && !isTensor(last) && typeof last === 'object' ? (primals.pop() as VjpOptions) : {};
  return atLevel(() => {
    const nums = normalizeArgnums('func.vjp', [...primals.keys()], primals);
    const t = trace('func.vjp', fn, primals, nums, opts.hasAux ?? false);
    const vjpFn: VjpFn = (ct) =>
      atLevel(() => release(t.pull(checkCotangents(t.outs, t.single, ct)), t.keep));
    const out = release(t.single ? t.outs[0] : t.outs, t.keep);
    return opts.hasAux ? [out, vjpFn, release(t.aux, t.keep)] : [out, vjpFn];
  });
}

/** Options of func.jacrev and func.jacfwd. */
export interface JacobianOptions {
  /** The function returns `[output, aux]`; the result is then `[jacobian, aux]`. */
  hasAux?: boolean;
}

/**
 * Reshapes per-row results ([N, ...input]) into Jacobians [...output, ...input] (reverse mode:
 * rows are output elements) in torch.func's nesting: per output (when the function returns an
 * array), then per argnum (when argnums is an array).
 */
export function assembleReverse(
  outs: readonly Tensor[],
  single: boolean,
  argnums: Argnums,
  inputs: readonly Tensor[],
  rows: readonly Tensor[],
): unknown {
  const perOut = outs.map((o) => o.numel);
  const blocks = rows.map((r) => splitRows(r, perOut));
  const jac = outs.map((o, j) => {
    const perIn = inputs.map((x, i) => reshape(blocks[i][j], [...o.shape, ...x.shape]));
    return typeof argnums === 'number' ? perIn[0] : perIn;
  });
  return single ? jac[0] : jac;
}

/**
 * The Jacobian by reverse mode, as torch.func.jacrev: `jacrev(f)(x)` has shape
 * [...f(x).shape, ...x.shape]. One backward pass per output element, batched over the one-hot
 * cotangents with vmap. `argnums` as an array gives an array of Jacobians; an array of outputs
 * gives an array per output.
 * @example
 * const A = tensor([[2, 1], [1, 3]]);
 * func.jacrev((x: Tensor) => linalg.solve(A, x))(tensor([1, 1])); // A⁻¹
 */
export function jacrev<F extends AnyFn, const N extends Argnums = 0, const H extends boolean = false>(
  fn: F,
  argnums?: N,
  opts?: { hasAux?: H },
): (...args: Parameters<F>) => WithAux<JacOf<MainOut<F, H>, N>, F, H> {
  return (...args) =>
    atLevel((): WithAux<JacOf<MainOut<F, H>, N>, F, H> => {
      const an: Argnums = argnums ?? 0;
      rejectComplex('func.jacrev', 'inputs', args);
      const nums = normalizeArgnums('func.jacrev', an, args);
      const t = trace('func.jacrev', fn, args, nums, opts?.hasAux ?? false);
      rejectComplex('func.jacrev', 'outputs', t.outs);
      const rows = mapRows((...cts) => t.pull(cts), oneHotBasis(t.outs));
      const jac = release(assembleReverse(t.outs, t.single, an, t.inputs, rows), t.keep);
      return (opts?.hasAux ? [jac, release(t.aux, t.keep)] : jac) as WithAux<JacOf<MainOut<F, H>, N>, F, H>;
    });
}
