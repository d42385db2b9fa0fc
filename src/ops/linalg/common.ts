import type { GpuStorage, StorageDType } from '../../backends/backend.js';
import type { WebGPURuntime } from '../../backends/webgpu/runtime.js';
import { isFloat } from '../../dtype.js';
import { LinAlgError } from '../../errors.js';
import { numelOf, shapeStr } from '../../shape.js';
import type { TensorMeta } from '../registry.js';

/** Validates a batch of square matrices (…, n, n) and returns [batch, n]. */
export function checkSquare(op: string, a: TensorMeta, name = 'A'): [number, number] {
  checkMatrix(op, a, name);
  const [m, n] = a.shape.slice(-2);
  if (m !== n) {
    throw new RangeError(
      `${op}: ${name} must be batches of square matrices, but they are ${m} by ${n} matrices`,
    );
  }
  return [numelOf(a.shape.slice(0, -2)), n];
}

/** Internal ops take operands with equal batch dims (public wrappers broadcast first). */
export function checkSameBatch(op: string, a: readonly number[], b: readonly number[]): void {
  const ba = a.slice(0, -2);
  const bb = b.slice(0, -2);
  if (ba.length !== bb.length || ba.some((d, i) => d !== bb[i])) {
    throw new RangeError(
      `${op}: A and B must have the same batch dimensions here, got ${shapeStr(a)} and ${shapeStr(b)}`,
    );
  }
}

/** [batch, n, nrhs] of A [..., n, n] and B ([..., n, k] when left, [..., k, n] when not). */
export function matrixDims(
  a: readonly number[],
  b: readonly number[],
  left: boolean,
): [number, number, number] {
  const n = a[a.length - 1];
  return [numelOf(a.slice(0, -2)), n, left ? b[b.length - 1] : b[b.length - 2]];
}

/** Validates a floating-point batch of matrices (…, m, n). */
export function checkMatrix(op: string, a: TensorMeta, name = 'A'): void {
  if (a.shape.length < 2) {
    throw new RangeError(
      `${op}: The input tensor ${name} must have at least 2 dimensions (got shape ${shapeStr(a.shape)})`,
    );
  }
  checkFloat(op, a.dtype, name);
}

/**
 * A boolean option (upper, left, hermitian, …): absent gives `fallback`; anything but true or false
 * is a TypeError, where JavaScript's truthiness would silently read 'false' or 0 as a choice.
 */
export function boolOption(op: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (v === true || v === false) return v;
  throw new TypeError(
    `${op}: ${name} must be true or false, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`,
  );
}

export function checkFloat(op: string, dtype: StorageDType, name = 'A'): void {
  if (!isFloat(dtype)) {
    throw new TypeError(
      `${op}: Expected a floating point tensor as ${name}, but got ${dtype}; convert it with .to('float64')`,
    );
  }
}

/** A and B of a solve-like op must share a dtype, as in PyTorch (no silent promotion). */
export function checkSameDtype(op: string, a: TensorMeta, b: TensorMeta): void {
  if (a.dtype !== b.dtype) {
    throw new TypeError(
      `${op}: Expected A and B to have the same dtype, but got A with dtype ${a.dtype} and B with dtype ${b.dtype}; convert one with .to()`,
    );
  }
}

/** The kinds of numerical failure, each with PyTorch's wording. */
export type Failure = 'singular-inverse' | 'singular-solve' | 'not-pd' | 'lu-singular';

function failureText(kind: Failure, k: number): string {
  switch (kind) {
    case 'singular-inverse':
      return `The diagonal element ${k} is zero, the inversion could not be completed because the input matrix is singular.`;
    case 'singular-solve':
      return 'The solver failed because the input matrix is singular.';
    case 'lu-singular':
      return `U[${k},${k}] is zero and using it on luSolve would result in a division by zero. If you still want to perform the factorization, call linalg.luFactorEx(A), which returns info instead of raising.`;
    case 'not-pd':
      return `The factorization could not be completed because the input is not positive-definite (the leading minor of order ${k} is not positive-definite).`;
  }
}

/**
 * The LinAlgError for the first failing batch element of `info` (LAPACK-style: 0 = success), or
 * null. `batched` adds PyTorch's "(Batch element k): " prefix.
 */
