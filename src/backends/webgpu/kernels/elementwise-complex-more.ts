/**
 * More WGSL helpers over ℂ for complex64 (elementwise-complex.ts declares and dispatches them):
 * log1p, expm1, tan, atan, rsqrt, sigmoid and silu, the methods of the CPU kernels in
 * cpu/elementwise-complex-more.ts in f32, on top of elementwise-complex.ts's helpers (named in
 * `deps`: cis, arg, log, exp, sqrt, tanh, copysign) and the C64 scalar's c64_mul and c64_div.
 * No loops, so the kernels add nothing to the WebGPU loop rule.
 */

/** Keyed c<op>, apart from elementwise-complex.ts's helper names (its log1p is the real log1pf). */
export const MORE_FNS: Record<string, { deps: readonly string[]; code: string }> = {
  // torch's method: for |z| < ½, log|1 + z| = ½ log1p(x(2 + x) + y²) keeps a small z's digits.
  clog1p: {
    deps: ['log'],
    code: `fn c64_log1p(z: vec2<f32>) -> vec2<f32> {
  let w = vec2<f32>(z.x + 1.0, z.y);
  let theta = c64_arg(w);
  if (dot(z, z) < 0.25) {
    let r = z.x * (2.0 + z.x) + z.y * z.y;
    if (r == 0.0) { return vec2<f32>(z.x, theta); }
    return vec2<f32>(0.5 * log1pf(r), theta);
  }
  return vec2<f32>(c64_logabs(w), theta);
}`,
  },
  // expm1(x) cos y − 2 sin²(y/2) + i eˣ sin y; the real expm1 by its Taylor series to x⁹ for
  // |x| < ½ (truncation < 2⁻³⁰ relative), unrolled; x > 88 (eˣ overflows): c64_exp minus 1.
  cexpm1: {
    deps: ['cis', 'exp'],
    code: `fn c64_expm1f(x: f32) -> f32 {
  if (abs(x) >= 0.5) { return exp(x) - 1.0; }
  return x * (1.0 + x / 2.0 * (1.0 + x / 3.0 * (1.0 + x / 4.0 * (1.0 + x / 5.0 * (1.0 + x / 6.0
    * (1.0 + x / 7.0 * (1.0 + x / 8.0 * (1.0 + x / 9.0))))))));
}
fn c64_expm1(z: vec2<f32>) -> vec2<f32> {
  if (z.y == 0.0) { return vec2<f32>(c64_expm1f(z.x), z.y); }
  if (z.x > 88.0) {
    let e = c64_exp(z);
    return vec2<f32>(e.x - 1.0, e.y);
  }
  let c = c64_cis(z.y);
  let h = c64_cis(0.5 * z.y).y;
  return vec2<f32>(c64_expm1f(z.x) * c.x - 2.0 * h * h, exp(z.x) * c.y);
}`,
  },
  // tan z = −i tanh(iz).
  ctan: {
    deps: ['tanh'],
    code: `fn c64_tan(z: vec2<f32>) -> vec2<f32> {
  let u = c64_tanh(vec2<f32>(-z.y, z.x));
  return vec2<f32>(u.y, -u.x);
}`,
  },
  // atan z = −i atanh(iz), atanh as the CPU's catanh: a ≥ 0 by atanh(−w) = −atanh(w), near w = 1
  // the difference of the logs, beyond |w| = 10¹⁸ (where the squares would overflow) 1/w ± iπ/2.
  catan: {
    deps: ['log', 'copysign'],
    code: `fn c64_atanh(v: vec2<f32>) -> vec2<f32> {
  let neg = v.x < 0.0;
  let w = select(v, -v, neg);
  let a = w.x;
  let b = w.y;
  var r: vec2<f32>;
  if (max(a, abs(b)) > 1e18) {
    r = vec2<f32>(c64_div(vec2<f32>(1.0, 0.0), w).x, c64_copysign(1.5707963267948966, b));
  } else {
    let d = (1.0 - a) * (1.0 - a) + b * b;
    var re = 0.25 * log1pf(4.0 * a / d);
    if (d < 0.5) { re = 0.5 * (c64_logabs(vec2<f32>(1.0 + a, b)) - c64_logabs(vec2<f32>(1.0 - a, b))); }
    r = vec2<f32>(re, 0.5 * c64_arg(vec2<f32>((1.0 - a) * (1.0 + a) - b * b, 2.0 * b)));
  }
  return select(r, -r, neg);
}
fn c64_atan(z: vec2<f32>) -> vec2<f32> {
  let u = c64_atanh(vec2<f32>(-z.y, z.x));
  return vec2<f32>(u.y, -u.x);
}`,
  },
  crsqrt: {
    deps: ['sqrt'],
    code: 'fn c64_rsqrt(z: vec2<f32>) -> vec2<f32> { return c64_div(vec2<f32>(1.0, 0.0), c64_sqrt(z)); }',
  },
  // 1/(1 + e⁻ᶻ) for x ≥ 0, eᶻ/(1 + eᶻ) for x < 0: the exponential's modulus is at most 1.
  csigmoid: {
    deps: ['exp'],
    code: `fn c64_sigmoid(z: vec2<f32>) -> vec2<f32> {
  if (z.x >= 0.0) {
    let e = c64_exp(-z);
    return c64_div(vec2<f32>(1.0, 0.0), vec2<f32>(1.0 + e.x, e.y));
  }
  let e = c64_exp(z);
  return c64_div(e, vec2<f32>(1.0 + e.x, e.y));
}`,
  },
};

/** The WGSL expressions of the ops above (operand a) and the helpers each needs. */
export const MORE_GPU_OPS = {
  log1p: { expr: 'c64_log1p(a)', fns: ['clog1p'] },
  expm1: { expr: 'c64_expm1(a)', fns: ['cexpm1'] },
  tan: { expr: 'c64_tan(a)', fns: ['ctan'] },
  atan: { expr: 'c64_atan(a)', fns: ['catan'] },
  rsqrt: { expr: 'c64_rsqrt(a)', fns: ['crsqrt'] },
  sigmoid: { expr: 'c64_sigmoid(a)', fns: ['csigmoid'] },
  silu: { expr: 'c64_mul(a, c64_sigmoid(a))', fns: ['csigmoid'] },
} as const;
