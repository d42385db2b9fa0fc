import { broadcastShapes, numelOf, sameShape, shapeStr } from '../../shape.js';
import { isTensor, type Tensor } from '../../tensor.js';
import { expand, reshape, stack } from '../shape.js';
import { checkMatrix } from './common.js';

/**
 * A tolerance argument of pinv and matrixRank: a number, or (as in PyTorch) a tensor that
 * broadcasts to A's batch shape, one tolerance per matrix. Tolerances are never differentiated.
 */
export type ToleranceArg = number | Tensor;

type Scalar = number | undefined;

/**
 * Calls `f` with number tolerances: at once when both are numbers, undefined or one-element
 * tensors; otherwise once per batch element of A with that element's tolerances, stacking the
 * results back into A's batch shape (the ops underneath take one cutoff rule per call).
 */
export function withTolerances(
  op: string,
  A: Tensor,
  atol: ToleranceArg | undefined,
  rtol: ToleranceArg | undefined,
  f: (a: Tensor, atol: Scalar, rtol: Scalar) => Tensor,
): Tensor {
  checkMatrix(op, A);
  const batch = A.shape.slice(0, -2);
  const a = perMatrix(op, 'atol', atol, batch);
  const r = perMatrix(op, 'rtol', rtol, batch);
  if (!(a instanceof Float64Array) && !(r instanceof Float64Array)) return f(A, a, r);
  const count = numelOf(batch);
  if (count === 0) return f(A, undefined, undefined);
  const [m, n] = A.shape.slice(-2);
  const flat = reshape(A, [count, m, n]);
  const at = (v: Float64Array | Scalar, e: number) => (v instanceof Float64Array ? v[e] : v);
  const parts: Tensor[] = [];
  for (let e = 0; e < count; e++) {
    parts.push(f(flat.narrow(0, e, 1).reshape([m, n]), at(a, e), at(r, e)));
  }
  const out = stack(parts, 0);
  return reshape(out, [...batch, ...out.shape.slice(1)]);
}

/** A number (or undefined), or one value per matrix of the batch, row-major. */
function perMatrix(
  op: string,
  name: string,
  v: ToleranceArg | undefined,
  batch: readonly number[],
): Float64Array | Scalar {
  if (v === undefined || typeof v === 'number') return v;
  if (!isTensor(v)) {
    throw new TypeError(`${op}: ${name} must be a number or a Tensor, got ${typeof v}`);
  }
  if (v.device !== 'cpu') {
    throw new TypeError(
      `${op}: a ${name} tensor must be on the cpu (it sets the cutoff before any work); ` +
        `pass a number, or ${name}.to('cpu') after reading it with await`,
    );
  }
  if (v.numel === 1) return Number(v.dataSync()[0]);
  const shape = broadcastShapes(op, batch, v.shape);
  if (!sameShape(shape, batch)) {
    throw new RangeError(
      `${op}: ${name} of shape ${shapeStr(v.shape)} does not broadcast to the batch shape ` +
        `${shapeStr(batch)} of A (one tolerance per matrix)`,
    );
  }
  return Float64Array.from(expand(v.detach(), [...batch]).dataSync());
}
