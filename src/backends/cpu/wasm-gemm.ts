/**
 * A float64 matrix product in WebAssembly SIMD (f64x2) for the CPU kernels: matmul and the
 * blocked LU, Cholesky and triangular solves call it through `gemm` for large products. Plain
 * JavaScript loops reach about 1.7 GFLOP/s per core here; this kernel 6–14 GFLOP/s.
 *
 * The module is assembled here, instruction by instruction (no toolchain, no binary in the
 * repository): `gemm(a, b, c, m, n, k, alpha, lda, ldc)` computes C[m×n] += alpha·A[m×k]·B[k×n]
 * in its exported memory, with m and n multiples of 4, A and C row-major (leading dims lda and
 * ldc; 0 or left out: k and n) and B packed in column panels of 4 (panel q holds B[p][4q..4q+3]
 * for p = 0..k−1, contiguous). Each 4×4 block of A·B is kept
 * in eight f64x2 registers while p runs over k (per step two loads of B, four splat loads of A,
 * eight multiplies and eight adds), then added to C times alpha. A second function, `pack`, lays
 * B out in those panels (sequential reads in the kernel, and no 4 KiB-stride conflicts);
 * {@link wasmGemm} pads and copies rows around both. Where WebAssembly SIMD is missing it
 * returns false and the caller keeps its JavaScript kernel.
 */

import { activePool, parallelGemm, poolThreads, poolWanted, startPool, threadsSupported } from './pool.js';

import {
  addTo,
  assemble,
  F64,
  f64x2Add,
  f64x2Mul,
  f64x2Splat,
  I32,
  load64Splat,
  name,
  op,
  section,
  uleb,
  V128,
  v128Load,
  v128Store,
  v128Zero,
  vec,
} from './wasm-asm.js';
import { colaccBody, dotaxpyBody, rank1Body, rank2accBody } from './wasm-level2.js';
import { rotBody } from './wasm-rot.js';
import { TRSM_PARAMS, trsmBody } from './wasm-trsm.js';

// ---- the kernel ---------------------------------------------------------------------------------

