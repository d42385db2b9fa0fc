/**
 * The complex elementwise kernels (src/backends/cpu/elementwise-complex.ts and
 * src/backends/webgpu/kernels/elementwise-complex.ts) on typed arrays and GPU buffers, with no
 * Tensor: every op against a float64 reference written here with the plain formulas (polar forms,
 * the textbook sin/cos/tanh), exact identities, overflow and branch-cut cases, broadcasting,
 * float32 rounding of complex64, and WebGPU (complex64) against the CPU with tolerances from f32
 * rounding and WGSL's stated accuracy of its builtins.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CpuView, GpuStorage } from '../src/backends/backend.js';
import {
  COMPLEX_BINARY,
  COMPLEX_OPS,
  COMPLEX_TO_REAL,
  COMPLEX_UNARY,
  type ComplexOp,
  complexElementwiseCpu,
} from '../src/backends/cpu/elementwise-complex.js';
import type { ComplexMoreOp } from '../src/backends/cpu/elementwise-complex-more.js';
import { sumCpu } from '../src/backends/cpu/reduce.js';
import { COMPLEX } from '../src/backends/cpu/scalar.js';
import { getGpu } from '../src/backends/webgpu/index.js';
import { C64 } from '../src/backends/webgpu/kernel.js';
import { complexElementwiseGpu } from '../src/backends/webgpu/kernels/elementwise-complex.js';
import { sumGpu } from '../src/backends/webgpu/kernels/reduce.js';
import { random } from './helpers/random.js';
import { describeWebGPU } from './helpers/webgpu.js';

type C = [number, number];
type F = Float64Array | Float32Array;
const view = (data: F | Int32Array, shape: readonly number[]): CpuView => ({
  data,
  shape,
  dtype: data instanceof Float64Array ? 'float64' : data instanceof Float32Array ? 'float32' : 'int32',
});
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const realOut = (op: ComplexOp) => (COMPLEX_TO_REAL as readonly string[]).includes(op);

/** Runs op on the CPU; inputs are interleaved complex arrays (where: the condition first, real). */
function cpu(op: ComplexOp, ins: [F | Int32Array, number[]][], shape: number[], f32 = false): F {
  const n = numel(shape) * (realOut(op) ? 1 : 2);
  const out = f32 ? new Float32Array(n) : new Float64Array(n);
  complexElementwiseCpu(
    op,
    ins.map(([d, s]) => view(d, s)),
    view(out, shape),
  );
  return out;
}
const one = (op: ComplexOp, ...zs: C[]): C => {
  const r = cpu(
    op,
    zs.map((z) => [Float64Array.from(z), []]),
    [],
  );
  return realOut(op) ? [r[0]!, 0] : [r[0]!, r[1]!];
};

// ---- float64 references: plain formulas ------------------------------------------------------------
const hyp = (x: number, y: number) => Math.sqrt(x * x + y * y);
const polar = (r: number, t: number): C => [r * Math.cos(t), r * Math.sin(t)];
/** The ops of cpu/elementwise-complex-more.ts have their own tests (complex-kernels-more.test.ts). */
type BaseOp = Exclude<ComplexOp, 'where' | ComplexMoreOp>;
const REF: Record<BaseOp, (a: C, b: C) => C> = {
  neg: ([x, y]) => [-x, -y],
  conj: ([x, y]) => [x, -y],
  square: ([x, y]) => [x * x - y * y, 2 * x * y],
  reciprocal: ([x, y]) => [x / (x * x + y * y), -y / (x * x + y * y)],
  sqrt: ([x, y]) => polar(Math.sqrt(hyp(x, y)), Math.atan2(y, x) / 2),
  exp: ([x, y]) => polar(Math.exp(x), y),
  log: ([x, y]) => [Math.log(hyp(x, y)), Math.atan2(y, x)],
  sin: ([x, y]) => [Math.sin(x) * Math.cosh(y), Math.cos(x) * Math.sinh(y)],
  cos: ([x, y]) => [Math.cos(x) * Math.cosh(y), -Math.sin(x) * Math.sinh(y)],
  tanh: ([x, y]) => {
    const d = Math.cosh(2 * x) + Math.cos(2 * y);
    return [Math.sinh(2 * x) / d, Math.sin(2 * y) / d];
  },
  sign: ([x, y]) => [x / hyp(x, y), y / hyp(x, y)],
  add: (a, b) => [a[0] + b[0], a[1] + b[1]],
  sub: (a, b) => [a[0] - b[0], a[1] - b[1]],
  mul: (a, b) => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]],
  div: (a, b) => {
    const d = b[0] * b[0] + b[1] * b[1];
    return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
  },
  // |z|^w = r^Re w · e^(−Im w·θ), arg = Re w·θ + Im w·ln r
  pow: ([x, y], [p, q]) => {
    const r = hyp(x, y);
    const t = Math.atan2(y, x);
    return polar(r ** p * Math.exp(-q * t), p * t + q * Math.log(r));
  },
  abs: ([x, y]) => [hyp(x, y), 0],
  angle: ([x, y]) => [Math.atan2(y, x), 0],
};

