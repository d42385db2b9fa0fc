import { broadcastStrides, numelOf } from '../../../shape.js';
import type { GpuView } from '../../backend.js';
import { type Kernel, type ParamType, runKernel, STORAGE_ELEMENTS, wgslKernel } from '../kernel.js';
import { dispatch1D, type WebGPURuntime } from '../runtime.js';
import { cachedKernel, paramArrayLength } from './cache.js';
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

/**
 * The kernel for `expr` over broadcast operands x0, x1, x2 (read as a, b, c). Params: n, nd and,
 * when an operand is broadcast, `dims` = [outShape(nd), strides(arity × nd)]; when every operand
 * has the output's shape the index arithmetic is skipped.
 */
function elementwiseKernel(
  expr: string,
  ins: readonly GpuView[],
  out: GpuView,
  same: boolean,
  dimsLength: number,
  prelude: string,
): Kernel {
  const arity = ins.length;
  const key = [same, dimsLength, ...ins.map((v) => v.dtype), out.dtype, expr, prelude].join('|');
  return cachedKernel(key, () => {
    const el = STORAGE_ELEMENTS[out.dtype];
    const loads = same
      ? NAMES.slice(0, arity)
          .map((v, k) => `let ${v} = x${k}[i];`)
          .join('\n    ')
      : `var rem = i;
    ${NAMES.slice(0, arity)
      .map((_, k) => `var p${k} = 0u;`)
      .join(' ')}
    for (var d = i32(nd) - 1; d >= 0; d--) {
      let size = params_dims(u32(d));
      let q = rem % size;
      rem = rem / size;
      ${NAMES.slice(0, arity)
        .map((_, k) => `p${k} += q * params_dims(nd * ${k + 1}u + u32(d));`)
        .join('\n      ')}
    }
    ${NAMES.slice(0, arity)
      .map((v, k) => `let ${v} = x${k}[p${k}];`)
      .join('\n    ')}`;
    const params: Record<string, ParamType> = { n: 'u32', nd: 'u32' };
    if (!same) params.dims = { array: 'u32', length: dimsLength };
    return wgslKernel(
      {
        name: `elementwise${same ? '' : ' (broadcast)'}`,
        inputs: Object.fromEntries(ins.map((v, k) => [`x${k}`, STORAGE_ELEMENTS[v.dtype]])),
        outputs: { out: el },
        params,
      },
      `${prelude}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  let n = params.n;
  if (i >= n) { return; }
  let nd = params.nd;
  ${loads}
  out[i] = ${el.wgsl}(${expr});
}`,
    );
  });
}

/**
 * Dispatches `expr` over broadcast operands on WebGPU. `prelude` holds helper fns the expression
 * uses; `preludeLoops` bounds the loop iterations they run per element (the loop rule, loops.ts).
 */
export function elementwiseGpu(
  gpu: WebGPURuntime,
  expr: string,
  ins: readonly GpuView[],
  out: GpuView,
  prelude = '',
  preludeLoops = 0,
): void {
  const n = numelOf(out.shape);
  const same = ins.every((v) => numelOf(v.shape) === n);
  const nd = out.shape.length;
  const dims = [...out.shape];
  if (!same) for (const v of ins) dims.push(...broadcastStrides(v.shape, out.shape));
  const kernel = elementwiseKernel(expr, ins, out, same, same ? 0 : paramArrayLength(dims.length), prelude);
  const buffers = Object.fromEntries(ins.map((v, k) => [`x${k}`, v.storage]));
  runKernel(gpu, kernel, {
    buffers: { ...buffers, out: out.storage },
    params: same ? { n, nd } : { n, nd, dims },
    workgroups: dispatch1D(n, WG),
    loops: (same ? 0 : nd) + preludeLoops,
  });
}

/** The logistic function without overflow (e^(−|x|) ≤ 1), as the CPU's. */
export const WGSL_SIGMOID = `
fn sigmoidf(x: f32) -> f32 {
  let e = exp(-abs(x));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, x >= 0.0);
}`;

/**
 * log(1 + x) without cancellation near 0: for |x| < 0.5, 2 atanh(s) with s = x / (2 + x) (|s| ≤ 1/3)
 * by its odd series to s¹⁷ (truncation < 2⁻²⁶ relative); elsewhere log(1 + x), where WGSL's log is
 * accurate.
 */
export const WGSL_LOG1P = `
fn log1pf(x: f32) -> f32 {
  if (abs(x) >= 0.5) { return log(1.0 + x); }
  let s = x / (2.0 + x);
  let s2 = s * s;
  let p = 1.0 + s2 * (1.0 / 3.0 + s2 * (0.2 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0
    + s2 * (1.0 / 13.0 + s2 * (1.0 / 15.0 + s2 / 17.0)))))));
  return 2.0 * s * p;
}`;

/** eˣ − 1 without cancellation near 0: for |x| < 0.5 the Taylor series to x¹² (Horner), else exp(x) − 1. */
export const WGSL_EXPM1 = `
fn expm1f(x: f32) -> f32 {
  if (abs(x) >= 0.5) { return exp(x) - 1.0; }
  var p = 1.0;
  for (var k = 12; k >= 2; k--) { p = 1.0 + x * p / f32(k); }
  return x * p;
}`;

/** The loop iterations of expm1f: its Horner loop. */
export const WGSL_EXPM1_LOOPS = 11;

/** The loop iterations of erff: both loops (lanes that diverge run both). */
export const WGSL_ERF_LOOPS = 47 + 199;

/**
 * erf in float32, the CPU's method: |x| < 2 the positive series, 2 ≤ |x| < 4 one minus erfc's
 * continued fraction, |x| ≥ 4 ±1 (erfc 4 < 2⁻²⁵). Error a few float32 ulp plus that of WGSL's exp.
 */
export const WGSL_ERF = `
fn erff(x: f32) -> f32 {
  let ax = abs(x);
  if (ax >= 4.0) { return sign(x); }
  let ex = exp(-ax * ax);
  if (ax < 2.0) {
    let x2 = ax * ax;
    var term = ax;
    var sum = ax;
    for (var k = 1; k < 48; k++) {
      term = term * (2.0 * x2) / f32(2 * k + 1);
      sum = sum + term;
      if (term <= sum * 1e-8) { break; }
    }
    return sign(x) * 1.1283791670955126 * ex * sum;
  }
  var f = ax;
  var c = ax;
  var d = 0.0;
  for (var k = 1; k < 200; k++) {
    d = 1.0 / (ax + 0.5 * f32(k) * d);
    c = ax + (0.5 * f32(k)) / c;
    let delta = c * d;
    f = f * delta;
    if (abs(delta - 1.0) < 1e-7) { break; }
  }
  return sign(x) * (1.0 - ex / (1.7724538509055159 * f));
}`;
