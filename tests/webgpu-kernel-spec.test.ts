/**
 * The WGSL kernel builder (src/backends/webgpu/kernel.ts): declarations generated from one
 * `{ inputs, outputs, params }` spec, params packed by name under WGSL's uniform layout, the
 * scalar descriptors' expressions, and small kernels run on the WebGPU adapter (with the loop
 * rule's instrumentation, which the suite turns on).
 */
import { describe, expect, it } from 'vitest';
import type { GpuStorage } from '../src/backends/backend.js';
import { dispatch1D, getGpu, wgslFlatIndex } from '../src/backends/webgpu/index.js';
import {
  ATOMIC_U32,
  C64,
  elementBytes,
  F32,
  I32,
  kernelDispatch,
  needBuffer,
  packParams,
  paramLayout,
  runKernel,
  wgslDeclarations,
  wgslKernel,
} from '../src/backends/webgpu/kernel.js';
import { planSweeps, runSweeps, trsmKernel } from '../src/backends/webgpu/linalg/triangular.js';
import { describeWebGPU } from './helpers/webgpu.js';

const fakeStorage = (dtype: 'float32' | 'int32', length: number) =>
  ({ device: 'webgpu', dtype, length, buffer: {} as GPUBuffer }) as GpuStorage;

describe('kernel specs (no device needed)', () => {
  it('numbers inputs, then outputs, then the params uniform', () => {
    const decl = wgslDeclarations({
      name: 'k',
      inputs: { A: F32, PIV: I32 },
      outputs: { X: F32, ST: ATOMIC_U32 },
      params: { n: 'u32', tol: 'f32', shift: 'i32' },
    });
    expect(decl).toBe(
      [
        '@group(0) @binding(0) var<storage, read> A: array<f32>;',
        '@group(0) @binding(1) var<storage, read> PIV: array<i32>;',
        '@group(0) @binding(2) var<storage, read_write> X: array<f32>;',
        '@group(0) @binding(3) var<storage, read_write> ST: array<atomic<u32>>;',
        'struct Params {\n  n: u32,\n  tol: f32,\n  shift: i32,\n}',
        '@group(0) @binding(4) var<uniform> params: Params;',
      ].join('\n'),
    );
    expect(wgslDeclarations({ name: 'k', outputs: { Y: F32 } })).toBe(
      '@group(0) @binding(0) var<storage, read_write> Y: array<f32>;',
    );
  });

  it('puts the code under a `// name` line and declares the preludes of the types used', () => {
    const k = wgslKernel({ name: 'c', outputs: { Z: C64 } }, 'fn main() {}');
    expect(k.code.split('\n')[0]).toBe('// c');
    expect(k.code).toContain('var<storage, read_write> Z: array<vec2<f32>>;');
    expect(k.code).toContain('fn c64_mul(');
    expect(wgslKernel({ name: 'f', outputs: { Y: F32 } }, '').code).not.toContain('c64_');
    expect(wgslKernel({ name: 's', outputs: { Y: F32 }, scalars: [C64] }, '').code).toContain('fn c64_div(');
  });

  it('rejects repeated or invalid names and params larger than the uniform', () => {
    expect(() => wgslDeclarations({ name: 'k', inputs: { A: F32 }, outputs: { A: F32 } })).toThrow(
      "kernel 'k': invalid or repeated binding name 'A'",
    );
    expect(() => wgslDeclarations({ name: 'k', inputs: { params: F32 } })).toThrow(
      /repeated binding name 'params'/,
    );
    expect(() => wgslDeclarations({ name: 'k', params: { 'a-b': 'u32' } })).toThrow(/invalid params field/);
    expect(() => paramLayout('k', { plan: { array: 'u32', length: 256 }, x: 'u32' })).toThrow(
      "kernel 'k': params take 1040 bytes, more than 1024",
    );
  });

  it('lays params out by the uniform rules: scalars 4 bytes, arrays 16-aligned vec4 words', () => {
    const layout = paramLayout('k', { a: 'u32', b: 'f32', plan: { array: 'u32', length: 5 }, c: 'i32' });
    expect(layout.fields.map((f) => [f.name, f.at])).toEqual([
      ['a', 0],
      ['b', 1],
      ['plan', 4],
      ['c', 12],
    ]);
    expect(layout.words).toBe(16);
    const decl = wgslDeclarations({ name: 'k', params: { a: 'u32', plan: { array: 'u32', length: 5 } } });
    expect(decl).toContain('plan: array<vec4<u32>, 2>,');
    expect(decl).toContain('fn params_plan(i: u32) -> u32 { return params.plan[i >> 2u][i & 3u]; }');
  });

  it('packs params by name: f32 as bits, i32 two’s complement, booleans as 1/0', () => {
    const k = wgslKernel(
      { name: 'k', params: { n: 'u32', tol: 'f32', s: 'i32', up: 'u32', plan: { array: 'u32', length: 3 } } },
      '',
    );
    const p = packParams(k, { plan: [7, 8], up: true, s: -2, tol: 0.5, n: 9 });
    expect(Array.from(p)).toEqual([
      9,
      new Uint32Array(new Float32Array([0.5]).buffer)[0],
      2 ** 32 - 2,
      1,
      7,
      8,
      0,
      0,
    ]);
    expect(Array.from(packParams(k, { n: 1, tol: 0, s: 0, up: false, plan: Uint32Array.of(3) }))).toEqual([
      1, 0, 0, 0, 3, 0, 0, 0,
    ]);
    expect(() => packParams(k, { n: 1, tol: 0, s: 0, up: 0, plan: 5 })).toThrow(
      "param 'plan' must be an array",
    );
    expect(() => packParams(k, { n: 1, tol: 0, s: 0, up: 0 })).toThrow("kernel 'k': missing param 'plan'");
    expect(() => packParams(k, { n: 1, tol: 0, s: 0, up: 0, plan: [], extra: 1 })).toThrow(
      "kernel 'k': unknown param 'extra'",
    );
    expect(() => packParams(k, { n: 1, tol: 0, s: 0, up: 0, plan: [1, 2, 3, 4] })).toThrow(/at most 3/);
  });

  it('passes buffers in binding order whatever order they are named in', () => {
    const k = wgslKernel(
      { name: 'k', inputs: { A: F32, B: I32 }, outputs: { C: F32 }, params: { n: 'u32' } },
      '',
    );
    const [a, b, c] = [fakeStorage('float32', 1), fakeStorage('int32', 1), fakeStorage('float32', 1)];
    const d = kernelDispatch(k, {
      buffers: { C: c, B: b, A: a },
      params: { n: 3 },
      workgroups: [1],
      loops: 2,
    });
    expect(d.inputs).toEqual([a, b]);
    expect(d.outputs).toEqual([c]);
    expect(Array.from(d.params!)).toEqual([3, 0, 0, 0]);
    expect(d.loops).toBe(2);
    expect(() =>
      kernelDispatch(k, { buffers: { A: a, B: b }, params: { n: 1 }, workgroups: [1], loops: 0 }),
    ).toThrow("kernel 'k': missing buffer 'C'");
    expect(() =>
      kernelDispatch(k, { buffers: { A: a, B: b, C: c, D: c }, params: { n: 1 }, workgroups: [1], loops: 0 }),
    ).toThrow("kernel 'k': unknown buffer 'D'");
    const noParams = wgslKernel({ name: 'np', outputs: { C: F32 } }, '');
    expect(kernelDispatch(noParams, { buffers: { C: c }, workgroups: [1], loops: 0 }).params).toBeUndefined();
  });

  it('checks a buffer against an element type once, with the messages of the kernels', () => {
    expect(() => needBuffer('op', 'a', fakeStorage('int32', 4), F32, 4)).toThrow(
      'op: a must be float32, got int32',
    );
    expect(() => needBuffer('op', 'p', fakeStorage('float32', 4), I32, 4)).toThrow(
      'op: p must be int32, got float32',
    );
    expect(() => needBuffer('op', 'a', fakeStorage('float32', 3), F32, 4)).toThrow(
      'op: a has 3 elements, needs at least 4',
    );
    expect(() => needBuffer('op', 'z', fakeStorage('float32', 6), C64, 3)).not.toThrow();
    expect(() => needBuffer('op', 'z', fakeStorage('float32', 6), C64, 4)).toThrow(
      'op: z has 3 elements, needs at least 4',
    );
    expect(elementBytes('float32')).toBe(4);
    expect(elementBytes('int32')).toBe(4);
  });

  it('spells scalar expressions per dtype', () => {
    expect([F32.wgsl, F32.bytes, F32.zero, F32.one]).toEqual(['f32', 4, '0.0', '1.0']);
    expect(F32.mul('a', 'b')).toBe('(a * b)');
    expect(F32.div('a', 'b')).toBe('(a / b)');
    expect(F32.conj('a')).toBe('(a)');
    expect(F32.abs2('a')).toBe('(a * a)');
    expect(F32.fromReal('r')).toBe('f32(r)');
    expect([C64.wgsl, C64.bytes, C64.dtype]).toEqual(['vec2<f32>', 8, 'complex64']);
    expect(C64.zero).toBe('vec2<f32>(0.0, 0.0)');
    expect(C64.one).toBe('vec2<f32>(1.0, 0.0)');
    expect(C64.add('a', 'b')).toBe('(a + b)');
    expect(C64.sub('a', 'b')).toBe('(a - b)');
    expect(C64.mul('a', 'b')).toBe('c64_mul(a, b)');
    expect(C64.div('a', 'b')).toBe('c64_div(a, b)');
    expect(C64.conj('a')).toBe('(a * vec2<f32>(1.0, -1.0))');
    expect(C64.abs2('a')).toBe('c64_abs2(a)');
    expect(C64.re('a')).toBe('(a).x');
    expect(C64.fromReal('r')).toBe('vec2<f32>(r, 0.0)');
  });
});

