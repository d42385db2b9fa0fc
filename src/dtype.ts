import type { StorageDType, TypedArray } from './backends/backend.js';

/** Public dtypes. Complex dtypes are reserved in the type; asking for them is a clear error for now. */
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
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'int32') return dtype;
  if (dtype === 'complex64' || dtype === 'complex128') {
    throw new TypeError(`${where}: dtype ${dtype} is not supported yet; use float32 or float64`);
  }
  throw new TypeError(`${where}: unknown dtype ${String(dtype)}; expected float32 or float64`);
}

/** PyTorch-style promotion for two tensor dtypes: float64 wins over float32, floats win over int32. */
export function promoteTypes(a: StorageDType, b: StorageDType): StorageDType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
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

export function allocArray(dtype: StorageDType, length: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int32':
      return new Int32Array(length);
  }
}

export function dtypeOfArray(a: TypedArray): StorageDType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

/** The floating-point dtypes, as an op's section lists them (`dtypes: floatDtypes`). */
export const floatDtypes: readonly StorageDType[] = ['float32', 'float64'];
/** Every dtype a tensor stores (shape ops, cast and clone accept any). */
export const allDtypes: readonly StorageDType[] = ['float32', 'float64', 'int32'];
