/**
 * A pool of worker threads for the CPU kernels' large WebAssembly products and batched kernels
 * of small matrices (wasm-batched.ts), over one shared
 * WebAssembly.Memory: `node:worker_threads` in Node, Web Workers in a browser page that is
 * `crossOriginIsolated`; everywhere else (no SharedArrayBuffer, a sandboxed page) the kernels stay
 * on the calling thread with the same results.
 *
 * The kernels are synchronous, so the pool is too: the calling thread writes a job into a shared
 * control block, wakes the workers (Atomics.notify), and then takes chunks of the job itself from
 * the same atomic counter as they do, until all chunks are done. A chunk is a band of rows of C,
 * or a run of matrices of a batch, whose every element is computed by one thread with the same
 * instructions whatever the thread count, so results are bitwise identical for any number of
 * threads.
 *
 * Workers start asynchronously (on the first large product, never for small ones) and join jobs
 * once running; until then the caller does the whole job. A worker that throws, or exits during
 * a job, makes the job fail with a clear Error; the pool is then discarded with its memory (a
 * stopping thread may still write there) and restarted on the next large product. Workers are
 * unref'd: they never keep a process alive.
 */

// ---- control block layout (Int32 slots of a SharedArrayBuffer; alpha as a float64 at ALPHA_BYTE)
export const SEQ = 0; // job number; workers wait on it
export const NEXT = 1; // next chunk to take: the job's tag << 20 | chunk number
export const DONE = 2; // chunks finished
export const NCHUNK = 3;
export const ROWS = 4; // rows of C per chunk (a multiple of 4)
export const PA = 5; // byte offsets of A, packed B, C in the kernel memory; then m, n, k
export const KIND = 11; // 1: gemm; 5: batched kernel; 2, 3, 4: test faults (a worker throws / exits / hangs)
export const ERROR = 12; // worker id + 1 of a worker that threw
export const DEAD = 13; // worker id + 1 of a worker that exited
export const QUIT = 14;
export const TAKEN = 15; // chunks of batched jobs done by workers (for tests)
export const READY = 16; // READY + id: 1 once worker id runs
const MAX_WORKERS = 15;
/**
 * A batched job (KIND 5): ARGS: index of the module among the added ones, of the function
 * b<index> in it, the number of items; then three byte addresses and their strides per item. A
 * chunk of ROWS items from item q0 is f(p0 + q0·s0, p1 + q0·s1, p2 + q0·s2, count).
 */
export const ARGS = READY + MAX_WORKERS + 1;
/**
 * The current job's tag (11 bits), stored before its parameters: a thread that took a chunk
 * number from NEXT works on it only if NEXT's tag is this one (read after NCHUNK), so a thread
 * still in the loop of the last job never takes a number of the next one for its own.
 */
export const JOB = ARGS + 9;
const TAG_SHIFT = 20;
const ALPHA_BYTE = 8 * Math.ceil((JOB + 1) / 2); // 8-byte aligned
const CTRL_BYTES = ALPHA_BYTE + 8;

/** The spare last READY slot (worker ids stay below MAX_WORKERS): a product's lda | ldc << 16. */
const LDS = READY + MAX_WORKERS;

/**
 * The worker's program, as source (it runs without the package's module graph: in Node an
 * `eval` worker, in a browser a Blob URL). `run(module, memory, sab, id, onExit, extras)`.
 */