/** n random complex numbers, parts uniform in [lo, hi) (tanh keeps away from its poles). */
function sample(n: number, seed: number, lo = -2, hi = 2): Float64Array {
  return random(2 * n, seed).map((u) => lo + (u + 0.5) * (hi - lo));
}
const at = (a: ArrayLike<number>, i: number): C => [a[2 * i]!, a[2 * i + 1]!];
const near = (got: C, want: C, rtol: number, atol = 0) =>
  Math.hypot(got[0] - want[0], got[1] - want[1]) <= rtol * Math.hypot(want[0], want[1]) + atol;

describe('complex elementwise kernels on the CPU (complex128)', () => {
  it('name tables partition the ops', () => {
    expect([...COMPLEX_UNARY, ...COMPLEX_BINARY, ...COMPLEX_TO_REAL, 'where']).toEqual([...COMPLEX_OPS]);
    expect(new Set(COMPLEX_OPS).size).toBe(COMPLEX_OPS.length);
  });

  for (const op of Object.keys(REF) as (keyof typeof REF)[]) {
    it(`${op} matches the float64 reference on 200 random points`, () => {
      const n = 200;
      const a = op === 'tanh' ? sample(n, 1, -1.2, 1.2) : sample(n, 1);
      const b = sample(n, 2);
      const binary = (COMPLEX_BINARY as readonly string[]).includes(op);
      const got = cpu(
        op,
        binary
          ? [
              [a, [n]],
              [b, [n]],
            ]
          : [[a, [n]]],
        [n],
      );
      for (let i = 0; i < n; i++) {
        const want = REF[op](at(a, i), at(b, i));
        const g: C = realOut(op) ? [got[i]!, 0] : at(got, i);
        if (!near(g, want, 1e-14, 1e-15)) expect({ op, i, got: g }).toEqual({ op, i, got: want });
      }
    });
  }

  it('exact identities: exp(log z) = z, sqrt(z)² = z, |3 + 4i| = 5', () => {
    const n = 100;
    const z = sample(n, 7, -5, 5);
    const l = cpu('exp', [[cpu('log', [[z, [n]]], [n]), [n]]], [n]);
    const s = cpu('sqrt', [[z, [n]]], [n]);
    const s2 = cpu('square', [[s, [n]]], [n]);
    for (let i = 0; i < n; i++) {
      expect(near(at(l, i), at(z, i), 4e-16 * 8)).toBe(true);
      expect(near(at(s2, i), at(z, i), 4e-16 * 4)).toBe(true);
    }
    expect(one('abs', [3, 4])).toEqual([5, 0]);
    expect(one('abs', [3e300, 4e300])).toEqual([5e300, 0]);
    expect(one('abs', [3e-320, 4e-320])).toEqual([5e-320, 0]);
    expect(one('abs', [1e308, 1e308])[0]).toBeCloseTo(Math.SQRT2 * 1e308, -293);
  });

  it("Smith's division and reciprocal do not overflow near 1e300", () => {
    expect(one('div', [1e300, 1e300], [1e300, 1e300])).toEqual([1, 0]);
    const r = one('reciprocal', [1e300, 1e300]);
    expect(near(r, [5e-301, -5e-301], 1e-15)).toBe(true);
    const q = one('div', [1.5e308, 1.5e308], [1, 1]);
    expect(near(q, [1.5e308, 0], 1e-15)).toBe(true);
    const w = one('div', [1, 0], [1.5e308, 1.5e308]);
    expect(near(w, [0.5 / 1.5e308, -0.5 / 1.5e308], 1e-14)).toBe(true);
    expect(one('div', [1, 1], [0, 0])).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
    const z = one('reciprocal', [0, 0]);
    expect(z[0]).toBe(Number.POSITIVE_INFINITY);
    expect(z[1]).toBeNaN();
  });

  it('exp, sin, cos and tanh stay finite where eˣ alone overflows', () => {
    // e^710 ≈ 2.2e308 overflows, e^710·cis(0.785) ≈ (1.58e308, 1.58e308) does not
    const e = one('exp', [710, 0.785]);
    const want = polar(Math.exp(700), 0.785).map((v) => v * Math.exp(10)) as C;
    expect(near(e, want, 1e-13)).toBe(true);
    // sin(3.1 + 710.2i) = (sin 3.1 cosh 710.2, cos 3.1 sinh 710.2) ≈ (6.2e306, −1.48e308): finite
    const half = (Math.exp(700.2) / 2) * Math.exp(10);
    expect(near(one('sin', [3.1, 710.2]), [Math.sin(3.1) * half, Math.cos(3.1) * half], 1e-13)).toBe(true);
    expect(near(one('cos', [3.1, -710.2]), [Math.cos(3.1) * half, Math.sin(3.1) * half], 1e-13)).toBe(true);
    for (const x of [1000, -1000]) {
      const t = one('tanh', [x, 1]);
      expect(t[0]).toBe(Math.sign(x));
      expect(Number.isFinite(t[1])).toBe(true);
      expect(Math.abs(t[1])).toBe(0);
    }
    expect(near(one('tanh', [30, 1]), REF.tanh([30, 1], [0, 0]), 1e-15)).toBe(true);
    expect(near(one('tanh', [-21.5, 1.5]), REF.tanh([-21.5, 1.5], [0, 0]), 1e-15)).toBe(true);
  });

  it('branch cuts follow the sign of a zero imaginary part', () => {
    expect(one('sqrt', [-4, 0])).toEqual([0, 2]);
    expect(one('sqrt', [-4, -0])).toEqual([0, -2]);
    expect(Object.is(one('sqrt', [0, -0])[1], -0)).toBe(true);
    expect(one('log', [-1, 0])).toEqual([0, Math.PI]);
    expect(one('log', [-1, -0])).toEqual([0, -Math.PI]);
    expect(one('angle', [-1, -0])[0]).toBe(-Math.PI);
    expect(one('log', [0, 0])).toEqual([Number.NEGATIVE_INFINITY, 0]);
    // negative real parts: sqrt(−1e8 + i) has a real part 1/(2·1e4) computed without cancellation
    const r = one('sqrt', [-1e8, 1]);
    expect(Math.abs(r[0] - 5e-5)).toBeLessThanOrEqual(5e-5 * 1e-15);
    expect(r[1]).toBe(1e4);
    // deep in the subnormals: √(1e-310 + 3e-310 i) = 1e-155·√(1 + 3i)
    const sub = REF.sqrt([1, 3], [0, 0]).map((v) => v * 1e-155) as C;
    expect(near(one('sqrt', [1e-310, 3e-310]), sub, 1e-14)).toBe(true);
    expect(
      near(one('sqrt', [1e308, -1.7e308]), REF.sqrt([1e8, -1.7e8], [0, 0]).map((v) => v * 1e150) as C, 1e-14),
    ).toBe(true);
    // log|z| near |z| = 1 keeps its relative accuracy (log(hypot) would lose 4 digits here)
    const x = 1 + 1e-12;
    const e = x - 1;
    const l = one('log', [x, 1e-8]);
    expect(Math.abs(l[0] - (e - (e * e) / 2 + 5e-17))).toBeLessThanOrEqual(1e-12 * e);
    expect(one('log', [1e308, 1e308])[0]).toBeCloseTo(Math.log(1e308) + 0.5 * Math.LN2, 12);
  });

  it('special values as C99 Annex G and torch', () => {
    const I = Number.POSITIVE_INFINITY;
    expect(one('exp', [-I, I])).toEqual([0, 0]);
    expect(one('exp', [I, 0])).toEqual([I, 0]);
    expect(one('sqrt', [5, I])).toEqual([I, I]);
    expect(one('sqrt', [-I, 2])).toEqual([0, I]);
    expect(one('tanh', [I, 3])).toEqual([1, -0]); // 1 + i·0·sin(2y), sin 6 < 0
    expect(one('tanh', [-I, Number.NaN])).toEqual([-1, 0]);
    expect(one('sign', [0, 0])).toEqual([0, 0]);
    expect(one('sign', [3, 4])).toEqual([0.6, 0.8]);
    expect(near(one('sign', [1e308, 1e308]), [Math.SQRT1_2, Math.SQRT1_2], 1e-15)).toBe(true);
    expect(one('pow', [0, 0], [2, 1])).toEqual([0, 0]);
    expect(one('pow', [0, 0], [0, 0])).toEqual([1, 0]);
    expect(near(one('pow', [-8, 0], [1 / 3, 0]), [1, Math.sqrt(3)], 1e-15)).toBe(true);
    expect(near(one('pow', [1, 2], [2, 0]), [-3, 4], 1e-15)).toBe(true);
    expect(one('sin', [0, 0])).toEqual([0, 0]);
    expect(one('cos', [0, 0])).toEqual([1, -0]);
  });

  it('broadcasts like the real kernels, where with float and int32 conditions', () => {
    const a = sample(6, 11); // [2, 3]
    const b = sample(3, 12); // [3]
    const c = sample(2, 13); // [2, 1]
    const ab = cpu(
      'mul',
      [
        [a, [2, 3]],
        [b, [3]],
      ],
      [2, 3],
    );
    const ca = cpu(
      'div',
      [
        [c, [2, 1]],
        [b, [1, 3]],
      ],
      [2, 3],
    );
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        expect(near(at(ab, 3 * i + j), REF.mul(at(a, 3 * i + j), at(b, j)), 1e-15)).toBe(true);
        expect(near(at(ca, 3 * i + j), REF.div(at(c, i), at(b, j)), 1e-15)).toBe(true);
      }
    }
    const s = Float64Array.from([7, -7]);
    for (const cond of [Float64Array.from([1, 0, -0.5]), Int32Array.from([1, 0, 3])]) {
      const w = cpu(
        'where',
        [
          [cond, [3]],
          [a, [2, 3]],
          [s, []],
        ],
        [2, 3],
      );
      for (let k = 0; k < 6; k++) expect(at(w, k)).toEqual(cond[k % 3] !== 0 ? at(a, k) : [7, -7]);
    }
    expect(cpu('abs', [[a, [2, 3]]], [2, 3])).toHaveLength(6);
    expect(
      cpu(
        'add',
        [
          [a, [2, 0]],
          [b, [0]],
        ],
        [2, 0],
      ),
    ).toHaveLength(0);
  });

  it('complex64 results are the complex128 ones rounded to float32', () => {
    const n = 64;
    const a = Float32Array.from(sample(n, 21));
    const b = Float32Array.from(sample(n, 22));
    for (const op of COMPLEX_OPS) {
      if (op === 'where') continue;
      const binary = (COMPLEX_BINARY as readonly string[]).includes(op);
      const ins: [F, number[]][] = binary
        ? [
            [a, [n]],
            [b, [n]],
          ]
        : [[a, [n]]];
      const lo = cpu(op, ins, [n], true);
      const hi = cpu(
        op,
        ins.map(([d, s]) => [Float64Array.from(d), s]),
        [n],
      );
      expect(lo).toEqual(Float32Array.from(hi));
    }
    const big = Float32Array.from([3e20, 1]);
    expect(
      at(
        cpu(
          'mul',
          [
            [big, [1]],
            [big, [1]],
          ],
          [1],
          true,
        ),
        0,
      ),
    ).toEqual([Number.POSITIVE_INFINITY, 2 * Math.fround(3e20)]);
  });

  it('complex sums (sumCpu with COMPLEX) add the parts separately', () => {
    const x = sample(12, 31); // [3, 4]
    const out = new Float64Array(2 * 4);
    sumCpu(view(x, [3, 4]), view(out, [4]), [0], COMPLEX);
    for (let j = 0; j < 4; j++) {
      const want: C = [0, 0];
      for (let i = 0; i < 3; i++) for (const q of [0, 1]) want[q] += x[2 * (4 * i + j) + q]!;
      expect(near(at(out, j), want, 1e-15)).toBe(true);
    }
  });
});