// Parameters (six i32, alpha: f64, then the leading dims of A and C in doubles, 0 meaning k and
// n), then locals (indices).
const [A, B, C, M, N, K, ALPHA, LDA, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [I, J, P, AP, BP, CP, NB, KB, T, AB] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
const I32_LOCALS = 10;
const ACC = 19; // acc 0..7: row r, columns 2h..2h+1 at ACC + 2r + h
const [B0, B1, X, AV] = [27, 28, 29, 30];
const V128_LOCALS = 12;
/** local = (local == 0 ? fallback : local). */
const orDefault = (l: number, fallback: number) => [
  ...op.get(fallback),
  ...op.get(l),
  ...op.get(l),
  ...op.eqz,
  0x1b, // select
  ...op.set(l),
];

function kernelBody(): number[] {
  return assemble(
    vec([
      [...uleb(I32_LOCALS), I32],
      [...uleb(V128_LOCALS), V128],
    ]),
    (emit) => {
      // Address of row r of the C block: cp + r·nb.
      const cRow = (r: number) => [
        ...op.get(CP),
        ...(r === 0 ? [] : [...op.get(NB), ...op.const(r), ...op.mul, ...op.add]),
      ];
      emit(op.get(ALPHA), f64x2Splat, op.set(AV));
      emit(orDefault(LDA, K), orDefault(LDC, N));
      emit(op.get(LDC), op.const(3), op.shl, op.set(NB));
      emit(op.get(K), op.const(3), op.shl, op.set(KB));
      emit(op.get(LDA), op.const(3), op.shl, op.set(AB));
      emit(op.const(0), op.set(I));
      emit(op.block, op.loop);
      emit(op.get(I), op.get(M), op.geU, op.brIf(1));
      emit(op.const(0), op.set(J));
      emit(op.block, op.loop);
      emit(op.get(J), op.get(N), op.geU, op.brIf(1));
      // cp = c + (i·ldc + j)·8; ap = a + i·lda·8; bp = b + j·k·8 (panel j/4 of 4·k doubles).
      emit(op.get(C), op.get(I), op.get(NB), op.mul, op.add);
      emit(op.get(J), op.const(3), op.shl, op.add, op.set(CP));
      emit(op.get(A), op.get(I), op.get(AB), op.mul, op.add, op.set(AP));
      emit(op.get(B), op.get(J), op.get(KB), op.mul, op.add, op.set(BP));
      for (let acc = ACC; acc < ACC + 8; acc++) emit(v128Zero, op.set(acc));
      emit(op.get(K), op.set(P));
      emit(op.block, op.get(P), op.eqz, op.brIf(0), op.loop);
      emit(op.get(BP), v128Load(0), op.set(B0));
      emit(op.get(BP), v128Load(16), op.set(B1));
      for (let r = 0; r < 4; r++) {
        // x = splat(A[i + r][p]) at ap + r·lda·8.
        if (r === 0) emit(op.get(AP));
        else emit(op.get(AP), op.get(AB), op.const(r), op.mul, op.add);
        emit(load64Splat(0), op.set(X));
        for (let h = 0; h < 2; h++) {
          const acc = ACC + 2 * r + h;
          emit(op.get(acc), op.get(X), op.get(h === 0 ? B0 : B1), f64x2Mul, f64x2Add, op.set(acc));
        }
      }
      emit(addTo(AP, op.const(8)), addTo(BP, op.const(32)));
      emit(op.get(P), op.const(1), op.sub, op.set(P));
      emit(op.get(P), op.brIf(0), op.end, op.end);
      // C block += alpha · acc.
      for (let r = 0; r < 4; r++) {
        emit(cRow(r), op.set(T));
        for (let h = 0; h < 2; h++) {
          emit(
            op.get(T),
            op.get(T),
            v128Load(16 * h),
            op.get(AV),
            op.get(ACC + 2 * r + h),
            f64x2Mul,
            f64x2Add,
          );
          emit(v128Store(16 * h));
        }
      }
      emit(addTo(J, op.const(4)), op.br(0), op.end, op.end);
      emit(addTo(I, op.const(4)), op.br(0), op.end, op.end);
      emit(op.end);
    },
  );
}

/**
 * pack(src, dst, k, np): B (k × np row-major at src, np a multiple of 4) into column panels of 4 at
 * dst: panel q/4 holds B[p][q..q+3] for p = 0..k−1, 32 contiguous bytes each.
 */
function packBody(): number[] {
  const [SRC, DST, PK, PN] = [0, 1, 2, 3];
  const [Q, SP, PP, ROW] = [4, 5, 6, 7];
  return assemble(vec([[...uleb(4), I32]]), (emit) => {
    emit(op.get(PN), op.const(3), op.shl, op.set(ROW));
    emitPackLoop(emit, { src: SRC, dst: DST, k: PK, np: PN, row: ROW, q: Q, sp: SP, pp: PP });
    emit(op.end);
  });
}

/**
 * The loop of `pack` over the locals named in `l`: B's np columns (rows `row` bytes apart, from
 * src) into panels of 4 at dst; dst advances past them. wasm-lu.ts's strided pack runs it too.
 */
export function emitPackLoop(
  emit: (...parts: number[][]) => void,
  l: { src: number; dst: number; k: number; np: number; row: number; q: number; sp: number; pp: number },
): void {
  emit(op.const(0), op.set(l.q));
  emit(op.block, op.loop);
  emit(op.get(l.q), op.get(l.np), op.geU, op.brIf(1));
  emit(op.get(l.src), op.get(l.q), op.const(3), op.shl, op.add, op.set(l.sp));
  emit(op.get(l.k), op.set(l.pp));
  emit(op.block, op.get(l.pp), op.eqz, op.brIf(0), op.loop);
  emit(op.get(l.dst), op.get(l.sp), v128Load(0), v128Store(0));
  emit(op.get(l.dst), op.get(l.sp), v128Load(16), v128Store(16));
  emit(addTo(l.dst, op.const(32)), addTo(l.sp, op.get(l.row)));
  emit(op.get(l.pp), op.const(1), op.sub, op.set(l.pp));
  emit(op.get(l.pp), op.brIf(0), op.end, op.end);
  emit(addTo(l.q, op.const(4)), op.br(0), op.end, op.end);
}

/** Pages (64 KiB) of the shared memory's maximum (2 GiB, the blocks' limit below). */
export const MAX_PAGES = 32768;

/** The module; its memory is imported (env.mem), shared (for the worker pool) or not. */
function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const gemm = kernelBody();
  const pack = packBody();
  const trsm = trsmBody();
  const rot = rotBody();
  const level2 = [colaccBody(), rank1Body(), dotaxpyBody(), rank2accBody()];
  const params = (count: number, ...more: number[]) => [
    0x60,
    ...vec([...Array.from({ length: count }, () => [I32]), ...more.map((t) => [t])]),
    0,
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([
        params(6, F64),
        params(4),
        params(TRSM_PARAMS),
        params(3, F64, F64),
        params(6),
        params(5, F64),
        params(6, F64, I32, I32),
        params(10),
      ]),
    ),
    ...section(
      2,
      vec([[...name('env'), ...name('mem'), 0x02, ...(shared ? [0x03, 1, ...uleb(MAX_PAGES)] : [0x00, 1])]]),
    ),
    ...section(3, vec([[6], [1], [2], [3], [4], [0], [5], [7]])),
    ...section(
      7,
      vec([
        [...name('gemm'), 0x00, 0],
        [...name('pack'), 0x00, 1],
        [...name('trsm'), 0x00, 2],
        [...name('rot'), 0x00, 3],
        [...name('colacc'), 0x00, 4],
        [...name('rank1'), 0x00, 5],
        [...name('dotaxpy'), 0x00, 6],
        [...name('rank2acc'), 0x00, 7],
      ]),
    ),
    ...section(
      10,
      vec([
        [...uleb(gemm.length), ...gemm],
        [...uleb(pack.length), ...pack],
        [...uleb(trsm.length), ...trsm],
        [...uleb(rot.length), ...rot],
        ...level2.map((body) => [...uleb(body.length), ...body]),
      ]),
    ),
  ]);
}

