import { isComplex } from '../dtype.js';
import { AutogradError } from '../errors.js';
import { tensorOps } from '../ops-hook.js';
import { sameShape, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { withGradMode } from './grad-mode.js';
import type { Edge, Node } from './node.js';

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** true: add into leaves' .grad (backward()); false: only return gradients of `inputs` (autograd.grad). */
  accumulate: boolean;
  inputs: readonly Tensor[] | null;
  allowUnused: boolean;
}

function seedGradients(roots: readonly Tensor[], grads: readonly Tensor[] | null): Tensor[] {
  return roots.map((r, i) => {
    if (!r.requiresGrad) {
      throw new AutogradError(
        `backward: element ${i} of tensors does not require grad and does not have a gradFn; ` +
          'call requiresGrad_() on the leaves you want gradients for',
      );
    }
    const g = grads?.[i];
    if (g) {
      if (!sameShape(g.shape, r.shape)) {
        throw new AutogradError(
          `backward: mismatch in shape: gradient has shape ${shapeStr(g.shape)} but output has shape ${shapeStr(r.shape)}`,
        );
      }
      return g;
    }
    if (r.numel !== 1) {
      throw new AutogradError(
        `backward: grad can be implicitly created only for scalar outputs, but this output has shape ${shapeStr(r.shape)}; ` +
          'pass a gradient of the same shape (e.g. t.backward(onesLike(t)))',
      );
    }
    if (isComplex(r.dtype)) {
      throw new AutogradError(
        `backward: grad can be implicitly created only for real scalar outputs, but this output is ${r.dtype}; ` +
          'differentiate a real function of it (e.g. z.abs().square() or z.real()), or pass a gradient',
      );
    }
    return tensorOps.onesLike(r);
  });
}

/**
 * Collects the nodes reachable from the roots (iteratively, no recursion) and counts, for each, how
 * many edges from other reachable nodes point at it. When `targets` is given, nodes that cannot
 * reach a target are pruned.
 */
function collect(roots: readonly Node[], targets: Set<Node> | null, targetLeaves: Set<Tensor> | null) {
  const deps = new Map<Node, number>();
  const order: Node[] = [];
  const state = new Map<Node, 0 | 1>(); // 0 = on stack, 1 = done
  const stack: [Node, number][] = roots.map((n) => [n, 0]);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i === 0) {
      if (state.has(node)) {
        stack.pop();
        continue;
      }
      state.set(node, 0);
    }
    if (i < node.edges.length) {
      top[1]++;
      const e = node.edges[i];
      if (e && 'node' in e && !state.has(e.node)) stack.push([e.node, 0]);
      continue;
    }
    stack.pop();
    state.set(node, 1);
    order.push(node); // post-order: children before parents
  }
  // Pruning for autograd.grad: a node is needed if it is a target or leads to one.
  let needed: Set<Node> | null = null;
  if (targets && targetLeaves) {
    needed = new Set();
    for (const node of order) {
      const leads = node.edges.some(
        (e) => e !== null && ('leaf' in e ? targetLeaves.has(e.leaf) : needed!.has(e.node)),
      );
      if (leads || targets.has(node)) needed.add(node);
    }
  }
  for (const node of order) {
    if (needed && !needed.has(node)) continue;
    deps.set(node, deps.get(node) ?? 0);
    for (const e of node.edges) {
      if (e && 'node' in e && (!needed || needed.has(e.node))) deps.set(e.node, (deps.get(e.node) ?? 0) + 1);
    }
  }
  return { deps, needed };
}

function addInto(buf: (Tensor | null)[], index: number, g: Tensor, createGraph: boolean): void {
  const old = buf[index];
  buf[index] = old ? (createGraph ? old.add(g) : tensorOps.noGradAdd(old, g)) : g;
}

