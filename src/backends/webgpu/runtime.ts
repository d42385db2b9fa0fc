import type { GpuStorage, WgslDispatch } from '../backend.js';
import type { WebGPULimits } from './device.js';
import { elementBytes, F32, PARAMS_BYTES } from './kernel.js';
import { instrumentLoops, LOOP_BUDGET, LOOP_SLOT_BYTES } from './loops.js';
import { BufferPool, type PoolStats } from './pool.js';

type GpuDType = GpuStorage['dtype'];

export { PARAMS_BYTES };

/**
 * `fn flat_index(gid, nwg) -> u32` for kernels launched with `dispatch1D(n, workgroupSize)` and
 * `@workgroup_size(workgroupSize)`: declare `@builtin(global_invocation_id) gid: vec3<u32>` and
 * `@builtin(num_workgroups) nwg: vec3<u32>`, then `let i = flat_index(gid, nwg); if (i >= n) { return; }`
 * (the grid is rounded up, so the bounds check is required).
 */
export function wgslFlatIndex(workgroupSize: number): string {
  return `fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + (gid.y + gid.z * nwg.y) * (nwg.x * ${workgroupSize}u);
}
`;
}

/**
 * Workgroup counts covering n invocations when one dimension holds at most `maxPerDim` (65535)
 * workgroups: [x, 1, 1] when it fits, else a balanced [x, y, 1] (or [x, y, z]); x·y·z·workgroupSize ≥ n.
 */
export function dispatch1D(n: number, workgroupSize: number, maxPerDim = 65535): [number, number, number] {
  const groups = Math.ceil(n / workgroupSize);
  if (groups <= maxPerDim) return [groups, 1, 1];
  const yz = Math.ceil(groups / maxPerDim);
  const x = Math.ceil(groups / yz);
  if (yz <= maxPerDim) return [x, yz, 1];
  const z = Math.ceil(yz / maxPerDim);
  if (z > maxPerDim) throw new RangeError(`dispatch1D: ${n} invocations do not fit in a dispatch`);
  return [x, Math.ceil(yz / z), z];
}

/** A device-side failure (invalid WGSL, validation error, out of memory) found for a batch. */
export class WebGPUError extends Error {
  override name = 'WebGPUError';
}

export interface RuntimeOptions {
  /** Dispatches encoded before a submit is forced (also the number of params slots). Default 64. */
  maxBatch?: number;
  /** Free storage buffers kept for reuse, in bytes. Default 256 MiB. */
  maxPooledBytes?: number;
  /** Where device errors are reported (once per distinct message). Default console.warn. */
  onError?: (message: string) => void;
  /**
   * Count loop iterations on the device and fail the batch of any dispatch that runs more than its
   * `loops` in one invocation (see loops.ts; slower, for tests). Default: env
   * LINAGRAD_WEBGPU_CHECK_LOOPS=1.
   */
  checkLoops?: boolean;
}

interface Layout {
  bindGroupLayout: GPUBindGroupLayout;
  pipelineLayout: GPUPipelineLayout;
}

interface PipelineEntry {
  pipeline: GPUComputePipeline;
  layout: Layout;
  /** Resolves to an error message when the shader or pipeline was invalid; null once known good. */
  check: Promise<string | null> | null;
}

// WebGPU's flag values, spelled out: in Node the GPUBufferUsage/GPUShaderStage/GPUMapMode globals
// exist only after the `webgpu` package is loaded, and this module must load without it.
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const STAGE_COMPUTE = 0x4;
const MAP_MODE_READ = 0x1;

