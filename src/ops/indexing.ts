import { normDim, shapeStr, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';
import { mul } from './elementwise.js';
import { sum } from './reduce.js';
import { apply1 } from './registry.js';
import { cat, diagonal, expand, narrow, narrowOp, reshape, unsqueeze } from './shape.js';

/**
 * Indexing and layout functions built from the shape ops: slices with a step and flips are one
 * strided view (the narrow view op with a step or a negative stride), the rest are narrows, cats,
 * expands and reshapes, so every rule (backward, jvp, vmap, WGSL) is the shape ops'.
 */

/**
 * Entries start, start + step, … below end of `dim` (Python slicing: negative start/end count
 * from the end and are clamped; step ≥ 1).
 * @example
 * slice(arange(6), 0, 1, -1, 2); // tensor([1., 3.])
 */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  if (x.ndim === 0) throw new RangeError('slice: slice() cannot be applied to a 0-dim tensor');
  const d = normDim('slice', dim, x.ndim);
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice: step must be positive, got ${step}`);
  const size = x.shape[d];
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const lo = start === undefined ? 0 : clampIdx(start);
  const hi = end === undefined ? size : clampIdx(end);
  const len = hi > lo ? Math.ceil((hi - lo) / step) : 0;
  if (step === 1) return narrow(x, d, lo, len);
  const st = stridesOf(x.shape);
  const shape = [...x.shape];
  shape[d] = len;
  const strides = [...st];
  strides[d] = st[d] * step;
  return apply1(narrowOp, [x], { shape, strides, offset: len === 0 ? 0 : lo * st[d] });
}

/**
 * Reverses the order of entries along each of `dims`.
 * @example
 * flip(tensor([[1, 2], [3, 4]]), [1]); // tensor([[2., 1.], [4., 3.]])
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const list = typeof dims === 'number' ? [dims] : dims;
  const ds = list.map((k) => normDim('flip', k, x.ndim));
  if (new Set(ds).size !== ds.length)
    throw new RangeError(`flip: dims has duplicates, got ${shapeStr(list)}`);
  if (x.ndim === 0) return x;
  const st = stridesOf(x.shape);
  const strides = [...st];
  let offset = 0;
  for (const k of ds) {
    if (x.shape[k] <= 1) continue;
    strides[k] = -st[k];
    offset += (x.shape[k] - 1) * st[k];
  }
  if (strides.every((s, i) => s === st[i]) || x.numel === 0) return x;
  return apply1(narrowOp, [x], { shape: x.shape, strides, offset });
}

/**
 * Shifts entries by `shifts` along `dim`, wrapping around (torch.roll); without `dim`, the
 * flattened tensor rolls and keeps its shape.
 * @example
 * roll(tensor([1, 2, 3]), 1); // tensor([3., 1., 2.])
 */
export function roll(
  x: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  const sh = typeof shifts === 'number' ? [shifts] : [...shifts];
  if (dims === undefined) {
    if (sh.length !== 1)
      throw new RangeError(`roll: shifts must be one number when dims is not given, got ${shapeStr(sh)}`);
    return reshape(roll(reshape(x, [-1]), sh[0], 0), x.shape);
  }
  const ds = typeof dims === 'number' ? [dims] : dims;
  if (ds.length !== sh.length)
    throw new RangeError(
      `roll: shifts and dims must have the same length, got ${sh.length} and ${ds.length}`,
    );
  let out = x;
  ds.forEach((dim, i) => {
    const d = normDim('roll', dim, x.ndim);
    const n = x.shape[d] ?? 1; // a 0-d tensor rolls onto itself
    if (n === 0) return;
    const s = ((sh[i] % n) + n) % n;
    if (s === 0) return;
    out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d);
  });
  return out;
}

/**
 * Tiles x `reps[i]` times along dim i (torch.Tensor.repeat; extra leading reps add dims).
 * @example
 * repeat(tensor([1, 2]), [2, 2]); // tensor([[1., 2., 1., 2.], [1., 2., 1., 2.]])
 */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < x.ndim)
    throw new RangeError(
      `repeat: number of repeat dims (${reps.length}) can not be smaller than number of tensor dims (${x.ndim})`,
    );
  if (reps.some((r) => !Number.isInteger(r) || r < 0))
    throw new RangeError(`repeat: repeats must be non-negative integers, got ${shapeStr(reps)}`);
  const shape = [...Array(reps.length - x.ndim).fill(1), ...x.shape];
  // [s0, …] → [1, s0, 1, s1, …] → expand to [r0, s0, r1, s1, …] → [r0·s0, r1·s1, …]
  const inter = shape.flatMap((s) => [1, s]);
  const big = shape.flatMap((s, i) => [reps[i], s]);
  return reshape(
    expand(reshape(x, inter), big),
    shape.map((s, i) => s * reps[i]),
  );
}

/**
 * Pieces along `dim`: of `size` entries each (the last may be shorter), or of the given sizes.
 * @example
 * split(arange(5), 2).map((t) => t.shape); // [[2], [2], [1]]
 */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  if (x.ndim === 0) throw new RangeError('split: expected at least a 1-dimensional tensor');
  const d = normDim('split', dim, x.ndim);
  const n = x.shape[d];
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 0 || (sizes === 0 && n !== 0))
      throw new RangeError(`split: split_size must be a positive integer, got ${sizes}`);
    list = [];
    for (let at = 0; at < n; at += sizes) list.push(Math.min(sizes, n - at));
    if (list.length === 0) list.push(0);
  } else {
    list = [...sizes];
    const total = list.reduce((a, b) => a + b, 0);
    if (list.some((s) => !Number.isInteger(s) || s < 0) || total !== n)
      throw new RangeError(
        `split: split_with_sizes expects split_sizes to sum exactly to ${n} (input tensor's size at dimension ${d}), but got split_sizes=${shapeStr(list)}`,
      );
  }
  let at = 0;
  return list.map((len) => {
    const t = narrow(x, d, at, len);
    at += len;
    return t;
  });
}

