import { broadcastStrides, numelOf } from '../../../shape.js';
import type { GpuView } from '../../backend.js';
import { COMPLEX_BINARY, type ComplexOp } from '../../cpu/elementwise-complex.js';
import {
  C64,
  F32,
  I32,
  type Kernel,
  type ParamType,
  runKernel,
  type WgslElement,
  wgslKernel,
} from '../kernel.js';
import { dispatch1D, type WebGPURuntime } from '../runtime.js';
import { cachedKernel, paramArrayLength } from './cache.js';
import { WGSL_LOG1P } from './elementwise.js';
import { MORE_FNS, MORE_GPU_OPS } from './elementwise-complex-more.js';

/**
 * WGSL elementwise kernels over ℂ for complex64, the counterpart of elementwise.ts (same
 * operands, broadcasting and params) and of the CPU kernels in cpu/elementwise-complex.ts (same
 * methods in f32): a complex operand is a float32 storage of 2n slots read as `array<vec2<f32>>`
 * (C64); where's condition is float32 or int32; abs and angle write f32.
 *
 * Accuracy rests on WGSL's builtins (spec, "Floating Point Accuracy"): exp 3 + 2|x| ulp, log
 * 2⁻²¹ absolute on [½, 2] else 3 ulp, division 2.5 ulp; sin and cos (2⁻¹¹ absolute, on [−π, π]
 * only) and atan2 (4096 ulp) are replaced by c64_cis and c64_arg, accurate to a few ulp. |z|,
 * sqrt, sign and log|z| scale by a power of two (frexp/ldexp), so no intermediate overflows or
 * underflows; non-finite inputs are outside what WGSL guarantees and get no special treatment.
 */

/**
 * Helper functions, each with the helpers it calls (declared once per kernel, in order); those of
 * the special functions and activations are in elementwise-complex-more.ts.
 */
