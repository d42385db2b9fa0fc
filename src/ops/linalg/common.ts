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

/** True for a value that is a tensor-like meta of a complex dtype (a Tensor or TensorMeta). */
function isComplexArg(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const dt = (v as { dtype?: unknown }).dtype;
  return (dt === 'complex64' || dt === 'complex128') && Array.isArray((v as { shape?: unknown }).shape);
}

/**
 * The linalg namespace with one complex-input check in front of every function: until linalg
 * works over ℂ, a complex tensor argument (directly or in an array) raises
 * `linalg.<op>: complex inputs are not supported yet` instead of a wrong number.
 */
export function rejectComplex<T extends Record<string, unknown>>(ns: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(ns)) {
    // matmul is not linear algebra proper: its complex GEMM is the matmul op's own.
    if (typeof fn !== 'function' || name === 'matmul') {
      out[name] = fn;
      continue;
    }
    out[name] = (...args: unknown[]) => {
      for (const a of args) {
        if (isComplexArg(a) || (Array.isArray(a) && a.some(isComplexArg))) {
          throw new TypeError(`linalg.${name}: complex inputs are not supported yet`);
        }
      }
      return (fn as (...xs: unknown[]) => unknown)(...args);
    };
  }
  return out as T;
}