/**
 * `chunks` pieces of (at most) equal size along `dim` (torch.chunk: may return fewer).
 * @example
 * chunk(arange(6), 3).length; // 3
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1)
    throw new RangeError(`chunk: number of chunks must be greater than 0, got ${chunks}`);
  if (x.ndim === 0) throw new RangeError('chunk: expected at least a 1-dimensional tensor');
  const d = normDim('chunk', dim, x.ndim);
  const n = x.shape[d];
  return split(x, Math.max(1, Math.ceil(n / chunks)), d);
}

/**
 * Constant padding, `pad = [left, right]` for the last dim, then the dim before, … (torch's
 * F.pad order); the gradient is the unpadded part.
 * @example
 * pad(tensor([1, 2]), [1, 2]); // tensor([0., 1., 2., 0., 0.])
 */
export function pad(x: Tensor, widths: readonly number[], value = 0): Tensor {
  if (widths.length % 2 !== 0 || widths.length / 2 > x.ndim)
    throw new RangeError(
      `pad: padding length must be even and at most twice the number of dims (${x.ndim}), got ${widths.length}`,
    );
  if (widths.some((w) => !Number.isInteger(w) || w < 0))
    throw new RangeError(`pad: padding sizes must be non-negative integers, got ${shapeStr(widths)}`);
  let out = x;
  for (let i = 0; i < widths.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const [l, r] = [widths[2 * i], widths[2 * i + 1]];
    if (l === 0 && r === 0) continue;
    const side = (w: number) => {
      const s = [...out.shape];
      s[d] = w;
      return full(s, value, { dtype: x.dtype, device: x.device });
    };
    out = cat([...(l ? [side(l)] : []), out, ...(r ? [side(r)] : [])], d);
  }
  return out;
}

/**
 * The outer product of two vectors, a[i]·b[j].
 * @example
 * outer(tensor([1, 2]), tensor([1, 10])); // tensor([[1., 10.], [2., 20.]])
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1)
    throw new RangeError(
      `outer: expected 1-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`,
    );
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

/**
 * The sum of the main diagonal of a matrix.
 * @example
 * trace(tensor([[1, 2], [3, 4]])); // tensor(5.)
 */
export function trace(x: Tensor): Tensor {
  if (x.ndim !== 2)
    throw new RangeError(`trace: expected a matrix, but got tensor with shape ${shapeStr(x.shape)}`);
  return sum(diagonal(x), -1);
}

/**
 * The Kronecker product: block (i, j) of the result is a[i, j]·b (dims aligned from the right).
 * @example
 * kron(eye(2), tensor([[1, 2]])).shape; // [2, 4]
 */
export function kron(a: Tensor, b: Tensor): Tensor {
  const nd = Math.max(a.ndim, b.ndim);
  const sa = [...Array(nd - a.ndim).fill(1), ...a.shape];
  const sb = [...Array(nd - b.ndim).fill(1), ...b.shape];
  const prod = mul(
    reshape(
      a,
      sa.flatMap((s) => [s, 1]),
    ),
    reshape(
      b,
      sb.flatMap((s) => [1, s]),
    ),
  );
  return reshape(
    prod,
    sa.map((s, i) => s * sb[i]),
  );
}
