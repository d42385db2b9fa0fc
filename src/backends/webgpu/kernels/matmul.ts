import type { GpuStorage, GpuView } from '../../backend.js';
import { F32, type Kernel, runKernel, type WgslScalar, wgslKernel } from '../kernel.js';
import { loopChunks } from '../loops.js';
import type { WebGPURuntime } from '../runtime.js';

const TILE = 8;
const MAX_Z = 65535;

/** Batched matrix product c = a·b of [B, m, k] and [B, k, n] on the device, in tiles of TILE×TILE. */
export function bmmGpu(gpu: WebGPURuntime, a: GpuView, b: GpuView, c: GpuView): void {
  const [B, m, k] = a.shape;
  dispatchBmm(
    gpu,
    BMM,
    'matmul',
    { a: a.storage, b: b.storage, c: c.storage },
    [B, m, k, b.shape[2]],
    [m * k, k * b.shape[2]],
  );
}

/**
 * @internal The dispatches of one batched product C[z] = A[z]·B[z] with `kernel` (bmmKernel of
 * some scalar): sizes [B, m, k, n], batch strides [sa, sb] of A and B in elements (0 for a
 * broadcast batch of 1). Tile t of the k dimension costs TILE + 1 loop iterations; long products
 * are split over dispatches of consecutive tiles, each adding its part to C (the loop rule), and
 * k = 0 is one dispatch over no tiles, which writes zeros.
 */
export function dispatchBmm(
  gpu: WebGPURuntime,
  kernel: Kernel,
  op: string,
  st: { a: GpuStorage; b: GpuStorage; c: GpuStorage },
  [B, m, k, n]: readonly number[],
  [sa, sb]: readonly number[],
): void {
  const tiles = loopChunks(op, Math.ceil(k / TILE), () => TILE + 1);
  for (let z0 = 0; z0 < B; z0 += MAX_Z) {
    for (const { k0, k1, loops } of tiles) {
      runKernel(gpu, kernel, {
        buffers: { A: st.a, B: st.b, C: st.c },
        params: { M: m, K: k, N: n, z0, k0: k0 * TILE, k1: Math.min(k, k1 * TILE), sa, sb },
        workgroups: [Math.ceil(n / TILE), Math.ceil(m / TILE), Math.min(MAX_Z, B - z0)],
        loops,
      });
    }
  }
}

// C[z] (+)= A[z][:, k0..k1) · B[z][k0..k1, :]: C is overwritten when k0 = 0, added to otherwise.
// sa, sb: the batch strides of A and B in elements (0 for a broadcast batch of 1).
/** @internal The tiled product kernel for elements of scalar S (F32 here, C64 for complex64). */
export function bmmKernel(S: WgslScalar, name = 'matmul'): Kernel {
  return wgslKernel(
    {
      name,
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

const BMM = bmmKernel(F32);
