import { broadcastStrides, numelOf } from '../../../shape.js';
import type { GpuView } from '../../backend.js';
import type { WebGPURuntime } from '../runtime.js';
import { dispatch1D, wgslParams } from '../runtime.js';
import { WGSL_NONFINITE } from './prelude.js';

/**
 * WGSL for elementwise ops with up to three broadcasting operands named a, b, c. Each op is one
 * WGSL expression; the kernel around it is generated here.
 */

const NAMES = ['a', 'b', 'c'] as const;

/** Helper functions for the pow expression `powf(a, b)` (IEEE pow's special cases, as Math.pow). */
export const WGSL_POW = `${WGSL_NONFINITE}
fn powf(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { return select(f32Inf(), 0.0, b > 0.0); }
  if (a > 0.0) { return pow(a, b); }
  if (floor(b) != b) { return f32NaN(); }
  let r = pow(-a, b);
  return select(r, -r, abs(b % 2.0) == 1.0);
}`;

const WG = 256;

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
