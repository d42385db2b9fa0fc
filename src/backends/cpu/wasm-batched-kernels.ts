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

/** v128.const of two equal float64 lanes. */
function splat(x: number): number[] {
  const b = new Uint8Array(new Float64Array([x, x]).buffer);
  return s(12, ...b);
}
const ONES = s(12, ...new Array<number>(16).fill(0xff));

// ---- function bodies ------------------------------------------------------------------------------

// Parameters.
const [MATS, INFO, PIV, PAIRS] = [0, 1, 2, 3];
const FIRST_V128 = 4;

/** A function body under construction: v128 locals on demand, instructions appended. */
class Body {
  private code: number[] = [];
  private count = 0;
  /** A new v128 local. */
  v(): number {
    return FIRST_V128 + this.count++;
  }
  e(...parts: number[][]): void {
    for (const p of parts) for (const b of p) this.code.push(b);
  }
  finish(): number[] {
    return [...vec([[...uleb(this.count), V128]]), ...this.code];
  }
}

const get = op.get;
const set = op.set;

/**
 * The pair loop around `pair` (one pair of matrices at MATS): advances MATS by 2n² doubles, INFO
 * by two int32 and PIV by 2n int32 per pair.
 */
function pairLoop(b: Body, n: number, pair: () => void): void {
  b.e(op.block, op.loop);
  b.e(get(PAIRS), op.eqz, op.brIf(1));
  pair();
  b.e(get(MATS), op.const(16 * n * n), op.add, set(MATS));
  b.e(get(INFO), op.const(8), op.add, set(INFO));
  b.e(get(PIV), op.const(8 * n), op.add, set(PIV));
  b.e(get(PAIRS), op.const(1), op.sub, set(PAIRS));
  b.e(op.br(0), op.end, op.end, op.end);
}

/** Entry (i, j) of both matrices of the pair into local `l`. */
function load(b: Body, n: number, i: number, j: number, l: number): void {
  const off = (i * n + j) * 8;
  b.e(get(MATS), get(MATS), load64Zero(off), load64Lane(off + n * n * 8, 1), set(l));
}

/** Local `l`'s lanes into entry (i, j) of the pair's matrices. */
function store(b: Body, n: number, i: number, j: number, value: number[]): void {
  const off = (i * n + j) * 8;
  b.e(get(MATS), value, store64Lane(off, 0));
  b.e(get(MATS), value, store64Lane(off + n * n * 8, 1));
}

/** The info codes (integer-valued float64 lanes of `l`) into INFO[0], INFO[1]. */
function storeInfo(b: Body, l: number): void {
  b.e(get(INFO), get(l), truncToI32, store64Lane(0, 0));
}

/**
 * Cholesky (potrfBase, lower) of each lane's matrix: the lower triangle of A (`upper`: of Aᵀ,
 * i.e. A's upper triangle read transposed) is factored, L (`upper`: Lᵀ) stored with the other
 * triangle zeroed. A lane whose pivot i fails (not > 0, or +inf, or NaN) stops there as the
 * JavaScript loop does: row i keeps its new off-diagonal entries and the unrooted pivot, later
 * rows keep A; info = i + 1.
 */
