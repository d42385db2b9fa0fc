/**
 * The kernels of cpu/elementwise-complex-more.ts and webgpu/kernels/elementwise-complex-more.ts
 * (log1p, expm1, tan, atan, rsqrt, sigmoid, silu over ℂ) on typed arrays and GPU buffers, with no
 * Tensor: against float64 references written here with the plain formulas on random points,
 * against high-precision values (mpmath, 40 digits; torch where it is exact) near 0, near the
 * singularities and for large |z|, the branch cuts of log1p and atan (C99 and torch), and WebGPU
 * (complex64) against the CPU.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CpuView, GpuStorage } from '../src/backends/backend.js';
import { complexElementwiseCpu } from '../src/backends/cpu/elementwise-complex.js';
import { COMPLEX_UNARY_MORE, type ComplexMoreOp } from '../src/backends/cpu/elementwise-complex-more.js';
import { getGpu } from '../src/backends/webgpu/index.js';
import { complexElementwiseGpu } from '../src/backends/webgpu/kernels/elementwise-complex.js';
import { random } from './helpers/random.js';
import { describeWebGPU } from './helpers/webgpu.js';

type C = [number, number];
type F = Float64Array | Float32Array;
const view = (data: F, shape: readonly number[]): CpuView => ({
  data,
  shape,
  dtype: data instanceof Float64Array ? 'float64' : 'float32',
});

function cpu(op: ComplexMoreOp, a: F, n: number, f32 = false): F {
  const out = f32 ? new Float32Array(2 * n) : new Float64Array(2 * n);
  complexElementwiseCpu(op, [view(a, [n])], view(out, [n]));
  return out;
}
const one = (op: ComplexMoreOp, z: C): C => {
  const r = cpu(op, Float64Array.from(z), 1);
  return [r[0]!, r[1]!];
};

// ---- float64 references: plain formulas ------------------------------------------------------------
const cmul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cdiv = (a: C, b: C): C => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};
const cexp = ([x, y]: C): C => [Math.exp(x) * Math.cos(y), Math.exp(x) * Math.sin(y)];
const clog = ([x, y]: C): C => [Math.log(Math.hypot(x, y)), Math.atan2(y, x)];
const sig = (z: C): C => cdiv([1, 0], [1 + cexp([-z[0], -z[1]])[0], cexp([-z[0], -z[1]])[1]]);
const REF: Record<ComplexMoreOp, (z: C) => C> = {
  log1p: ([x, y]) => clog([1 + x, y]),
  expm1: (z) => {
    const e = cexp(z);
    return [e[0] - 1, e[1]];
  },
  tan: ([x, y]) => {
    const d = Math.cos(2 * x) + Math.cosh(2 * y);
    return [Math.sin(2 * x) / d, Math.sinh(2 * y) / d];
  },
  // atan z = (i/2)(log(1 − iz) − log(1 + iz))
  atan: ([x, y]) => {
    const a = clog([1 + y, -x]);
    const b = clog([1 - y, x]);
    return [-(a[1] - b[1]) / 2, (a[0] - b[0]) / 2];
  },
  rsqrt: ([x, y]) => {
    const r = Math.hypot(x, y) ** -0.5;
    const t = -Math.atan2(y, x) / 2;
    return [r * Math.cos(t), r * Math.sin(t)];
  },
  sigmoid: sig,
  silu: (z) => cmul(z, sig(z)),
};

function sample(n: number, seed: number, lo = -2, hi = 2): Float64Array {
  return random(2 * n, seed).map((u) => lo + (u + 0.5) * (hi - lo));
}
const at = (a: ArrayLike<number>, i: number): C => [a[2 * i]!, a[2 * i + 1]!];
const dist = (a: C, b: C) => Math.hypot(a[0] - b[0], a[1] - b[1]);
/** Each part within `rtol` of the wanted part (exact zeros and infinities exactly). */
function closeParts(got: C, want: C, rtol: number): boolean {
  return [0, 1].every((j) => {
    const g = got[j]!;
    const w = want[j]!;
    if (w === 0 || !Number.isFinite(w)) return Object.is(g, w) || (w === 0 && g === 0);
    return Math.abs(g - w) <= rtol * Math.abs(w);
  });
}