const BASE_FNS: Record<string, { deps: readonly string[]; code: string }> = {
  copysign: {
    deps: [],
    code: `fn c64_copysign(m: f32, s: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(m) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}`,
  },
  // arg z = atan2(y, x) without WGSL's atan2 (4096 ulp): t = min/max of |x|, |y| in [0, 1], for
  // t > tan(π/8) atan t = π/4 + atan((t − 1)/(t + 1)), atan by its odd Taylor series to t¹⁹ on
  // |t| ≤ tan(π/8) (truncation < 2⁻³⁰), then the octant: a few ulp. On the real axis ±0 or ±π by
  // the sign bits of x and y (arg(−1 − 0i) = −π), which a GPU's atan2 may drop.
  arg: {
    deps: ['copysign'],
    code: `fn c64_arg(z: vec2<f32>) -> f32 {
  let ax = abs(z.x);
  let ay = abs(z.y);
  if (z.y == 0.0) {
    return c64_copysign(select(0.0, 3.141592653589793, (bitcast<u32>(z.x) >> 31u) != 0u), z.y);
  }
  var t = min(ax, ay) / max(ax, ay);
  var base = 0.0;
  if (t > 0.41421356237309503) {
    t = (t - 1.0) / (t + 1.0);
    base = 0.7853981633974483;
  }
  let u = t * t;
  let p = t * (1.0 + u * (-1.0 / 3.0 + u * (1.0 / 5.0 + u * (-1.0 / 7.0 + u * (1.0 / 9.0 + u * (-1.0 / 11.0
    + u * (1.0 / 13.0 + u * (-1.0 / 15.0 + u * (1.0 / 17.0 - u / 19.0)))))))));
  var r = base + p;
  if (ay > ax) { r = 1.5707963267948966 - r; }
  if (z.x < 0.0) { r = 3.141592653589793 - r; }
  return c64_copysign(r, z.y);
}`,
  },
  abs: {
    deps: [],
    code: `fn c64_abs(z: vec2<f32>) -> f32 {
  let m = max(abs(z.x), abs(z.y));
  if (m == 0.0) { return 0.0; }
  let e = frexp(m).exp;
  return ldexp(length(ldexp(z, vec2<i32>(-e))), e);
}`,
  },
  sign: {
    deps: [],
    code: `fn c64_sign(z: vec2<f32>) -> vec2<f32> {
  let m = max(abs(z.x), abs(z.y));
  if (m == 0.0) { return vec2<f32>(0.0, 0.0); }
  let s = ldexp(z, vec2<i32>(-frexp(m).exp));
  return s / length(s);
}`,
  },
  // z scaled by 2^−e2 (e2 even) has parts below 2 in magnitude, so |s| + |s.x| cannot overflow.
  sqrt: {
    deps: ['copysign'],
    code: `fn c64_sqrt(z: vec2<f32>) -> vec2<f32> {
  let m = max(abs(z.x), abs(z.y));
  if (m == 0.0) { return vec2<f32>(0.0, z.y); }
  let e = frexp(m).exp;
  let e2 = e - (e & 1);
  let s = ldexp(z, vec2<i32>(-e2));
  let t = sqrt(0.5 * (abs(s.x) + length(s)));
  var r = vec2<f32>(t, s.y / (2.0 * t));
  if (s.x < 0.0) { r = vec2<f32>(abs(s.y) / (2.0 * t), c64_copysign(t, s.y)); }
  return ldexp(r, vec2<i32>(e2 / 2));
}`,
  },
  log1p: { deps: [], code: WGSL_LOG1P },
  log: {
    deps: ['log1p', 'arg'],
    code: `fn c64_logabs(z: vec2<f32>) -> f32 {
  let m = max(abs(z.x), abs(z.y));
  let n = min(abs(z.x), abs(z.y));
  if (m >= 0.5 && m <= 1.5) { return 0.5 * log1pf((m - 1.0) * (m + 1.0) + n * n); }
  let e = frexp(m).exp;
  let s = ldexp(z, vec2<i32>(-e));
  return 0.5 * log(dot(s, s)) + f32(e) * 0.6931471805599453;
}
fn c64_log(z: vec2<f32>) -> vec2<f32> { return vec2<f32>(c64_logabs(z), c64_arg(z)); }`,
  },
  // (cos t, sin t) without WGSL's sin/cos (2⁻¹¹ absolute): t − k·π/2 with π/2 in three parts
  // (Cody–Waite; k·C1 and k·C2 are exact for |k| < 2¹¹, so r is good to an ulp for |t| ≲ 3000),
  // Taylor polynomials on [−π/4, π/4] (truncation < 2⁻²⁸), then the quadrant's swap and signs:
  // error a few 2⁻²⁴ absolute.
  cis: {
    deps: [],
    code: `fn c64_cis(t: f32) -> vec2<f32> {
  let k = round(t * 0.6366197723675814);
  let r = ((t - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.549789954891882e-8;
  let r2 = r * r;
  let s = r + r * r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 / 362880.0)));
  let c = 1.0 - 0.5 * r2 + r2 * r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0 - r2 / 3628800.0)));
  let q = i32(k) & 3;
  if (q == 1) { return vec2<f32>(-s, c); }
  if (q == 2) { return vec2<f32>(-c, -s); }
  if (q == 3) { return vec2<f32>(s, -c); }
  return vec2<f32>(c, s);
}`,
  },
  exp: {
    deps: ['cis'],
    code: `fn c64_exp(z: vec2<f32>) -> vec2<f32> {
  if (z.y == 0.0) { return vec2<f32>(exp(z.x), z.y); }
  let c = c64_cis(z.y);
  if (z.x > 88.0) {
    let e = exp(0.5 * z.x);
    return (c * e) * e;
  }
  return exp(z.x) * c;
}`,
  },
  // sinh by its odd Taylor series to x⁹ for |x| < ½ (truncation < 2⁻³⁴ relative), where
  // (eˣ − e⁻ˣ)/2 cancels; large |x| applies e^(|x|/2) twice, as the CPU.
  hyp: {
    deps: ['cis'],
    code: `fn c64_sinhf(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    let x2 = x * x;
    return x * (1.0 + x2 / 6.0 * (1.0 + x2 / 20.0 * (1.0 + x2 / 42.0 * (1.0 + x2 / 72.0))));
  }
  let e = exp(x);
  return 0.5 * (e - 1.0 / e);
}
fn c64_coshf(x: f32) -> f32 {
  let e = exp(abs(x));
  return 0.5 * (e + 1.0 / e);
}
fn c64_sinh(z: vec2<f32>) -> vec2<f32> {
  let c = c64_cis(z.y);
  if (abs(z.x) > 88.0) {
    let e = exp(0.5 * abs(z.x));
    let h = 0.5 * e;
    return vec2<f32>(sign(z.x) * ((h * c.x) * e), (h * c.y) * e);
  }
  return vec2<f32>(c64_sinhf(z.x) * c.x, c64_coshf(z.x) * c.y);
}
fn c64_cosh(z: vec2<f32>) -> vec2<f32> {
  let c = c64_cis(z.y);
  if (abs(z.x) > 88.0) {
    let e = exp(0.5 * abs(z.x));
    let h = 0.5 * e;
    return vec2<f32>((h * c.x) * e, sign(z.x) * ((h * c.y) * e));
  }
  return vec2<f32>(c64_coshf(z.x) * c.x, c64_sinhf(z.x) * c.y);
}
fn c64_sin(z: vec2<f32>) -> vec2<f32> {
  let u = c64_sinh(vec2<f32>(-z.y, z.x));
  return vec2<f32>(u.y, -u.x);
}
fn c64_cos(z: vec2<f32>) -> vec2<f32> { return c64_cosh(vec2<f32>(-z.y, z.x)); }`,
  },
  // The CPU's formula: (sinh x cosh x + i sin y cos y) / (sinh²x + cos²y); |x| > 10: tanh x
  // rounds to ±1 in f32.
  tanh: {
    deps: ['hyp'],
    code: `fn c64_tanh(z: vec2<f32>) -> vec2<f32> {
  let c = c64_cis(z.y);
  if (abs(z.x) > 10.0) { return vec2<f32>(sign(z.x), 4.0 * c.y * c.x * exp(-2.0 * abs(z.x))); }
  let s = c64_sinhf(z.x);
  return vec2<f32>(s * c64_coshf(z.x), c.y * c.x) / (s * s + c.x * c.x);
}`,
  },
  pow: {
    deps: ['log', 'exp'],
    code: `fn c64_pow(z: vec2<f32>, w: vec2<f32>) -> vec2<f32> {
  if (z.x == 0.0 && z.y == 0.0) {
    if (w.x == 0.0 && w.y == 0.0) { return vec2<f32>(1.0, 0.0); }
    if (w.x > 0.0) { return vec2<f32>(0.0, 0.0); }
  }
  return c64_exp(c64_mul(w, c64_log(z)));
}`,
  },
};