const WORKER_BODY = `
function run(module, memory, sab, id, onExit, extras) {
  const ctrl = new Int32Array(sab);
  const alpha = new Float64Array(sab, ${ALPHA_BYTE}, 1);
  const gemm = new WebAssembly.Instance(module, { env: { mem: memory } }).exports.gemm;
  const more = extras.map((m) => m && new WebAssembly.Instance(m, { env: { mem: memory } }).exports);
  onExit(() => { Atomics.store(ctrl, ${DEAD}, id + 1); Atomics.notify(ctrl, ${DONE}); });
  Atomics.store(ctrl, ${READY} + id, 1);
  let seq = Atomics.load(ctrl, ${SEQ});
  for (;;) {
    Atomics.wait(ctrl, ${SEQ}, seq);
    seq = Atomics.load(ctrl, ${SEQ});
    if (Atomics.load(ctrl, ${QUIT})) return;
    try {
      for (;;) {
        const v = Atomics.add(ctrl, ${NEXT}, 1);
        const count = Atomics.load(ctrl, ${NCHUNK});
        const q = v & ${(1 << 20) - 1};
        if (v >>> ${20} !== Atomics.load(ctrl, ${JOB}) || q >= count) break;
        const kind = ctrl[${KIND}];
        if (kind === 2) throw new Error('test fault');
        if (kind === 3) { if (typeof process === 'object') process.exit(1); else close(); return; }
        if (kind === 4) for (;;) {}
        if (kind === 5) {
          const a = ${ARGS}, per = ctrl[${ROWS}], q0 = q * per;
          more[ctrl[a]]['b' + ctrl[a + 1]](ctrl[a + 3] + q0 * ctrl[a + 4], ctrl[a + 5] + q0 * ctrl[a + 6],
            ctrl[a + 7] + q0 * ctrl[a + 8], Math.min(per, ctrl[a + 2] - q0));
          Atomics.add(ctrl, ${TAKEN}, 1);
          if (Atomics.add(ctrl, ${DONE}, 1) + 1 === count) Atomics.notify(ctrl, ${DONE});
          continue;
        }
        const rows = ctrl[${ROWS}], m = ctrl[${PA} + 3], n = ctrl[${PA} + 4], k = ctrl[${PA} + 5];
        const i0 = q * rows, h = Math.min(rows, m - i0), lda = ctrl[${LDS}] & 0xffff, ldc = ctrl[${LDS}] >>> 16;
        gemm(ctrl[${PA}] + i0 * (lda || k) * 8, ctrl[${PA} + 1], ctrl[${PA} + 2] + i0 * (ldc || n) * 8, h, n, k, alpha[0], lda, ldc);
        if (Atomics.add(ctrl, ${DONE}, 1) + 1 === count) Atomics.notify(ctrl, ${DONE});
      }
    } catch (e) {
      Atomics.store(ctrl, ${ERROR}, id + 1);
      Atomics.notify(ctrl, ${DONE});
    }
  }
}`;

const NODE_WORKER = `${WORKER_BODY}
const { workerData } = require('node:worker_threads');
run(workerData.module, workerData.memory, workerData.sab, workerData.id, (f) => process.on('exit', f), workerData.extras);`;

const BROWSER_WORKER = `${WORKER_BODY}
self.onmessage = (e) => { const d = e.data; run(d.module, d.memory, d.sab, d.id, () => {}, d.extras); };`;

interface Handle {
  terminate(): unknown;
}

/** One generation of the pool: its memory, control block and workers. @internal */
interface Generation {
  module: WebAssembly.Module;
  /** The modules the workers instantiated too (addPoolModule; null: none). */
  extras: (WebAssembly.Module | null)[];
  memory: WebAssembly.Memory;
  sab: SharedArrayBuffer;
  ctrl: Int32Array;
  alpha: Float64Array;
  workers: Handle[];
  /** Workers asked for (threads − 1). */
  size: number;
}

let requested: number | null = null;
let envWarned = false;
let gen: Generation | null = null;
let starting: Promise<void> | null = null;
let cores = 1;
let coresKnown = false;
/**
 * Providers of the modules the workers instantiate besides the GEMM's, on the same memory
 * (addPoolModule); asked once per pool start.
 */
const moduleProviders: (() => WebAssembly.Module | null)[] = [];

/**
 * Makes the workers of every pool started from now on instantiate the module that `provide`
 * returns (it imports env.mem, the pool's shared memory; null: none), so that batched jobs can
 * call its functions. Returns its index for {@link postBatched}. Called when a kernel file
 * loads, before any pool starts. @internal
 */
export function addPoolModule(provide: () => WebAssembly.Module | null): number {
  moduleProviders.push(provide);
  return moduleProviders.length - 1;
}

const env = (): Record<string, string | undefined> =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const isNode = () =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** Whether this environment can share memory with worker threads at all. */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  if (isNode()) return true;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function';
}