describeWebGPU('kernel specs on the device', () => {
  it('runs y = a·x + b with named params (and the loop counter bound after them)', async () => {
    const gpu = getGpu();
    const k = wgslKernel(
      {
        name: 'spec_axpb',
        inputs: { X: F32 },
        outputs: { Y: F32 },
        params: { n: 'u32', a: 'f32', b: 'f32' },
      },
      `${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  var acc = ${F32.zero};
  for (var r = 0u; r < 3u; r++) { acc = ${F32.add('acc', F32.mul('params.a', 'X[i]'))}; }
  Y[i] = acc + params.b;
}`,
    );
    const n = 100;
    const x = gpu.upload(Float32Array.from({ length: n }, (_, i) => i));
    const y = gpu.alloc('float32', n);
    runKernel(gpu, k, {
      buffers: { X: x, Y: y },
      params: { n, a: 0.5, b: -1 },
      workgroups: dispatch1D(n, 64),
      loops: 3,
    });
    expect(Array.from(await gpu.read(y))).toEqual(Array.from({ length: n }, (_, i) => 1.5 * i - 1));
    gpu.free(x);
    gpu.free(y);
  });

  it('evaluates the complex expressions (on interleaved float32 pairs) and reads array params', async () => {
    const gpu = getGpu();
    const s = C64;
    // Z[q] for pair q of A and B: [a·b, a/b, conj(a), |a|² + 0i, a + b − 1]; PLAN gives the order.
    const k = wgslKernel(
      {
        name: 'spec_c64',
        inputs: { A: F32, B: F32 },
        outputs: { Z: F32 },
        params: { pairs: 'u32', order: { array: 'u32', length: 5 } },
        scalars: [C64],
      },
      `@compute @workgroup_size(1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  if (q >= params.pairs) { return; }
  let a = vec2<f32>(A[2u * q], A[2u * q + 1u]);
  let b = vec2<f32>(B[2u * q], B[2u * q + 1u]);
  var r = array<vec2<f32>, 5>(${s.mul('a', 'b')}, ${s.div('a', 'b')}, ${s.conj('a')}, ${s.fromReal(s.abs2('a'))},
    ${s.sub(s.add('a', 'b'), s.one)});
  for (var j = 0u; j < 5u; j++) {
    let v = r[params_order(j)];
    Z[10u * q + 2u * j] = v.x;
    Z[10u * q + 2u * j + 1u] = v.y + ${s.re(s.zero)};
  }
}`,
    );
    const av = [1, 2, -3, 0.5, 1e20, 1e20];
    const bv = [3, -4, 0.25, -2, 2e20, -1e20];
    const a = gpu.upload(Float32Array.from(av));
    const b = gpu.upload(Float32Array.from(bv));
    const z = gpu.alloc('float32', 30);
    runKernel(gpu, k, {
      buffers: { A: a, B: b, Z: z },
      params: { pairs: 3, order: [0, 1, 2, 3, 4] },
      workgroups: [3],
      loops: 5,
    });
    const got = Array.from(await gpu.read(z));
    for (let q = 0; q < 3; q++) {
      const [ar, ai, br, bi] = [av[2 * q]!, av[2 * q + 1]!, bv[2 * q]!, bv[2 * q + 1]!];
      const d = br * br + bi * bi;
      const want = [
        [ar * br - ai * bi, ar * bi + ai * br],
        [(ar * br + ai * bi) / d, (ai * br - ar * bi) / d],
        [ar, -ai],
        [ar * ar + ai * ai, 0],
        [ar + br - 1, ai + bi],
      ];
      for (let j = 0; j < 5; j++) {
        if (q === 2 && (j === 0 || j === 3)) continue; // beyond float32's range by design
        for (let c = 0; c < 2; c++) {
          const w = want[j]![c]!;
          expect(Math.abs(got[10 * q + 2 * j + c]! - w)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(w)));
        }
      }
    }
    gpu.free(a);
    gpu.free(b);
    gpu.free(z);
  });

  it('instantiates a dtype-generic builder for complex64: the triangular solve on vec2<f32> elements', async () => {
    const gpu = getGpu();
    const [n, k] = [3, 2];
    // T lower triangular (n×n), B (n×k), complex, interleaved (re, im).
    const T = [
      [
        [2, 1],
        [0, 0],
        [0, 0],
      ],
      [
        [1, -1],
        [3, 0],
        [0, 0],
      ],
      [
        [0.5, 2],
        [-1, 1],
        [1, -2],
      ],
    ];
    const B = [
      [
        [1, 0],
        [0, 1],
      ],
      [
        [2, -1],
        [1, 1],
      ],
      [
        [-3, 0.5],
        [0, -2],
      ],
    ];
    type C = [number, number];
    const mul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
    const div = (a: C, b: C): C => {
      const d = b[0] * b[0] + b[1] * b[1];
      return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
    };
    const want: C[][] = [];
    for (let i = 0; i < n; i++) {
      want.push([]);
      for (let c = 0; c < k; c++) {
        let acc = B[i]![c]! as C;
        for (let j = 0; j < i; j++) {
          const p = mul(T[i]![j]! as C, want[j]![c]!);
          acc = [acc[0] - p[0], acc[1] - p[1]];
        }
        want[i]!.push(div(acc, T[i]![i]! as C));
      }
    }
    const t = gpu.upload(Float32Array.from(T.flat(2)));
    const b = gpu.upload(Float32Array.from(B.flat(2)));
    const x = gpu.alloc('float32', 2 * n * k);
    expect(() => needBuffer('test', 'x', x, C64, n * k)).not.toThrow();
    const kernel = trsmKernel(C64, false);
    expect(kernel.code).toContain('var<storage, read> T: array<vec2<f32>>;');
    const plan = planSweeps('test', n, true, false, { first: n });
    runSweeps(gpu, kernel, { T: t, B: b, X: x }, n, k, k, plan, { left: true, unit: false });
    const got = Array.from(await gpu.read(x));
    const flat = want.flat(2);
    for (let i = 0; i < flat.length; i++) {
      expect(Math.abs(got[i]! - flat[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(flat[i]!)));
    }
    for (const s of [t, b, x]) gpu.free(s);
  });
});
