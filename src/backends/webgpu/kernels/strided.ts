import { numelOf } from '../../../shape.js';
import type { GpuView } from '../../backend.js';
import type { View } from '../../layout.js';
import type { WebGPURuntime } from '../runtime.js';
import { dispatch1D, wgslParams } from '../runtime.js';

/** WGSL gathers, scatters and fills through strided views (layout.ts): the kernels of the shape ops. */

const WG = 256;

function viewWgsl(t: string, scatter: boolean): string {
  return `// strided ${scatter ? 'scatter' : 'gather'}
@group(0) @binding(0) var<storage, read> src: array<${t}>;
@group(0) @binding(1) var<storage, read_write> dst: array<${t}>;
${wgslParams(2)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * ${WG}u;
  let n = pu(0u);
  if (k >= n) { return; }
  let nd = pu(1u);
  var rem = k;
  var p = pu(2u);
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = pu(3u + u32(d));
    p += (rem % size) * pu(3u + nd + u32(d));
    rem = rem / size;
  }
  ${scatter ? 'dst[p] = src[k];' : 'dst[k] = src[p];'}
}`;
}

function viewParams(v: View): Uint32Array {
  return Uint32Array.from([numelOf(v.shape), v.shape.length, v.offset, ...v.shape, ...v.strides]);
}

function wgslType(dtype: 'float32' | 'int32'): string {
  return dtype === 'float32' ? 'f32' : 'i32';
}

export function gatherGpu(gpu: WebGPURuntime, input: GpuView, out: GpuView, v: View): void {
  gpu.run({
    code: viewWgsl(wgslType(out.dtype), false),
    inputs: [input.storage],
    outputs: [out.storage],
    params: viewParams(v),
    workgroups: dispatch1D(numelOf(v.shape), WG),
    loops: v.shape.length,
  });
}

/** Fills a GPU buffer with a constant. */
export function fillGpu(gpu: WebGPURuntime, out: GpuView, value: number): void {
  const t = wgslType(out.dtype);
  const n = numelOf(out.shape);
  gpu.run({
    code: `// fill
@group(0) @binding(0) var<storage, read_write> dst: array<${t}>;
${wgslParams(1)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * ${WG}u;
  if (k >= pu(0u)) { return; }
  dst[k] = ${t === 'f32' ? 'pf(1u)' : 'pi(1u)'};
}`,
    inputs: [],
    outputs: [out.storage],
    params: Uint32Array.from([n, out.dtype === 'float32' ? f32Bits(value) : value | 0]),
    workgroups: dispatch1D(n, WG),
    loops: 0,
  });
}

const f32buf = new Float32Array(1);
const u32view = new Uint32Array(f32buf.buffer);
/** The bit pattern of a float32, for passing floats through u32 params. */
export function f32Bits(x: number): number {
  f32buf[0] = x;
  return u32view[0];
}

/** out = zeros, then input written at the view's positions (the view must be injective). */
export function scatterGpu(gpu: WebGPURuntime, input: GpuView, out: GpuView, v: View): void {
  fillGpu(gpu, out, 0);
  scatterNoFillGpu(gpu, input, out, v);
}

/** Writes input at the view's positions of out, leaving out's other elements as they are. */
export function scatterNoFillGpu(gpu: WebGPURuntime, input: GpuView, out: GpuView, v: View): void {
  if (numelOf(v.shape) === 0) return;
  gpu.run({
    code: viewWgsl(wgslType(out.dtype), true),
    inputs: [input.storage],
    outputs: [out.storage],
    params: viewParams(v),
    workgroups: dispatch1D(numelOf(v.shape), WG),
    loops: v.shape.length,
  });
}