const FNS = { ...BASE_FNS, ...MORE_FNS };

/** The declarations of helpers `names` and everything they call, callees first. */
function helpers(names: readonly string[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of FNS[n]!.deps) visit(d);
    out.push(FNS[n]!.code);
  };
  for (const n of names) visit(n);
  return out.join('\n');
}

interface GpuOp {
  /** The WGSL expression over operands a, b, c. */
  readonly expr: string;
  readonly fns?: readonly string[];
  /** A real output (f32). */
  readonly real?: true;
}

const GPU_OPS: Readonly<Record<Exclude<ComplexOp, 'where'>, GpuOp>> = {
  neg: { expr: '-a' },
  conj: { expr: 'vec2<f32>(a.x, -a.y)' },
  square: { expr: 'vec2<f32>((a.x - a.y) * (a.x + a.y), 2.0 * a.x * a.y)' },
  reciprocal: { expr: 'c64_div(vec2<f32>(1.0, 0.0), a)' },
  sqrt: { expr: 'c64_sqrt(a)', fns: ['sqrt'] },
  exp: { expr: 'c64_exp(a)', fns: ['exp'] },
  log: { expr: 'c64_log(a)', fns: ['log'] },
  sin: { expr: 'c64_sin(a)', fns: ['hyp'] },
  cos: { expr: 'c64_cos(a)', fns: ['hyp'] },
  tanh: { expr: 'c64_tanh(a)', fns: ['tanh'] },
  sign: { expr: 'c64_sign(a)', fns: ['sign'] },
  add: { expr: '(a + b)' },
  sub: { expr: '(a - b)' },
  mul: { expr: 'c64_mul(a, b)' },
  div: { expr: 'c64_div(a, b)' },
  pow: { expr: 'c64_pow(a, b)', fns: ['pow'] },
  abs: { expr: 'c64_abs(a)', fns: ['abs'], real: true },
  angle: { expr: 'c64_arg(a)', fns: ['arg'], real: true },
  ...MORE_GPU_OPS,
};

