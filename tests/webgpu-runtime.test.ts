import { describe, expect, it } from 'vitest';
import type { GpuStorage } from '../src/backends/backend.js';
import {
  bucketBytes,
  dispatch1D,
  getGpu,
  initWebGPU,
  instrumentLoops,
  isWebGPUAvailable,
  LOOP_BUDGET,
  loopChunks,
  PARAMS_BYTES,
  resetWebGPU,
  WebGPUError,
  WebGPURuntime,
  wgslFlatIndex,
  wgslParamsDeclaration,
} from '../src/backends/webgpu/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

/**
 * Raw WGSL for the runtime's own tests: params as 256 u32 `v` at `binding`, read by index with
 * pu(i) (u32), pf(i) (the f32 whose bits it holds) and pi(i) (i32). Library kernels name their
 * params in a wgslKernel spec instead.
 */
function wgslParams(binding: number): string {
  return `${wgslParamsDeclaration({ v: { array: 'u32', length: PARAMS_BYTES / 4 } }, binding)}
fn pu(i: u32) -> u32 { return params_v(i); }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }
fn pi(i: u32) -> i32 { return bitcast<i32>(pu(i)); }
`;
}

const f32bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;

// y = a * x + b over n elements; params: [n, bits(a), bits(b)].
const AXPB = `// test_axpb
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
${wgslParams(2)}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
  y[i] = pf(1u) * x[i] + pf(2u);
}
`;

// out = in + k (int32), no params struct: the length comes from arrayLength.
const ADD_INT = `// test_add_int
@group(0) @binding(0) var<storage, read> a: array<i32>;
@group(0) @binding(1) var<storage, read_write> b: array<i32>;
${wgslParams(2)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= arrayLength(&b)) { return; }
  b[gid.x] = a[gid.x] + pi(0u);
}
`;

describe('dispatch1D and buffer size classes (no device needed)', () => {
  it('keeps one dimension when it fits and covers n otherwise', () => {
    expect(dispatch1D(0, 64)).toEqual([0, 1, 1]);
    expect(dispatch1D(1, 64)).toEqual([1, 1, 1]);
    expect(dispatch1D(65535 * 64, 64)).toEqual([65535, 1, 1]);
    for (const n of [65535 * 64 + 1, 10_000_000, 2 ** 31]) {
      const [x, y, z] = dispatch1D(n, 64);
      expect(Math.max(x, y, z)).toBeLessThanOrEqual(65535);
      expect(x * y * z * 64).toBeGreaterThanOrEqual(n);
      expect(x * y * z * 64 - n).toBeLessThan(y * z * 64);
    }
    const [x, y, z] = dispatch1D(65535 * 65535 * 4, 1);
    expect(z).toBeGreaterThan(1);
    expect(x * y * z).toBeGreaterThanOrEqual(65535 * 65535 * 4);
  });

  it('rounds sizes to classes that waste less than 12.5% above 4 KiB', () => {
    expect(bucketBytes(0)).toBe(256);
    expect(bucketBytes(257)).toBe(512);
    for (const b of [4097, 5000, 70_000, 1e6, 123_456_789]) {
      const c = bucketBytes(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c % 256).toBe(0);
      expect((c - b) / c).toBeLessThan(0.125);
    }
  });
});

// out[i] = number of iterations of a loop of params[0] (+ a nested 3 × params[1]) run by invocation i.
const COUNT_LOOP = `// test_loop
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
${wgslParams(1)}
@compute @workgroup_size(4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  var c = 0u;
  for (var i = 0u; i < pu(0u); i++) { c++; }
  var j = 0u;
  while (j < 3u) {
    loop {
      if (c >= pu(0u) + pu(1u) * (j + 1u)) { break; }
      c++;
    }
    j++;
  }
  out[gid.x] = c;
}`;

