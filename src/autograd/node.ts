import type { StorageDType } from '../backends/backend.js';
import { AutogradError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** Where a gradient flowing out of a node goes: another node's output, or a leaf tensor. */
export type Edge = { node: Node; index: number } | { leaf: Tensor } | null;

/**
 * `N` values of type T: a tuple when N is a number literal (`Tuple<Tensor, 2>` is
 * `readonly [Tensor, Tensor]`, so destructuring needs no `!` under noUncheckedIndexedAccess), a
 * readonly array when N is `number` (the default of defineOp's arity parameters).
 */
export type Tuple<T, N extends number> = number extends N ? readonly T[] : BuildTuple<T, N, []>;
type BuildTuple<T, N extends number, R extends T[]> = R['length'] extends N
  ? Readonly<R>
  : BuildTuple<T, N, [...R, T]>;

/**
 * What a backward formula sees: the op's inputs and outputs (still attached to the graph).
 * `NIn`/`NOut` are the op's input and output counts when defineOp was given them.
 */
export interface BackwardContext<A, NIn extends number = number, NOut extends number = number> {
  /** The inputs the op was applied to. */
  readonly inputs: Tuple<Tensor, NIn>;
  /** The outputs it produced (use them to avoid recomputing, e.g. exp's gradient g·y). */
  readonly outputs: Tuple<Tensor, NOut>;
  /** The attributes given to applyOp. */
  readonly attrs: A;
  /** needsInputGrad[i] is false when input i does not require grad; its gradient may be skipped. */
  readonly needsInputGrad: Tuple<boolean, NIn>;
}

/**
 * Returns one gradient per input (null where none flows). `grads[j]` is the gradient of output j,
 * or null when no gradient reached that output. Written with differentiable tensor ops, so that
 * `createGraph` yields higher derivatives.
 */
export type BackwardFn<A, NIn extends number = number, NOut extends number = number> = (
  ctx: BackwardContext<A, NIn, NOut>,
  grads: Tuple<Tensor | null, NOut>,
) => (Tensor | null)[];

/**
 * A gradient hook (registerHook): called with the gradient, returns a replacement or undefined.
 * @example
 * x.registerHook((g) => g.mul(0.5)); // halves the gradient reaching x
 */
export type GradHook = (grad: Tensor) => Tensor | undefined;

/** A recorded op application in the autograd graph. */
export class Node {
  /** Hooks registered on non-leaf outputs (index -> hooks), run when that output's gradient is complete. */
  outputHooks: GradHook[][] | null = null;
  private ctx: BackwardContext<unknown> | null;

  constructor(
    readonly name: string,
    readonly edges: Edge[],
    ctx: BackwardContext<unknown>,
    private readonly fn: BackwardFn<unknown>,
    readonly inputShapes: readonly (readonly number[])[],
    readonly inputDtypes: readonly StorageDType[],
    readonly outputShapes: readonly (readonly number[])[],
  ) {
    this.ctx = ctx;
  }

  get freed(): boolean {
    return this.ctx === null;
  }

  /** Drops the saved tensors (after a backward pass without retainGraph). */
  release(): void {
    this.ctx = null;
  }

  /** The tensors this node keeps alive for its backward formula. */
  savedTensors(): readonly Tensor[] {
    return this.ctx ? [...this.ctx.inputs, ...this.ctx.outputs] : [];
  }

  apply(grads: readonly (Tensor | null)[]): (Tensor | null)[] {
    if (!this.ctx) {
      throw new AutogradError(
        `backward through '${this.name}' a second time: its saved tensors were freed after the first ` +
          'backward. Pass { retainGraph: true } to the first backward() or autograd.grad() call.',
      );
    }
    return this.fn(this.ctx, grads);
  }

  addHook(index: number, hook: GradHook): void {
    this.outputHooks ??= this.outputShapes.map(() => []);
    this.outputHooks[index].push(hook);
  }
}