/** Owns one GPUDevice: buffers, pipelines, batched command encoding, reads. */
export class WebGPURuntime {
  /** @internal The GPUDevice (its type is kept out of the public declarations). */
  readonly device: GPUDevice;
  /** @internal */
  readonly pool: BufferPool;
  private readonly staging: BufferPool;
  private readonly layouts = new Map<string, Layout>();
  private readonly pipelines = new Map<string, PipelineEntry>();
  private readonly freed = new WeakSet<GpuStorage>();
  private readonly batchErrors = new WeakMap<GpuStorage, Promise<Error | null>>();
  private readonly maxBatch: number;
  private readonly paramsRing: GPUBuffer;
  private readonly paramsArena: Uint32Array<ArrayBuffer>;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batchOps = 0;
  private paramSlots = 0;
  private batchOutputs: GpuStorage[] = [];
  /** Buffers freed while commands that may use them are still unsubmitted. */
  private releasedInBatch = new Set<GPUBuffer>();
  private batchChecks = new Set<Promise<string | null>>();
  private flushQueued = false;
  private readonly reported = new Set<string>();
  private readonly onError: (message: string) => void;
  private lostReason: string | null = null;
  private counters = { dispatches: 0, submits: 0 };
  /** checkLoops: per dispatch slot of the batch, [declared bound, worst count above it]. */
  private readonly loopCheck: { ring: GPUBuffer; arena: Uint32Array<ArrayBuffer>; kernels: string[] } | null;

