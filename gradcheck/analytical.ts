/**
 * Analytical derivatives: vector-Jacobian products from `autograd.grad`, Jacobian rows from
 * one-hot gradOutputs, and the reentrancy (determinism) check.
 * @module
 */
import { autograd, type Tensor, tensor } from '../src/index.js';
import { fmt, GradcheckError, hostValues, multiIndex } from './common.js';

/**
 * vᵀJ: the gradients of `outs` with gradOutputs `vs` with respect to every input in `inputs`, as
 * host float64 arrays (zeros where autograd returns null). Checks each gradient's shape and dtype
 * against its input. An exception from a backward formula is rethrown with `what` (which
 * backward pass this was) and a note on null output gradients.
 */
export function vjp(
  where: string,
  outs: readonly Tensor[],
  vs: readonly Tensor[],
  inputs: readonly Tensor[],
  inLabels: readonly string[],
  what: string,
): Float64Array[] {
  let grads: (Tensor | null)[];
  try {
    grads = autograd.grad([...outs], [...inputs], {
      gradOutputs: [...vs],
      retainGraph: true,
      allowUnused: true,
    });
  } catch (e) {
    throw new Error(
      `${where}: backward failed while computing ${what}: ${e instanceof Error ? e.message : String(e)}. ` +
        '(Outputs that receive no gradient pass null to their backward formula, which must treat it as zero.)',
      { cause: e },
    );
  }
  return grads.map((g, i) => {
    const x = inputs[i];
    if (!g) return new Float64Array(x.numel);
    if (g.shape.length !== x.shape.length || g.shape.some((d, k) => d !== x.shape[k])) {
      throw new GradcheckError(
        `${where}: Analytical gradient has incorrect size: the gradient of ${inLabels[i]} has shape ` +
          `[${g.shape.join(', ')}] but the input has shape [${x.shape.join(', ')}]`,
      );
    }
    if (g.dtype !== x.dtype) {
      throw new GradcheckError(
        `${where}: Gradient has dtype mismatch: the gradient of ${inLabels[i]} is ${g.dtype} but the input is ${x.dtype}`,
      );
    }
    return hostValues(g);
  });
}

/** A one-hot tensor shaped like `like` with a 1 at flat position `r`. */
function oneHot(like: Tensor, r: number): Tensor {
  const d = new Float64Array(like.numel);
  d[r] = 1;
  return tensor(d, { shape: [...like.shape], dtype: like.dtype });
}

/**
 * Analytical Jacobians of `out` (labelled `outLabel`) with respect to each of `inputs` (row-major
 * output numel × input numel), one backward pass per output element with a one-hot gradOutput.
 */
export function analyticalJacobian(
  where: string,
  out: Tensor,
  outLabel: string,
  inputs: readonly Tensor[],
  inLabels: readonly string[],
): Float64Array[] {
  const m = out.numel;
  const jac = inputs.map((x) => new Float64Array(m * x.numel));
  for (let r = 0; r < m; r++) {
    const what = `row ${multiIndex(out.shape, r)} of the Jacobian of ${outLabel} alone`;
    const rows = vjp(where, [out], [oneHot(out, r)], inputs, inLabels, what);
    rows.forEach((row, i) => {
      jac[i].set(row, r * inputs[i].numel);
    });
  }
  return jac;
}

/** Largest |a − b| and its position (NaN-aware: a NaN on one side only counts as Infinity). */
export function maxAbsDiff(a: Float64Array, b: Float64Array): { diff: number; at: number } {
  let diff = 0;
  let at = -1;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    let d = Math.abs(x - y);
    if (Number.isNaN(d)) d = Number.isNaN(x) && Number.isNaN(y) ? 0 : Number.POSITIVE_INFINITY;
    if (at < 0 || d > diff) {
      diff = d;
      at = k;
    }
  }
  return { diff, at };
}

/**
 * Throws unless two runs of the same backward agree within `nondetTol`. `shapeOf(i)` gives the
 * (rows, cols) shapes for the multi-index in the message; for fast mode the rows are vᵀJ vectors.
 */
export function checkReentrant(
  where: string,
  first: readonly Float64Array[],
  second: readonly Float64Array[],
  nondetTol: number,
  outLabel: string,
  outShape: readonly number[] | null,
  inputs: readonly Tensor[],
  inLabels: readonly string[],
): void {
  first.forEach((a, i) => {
    const { diff, at } = maxAbsDiff(a, second[i]);
    if (at < 0 || diff <= nondetTol) return;
    const n = inputs[i].numel;
    const pos =
      outShape === null
        ? `input element ${multiIndex(inputs[i].shape, at)}`
        : `d ${outLabel}${multiIndex(outShape, Math.floor(at / n))} / d ${inLabels[i]}${multiIndex(inputs[i].shape, at % n)}`;
    throw new GradcheckError(
      `${where}: Backward is not reentrant, i.e., running backward with the same input and gradOutput ` +
        `twice gives different values, although the analytical gradient matches the numerical one. ` +
        `For ${outLabel} with respect to ${inLabels[i]} the two runs differ by ${fmt(diff)} at ${pos} ` +
        `(${fmt(a[at])} vs ${fmt(second[i][at])}). The tolerance for nondeterminism was ${nondetTol} ` +
        '(option nondetTol).',
    );
  });
}