/**
 * Sets the number of threads of the CPU kernels (the calling thread included): 1 turns the pool
 * off. Default: LINAGRAD_NUM_THREADS, else the number of cores (at most 16). Results do not
 * depend on it.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS + 1)
    throw new RangeError(`setNumThreads: expected an integer from 1 to ${MAX_WORKERS + 1}, got ${n}`);
  requested = n;
  if (gen && gen.size !== n - 1) discard();
}

/** The thread count in effect (the calling thread included). */
export function getNumThreads(): number {
  if (requested !== null) return requested;
  const raw = env().LINAGRAD_NUM_THREADS;
  if (raw !== undefined && raw !== '') {
    const v = Number(raw);
    if (Number.isInteger(v) && v >= 1 && v <= MAX_WORKERS + 1) return v;
    if (!envWarned) {
      envWarned = true;
      console.warn(
        `linagrad: LINAGRAD_NUM_THREADS=${raw} is not an integer from 1 to ${MAX_WORKERS + 1}; using ${Math.min(cores, 16)}`,
      );
    }
  }
  return Math.min(coresKnown ? cores : 2, MAX_WORKERS + 1);
}

/**
 * Whether large products should go to the pool: false when one thread is asked for (the core
 * count itself is known only once the pool starts).
 */
export function poolWanted(): boolean {
  return threadsSupported() && (requested ?? getNumThreads()) > 1;
}

/** Workers running now (for tests and the bench). */
export function runningWorkers(): number {
  if (!gen) return 0;
  let r = 0;
  for (let i = 0; i < gen.size; i++) r += Atomics.load(gen.ctrl, READY + i);
  return r;
}

function discard(): void {
  const g = gen;
  gen = null;
  starting = null;
  if (!g) return;
  Atomics.store(g.ctrl, QUIT, 1);
  Atomics.add(g.ctrl, SEQ, 1);
  Atomics.notify(g.ctrl, SEQ);
  for (const w of g.workers) void w.terminate();
}

/**
 * Starts the pool for a kernel module and its shared memory (asynchronously; the returned
 * promise resolves once every worker runs). Does nothing when one thread is asked for.
 * @internal (kept out of the published declarations, which must not need the WebAssembly lib)
 */