// ---- WebGPU (complex64) against the CPU ------------------------------------------------------------

const live: GpuStorage[] = [];
afterAll(() => {
  for (const s of live.splice(0)) getGpu().free(s);
});
const up = (d: Float32Array | Int32Array): GpuStorage => {
  const s = getGpu().upload(d);
  live.push(s);
  return s;
};
const gview = (s: GpuStorage, shape: readonly number[]) => ({ storage: s, shape, dtype: s.dtype });

async function gpu(op: ComplexOp, ins: [Float32Array | Int32Array, number[]][], shape: number[]) {
  const n = numel(shape) * (realOut(op) ? 1 : 2);
  const out = getGpu().alloc('float32', Math.max(1, n));
  live.push(out);
  complexElementwiseGpu(
    getGpu(),
    op,
    ins.map(([d, s]) => gview(up(d), s)),
    gview(out, shape),
  );
  return (await getGpu().read(out)).subarray(0, n) as Float32Array;
}

const U = 2 ** -24; // f32 unit roundoff; WGSL's "ulp" bounds are taken as 2⁻²³ relative
const ULP = 2 ** -23;
const mag = (z: C) => Math.hypot(z[0], z[1]);
/** c64_cis, the kernels' own (cos t, sin t): a few 2⁻²⁴ absolute (WGSL's sin/cos promise 2⁻¹¹). */
const CIS = 8 * U;
/** c64_arg, the kernels' own atan2: a few ulp (WGSL's atan2 promises 4096). */
const ARG = 8 * ULP;
/**
 * Per-element bounds (normwise, on |got − ref|) for WebGPU against the CPU's float64 result on
 * the same float32 inputs, from f32 rounding and WGSL's accuracy (see the kernel file's comment):
 * exp 3 + 2|x| ulp, log 2⁻²¹ absolute, division 2.5 ulp; sinh/cosh from exp (3× for the
 * cancellation in (eˣ − e⁻ˣ)/2 at |x| ≥ ½), cis and arg as CIS and ARG.
 */