/** The backward pass shared by Tensor.backward and autograd.grad. Returns the gradients of `inputs`. */
export function runBackward(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[] | null,
  opts: BackwardOptions,
): (Tensor | null)[] {
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  const seeds = seedGradients(roots, rootGrads);
  const inputs = opts.inputs;
  const captured = new Map<Tensor, Tensor>();
  const inputSlots = new Map<Node, Map<number, Tensor>>();
  const inputLeaves = new Set<Tensor>();
  for (const t of inputs ?? []) {
    if (!t.requiresGrad)
      throw new AutogradError(
        'autograd.grad: one of the inputs does not require grad; call requiresGrad_() on it',
      );
    const n = t.gradNode;
    if (n) {
      if (!inputSlots.has(n)) inputSlots.set(n, new Map());
      inputSlots.get(n)!.set(t.outputIndex, t);
    } else inputLeaves.add(t);
  }

  const deliverLeaf = (leaf: Tensor, g: Tensor) => {
    if (inputs) {
      if (!inputLeaves.has(leaf)) return;
      const old = captured.get(leaf);
      captured.set(leaf, old ? (createGraph ? old.add(g) : tensorOps.noGradAdd(old, g)) : g);
    } else if (opts.accumulate) {
      leaf.accumulateGrad(g, createGraph);
    }
  };

  const buffers = new Map<Node, (Tensor | null)[]>();
  const rootNodes: Node[] = [];
  withGradMode(createGraph, () => {
    roots.forEach((r, i) => {
      const n = r.gradNode;
      if (!n) {
        deliverLeaf(r, seeds[i]);
        return;
      }
      if (!buffers.has(n))
        buffers.set(
          n,
          n.outputShapes.map(() => null),
        );
      addInto(buffers.get(n)!, r.outputIndex, seeds[i], createGraph);
      rootNodes.push(n);
    });
  });

  const { deps } = collect(
    rootNodes,
    inputs ? new Set(inputSlots.keys()) : null,
    inputs ? inputLeaves : null,
  );
  const ready = [...new Set(rootNodes)].filter((n) => deps.get(n) === 0);
  const visited: Node[] = [];
  withGradMode(createGraph, () => {
    while (ready.length) {
      const node = ready.pop()!;
      visited.push(node);
      const grads = buffers.get(node) ?? node.outputShapes.map(() => null);
      buffers.delete(node);
      if (node.outputHooks) {
        node.outputHooks.forEach((hooks, j) => {
          for (const h of hooks) if (grads[j]) grads[j] = h(grads[j]!) ?? grads[j];
        });
      }
      const slots = inputSlots.get(node);
      if (slots) for (const [j, t] of slots) if (grads[j]) captured.set(t, grads[j]!);
      const inGrads = grads.some((g) => g) ? node.apply(grads) : [];
      node.edges.forEach((e: Edge, i) => {
        if (!e) return;
        let g = inGrads[i] ?? null;
        if (g) g = fitGradient(node, i, g);
        if ('leaf' in e) {
          if (g) deliverLeaf(e.leaf, g);
          return;
        }
        if (!deps.has(e.node)) return; // pruned: leads to no requested input
        if (g) {
          if (!buffers.has(e.node))
            buffers.set(
              e.node,
              e.node.outputShapes.map(() => null),
            );
          addInto(buffers.get(e.node)!, e.index, g, createGraph);
        }
        const left = deps.get(e.node)! - 1;
        deps.set(e.node, left);
        if (left === 0) ready.push(e.node);
      });
    }
  });
  if (!retainGraph) for (const n of visited) n.release();

  if (!inputs) return [];
  return inputs.map((t, i) => {
    const g = captured.get(t) ?? null;
    if (!g && !opts.allowUnused) {
      throw new AutogradError(
        `autograd.grad: input ${i} (shape ${shapeStr(t.shape)}) was not used in the graph of the outputs; ` +
          'pass { allowUnused: true } to get null for it',
      );
    }
    return g;
  });
}

/** Undoes broadcasting once, here, and restores the input's dtype. */
function fitGradient(node: Node, i: number, g: Tensor): Tensor {
  const shape = node.inputShapes[i];
  if (!sameShape(g.shape, shape)) g = tensorOps.sumTo(g, shape);
  // A real input of an op with a complex result gets the real part of the gradient (∂L/∂x of
  // PyTorch's ∂L/∂x + i·∂L/∂y), as PyTorch's handle_r_to_c: no warning, unlike a cast.
  if (isComplex(g.dtype) && !isComplex(node.inputDtypes[i])) g = g.real();
  if (g.dtype !== node.inputDtypes[i]) g = tensorOps.cast(g, node.inputDtypes[i]);
  return g;
}