function choleskyBody(n: number, upper: boolean): number[] {
  const b = new Body();
  const w: number[][] = [];
  for (let i = 0; i < n; i++) w.push(Array.from({ length: i + 1 }, () => b.v()));
  const [ok, info, d, good, fail] = [b.v(), b.v(), b.v(), b.v(), b.v()];
  pairLoop(b, n, () => {
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) load(b, n, upper ? j : i, upper ? i : j, w[i]![j]!);
    b.e(ONES, set(ok), splat(0), set(info));
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      for (let j = 0; j < i; j++) {
        const wj = w[j]!;
        b.e(get(wi[j]!));
        for (let t = 0; t < j; t++) b.e(get(wi[t]!), get(wj[t]!), mul, sub);
        b.e(get(wj[j]!), div, get(wi[j]!), get(ok), bitselect, set(wi[j]!));
      }
      b.e(get(wi[i]!));
      for (let t = 0; t < i; t++) b.e(get(wi[t]!), get(wi[t]!), mul, sub);
      b.e(set(d));
      b.e(get(d), splat(0), gt, get(d), splat(Number.POSITIVE_INFINITY), lt, and, set(good));
      b.e(get(ok), get(good), andnot, set(fail));
      // W[i][i] = ok & good ? sqrt(d) : fail ? d : W[i][i]
      b.e(get(d), sqrt, get(d), get(wi[i]!), get(fail), bitselect, get(ok), get(good), and, bitselect);
      b.e(set(wi[i]!));
      b.e(splat(i + 1), get(info), get(fail), bitselect, set(info));
      b.e(get(ok), get(good), and, set(ok));
    }
    const zero = splat(0);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) {
        const inside = upper ? c >= r : c <= r;
        store(b, n, r, c, inside ? get(upper ? w[c]![r]! : w[r]![c]!) : zero);
      }
    storeInfo(b, info);
  });
  return b.finish();
}

/** Where lanes of `mask` are set, exchanges locals x and y (t: scratch). */
function maskedSwap(b: Body, x: number, y: number, mask: number, t: number): void {
  b.e(get(x), get(y), xor, get(mask), and, set(t));
  b.e(get(x), get(t), xor, set(x), get(y), get(t), xor, set(y));
}

/**
 * LU with partial pivoting (getrfPanel over the whole n×n matrix) of each lane's matrix, into
 * locals w (row-major); p[k] receives the 1-based pivot row of step k, and the info code (the
 * first exactly-zero pivot, 1-based) goes to local `info`. The pivot is the first entry of
 * largest magnitude (strictly greater wins, so NaN never does); rows are exchanged across their
 * full width only in the lanes that pivot, and only when some lane does.
 */
function emitLu(b: Body, n: number, w: number[][], p: number[], info: number): void {
  const [best, v, m, nz, t, piv] = [b.v(), b.v(), b.v(), b.v(), b.v(), b.v()];
  b.e(splat(0), set(info));
  for (let k = 0; k < n; k++) {
    const wk = w[k]!;
    b.e(get(wk[k]!), abs, set(best), splat(k + 1), set(p[k]!));
    for (let i = k + 1; i < n; i++) {
      b.e(get(w[i]![k]!), abs, set(v), get(v), get(best), gt, set(m));
      b.e(get(v), get(best), get(m), bitselect, set(best));
      b.e(splat(i + 1), get(p[k]!), get(m), bitselect, set(p[k]!));
    }
    b.e(get(best), splat(0), ne, set(nz));
    for (let i = k + 1; i < n; i++) {
      b.e(get(p[k]!), splat(i + 1), eq, set(m), get(m), anyTrue, op.if);
      for (let j = 0; j < n; j++) maskedSwap(b, wk[j]!, w[i]![j]!, m, t);
      b.e(op.end);
    }
    // Below the pivot: divided by it where it is nonzero.
    b.e(get(wk[k]!), set(piv));
    for (let i = k + 1; i < n; i++) {
      const x = w[i]![k]!;
      b.e(get(x), get(piv), div, get(x), get(nz), bitselect, set(x));
    }
    // info = k + 1 where it is still 0 and the pivot is zero.
    b.e(splat(k + 1), get(info), get(info), splat(0), eq, get(nz), andnot, bitselect, set(info));
    for (let i = k + 1; i < n; i++) {
      const wi = w[i]!;
      for (let j = k + 1; j < n; j++) b.e(get(wi[j]!), get(wi[k]!), get(wk[j]!), mul, sub, set(wi[j]!));
    }
  }
}

function squareLocals(b: Body, n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: n }, () => b.v()));
}

