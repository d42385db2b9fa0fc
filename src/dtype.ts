import type { StorageDType, TypedArray } from './backends/backend.js';

/** Public dtypes: complex64 (CPU and WebGPU) and complex128 (CPU) are stored as interleaved (re, im). */
export type DType = 'float32' | 'float64' | 'complex64' | 'complex128' | 'int32';
/** The floating-point dtypes (differentiable; the default dtype is one of them). */
export type FloatDType = 'float32' | 'float64';

let defaultDtype: FloatDType = 'float64';

/**
 * Dtype used for JS numbers and nested arrays (PyTorch uses float32; NumPy users expect float64).
 * @example
 * setDefaultDtype('float32');
 * tensor([1, 2]).dtype; // 'float32'
 * setDefaultDtype('float64'); // the default
 */
export function setDefaultDtype(dtype: FloatDType): void {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new TypeError(`setDefaultDtype: expected 'float32' or 'float64', got ${String(dtype)}`);
  }
  defaultDtype = dtype;
}

/**
 * The dtype of tensors made from JS numbers without a `dtype` option (float64 unless changed).
 * @example
 * getDefaultDtype(); // 'float64'
 */
export function getDefaultDtype(): FloatDType {
  return defaultDtype;
}

/** Checks a user-supplied dtype and narrows it to one this version stores. */
export function checkDtype(dtype: DType | undefined, where: string): StorageDType {
  if (dtype === undefined) return defaultDtype;
  if (
    dtype === 'float32' ||
    dtype === 'float64' ||
    dtype === 'int32' ||
    dtype === 'complex64' ||
    dtype === 'complex128'
  )
    return dtype;
  throw new TypeError(
    `${where}: unknown dtype ${String(dtype)}; expected float32, float64, complex64, complex128 or int32`,
  );
}

/**
 * PyTorch-style promotion for two tensor dtypes: complex wins over real, float64 over float32,
 * floats over int32; a complex and a real dtype give the complex dtype wide enough for both
 * (float64 + complex64 → complex128).
 * @example
 * promoteTypes('float32', 'complex64'); // 'complex64'
 * promoteTypes('float64', 'complex64'); // 'complex128'
 */
export function promoteTypes(a: StorageDType, b: StorageDType): StorageDType {
  if (a === b) return a;
  if (isComplex(a) || isComplex(b)) {
    const wide = a === 'float64' || b === 'float64' || a === 'complex128' || b === 'complex128';
    return wide ? 'complex128' : 'complex64';
  }
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
}

/** The complex dtypes. */
export type ComplexDType = 'complex64' | 'complex128';

/** True for complex64 and complex128. @example isComplex('complex64'); // true */
export function isComplex(dtype: DType): dtype is ComplexDType {
  return dtype === 'complex64' || dtype === 'complex128';
}

/** Floating-point or complex: the dtypes that carry gradients. */
export function isDifferentiableDtype(dtype: DType): dtype is FloatDType | ComplexDType {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'complex64' || dtype === 'complex128';
}

/**
 * The dtype of the real and imaginary parts (complex64 → float32, complex128 → float64); a real
 * dtype is its own.
 * @example
 * realDtypeOf('complex64'); // 'float32'
 */
export function realDtypeOf(dtype: StorageDType): Exclude<StorageDType, ComplexDType> {
  if (dtype === 'complex64') return 'float32';
  if (dtype === 'complex128') return 'float64';
  return dtype;
}

/**
 * The complex dtype with parts of `dtype` (float32 → complex64, float64 → complex128); a complex
 * dtype is its own; int32 gives the complex of the default float dtype.
 * @example
 * complexDtypeOf('float64'); // 'complex128'
 */
export function complexDtypeOf(dtype: StorageDType): ComplexDType {
  if (dtype === 'complex64' || dtype === 'complex128') return dtype;
  if (dtype === 'float32') return 'complex64';
  if (dtype === 'float64') return 'complex128';
  return defaultDtype === 'float32' ? 'complex64' : 'complex128';
}

/** Storage numbers per element: 2 for complex (re, im), else 1. */
export function dtypeWidth(dtype: StorageDType): 1 | 2 {
  return dtype === 'complex64' || dtype === 'complex128' ? 2 : 1;
}

export function isFloat(dtype: StorageDType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * Machine epsilon (the spacing of numbers near 1), as numpy.finfo(dtype).eps.
 * @example
 * eps('float64'); // 2.220446049250313e-16
 * eps('float32'); // 1.1920928955078125e-7
 */
export function eps(dtype: FloatDType): number {
  return dtype === 'float32' ? 2 ** -23 : 2 ** -52;
}

/** Zeroed storage for `numel` elements of `dtype` (complex: 2·numel interleaved numbers). */
export function allocArray(dtype: StorageDType, numel: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(numel);
    case 'float64':
      return new Float64Array(numel);
    case 'int32':
      return new Int32Array(numel);
    case 'complex64':
      return new Float32Array(2 * numel);
    case 'complex128':
      return new Float64Array(2 * numel);
  }
}

/** The real dtype of a typed array (it cannot tell complex storage: callers of complex pass the dtype). */
export function dtypeOfArray(a: TypedArray): StorageDType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

/** The floating-point dtypes, as an op's section lists them (`dtypes: floatDtypes`). */
export const floatDtypes: readonly StorageDType[] = ['float32', 'float64'];
/** Every real dtype a tensor stores (the ops that move or pick entries accept any). */
export const allDtypes: readonly StorageDType[] = ['float32', 'float64', 'int32'];
/** The complex dtypes, as an op's section lists them. */
export const complexDtypes: readonly StorageDType[] = ['complex64', 'complex128'];
/** Every dtype, complex included (shape ops, copies and casts). */
export const everyDtype: readonly StorageDType[] = [...allDtypes, ...complexDtypes];
