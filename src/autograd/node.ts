import type { StorageDType } from '../backends/backend.js';
import { AutogradError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** Where a gradient flowing out of a node goes: another node's output, or a leaf tensor. */
export type Edge = { node: Node; index: number } | { leaf: Tensor } | null;

/** What a backward formula sees: the op's inputs and outputs (still attached to the graph). */
export interface BackwardContext<A> {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
  /** needsInputGrad[i] is false when input i does not require grad; its gradient may be skipped. */
  readonly needsInputGrad: readonly boolean[];
}

/**
 * Returns one gradient per input (null where none flows). `grads[j]` is the gradient of output j,
 * or null when no gradient reached that output. Written with differentiable tensor ops, so that
 * `createGraph` yields higher derivatives.
 */
export type BackwardFn<A> = (ctx: BackwardContext<A>, grads: readonly (Tensor | null)[]) => (Tensor | null)[];

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
