import { numelOf } from '../../../shape.js';
import type { GpuView } from '../../backend.js';
import type { View } from '../../layout.js';
import { C64, type Kernel, runKernel, STORAGE_ELEMENTS, type WgslElement, wgslKernel } from '../kernel.js';
import { dispatch1D, type WebGPURuntime } from '../runtime.js';
import { cachedKernel, paramArrayLength } from './cache.js';

/** WGSL gathers, scatters and fills through strided views (layout.ts): the kernels of the shape ops. */

const WG = 256;

/** The element type of a view: complex64 reads its float32 storage as `vec2<f32>` pairs. */
function elementOf(v: GpuView): WgslElement {
  return v.complex ? C64 : STORAGE_ELEMENTS[v.dtype];
}

/** Gather (dst[k] = src[p]) or scatter (dst[p] = src[k]) through a view of `dims` = [shape, strides]. */
function viewKernel(el: WgslElement, scatter: boolean, dimsLength: number): Kernel {
  return cachedKernel(`view|${el.dtype}|${scatter}|${dimsLength}`, () =>
    wgslKernel(
      {
        name: `strided ${scatter ? 'scatter' : 'gather'}`,
        inputs: { src: el },
        outputs: { dst: el },
        params: { n: 'u32', nd: 'u32', offset: 'u32', dims: { array: 'u32', length: dimsLength } },
      },
      `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * ${WG}u;
  let n = params.n;
  if (k >= n) { return; }
  let nd = params.nd;
  var rem = k;
  var p = params.offset;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = params_dims(u32(d));
    p += (rem % size) * params_dims(nd + u32(d));
    rem = rem / size;
  }
  ${scatter ? 'dst[p] = src[k];' : 'dst[k] = src[p];'}
}`,
    ),
  );
}

function runView(gpu: WebGPURuntime, input: GpuView, out: GpuView, v: View, scatter: boolean): void {
  const dims = [...v.shape, ...v.strides];
  const kernel = viewKernel(elementOf(out), scatter, paramArrayLength(dims.length));
  runKernel(gpu, kernel, {
    buffers: { src: input.storage, dst: out.storage },
    params: { n: numelOf(v.shape), nd: v.shape.length, offset: v.offset, dims },
    workgroups: dispatch1D(numelOf(v.shape), WG),
    loops: v.shape.length,
  });
}

export function gatherGpu(gpu: WebGPURuntime, input: GpuView, out: GpuView, v: View): void {
  runView(gpu, input, out, v, false);
}

const fillKernel = (el: WgslElement) =>
  cachedKernel(`fill|${el.dtype}`, () =>
    wgslKernel(
      {
        name: 'fill',
        outputs: { dst: el },
        params: { n: 'u32', value: el.dtype === 'int32' ? 'i32' : 'f32' },
      },
      `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * ${WG}u;
  if (k >= params.n) { return; }
  dst[k] = ${el.dtype === 'complex64' ? 'vec2<f32>(params.value, 0.0)' : 'params.value'};
}`,
    ),
  );

/** Fills a GPU buffer with a constant. */
export function fillGpu(gpu: WebGPURuntime, out: GpuView, value: number): void {
  const n = numelOf(out.shape);
  runKernel(gpu, fillKernel(elementOf(out)), {
    buffers: { dst: out.storage },
    params: { n, value },
    workgroups: dispatch1D(n, WG),
    loops: 0,
  });
}

/** out = zeros, then input written at the view's positions (the view must be injective). */
export function scatterGpu(gpu: WebGPURuntime, input: GpuView, out: GpuView, v: View): void {
  fillGpu(gpu, out, 0);
  scatterNoFillGpu(gpu, input, out, v);
}

/** Writes input at the view's positions of out, leaving out's other elements as they are. */
export function scatterNoFillGpu(gpu: WebGPURuntime, input: GpuView, out: GpuView, v: View): void {
  if (numelOf(v.shape) === 0) return;
  runView(gpu, input, out, v, true);
}
