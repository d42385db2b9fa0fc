/**
 * Batches of small matrices (n ≤ 8) in WebAssembly SIMD, one matrix per f64x2 lane
 * (wasm-batched-kernels.ts): Cholesky, LU with partial pivoting, and the inverse as linalg.inv
 * computes it. The module shares the GEMM kernel's memory (wasm-gemm.ts) and so its worker
 * pool: a large batch is split into runs of matrix pairs over the pool's threads. Every matrix is
 * computed by one thread with the same instructions, bitwise as the JavaScript kernels compute it,
 * so the results do not depend on the thread count or on whether this path is taken at all.
 *
 * Each call copies the batch into the memory (float32 input is widened there), runs the kernel in
 * place and copies the results out (rounded once to float32 for float32 output). The entry points
 * return false, doing nothing, where WebAssembly SIMD is missing, n is out of range, or the batch
 * is too small to gain.
 */

import type { FloatArray } from '../backend.js';
import {
  activePool,
  addPoolModule,
  completeBatched,
  hasPoolModule,
  poolWanted,
  postBatched,
  startPool,
} from './pool.js';
import { name, section, uleb, vec } from './wasm-asm.js';
import {
  BATCHED_MAX_N,
  BATCHED_TYPE,
  type BatchedKind,
  batchedBodies,
  batchedIndex,
} from './wasm-batched-kernels.js';
import { gemmKernelMemory, resetGemmKernel } from './wasm-gemm.js';

export { BATCHED_MAX_N } from './wasm-batched-kernels.js';

/** Batches smaller than this stay in JavaScript (copies and the call cost more than they save). */
export const BATCHED_MIN = 4;
/** Batches of at least this many n³ go to the worker pool. */
const PARALLEL_MIN = 1 << 16;

type Kernel = (mats: number, info: number, piv: number, pairs: number) => void;

interface Instance {
  mem: WebAssembly.Memory;
  /** The GEMM's module: the pool is started with it. */
  gemmModule: WebAssembly.Module;
  module: WebAssembly.Module;
  /** Whether the memory is shared (so the pool can run the kernels). */
  shared: boolean;
  fns: Kernel[];
}

/** Compiled modules by memory kind (shared for the pool, or not). */
const modules = new Map<boolean, WebAssembly.Module | null>();
let instance: Instance | null = null;
/** The pool's workers instantiate the module too (the shared-memory one). */
const POOL_MODULE = addPoolModule(() => compiled(true));
/** Test hook: false keeps every batch in JavaScript. */
let enabled = true;

function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const bodies = batchedBodies();
  const memType = shared ? [0x03, 1, ...uleb(32768)] : [0x00, 1];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([BATCHED_TYPE])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, ...memType]])),
    ...section(3, vec(bodies.map(() => [0]))),
    ...section(7, vec(bodies.map((_, i) => [...name(`b${i}`), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies.map((body) => [...uleb(body.length), ...body]))),
  ]);
}

function compiled(shared: boolean): WebAssembly.Module | null {
  let m = modules.get(shared);
  if (m !== undefined) return m;
  m = null;
  try {
    const bytes = moduleBytes(shared);
    if (WebAssembly.validate(bytes)) m = new WebAssembly.Module(bytes);
  } catch {
    m = null;
  }
  modules.set(shared, m);
  return m;
}

/** The instance on the GEMM kernel's current memory (made again when that memory changes). */
function getInstance(): Instance | null {
  if (!enabled || typeof WebAssembly !== 'object') return null;
  const k = gemmKernelMemory();
  if (!k) return null;
  if (instance && instance.mem === k.mem) return instance;
  instance = null;
  const shared = typeof SharedArrayBuffer === 'function' && k.mem.buffer instanceof SharedArrayBuffer;
  const module = compiled(shared);
  if (!module) return null;
  try {
    const exports = new WebAssembly.Instance(module, { env: { mem: k.mem } }).exports as Record<
      string,
      Kernel
    >;
    const fns = Array.from({ length: 4 * BATCHED_MAX_N }, (_, i) => exports[`b${i}`]!);
    instance = { mem: k.mem, gemmModule: k.module, module, shared, fns };
  } catch {
    instance = null;
  }
  return instance;
}