describe('more complex kernels on the CPU (complex128)', () => {
  for (const op of COMPLEX_UNARY_MORE) {
    it(`${op} matches the float64 reference on 200 random points`, () => {
      const n = 200;
      // tan and the sigmoids keep |Im z| < 1.2 (away from the poles at ±π/2 and ±iπ).
      const a = op === 'tan' ? sample(n, 7).map((v, k) => (k % 2 ? v : 0.6 * v)) : sample(n, 7);
      if (op === 'sigmoid' || op === 'silu') for (let k = 1; k < 2 * n; k += 2) a[k] = 0.6 * a[k]!;
      const got = cpu(op, a, n);
      for (let i = 0; i < n; i++) {
        const z = at(a, i);
        const want = REF[op](z);
        // The plain references lose digits where their result is much smaller than their terms
        // (expm1 near 0, log1p near |1 + z| = 1): a bound relative to those terms.
        const scale = op === 'expm1' ? Math.exp(z[0]) : op === 'log1p' ? 1 : Math.hypot(...want);
        if (!(dist(at(got, i), want) <= 1e-14 * Math.max(scale, Math.hypot(...want)) + 1e-15)) {
          expect({ op, i, got: at(got, i) }).toEqual({ op, i, got: want });
        }
      }
    });
  }

  it('accurate near 0, near the singularities and for large |z| (high-precision values)', () => {
    // [op, z, value to 40 digits rounded to double (torch's where mpmath underflows)]
    const cases: [ComplexMoreOp, C, C, 'normwise'?][] = [
      ['log1p', [1e-10, 1e-10], [1e-10, 9.999999999e-11]],
      ['log1p', [-1e-8, 3e-5], [-9.550000041202501e-9, 3.0000000291000003e-5]],
      // on the circle |1 + z| = 1, away from 0: the real part is a difference of nearly equal terms
      ['log1p', [-0.5, 0.866], [-2.2000484014204726e-5, 1.0471848490249271]],
      ['log1p', [-0.2, 0.6], [-2.2204460492503132e-17, 0.6435011087932844]],
      ['log1p', [-1.5, 0.866], [-2.2000484014204726e-5, 2.094407804564866]],
      ['log1p', [-0.01, 0.1414], [4.6977793017843776e-5, 0.14186877166161413]],
      ['log1p', [1e-200, -1e-200], [1e-200, -1e-200]],
      ['log1p', [1e300, 1e300], [691.1221014884936, 0.7853981633974483]],
      ['expm1', [1e-10, 1e-10], [1e-10, 1.0000000001000001e-10]],
      ['expm1', [-1e-9, 2e-5], [-1.1999999992933334e-9, 1.9999999978666667e-5]],
      ['expm1', [3e-8, 1e-4], [2.5000000304166665e-8, 1.0000000283333337e-4]],
      ['expm1', [1e-200, -1e-200], [1e-200, -1e-200]],
      ['tan', [1e-10, 1e-10], [1e-10, 1e-10]],
      ['tan', [0.3, 800], [0, 1]],
      ['tan', [0.3, -800], [0, -1]],
      ['tan', [1.5, 0.1], [4.692385204651135, 6.694628865714379]],
      ['atan', [1e-10, 1e-10], [1e-10, 1e-10]],
      ['atan', [1e300, 1e300], [Math.PI / 2, 5e-301]],
      ['atan', [-0.5, 0.866], [-0.7853761633974625, 0.6584662460113112]],
      ['atan', [0.1, 1.5], [1.4920878904316013, 0.7953134582696542]],
      ['atan', [1e-12, 0.999999], [5.000002499855805e-7, 7.25432861924742]],
      ['atan', [1e20, -3], [Math.PI / 2, -3e-40]], // Im(−1/z); the next term is 1/(3z³)
      ['rsqrt', [1e-300, 1e-300], [7.768869870150186e149, -3.217971264527913e149]],
      ['rsqrt', [1e300, -1e300], [7.768869870150186e-151, 3.217971264527913e-151]],
      ['rsqrt', [-4, 1e-3], [6.249999755859387e-5, -0.49999998828125053]],
      ['sigmoid', [-800, 1], [0, 0]],
      ['sigmoid', [800, -1], [1, -0]],
      ['sigmoid', [-30, 0.5], [8.212086738198482e-14, 4.486283431890525e-14]],
      // near the pole at iπ: normwise (the real part is 1/22 of |σ|, whose condition number is 24)
      ['sigmoid', [1e-3, 3.1], [1.0778011685566053, 24.025351339087567], 'normwise'],
      ['silu', [-30, 0.5], [-2.4860574386189974e-12, -1.304824595876165e-12]],
      ['silu', [1e-10, 1e-10], [5e-11, 5.0000000005000005e-11]],
    ];
    for (const [op, z, want, normwise] of cases) {
      const got = one(op, z);
      const ok = normwise
        ? dist(got, want) <= 1e-15 * Math.hypot(...want)
        : closeParts(got, want, 1e-14) || (want[0] === 0 && want[1] === 0 && dist(got, want) < 1e-300);
      if (!ok) expect({ op, z, got }).toEqual({ op, z, got: want });
    }
  });

  it('branch cuts follow the sign of a zero part (C99 and torch)', () => {
    const hp = Math.PI / 2;
    const a = 0.5493061443340549; // ½ log 3: atan(±0 ± 2i) = ±π/2 ± i·½ log 3
    // atan: cuts on the imaginary axis beyond ±i, the sign of the zero real part picks the side.
    expect(one('atan', [0, 2])).toEqual([hp, a]);
    expect(one('atan', [-0, 2])).toEqual([-hp, a]);
    expect(one('atan', [0, -2])).toEqual([hp, -a]);
    expect(one('atan', [-0, -2])).toEqual([-hp, -a]);
    // log1p: the cut on the real axis left of −1.
    expect(one('log1p', [-3, 0])).toEqual([Math.LN2, Math.PI]);
    expect(one('log1p', [-3, -0])).toEqual([Math.LN2, -Math.PI]);
    // At the singular points: log1p(−1) = −∞, atan(±i) = ±i∞, rsqrt(0) = ∞ + NaN i (torch).
    expect(one('log1p', [-1, 0])).toEqual([Number.NEGATIVE_INFINITY, 0]);
    expect(one('atan', [0, 1])[1]).toBe(Number.POSITIVE_INFINITY);
    expect(one('atan', [0, -1])[1]).toBe(Number.NEGATIVE_INFINITY);
    const r0 = one('rsqrt', [0, 0]);
    expect(r0[0]).toBe(Number.POSITIVE_INFINITY);
    expect(r0[1]).toBeNaN();
  });

  it('real inputs give the real functions (imaginary part 0)', () => {
    for (const x of [-2.5, -0.3, 1e-9, 0.7, 3]) {
      const l = one('log1p', [x, 0]);
      expect(l[0]).toBeCloseTo(x > -1 ? Math.log1p(x) : Math.log(-1 - x), 15);
      expect(l[1]).toBe(x > -1 ? 0 : Math.PI);
      expect(one('expm1', [x, 0])).toEqual([Math.expm1(x), 0]);
      expect(one('tan', [x, 0])[0]).toBeCloseTo(Math.tan(x), 14);
      expect(one('atan', [x, 0])[0]).toBeCloseTo(Math.atan(x), 15);
      const s = 1 / (1 + Math.exp(-x));
      expect(one('sigmoid', [x, 0])[0]).toBeCloseTo(s, 15);
      expect(one('silu', [x, 0])[0]).toBeCloseTo(x * s, 15);
    }
  });

  it('complex64 results are the complex128 ones rounded to float32', () => {
    const n = 64;
    const a = Float32Array.from(sample(n, 9, -1, 1));
    for (const op of COMPLEX_UNARY_MORE) {
      const want = Float32Array.from(cpu(op, Float64Array.from(a), n));
      expect(Array.from(cpu(op, a, n, true)), op).toEqual(Array.from(want));
    }
  });
});