export function infoError(op: string, info: Int32Array, batched: boolean, kind: Failure): LinAlgError | null {
  for (let b = 0; b < info.length; b++) {
    if (info[b] !== 0) {
      const where = batched ? `(Batch element ${b}): ` : '';
      return new LinAlgError(`${op}: ${where}${failureText(kind, info[b])}`);
    }
  }
  return null;
}

/** Throws the LinAlgError for a CPU info array, if any element failed. */
export function raiseOnInfo(op: string, info: Int32Array, batched: boolean, kind: Failure): void {
  const e = infoError(op, info, batched, kind);
  if (e) throw e;
}

/**
 * On WebGPU the info array is computed on the device. Its read starts at once (asynchronously:
 * nothing waits for it here) and the buffer is freed when it completes (unless `freeInfo` is false:
 * the *Ex ops return info to the caller, who owns it); the outputs, and every
 * tensor later computed from them, raise the resulting LinAlgError when they are first read.
 */
export function deferInfoCheck(
  gpu: WebGPURuntime,
  outputs: readonly GpuStorage[],
  info: GpuStorage,
  op: string,
  batched: boolean,
  kind: Failure,
  freeInfo = true,
): void {
  const result: Promise<Error | null> = gpu.read(info).then(
    (data) => infoError(op, data as Int32Array, batched, kind),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  if (freeInfo) void result.finally(() => gpu.free(info));
  const check = () => result;
  for (const s of outputs) s.pendingError = check;
}

/**
 * Per-matrix power-of-two exponents for kernels whose norms and rotations lose accuracy near the
 * ends of the range: e with 2^e·max|a| near 1 for each matrix whose max|a| lies outside
 * [2^−range, 2^range], 0 for the others; null when every matrix is in range and free of subnormal
 * entries (the common case costs one pass). Subnormal entries of a matrix whose max is normal
 * make the rotations of the iterations inaccurate (1e-6 relative in σ₁ from a 1e-319 entry), so
 * their presence also asks for the copy, in which `scaledCopy` flushes them to zero: a backward
 * error below 2^-1022, far under eps·‖A‖ for a matrix in range. With `triangle` (n×n matrices of
 * which only the lower or upper triangle is read, as eigh) only that triangle sets the scale.
 */
export function rangeScales(
  a: ArrayLike<number>,
  batch: number,
  size: number,
  triangle?: { n: number; upper: boolean },
): Int32Array | null {
  const f32 = a instanceof Float32Array;
  const range = f32 ? 60 : 500;
  const tiny = f32 ? 2 ** -126 : 2 ** -1022;
  let exps: Int32Array | null = null;
  for (let b = 0; b < batch; b++) {
    let big = 0;
    let small = Infinity;
    for (let i = b * size; i < (b + 1) * size; i++) {
      if (triangle) {
        const r = Math.floor((i - b * size) / triangle.n);
        const c = (i - b * size) % triangle.n;
        if (triangle.upper ? c < r : c > r) continue;
      }
      const v = Math.abs(a[i]);
      if (v > big) big = v;
      if (v !== 0 && v < small) small = v;
    }
    if (!(big > 0) || !Number.isFinite(big)) continue;
    const e = Math.floor(Math.log2(big));
    if (Math.abs(e) <= range && small >= tiny) continue;
    exps ??= new Int32Array(batch);
    exps[b] = Math.abs(e) <= range ? 0 : -e;
  }
  return exps;
}

/** x·2^e in two steps, so that 2^e itself cannot overflow (e down to −2100 and up to 2100). */
export const timesPow2 = (x: number, e: number): number => x * 2 ** (e >> 1) * 2 ** (e - (e >> 1));

/** A copy of the batch with matrix b multiplied by 2^exps[b] and subnormal results flushed to 0. */
export function scaledCopy<T extends Float32Array | Float64Array>(a: T, exps: Int32Array, size: number): T {
  const out = a.slice() as T;
  const tiny = a instanceof Float32Array ? 2 ** -126 : 2 ** -1022;
  for (let b = 0; b < exps.length; b++) {
    const e = exps[b];
    for (let i = b * size; i < (b + 1) * size; i++) {
      const v = e === 0 ? out[i] : timesPow2(out[i], e);
      out[i] = Math.abs(v) < tiny ? 0 : v;
    }
  }
  return out;
}
