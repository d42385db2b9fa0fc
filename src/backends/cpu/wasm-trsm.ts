/**
 * The base case of the recursive triangular solve (triangular.ts trsmLeft) in WebAssembly SIMD:
 * `trsm(t, b, n, mp, unit)` solves L·X = B in place for an n×n lower-triangular L (row-major,
 * leading dim n) and B n×mp (row-major, mp a multiple of 4), both in the kernel's memory (byte
 * offsets), with unit diagonal when `unit` ≠ 0. Row by row, four columns at a time in two f64x2
 * registers: acc = B[i][j..j+3] − Σ_{s<i} L[i][s]·X[s][j..j+3], then divided by L[i][i]. Upper
 * triangles are solved by the caller reversing rows and columns (wasmTrsm in wasm-gemm.ts).
 */
import {
  addTo,
  assemble,
  f64x2Div,
  f64x2Mul,
  f64x2Sub,
  I32,
  load64Splat,
  op,
  uleb,
  V128,
  v128Load,
  v128Store,
  vec,
} from './wasm-asm.js';

// Parameters, then locals.
const [T, B, N, MP, UNIT] = [0, 1, 2, 3, 4];
const [I, J, S, TI, BI, BS, TS, ROW] = [5, 6, 7, 8, 9, 10, 11, 12];
const I32_LOCALS = 8;
const [ACC0, ACC1, X] = [13, 14, 15];

/** Number of i32 parameters of `trsm`. */
export const TRSM_PARAMS = 5;

export function trsmBody(): number[] {
  return assemble(
    vec([
      [...uleb(I32_LOCALS), I32],
      [...uleb(3), V128],
    ]),
    (emit) => {
      emit(op.get(MP), op.const(3), op.shl, op.set(ROW));
      emit(op.const(0), op.set(I));
      emit(op.block, op.loop);
      emit(op.get(I), op.get(N), op.geU, op.brIf(1));
      emit(op.get(T), op.get(I), op.get(N), op.mul, op.const(3), op.shl, op.add, op.set(TI));
      emit(op.const(0), op.set(J));
      emit(op.block, op.loop);
      emit(op.get(J), op.get(MP), op.geU, op.brIf(1));
      // bi = b + i·row + 8j; acc = B[i][j..j+3]; bs = b + 8j (row 0); ts = ti (L[i][0]).
      emit(op.get(B), op.get(I), op.get(ROW), op.mul, op.add);
      emit(op.get(J), op.const(3), op.shl, op.add, op.set(BI));
      emit(op.get(BI), v128Load(0), op.set(ACC0), op.get(BI), v128Load(16), op.set(ACC1));
      emit(op.get(B), op.get(J), op.const(3), op.shl, op.add, op.set(BS));
      emit(op.get(TI), op.set(TS), op.get(I), op.set(S));
      emit(op.block, op.get(S), op.eqz, op.brIf(0), op.loop);
      emit(op.get(TS), load64Splat(0), op.set(X));
      emit(op.get(ACC0), op.get(X), op.get(BS), v128Load(0), f64x2Mul, f64x2Sub, op.set(ACC0));
      emit(op.get(ACC1), op.get(X), op.get(BS), v128Load(16), f64x2Mul, f64x2Sub, op.set(ACC1));
      emit(addTo(TS, op.const(8)), addTo(BS, op.get(ROW)));
      emit(op.get(S), op.const(1), op.sub, op.set(S));
      emit(op.get(S), op.brIf(0), op.end, op.end);
      // ts is now at L[i][i].
      emit(op.get(UNIT), op.eqz, op.if);
      emit(op.get(TS), load64Splat(0), op.set(X));
      emit(op.get(ACC0), op.get(X), f64x2Div, op.set(ACC0));
      emit(op.get(ACC1), op.get(X), f64x2Div, op.set(ACC1));
      emit(op.end);
      emit(op.get(BI), op.get(ACC0), v128Store(0), op.get(BI), op.get(ACC1), v128Store(16));
      emit(addTo(J, op.const(4)), op.br(0), op.end, op.end);
      emit(addTo(I, op.const(1)), op.br(0), op.end, op.end);
      emit(op.end);
    },
  );
}