// ---- WebGPU ---------------------------------------------------------------------------------------

const live: GpuStorage[] = [];
afterAll(() => {
  for (const s of live.splice(0)) getGpu().free(s);
});
async function gpu(op: ComplexMoreOp, a: Float32Array, shape: number[]): Promise<Float32Array> {
  const n = shape.reduce((p, q) => p * q, 1);
  const inp = getGpu().upload(a);
  const out = getGpu().alloc('float32', 2 * n);
  live.push(inp, out);
  complexElementwiseGpu(getGpu(), op, [{ storage: inp, shape: [a.length / 2], dtype: 'float32' }], {
    storage: out,
    shape,
    dtype: 'float32',
  });
  return (await getGpu().read(out)).subarray(0, 2 * n) as Float32Array;
}

const ULP = 2 ** -23;
const mag = (z: C) => Math.hypot(z[0], z[1]);
/**
 * Per-element bounds on |webgpu − cpu| (the CPU's float64 result on the same f32 inputs): a
 * multiple of f32's ulp of the result's magnitude, plus the absolute error of the helpers behind
 * it (c64_cis and c64_arg: a few 2⁻²⁴; WGSL's log 2⁻²¹ absolute on [½, 2]; exp 3 + 2|x| ulp),
 * scaled by the op's derivative where the error enters the argument (tan, the sigmoids).
 */
