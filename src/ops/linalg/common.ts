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

/** Validates a floating-point batch of matrices (…, m, n). */
export function checkMatrix(op: string, a: TensorMeta, name = 'A'): void {
  if (a.shape.length < 2) {
    throw new RangeError(
      `${op}: The input tensor ${name} must have at least 2 dimensions (got shape ${shapeStr(a.shape)})`,
    );
  }
  checkFloat(op, a.dtype, name);
}

export function checkFloat(op: string, dtype: StorageDType, name = 'A'): void {
  if (!isFloat(dtype)) {
    throw new TypeError(
      `${op}: Expected a floating point tensor as ${name}, but got ${dtype}; convert it with .to('float64')`,
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
 * On WebGPU the info array stays on the device: the outputs carry a check that reads it when one of
 * them is first read, and raises the same LinAlgError there. The info buffer is freed after the
 * check, or with the last output that could still need it.
 */
export function deferInfoCheck(
  gpu: WebGPURuntime,
  outputs: readonly GpuStorage[],
  info: GpuStorage,
  op: string,
  batched: boolean,
  kind: Failure,
): void {
  let result: Promise<Error | null> | null = null;
  let live = outputs.length;
  const check = () => {
    result ??= gpu.read(info).then((data) => {
      gpu.free(info);
      return infoError(op, data as Int32Array, batched, kind);
    });
    return result;
  };
  for (const s of outputs) {
    s.pendingError = check;
    s.onFree = () => {
      if (--live === 0 && !result) gpu.free(info);
    };
  }
}
