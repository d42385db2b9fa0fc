/**
 * Complex64 matrix products on the device, the complex counterpart of bmmGpu in matmul.ts: the
 * same TILE×TILE workgroup tiling (tiles of `vec2<f32>` in workgroup memory, one complex
 * multiply-add per step through the C64 descriptor) and the same split of k over dispatches for
 * the loop rule, plus broadcast batches (a batch of 1 in A or B is read for every batch of C).
 * Storage: a complex64 tensor of n elements is a float32 GpuStorage of 2n slots, read as
 * `array<vec2<f32>>`; shapes count complex elements.
 */
import type { GpuStorage } from '../../backend.js';
import { C64, needBuffer, needSizes } from '../kernel.js';
import type { WebGPURuntime } from '../runtime.js';
import { bmmKernel, dispatchBmm } from './matmul.js';

/** What the complex kernel sees of one complex64 tensor (its storage holds 2 floats per element). */
export interface ComplexGpuView {
  readonly storage: GpuStorage;
  readonly shape: readonly number[];
}

/**
 * Batched complex64 product c = a·b of [Ba, m, k] and [Bb, k, n] into [B, m, n], where
 * B = c.shape[0] and each of Ba, Bb is B or 1 (broadcast). c is overwritten.
 */
export function bmmComplexGpu(
  gpu: WebGPURuntime,
  a: ComplexGpuView,
  b: ComplexGpuView,
  c: ComplexGpuView,
): void {
  const op = 'matmul';
  const [Ba, m, k] = a.shape as [number, number, number];
  const [Bb, k2, n] = b.shape as [number, number, number];
  const [B, m2, n2] = c.shape as [number, number, number];
  needSizes(op, { B, m, k, n });
  if (k !== k2 || m !== m2 || n !== n2 || (Ba !== B && Ba !== 1) || (Bb !== B && Bb !== 1)) {
    throw new RangeError(
      `${op}: complex product of [${a.shape}] and [${b.shape}] into [${c.shape}]: the inner dims must match and ` +
        'each batch must be 1 or that of the result',
    );
  }
  if (B === 0 || m === 0 || n === 0) return;
  needBuffer(op, 'a', a.storage, C64, Ba * m * k);
  needBuffer(op, 'b', b.storage, C64, Bb * k * n);
  needBuffer(op, 'c', c.storage, C64, B * m * n);
  dispatchBmm(
    gpu,
    CBMM,
    'matmul (complex64)',
    { a: a.storage, b: b.storage, c: c.storage },
    [B, m, k, n],
    [Ba === 1 ? 0 : m * k, Bb === 1 ? 0 : k * n],
  );
}

// The kernel is matmul.ts's tiled product instantiated for C64.
const CBMM = bmmKernel(C64, 'matmul_complex64');
