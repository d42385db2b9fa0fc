/**
 * The small interface every backend implements: allocate, free, read, write, run kernels.
 * Everything else (shapes, autograd, op semantics) lives above this file.
 */

/**
 * Storage element types. Floats and complex are differentiable; int32 carries LAPACK-style info
 * and pivots. A complex tensor of n elements stores 2n numbers, interleaved (re, im): a
 * Float32Array (complex64) or Float64Array (complex128) on the CPU, a float32 buffer of 2n slots
 * on WebGPU (complex64 only), read in WGSL as `array<vec2<f32>>`.
 */
export type StorageDType = 'float32' | 'float64' | 'int32' | 'complex64' | 'complex128';
/**
 * Where a tensor lives: the CPU, or a WebGPU device after initWebGPU().
 * @example
 * tensor([1], { device: 'webgpu', dtype: 'float32' }).device; // 'webgpu'
 */
export type Device = 'cpu' | 'webgpu';
export type TypedArray = Float32Array | Float64Array | Int32Array;
/** The data of a float tensor: a batch of row-major matrices stored back to back, for the CPU kernels. */
export type FloatArray = Float32Array | Float64Array;

export interface CpuStorage {
  readonly device: 'cpu';
  readonly dtype: StorageDType;
  data: TypedArray;
}

export interface GpuStorage {
  readonly device: 'webgpu';
  /** The buffer's element type: a complex64 tensor's storage is float32, of 2n slots. */
  readonly dtype: 'float32' | 'int32';
  /** Number of 4-byte slots (not bytes; a complex64 tensor's storage has two per element). */
  readonly length: number;
  /** @internal The GPUBuffer (its type is kept out of the public declarations). */
  buffer: GPUBuffer;
  /**
   * A numerical failure found on the device (LinAlgError) that must be raised when this storage
   * is first read; set by linear-algebra kernels, checked by `read`.
   */
  pendingError?: () => Promise<Error | null>;
}

export type Storage = CpuStorage | GpuStorage;

/** What a CPU kernel sees of one tensor: its contiguous row-major data and its shape. */
export interface CpuView {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: StorageDType;
}

/** What a WebGPU kernel sees of one tensor. */
export interface GpuView {
  readonly storage: GpuStorage;
  readonly shape: readonly number[];
  /** The storage's dtype (float32 for a complex64 tensor). */
  readonly dtype: 'float32' | 'int32';
  /** True for a complex64 tensor: float32 storage of two slots, (re, im), per element. */
  readonly complex?: boolean;
}

/**
 * One WGSL dispatch. The module's entry point is `main`. Bindings in @group(0), in order:
 * `inputs` as read-only storage buffers (0..i-1), `outputs` as read_write storage buffers
 * (i..i+o-1), then, when `params` is given, one uniform buffer at binding i+o (up to 1024 bytes).
 * Kernels do not write this by hand: `wgslKernel` (backends/webgpu/kernel.ts) generates the
 * declarations from one `{ inputs, outputs, params }` spec and `kernelDispatch` this object.
 */
export interface WgslDispatch {
  code: string;
  inputs: GpuStorage[];
  outputs: GpuStorage[];
  params?: Uint32Array;
  workgroups: readonly [number, number?, number?];
  /**
   * The loop rule (backends/webgpu/loops.ts): the most loop iterations one invocation of this
   * dispatch runs, counting every iteration of every loop (nested ones each time, loops in helper
   * functions and in branches too), at most LOOP_BUDGET. Work that needs more is split over
   * several dispatches (loopChunks). The runtime rejects a larger bound, and with checkLoops fails
   * a dispatch that runs more than it states.
   */
  loops: number;
}
