/**
 * WebAssembly SIMD kernels for batches of small matrices (n ≤ 8), one matrix per f64x2 lane:
 * each call of a kernel factors `pairs` pairs of row-major n×n matrices stored back to back,
 * matrix 2q in lane 0 and matrix 2q + 1 in lane 1, every entry held in a v128 local (the code is
 * unrolled for each n). The arithmetic is that of the JavaScript kernels in linalg/cholesky.ts
 * (potrfBase) and linalg/lu.ts (getrfPanel, smallInverse) operation for operation (no fused
 * multiply-add, the same order of every product and sum), so the results are bitwise the same.
 * What depends on the data in one lane only (a failed Cholesky pivot, a partial-pivoting row
 * swap) is done with lane masks: the comparisons are those of the JavaScript code, so the pivots
 * and info codes are the same too.
 *
 * Every kernel has the signature (mats, info, piv, pairs), byte addresses in the memory, and
 * works in place on mats (2n² doubles per pair), writes two int32 info codes per pair at info
 * and, for LU, 2n int32 1-based pivots per pair at piv.
 */

import { I32, memarg, op, uleb, V128, vec } from './wasm-asm.js';

/** The largest order the batched kernels are unrolled for. */
export const BATCHED_MAX_N = 8;

export type BatchedKind = 'cholLower' | 'cholUpper' | 'lu' | 'inv';
export const BATCHED_KINDS: readonly BatchedKind[] = ['cholLower', 'cholUpper', 'lu', 'inv'];

/** Index of the exported function `b<index>` of a kind and order. */
export const batchedIndex = (kind: BatchedKind, n: number): number =>
  BATCHED_KINDS.indexOf(kind) * BATCHED_MAX_N + n - 1;

// ---- the few SIMD instructions beyond wasm-asm.ts -----------------------------------------------

const s = op.simd;
const load64Zero = (off: number) => s(93, ...memarg(off));
const load64Lane = (off: number, lane: number) => s(87, ...memarg(off), lane);
const store64Lane = (off: number, lane: number) => s(91, ...memarg(off), lane);
/** memarg with alignment 2² (an int32 lane). */
const store32Lane = (off: number, lane: number) => s(90, 2, ...uleb(off), lane);
const eq = s(71);
const ne = s(72);
const lt = s(73);
const gt = s(74);
const and = s(78);
const andnot = s(79);
const xor = s(81);
const bitselect = s(82);
const anyTrue = s(83);
const abs = s(236);
const sqrt = s(239);
const add = s(240);
const sub = s(241);
const mul = s(242);
const div = s(243);
const truncToI32 = s(252); // i32x4.trunc_sat_f64x2_s_zero

const splats = new Map<number, number[]>();
/** v128.const of two equal float64 lanes. */
function splat(x: number): number[] {
  let c = splats.get(x);
  if (!c) {
    c = s(12, ...new Uint8Array(new Float64Array([x, x]).buffer));
    splats.set(x, c);
  }
  return c;
}
const ONES = s(12, ...new Array<number>(16).fill(0xff));

// ---- function bodies ------------------------------------------------------------------------------

// Parameters.
const [MATS, INFO, PIV, PAIRS] = [0, 1, 2, 3];
const FIRST_V128 = 4;
const LT_U = [0x49];

const gets: number[][] = [];
const sets: number[][] = [];
const get = (l: number): number[] => (gets[l] ??= op.get(l));
const set = (l: number): number[] => (sets[l] ??= op.set(l));

/**
 * The code for one pair of matrices: statements (each leaves the operand stack as it found it),
 * its own v128 locals, and the pair's byte offsets from MATS, INFO and PIV.
 */
class Pair {
  /** The statements' bytes back to back; statement i ends at ends[i]. */
  readonly code: number[] = [];
  readonly ends: number[] = [];
  private count = 0;
  constructor(
    readonly n: number,
    private readonly first: number,
    readonly mat: number,
    readonly info: number,
    readonly piv: number,
  ) {}
  /** A new v128 local. */
  v(): number {
    return this.first + this.count++;
  }
  get locals(): number {
    return this.count;
  }
  st(...parts: number[][]): void {
    const code = this.code;
    for (const q of parts) for (let i = 0; i < q.length; i++) code.push(q[i]!);
    this.ends.push(code.length);
  }
}