const GPU_TOL: Record<BaseOp, (a: C, b: C, r: C) => number> = {
  neg: () => 0,
  conj: () => 0,
  add: (_a, _b, r) => 2 * U * mag(r),
  sub: (_a, _b, r) => 2 * U * mag(r),
  mul: (a, b) => 4 * U * mag(a) * mag(b),
  square: (a) => 4 * U * mag(a) ** 2,
  div: (a, b) => (32 * U * mag(a)) / mag(b),
  reciprocal: (a) => (32 * U) / mag(a),
  abs: (_a, _b, r) => 16 * ULP * mag(r),
  sign: () => 16 * ULP,
  sqrt: (_a, _b, r) => 32 * ULP * mag(r),
  angle: (_a, _b, r) => ARG * Math.abs(r[0]),
  log: (_a, _b, r) => 2 ** -19 + ARG * Math.abs(r[1]) + 8 * ULP * mag(r),
  exp: ([x]) => 2 * Math.exp(x) * ((3 + 2 * Math.abs(x)) * ULP + CIS + 4 * U),
  sin: ([, y]) => 2 * Math.cosh(y) * (3 * (8 + 2 * Math.abs(y)) * ULP + CIS),
  cos: ([, y]) => 2 * Math.cosh(y) * (3 * (8 + 2 * Math.abs(y)) * ULP + CIS),
  // numerators and sinh²x + cos²y (≥ cos²1 = 0.29 on the test domain) with sinh's relative error
  // ε ≤ 3(8 + 2|x|) ulp and cis's: relative error ≤ 4ε + 40 ulp of (1 + |tanh|)
  tanh: ([x], _b, r) => (136 + 24 * Math.abs(x)) * ULP * (1 + mag(r)),
  pow: (a, b, r) => {
    const la = Math.hypot(Math.log(mag(a)), Math.PI);
    const p = mag(b) * la;
    return (
      mag(r) * (mag(b) * (2 ** -19 + ARG * Math.PI + 8 * ULP * la) + 4 * U * p + (3 + 2 * p) * ULP + 2 * CIS)
    );
  },
};

