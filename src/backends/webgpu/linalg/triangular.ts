/**
 * WGSL triangular solves on batches of row-major float32 matrices, plus the pieces shared by the
 * LU and Cholesky kernels: f32 bit tests, forward/back substitution, the workgroup layout of the
 * factorization kernels and argument checks.
 *
 * Solves run one invocation per (matrix, right-hand side): no barriers, parallel over batch × nrhs.
 *
 * The loop rule (`../loops.ts`): long substitutions and factorizations are split over several
 * dispatches of consecutive rows or elimination steps ({@link planSweeps}, {@link factorChunks}),
 * so that no invocation runs more than LOOP_BUDGET loop iterations in one dispatch. State
 * between the pieces lives in the output buffers.
 */

import type { GpuStorage } from '../../backend.js';
import {
  F32,
  type Kernel,
  needBuffer,
  needSizes,
  runKernel,
  type WgslScalar,
  wgslKernel,
} from '../kernel.js';
import { WGSL_NONFINITE } from '../kernels/prelude.js';
import { LOOP_BUDGET, type LoopChunkOptions, loopChunks, perLane } from '../loops.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex } from '../runtime.js';

/** Options of {@link solveTriangularGpu}, as in `torch.linalg.solve_triangular`. */
export interface TriangularGpuOptions {
  upper: boolean;
  left: boolean;
  unitriangular: boolean;
}

/** Invocations per workgroup of the one-invocation-per-vector kernels. @internal */
export const SOLVE_WG = 64;

/**
 * f32 tests on bit patterns, so they hold even where a compiler assumes no NaN/inf:
 * `f32Key(x)` is |x| as an ordered u32 (NaN keys are above `F32_INF_KEY`). @internal
 */
export const WGSL_F32 = `${WGSL_NONFINITE}
const F32_INF_KEY: u32 = 0x7f800000u;
fn f32Key(x: f32) -> u32 { return bitcast<u32>(x) & 0x7fffffffu; }
fn f32IsNan(x: f32) -> bool { return f32Key(x) > F32_INF_KEY; }
fn f32IsZero(x: f32) -> bool { return f32Key(x) == 0u; }
fn f32IsFinitePositive(x: f32) -> bool { let b = bitcast<u32>(x); return b != 0u && b < F32_INF_KEY; }
`;

/**
 * In-place substitution on the global arrays `T` (triangle, read) and `X` (vector, read_write)
 * of scalar type `sc`: x_i = X[xb + i·xs], T(i, s) = T[tb + i·rs + s·cs]. `fsub` solves rows
 * [max(lo, r0), r1) of a lower triangle assuming x_s = 0 for s < lo; `bsub` solves rows r1-1
 * down to r0 of an upper one (rows ≥ r1 already solved). Only the strict triangle on the side of
 * the solve is read, plus the diagonal unless `unit`. @internal
 */
export function wgslSubst(sc: WgslScalar): string {
  const step = (i: string) =>
    `for (var s = ${i === 'i' ? 'lo' : 'i'}; s < ${i === 'i' ? 'i' : 'n'}; s++) { acc = ${sc.sub('acc', sc.mul(`T[tb + ${i} * rs + s * cs]`, 'X[xb + s * xs]'))}; }
    if (!unit) { acc = ${sc.div('acc', `T[tb + ${i} * (rs + cs)]`)}; }
    X[xb + ${i} * xs] = acc;`;
  return `fn fsub(tb: u32, rs: u32, cs: u32, xb: u32, xs: u32, lo: u32, r0: u32, r1: u32, unit: bool) {
  for (var i = max(lo, r0); i < r1; i++) {
    var acc = X[xb + i * xs];
    ${step('i')}
  }
}
fn bsub(tb: u32, rs: u32, cs: u32, xb: u32, xs: u32, r0: u32, r1: u32, n: u32, unit: bool) {
  for (var i = r1; i > r0; i--) {
    let r = i - 1u;
    var acc = X[xb + r * xs];
    ${step('r')}
  }
}
`;
}

/**
 * One dispatch of a substitution kernel: forward rows [f0, f1), then backward rows [b0, b1)
 * (either may be empty); `init` runs the set-up loops first, `fin` the finishing ones last.
 * @internal
 */