/**
 * A kernel from the code of one pair: `two`: two pairs per loop iteration with their statements
 * interleaved (independent chains of divisions and square roots overlap; Cholesky, whose chains
 * are long), then the last pair alone when the count is odd; else one pair per iteration (LU and
 * the inverse, where twice the locals cost more in spills). MATS advances by 2n² doubles, INFO by
 * two int32 and PIV by 2n int32 per pair.
 */
function kernel(n: number, two: boolean, pair: (p: Pair) => void): number[] {
  const nn = n * n;
  const a = new Pair(n, FIRST_V128, 0, 0, 0);
  pair(a);
  const b = two ? new Pair(n, FIRST_V128 + a.locals, 16 * nn, 8, 8 * n) : null;
  if (b) pair(b);
  const code: number[] = [...vec([[...uleb(a.locals + (b?.locals ?? 0)), V128]])];
  const emit = (...parts: number[][]) => {
    for (const q of parts) for (let i = 0; i < q.length; i++) code.push(q[i]!);
  };
  const all = (p: Pair) => {
    for (let i = 0; i < p.code.length; i++) code.push(p.code[i]!);
  };
  const k = b ? 2 : 1;
  emit(op.block, op.loop, get(PAIRS), op.const(k), LT_U, op.brIf(1));
  if (b) {
    for (let i = 0, sa = 0, sb = 0; i < a.ends.length; i++) {
      for (const end = a.ends[i]!; sa < end; sa++) code.push(a.code[sa]!);
      for (const end = b.ends[i]!; sb < end; sb++) code.push(b.code[sb]!);
    }
  } else {
    all(a);
  }
  emit(get(MATS), op.const(16 * nn * k), op.add, set(MATS));
  emit(get(INFO), op.const(8 * k), op.add, set(INFO));
  emit(get(PIV), op.const(8 * n * k), op.add, set(PIV));
  emit(get(PAIRS), op.const(k), op.sub, set(PAIRS));
  emit(op.br(0), op.end, op.end);
  if (b) {
    emit(op.block, get(PAIRS), op.eqz, op.brIf(0));
    all(a);
    emit(op.end);
  }
  emit(op.end);
  return code;
}

/** Entry (i, j) of both matrices of the pair into local `l`. */
function load(p: Pair, i: number, j: number, l: number): void {
  const off = p.mat + (i * p.n + j) * 8;
  p.st(get(MATS), get(MATS), load64Zero(off), load64Lane(off + p.n * p.n * 8, 1), set(l));
}

/** `value`'s lanes into entry (i, j) of the pair's matrices. */
function store(p: Pair, i: number, j: number, value: number[]): void {
  const off = p.mat + (i * p.n + j) * 8;
  p.st(get(MATS), value, store64Lane(off, 0));
  p.st(get(MATS), value, store64Lane(off + p.n * p.n * 8, 1));
}

/** The info codes (integer-valued float64 lanes of `l`) into the pair's two int32. */
function storeInfo(p: Pair, l: number): void {
  p.st(get(INFO), get(l), truncToI32, store64Lane(p.info, 0));
}

/**
 * Cholesky (potrfBase, lower) of each lane's matrix: the lower triangle of A (`upper`: of Aᵀ,
 * i.e. A's upper triangle read transposed) is factored, L (`upper`: Lᵀ) stored with the other
 * triangle zeroed. A lane whose pivot i fails (not > 0, or +inf, or NaN) stops there as the
 * JavaScript loop does: row i keeps its new off-diagonal entries and the unrooted pivot, later
 * rows keep A; info = i + 1.
 */
