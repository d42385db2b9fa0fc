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

/** One tensor per argnum (a tuple as long as argnums), or one tensor for a single argnum. */
export type PerArg<N> = N extends readonly number[] ? { -readonly [K in keyof N]: Tensor } : Tensor;

/** What a Jacobian transform returns for output `O` and argnums `N` (per output, then per argnum). */
export type JacOf<O, N> = O extends readonly unknown[] ? { -readonly [K in keyof O]: PerArg<N> } : PerArg<N>;

/** The Hessian's blocks: one tensor, or [[H00, H01], [H10, H11]] for argnums [0, 1]. */
export type HessianOf<N> = N extends readonly number[]
  ? { -readonly [I in keyof N]: { -readonly [J in keyof N]: Tensor } }
  : Tensor;

/** `x`, or `[x, aux]` with hasAux. */
export type WithAux<X, F extends AnyFn, HasAux> = HasAux extends true ? [X, AuxOf<F>] : X;