function agree(
  op: string,
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  tol: (i: number) => number,
  w = 2,
) {
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length / w; i++) {
    const g: C = w === 2 ? at(got, i) : [got[i]!, 0];
    const r: C = w === 2 ? at(ref, i) : [ref[i]!, 0];
    if (!(Math.hypot(g[0] - r[0], g[1] - r[1]) <= tol(i))) {
      expect({ op, i, webgpu: g, tol: tol(i) }).toEqual({ op, i, webgpu: r, tol: tol(i) });
    }
  }
}

describeWebGPU('complex elementwise kernels on WebGPU (complex64) against the CPU', () => {
  for (const op of Object.keys(GPU_TOL) as (keyof typeof GPU_TOL)[]) {
    it(`${op} on 256 random points, and broadcast`, async () => {
      const n = 256;
      const a = Float32Array.from(
        op === 'tanh' ? sample(n, 41).map((v, k) => (k % 2 ? v / 2 : 1.5 * v)) : sample(n, 41),
      );
      const b = Float32Array.from(sample(n, 42));
      const binary = (COMPLEX_BINARY as readonly string[]).includes(op);
      const ins: [Float32Array, number[]][] = binary
        ? [
            [a, [n]],
            [b, [n]],
          ]
        : [[a, [n]]];
      const want = cpu(
        op,
        ins.map(([d, s]) => [Float64Array.from(d), s]),
        [n],
      );
      const got = await gpu(op, ins, [n]);
      const w = realOut(op) ? 1 : 2;
      agree(op, got, want, (i) => GPU_TOL[op](at(a, i), at(b, i), w === 2 ? at(want, i) : [want[i]!, 0]), w);
      // [16, 16] against [16] (binary) or [1, 16] against [16, 16] (unary: the same values)
      const bs: [Float32Array, number[]][] = binary
        ? [
            [a, [16, 16]],
            [b.subarray(0, 32), [16]],
          ]
        : [[a, [16, 16]]];
      const wantB = cpu(
        op,
        bs.map(([d, s]) => [Float64Array.from(d), s]),
        [16, 16],
      );
      const gotB = await gpu(op, bs, [16, 16]);
      agree(
        op,
        gotB,
        wantB,
        (i) => GPU_TOL[op](at(a, i), at(b, i % 16), w === 2 ? at(wantB, i) : [wantB[i]!, 0]),
        w,
      );
    });
  }

  it('angle on 2001 points around the circle and near the axes (every octant of c64_arg)', async () => {
    const n = 2001;
    const z = new Float32Array(2 * n);
    for (let k = 0; k < n; k++) {
      const t = -Math.PI + ((2 * Math.PI) / (n - 1)) * k;
      const r = 10 ** ((k % 7) - 3);
      [z[2 * k], z[2 * k + 1]] = [r * Math.cos(t), r * Math.sin(t)];
    }
    const got = await gpu('angle', [[z, [n]]], [n]);
    const want = cpu('angle', [[Float64Array.from(z), [n]]], [n]);
    agree('angle', got, want, (i) => ARG * Math.abs(want[i]!) + 1e-30, 1);
  });

  it('where with float32 and int32 conditions, broadcast', async () => {
    const a = Float32Array.from(sample(6, 51));
    const s = Float32Array.from([7, -7]);
    for (const cond of [Float32Array.from([1, 0, -0.5]), Int32Array.from([1, 0, 3])]) {
      const got = await gpu(
        'where',
        [
          [cond, [3]],
          [a, [2, 3]],
          [s, []],
        ],
        [2, 3],
      );
      for (let k = 0; k < 6; k++) expect(at(got, k)).toEqual(cond[k % 3] !== 0 ? at(a, k) : [7, -7]);
    }
  });

  it('no overflow or underflow where f32 naive formulas have them', async () => {
    const g = async (op: ComplexOp, ...zs: C[]) => {
      const r = await gpu(
        op,
        zs.map((z) => [Float32Array.from(z), []]),
        [],
      );
      return (realOut(op) ? [r[0], 0] : [r[0], r[1]]) as C;
    };
    expect(await g('div', [1e30, 1e30], [1e30, 1e30])).toEqual([1, 0]);
    expect(near(await g('reciprocal', [1e30, 1e30]), [5e-31, -5e-31], 16 * ULP)).toBe(true);
    expect(near(await g('abs', [3e30, 4e30]), [5e30, 0], 16 * ULP)).toBe(true);
    expect(near(await g('abs', [3e-30, 4e-30]), [5e-30, 0], 16 * ULP)).toBe(true);
    expect(
      near(await g('sqrt', [3e38, 3e38]), REF.sqrt([3, 3], [0, 0]).map((v) => v * 1e19) as C, 32 * ULP),
    ).toBe(true);
    expect(near(await g('sign', [3e30, -4e30]), [0.6, -0.8], 16 * ULP)).toBe(true);
    const e = await g('exp', [88.9, 0.785]);
    const want = polar(Math.exp(88.9), 0.785);
    expect(near(e, want, 200 * ULP)).toBe(true); // e^(x/2) twice: 2(3 + x) ulp
    // c64_cis reduces large arguments accurately (k·π/2 in three parts)
    expect(near(await g('exp', [0, 1000]), polar(1, 1000), 2 * CIS)).toBe(true);
    expect(near(await g('exp', [0, -3000]), polar(1, -3000), 2 * CIS)).toBe(true);
    for (const x of [1000, -1000]) {
      const t = await g('tanh', [x, 1]);
      expect(t[0]).toBe(Math.sign(x));
      expect(Math.abs(t[1])).toBeLessThan(1e-30);
    }
    // sqrt(−4 ± 0i) = ±2i and log(−1 ± 0i) = ±iπ on the device too
    expect(await g('sqrt', [-4, 0])).toEqual([0, 2]);
    expect(await g('sqrt', [-4, -0])).toEqual([0, -2]);
    expect(Math.abs((await g('log', [-1, -0]))[1] + Math.PI)).toBeLessThanOrEqual(ARG * Math.PI);
    expect(Math.abs((await g('log', [-1, 0]))[1] - Math.PI)).toBeLessThanOrEqual(ARG * Math.PI);
    expect(Math.abs((await g('angle', [-2, -0]))[0] + Math.PI)).toBeLessThanOrEqual(ARG * Math.PI);
    expect(await g('pow', [0, 0], [2, 1])).toEqual([0, 0]);
    expect(await g('pow', [0, 0], [0, 0])).toEqual([1, 0]);
    expect(await g('sign', [0, 0])).toEqual([0, 0]);
  });

  it('sums complex64 over all dims and along dims, with a second pass beyond 1024 elements', async () => {
    const cases: [number[], number[]][] = [
      [
        [3, 4],
        [0, 1],
      ],
      [[3, 4], [0]],
      [[2, 3, 5], [1]],
      [[3000], [0]],
      [[2, 1500], [1]],
    ];
    for (const [shape, dims] of cases) {
      const x = Float32Array.from(sample(numel(shape), 61));
      const kept = shape.filter((_, d) => !dims.includes(d));
      const want = new Float64Array(2 * numel(kept));
      sumCpu(view(Float64Array.from(x), shape), view(want, kept), dims, COMPLEX);
      const out = getGpu().alloc('float32', 2 * numel(kept));
      live.push(out);
      sumGpu(getGpu(), gview(up(x), shape), gview(out, kept), dims, C64);
      const got = await getGpu().read(out);
      // recursive summation: |error| ≤ (nr − 1)·u·Σ|x| per part (the chunked second pass too)
      const nr = numel(shape) / numel(kept);
      const absSum = new Float64Array(2 * numel(kept));
      sumCpu(view(Float64Array.from(x, Math.abs), shape), view(absSum, kept), dims, COMPLEX);
      agree('sum', got, want, (i) => nr * U * mag(at(absSum, i)));
    }
  });
});
