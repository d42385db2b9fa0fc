/** Shape arithmetic shared by ops: sizes, strides, broadcasting, dim normalisation. */

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The batch dims of a (batch of) matrices [..., m, n]: all but the last two. */
export function batchOf(shape: readonly number[]): number[] {
  return shape.slice(0, -2);
}

/** Row-major (C-contiguous) strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy/PyTorch broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together ` +
          `(dimension ${i - n} is ${da} vs ${db}); make the sizes equal or 1`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Wraps a possibly negative dim into [0, ndim), with a PyTorch-like error. */
export function normDim(op: string, dim: number, ndim: number): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(
      `${op}: dimension out of range (expected to be in range of [${lo}, ${hi}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/**
 * Strides that read a tensor of shape `from` as if it had the broadcast shape `to`:
 * broadcast dims get stride 0.
 */
export function broadcastStrides(from: readonly number[], to: readonly number[]): number[] {
  const st = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) out[off + i] = from[i] === 1 ? 0 : st[i];
  return out;
}

/**
 * A number or nested arrays of numbers (what tensor() takes and toArray() returns).
 * @example
 * const rows: NestedArray = [[1, 2], [3, 4]];
 */
export type NestedArray = number | NestedArray[];

/** Row-major flat values as nested arrays of the given shape (a number for a 0-d shape). */
export function nest(data: ArrayLike<number>, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return data[0];
  const rec = (offset: number, d: number): NestedArray[] => {
    const n = shape[d];
    const out: NestedArray[] = new Array(n);
    if (d === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = data[offset + i];
      return out;
    }
    const stride = numelOf(shape.slice(d + 1));
    for (let i = 0; i < n; i++) out[i] = rec(offset + i * stride, d + 1);
    return out;
  };
  return rec(0, 0);
}