export function startPool(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<void> {
  if (gen && gen.memory === memory) return starting ?? Promise.resolve();
  discard();
  if (!threadsSupported() || !(memory.buffer instanceof SharedArrayBuffer)) return Promise.resolve();
  const sab = new SharedArrayBuffer(CTRL_BYTES);
  const g: Generation = {
    module,
    extras: moduleProviders.map((provide) => provide()),
    memory,
    sab,
    ctrl: new Int32Array(sab),
    alpha: new Float64Array(sab, ALPHA_BYTE, 1),
    workers: [],
    size: 0,
  };
  gen = g;
  const p = spawnWorkers(g).catch(() => {
    if (gen === g) discard();
  });
  starting = p;
  return p;
}

type WorkerThreads = typeof import('node:worker_threads');
type Os = typeof import('node:os');

/**
 * node:worker_threads and node:os without waiting, where Node has process.getBuiltinModule
 * (20.16+, 22.3+): then the workers start even while the caller computes without yielding.
 */
function builtinsNow(): [WorkerThreads, Os] | null {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  if (typeof get !== 'function') return null;
  const wt = get('node:worker_threads') as WorkerThreads | undefined;
  const os = get('node:os') as Os | undefined;
  return wt && os ? [wt, os] : null;
}

async function spawnWorkers(g: Generation): Promise<void> {
  if (isNode()) {
    const [{ Worker }, os] =
      builtinsNow() ?? (await Promise.all([import('node:worker_threads'), import('node:os')]));
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    coresKnown = true;
    if (gen !== g) return;
    g.size = getNumThreads() - 1;
    for (let id = 0; id < g.size; id++) {
      const w = new Worker(NODE_WORKER, {
        eval: true,
        workerData: { module: g.module, extras: g.extras, memory: g.memory, sab: g.sab, id },
      });
      w.unref();
      w.on('error', () => Atomics.store(g.ctrl, DEAD, id + 1));
      w.on('exit', () => {
        Atomics.store(g.ctrl, DEAD, id + 1);
        if (gen === g) discard(); // restarts on the next large product
      });
      g.workers.push(w);
    }
  } else {
    cores =
      (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
    coresKnown = true;
    g.size = getNumThreads() - 1;
    const url = URL.createObjectURL(new Blob([BROWSER_WORKER], { type: 'text/javascript' }));
    for (let id = 0; id < g.size; id++) {
      const w = new Worker(url);
      w.onerror = () => Atomics.store(g.ctrl, DEAD, id + 1);
      w.postMessage({ module: g.module, extras: g.extras, memory: g.memory, sab: g.sab, id });
      g.workers.push(w);
    }
  }
  const deadline = Date.now() + 10_000;
  while (gen === g && runningWorkers() < g.size && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 2));
}

/** Whether a pool generation's workers have module `index` (addPoolModule). @internal */
export const hasPoolModule = (g: Generation, index: number): boolean => g.extras[index] != null;

/** Chunks of batched jobs the workers have done since the pool started (for tests). */
export function workerBatchedChunks(): number {
  return gen ? Atomics.load(gen.ctrl, TAKEN) : 0;
}

/** Threads of a running pool generation (its workers and the calling thread). @internal */
export const poolThreads = (g: Generation): number => g.size + 1;

/** The pool's generation for `memory` when it has a running worker, else null. @internal */
export function activePool(memory: WebAssembly.Memory): Generation | null {
  if (!gen || gen.memory !== memory) return null;
  if (Atomics.load(gen.ctrl, DEAD) || Atomics.load(gen.ctrl, ERROR)) {
    discard(); // a worker stopped between jobs: nothing was lost; restart later
    return null;
  }
  return runningWorkers() > 0 ? gen : null;
}

/** How long a job may make no progress before the pool is declared broken. */
let stallMs = 30_000;
export function setStallTimeout(ms: number): void {
  stallMs = ms;
}

const canBlock = (): boolean => {
  if (isNode()) return true;
  return typeof (globalThis as { document?: unknown }).document === 'undefined'; // inside a worker
};

/** Starts a new job's tag; the caller then writes its parameters and calls {@link startJob}. */
function beginJob(ctrl: Int32Array): void {
  Atomics.store(ctrl, JOB, (ctrl[JOB]! + 1) & 0x7ff);
}

/** Publishes the job (its parameters written) and wakes the workers. */
function startJob(ctrl: Int32Array, count: number): void {
  Atomics.store(ctrl, DONE, 0);
  Atomics.store(ctrl, NCHUNK, count);
  Atomics.store(ctrl, NEXT, ctrl[JOB]! << TAG_SHIFT);
  Atomics.add(ctrl, SEQ, 1);
  Atomics.notify(ctrl, SEQ);
}

/** The next chunk number of the current job for this thread, or −1 when none is left. */
function takeChunk(ctrl: Int32Array, count: number): number {
  const q = Atomics.add(ctrl, NEXT, 1) & ((1 << TAG_SHIFT) - 1);
  return q < count ? q : -1;
}

type GemmFn = (...args: [number, number, number, number, number, number, number, number?, number?]) => void;

/**
 * Runs C[m×n] += alpha·A·B (the kernel's byte offsets, m and n multiples of 4; leading dims lda
 * and ldc of A and C in doubles, below 2¹⁶, 0 meaning k and n) in bands of `rows` rows over the
 * pool and this thread; `gemm` is this thread's instance. `kind` ≠ 1 only in tests (a fault in a
 * worker, with this thread taking no chunk). @internal
 */
export function parallelGemm(
  g: Generation,
  gemm: GemmFn,
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  rows: number,
  kind = 1,
  lda = 0,
  ldc = 0,
): void {
  const { ctrl } = g;
  const count = Math.ceil(m / rows);
  beginJob(ctrl);
  ctrl[LDS] = lda | (ldc << 16);
  ctrl[PA] = a;
  ctrl[PA + 1] = b;
  ctrl[PA + 2] = c;
  ctrl[PA + 3] = m;
  ctrl[PA + 4] = n;
  ctrl[PA + 5] = k;
  ctrl[ROWS] = rows;
  ctrl[KIND] = kind;
  g.alpha[0] = alpha;
  startJob(ctrl, count);
  while (kind === 1) {
    if (Atomics.load(ctrl, ERROR) || Atomics.load(ctrl, DEAD)) break;
    const q = takeChunk(ctrl, count);
    if (q < 0) break;
    const i0 = q * rows;
    gemm(a + i0 * (lda || k) * 8, b, c + i0 * (ldc || n) * 8, Math.min(rows, m - i0), n, k, alpha, lda, ldc);
    Atomics.add(ctrl, DONE, 1);
  }
  finish(g, count, `a ${m}×${k} by ${k}×${n} matrix product`);
}

/** A batched job posted to the pool (postBatched), for this thread to complete. @internal */
export interface BatchedJob {
  g: Generation;
  count: number;
  items: number;
  per: number;
  ptrs: readonly [number, number, number];
  strides: readonly [number, number, number];
}

/**
 * Posts a batched kernel over `items` items in chunks of `per` to the pool's workers: function
 * b<func> of added module `moduleIndex` (the generation must have it, `hasPoolModule`), called as
 * f(p0 + q0·s0, p1 + q0·s1, p2 + q0·s2, count) for the chunk of `count` items from q0. The workers
 * start on it at once; this thread may do other work (not touching those items) before
 * {@link completeBatched}, which must come before the next job. @internal
 */
export function postBatched(
  g: Generation,
  moduleIndex: number,
  func: number,
  items: number,
  per: number,
  ptrs: readonly [number, number, number],
  strides: readonly [number, number, number],
): BatchedJob {
  const { ctrl } = g;
  const count = Math.ceil(items / per);
  beginJob(ctrl);
  ctrl[ARGS] = moduleIndex;
  ctrl[ARGS + 1] = func;
  ctrl[ARGS + 2] = items;
  for (let i = 0; i < 3; i++) {
    ctrl[ARGS + 3 + 2 * i] = ptrs[i]!;
    ctrl[ARGS + 4 + 2 * i] = strides[i]!;
  }
  ctrl[ROWS] = per;
  ctrl[KIND] = 5;
  startJob(ctrl, count);
  return { g, count, items, per, ptrs, strides };
}

/**
 * Takes the chunks of a posted job that are left with `local` (this thread's instance of the
 * function), then waits for the workers' ones; `what` names the work in an error. @internal
 */
export function completeBatched(
  job: BatchedJob,
  local: (p0: number, p1: number, p2: number, count: number) => void,
  what: string,
): void {
  const { g, count, items, per, ptrs, strides } = job;
  const { ctrl } = g;
  for (;;) {
    if (Atomics.load(ctrl, ERROR) || Atomics.load(ctrl, DEAD)) break;
    const q = takeChunk(ctrl, count);
    if (q < 0) break;
    const q0 = q * per;
    local(
      ptrs[0] + q0 * strides[0],
      ptrs[1] + q0 * strides[1],
      ptrs[2] + q0 * strides[2],
      Math.min(per, items - q0),
    );
    Atomics.add(ctrl, DONE, 1);
  }
  finish(g, count, what);
}

/** Waits until all `count` chunks of the current job are done; a fault or a stall throws. */
function finish(g: Generation, count: number, what: string): void {
  const { ctrl } = g;
  let last = Atomics.load(ctrl, DONE);
  let since = Date.now();
  const block = canBlock();
  for (;;) {
    const err = Atomics.load(ctrl, ERROR);
    const dead = Atomics.load(ctrl, DEAD);
    if (err || dead) {
      discard();
      throw new Error(
        `linagrad: worker thread ${(err || dead) - 1} of the CPU pool ${err ? 'threw' : 'exited'} during ${what}; the result is lost and the pool restarts on the next large product (setNumThreads(1) turns threads off)`,
      );
    }
    const done = Atomics.load(ctrl, DONE);
    if (done >= count) return;
    if (done !== last) {
      last = done;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      discard();
      throw new Error(
        `linagrad: the CPU worker pool made no progress for ${stallMs} ms on ${what}; it was stopped and restarts on the next large product (setNumThreads(1) turns threads off)`,
      );
    }
    if (block) Atomics.wait(ctrl, DONE, done, 20);
  }
}