/** LU factorization (luFactorCpu for n ≤ 8): L\U in place, pivots and info. */
function luBody(n: number): number[] {
  const b = new Body();
  const w = squareLocals(b, n);
  const p = Array.from({ length: n }, () => b.v());
  const info = b.v();
  pairLoop(b, n, () => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) load(b, n, i, j, w[i]![j]!);
    emitLu(b, n, w, p, info);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) store(b, n, i, j, get(w[i]![j]!));
    for (let k = 0; k < n; k++) {
      b.e(get(PIV), get(p[k]!), truncToI32, store32Lane(4 * k, 0));
      b.e(get(PIV), get(p[k]!), truncToI32, store32Lane(4 * (n + k), 1));
    }
    storeInfo(b, info);
  });
  return b.finish();
}

/**
 * The inverse as the inv op computes it for n ≤ 8: the LU factorization, then (where A holds no
 * NaN or ±inf) smallInverse's U⁻¹L⁻¹ and the column exchanges of Pᵀ, or (where it does) NaN in
 * every entry, as the op's poisoning of the factor gives; info from the factorization.
 */
function invBody(n: number): number[] {
  const b = new Body();
  const w = squareLocals(b, n);
  const x = squareLocals(b, n);
  const p = Array.from({ length: n }, () => b.v());
  const [info, acc, bad, m, t] = [b.v(), b.v(), b.v(), b.v(), b.v()];
  pairLoop(b, n, () => {
    // acc = Σ (a − a): NaN exactly where the lane's matrix has a non-finite entry.
    b.e(splat(0), set(acc));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const l = w[i]![j]!;
        load(b, n, i, j, l);
        b.e(get(acc), get(l), get(l), sub, add, set(acc));
      }
    b.e(get(acc), get(acc), ne, set(bad));
    emitLu(b, n, w, p, info);
    // X = L⁻¹ (unit lower), row by row, then X := U⁻¹X from the last row up (smallInverse).
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < n; c++) b.e(splat(c === i ? 1 : 0), set(x[i]![c]!));
      for (let r = 0; r < i; r++)
        for (let c = 0; c <= r; c++)
          b.e(get(x[i]![c]!), get(w[i]![r]!), get(x[r]![c]!), mul, sub, set(x[i]![c]!));
    }
    for (let i = n - 1; i >= 0; i--) {
      for (let r = i + 1; r < n; r++)
        for (let c = 0; c < n; c++)
          b.e(get(x[i]![c]!), get(w[i]![r]!), get(x[r]![c]!), mul, sub, set(x[i]![c]!));
      for (let c = 0; c < n; c++) b.e(get(x[i]![c]!), get(w[i]![i]!), div, set(x[i]![c]!));
    }
    // X·Pᵀ: column k ↔ piv[k] − 1 for k descending, in the lanes that pivoted.
    for (let k = n - 1; k >= 0; k--)
      for (let i = k + 1; i < n; i++) {
        b.e(get(p[k]!), splat(i + 1), eq, set(m), get(m), anyTrue, op.if);
        for (let r = 0; r < n; r++) maskedSwap(b, x[r]![k]!, x[r]![i]!, m, t);
        b.e(op.end);
      }
    b.e(get(bad), anyTrue, op.if);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) b.e(splat(Number.NaN), get(x[r]![c]!), get(bad), bitselect, set(x[r]![c]!));
    b.e(op.end);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) store(b, n, i, j, get(x[i]![j]!));
    storeInfo(b, info);
  });
  return b.finish();
}

/** The bodies of every kernel, in the order of {@link batchedIndex}. */
export function batchedBodies(): number[][] {
  const bodies: number[][] = [];
  for (const kind of BATCHED_KINDS)
    for (let n = 1; n <= BATCHED_MAX_N; n++) {
      if (kind === 'cholLower') bodies.push(choleskyBody(n, false));
      else if (kind === 'cholUpper') bodies.push(choleskyBody(n, true));
      else if (kind === 'lu') bodies.push(luBody(n));
      else bodies.push(invBody(n));
    }
  return bodies;
}

/** The type section entry of every kernel: (i32, i32, i32, i32) → (). */
export const BATCHED_TYPE = [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0];