export interface Sweep {
  f0: number;
  f1: number;
  b0: number;
  b1: number;
  init: boolean;
  fin: boolean;
  /** Loop iterations of one invocation (the loop rule). */
  loops: number;
}

/**
 * The dispatches of a forward and/or backward substitution over n rows: the forward rows, then
 * the backward ones (bottom up), split into consecutive pieces within LOOP_BUDGET. A row costs at
 * most its dot-product length + 1 iterations; `extra` are the kernel's other loops (`first`: the
 * set-up loops of `init`, `last`: the finishing loops of `fin`, `fixed`: loops of every dispatch).
 * @internal
 */
export function planSweeps(
  what: string,
  n: number,
  fwd: boolean,
  bwd: boolean,
  extra: LoopChunkOptions,
): Sweep[] {
  const nf = fwd ? n : 0;
  const steps = nf + (bwd ? n : 0);
  // Step i < nf is forward row i (i + 1 iterations); step nf + q is backward row n - 1 - q (q + 1).
  const chunks = loopChunks(what, steps, (i) => (i < nf ? i : i - nf) + 1, extra);
  return chunks.map(({ k0, k1, loops }, c) => ({
    f0: Math.min(k0, nf),
    f1: Math.min(k1, nf),
    b0: n - Math.max(k1 - nf, 0),
    b1: n - Math.max(k0 - nf, 0),
    init: c === 0,
    fin: c === chunks.length - 1,
    loops,
  }));
}

/**
 * The params every one-invocation-per-vector kernel (see {@link wgslVectorPrologue}) starts
 * with: sizes `n`, `k`, the invocation count `total` and the sweep piece. @internal
 */
export const SWEEP_PARAMS = {
  n: 'u32',
  k: 'u32',
  total: 'u32',
  f0: 'u32',
  f1: 'u32',
  b0: 'u32',
  b1: 'u32',
  init: 'u32',
  fin: 'u32',
} as const;

/** Values of {@link SWEEP_PARAMS} (a kernel without sweeps gets an empty piece). @internal */
export function sweepParams(
  n: number,
  k: number,
  total: number,
  p?: Sweep,
): Record<keyof typeof SWEEP_PARAMS, number> {
  return {
    n,
    k,
    total,
    f0: p?.f0 ?? 0,
    f1: p?.f1 ?? 0,
    b0: p?.b0 ?? 0,
    b1: p?.b1 ?? 0,
    init: p ? +p.init : 0,
    fin: p ? +p.fin : 0,
  };
}

/**
 * Runs a one-invocation-per-vector kernel (see {@link wgslVectorPrologue}) once per sweep piece,
 * with params {@link sweepParams} plus `extra` (the kernel's own). @internal
 */
export function runSweeps(
  gpu: WebGPURuntime,
  kernel: Kernel,
  buffers: Readonly<Record<string, GpuStorage | undefined>>,
  n: number,
  k: number,
  total: number,
  plan: readonly Sweep[],
  extra: Readonly<Record<string, number | boolean>> = {},
): void {
  for (const p of plan) {
    runKernel(gpu, kernel, {
      buffers,
      params: { ...sweepParams(n, k, total, p), ...extra },
      workgroups: dispatch1D(total, SOLVE_WG),
      loops: p.loops,
    });
  }
}

/**
 * Workgroup layout of the factorization kernels: `t` invocations share one matrix (parallel over
 * its rows/columns, `storageBarrier` between elimination steps), `s` matrices per workgroup. Small
 * matrices get one invocation each (t = 1: the generated code has no barriers at all). @internal
 */
export function factorLayout(n: number): { t: number; s: number } {
  if (n <= 16) return { t: 1, s: 64 };
  if (n <= 64) return { t: 8, s: 8 };
  return { t: 64, s: 1 };
}