// ---- the JavaScript side ------------------------------------------------------------------------

interface Kernel {
  gemm: (
    ...args: [
      a: number,
      b: number,
      c: number,
      m: number,
      n: number,
      k: number,
      alpha: number,
      lda?: number,
      ldc?: number,
    ]
  ) => void;
  pack: (src: number, dst: number, k: number, np: number) => void;
  trsm: (t: number, b: number, n: number, mp: number, unit: number) => void;
  rot: (pi: number, pj: number, len: number, c: number, s: number) => void;
  colacc: (m: number, ld: number, u: number, rows: number, acc: number, len: number) => void;
  rank1: (m: number, ld: number, u: number, rows: number, acc: number, len: number, tau: number) => void;
  dotaxpy: (m: number, ld: number, v: number, rows: number, len: number, tau: number) => void;
  rank2acc: (
    ...args: [number, number, number, number, number, number, number, number, number, number]
  ) => void;
  mem: WebAssembly.Memory;
  /** A float64 view of all of mem (renewed when it grows). */
  heap: Float64Array;
  module: WebAssembly.Module;
}

let kernel: Kernel | null | undefined;

function instantiate(shared: boolean): Kernel | null {
  const bytes = moduleBytes(shared);
  if (!WebAssembly.validate(bytes)) return null;
  const mem = shared
    ? new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 1 });
  const module = new WebAssembly.Module(bytes);
  const inst = new WebAssembly.Instance(module, { env: { mem } });
  const exports = inst.exports as unknown as Pick<
    Kernel,
    'gemm' | 'pack' | 'trsm' | 'rot' | 'colacc' | 'rank1' | 'dotaxpy' | 'rank2acc'
  >;
  return { ...exports, mem, heap: new Float64Array(mem.buffer), module };
}

/**
 * The instantiated kernel (on a shared memory where threads are possible, so that the worker pool
 * can run it too), or null where WebAssembly SIMD is unavailable (compiled once).
 */
function getKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  if (typeof WebAssembly !== 'object') return null;
  try {
    kernel = threadsSupported() ? instantiate(true) : null;
  } catch {
    kernel = null;
  }
  try {
    kernel ??= instantiate(false);
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Products of at least this many multiply-adds (and 16 rows) are split over the worker pool. */
const PARALLEL_MIN = 1 << 21;

/**
 * kern.gemm over the pool when it is worth it and running (starting it, for the next products,
 * when it is not yet). A failure of the pool discards this memory too (a stopping worker may
 * still write into it): the next call makes a new kernel.
 */
function runGemm(
  kern: Kernel,
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  lda = 0,
  ldc = 0,
) {
  if (m >= 16 && m * n * k >= PARALLEL_MIN && lda < 65536 && ldc < 65536 && poolWanted()) {
    const pool = activePool(kern.mem);
    if (pool) {
      const rows = Math.max(4, ceil4(Math.ceil(m / (4 * poolThreads(pool)))));
      try {
        parallelGemm(pool, kern.gemm, a, b, c, m, n, k, alpha, rows, 1, lda, ldc);
      } catch (e) {
        kernel = undefined;
        throw e;
      }
      return;
    }
    void startPool(kern.module, kern.mem);
  }
  kern.gemm(a, b, c, m, n, k, alpha, lda, ldc);
}

/** Test hook: forgets the kernel, so the next product instantiates it again (threads or not). */
export function resetGemmKernel(): void {
  kernel = undefined;
}

/** Starts the worker pool for the kernel now and resolves once its workers run (for tests). */
export function startGemmPool(): Promise<void> {
  const kern = getKernel();
  return kern ? startPool(kern.module, kern.mem) : Promise.resolve();
}

/** Test hook: a pool job over the kernel whose workers fault (kind 2: throw, 3: exit, 4: hang). */
export function faultGemmPool(kind: 2 | 3 | 4): void {
  const kern = getKernel();
  const pool = kern && activePool(kern.mem);
  if (!kern || !pool) throw new Error('faultGemmPool: no running pool');
  try {
    parallelGemm(pool, kern.gemm, 0, 0, 0, 1024, 4, 0, 0, 4, kind);
  } catch (e) {
    kernel = undefined;
    throw e;
  }
}

/** The kernel's module and memory, for kernels sharing its memory and pool (wasm-batched.ts). @internal */
export function gemmKernelMemory(): { module: WebAssembly.Module; mem: WebAssembly.Memory } | null {
  const kern = getKernel();
  return kern && { module: kern.module, mem: kern.mem };
}

/** Whether the WebAssembly kernel is in use (false: the JavaScript fallback). */
export function wasmGemmAvailable(): boolean {
  return getKernel() !== null;
}

const ceil4 = (x: number) => (x + 3) & ~3;

/**
 * C[m×n] += alpha · A[m×k] · B[k×n] with the arguments of the JavaScript `gemm` (A addressed by
 * row and column strides, B and C row-major with leading dims ldb and ldc): A, B and
 * C are copied into the kernel's memory padded to multiples of 4, B is packed into column panels
 * there, and C is copied back. Returns
 * false (doing nothing) without WebAssembly SIMD or when the blocks do not fit in 2 GiB.
 */
export function wasmGemm(
  alpha: number,
  a: Float64Array,
  ao: number,
  ars: number,
  acs: number,
  b: Float64Array,
  bo: number,
  ldb: number,
  c: Float64Array,
  co: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
): boolean {
  const kern = getKernel();
  if (!kern) return false;
  const [mp, np] = [ceil4(m), ceil4(n)];
  const heap = heapOf(kern, mp * k + 2 * k * np + mp * np);
  if (!heap) return false;
  // A (mp × k), packed B (k × np), C (mp × np), and B row-major (k × np) to pack from.
  const [ha, hb, hc, hs] = [0, mp * k, mp * k + k * np, mp * k + k * np + mp * np];
  for (let i = 0; i < m; i++) {
    const src = ao + i * ars;
    const dst = ha + i * k;
    if (acs === 1) copyRow(heap, dst, a, src, k);
    else for (let p = 0; p < k; p++) heap[dst + p] = a[src + p * acs]!;
  }
  heap.fill(0, ha + m * k, hb);
  for (let p = 0; p < k; p++) {
    const dst = hs + p * np;
    copyRow(heap, dst, b, bo + p * ldb, n);
    for (let j = n; j < np; j++) heap[dst + j] = 0;
  }
  kern.pack(hs * 8, hb * 8, k, np);
  for (let i = 0; i < m; i++) {
    const dst = hc + i * np;
    copyRow(heap, dst, c, co + i * ldc, n);
    for (let j = n; j < np; j++) heap[dst + j] = 0;
  }
  heap.fill(0, hc + m * np, hc + mp * np);
  runGemm(kern, ha * 8, hb * 8, hc * 8, mp, np, k, alpha);
  for (let i = 0; i < m; i++) copyRow(c, co + i * ldc, heap, hc + i * np, n);
  return true;
}

/**
 * dst[d0..d0+len) = src[s0..]: a loop for short rows (where subarray() + set() would allocate two
 * objects per row), set() for long ones.
 */
function copyRow(dst: Float64Array, d0: number, src: Float64Array, s0: number, len: number): void {
  if (len >= 64) dst.set(src.subarray(s0, s0 + len), d0);
  else for (let j = 0; j < len; j++) dst[d0 + j] = src[s0 + j]!;
}

/** The kernel's memory as float64, holding at least `doubles` values (grown as needed). */
function heapOf(kern: Kernel, doubles: number): Float64Array | null {
  if (doubles * 8 > 2 ** 31) return null;
  if (kern.heap.length < doubles) {
    kern.mem.grow(Math.ceil((doubles * 8 - kern.heap.byteLength) / 65536));
    kern.heap = new Float64Array(kern.mem.buffer);
  }
  return kern.heap;
}

/**
 * Solves T·X = B in place (B := X) for a small n×n triangular T and B n×m with the arguments of
 * triangular.ts trsmBase (non-`tri` form): T and B are copied into the kernel's memory (an upper
 * T with rows and columns reversed, so that the kernel only solves lower triangles), solved there
 * and B copied back. Returns false (doing nothing) without WebAssembly SIMD.
 */
export function wasmTrsm(
  upper: boolean,
  unit: boolean,
  t: Float64Array,
  to: number,
  lda: number,
  b: Float64Array,
  bo: number,
  ldb: number,
  n: number,
  m: number,
  tcs = 1,
): boolean {
  const kern = getKernel();
  if (!kern) return false;
  const mp = ceil4(m);
  const heap = heapOf(kern, n * n + n * mp);
  if (!heap) return false;
  const hb = n * n;
  for (let i = 0; i < n; i++) {
    const src = upper ? n - 1 - i : i;
    const row = to + src * lda;
    const dst = i * n;
    if (upper) for (let s = 0; s <= i; s++) heap[dst + s] = t[row + (n - 1 - s) * tcs]!;
    else for (let s = 0; s <= i; s++) heap[dst + s] = t[row + s * tcs]!;
    const bd = hb + i * mp;
    copyRow(heap, bd, b, bo + src * ldb, m);
    for (let j = m; j < mp; j++) heap[bd + j] = 0;
  }
  kern.trsm(0, hb * 8, n, mp, unit ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const dst = bo + (upper ? n - 1 - i : i) * ldb;
    copyRow(b, dst, heap, hb + i * mp, m);
  }
  return true;
}

/** Rotations of the rows of one matrix (see {@link rowRotators}). */
export interface RowRotator {
  /** Rows i and j ← [c s; −s c]·[row i; row j]. */
  rotate(i: number, j: number, c: number, s: number): void;
  /** Writes the rotated rows back into the matrix (a no-op for the JavaScript fallback). */
  finish(): void;
}

/**
 * Row rotators for row-major matrices (each rows × cols): with WebAssembly SIMD the matrices are
 * copied into the kernel's memory (rows padded to a multiple of 4) and rotated there by `rot`
 * until finish(); nothing else may use the kernel in between. Without it, the JavaScript loop on
 * the matrix itself. Same results either way.
 */
export function rowRotators(mats: { data: Float64Array; rows: number; cols: number }[]): RowRotator[] {
  const kern = mats.some((x) => x.cols >= WASM_ROT_MIN) ? getKernel() : null;
  const lds = mats.map((x) => ceil4(x.cols));
  const total = mats.reduce((sum, x, i) => sum + x.rows * lds[i]!, 0);
  const heap = kern ? heapOf(kern, total) : null;
  if (!kern || !heap) return mats.map(({ data, cols }) => jsRowRotator(data, cols));
  let base = 0;
  return mats.map(({ data, rows, cols }, q) => {
    const ld = lds[q]!;
    const b0 = base;
    base += rows * ld;
    for (let i = 0; i < rows; i++) {
      copyRow(heap, b0 + i * ld, data, i * cols, cols);
      for (let j = cols; j < ld; j++) heap[b0 + i * ld + j] = 0;
    }
    const rot = kern.rot;
    return {
      rotate: (i, j, c, s) => rot((b0 + i * ld) * 8, (b0 + j * ld) * 8, ld, c, s),
      finish: () => {
        for (let i = 0; i < rows; i++) copyRow(data, i * cols, heap, b0 + i * ld, cols);
      },
    };
  });
}

/**
 * Rows shorter than this are rotated by the JavaScript loop: for them copying into the kernel's
 * memory and calling across costs more than it saves (batches of 4×4 eigh/svd).
 */
export const WASM_ROT_MIN = 16;

/** The JavaScript row rotator on `data` itself (finish() does nothing); reusable. */
export function jsRowRotator(data: Float64Array, cols: number): RowRotator {
  return {
    rotate: (i, j, c, s) => rotateRowsJs(data, i * cols, j * cols, cols, c, s),
    finish: () => {},
  };
}

function rotateRowsJs(buf: Float64Array, oi: number, oj: number, len: number, c: number, s: number): void {
  for (let t = 0; t < len; t++) {
    const x = buf[oi + t]!;
    const y = buf[oj + t]!;
    buf[oi + t] = c * x + s * y;
    buf[oj + t] = c * y - s * x;
  }
}

/**
 * The level-2 kernels of wasm-level2.ts on the kernel's memory, addressed in doubles (offsets and
 * leading dims; `len` even), with a float64 view `heap` of at least `doubles` values. The view
 * is valid until the next product or solve in WebAssembly (which may grow the memory), so a
 * caller keeps its work in it only while it calls nothing else. Null without WebAssembly SIMD.
 */
export interface Level2 {
  heap: Float64Array;
  /** acc[j] = Σ_i u[i]·M[i][j]. */
  colacc(m: number, ld: number, u: number, rows: number, acc: number, len: number): void;
  /** M[i][j] −= (τ·u[i])·acc[j]. */
  rank1(m: number, ld: number, u: number, rows: number, acc: number, len: number, tau: number): void;
  /** Per row: d = τ·(M[i]·v); M[i][j] −= d·v[j]. */
  dotaxpy(m: number, ld: number, v: number, rows: number, len: number, tau: number): void;
  /** Per row: M[i][j] −= u[i]·wc[j] + w[i]·uc[j]; acc[j] += un[i]·M[i][j] (acc zeroed first). */
  rank2acc(
    m: number,
    ld: number,
    u: number,
    w: number,
    un: number,
    rows: number,
    uc: number,
    wc: number,
    acc: number,
    len: number,
  ): void;
}

export function level2Workspace(doubles: number): Level2 | null {
  const kern = getKernel();
  const heap = kern ? heapOf(kern, doubles) : null;
  if (!kern || !heap) return null;
  const { colacc, rank1, dotaxpy, rank2acc } = kern;
  return {
    heap,
    colacc: (m, ld, u, rows, acc, len) => colacc(m * 8, ld * 8, u * 8, rows, acc * 8, len),
    rank1: (m, ld, u, rows, acc, len, tau) => rank1(m * 8, ld * 8, u * 8, rows, acc * 8, len, tau),
    dotaxpy: (m, ld, v, rows, len, tau) => dotaxpy(m * 8, ld * 8, v * 8, rows, len, tau),
    rank2acc: (m, ld, u, w, un, rows, uc, wc, acc, len) =>
      rank2acc(m * 8, ld * 8, u * 8, w * 8, un * 8, rows, uc * 8, wc * 8, acc * 8, len),
  };
}

/**
 * The kernel's memory and its product for callers that keep a whole factorization there
 * (wasm-lu.ts), so that their updates need no copies: `gemm(a, lda, b, c, ldc, m, n, k, alpha)`,
 * C[m×n] += alpha·A[m×k]·B with A and C row-major (leading dims lda, ldc) and B packed as `pack`
 * lays it out, offsets and leading dims in doubles, m and n multiples of 4, over the pool when
 * large. The heap view is valid until the memory grows (the next `inPlaceKernel`, or any other
 * product or solve in WebAssembly). Null without WebAssembly SIMD or beyond 2 GiB.
 */
export interface InPlaceKernel {
  mem: WebAssembly.Memory;
  heap: Float64Array;
  gemm(
    ...args: [
      a: number,
      lda: number,
      b: number,
      c: number,
      ldc: number,
      m: number,
      n: number,
      k: number,
      alpha: number,
    ]
  ): void;
}

export function inPlaceKernel(doubles: number): InPlaceKernel | null {
  const kern = getKernel();
  const heap = kern ? heapOf(kern, doubles) : null;
  if (!kern || !heap) return null;
  return {
    mem: kern.mem,
    heap,
    gemm: (a, lda, b, c, ldc, m, n, k, alpha) => runGemm(kern, a * 8, b * 8, c * 8, m, n, k, alpha, lda, ldc),
  };
}
