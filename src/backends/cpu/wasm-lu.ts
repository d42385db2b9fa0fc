/**
 * The LU factorization's own kernels in WebAssembly SIMD, in a second small module on the GEMM
 * kernel's memory (wasm-gemm.ts `inPlaceKernel`), so that a whole factorization stays in that
 * memory: panel updates, triangular solves and GEMM updates work on it in place, without copies.
 * Offsets are bytes, strides bytes (they may be negative: i32 arithmetic wraps).
 *
 * - `panel(w, ld, rows, k0, kw, piv) → info`: the unblocked right-looking LU with partial
 *   pivoting of columns [k0, k0+kw) of the matrix at w (row stride ld), rows [k0, rows), earlier
 *   columns' updates already applied: per column the pivot search (first largest |a|, as LAPACK's
 *   idamax), the swap of whole rows (ld bytes, a multiple of 16), the column divided by the pivot
 *   (skipped for an exactly zero pivot), the rank-1 update of the panel's later columns two at a
 *   time. Writes 1-based pivots (i32) at piv + 4k; returns the 1-based index of the first zero
 *   pivot, or 0.
 * - `trsm(t, tld, tcs, b, bld, n, mp, unit)`: solves L·X = B in place for L[i][s] at
 *   t + i·tld + s·tcs (lower triangle read; unit diagonal when unit ≠ 0) and B n×mp with rows
 *   at b + i·bld (mp a multiple of 4), four columns at a time. An upper triangle is a lower one
 *   with rows and columns reversed: the caller passes its last entry and negative strides.
 * - `pack(src, lds, dst, k, np)`: B (k×np, rows lds bytes apart) into the GEMM's panels of 4.
 */
import {
  addTo,
  assemble,
  F64,
  f64x2Div,
  f64x2Mul,
  f64x2Sub,
  I32,
  load64Splat,
  name,
  op,
  section,
  uleb,
  V128,
  v128Load,
  v128Store,
  vec,
} from './wasm-asm.js';
import { emitPackLoop, type InPlaceKernel, inPlaceKernel, MAX_PAGES } from './wasm-gemm.js';

const F64_LOAD = [0x2b, 3, 0];
const F64_STORE = [0x39, 3, 0];
const F64_ABS = [0x99];
const F64_GT = [0x64];
const F64_NE = [0x62];
const F64_DIV = [0xa3];
const F64_MUL = [0xa2];
const F64_SUB = [0xa1];
const F64_ZERO = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
const I32_STORE = [0x36, 2, 0];
const I32_NE = [0x47];
const I32_LT_U = [0x49];
const TEE = (l: number) => [0x22, ...uleb(l)];
const ELSE = [0x05];

