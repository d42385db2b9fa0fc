import type { CpuView, GpuView, TypedArray } from '../backends/backend.js';
import type { WebGPURuntime } from '../backends/webgpu/runtime.js';
import { dispatch1D, wgslParams } from '../backends/webgpu/runtime.js';
import { broadcastStrides, numelOf } from '../shape.js';

/**
 * Kernel generators for elementwise ops with up to three broadcasting operands named a, b, c.
 * Each op is one expression (JS for the CPU, WGSL for WebGPU); the loops around it are generated
 * here once per expression and cached.
 */

const NAMES = ['a', 'b', 'c'] as const;
type Loop = (out: TypedArray, ins: TypedArray[], n: number) => void;
const cpuLoops = new Map<string, Loop>();

function sameShapeLoop(expr: string, arity: number): Loop {
  const key = `same:${arity}:${expr}`;
  let f = cpuLoops.get(key);
  if (!f) {
    const loads = NAMES.slice(0, arity)
      .map((v, k) => `const ${v} = x${k}[i];`)
      .join(' ');
    const decl = NAMES.slice(0, arity)
      .map((_, k) => `const x${k} = ins[${k}];`)
      .join(' ');
    f = new Function(
      'out',
      'ins',
      'n',
      `${decl} for (let i = 0; i < n; i++) { ${loads} out[i] = ${expr}; }`,
    ) as Loop;
    cpuLoops.set(key, f);
  }
  return f;
}

type StridedLoop = (out: TypedArray, ins: TypedArray[], offs: number[], strides: number[], n: number) => void;
const stridedLoops = new Map<string, StridedLoop>();

/** Inner loop over the last dim with per-operand strides (0 for a broadcast operand). */
function stridedLoop(expr: string, arity: number): StridedLoop {
  const key = `strided:${arity}:${expr}`;
  let f = stridedLoops.get(key);
  if (!f) {
    const vs = NAMES.slice(0, arity);
    const decl = vs
      .map((_, k) => `const x${k} = ins[${k}]; let p${k} = offs[${k}]; const s${k} = strides[${k}];`)
      .join(' ');
    const loads = vs.map((v, k) => `const ${v} = x${k}[p${k}]; p${k} += s${k};`).join(' ');
    f = new Function(
      'out',
      'ins',
      'offs',
      'strides',
      'n',
      `${decl} let o = offs[${arity}]; for (let i = 0; i < n; i++) { ${loads} out[o++] = ${expr}; }`,
    ) as StridedLoop;
    stridedLoops.set(key, f);
  }
  return f;
}

/** Runs `expr` over broadcast operands on the CPU. */
export function elementwiseCpu(expr: string, ins: readonly CpuView[], out: CpuView): void {
  const n = out.data.length;
  const arity = ins.length;
  if (ins.every((v) => v.data.length === n)) {
    sameShapeLoop(expr, arity)(
      out.data,
      ins.map((v) => v.data),
      n,
    );
    return;
  }
  const shape = out.shape;
  const nd = shape.length;
  const inner = shape[nd - 1];
  const st = ins.map((v) => broadcastStrides(v.shape, shape));
  const offs = new Array<number>(arity + 1).fill(0);
  const innerStrides = st.map((s) => s[nd - 1]);
  const idx = new Array<number>(nd).fill(0);
  const loop = stridedLoop(expr, arity);
  const datas = ins.map((v) => v.data);
  for (let o = 0; o < n; o += inner) {
    offs[arity] = o;
    for (let k = 0; k < arity; k++) {
      let p = 0;
      for (let d = 0; d < nd - 1; d++) p += idx[d] * st[k][d];
      offs[k] = p;
    }
    loop(out.data, datas, offs, innerStrides, inner);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

const WG = 256;

/**
 * Infinity and NaN for WGSL. Constant expressions may not produce them, so they are read from
 * private variables, which the compiler does not fold.
 */
export const WGSL_NONFINITE = `var<private> F32_INF_BITS: u32 = 0x7f800000u;
var<private> F32_NAN_BITS: u32 = 0x7fc00000u;
fn f32Inf() -> f32 { return bitcast<f32>(F32_INF_BITS); }
fn f32NaN() -> f32 { return bitcast<f32>(F32_NAN_BITS); }`;

function wgslType(dtype: 'float32' | 'int32'): string {
  return dtype === 'float32' ? 'f32' : 'i32';
}

/**
 * WGSL for `expr` over broadcast operands. Params: [n, ndim, outShape(ndim), strides(arity × ndim)].
 * When every operand has the output's shape the index arithmetic is skipped.
 */
function elementwiseWgsl(
  expr: string,
  ins: readonly GpuView[],
  out: GpuView,
  same: boolean,
  prelude: string,
): string {
  const arity = ins.length;
  const bindings = ins
    .map((v, k) => `@group(0) @binding(${k}) var<storage, read> x${k}: array<${wgslType(v.dtype)}>;`)
    .join('\n');
  const ot = wgslType(out.dtype);
  const loads = same
    ? NAMES.slice(0, arity)
        .map((v, k) => `let ${v} = x${k}[i];`)
        .join('\n    ')
    : `var rem = i;
    ${NAMES.slice(0, arity)
      .map((_, k) => `var p${k} = 0u;`)
      .join(' ')}
    for (var d = i32(nd) - 1; d >= 0; d--) {
      let size = pu(2u + u32(d));
      let q = rem % size;
      rem = rem / size;
      ${NAMES.slice(0, arity)
        .map((_, k) => `p${k} += q * pu(2u + nd * ${k + 1}u + u32(d));`)
        .join('\n      ')}
    }
    ${NAMES.slice(0, arity)
      .map((v, k) => `let ${v} = x${k}[p${k}];`)
      .join('\n    ')}`;
  return `// elementwise${same ? '' : ' (broadcast)'}
${bindings}
@group(0) @binding(${arity}) var<storage, read_write> out: array<${ot}>;
${wgslParams(arity + 1)}
${prelude}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  let n = pu(0u);
  if (i >= n) { return; }
  let nd = pu(1u);
  ${loads}
  out[i] = ${ot}(${expr});
}`;
}

/** Dispatches `expr` over broadcast operands on WebGPU. `prelude` holds helper fns the expression uses. */
export function elementwiseGpu(
  gpu: WebGPURuntime,
  expr: string,
  ins: readonly GpuView[],
  out: GpuView,
  prelude = '',
): void {
  const n = numelOf(out.shape);
  const same = ins.every((v) => numelOf(v.shape) === n);
  const nd = out.shape.length;
  const params = [n, nd, ...out.shape];
  if (!same) for (const v of ins) params.push(...broadcastStrides(v.shape, out.shape));
  gpu.run({
    code: elementwiseWgsl(expr, ins, out, same, prelude),
    inputs: ins.map((v) => v.storage),
    outputs: [out.storage],
    params: Uint32Array.from(params),
    workgroups: dispatch1D(n, WG),
    loops: same ? 0 : nd,
  });
}