/** Test hook: whether batches may use the WebAssembly kernels (true by default). */
export function setBatchedWasm(on: boolean): void {
  enabled = on;
}

/** Whether the kernels are available here (WebAssembly SIMD). */
export function batchedWasmAvailable(): boolean {
  return getInstance() !== null;
}

/** The memory as float64 and int32 views of at least `bytes` bytes (grown as needed), or null. */
function views(inst: Instance, bytes: number): { f64: Float64Array; i32: Int32Array } | null {
  if (bytes > 2 ** 31) return null;
  const have = inst.mem.buffer.byteLength;
  if (have < bytes) {
    try {
      inst.mem.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return null;
    }
  }
  return { f64: new Float64Array(inst.mem.buffer), i32: new Int32Array(inst.mem.buffer) };
}

/**
 * The batch goes through the memory in blocks of about this many bytes of matrices, each copied
 * in, factored and copied out while it is still in the cache.
 */
const BLOCK_BYTES = 1 << 19;
/** Chunks of a pool job: about this many doubles of matrices each. */
const CHUNK_DOUBLES = 4096;

type Out = (f64: Float64Array, i32: Int32Array, at: Region, e0: number, count: number) => void;

/** Where a block lies in the memory: byte offsets of its matrices, info codes and pivots. */
interface Region {
  mats: number;
  info: number;
  piv: number;
}

/**
 * Runs `kind` of order n over `batch` matrices: a block of `a` at a time into the memory, the
 * kernel, and `out(f64, i32, region, e0, count)` copies the results of matrices e0..e0+count out
 * of the block's region. Over the worker pool (a large batch, once the pool runs) two regions
 * alternate: while the workers factor one block, this thread copies the last block's results out
 * and the next block in, then takes what chunks are left.
 */
function runBatched(kind: BatchedKind, n: number, batch: number, a: FloatArray, out: Out): boolean {
  if (n < 1 || n > BATCHED_MAX_N || batch < BATCHED_MIN) return false;
  const inst = getInstance();
  if (!inst) return false;
  const nn = n * n;
  const func = batchedIndex(kind, n);
  const fn = inst.fns[func]!;
  let pool = null;
  if (batch * nn * n >= PARALLEL_MIN && inst.shared && poolWanted()) {
    pool = activePool(inst.mem);
    if (!pool) void startPool(inst.gemmModule, inst.mem);
    else if (!hasPoolModule(pool, POOL_MODULE)) pool = null;
  }
  const block = Math.min(batch + 1, Math.max(2, Math.floor(BLOCK_BYTES / (8 * nn)))) & ~1;
  const pairsMax = block >> 1;
  const regionBytes = pairsMax * (16 * nn + 8 + 8 * n);
  const regions: Region[] = [0, 1].map((r) => ({
    mats: r * regionBytes,
    info: r * regionBytes + pairsMax * 16 * nn,
    piv: r * regionBytes + pairsMax * (16 * nn + 8),
  }));
  const v = views(inst, (pool ? 2 : 1) * regionBytes);
  if (!v) return false;
  const { f64, i32 } = v;
  const copyIn = (e0: number, at: Region) => {
    const count = Math.min(block, batch - e0);
    const d = at.mats >> 3;
    f64.set(a.subarray(e0 * nn, (e0 + count) * nn), d);
    if (count & 1) f64.fill(0, d + count * nn, d + (count + 1) * nn); // the unused lane: a zero matrix
    return (count + 1) >> 1;
  };
  if (!pool) {
    for (let e0 = 0; e0 < batch; e0 += block) {
      const at = regions[0]!;
      fn(at.mats, at.info, at.piv, copyIn(e0, at));
      out(f64, i32, at, e0, Math.min(block, batch - e0));
    }
    return true;
  }
  const per = Math.max(1, Math.floor(CHUNK_DOUBLES / (2 * nn)));
  const what = `a batched ${kindName[kind]} of ${batch} ${n}×${n} matrices`;
  const post = (at: Region, pairs: number) =>
    postBatched(pool, POOL_MODULE, func, pairs, per, [at.mats, at.info, at.piv], [16 * nn, 8, 8 * n]);
  try {
    let job = post(regions[0]!, copyIn(0, regions[0]!));
    for (let b = 0, e0 = 0; e0 < batch; b++, e0 += block) {
      const at = regions[b & 1]!;
      const next = regions[(b + 1) & 1]!;
      const nextPairs = e0 + block < batch ? copyIn(e0 + block, next) : 0;
      completeBatched(job, fn, what);
      if (nextPairs) job = post(next, nextPairs);
      out(f64, i32, at, e0, Math.min(block, batch - e0));
    }
  } catch (e) {
    // A stopping worker may still write into this memory: the GEMM kernel (and so this
    // instance) gets a new one.
    resetGemmKernel();
    instance = null;
    throw e;
  }
  return true;
}