function panelBody(): number[] {
  const [W, LD, ROWS, K0, KW, PIV] = [0, 1, 2, 3, 4, 5];
  const [K, KEND, P, I, Q, RK, RP, J, INFO, K8, END] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const [BEST, V, PIVOT, L] = [17, 18, 19, 20];
  const [X, T] = [21, 22];
  return assemble(
    vec([
      [...uleb(11), I32],
      [...uleb(4), F64],
      [...uleb(2), V128],
    ]),
    (emit) => {
      emit(op.get(K0), op.get(KW), op.add, op.set(KEND));
      emit(op.get(KEND), op.const(3), op.shl, op.set(END));
      emit(op.const(0), op.set(INFO), op.get(K0), op.set(K));
      emit(op.block, op.loop);
      emit(op.get(K), op.get(KEND), op.geU, op.brIf(1));
      emit(op.get(W), op.get(K), op.get(LD), op.mul, op.add, op.set(RK));
      emit(op.get(K), op.const(3), op.shl, op.set(K8));
      // Pivot search down column k: p = the first row of largest |a[i][k]|, i ≥ k.
      emit(op.get(RK), op.get(K8), op.add, F64_LOAD, F64_ABS, op.set(BEST), op.get(K), op.set(P));
      emit(op.get(RK), op.get(LD), op.add, op.get(K8), op.add, op.set(Q));
      emit(op.get(K), op.const(1), op.add, op.set(I));
      emit(op.block, op.loop);
      emit(op.get(I), op.get(ROWS), op.geU, op.brIf(1));
      emit(op.get(Q), F64_LOAD, F64_ABS, TEE(V), op.get(BEST), F64_GT, op.if);
      emit(op.get(V), op.set(BEST), op.get(I), op.set(P), op.end);
      emit(addTo(Q, op.get(LD)), addTo(I, op.const(1)), op.br(0), op.end, op.end);
      emit(op.get(PIV), op.get(K), op.const(2), op.shl, op.add, op.get(P), op.const(1), op.add, I32_STORE);
      emit(op.get(W), op.get(P), op.get(LD), op.mul, op.add, op.set(RP));
      emit(op.get(RP), op.get(K8), op.add, F64_LOAD, F64_ZERO, F64_NE, op.if);
      // Swap rows k and p (whole rows), then divide the column below the pivot by it.
      emit(op.get(P), op.get(K), I32_NE, op.if, op.const(0), op.set(J));
      emit(op.block, op.loop);
      emit(op.get(J), op.get(LD), op.geU, op.brIf(1));
      emit(op.get(RK), op.get(J), op.add, v128Load(0), op.set(T));
      emit(op.get(RK), op.get(J), op.add, op.get(RP), op.get(J), op.add, v128Load(0), v128Store(0));
      emit(op.get(RP), op.get(J), op.add, op.get(T), v128Store(0));
      emit(addTo(J, op.const(16)), op.br(0), op.end, op.end, op.end);
      emit(op.get(RK), op.get(K8), op.add, F64_LOAD, op.set(PIVOT));
      emit(op.get(RK), op.get(LD), op.add, op.get(K8), op.add, op.set(Q));
      emit(op.get(K), op.const(1), op.add, op.set(I));
      emit(op.block, op.loop);
      emit(op.get(I), op.get(ROWS), op.geU, op.brIf(1));
      emit(op.get(Q), op.get(Q), F64_LOAD, op.get(PIVOT), F64_DIV, F64_STORE);
      emit(addTo(Q, op.get(LD)), addTo(I, op.const(1)), op.br(0), op.end, op.end);
      emit(ELSE, op.get(INFO), op.eqz, op.if, op.get(K), op.const(1), op.add, op.set(INFO), op.end, op.end);
      // Rank-1 update of columns (k, kend) of the rows below: a[i][j] −= a[i][k]·a[k][j].
      emit(op.get(RK), op.get(LD), op.add, op.set(Q), op.get(K), op.const(1), op.add, op.set(I));
      emit(op.block, op.loop);
      emit(op.get(I), op.get(ROWS), op.geU, op.brIf(1));
      emit(op.get(Q), op.get(K8), op.add, F64_LOAD, op.set(L), op.get(L), op.simd(20), op.set(X));
      emit(op.get(K8), op.const(8), op.add, op.set(J));
      emit(op.block, op.loop);
      emit(op.get(J), op.const(8), op.add, op.get(END), op.geU, op.brIf(1));
      emit(op.get(Q), op.get(J), op.add);
      emit(op.get(Q), op.get(J), op.add, v128Load(0), op.get(X), op.get(RK), op.get(J), op.add, v128Load(0));
      emit(f64x2Mul, f64x2Sub, v128Store(0));
      emit(addTo(J, op.const(16)), op.br(0), op.end, op.end);
      emit(op.get(J), op.get(END), I32_LT_U, op.if);
      emit(op.get(Q), op.get(J), op.add);
      emit(op.get(Q), op.get(J), op.add, F64_LOAD, op.get(L), op.get(RK), op.get(J), op.add, F64_LOAD);
      emit(F64_MUL, F64_SUB, F64_STORE, op.end);
      emit(addTo(Q, op.get(LD)), addTo(I, op.const(1)), op.br(0), op.end, op.end);
      emit(addTo(K, op.const(1)), op.br(0), op.end, op.end);
      emit(op.get(INFO), op.end);
    },
  );
}

