/**
 * The loop rule of every WGSL kernel, and the helpers that keep it.
 *
 * **One invocation of one dispatch runs at most `LOOP_BUDGET` loop iterations**, counting every
 * iteration of every loop it executes: an inner loop's iterations each time its outer loop runs,
 * loops in helper functions, loops in branches it does not take (SIMD lanes that diverge pay for
 * both sides). Why: Mesa's llvmpipe, the adapter Dawn's OpenGL ES backend finds on machines
 * without a GPU, silently ends *all* loops of an invocation once 65,535 iterations have run in
 * total (LP_MAX_TGSI_LOOP_ITERATIONS: one counter per shader run, shared by its SIMD lanes, that
 * every loop's back edge decrements; measured on Mesa 22.3: two loops of 40,000 in a row run
 * 40,000 and 25,534 times): the kernel goes on with truncated loops and writes wrong results,
 * without an error. Real GPUs kill long dispatches by watchdog.
 *
 * How it is kept:
 * - every `WebGPURuntime.run` states `loops`, that count's upper bound for the dispatch, and `run`
 *   rejects a dispatch above the budget (before anything is encoded);
 * - work that needs more is split over several dispatches of consecutive steps with
 *   {@link loopChunks}, the state between them kept in buffers (sequential dispatches on one
 *   queue see each other's writes);
 * - with `checkLoops` (env LINAGRAD_WEBGPU_CHECK_LOOPS=1, which the test suite sets) the runtime
 *   counts the iterations on the device ({@link instrumentLoops}) and fails the batch of any
 *   dispatch that ran more than its `loops` in some invocation, on every adapter, so a wrong bound
 *   fails the tests and not a user on llvmpipe (a kernel whose storage bindings already use all
 *   of maxStorageBuffersPerShaderStage runs uncounted).
 */
import { wgslBinding } from './kernel.js';

/**
 * Loop iterations one invocation may run in one dispatch: a quarter of llvmpipe's 65,535, so
 * that bounds need not be tight.
 */
export const LOOP_BUDGET = 1 << 14;

/** One dispatch's share of a kernel's steps: steps [k0, k1), costing `loops` iterations. */
export interface LoopChunk {
  k0: number;
  k1: number;
  loops: number;
}

export interface LoopChunkOptions {
  /** Iterations every dispatch runs besides its steps (a prologue, the step loop's own set-up). */
  fixed?: number;
  /** Extra iterations of the dispatch that starts at step 0 (set-up loops only it runs). */
  first?: number;
  /** Extra iterations of the dispatch that ends at the last step (finishing loops). */
  last?: number;
}

/**
 * Splits steps 0..count−1 of a kernel, step k costing at most cost(k) loop iterations per
 * invocation (its own iteration of the step loop included), into consecutive chunks, greedily,
 * each within LOOP_BUDGET with the options' extra iterations. A step is never split: when one
 * does not fit, the error names `what` and the budget (the kernel must make its steps smaller).
 * Returns at least one chunk ([0, 0) when count = 0).
 */
export function loopChunks(
  what: string,
  count: number,
  cost: (k: number) => number,
  opts: LoopChunkOptions = {},
): LoopChunk[] {
  const { fixed = 0, first = 0, last = 0 } = opts;
  const out: LoopChunk[] = [];
  let k0 = 0;
  let acc = fixed + first;
  for (let k = 0; k < count; k++) {
    const c = cost(k);
    const end = k === count - 1 ? last : 0;
    if (k > k0 && acc + c + end > LOOP_BUDGET) {
      out.push({ k0, k1: k, loops: acc });
      k0 = k;
      acc = fixed;
    }
    acc += c;
    if (acc + end > LOOP_BUDGET) {
      throw new RangeError(
        `${what}: step ${k} of ${count} alone needs ${acc + end} loop iterations in one invocation, more than ` +
          `LOOP_BUDGET (${LOOP_BUDGET}); the problem is too large for this kernel on WebGPU (use the cpu device)`,
      );
    }
  }
  out.push({ k0, k1: count, loops: acc + last });
  return out;
}

/** ceil(a / b) for loop counts: the iterations of `for (i = lane; i < a; i += b)` (0 when a ≤ 0). */
export function perLane(a: number, b: number): number {
  return a > 0 ? Math.ceil(a / b) : 0;
}

/** Name of the counter binding `instrumentLoops` adds. */
const COUNTER = 'LINAGRAD_LOOPS';

/**
 * WGSL `code` with a loop counter: `linagrad_loop()` is called first thing in every loop body
 * (`for`, `while`, `loop`), counting in a private variable, and any count above the declared
 * bound (`limit`, set by the runtime) is recorded with atomicMax in `worst` of the storage
 * binding `binding` (which the runtime adds to the layout). Line comments are dropped first.
 */
export function instrumentLoops(code: string, binding: number): string {
  const src = code.replace(/\/\/[^\n]*/g, '');
  let out = '';
  let i = 0;
  const head = /\b(for|while|loop)\b/g;
  for (let m = head.exec(src); m !== null; m = head.exec(src)) {
    let j = m.index + m[0].length;
    if (m[1] !== 'loop') {
      while (/\s/.test(src[j] ?? '')) j++;
      if (src[j] !== '(') continue;
      let depth = 0;
      for (; j < src.length; j++) {
        if (src[j] === '(') depth++;
        else if (src[j] === ')' && --depth === 0) break;
      }
      j++;
    }
    while (/\s/.test(src[j] ?? '')) j++;
    if (src[j] !== '{') continue;
    out += `${src.slice(i, j + 1)} linagrad_loop();`;
    i = j + 1;
    head.lastIndex = i;
  }
  out += src.slice(i);
  return `struct LinagradLoops { limit: u32, worst: atomic<u32> }
${wgslBinding(binding, 'read_write', COUNTER, 'LinagradLoops')}
var<private> linagrad_loop_count: u32;
fn linagrad_loop() {
  linagrad_loop_count++;
  if (linagrad_loop_count > ${COUNTER}.limit) { atomicMax(&${COUNTER}.worst, linagrad_loop_count); }
}
${out}`;
}

/** Bytes per dispatch in the loop-check buffer (storage offsets are multiples of 256). */
export const LOOP_SLOT_BYTES = 256;
