/**
 * Level-2 kernels of the Householder bidiagonalisation (svd.ts) in WebAssembly SIMD, on a matrix
 * block at byte offset m with row stride ld bytes, `rows` rows and `len` columns (len even), two
 * columns per f64x2 register:
 * - colacc(m, ld, u, rows, acc, len): acc[j] = Σ_i u[i]·M[i][j] (uᵀ·M, row by row);
 * - rank1(m, ld, u, rows, acc, len, tau): M[i][j] −= (τ·u[i])·acc[j];
 * - dotaxpy(m, ld, v, rows, len, tau): per row, d = τ·(M[i]·v), then M[i][j] −= d·v[j] (the dot
 *   product summed in four lanes).
 * - rank2acc (below): the tridiagonalisation's rank-2 update fused with the next product.
 * u, acc and v are float64 vectors at byte offsets.
 */
import {
  addTo,
  assemble,
  f64x2Add,
  f64x2Mul,
  f64x2Splat,
  f64x2Sub,
  I32,
  load64Splat,
  op,
  uleb,
  V128,
  v128Load,
  v128Store,
  v128Zero,
  vec,
} from './wasm-asm.js';

const F64_MUL = [0xa2];
const F64_ADD = [0xa0];
const F64_LOAD = [0x2b, 3, 0];
const I32_AND = [0x71];
const extractLane = (lane: number) => op.simd(33, lane);

/** for (j = 0; j < len; j += 2) body(j8 = 8·j), with local J holding j·8 and END = 8·len. */
function columnLoop(emit: (...p: number[][]) => void, J: number, END: number, body: () => void): void {
  emit(op.const(0), op.set(J));
  emit(op.block, op.get(END), op.eqz, op.brIf(0), op.loop);
  body();
  emit(addTo(J, op.const(16)), op.get(J), op.get(END), op.sub, op.brIf(0), op.end, op.end);
}

/** for (i = rows; i > 0; i--) { body(); row += ld } with ROW the current row's address. */
function rowLoop(emit: (...p: number[][]) => void, I: number, ROWS: number, body: () => void): void {
  emit(op.get(ROWS), op.set(I));
  emit(op.block, op.get(I), op.eqz, op.brIf(0), op.loop);
  body();
  emit(op.get(I), op.const(1), op.sub, op.set(I), op.get(I), op.brIf(0), op.end, op.end);
}

export function colaccBody(): number[] {
  const [M, LD, U, ROWS, ACC, LEN] = [0, 1, 2, 3, 4, 5];
  const [I, J, END] = [6, 7, 8];
  const X = 9;
  return assemble(
    vec([
      [...uleb(3), I32],
      [...uleb(1), V128],
    ]),
    (emit) => {
      emit(op.get(LEN), op.const(3), op.shl, op.set(END));
      columnLoop(emit, J, END, () => emit(op.get(ACC), op.get(J), op.add, v128Zero, v128Store(0)));
      rowLoop(emit, I, ROWS, () => {
        emit(op.get(U), load64Splat(0), op.set(X));
        columnLoop(emit, J, END, () => {
          emit(op.get(ACC), op.get(J), op.add); // address for the store
          emit(op.get(ACC), op.get(J), op.add, v128Load(0));
          emit(op.get(X), op.get(M), op.get(J), op.add, v128Load(0), f64x2Mul, f64x2Add, v128Store(0));
        });
        emit(addTo(U, op.const(8)), addTo(M, op.get(LD)));
      });
      emit(op.end);
    },
  );
}

export function rank1Body(): number[] {
  const [M, LD, U, ROWS, ACC, LEN, TAU] = [0, 1, 2, 3, 4, 5, 6];
  const [I, J, END] = [7, 8, 9];
  const F = 10;
  return assemble(
    vec([
      [...uleb(3), I32],
      [...uleb(1), V128],
    ]),
    (emit) => {
      emit(op.get(LEN), op.const(3), op.shl, op.set(END));
      rowLoop(emit, I, ROWS, () => {
        emit(op.get(TAU), op.get(U), F64_LOAD, F64_MUL, f64x2Splat, op.set(F));
        columnLoop(emit, J, END, () => {
          emit(op.get(M), op.get(J), op.add);
          emit(op.get(M), op.get(J), op.add, v128Load(0));
          emit(op.get(F), op.get(ACC), op.get(J), op.add, v128Load(0), f64x2Mul, f64x2Sub, v128Store(0));
        });
        emit(addTo(U, op.const(8)), addTo(M, op.get(LD)));
      });
      emit(op.end);
    },
  );
}

