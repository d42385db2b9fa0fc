/**
 * A pool of GPUBuffers bucketed by size.
 *
 * Size classes: every request is rounded up to at least MIN_BYTES (so a zero-length tensor still
 * gets a valid buffer and every size is a multiple of 4 as copies and storage bindings require).
 * Up to 4 KiB the classes are powers of two; above that each octave (2^k, 2^(k+1)] is split into
 * 8 equal steps, all multiples of 256 bytes. A request therefore wastes less than 12.5% of its
 * buffer, while a workload whose sizes wobble a little (batched matrices, reductions) still
 * lands in the same few classes and reuses buffers. Plain powers of two would waste up to 50%
 * of large buffers; plain 256-byte multiples would give a class per distinct size and little reuse.
 *
 * Reuse and queue order: a released buffer goes straight back on its free list. Reusing it in
 * commands encoded later is always safe (a command encoder runs in order); writing it with
 * `queue.writeBuffer` while earlier, unsubmitted commands still use it is not, because queue
 * writes run before the commands submitted after them. The runtime handles that case (it submits
 * first); the pool does not need to know.
 */

export const MIN_BYTES = 256;

/** The size of the buffer `acquire(bytes)` hands out, before clamping to the device's maximum. */
export function bucketBytes(bytes: number): number {
  const b = Math.max(MIN_BYTES, Math.ceil(bytes));
  const pow2 = 2 ** Math.ceil(Math.log2(b));
  if (pow2 <= 4096) return pow2;
  const step = pow2 / 16;
  return Math.ceil(b / step) * step;
}

/** @internal */
export interface BufferPoolOptions {
  usage: GPUBufferUsageFlags;
  /** Largest buffer the device accepts (`limits.maxBufferSize`). */
  maxBufferSize: number;
  /** Free buffers kept for reuse, in bytes; beyond it released buffers are destroyed. */
  maxPooledBytes?: number;
  label?: string;
}

export interface PoolStats {
  live: number;
  liveBytes: number;
  pooled: number;
  pooledBytes: number;
  created: number;
  reused: number;
}

/** @internal GPUBuffers by size bucket (its GPU types are kept out of the public declarations). */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly live = new Set<GPUBuffer>();
  private liveBytes = 0;
  private pooledBytes = 0;
  private created = 0;
  private reused = 0;
  private readonly maxPooledBytes: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly opts: BufferPoolOptions,
  ) {
    this.maxPooledBytes = opts.maxPooledBytes ?? 256 * 2 ** 20;
  }

  /** A buffer of at least `bytes` bytes (at least MIN_BYTES), counted as live until released. */
  acquire(bytes: number): GPUBuffer {
    if (!Number.isFinite(bytes) || bytes < 0) {
      throw new RangeError(`BufferPool.acquire: invalid byte size ${bytes}`);
    }
    if (bytes > this.opts.maxBufferSize) {
      throw new RangeError(
        `WebGPU: a buffer of ${bytes} bytes exceeds this adapter's maxBufferSize (${this.opts.maxBufferSize} bytes); ` +
          'split the tensor into smaller ones, use an adapter with a larger limit, or the cpu device',
      );
    }
    const size = Math.min(bucketBytes(bytes), this.opts.maxBufferSize - (this.opts.maxBufferSize % 4));
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.pooledBytes -= size;
      this.reused++;
    } else {
      buffer = this.device.createBuffer({ size, usage: this.opts.usage, label: this.opts.label });
      this.created++;
    }
    this.live.add(buffer);
    this.liveBytes += size;
    return buffer;
  }

  /** Returns a buffer for reuse. Releasing a buffer twice (or a foreign one) is a no-op. */
  release(buffer: GPUBuffer): void {
    if (!this.live.delete(buffer)) return;
    this.liveBytes -= buffer.size;
    this.recycle(buffer);
  }

  /** Number of buffers handed out and not released (the leak tests' counter). */
  liveBuffers(): number {
    return this.live.size;
  }

  isLive(buffer: GPUBuffer): boolean {
    return this.live.has(buffer);
  }

  stats(): PoolStats {
    let pooled = 0;
    for (const list of this.free.values()) pooled += list.length;
    return {
      live: this.live.size,
      liveBytes: this.liveBytes,
      pooled,
      pooledBytes: this.pooledBytes,
      created: this.created,
      reused: this.reused,
    };
  }

  /** Destroys the free buffers (live ones are untouched). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
  }

  /** Destroys every buffer, live or free. */
  destroy(): void {
    this.trim();
    for (const b of this.live) b.destroy();
    this.live.clear();
    this.liveBytes = 0;
  }

  private recycle(buffer: GPUBuffer): void {
    const size = buffer.size;
    if (this.pooledBytes + size > this.maxPooledBytes) {
      buffer.destroy();
      return;
    }
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buffer);
    this.pooledBytes += size;
  }
}