describe('the loop rule (no device needed)', () => {
  it('loopChunks splits steps greedily within LOOP_BUDGET, with fixed, first and last iterations', () => {
    const unit = loopChunks('t', 10, () => LOOP_BUDGET / 4);
    expect(unit.map((c) => [c.k0, c.k1, c.loops])).toEqual([
      [0, 4, LOOP_BUDGET],
      [4, 8, LOOP_BUDGET],
      [8, 10, LOOP_BUDGET / 2],
    ]);
    const opts = { fixed: 100, first: LOOP_BUDGET / 2, last: LOOP_BUDGET / 2 };
    const q = LOOP_BUDGET / 4;
    const c = loopChunks('t', 4, () => q, opts);
    expect(c.map((x) => [x.k0, x.k1, x.loops])).toEqual([
      [0, 1, 100 + 2 * q + q],
      [1, 3, 100 + 2 * q],
      [3, 4, 100 + q + 2 * q],
    ]);
    expect(loopChunks('t', 0, () => 1, { first: 5 })).toEqual([{ k0: 0, k1: 0, loops: 5 }]);
    expect(() => loopChunks('my kernel', 3, (k) => (k === 1 ? LOOP_BUDGET + 1 : 1))).toThrow(
      /my kernel: step 1 of 3 alone needs 16385 loop iterations .* LOOP_BUDGET \(16384\)/,
    );
  });

  it('instrumentLoops counts every for, while and loop body, and nothing in comments', () => {
    const code = instrumentLoops(COUNT_LOOP.replace('var c = 0u;', 'var c = 0u; // for (x) { no'), 1);
    expect(code.match(/linagrad_loop\(\);/g)).toHaveLength(3);
    expect(code).toMatch(/for \(var i = 0u; i < pu\(0u\); i\+\+\) \{ linagrad_loop\(\);/);
    expect(code).toMatch(/while \(j < 3u\) \{ linagrad_loop\(\);/);
    expect(code).toMatch(/loop \{ linagrad_loop\(\);/);
    expect(code).toContain('@group(0) @binding(1) var<storage, read_write> LINAGRAD_LOOPS');
    expect(code).not.toContain('no');
  });
});

describeWebGPU('WebGPU runtime', () => {
  const gpu = () => getGpu();
  const axpb = (x: GpuStorage, y: GpuStorage, a: number, b: number) =>
    gpu().run({
      code: AXPB,
      inputs: [x],
      outputs: [y],
      params: new Uint32Array([x.length, f32bits(a), f32bits(b)]),
      workgroups: dispatch1D(x.length, 64),
      loops: 0,
    });

  it('reports an initialised device', async () => {
    const info = await initWebGPU();
    expect(isWebGPUAvailable()).toBe(true);
    expect(info.adapter.length).toBeGreaterThan(0);
    expect(['core', 'compatibility']).toContain(info.featureLevel);
    expect(info.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
  });

  it('round-trips float32 and int32 data, including zero-length and offset views', async () => {
    const f = new Float32Array([1.5, -2, 3.25, Number.POSITIVE_INFINITY, -0, 1e-30]);
    const i = new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31), 42]);
    const big = new Float32Array(10_000).map((_, k) => Math.sin(k));
    const view = new Int32Array([9, 8, 7, 6, 5]).subarray(1, 4);
    const cases: [Float32Array | Int32Array, 'float32' | 'int32'][] = [
      [f, 'float32'],
      [i, 'int32'],
      [new Float32Array(0), 'float32'],
      [new Int32Array(0), 'int32'],
      [big, 'float32'],
      [view, 'int32'],
    ];
    for (const [data, dtype] of cases) {
      const s = gpu().upload(data, dtype);
      expect(s.length).toBe(data.length);
      expect(s.buffer.size).toBeGreaterThanOrEqual(16);
      const back = await gpu().read(s);
      expect(back).toBeInstanceOf(dtype === 'int32' ? Int32Array : Float32Array);
      expect(Array.from(back)).toEqual(Array.from(data));
      gpu().free(s);
    }
    expect(() => gpu().upload(new Float32Array(1), 'int32')).toThrow(/cannot hold int32/);
  });

  it('runs a kernel over more than 65535*64 elements with a 2-D dispatch', async () => {
    const n = 65535 * 64 + 1234;
    expect(dispatch1D(n, 64)[1]).toBeGreaterThan(1);
    const data = new Float32Array(n).map((_, k) => k % 1000);
    const x = gpu().upload(data);
    const y = gpu().alloc('float32', n);
    axpb(x, y, 2, 0.5);
    const out = await gpu().read(y);
    let bad = -1;
    for (let k = 0; k < n && bad < 0; k++) if (out[k] !== 2 * (k % 1000) + 0.5) bad = k;
    expect(bad).toBe(-1);
    gpu().free(x);
    gpu().free(y);
  });

  it('runs int32 kernels and reuses one pipeline per code string', async () => {
    const before = gpu().pipelineCount();
    const a = gpu().upload(new Int32Array([1, 2, 3]));
    const b = gpu().alloc('int32', 3);
    for (const k of [10, 20, 30]) {
      gpu().run({
        code: ADD_INT,
        inputs: [a],
        outputs: [b],
        params: new Uint32Array([k]),
        workgroups: [1],
        loops: 0,
      });
      expect(Array.from(await gpu().read(b))).toEqual([1 + k, 2 + k, 3 + k]);
    }
    expect(gpu().pipelineCount()).toBe(before + 1);
    gpu().free(a);
    gpu().free(b);
  });

  it('returns the live buffer count to its baseline after 1,000 alloc/free cycles', async () => {
    const base = gpu().liveBuffers();
    const created = gpu().stats().pool.created;
    for (let k = 0; k < 1000; k++) {
      const s = gpu().alloc(k % 2 ? 'int32' : 'float32', k % 37);
      if (k % 10 === 0) {
        const t = gpu().alloc('float32', k % 37);
        axpb(s.dtype === 'float32' ? s : t, s.dtype === 'float32' ? t : s, 1, 0);
        gpu().free(t);
      }
      gpu().free(s);
      gpu().free(s); // idempotent
    }
    expect(gpu().liveBuffers()).toBe(base);
    const s = gpu().upload(new Float32Array([1]));
    expect(gpu().liveBuffers()).toBe(base + 1);
    await gpu().read(s);
    gpu().free(s);
    expect(gpu().liveBuffers()).toBe(base);
    expect(gpu().stats().pool.created - created).toBeLessThan(20);
    expect(() => gpu().alloc('float32', -1)).toThrow(RangeError);
  });

  it('rejects reads of freed storage and input/output aliasing', async () => {
    const s = gpu().upload(new Float32Array([1, 2]));
    expect(() => axpb(s, s, 1, 0)).toThrow(/both an input and an output/);
    gpu().free(s);
    await expect(gpu().read(s)).rejects.toThrow(/already freed/);
  });

  it('makes read reject with the pendingError and resolve when it returns null', async () => {
    const x = gpu().upload(new Float32Array([1, 2, 3]));
    const y = gpu().alloc('float32', 3);
    axpb(x, y, 1, 1);
    y.pendingError = async () => new Error('linalg.inv: (Batch element 0): singular');
    await expect(gpu().read(y)).rejects.toThrow('linalg.inv: (Batch element 0): singular');
    y.pendingError = async () => null;
    expect(Array.from(await gpu().read(y))).toEqual([2, 3, 4]);
    gpu().free(x);
    gpu().free(y);
  });

  it('reports invalid WGSL as a WebGPUError on read', async () => {
    const x = gpu().upload(new Float32Array([1]));
    const y = gpu().alloc('float32', 1);
    const code = AXPB.replace('// test_axpb', '// test_broken').replace('pf(1u) * x[i]', 'nope');
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      gpu().run({ code, inputs: [x], outputs: [y], params: new Uint32Array([1]), workgroups: [1], loops: 0 });
      const err = await gpu()
        .read(y)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(WebGPUError);
      expect(String(err)).toMatch(/test_broken[\s\S]*nope/);
    } finally {
      console.warn = warn;
    }
    // The device still works afterwards.
    axpb(x, y, 3, 0);
    expect(Array.from(await gpu().read(y))).toEqual([3]);
    gpu().free(x);
    gpu().free(y);
  });

  it('keeps order across many queued dispatches, copies and reads', async () => {
    const n = 1000;
    const init = new Float32Array(n).map((_, k) => k);
    const a = gpu().upload(init);
    const b = gpu().alloc('float32', n);
    const snapshots: Promise<Float32Array | Int32Array>[] = [];
    const copies: GpuStorage[] = [];
    // 300 dispatches (several batches): step k adds k, ping-ponging between a and b.
    for (let k = 1; k <= 300; k++) {
      const [src, dst] = k % 2 ? [a, b] : [b, a];
      axpb(src, dst, 1, k);
      if (k % 50 === 0) {
        const c = gpu().alloc('float32', n);
        gpu().copy(dst, c);
        copies.push(c);
        snapshots.push(gpu().read(dst));
      }
    }
    const results = await Promise.all(snapshots);
    results.forEach((r, j) => {
      const k = 50 * (j + 1);
      const sum = (k * (k + 1)) / 2;
      expect(r[0]).toBe(sum);
      expect(r[n - 1]).toBe(n - 1 + sum);
    });
    for (let j = 0; j < copies.length; j++) {
      expect(Array.from(await gpu().read(copies[j]!))).toEqual(Array.from(results[j]!));
      gpu().free(copies[j]!);
    }
    const part = gpu().alloc('float32', 4, { zero: true });
    gpu().copy(a, part, { srcOffset: 10, dstOffset: 1, length: 2 });
    expect(Array.from(await gpu().read(part))).toEqual([0, 10 + 45150, 11 + 45150, 0]);
    gpu().write(part, new Float32Array([7]), 3);
    expect(Array.from(await gpu().read(part))).toEqual([0, 10 + 45150, 11 + 45150, 7]);
    for (const s of [a, b, part]) gpu().free(s);
  });

  it('rejects a dispatch whose loop bound is missing or above LOOP_BUDGET, before encoding it', () => {
    const out = gpu().alloc('int32', 4);
    const run = (loops: number) =>
      gpu().run({
        code: COUNT_LOOP,
        inputs: [],
        outputs: [out],
        params: new Uint32Array([1, 0]),
        workgroups: [1],
        loops,
      });
    const before = gpu().stats().dispatches;
    expect(() => run(LOOP_BUDGET + 1)).toThrow(
      /kernel 'test_loop' would run up to 16385 loop iterations in one invocation, more than LOOP_BUDGET \(16384\)/,
    );
    expect(() => run(Number.NaN)).toThrow(/kernel 'test_loop' must state its loop bound/);
    expect(gpu().stats().dispatches).toBe(before);
    gpu().free(out);
  });

  it('checkLoops: counts loop iterations on the device and fails the batch of a dispatch that runs more than it states', async () => {
    const messages: string[] = [];
    const rt = new WebGPURuntime(gpu().device, gpu().limits, {
      checkLoops: true,
      onError: (m) => messages.push(m),
    });
    const out = rt.alloc('int32', 4);
    // 1000 + 3·7 = 1021 iterations of the counted loop bodies (the loop exits count too: 1000 + 3 + 24).
    const run = (loops: number) =>
      rt.run({
        code: COUNT_LOOP,
        inputs: [],
        outputs: [out],
        params: new Uint32Array([1000, 7]),
        workgroups: [1],
        loops,
      });
    run(1027);
    expect(Array.from(await rt.read(out))).toEqual([1021, 1021, 1021, 1021]);
    run(1000);
    await expect(rt.read(out)).rejects.toThrow(
      /loop bound exceeded: kernel 'test_loop' \(declared 1000\) ran 1027 loop iterations in one invocation/,
    );
    expect(messages.join('\n')).toMatch(/test_loop/);
    run(1027);
    expect(Array.from(await rt.read(out))).toEqual([1021, 1021, 1021, 1021]);
    rt.free(out);
  });

  it('names the adapter limit when a tensor needs a binding larger than maxStorageBufferBindingSize', () => {
    const limits = { ...gpu().limits, maxStorageBufferBindingSize: 1024 };
    const rt = new WebGPURuntime(gpu().device, limits);
    const [x, y] = [rt.alloc('float32', 300), rt.alloc('float32', 300)];
    expect(() =>
      rt.run({
        code: AXPB,
        inputs: [x],
        outputs: [y],
        params: new Uint32Array([300, 0, 0]),
        workgroups: [5],
        loops: 0,
      }),
    ).toThrow(
      /kernel 'test_axpb' needs a tensor of 300 elements \(1200 bytes\) in one binding, more than this adapter's maxStorageBufferBindingSize \(1024 bytes, 256 float32 elements\); split the tensor/,
    );
    rt.free(x);
    rt.free(y);
  });

  it('can be reset and initialised again', async () => {
    await resetWebGPU();
    expect(isWebGPUAvailable()).toBe(false);
    expect(() => getGpu()).toThrow('WebGPU is not initialised: call await initWebGPU() first');
    await initWebGPU();
    const s = gpu().upload(new Int32Array([5]));
    expect(Array.from(await gpu().read(s))).toEqual([5]);
    gpu().free(s);
  });
});