function trsmBody(): number[] {
  const [T, TLD, TCS, B, BLD, N, MP, UNIT] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [I, J, S, TI, BI, BS, TS, END, BROW] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
  const [ACC0, ACC1, X] = [17, 18, 19];
  return assemble(
    vec([
      [...uleb(9), I32],
      [...uleb(3), V128],
    ]),
    (emit) => {
      emit(op.get(MP), op.const(3), op.shl, op.set(END));
      emit(op.get(T), op.set(TI), op.get(B), op.set(BROW), op.const(0), op.set(I));
      emit(op.block, op.loop);
      emit(op.get(I), op.get(N), op.geU, op.brIf(1));
      emit(op.const(0), op.set(J));
      emit(op.block, op.loop);
      emit(op.get(J), op.get(END), op.geU, op.brIf(1));
      emit(op.get(BROW), op.get(J), op.add, op.set(BI));
      emit(op.get(BI), v128Load(0), op.set(ACC0), op.get(BI), v128Load(16), op.set(ACC1));
      emit(op.get(B), op.get(J), op.add, op.set(BS), op.get(TI), op.set(TS), op.get(I), op.set(S));
      emit(op.block, op.get(S), op.eqz, op.brIf(0), op.loop);
      emit(op.get(TS), load64Splat(0), op.set(X));
      emit(op.get(ACC0), op.get(X), op.get(BS), v128Load(0), f64x2Mul, f64x2Sub, op.set(ACC0));
      emit(op.get(ACC1), op.get(X), op.get(BS), v128Load(16), f64x2Mul, f64x2Sub, op.set(ACC1));
      emit(addTo(TS, op.get(TCS)), addTo(BS, op.get(BLD)));
      emit(op.get(S), op.const(1), op.sub, op.set(S), op.get(S), op.brIf(0), op.end, op.end);
      // ts is now at L[i][i].
      emit(op.get(UNIT), op.eqz, op.if, op.get(TS), load64Splat(0), op.set(X));
      emit(op.get(ACC0), op.get(X), f64x2Div, op.set(ACC0), op.get(ACC1), op.get(X), f64x2Div, op.set(ACC1));
      emit(op.end);
      emit(op.get(BI), op.get(ACC0), v128Store(0), op.get(BI), op.get(ACC1), v128Store(16));
      emit(addTo(J, op.const(32)), op.br(0), op.end, op.end);
      emit(addTo(TI, op.get(TLD)), addTo(BROW, op.get(BLD)), addTo(I, op.const(1)), op.br(0), op.end, op.end);
      emit(op.end);
    },
  );
}

/** pack(src, lds, dst, k, np): as wasm-gemm.ts `pack`, from rows lds bytes apart. */
function packBody(): number[] {
  const [SRC, LDS, DST, PK, PN] = [0, 1, 2, 3, 4];
  const [Q, SP, PP] = [5, 6, 7];
  return assemble(vec([[...uleb(3), I32]]), (emit) => {
    emitPackLoop(emit, { src: SRC, dst: DST, k: PK, np: PN, row: LDS, q: Q, sp: SP, pp: PP });
    emit(op.end);
  });
}

function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const panel = panelBody();
  const trsm = trsmBody();
  const pack = packBody();
  const fn = (count: number, results: number[]) => [
    0x60,
    ...vec(Array.from({ length: count }, () => [I32])),
    ...vec(results.map((t) => [t])),
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([fn(6, [I32]), fn(8, []), fn(5, [])])),
    ...section(
      2,
      vec([[...name('env'), ...name('mem'), 0x02, ...(shared ? [0x03, 1, ...uleb(MAX_PAGES)] : [0x00, 1])]]),
    ),
    ...section(3, vec([[0], [1], [2]])),
    ...section(
      7,
      vec([
        [...name('panel'), 0x00, 0],
        [...name('trsm'), 0x00, 1],
        [...name('pack'), 0x00, 2],
      ]),
    ),
    ...section(
      10,
      vec([
        [...uleb(panel.length), ...panel],
        [...uleb(trsm.length), ...trsm],
        [...uleb(pack.length), ...pack],
      ]),
    ),
  ]);
}

interface LuExports {
  panel: (w: number, ld: number, rows: number, k0: number, kw: number, piv: number) => number;
  trsm: (
    t: number,
    tld: number,
    tcs: number,
    b: number,
    bld: number,
    n: number,
    mp: number,
    unit: number,
  ) => void;
  pack: (src: number, lds: number, dst: number, k: number, np: number) => void;
}

/** The GEMM kernel's memory and product with this module's panel and solve on that memory. */
export interface LuKernel extends InPlaceKernel, LuExports {}

let cache: { mem: WebAssembly.Memory; exports: LuExports } | null = null;
let broken = false;

/**
 * The kernels on a memory of at least `doubles` float64 values, or null without WebAssembly SIMD
 * (the module is instantiated again when the GEMM kernel's memory is a new one).
 */
export function luKernel(doubles: number): LuKernel | null {
  if (broken) return null;
  const base = inPlaceKernel(doubles);
  if (!base) return null;
  if (cache?.mem !== base.mem) {
    try {
      const shared = typeof SharedArrayBuffer === 'function' && base.mem.buffer instanceof SharedArrayBuffer;
      const inst = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(shared)), {
        env: { mem: base.mem },
      });
      cache = { mem: base.mem, exports: inst.exports as unknown as LuExports };
    } catch {
      broken = true;
      return null;
    }
  }
  return { ...base, ...cache.exports };
}
