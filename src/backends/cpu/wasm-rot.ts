/**
 * Plane rotations of two rows in WebAssembly SIMD, for the eigenvector and singular-vector
 * updates of the implicit QR iterations (eigh.ts, svd.ts): `rot(pi, pj, len, c, s)` sets
 * x ← c·x + s·y and y ← c·y − s·x on the rows at byte offsets pi and pj (len doubles, a multiple
 * of 4), four columns per step in f64x2 registers. Same operations, in the same order, as the
 * JavaScript fallback of rowRotators (wasm-gemm.ts), so the results are bitwise identical.
 */
import {
  addTo,
  assemble,
  f64x2Add,
  f64x2Mul,
  f64x2Splat,
  f64x2Sub,
  I32,
  op,
  uleb,
  V128,
  v128Load,
  v128Store,
  vec,
} from './wasm-asm.js';

const [PI, PJ, LEN, CS, SN] = [0, 1, 2, 3, 4];
const END = 5;
const [CV, SV, X0, Y0, X1, Y1] = [6, 7, 8, 9, 10, 11];

export function rotBody(): number[] {
  return assemble(
    vec([
      [...uleb(1), I32],
      [...uleb(6), V128],
    ]),
    (emit) => {
      emit(op.get(CS), f64x2Splat, op.set(CV), op.get(SN), f64x2Splat, op.set(SV));
      emit(op.get(PI), op.get(LEN), op.const(3), op.shl, op.add, op.set(END));
      emit(op.block, op.get(LEN), op.eqz, op.brIf(0), op.loop);
      emit(op.get(PI), v128Load(0), op.set(X0), op.get(PJ), v128Load(0), op.set(Y0));
      emit(op.get(PI), v128Load(16), op.set(X1), op.get(PJ), v128Load(16), op.set(Y1));
      for (const [x, y, o] of [
        [X0, Y0, 0],
        [X1, Y1, 16],
      ] as const) {
        // x' = c·x + s·y; y' = c·y − s·x
        emit(
          op.get(PI),
          op.get(CV),
          op.get(x),
          f64x2Mul,
          op.get(SV),
          op.get(y),
          f64x2Mul,
          f64x2Add,
          v128Store(o),
        );
        emit(
          op.get(PJ),
          op.get(CV),
          op.get(y),
          f64x2Mul,
          op.get(SV),
          op.get(x),
          f64x2Mul,
          f64x2Sub,
          v128Store(o),
        );
      }
      emit(addTo(PI, op.const(32)), addTo(PJ, op.const(32)));
      emit(op.get(PI), op.get(END), op.sub, op.brIf(0), op.end, op.end);
      emit(op.end);
    },
  );
}