function choleskyPair(p: Pair, upper: boolean): void {
  const n = p.n;
  const w: number[][] = [];
  for (let i = 0; i < n; i++) w.push(Array.from({ length: i + 1 }, () => p.v()));
  const [ok, info, d, good, fail] = [p.v(), p.v(), p.v(), p.v(), p.v()];
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) load(p, upper ? j : i, upper ? i : j, w[i]![j]!);
  p.st(ONES, set(ok), splat(0), set(info));
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    for (let j = 0; j < i; j++) {
      const wj = w[j]!;
      const sum: number[][] = [get(wi[j]!)];
      for (let t = 0; t < j; t++) sum.push(get(wi[t]!), get(wj[t]!), mul, sub);
      p.st(...sum, get(wj[j]!), div, get(wi[j]!), get(ok), bitselect, set(wi[j]!));
    }
    const dot: number[][] = [get(wi[i]!)];
    for (let t = 0; t < i; t++) dot.push(get(wi[t]!), get(wi[t]!), mul, sub);
    p.st(...dot, set(d));
    p.st(get(d), splat(0), gt, get(d), splat(Number.POSITIVE_INFINITY), lt, and, set(good));
    p.st(get(ok), get(good), andnot, set(fail));
    // W[i][i] = ok & good ? sqrt(d) : fail ? d : W[i][i]
    p.st(
      get(d),
      sqrt,
      get(d),
      get(wi[i]!),
      get(fail),
      bitselect,
      get(ok),
      get(good),
      and,
      bitselect,
      set(wi[i]!),
    );
    p.st(splat(i + 1), get(info), get(fail), bitselect, set(info));
    p.st(get(ok), get(good), and, set(ok));
  }
  const zero = splat(0);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const inside = upper ? c >= r : c <= r;
      store(p, r, c, inside ? get(upper ? w[c]![r]! : w[r]![c]!) : zero);
    }
  storeInfo(p, info);
}

/** Where lanes of `mask` are set, exchanges locals x and y (t: scratch). */
function maskedSwap(x: number, y: number, mask: number, t: number): number[][] {
  return [
    get(x),
    get(y),
    xor,
    get(mask),
    and,
    set(t),
    get(x),
    get(t),
    xor,
    set(x),
    get(y),
    get(t),
    xor,
    set(y),
  ];
}

/** For the lanes whose pivot local `piv` is i + 1: pairs (x, y) exchanged, if any lane is. */
function swapWhere(piv: number, i: number, m: number, t: number, pairs: [number, number][]): number[][] {
  const code: number[][] = [get(piv), splat(i + 1), eq, set(m), get(m), anyTrue, op.if];
  for (const [x, y] of pairs) code.push(...maskedSwap(x, y, m, t));
  code.push(op.end);
  return code;
}

/**
 * LU with partial pivoting (getrfPanel over the whole n×n matrix) of each lane's matrix, in
 * locals w (row-major); piv[k] receives the 1-based pivot row of step k, and the info code (the
 * first exactly-zero pivot, 1-based) goes to local `info`. The pivot is the first entry of
 * largest magnitude (strictly greater wins, so NaN never does); rows are exchanged across their
 * full width only in the lanes that pivot, and only when some lane does.
 */
function luSteps(p: Pair, w: number[][], piv: number[], info: number): void {
  const n = p.n;
  const [best, v, m, nz, t, pivot] = [p.v(), p.v(), p.v(), p.v(), p.v(), p.v()];
  p.st(splat(0), set(info));
  for (let k = 0; k < n; k++) {
    const wk = w[k]!;
    p.st(get(wk[k]!), abs, set(best), splat(k + 1), set(piv[k]!));
    for (let i = k + 1; i < n; i++) {
      p.st(get(w[i]![k]!), abs, set(v), get(v), get(best), gt, set(m));
      p.st(get(v), get(best), get(m), bitselect, set(best));
      p.st(splat(i + 1), get(piv[k]!), get(m), bitselect, set(piv[k]!));
    }
    p.st(get(best), splat(0), ne, set(nz));
    for (let i = k + 1; i < n; i++)
      p.st(
        ...swapWhere(
          piv[k]!,
          i,
          m,
          t,
          Array.from({ length: n }, (_, j) => [wk[j]!, w[i]![j]!]),
        ),
      );
    // Below the pivot: divided by it where it is nonzero.
    p.st(get(wk[k]!), set(pivot));
    for (let i = k + 1; i < n; i++) {
      const x = w[i]![k]!;
      p.st(get(x), get(pivot), div, get(x), get(nz), bitselect, set(x));
    }
    // info = k + 1 where it is still 0 and the pivot is zero.
    p.st(splat(k + 1), get(info), get(info), splat(0), eq, get(nz), andnot, bitselect, set(info));
    for (let i = k + 1; i < n; i++) {
      const wi = w[i]!;
      for (let j = k + 1; j < n; j++) p.st(get(wi[j]!), get(wi[k]!), get(wk[j]!), mul, sub, set(wi[j]!));
    }
  }
}

