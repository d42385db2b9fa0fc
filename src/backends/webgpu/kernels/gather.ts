import { numelOf, stridesOf } from '../../../shape.js';
import type { GpuStorage, GpuView } from '../../backend.js';
import { checkIndexRange } from '../../cpu/gather.js';
import {
  ATOMIC_U32,
  C64,
  I32,
  type Kernel,
  runKernel,
  STORAGE_ELEMENTS,
  type WgslElement,
  wgslKernel,
} from '../kernel.js';
import { LOOP_BUDGET } from '../loops.js';
import { dispatch1D, type WebGPURuntime } from '../runtime.js';
import { cachedKernel, paramArrayLength } from './cache.js';

/**
 * WGSL gather and scatterAdd along one dim (the CPU kernels are backends/cpu/gather.ts). An
 * out-of-range index reads 0 and adds nothing in the kernel; the index is read back at once
 * (asynchronously) and the output, and everything computed from it, rejects with the CPU's
 * RangeError when first read, as LinAlgErrors found on the device do. scatterAdd
 * runs one invocation per output element, summing the src entries whose index hits it in index
 * order (no float atomics), over chunks of the indexed dim that keep the loop rule. A complex64
 * tensor is read as `vec2<f32>` (re, im) elements, so both parts move and add together.
 */

const WG = 256;

/** The element type of a view: complex64 reads its float32 storage as `vec2<f32>` pairs. */
function elementOf(v: GpuView): WgslElement {
  return v.complex ? C64 : STORAGE_ELEMENTS[v.dtype];
}

