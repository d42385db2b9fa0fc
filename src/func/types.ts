/** Result types of the function transforms, worked out from the function and the options. */
import type { Tensor } from '../tensor.js';

/** Any function of tensors (and other arguments). */
export type AnyFn = (...args: never[]) => unknown;

/** The aux part of `[output, aux]`. */
export type AuxOf<F extends AnyFn> = ReturnType<F> extends readonly [unknown, infer A] ? A : unknown;

/** The differentiated output: the whole return value, or its first part with hasAux. */
export type MainOut<F extends AnyFn, HasAux> = HasAux extends true
  ? ReturnType<F> extends readonly [infer O, unknown]
    ? O
    : unknown
  : ReturnType<F>;

/** One tensor per argnum, or one tensor for a single argnum. */
export type PerArg<N> = N extends readonly number[] ? Tensor[] : Tensor;

/** What a Jacobian transform returns for output `O` and argnums `N`. */
export type JacOf<O, N> = O extends readonly unknown[] ? PerArg<N>[] : PerArg<N>;

/** `x`, or `[x, aux]` with hasAux. */
export type WithAux<X, F extends AnyFn, HasAux> = HasAux extends true ? [X, AuxOf<F>] : X;
