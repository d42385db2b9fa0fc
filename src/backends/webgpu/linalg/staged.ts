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

/** Params index where the plan starts (the kernel's own params live at 2..PLAN_AT−1). */
export const PLAN_AT = 16;

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

/** The plan params (from PLAN_AT): [g0, count, then per stage start, period, then per phase offset, size]. */
function planParams(stages: PlannedStage[]): number[] {
  return stages.flatMap((s) => [s.start, s.period, ...s.phases.flatMap((p) => [p.offset, p.size])]);
}

function plan(
  t: number,
  stages: Stage[],
): { planned: PlannedStage[]; total: number; cost: (g: number) => number } {
  let start = 0;
  const planned = stages.map((s) => {
    let offset = 0;
    const phases = s.phases.map((p) => {
      const size = t * Math.max(1, Math.floor(BLOCK_LOOPS / Math.max(1, p.cost)));
      const blocks = Math.ceil(p.items / size);
      const out = { ...p, offset, size, blocks };
      offset += blocks;
      return out;
    });
    const st = { start, period: offset, reps: s.reps, phases };
    start += offset * s.reps;
    return st;
  });
  const cost = (g: number) => {
    let s = planned[0]!;
    for (const x of planned) if (g >= x.start && x.period * x.reps > 0) s = x;
    const o = Math.floor((g - s.start) / s.period);
    const r = (g - s.start) % s.period;
    let p = s.phases[0]!;
    for (const x of s.phases) if (r >= x.offset && x.blocks > 0) p = x;
    const b = r - p.offset;
    const items = Math.max(0, Math.min(p.size, (p.live ? p.live(o) : p.items) - b * p.size));
    return 1 + perLane(items, t) * (p.costAt ? p.costAt(o) : p.cost);
  };
  return { planned, total: start, cost };
}

/**
 * Encodes a staged kernel for every matrix of a batch chunk: `run` is called once per dispatch
 * with the plan params (to be placed at PLAN_AT) and the dispatch's loop bound.
 */
export function runStages(
  what: string,
  t: number,
  stages: Stage[],
  run: (planParams: number[], loops: number) => void,
): void {
  const { planned, total, cost } = plan(t, stages);
  const layout = planParams(planned);
  for (const { k0, k1, loops } of loopChunks(what, total, cost)) run([k0, k1 - k0, ...layout], loops);
}

/** WGSL of one stage: `enter` runs when a dispatch reaches the stage, then one phase per step. */
export interface StageCode {
  enter?: string;
  /**
   * Per phase, WGSL run in uniform control flow with `o` (repetition), `blk` (block), `lo`/`hi`
   * (the block's items; `hi` is not clamped to the item count) and `lastBlk` (the phase's last
   * block). It may set `busy = false` to skip the barrier after the step (when it did nothing).
   */
  phases: string[];
}

/**
 * The step loop of a staged kernel for layout t (inside `main`, after `wgslSpectralMain`): the
 * stages in the order of the host's `Stage` list (same phase counts).
 */
export function wgslStages(t: number, stages: StageCode[]): string {
  const bar = t > 1 ? 'if (busy) { storageBarrier(); }' : '';
  let at = PLAN_AT + 2;
  const bases = stages.map((s) => {
    const b = at;
    at += 2 + 2 * s.phases.length;
    return b;
  });
  const pick = stages
    .slice(1)
    .map((_, i) => `if (g >= pu(${bases[i + 1]}u)) { st = ${i + 1}u; }`)
    .join('\n    ');
  const bodies = stages.map((s, i) => {
    const b = bases[i]!;
    const n = s.phases.length;
    const choose = s.phases
      .slice(1)
      .map((_, j) => `if (r >= pu(${b + 2 + 2 * (j + 1)}u)) { ph = ${j + 1}u; }`)
      .join('\n      ');
    const next = (j: number) => (j + 1 < n ? `pu(${b + 2 + 2 * (j + 1)}u)` : `pu(${b + 1}u)`);
    const phases = s.phases
      .map(
        (code, j) => `if (ph == ${j}u) {
        let blk = r - pu(${b + 2 + 2 * j}u);
        let lo = blk * pu(${b + 3 + 2 * j}u);
        let hi = lo + pu(${b + 3 + 2 * j}u);
        let lastBlk = r + 1u == ${next(j)};
        ${code}
      }`,
      )
      .join(' else ');
    return `if (st == ${i}u) {
      let rel = g - pu(${b}u);
      let o = rel / pu(${b + 1}u);
      let r = rel % pu(${b + 1}u);
      var ph = 0u;
      ${choose}
      if (entered != ${i}u) {
        entered = ${i}u;
        ${s.enter ?? ''}
      }
      ${phases}
    }`;
  });
  return `var entered = 0xffffffffu;
  for (var g = pu(${PLAN_AT}u); g < pu(${PLAN_AT}u) + pu(${PLAN_AT + 1}u); g++) {
    var busy = true;
    var st = 0u;
    ${pick}
    ${bodies.join(' else ')}
    ${bar}
  }`;
}