/**
 * The dispatches of a right-looking factorization (LU, Cholesky) of n×n matrices with layout t,
 * running elimination steps 0..steps−1. Step k updates the trailing columns k+1..n−1, in blocks
 * of W = t·⌈…⌉ columns: sub-step (k, b) updates block b (each column costs at most n − k loop
 * iterations), and sub-step (k, 0) also runs the step's set-up, `head(k)` iterations. Each
 * dispatch gets consecutive sub-steps: it starts at (k, b) and runs `count` of them (see
 * {@link wgslFactorSteps}); `first` iterations run only in the dispatch that starts at step 0.
 * @internal
 */
export function factorChunks(
  what: string,
  n: number,
  t: number,
  steps: number,
  head: (k: number) => number,
  first: number,
): { k: number; b: number; count: number; w: number; loops: number }[] {
  // Columns per lane per sub-step: a quarter of the budget for the block's updates.
  const w = t * Math.max(1, Math.floor(LOOP_BUDGET / (4 * Math.max(n, 1))));
  // start[k]: the number of sub-steps before step k.
  const start = new Float64Array(steps + 1);
  for (let k = 0; k < steps; k++) start[k + 1] = start[k]! + Math.max(1, Math.ceil((n - k - 1) / w));
  const subStep = (g: number): [number, number] => {
    let [lo, hi] = [0, steps];
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (start[mid]! <= g) lo = mid;
      else hi = mid;
    }
    return [lo, g - start[lo]!];
  };
  const cost = (g: number) => {
    const [k, b] = subStep(g);
    const cols = Math.max(0, Math.min(w, n - k - 1 - b * w));
    return 1 + (b === 0 ? head(k) : 0) + perLane(cols, t) * (n - k);
  };
  const total = start[steps]!;
  return loopChunks(what, total, cost, { first }).map(({ k0, k1, loops }) => {
    const [k, b] = k0 < total ? subStep(k0) : [steps, 0];
    return { k, b, count: k1 - k0, w, loops };
  });
}

/**
 * The params every factorization kernel (see {@link wgslSlotPrologue}) starts with: `n`,
 * `batch`, then the dispatch's sub-steps from {@link factorChunks} (start step, start block,
 * count, block width). @internal
 */
export const FACTOR_PARAMS = {
  n: 'u32',
  batch: 'u32',
  step: 'u32',
  block: 'u32',
  count: 'u32',
  width: 'u32',
} as const;

/** Values of {@link FACTOR_PARAMS} for one chunk of {@link factorChunks}. @internal */
export function factorParams(
  n: number,
  batch: number,
  c: { k: number; b: number; count: number; w: number },
): Record<keyof typeof FACTOR_PARAMS, number> {
  return { n, batch, step: c.k, block: c.b, count: c.count, width: c.w };
}

/**
 * WGSL of the sub-step loop of a factorization kernel (params step, block, count, width of
 * {@link FACTOR_PARAMS}): runs `body` for each sub-step with `k` (the elimination step), `b`
 * (the block; its columns are [c0, c1)) and `first` (b = 0). @internal
 */
export function wgslFactorSteps(body: string): string {
  return `var k = params.step;
  var b = params.block;
  let W = params.width;
  for (var g = 0u; g < params.count; g++) {
    let first = b == 0u;
    let c0 = k + 1u + b * W;
    let c1 = min(n, c0 + W);
    ${body}
    b++;
    if (k + 1u + b * W >= n) {
      k++;
      b = 0u;
    }
  }`;
}

/**
 * WGSL prologue of a factorization kernel with layout (t, s): declares `main`'s builtins and
 * defines `slot`, `lane` (index within the matrix's invocations), `m` (matrix index) and `live`
 * (m < params.batch). Every invocation must reach every barrier, so nothing returns
 * early. @internal
 */
export function wgslSlotPrologue(t: number, s: number): string {
  return `@compute @workgroup_size(${t * s})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = params.n;
  let slot = lid / ${t}u;
  let lane = lid % ${t}u;
  let m = (wid.x + (wid.y + wid.z * nwg.y) * nwg.x) * ${s}u + slot;
  let live = m < params.batch;
  let base = select(0u, m * n * n, live);`;
}

/** `storageBarrier();` when several invocations share a matrix, else nothing. @internal */
export function wgslBarrier(t: number): string {
  return t > 1 ? 'storageBarrier();' : '';
}