const kindName: Record<BatchedKind, string> = {
  cholLower: 'Cholesky',
  cholUpper: 'Cholesky',
  lu: 'LU factorization',
  inv: 'inverse',
};

/**
 * cholesky (linalg/cholesky.ts) of a batch of n×n matrices, n ≤ 8: L (or U when `upper`) into
 * `l` with the other triangle zeroed, info codes into `info`. False: not done here.
 */
export function choleskyBatched(
  a: FloatArray,
  batch: number,
  n: number,
  l: FloatArray,
  info: Int32Array,
  upper: boolean,
): boolean {
  const nn = n * n;
  return runBatched(upper ? 'cholUpper' : 'cholLower', n, batch, a, (f64, i32, at, e0, count) => {
    l.set(f64.subarray(at.mats >> 3, (at.mats >> 3) + count * nn), e0 * nn);
    info.set(i32.subarray(at.info >> 2, (at.info >> 2) + count), e0);
  });
}

/** luFactorCpu (linalg/lu.ts) of a batch of n×n matrices, n ≤ 8. False: not done here. */
export function luFactorBatched(
  a: FloatArray,
  batch: number,
  n: number,
  lu: FloatArray,
  piv: Int32Array,
  info: Int32Array,
): boolean {
  const nn = n * n;
  return runBatched('lu', n, batch, a, (f64, i32, at, e0, count) => {
    lu.set(f64.subarray(at.mats >> 3, (at.mats >> 3) + count * nn), e0 * nn);
    info.set(i32.subarray(at.info >> 2, (at.info >> 2) + count), e0);
    piv.set(i32.subarray(at.piv >> 2, (at.piv >> 2) + count * n), e0 * n);
  });
}

/**
 * What the inv op computes on the CPU for a batch of n×n matrices, n ≤ 8: the inverse from the
 * pivoted LU (NaN for a matrix with a NaN or ±inf entry) into `x` (float64), the factorization's
 * info codes into `info`. False: not done here.
 */
export function invBatched(
  a: FloatArray,
  batch: number,
  n: number,
  x: FloatArray,
  info: Int32Array,
): boolean {
  // float32: the JavaScript path rounds the factor to float32 before inverting; not fused here.
  if (!(x instanceof Float64Array)) return false;
  const nn = n * n;
  return runBatched('inv', n, batch, a, (f64, i32, at, e0, count) => {
    x.set(f64.subarray(at.mats >> 3, (at.mats >> 3) + count * nn), e0 * nn);
    info.set(i32.subarray(at.info >> 2, (at.info >> 2) + count), e0);
  });
}
