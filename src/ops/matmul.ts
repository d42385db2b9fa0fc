import { type FloatArray, gemm } from '../backends/cpu/linalg/triangular.js';
import { loopChunks } from '../backends/webgpu/loops.js';
import { wgslParams } from '../backends/webgpu/runtime.js';
import { promoteTypes } from '../dtype.js';
import { broadcastShapes, numelOf, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './misc.js';
import { apply1, defineOp, requireFloat } from './registry.js';
import { expand, mT, reshape, squeeze, unsqueeze } from './shape.js';

const TILE = 8;
const MAX_Z = 65535;

/** Batched matrix product of [B, m, k] and [B, k, n] (same dtype); matmul reduces everything to this. */
/** Below this many multiply-adds per matrix the plain loops beat the blocked kernel's setup. */
const GEMM_MIN_WORK = 4096;

/** i-p-j loops: the innermost loop walks rows of B and C contiguously. */
function smallProduct(
  A: ArrayLike<number>,
  Bm: ArrayLike<number>,
  C: { [i: number]: number },
  B: number,
  m: number,
  k: number,
  n: number,
) {
  for (let z = 0; z < B; z++) {
    const ao = z * m * k;
    const bo = z * k * n;
    const co = z * m * n;
    for (let i = 0; i < m; i++) {
      const crow = co + i * n;
      for (let p = 0; p < k; p++) {
        const aip = A[ao + i * k + p];
        const brow = bo + p * n;
        for (let j = 0; j < n; j++) C[crow + j] += aip * Bm[brow + j];
      }
    }
  }
}

/** The GEMM of the linear-algebra kernels (WebAssembly SIMD); float32 goes through float64 scratch. */
function blockedProduct(
  A: FloatArray,
  Bm: FloatArray,
  C: FloatArray,
  B: number,
  m: number,
  k: number,
  n: number,
) {
  const wide = (x: FloatArray) => (x instanceof Float64Array ? x : Float64Array.from(x));
  const a64 = wide(A);
  const b64 = wide(Bm);
  const c64 = C instanceof Float64Array ? C : new Float64Array(C.length);
  for (let z = 0; z < B; z++) gemm(1, a64, z * m * k, k, 1, b64, z * k * n, n, c64, z * m * n, n, m, n, k);
  if (c64 !== C) C.set(c64);
}

export const bmmOp = defineOp<undefined>({
  name: 'matmul',
  infer: ([a, b]) => {
    requireFloat('matmul', [a, b]);
    return [{ shape: [a.shape[0], a.shape[1], b.shape[2]], dtype: a.dtype }];
  },
  cpu: ([a, b], [c]) => {
    const [B, m, k] = a.shape;
    const n = b.shape[2];
    if (m * n * k >= GEMM_MIN_WORK)
      blockedProduct(a.data as FloatArray, b.data as FloatArray, c.data as FloatArray, B, m, k, n);
    else smallProduct(a.data, b.data, c.data, B, m, k, n);
  },
  webgpu: (gpu, [a, b], [c]) => {
    const [B, m, k] = a.shape;
    const n = b.shape[2];
    // Tile t of the k dimension costs TILE + 1 loop iterations; long products are split over
    // dispatches of consecutive tiles, each adding its part to C (the loop rule).
    const tiles = loopChunks('matmul', Math.ceil(k / TILE), () => TILE + 1);
    for (let z0 = 0; z0 < B; z0 += MAX_Z) {
      for (const { k0, k1, loops } of tiles) {
        gpu.run({
          code: BMM_WGSL,
          inputs: [a.storage, b.storage],
          outputs: [c.storage],
          params: Uint32Array.from([m, k, n, z0, k0 * TILE, Math.min(k, k1 * TILE)]),
          workgroups: [Math.ceil(n / TILE), Math.ceil(m / TILE), Math.min(MAX_Z, B - z0)],
          loops,
        });
      }
    }
  },
  backward: (c, [g]) => {
    const [a, b] = c.inputs;
    return [c.needsInputGrad[0] ? bmm(g!, mT(b)) : null, c.needsInputGrad[1] ? bmm(mT(a), g!) : null];
  },
});

// C[z] (+)= A[z][:, k0..k1) · B[z][k0..k1, :]: C is overwritten when k0 = 0, added to otherwise.
const BMM_WGSL = `// matmul
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
${wgslParams(3)}
var<workgroup> ta: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<f32, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = pu(0u);
  let K = pu(1u);
  let N = pu(2u);
  let z = wid.z + pu(3u);
  let row = wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  let aBase = z * M * K;
  let bBase = z * K * N;
  let k0 = pu(4u);
  let k1 = pu(5u);
  var acc = 0.0;
  if (k0 > 0u && row < M && col < N) { acc = C[z * M * N + row * N + col]; }
  for (var t = k0; t < k1; t += ${TILE}u) {
    let ac = t + lid.x;
    let br = t + lid.y;
    ta[lid.y][lid.x] = select(0.0, A[min(aBase + row * K + ac, arrayLength(&A) - 1u)], row < M && ac < k1);
    tb[lid.y][lid.x] = select(0.0, B[min(bBase + br * N + col, arrayLength(&B) - 1u)], br < k1 && col < N);
    workgroupBarrier();
    for (var q = 0u; q < ${TILE}u; q++) { acc += ta[lid.y][q] * tb[q][lid.x]; }
    workgroupBarrier();
  }
  if (row < M && col < N) { C[z * M * N + row * N + col] = acc; }
}`;

export const matmulOps = { bmm: bmmOp };

function bmm(a: Tensor, b: Tensor): Tensor {
  return apply1(bmmOp, [a, b], undefined);
}

/**
 * torch.matmul: dot, matrix-vector, vector-matrix, and batched products with broadcast batch dims.
 * @example
 * matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])); // tensor([3., 7.])
 * matmul(randn([10, 3, 4]), randn([4, 5])).shape; // [10, 3, 5] (batched, broadcast)
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(
      `matmul: both arguments need at least 1 dimension, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`,
    );
  }
  const dt = promoteTypes(a.dtype, b.dtype);
  if (a.dtype !== dt) a = cast(a, dt);
  if (b.dtype !== dt) b = cast(b, dt);
  const av = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const bv = b.ndim === 1 ? unsqueeze(b, -1) : b;
  const [m, k] = av.shape.slice(-2);
  const [k2, n] = bv.shape.slice(-2);
  if (k !== k2) {
    throw new RangeError(
      `matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied (${m}x${k} and ${k2}x${n}): ` +
        'the last dim of the first must equal the second-to-last dim of the second',
    );
  }
  const batch = broadcastShapes('matmul', av.shape.slice(0, -2), bv.shape.slice(0, -2));
  const B = numelOf(batch);
  const a3 = reshape(expand(av, [...batch, m, k]), [B, m, k]);
  const b3 = reshape(expand(bv, [...batch, k, n]), [B, k, n]);
  let out = reshape(bmm(a3, b3), [...batch, m, n]);
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}