const squareLocals = (p: Pair): number[][] =>
  Array.from({ length: p.n }, () => Array.from({ length: p.n }, () => p.v()));

/** LU factorization (luFactorCpu for n ≤ 8): L\U in place, pivots and info. */
function luPair(p: Pair): void {
  const n = p.n;
  const w = squareLocals(p);
  const piv = Array.from({ length: n }, () => p.v());
  const info = p.v();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) load(p, i, j, w[i]![j]!);
  luSteps(p, w, piv, info);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) store(p, i, j, get(w[i]![j]!));
  for (let k = 0; k < n; k++) {
    p.st(get(PIV), get(piv[k]!), truncToI32, store32Lane(p.piv + 4 * k, 0));
    p.st(get(PIV), get(piv[k]!), truncToI32, store32Lane(p.piv + 4 * (n + k), 1));
  }
  storeInfo(p, info);
}

/**
 * The inverse as the inv op computes it for n ≤ 8: the LU factorization, then (where A holds no
 * NaN or ±inf) smallInverse's U⁻¹L⁻¹ and the column exchanges of Pᵀ, or (where it does) NaN in
 * every entry, as the op's poisoning of the factor gives; info from the factorization.
 */
function invPair(p: Pair): void {
  const n = p.n;
  const w = squareLocals(p);
  const x = squareLocals(p);
  const piv = Array.from({ length: n }, () => p.v());
  const [info, acc, bad, m, t] = [p.v(), p.v(), p.v(), p.v(), p.v()];
  // acc = Σ (a − a): NaN exactly where the lane's matrix has a non-finite entry.
  p.st(splat(0), set(acc));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const l = w[i]![j]!;
      load(p, i, j, l);
      p.st(get(acc), get(l), get(l), sub, add, set(acc));
    }
  p.st(get(acc), get(acc), ne, set(bad));
  luSteps(p, w, piv, info);
  // X = L⁻¹ (unit lower), row by row, then X := U⁻¹X from the last row up (smallInverse).
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < n; c++) p.st(splat(c === i ? 1 : 0), set(x[i]![c]!));
    for (let r = 0; r < i; r++)
      for (let c = 0; c <= r; c++)
        p.st(get(x[i]![c]!), get(w[i]![r]!), get(x[r]![c]!), mul, sub, set(x[i]![c]!));
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let r = i + 1; r < n; r++)
      for (let c = 0; c < n; c++)
        p.st(get(x[i]![c]!), get(w[i]![r]!), get(x[r]![c]!), mul, sub, set(x[i]![c]!));
    for (let c = 0; c < n; c++) p.st(get(x[i]![c]!), get(w[i]![i]!), div, set(x[i]![c]!));
  }
  // X·Pᵀ: column k ↔ piv[k] − 1 for k descending, in the lanes that pivoted.
  for (let k = n - 1; k >= 0; k--)
    for (let i = k + 1; i < n; i++)
      p.st(
        ...swapWhere(
          piv[k]!,
          i,
          m,
          t,
          Array.from({ length: n }, (_, r) => [x[r]![k]!, x[r]![i]!]),
        ),
      );
  const poison: number[][] = [get(bad), anyTrue, op.if];
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++)
      poison.push(splat(Number.NaN), get(x[r]![c]!), get(bad), bitselect, set(x[r]![c]!));
  p.st(...poison, op.end);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) store(p, i, j, get(x[i]![j]!));
  storeInfo(p, info);
}

let bodiesMade: number[][] | null = null;

/** The bodies of every kernel, in the order of {@link batchedIndex} (made once). */
export function batchedBodies(): number[][] {
  if (bodiesMade) return bodiesMade;
  const bodies: number[][] = [];
  for (const kind of BATCHED_KINDS)
    for (let n = 1; n <= BATCHED_MAX_N; n++) {
      if (kind === 'cholLower') bodies.push(kernel(n, true, (p) => choleskyPair(p, false)));
      else if (kind === 'cholUpper') bodies.push(kernel(n, true, (p) => choleskyPair(p, true)));
      else if (kind === 'lu') bodies.push(kernel(n, false, luPair));
      else bodies.push(kernel(n, false, invPair));
    }
  bodiesMade = bodies;
  return bodies;
}

/** The type section entry of every kernel: (i32, i32, i32, i32) → (). */
export const BATCHED_TYPE = [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0];
