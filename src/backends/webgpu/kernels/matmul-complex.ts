/**
 * Complex64 matrix products on the device, the complex counterpart of bmmGpu in matmul.ts: the
 * same TILE×TILE workgroup tiling (tiles of `vec2<f32>` in workgroup memory, one complex
 * multiply-add per step through the C64 descriptor) and the same split of k over dispatches for
 * the loop rule, plus broadcast batches (a batch of 1 in A or B is read for every batch of C).
 * Storage: a complex64 tensor of n elements is a float32 GpuStorage of 2n slots, read as
 * `array<vec2<f32>>`; shapes count complex elements.
 */
import type { GpuStorage } from '../../backend.js';
import { C64, type Kernel, needBuffer, needSizes, runKernel, wgslKernel } from '../kernel.js';
import { loopChunks } from '../loops.js';
import type { WebGPURuntime } from '../runtime.js';

const TILE = 8;
const MAX_Z = 65535;

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
  // Tile t of the k dimension costs TILE + 1 loop iterations (its TILE steps and the tile loop's
  // own); long products are split over dispatches of consecutive tiles, each adding its part to
  // C. k = 0 is one dispatch over no tiles, which writes zeros.
  const tiles = loopChunks('matmul (complex64)', Math.ceil(k / TILE), () => TILE + 1);
  for (let z0 = 0; z0 < B; z0 += MAX_Z) {
    for (const { k0, k1, loops } of tiles) {
      runKernel(gpu, CBMM, {
        buffers: { A: a.storage, B: b.storage, C: c.storage },
        params: {
          M: m,
          K: k,
          N: n,
          z0,
          k0: k0 * TILE,
          k1: Math.min(k, k1 * TILE),
          sa: Ba === 1 ? 0 : m * k,
          sb: Bb === 1 ? 0 : k * n,
        },
        workgroups: [Math.ceil(n / TILE), Math.ceil(m / TILE), Math.min(MAX_Z, B - z0)],
        loops,
      });
    }
  }
}

// C[z] (+)= A[z][:, k0..k1) · B[z][k0..k1, :]: C is overwritten when k0 = 0, added to otherwise.
// sa, sb: the batch strides of A and B in complex elements (0 for a broadcast batch of 1).
function complexBmmKernel(): Kernel {
  const S = C64;
  return wgslKernel(
    {
      name: 'matmul_complex64',
      inputs: { A: S, B: S },
      outputs: { C: S },
      params: { M: 'u32', K: 'u32', N: 'u32', z0: 'u32', k0: 'u32', k1: 'u32', sa: 'u32', sb: 'u32' },
    },
    `var<workgroup> ta: array<array<${S.wgsl}, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<${S.wgsl}, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = params.M;
  let K = params.K;
  let N = params.N;
  let z = wid.z + params.z0;
  let row = wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  let aBase = z * params.sa;
  let bBase = z * params.sb;
  let k0 = params.k0;
  let k1 = params.k1;
  var acc = ${S.zero};
  if (k0 > 0u && row < M && col < N) { acc = C[z * M * N + row * N + col]; }
  for (var t = k0; t < k1; t += ${TILE}u) {
    let ac = t + lid.x;
    let br = t + lid.y;
    ta[lid.y][lid.x] = select(${S.zero}, A[min(aBase + row * K + ac, arrayLength(&A) - 1u)], row < M && ac < k1);
    tb[lid.y][lid.x] = select(${S.zero}, B[min(bBase + br * N + col, arrayLength(&B) - 1u)], br < k1 && col < N);
    workgroupBarrier();
    for (var q = 0u; q < ${TILE}u; q++) { acc = ${S.add('acc', S.mul('ta[lid.y][q]', 'tb[q][lid.x]'))}; }
    workgroupBarrier();
  }
  if (row < M && col < N) { C[z * M * N + row * N + col] = acc; }
}`,
  );
}

const CBMM = complexBmmKernel();