/** Element type, WGSL expression and helpers of `op`; where's depend on its condition's dtype. */
function opOf(
  op: ComplexOp,
  ins: readonly GpuView[],
): { els: WgslElement[]; out: WgslElement; expr: string; fns: string } {
  if (op === 'where') {
    const int = ins[0]?.dtype === 'int32';
    return {
      els: [int ? I32 : F32, C64, C64],
      out: C64,
      expr: `select(c, b, a != ${int ? '0' : '0.0'})`,
      fns: '',
    };
  }
  const d = GPU_OPS[op];
  const arity = (COMPLEX_BINARY as readonly string[]).includes(op) ? 2 : 1;
  return {
    els: new Array<WgslElement>(arity).fill(C64),
    out: d.real ? F32 : C64,
    expr: d.expr,
    fns: helpers(d.fns ?? []),
  };
}

const NAMES = ['a', 'b', 'c'] as const;
const WG = 256;

/**
 * The kernel of `op` over broadcast operands x0, x1, x2 (read as a, b, c), params as in
 * elementwise.ts: n, nd and, when an operand is broadcast, dims = [outShape(nd), strides(arity × nd)].
 */
function complexKernel(op: ComplexOp, ins: readonly GpuView[], same: boolean, dimsLength: number): Kernel {
  const { els, out, expr, fns } = opOf(op, ins);
  const key = ['complex', op, same, dimsLength, ...els.map((e) => e.dtype)].join('|');
  return cachedKernel(key, () => {
    const arity = els.length;
    const vs = NAMES.slice(0, arity);
    const loads = same
      ? vs.map((v, k) => `let ${v} = x${k}[i];`).join('\n  ')
      : `var rem = i;
  ${vs.map((_, k) => `var p${k} = 0u;`).join(' ')}
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = params_dims(u32(d));
    let q = rem % size;
    rem = rem / size;
    ${vs.map((_, k) => `p${k} += q * params_dims(nd * ${k + 1}u + u32(d));`).join('\n    ')}
  }
  ${vs.map((v, k) => `let ${v} = x${k}[p${k}];`).join('\n  ')}`;
    const params: Record<string, ParamType> = { n: 'u32', nd: 'u32' };
    if (!same) params.dims = { array: 'u32', length: dimsLength };
    return wgslKernel(
      {
        name: `complex ${op}${same ? '' : ' (broadcast)'}`,
        inputs: Object.fromEntries(els.map((e, k) => [`x${k}`, e])),
        outputs: { out },
        params,
        scalars: [C64],
      },
      `${fns}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  let n = params.n;
  if (i >= n) { return; }
  let nd = params.nd;
  ${loads}
  out[i] = ${expr};
}`,
    );
  });
}

/**
 * Dispatches complex op `op` over broadcast operands on WebGPU, as elementwiseGpu: shapes in
 * elements, complex64 storages of 2 float32 slots per element; operands as complexElementwiseCpu.
 */
export function complexElementwiseGpu(
  gpu: WebGPURuntime,
  op: ComplexOp,
  ins: readonly GpuView[],
  out: GpuView,
): void {
  const arity = opOf(op, ins).els.length;
  if (ins.length !== arity)
    throw new RangeError(`complex ${op}: expected ${arity} operands, got ${ins.length}`);
  const n = numelOf(out.shape);
  if (n === 0) return;
  const same = ins.every((v) => numelOf(v.shape) === n);
  const nd = out.shape.length;
  const dims = [...out.shape];
  if (!same) for (const v of ins) dims.push(...broadcastStrides(v.shape, out.shape));
  const kernel = complexKernel(op, ins, same, same ? 0 : paramArrayLength(dims.length));
  const buffers = Object.fromEntries(ins.map((v, k) => [`x${k}`, v.storage]));
  runKernel(gpu, kernel, {
    buffers: { ...buffers, out: out.storage },
    params: same ? { n, nd } : { n, nd, dims },
    workgroups: dispatch1D(n, WG),
    loops: same ? 0 : nd,
  });
}