  /** @internal Made by initWebGPU. */
  constructor(
    device: GPUDevice,
    readonly limits: WebGPULimits,
    opts: RuntimeOptions = {},
  ) {
    this.device = device;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 64);
    this.onError = opts.onError ?? ((m) => console.warn(`linagrad WebGPU: ${m}`));
    const max = this.limits.maxBufferSize;
    this.pool = new BufferPool(device, {
      usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST,
      maxBufferSize: max,
      maxPooledBytes: opts.maxPooledBytes,
      label: 'linagrad-storage',
    });
    this.staging = new BufferPool(device, {
      usage: USAGE.MAP_READ | USAGE.COPY_DST,
      maxBufferSize: max,
      maxPooledBytes: 64 * 2 ** 20,
      label: 'linagrad-staging',
    });
    // One uniform buffer holds the params of every dispatch in a batch (slot k at k·1024 bytes).
    // It is filled with one writeBuffer right before the batch is submitted; the queue orders that
    // write after the previous batch, so the buffer is reused safely batch after batch.
    this.paramsRing = device.createBuffer({
      size: PARAMS_BYTES * this.maxBatch,
      usage: USAGE.UNIFORM | USAGE.COPY_DST,
      label: 'linagrad-params',
    });
    this.paramsArena = new Uint32Array((PARAMS_BYTES / 4) * this.maxBatch);
    const env = typeof process !== 'undefined' ? process.env?.LINAGRAD_WEBGPU_CHECK_LOOPS : undefined;
    this.loopCheck =
      (opts.checkLoops ?? env === '1')
        ? {
            ring: device.createBuffer({
              size: LOOP_SLOT_BYTES * this.maxBatch,
              usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC,
              label: 'linagrad-loop-check',
            }),
            arena: new Uint32Array((LOOP_SLOT_BYTES / 4) * this.maxBatch),
            kernels: [],
          }
        : null;
  }

  alloc(dtype: GpuDType, length: number, opts: { zero?: boolean } = {}): GpuStorage {
    this.assertUsable();
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`WebGPU alloc: invalid length ${length}`);
    }
    const buffer = this.pool.acquire(length * elementBytes(dtype));
    if (opts.zero) {
      this.encode().clearBuffer(buffer, 0, buffer.size);
      this.afterOp();
    }
    return { device: 'webgpu', dtype, length, buffer };
  }

  /** Returns the buffer to the pool. Freeing twice is a no-op. */
  free(s: GpuStorage): void {
    if (this.freed.has(s)) return;
    this.freed.add(s);
    this.batchErrors.delete(s);
    if (this.encoder && this.pool.isLive(s.buffer)) this.releasedInBatch.add(s.buffer);
    this.pool.release(s.buffer);
  }

  upload(data: Float32Array | Int32Array, dtype?: GpuDType): GpuStorage {
    const dt = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
    const ok = dt === 'int32' ? data instanceof Int32Array : data instanceof Float32Array;
    if (!ok) throw new TypeError(`WebGPU upload: a ${data.constructor.name} cannot hold ${dt} data`);
    const s = this.alloc(dt, data.length);
    // A queue write runs before unsubmitted commands: if those may still use this (recycled)
    // buffer, submit them first.
    if (this.releasedInBatch.has(s.buffer)) this.flush();
    if (data.length > 0) {
      this.device.queue.writeBuffer(s.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    }
    return s;
  }

  /** Overwrites elements [offset, offset + data.length) of `s`, after every command issued so far. */
  write(s: GpuStorage, data: Float32Array | Int32Array, offset = 0): void {
    this.check(s, 'write');
    if (offset < 0 || offset + data.length > s.length) throw new RangeError('WebGPU write: out of bounds');
    if (data.length === 0) return;
    this.flush();
    this.device.queue.writeBuffer(
      s.buffer,
      offset * elementBytes(s.dtype),
      data.buffer,
      data.byteOffset,
      data.byteLength,
    );
  }

  /** Copies `length` elements (default: all of src) from src[srcOffset] to dst[dstOffset]. */
  copy(
    src: GpuStorage,
    dst: GpuStorage,
    opts: { srcOffset?: number; dstOffset?: number; length?: number } = {},
  ) {
    this.check(src, 'copy');
    this.check(dst, 'copy');
    const { srcOffset = 0, dstOffset = 0 } = opts;
    const n = opts.length ?? src.length - srcOffset;
    if (n < 0 || srcOffset < 0 || dstOffset < 0 || srcOffset + n > src.length || dstOffset + n > dst.length) {
      throw new RangeError(`WebGPU copy: ${n} elements do not fit (src ${src.length}, dst ${dst.length})`);
    }
    if (n === 0) return;
    if (src.buffer === dst.buffer) throw new Error('WebGPU copy: source and destination are the same buffer');
    const e = elementBytes(src.dtype); // every storage dtype has 4-byte elements: copies may reinterpret
    this.encode().copyBufferToBuffer(src.buffer, srcOffset * e, dst.buffer, dstOffset * e, n * e);
    this.batchOutputs.push(dst);
    this.afterOp();
  }

  /**
   * Encodes one dispatch (see WgslDispatch for the binding convention). Storage bindings cover
   * exactly `length` elements (at least one), so `arrayLength` is the tensor's length. Start the
   * code with a `// name` comment: it names the kernel in error messages. `loops` must be within
   * LOOP_BUDGET (see loops.ts). Errors found on the device (invalid WGSL, validation, and with
   * checkLoops more loop iterations than `loops`) make `read` of the outputs reject with a
   * WebGPUError.
   */
  run(d: WgslDispatch): void {
    this.assertUsable();
    const nIn = d.inputs.length;
    const nOut = d.outputs.length;
    const name = () => kernelName(d.code);
    if (!(Number.isFinite(d.loops) && d.loops >= 0)) {
      throw new RangeError(`WebGPU run: kernel '${name()}' must state its loop bound (loops = ${d.loops})`);
    }
    if (d.loops > LOOP_BUDGET) {
      throw new RangeError(
        `WebGPU run: kernel '${name()}' would run up to ${d.loops} loop iterations in one invocation, more than ` +
          `LOOP_BUDGET (${LOOP_BUDGET}); its work must be split over several dispatches (loopChunks)`,
      );
    }
    const maxStorage = this.limits.maxStorageBuffersPerShaderStage;
    if (nIn + nOut > maxStorage) {
      throw new RangeError(
        `WebGPU run: kernel '${name()}' binds ${nIn + nOut} storage buffers, more than this adapter's ` +
          `maxStorageBuffersPerShaderStage (${maxStorage})`,
      );
    }
    for (const s of d.inputs) this.check(s, 'run');
    for (const s of d.outputs) {
      this.check(s, 'run');
      if (d.inputs.some((i) => i.buffer === s.buffer)) {
        throw new Error('WebGPU run: a storage cannot be both an input and an output of one dispatch');
      }
    }
    const [x, y = 1, z = 1] = d.workgroups;
    const maxWg = this.limits.maxComputeWorkgroupsPerDimension;
    if (![x, y, z].every((v) => Number.isInteger(v) && v >= 0 && v <= maxWg)) {
      throw new RangeError(`WebGPU run: workgroups [${x}, ${y}, ${z}] must be integers in [0, ${maxWg}]`);
    }
    if (d.params && d.params.length > PARAMS_BYTES / 4) {
      throw new RangeError(`WebGPU run: params has ${d.params.length} values, at most ${PARAMS_BYTES / 4}`);
    }
    const resources = [...d.inputs, ...d.outputs].map((s) => this.bindRange(s, name));
    const counted = this.loopCheck !== null && nIn + nOut < maxStorage;
    const entry = this.pipeline(d.code, nIn, nOut, d.params !== undefined, counted);
    if (x * y * z === 0) return;
    if (d.params && this.paramSlots >= this.maxBatch) this.flush();
    if (counted && this.loopCheck!.kernels.length >= this.maxBatch) this.flush();
    const entries: GPUBindGroupEntry[] = resources.map((resource, binding) => ({ binding, resource }));
    let binding = nIn + nOut;
    if (d.params) {
      const slot = this.paramSlots++;
      const base = slot * (PARAMS_BYTES / 4);
      this.paramsArena.set(d.params, base);
      this.paramsArena.fill(0, base + d.params.length, base + PARAMS_BYTES / 4);
      const resource = { buffer: this.paramsRing, offset: slot * PARAMS_BYTES, size: PARAMS_BYTES };
      entries.push({ binding: binding++, resource });
    }
    if (counted) {
      const lc = this.loopCheck!;
      const slot = lc.kernels.length;
      lc.kernels.push(`'${name()}' (declared ${d.loops})`);
      lc.arena[(slot * LOOP_SLOT_BYTES) / 4] = Math.ceil(d.loops);
      lc.arena[(slot * LOOP_SLOT_BYTES) / 4 + 1] = 0;
      entries.push({ binding, resource: { buffer: lc.ring, offset: slot * LOOP_SLOT_BYTES, size: 8 } });
    }
    const bindGroup = this.device.createBindGroup({ layout: entry.layout.bindGroupLayout, entries });
    if (!this.pass) this.pass = this.encode(true).beginComputePass();
    this.pass.setPipeline(entry.pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    this.counters.dispatches++;
    for (const s of d.outputs) this.batchOutputs.push(s);
    if (entry.check) this.batchChecks.add(entry.check);
    this.afterOp();
  }

  /** Copies `s` to the host. Rejects with `s.pendingError`'s error, or a WebGPUError of its batch. */
  async read(s: GpuStorage): Promise<Float32Array | Int32Array> {
    this.check(s, 'read');
    const bytes = s.length * elementBytes(s.dtype);
    let data: Float32Array | Int32Array = s.dtype === 'int32' ? new Int32Array(0) : new Float32Array(0);
    let mapped: Promise<void> | null = null;
    let staging: GPUBuffer | null = null;
    if (bytes > 0) {
      const buf = this.staging.acquire(bytes);
      staging = buf;
      this.encode().copyBufferToBuffer(s.buffer, 0, buf, 0, bytes);
      this.flush();
      mapped = buf.mapAsync(MAP_MODE_READ, 0, bytes);
    } else {
      this.flush();
    }
    try {
      const deviceError = await this.batchErrors.get(s);
      if (deviceError) throw deviceError;
      const pending = s.pendingError ? await s.pendingError() : null;
      if (pending) throw pending;
      if (mapped && staging) {
        await mapped;
        const range = staging.getMappedRange(0, bytes);
        data = s.dtype === 'int32' ? new Int32Array(range.slice(0)) : new Float32Array(range.slice(0));
      }
    } finally {
      if (staging) {
        if (mapped) await mapped.catch(() => undefined);
        if (staging.mapState === 'mapped') staging.unmap();
        this.staging.release(staging);
      }
    }
    return data;
  }

  /** Submits the encoded commands now (reads, copies and writes do this by themselves). */
  flush(): void {
    if (!this.encoder) return;
    if (this.pass) this.pass.end();
    const { device } = this;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    if (this.paramSlots > 0) {
      device.queue.writeBuffer(this.paramsRing, 0, this.paramsArena, 0, this.paramSlots * (PARAMS_BYTES / 4));
    }
    const loopResult = this.loopCheck && this.loopCheck.kernels.length > 0 ? this.encodeLoopCheck() : null;
    device.queue.submit([this.encoder.finish()]);
    const scopes = [device.popErrorScope(), device.popErrorScope()].map((p) =>
      p.then((e) => (e ? e.message : null)),
    );
    const checks = [...this.batchChecks, ...scopes];
    if (loopResult) checks.push(loopResult());
    const outputs = this.batchOutputs;
    this.encoder = null;
    this.pass = null;
    this.batchOps = 0;
    this.paramSlots = 0;
    this.batchOutputs = [];
    this.batchChecks = new Set();
    this.releasedInBatch.clear();
    this.counters.submits++;
    const error = Promise.all(checks).then(
      (msgs) => {
        const m = msgs.filter((x): x is string => x !== null);
        return m.length === 0 ? null : new WebGPUError(`WebGPU command batch failed: ${m.join('\n')}`);
      },
      (e: unknown) => new WebGPUError(`WebGPU command batch failed: ${String(e)}`),
    );
    void error.then((e) => e && this.report(e.message));
    for (const s of outputs) this.batchErrors.set(s, error);
  }

  /** Live storage buffers handed out by `alloc`/`upload` and not freed. */
  liveBuffers(): number {
    return this.pool.liveBuffers();
  }

  pipelineCount(): number {
    return this.pipelines.size;
  }

  stats(): { dispatches: number; submits: number; pipelines: number; pool: PoolStats } {
    return { ...this.counters, pipelines: this.pipelines.size, pool: this.pool.stats() };
  }

  /** Called by device.ts when the device is lost; later calls throw with the reason. */
  markLost(reason: string): void {
    this.lostReason ??= reason;
  }

  destroy(): void {
    this.lostReason ??= 'the WebGPU runtime was destroyed';
    this.encoder = null;
    this.pass = null;
    this.pool.destroy();
    this.staging.destroy();
    this.paramsRing.destroy();
    this.loopCheck?.ring.destroy();
    this.pipelines.clear();
    this.device.destroy();
  }

  /**
   * checkLoops: writes this batch's declared bounds (the write runs before the batch), copies the
   * counters out after it, and returns a function (call it after submitting) that resolves to a
   * message naming every dispatch that ran more iterations than it declared, or null.
   */
  private encodeLoopCheck(): () => Promise<string | null> {
    const lc = this.loopCheck!;
    const kernels = lc.kernels;
    lc.kernels = [];
    const bytes = kernels.length * LOOP_SLOT_BYTES;
    this.device.queue.writeBuffer(lc.ring, 0, lc.arena, 0, bytes / 4);
    const staging = this.staging.acquire(bytes);
    this.encoder!.copyBufferToBuffer(lc.ring, 0, staging, 0, bytes);
    return async () => {
      try {
        await staging.mapAsync(MAP_MODE_READ, 0, bytes);
        const counts = new Uint32Array(staging.getMappedRange(0, bytes).slice(0));
        staging.unmap();
        const over = kernels.flatMap((k, i) => {
          const worst = counts[(i * LOOP_SLOT_BYTES) / 4 + 1]!;
          return worst > 0 ? [`kernel ${k} ran ${worst} loop iterations in one invocation`] : [];
        });
        return over.length ? `loop bound exceeded: ${over.join('; ')}` : null;
      } catch (e) {
        return this.lostReason ? null : `loop check: ${String(e)}`;
      } finally {
        if (staging.mapState === 'mapped') staging.unmap();
        this.staging.release(staging);
      }
    };
  }

  private encode(forPass = false): GPUCommandEncoder {
    this.assertUsable();
    if (this.pass && !forPass) {
      this.pass.end();
      this.pass = null;
    }
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private afterOp(): void {
    if (++this.batchOps >= this.maxBatch) {
      this.flush();
    } else if (!this.flushQueued) {
      // Submit at the end of the current task, so the device starts while JS goes on.
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        if (this.lostReason === null) this.flush();
      });
    }
  }

  private bindRange(s: GpuStorage, kernel: () => string): GPUBufferBinding {
    const size = Math.max(4, s.length * elementBytes(s.dtype));
    const max = this.limits.maxStorageBufferBindingSize;
    if (size > max) {
      throw new RangeError(
        `WebGPU run: kernel '${kernel()}' needs a tensor of ${s.length} elements (${size} bytes) in one binding, more ` +
          `than this adapter's maxStorageBufferBindingSize (${max} bytes, ${Math.floor(max / F32.bytes)} float32 elements); ` +
          'split the tensor into smaller ones, use an adapter with a larger limit, or the cpu device',
      );
    }
    return { buffer: s.buffer, offset: 0, size };
  }

  private pipeline(
    code: string,
    nIn: number,
    nOut: number,
    params: boolean,
    counted: boolean,
  ): PipelineEntry {
    const sig = `${nIn},${nOut},${params ? 1 : 0},${counted ? 1 : 0}`;
    const key = `${sig}\n${code}`;
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    let layout = this.layouts.get(sig);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      const vis = STAGE_COMPUTE;
      for (let i = 0; i < nIn; i++)
        entries.push({ binding: i, visibility: vis, buffer: { type: 'read-only-storage' } });
      for (let i = 0; i < nOut; i++)
        entries.push({ binding: nIn + i, visibility: vis, buffer: { type: 'storage' } });
      if (params) entries.push({ binding: nIn + nOut, visibility: vis, buffer: { type: 'uniform' } });
      if (counted)
        entries.push({ binding: nIn + nOut + +params, visibility: vis, buffer: { type: 'storage' } });
      const bindGroupLayout = this.device.createBindGroupLayout({ entries });
      layout = {
        bindGroupLayout,
        pipelineLayout: this.device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] }),
      };
      this.layouts.set(sig, layout);
    }
    this.device.pushErrorScope('validation');
    const source = counted ? instrumentLoops(code, nIn + nOut + +params) : code;
    const module = this.device.createShaderModule({ code: source, label: kernelName(code) });
    const pipeline = this.device.createComputePipeline({
      layout: layout.pipelineLayout,
      compute: { module, entryPoint: 'main' },
    });
    const entry: PipelineEntry = { pipeline, layout, check: null };
    entry.check = this.device.popErrorScope().then(
      (e) => {
        if (e) return `invalid kernel '${kernelName(code)}': ${e.message}`;
        entry.check = null;
        return null;
      },
      (e: unknown) => `kernel '${kernelName(code)}': ${String(e)}`,
    );
    this.pipelines.set(key, entry);
    return entry;
  }

  private check(s: GpuStorage, op: string): void {
    this.assertUsable();
    if (this.freed.has(s)) throw new Error(`WebGPU ${op}: the storage was already freed`);
    if (!this.pool.isLive(s.buffer)) {
      throw new Error(`WebGPU ${op}: the storage was not allocated by this device (or its device was reset)`);
    }
  }

  private assertUsable(): void {
    if (this.lostReason !== null) throw new WebGPUError(`WebGPU device unusable: ${this.lostReason}`);
  }

  private report(message: string): void {
    if (this.reported.has(message) || this.reported.size >= 20) return;
    this.reported.add(message);
    this.onError(message);
  }
}

/** A kernel's name for messages: its first `//` comment line, else its first line. */
function kernelName(code: string): string {
  const lines = code.split('\n').map((l) => l.trim());
  const line = lines.find((l) => l.startsWith('//')) ?? lines.find((l) => l !== '') ?? '';
  return line.replace(/^\/\/\s*/, '').slice(0, 80);
}
