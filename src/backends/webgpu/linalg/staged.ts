/**
 * Staged kernels: how the spectral kernels (QR, eigh, SVD), whose work per matrix is long, keep
 * the loop rule (`../loops.ts`). A kernel is a list of stages run in order; a stage repeats its
 * phases `reps` times (reflector j, Jacobi round r of sweep s, vector c, ...); a phase runs over
 * `items` work items (matrix entries, column pairs, columns) in blocks of consecutive items, so
 * that one block costs about BLOCK_LOOPS loop iterations per invocation. Each (stage, repetition,
 * phase, block) is a *step*: the host numbers all steps, splits them into dispatches of
 * consecutive steps within LOOP_BUDGET (`loopChunks`), and the WGSL of every dispatch runs its
 * steps one after the other with a barrier between them (`storageBarrier` when several
 * invocations share a matrix). State between dispatches lives in the scratch buffer and in a
 * per-matrix `ST` array of atomic<u32>. The WGSL depends only on the layout and the stage code,
 * never on sizes, so pipelines are cached.
 */
import { loopChunks, perLane } from '../loops.js';

/** Loop iterations per invocation a block of a phase aims at. */
export const BLOCK_LOOPS = 2048;

/** Steps a kernel may take per batch chunk (beyond, the host's planning alone would take seconds). */
export const MAX_STEPS = 2 ** 24;

/**
 * The `plan` params field of a staged kernel with these stages: the words of `planParams` (read
 * in WGSL with `params_plan(i)`), put last in the kernel's params struct.
 */
export function planParam(stages: readonly StageCode[]): { plan: { array: 'u32'; length: number } } {
  return { plan: { array: 'u32', length: 2 + stages.reduce((a, s) => a + 3 + 3 * s.phases.length, 0) } };
}

/** One phase of a stage, as the host plans it. */
export interface Phase {
  /** Work items per repetition (the most of any repetition). */
  items: number;
  /** Loop iterations one item costs, at most (its own iteration of the item loop included). */
  cost: number;
  /** Items repetition o runs, if fewer than `items` (for the loop count only). */
  live?: (o: number) => number;
  /** Loop iterations of one item in repetition o, if fewer than `cost` (for the loop count only). */
  costAt?: (o: number) => number;
  /** Loop iterations the phase's first block runs besides its items (work done once per repetition). */
  head?: number;
}

export interface Stage {
  reps: number;
  phases: Phase[];
}

interface PlannedPhase extends Phase {
  /** First step of the phase within a repetition. */
  offset: number;
  /** Items per block. */
  size: number;
  blocks: number;
}

interface PlannedStage {
  start: number;
  /** Steps per repetition. */
  period: number;
  reps: number;
  phases: PlannedPhase[];
}

/**
 * The plan params (after the dispatch's [first step, step count]): per stage start, period,
 * reps, then per phase offset, items per block, blocks.
 */
function planParams(stages: PlannedStage[]): number[] {
  return stages.flatMap((s) => [
    s.start,
    s.period,
    s.reps,
    ...s.phases.flatMap((p) => [p.offset, p.size, p.blocks]),
  ]);
}

function plan(
  t: number,
  stages: Stage[],
): { planned: PlannedStage[]; total: number; cost: (g: number) => number } {
  let start = 0;
  const planned = stages.map((s) => {
    let offset = 0;
    const phases = s.phases.map((p) => {
      const size = t * Math.max(1, Math.floor((BLOCK_LOOPS - (p.head ?? 0)) / Math.max(1, p.cost)));
      const blocks = Math.ceil(p.items / size);
      const out = { ...p, offset, size, blocks };
      offset += blocks;
      return out;
    });
    const st = { start, period: offset, reps: offset > 0 ? s.reps : 0, phases };
    start += st.period * st.reps;
    return st;
  });
  // A step costs its block's items, plus one for the block loop; the first step of a repetition
  // one more for the repetition loop (a dispatch that starts inside a repetition: `fixed` below).
  const cost = (g: number) => {
    let s = planned[0]!;
    for (const x of planned) if (g >= x.start && x.reps > 0) s = x;
    const o = Math.floor((g - s.start) / s.period);
    const r = (g - s.start) % s.period;
    let p = s.phases[0]!;
    for (const x of s.phases) if (r >= x.offset && x.blocks > 0) p = x;
    const b = r - p.offset;
    const items = Math.max(0, Math.min(p.size, (p.live ? p.live(o) : p.items) - b * p.size));
    const head = b === 0 ? (p.head ?? 0) : 0;
    return 1 + (r === 0 ? 1 : 0) + head + perLane(items, t) * (p.costAt ? p.costAt(o) : p.cost);
  };
  return { planned, total: start, cost };
}