/** The output raises the RangeError of a bad index when it is read. */
function deferRangeCheck(
  gpu: WebGPURuntime,
  op: string,
  index: GpuView,
  dim: number,
  size: number,
  out: GpuStorage,
): void {
  const result: Promise<Error | null> = gpu.read(index.storage).then(
    (data) => {
      try {
        checkIndexRange(op, { data, shape: index.shape, dtype: 'int32' }, dim, size);
        return null;
      } catch (e) {
        return e as Error;
      }
    },
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  const prev = out.pendingError;
  out.pendingError = prev ? async () => (await result) ?? (await prev()) : () => result;
}

const gatherKernel = (el: WgslElement, dimsLength: number): Kernel =>
  cachedKernel(`gatherDim|${el.dtype}|${dimsLength}`, () =>
    wgslKernel(
      {
        name: 'gather along a dim',
        inputs: { src: el, index: I32 },
        outputs: { dst: el },
        params: { n: 'u32', nd: 'u32', dim: 'u32', size: 'u32', dims: { array: 'u32', length: dimsLength } },
      },
      `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * ${WG}u;
  if (k >= params.n) { return; }
  let nd = params.nd;
  let i = index[k];
  if (i < 0 || u32(i) >= params.size) { dst[k] = ${el.wgsl}(0); return; }
  var rem = k;
  var p = 0u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = params_dims(u32(d));
    let c = rem % size;
    rem = rem / size;
    p += select(c, u32(i), u32(d) == params.dim) * params_dims(nd + u32(d));
  }
  dst[k] = src[p];
}`,
    ),
  );

/** out (shape of index) = x at index along dim. */
export function gatherDimGpu(
  gpu: WebGPURuntime,
  op: string,
  x: GpuView,
  index: GpuView,
  out: GpuView,
  dim: number,
): void {
  const n = numelOf(index.shape);
  if (n === 0) return;
  deferRangeCheck(gpu, op, index, dim, x.shape[dim], out.storage);
  const dims = [...index.shape, ...stridesOf(x.shape)];
  runKernel(gpu, gatherKernel(elementOf(out), paramArrayLength(dims.length)), {
    buffers: { src: x.storage, index: index.storage, dst: out.storage },
    params: { n, nd: index.shape.length, dim, size: x.shape[dim], dims },
    workgroups: dispatch1D(n, WG),
    loops: index.shape.length,
  });
}

const scatterAddKernel = (el: WgslElement, dimsLength: number): Kernel =>
  cachedKernel(`scatterAddDim|${el.dtype}|${dimsLength}`, () =>
    wgslKernel(
      {
        name: 'scatterAdd along a dim',
        inputs: { index: I32, src: el },
        outputs: { dst: el },
        params: {
          n: 'u32',
          nd: 'u32',
          dim: 'u32',
          t0: 'u32',
          t1: 'u32',
          dims: { array: 'u32', length: dimsLength },
        },
      },
      // dims: [out shape, index shape, index strides, src strides]
      `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * ${WG}u;
  if (j >= params.n) { return; }
  let nd = params.nd;
  var rem = j;
  var pi = 0u;
  var ps = 0u;
  var hit = 0;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let ud = u32(d);
    let size = params_dims(ud);
    let c = rem % size;
    rem = rem / size;
    if (ud == params.dim) {
      hit = i32(c);
    } else {
      if (c >= params_dims(nd + ud)) { return; }
      pi += c * params_dims(2u * nd + ud);
      ps += c * params_dims(3u * nd + ud);
    }
  }
  let si = params_dims(2u * nd + params.dim);
  let ss = params_dims(3u * nd + params.dim);
  var acc = ${el.wgsl}(0);
  for (var t = params.t0; t < params.t1; t++) {
    if (index[pi + t * si] == hit) { acc += src[ps + t * ss]; }
  }
  dst[j] = dst[j] + acc;
}`,
    ),
  );

/** out = x, then src (at least index's shape) added at index along dim. */
export function scatterAddDimGpu(
  gpu: WebGPURuntime,
  op: string,
  x: GpuView,
  index: GpuView,
  src: GpuView,
  out: GpuView,
  dim: number,
): void {
  const n = numelOf(x.shape);
  if (n === 0) return;
  gpu.copy(x.storage, out.storage, { length: out.complex ? 2 * n : n });
  if (numelOf(index.shape) === 0) return;
  deferRangeCheck(gpu, op, index, dim, x.shape[dim], out.storage);
  const nd = x.shape.length;
  const dims = [...x.shape, ...index.shape, ...stridesOf(index.shape), ...stridesOf(src.shape)];
  const kernel = scatterAddKernel(elementOf(out), paramArrayLength(dims.length));
  const m = index.shape[dim];
  const chunk = Math.max(1, LOOP_BUDGET - nd);
  for (let t0 = 0; t0 < m; t0 += chunk) {
    const t1 = Math.min(m, t0 + chunk);
    runKernel(gpu, kernel, {
      buffers: { index: index.storage, src: src.storage, dst: out.storage },
      params: { n, nd, dim, t0, t1, dims },
      workgroups: dispatch1D(n, WG),
      loops: nd + (t1 - t0),
    });
  }
}

// ---- class targets (nn.functional's crossEntropy / nllLoss) -----------------------------------

const firstBadTargetKernel = (): Kernel =>
  cachedKernel('firstBadClassTarget', () =>
    wgslKernel(
      {
        name: 'first class target out of range',
        inputs: { labels: I32 },
        outputs: { found: ATOMIC_U32 },
        params: { n: 'u32', classes: 'i32', ignore: 'i32', hasIgnore: 'u32' },
      },
      // found[0] = n − (the smallest offending position), 0 when there is none.
      `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * ${WG}u;
  if (k >= params.n) { return; }
  let t = labels[k];
  if ((t >= 0 && t < params.classes) || (params.hasIgnore == 1u && t == params.ignore)) { return; }
  atomicMax(&found[0], params.n - k);
}`,
    ),
  );

const badTargetValueKernel = (): Kernel =>
  cachedKernel('badClassTargetValue', () =>
    wgslKernel(
      {
        name: 'value of the first class target out of range',
        inputs: { labels: I32 },
        outputs: { found: I32 },
        params: { n: 'u32' },
      },
      `@compute @workgroup_size(1)
fn main() {
  let m = u32(found[0]);
  if (m > 0u) { found[1] = labels[params.n - m]; }
}`,
    ),
  );

/**
 * The first value of the int32 class targets (in row-major order) outside [0, classes) that is
 * not ignoreIndex, found on the device; resolves to null when every target is valid. Only two
 * words come back to the host, and the caller words the error (as the cpu check does).
 */
export function firstBadClassTargetGpu(
  gpu: WebGPURuntime,
  target: GpuView,
  classes: number,
  ignoreIndex: number,
): Promise<number | null> {
  const n = numelOf(target.shape);
  if (n === 0) return Promise.resolve(null);
  const found = gpu.alloc('int32', 2, { zero: true });
  // An ignoreIndex no int32 can equal ignores nothing.
  const hasIgnore = Number.isInteger(ignoreIndex) && ignoreIndex >= -(2 ** 31) && ignoreIndex < 2 ** 31;
  runKernel(gpu, firstBadTargetKernel(), {
    buffers: { labels: target.storage, found },
    params: { n, classes, ignore: hasIgnore ? ignoreIndex : 0, hasIgnore },
    workgroups: dispatch1D(n, WG),
    loops: 0,
  });
  runKernel(gpu, badTargetValueKernel(), {
    buffers: { labels: target.storage, found },
    params: { n },
    workgroups: [1],
    loops: 0,
  });
  const result = gpu.read(found).then((d) => (d[0] > 0 ? d[1] : null));
  void result.finally(() => gpu.free(found)).catch(() => undefined);
  return result;
}