const GPU_TOL: Record<ComplexMoreOp, (z: C, r: C) => number> = {
  log1p: (_z, r) => 2 ** -19 + 64 * ULP * mag(r),
  expm1: ([x], r) => 64 * ULP * (mag(r) + Math.exp(x)) * (1 + Math.abs(x)),
  tan: (_z, r) => 256 * ULP * (1 + mag(r) ** 2),
  atan: (_z, r) => 2 ** -19 + 64 * ULP * mag(r),
  rsqrt: (_z, r) => 64 * ULP * mag(r),
  sigmoid: ([x], r) => 64 * ULP * (1 + Math.abs(x)) * (mag(r) + mag(r) ** 2),
  silu: (z, r) => 64 * ULP * (1 + Math.abs(z[0])) * (mag(r) + mag(z) * (1 + mag(r)) ** 2),
};

describeWebGPU('more complex kernels on WebGPU (complex64) against the CPU', () => {
  for (const op of COMPLEX_UNARY_MORE) {
    it(`${op} on 256 random points, broadcast, and near 0 and for large |z|`, async () => {
      const n = 256;
      const base = sample(n, 51);
      if (op === 'tan' || op === 'sigmoid' || op === 'silu')
        for (let k = 1; k < 2 * n; k += 2) base[k] = 0.6 * base[k]!;
      // a few small and large points beside the random ones
      // (a huge real part of tan's argument is beyond c64_cis's range reduction: a huge imaginary one)
      const extra = [1e-6, 2e-6, -3e-7, 1e-7, 30, 0.5, -30, 0.5, 0.4, 40, 1e20, 0.5, -5e-4, 0.3];
      if (op === 'tan') extra.splice(10, 2, 0.5, 1e20);
      extra.forEach((v, k) => {
        base[k] = v;
      });
      const a = Float32Array.from(base);
      const want = cpu(op, Float64Array.from(a), n);
      const got = await gpu(op, a, [n]);
      for (let i = 0; i < n; i++) {
        const z = at(a, i);
        const r = at(want, i);
        if (!(dist(at(got, i), r) <= GPU_TOL[op](z, r))) {
          expect({ op, i, z, webgpu: at(got, i) }).toEqual({ op, i, z, webgpu: r });
        }
      }
      // [1, 16] broadcast to [16, 16]: every row is the first 16 values.
      const gotB = await gpu(op, a.subarray(0, 32), [16, 16]);
      for (let i = 0; i < 256; i++) expect(at(gotB, i)).toEqual(at(got, i % 16));
    });
  }
});