/**
 * Encodes a staged kernel for every matrix of a batch chunk: `run` is called once per dispatch
 * with the plan params (the `plan` field, see {@link planParam}) and the dispatch's loop bound.
 */
export function runStages(
  what: string,
  t: number,
  stages: Stage[],
  run: (planParams: number[], loops: number) => void,
): void {
  const { planned, total, cost } = plan(t, stages);
  if (total > MAX_STEPS) {
    throw new RangeError(
      `${what}: the matrices are too large for this WebGPU kernel (${total} steps of at most ${BLOCK_LOOPS} loop ` +
        `iterations per invocation, more than ${MAX_STEPS}; the loop rule); use the cpu device`,
    );
  }
  const layout = planParams(planned);
  for (const { k0, k1, loops } of loopChunks(what, total, cost, { fixed: stages.length })) {
    run([k0, k1 - k0, ...layout], loops);
  }
}

/** WGSL of one stage (uniform control flow throughout; `groupMax`/`groupSum` may be called). */
export interface StageCode {
  /** Runs when a dispatch reaches the stage. */
  enter?: string;
  /** A condition under which a repetition `o` is skipped (its phases do not run). */
  skip?: string;
  /** A condition under which the stage's remaining repetitions in this dispatch are skipped. */
  stop?: string;
  /**
   * Per phase, WGSL run for each of its blocks with `o` (repetition), `blk` (block), `lo`/`hi`
   * (the block's items; `hi` is not clamped to the item count) and `lastBlk` (the phase's last
   * block), followed by a barrier.
   */
  phases: string[];
}

/**
 * The stage loops of a staged kernel for layout t (inside `main`, after `wgslSpectralMain`),
 * for the stages in the order of the host's `Stage` list (same phase counts): each stage runs its
 * repetitions that overlap the dispatch's steps and, in each, the blocks of each phase that are
 * among them. (One loop per stage and per phase, not one loop with a switch: software adapters
 * run every branch of a loop body with masked lanes.)
 */
export function wgslStages(t: number, stages: StageCode[]): string {
  const bar = t > 1 ? 'storageBarrier();' : '';
  let at = 2;
  const code = stages.map((s) => {
    const b = at;
    at += 3 + 3 * s.phases.length;
    const phases = s.phases.map((body, j) => {
      const q = b + 3 + 3 * j;
      return `{
        let pb = base + params_plan(${q}u);
        let nb = params_plan(${q + 2}u);
        let b0 = select(0u, g0 - pb, g0 > pb);
        let e1 = min(g1, pb + nb);
        let b1 = select(0u, e1 - pb, e1 > pb);
        for (var blk = b0; blk < b1; blk++) {
          let lo = blk * params_plan(${q + 1}u);
          let hi = lo + params_plan(${q + 1}u);
          let lastBlk = blk + 1u == nb;
          ${body}
          ${bar}
        }
      }`;
    });
    return `{
    let s0 = params_plan(${b}u);
    let period = params_plan(${b + 1}u);
    let s1 = s0 + period * params_plan(${b + 2}u);
    let slo = max(g0, s0);
    let shi = min(g1, s1);
    if (slo < shi) {
      ${s.enter ?? ''}
      for (var o = (slo - s0) / period; o < (shi - s0 + period - 1u) / period; o++) {
        ${s.stop ? `if (${s.stop}) { break; }` : ''}
        ${s.skip ? `if (${s.skip}) { continue; }` : ''}
        let base = s0 + o * period;
        ${phases.join('\n        ')}
      }
    }
  }`;
  });
  return `let g0 = params_plan(0u);
  let g1 = g0 + params_plan(1u);
  ${code.join('\n  ')}`;
}