export function dotaxpyBody(): number[] {
  const [M, LD, V, ROWS, LEN, TAU] = [0, 1, 2, 3, 4, 5];
  const [I, J, END, END2] = [6, 7, 8, 9];
  const [S, D, S1] = [10, 11, 12];
  return assemble(
    vec([
      [...uleb(4), I32],
      [...uleb(3), V128],
    ]),
    (emit) => {
      emit(op.get(LEN), op.const(3), op.shl, op.set(END));
      emit(op.get(END), op.const(-32), I32_AND, op.set(END2));
      rowLoop(emit, I, ROWS, () => {
        // The dot product in two accumulators (four lanes), four columns per step, so that the
        // additions do not wait on each other; a last pair of columns goes to the first.
        emit(v128Zero, op.set(S), v128Zero, op.set(S1), op.const(0), op.set(J));
        emit(op.block, op.get(END2), op.eqz, op.brIf(0), op.loop);
        emit(op.get(S), op.get(M), op.get(J), op.add, v128Load(0));
        emit(op.get(V), op.get(J), op.add, v128Load(0), f64x2Mul, f64x2Add, op.set(S));
        emit(op.get(S1), op.get(M), op.get(J), op.add, v128Load(16));
        emit(op.get(V), op.get(J), op.add, v128Load(16), f64x2Mul, f64x2Add, op.set(S1));
        emit(addTo(J, op.const(32)), op.get(J), op.get(END2), op.sub, op.brIf(0), op.end, op.end);
        emit(op.get(END), op.get(END2), op.sub, op.if);
        emit(op.get(S), op.get(M), op.get(END2), op.add, v128Load(0));
        emit(op.get(V), op.get(END2), op.add, v128Load(0), f64x2Mul, f64x2Add, op.set(S));
        emit(op.end);
        emit(op.get(S), op.get(S1), f64x2Add, op.set(S));
        // d = τ·(s₀ + s₁), splat
        emit(op.get(TAU), op.get(S), extractLane(0), op.get(S), extractLane(1), F64_ADD, F64_MUL);
        emit(f64x2Splat, op.set(D));
        columnLoop(emit, J, END, () => {
          emit(op.get(M), op.get(J), op.add);
          emit(op.get(M), op.get(J), op.add, v128Load(0));
          emit(op.get(D), op.get(V), op.get(J), op.add, v128Load(0), f64x2Mul, f64x2Sub, v128Store(0));
        });
        emit(addTo(M, op.get(LD)));
      });
      emit(op.end);
    },
  );
}

/**
 * rank2acc(m, ld, u, w, un, rows, uc, wc, acc, len): the tridiagonalisation's rank-2 update fused
 * with the next step's product, one pass over the block: per row i, M[i][j] −= u[i]·wc[j] +
 * w[i]·uc[j], then acc[j] += un[i]·M[i][j] with the updated entries (acc zeroed first).
 */
export function rank2accBody(): number[] {
  const [M, LD, U, W, UN, ROWS, UC, WC, ACC, LEN] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [I, J, END] = [10, 11, 12];
  const [A, B, C, X] = [13, 14, 15, 16];
  return assemble(
    vec([
      [...uleb(3), I32],
      [...uleb(4), V128],
    ]),
    (emit) => {
      emit(op.get(LEN), op.const(3), op.shl, op.set(END));
      columnLoop(emit, J, END, () => emit(op.get(ACC), op.get(J), op.add, v128Zero, v128Store(0)));
      rowLoop(emit, I, ROWS, () => {
        emit(op.get(U), load64Splat(0), op.set(A), op.get(W), load64Splat(0), op.set(B));
        emit(op.get(UN), load64Splat(0), op.set(C));
        columnLoop(emit, J, END, () => {
          emit(op.get(M), op.get(J), op.add); // address for the store of M[i][j]
          emit(op.get(M), op.get(J), op.add, v128Load(0));
          emit(op.get(A), op.get(WC), op.get(J), op.add, v128Load(0), f64x2Mul);
          emit(op.get(B), op.get(UC), op.get(J), op.add, v128Load(0), f64x2Mul, f64x2Add, f64x2Sub);
          emit(op.set(X), op.get(X), v128Store(0));
          emit(op.get(ACC), op.get(J), op.add); // address for the store of acc[j]
          emit(op.get(ACC), op.get(J), op.add, v128Load(0), op.get(C), op.get(X), f64x2Mul, f64x2Add);
          emit(v128Store(0));
        });
        emit(addTo(U, op.const(8)), addTo(W, op.const(8)), addTo(UN, op.const(8)), addTo(M, op.get(LD)));
      });
      emit(op.end);
    },
  );
}