/**
 * Prologue of a one-invocation-per-vector kernel run by {@link runSweeps} (params
 * {@link SWEEP_PARAMS} first): defines `t` (the invocation index; returns when t ≥ total), `n`,
 * `k` and the sweep piece `f0, f1, b0, b1, init, fin`. @internal
 */
export function wgslVectorPrologue(): string {
  return `${wgslFlatIndex(SOLVE_WG)}
@compute @workgroup_size(${SOLVE_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = flat_index(gid, nwg);
  if (t >= params.total) { return; }
  let n = params.n;
  let k = params.k;
  let f0 = params.f0;
  let f1 = params.f1;
  let b0 = params.b0;
  let b1 = params.b1;
  let init = params.init != 0u;
  let fin = params.fin != 0u;`;
}

/** The triangular-solve kernel for scalar type `sc` (see {@link solveTriangularGpu}). @internal */
export function trsmKernel(sc: WgslScalar, inPlace: boolean): Kernel {
  const spec = {
    name: `linalg_solve_triangular${inPlace ? '_inplace' : ''}`,
    inputs: inPlace ? { T: sc } : { T: sc, B: sc },
    outputs: { X: sc },
    params: { ...SWEEP_PARAMS, left: 'u32', unit: 'u32' },
  } as const;
  return wgslKernel(
    spec,
    `${wgslSubst(sc)}
${wgslVectorPrologue()}
  let left = params.left != 0u;
  let unit = params.unit != 0u;
  let m = t / k;
  let c = t % k;
  let tb = m * n * n;
  // left: column c of X (n×k), T = A; right: row c of X (k×n), T = Aᵀ.
  let xb = m * n * k + select(c * n, c, left);
  let xs = select(1u, k, left);
  let rs = select(1u, n, left);
  let cs = select(n, 1u, left);
  ${inPlace ? '' : 'if (init) { for (var i = 0u; i < n; i++) { X[xb + i * xs] = B[xb + i * xs]; } }'}
  fsub(tb, rs, cs, xb, xs, 0u, f0, f1, unit);
  bsub(tb, rs, cs, xb, xs, b0, b1, n, unit);
}`,
  );
}

/**
 * Solves A X = B (`left`) or X A = B (`!left`) for triangular A, batched, float32, on the device
 * (`torch.linalg.solve_triangular`; same semantics as the CPU `solveTriangular`).
 * - `a`: batch × n × n row-major; only the `upper` (or lower) triangle is read, and with
 *   `unitriangular` the diagonal is not read either (taken as 1).
 * - `b`, `x`: batch × n × nrhs when `left`, batch × nrhs × n when not. `x` may be `b` (in place);
 *   `x` must not share a buffer with `a`.
 * - A zero on the diagonal yields ±inf/NaN like LAPACK trsm; nothing is checked or reported.
 * One invocation per (matrix, right-hand side), substitution in float32: n² flops each (split
 * over several dispatches when n²/2 approaches LOOP_BUDGET).
 */
export function solveTriangularGpu(
  gpu: WebGPURuntime,
  a: GpuStorage,
  batch: number,
  n: number,
  b: GpuStorage,
  nrhs: number,
  x: GpuStorage,
  opts: TriangularGpuOptions,
): void {
  const op = 'solveTriangularGpu';
  needSizes(op, { batch, n, nrhs });
  needBuffer(op, 'a', a, F32, batch * n * n);
  needBuffer(op, 'b', b, F32, batch * n * nrhs);
  needBuffer(op, 'x', x, F32, batch * n * nrhs);
  const total = batch * nrhs;
  if (total === 0 || n === 0) return;
  const inPlace = b.buffer === x.buffer;
  const { upper, left, unitriangular } = opts;
  // Lower triangle (left) or Aᵀ lower (right, upper A): forward substitution; else backward.
  const fwd = left !== upper;
  const plan = planSweeps('linalg.solve_triangular', n, fwd, !fwd, { first: inPlace ? 0 : n });
  const buffers = inPlace ? { T: a, X: x } : { T: a, B: b, X: x };
  runSweeps(gpu, trsmKernel(F32, inPlace), buffers, n, nrhs, total, plan, { left, unit: unitriangular });
}
