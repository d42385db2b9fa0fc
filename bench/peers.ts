/**
 * Library adapters for the benchmark's JavaScript peers ml-matrix, mathjs and @jax-js/jax (wasm
 * backend); linagrad's own are in linagrad.ts, numpy's and torch's in native.ts.
 *
 * Contract: `prepare(input)` converts the case's inputs to the library's native form (not timed)
 * and returns a runner. `run()` is the timed part and must leave the result fully computed (for
 * lazy libraries it waits for completion). `read(r)` turns one result into flat row-major float64
 * values for checking and takes ownership of `r`; `release(r)` frees a result that was not read.
 * An op a library does not have is simply absent from `ops` (reported as n/a with `missing[op]`).
 */
import type * as JaxModule from '@jax-js/jax';
import * as math from 'mathjs';
import {
  CholeskyDecomposition,
  determinant,
  EigenvalueDecomposition,
  inverse,
  Matrix,
  solve as mlSolve,
  pseudoInverse,
  QrDecomposition,
  SingularValueDecomposition,
} from 'ml-matrix';
import type { CaseInput, OpName } from './cases.js';

export interface Runner<R = unknown> {
  run(): R | Promise<R>;
  /** The time of one run measured by the library itself (ms), when the wall clock would count overhead. */
  elapsed?(r: R): number;
  read(r: R): Float64Array | Promise<Float64Array>;
  release?(r: R): void;
  /** Frees the prepared inputs after the case. */
  cleanup?(): void;
}

export interface Library {
  name: string;
  /** Element type of the computation. */
  dtype: 'float64' | 'float32';
  /** linagrad CPU: the baseline of every ratio. */
  baseline?: boolean;
  /** Shown but left out of ratios' summary (e.g. WebGPU on a software adapter). */
  informational?: boolean;
  /** A native (Python) peer: linagrad's ratio is taken against the best of these. */
  native?: boolean;
  /** How each op is done, for the README / the legend. */
  how: Partial<Record<OpName, string>>;
  /** Why an op is missing. */
  missing: Partial<Record<OpName, string>>;
  /** Loads the library; throws with a reason if it cannot run here. */
  init?(): Promise<string | undefined>;
  ops: Partial<Record<OpName, (input: CaseInput) => Runner<never>>>;
}

export const runner = <R>(r: Runner<R>): Runner<never> => r as unknown as Runner<never>;

export function shapeOf(input: CaseInput): number[] {
  const m = input.m ?? input.n;
  return input.batch > 1 ? [input.batch, m, input.n] : [m, input.n];
}

// ---------------------------------------------------------------------------------------------
// ml-matrix: one Matrix per input matrix; batches are a loop over inverse().

function mlMatrices(input: CaseInput, data = input.a): Matrix[] {
  const { batch, n } = input;
  const out: Matrix[] = [];
  for (let k = 0; k < batch; k++)
    out.push(Matrix.from1DArray(n, n, data.subarray(k * n * n, (k + 1) * n * n)));
  return out;
}

function mlFlatten(ms: readonly Matrix[]): Float64Array {
  const out: number[] = [];
  for (const m of ms) for (const v of m.to1DArray()) out.push(v);
  return Float64Array.from(out);
}

export const mlMatrix: Library = {
  name: 'ml-matrix',
  dtype: 'float64',
  how: {
    inv: 'inverse(A) (LU); batch: a loop over matrices',
    solve: 'solve(A, B) (LU)',
    cholesky: 'new CholeskyDecomposition(S).lowerTriangularMatrix; batch: a loop',
    det: 'determinant(A) (LU)',
    matmul: 'A.mmul(B)',
    svd: 'new SingularValueDecomposition(A) (Golub–Kahan); batch: a loop',
    eigh: 'new EigenvalueDecomposition(S, { assumeSymmetric: true }) (tred2/tql2); batch: a loop',
    qr: 'new QrDecomposition(A) (Householder)',
    pinv: 'pseudoInverse(A) (through the SVD)',
  },
  missing: {
    invBackward: 'no autograd',
    svdvalsBackward: 'no autograd',
    gp: 'no autograd',
    svdvals: 'no singular values without vectors',
    jvpInv: 'no autograd',
    gpHessian: 'no autograd',
    jacrevSolve: 'no autograd',
  },
  ops: {
    inv: (input) => {
      const ms = mlMatrices(input);
      return runner<Matrix[]>({
        run: () => {
          const out: Matrix[] = new Array(ms.length);
          for (let k = 0; k < ms.length; k++) out[k] = inverse(ms[k]!);
          return out;
        },
        read: mlFlatten,
      });
    },
    solve: (input) => {
      const [A] = mlMatrices(input);
      const [B] = mlMatrices(input, input.b!);
      return runner<Matrix>({ run: () => mlSolve(A!, B!), read: (x) => mlFlatten([x]) });
    },
    cholesky: (input) => {
      const ss = mlMatrices(input);
      return runner<Matrix[]>({
        run: () => ss.map((s) => new CholeskyDecomposition(s).lowerTriangularMatrix),
        read: mlFlatten,
      });
    },
    matmul: (input) => {
      const [A] = mlMatrices(input);
      const [B] = mlMatrices(input, input.b!);
      return runner<Matrix>({ run: () => A!.mmul(B!), read: (x) => mlFlatten([x]) });
    },
    svd: (input) => {
      const as = mlMatrices(input);
      return runner<SingularValueDecomposition[]>({
        run: () => as.map((a) => new SingularValueDecomposition(a)),
        read: (ds) =>
          Float64Array.from([
            ...mlFlatten(ds.map((d) => d.leftSingularVectors)),
            ...ds.flatMap((d) => d.diagonal),
            ...mlFlatten(ds.map((d) => d.rightSingularVectors.transpose())),
          ]),
      });
    },
    eigh: (input) => {
      const as = mlMatrices(input);
      return runner<EigenvalueDecomposition[]>({
        run: () => as.map((a) => new EigenvalueDecomposition(a, { assumeSymmetric: true })),
        read: (ds) =>
          Float64Array.from([
            ...ds.flatMap((d) => d.realEigenvalues),
            ...mlFlatten(ds.map((d) => d.eigenvectorMatrix)),
          ]),
      });
    },
    qr: (input) => {
      const [A] = mlMatrices(input);
      return runner<QrDecomposition>({
        run: () => new QrDecomposition(A!),
        read: (d) => mlFlatten([d.orthogonalMatrix, d.upperTriangularMatrix]),
      });
    },
    pinv: (input) => {
      const A = Matrix.from1DArray(input.m!, input.n, input.a);
      return runner<Matrix>({ run: () => pseudoInverse(A), read: (x) => mlFlatten([x]) });
    },
    det: (input) => {
      const [A] = mlMatrices(input);
      return runner<number>({ run: () => determinant(A!), read: (d) => Float64Array.of(d) });
    },
  },
};

// ---------------------------------------------------------------------------------------------
// mathjs: plain nested arrays (number[][]); batches are a loop over math.inv().

function nested(data: Float64Array, offset: number, rows: number, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rows; i++)
    out.push(Array.from(data.subarray(offset + i * cols, offset + (i + 1) * cols)));
  return out;
}

function flatNested(values: unknown): Float64Array {
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (math.isMatrix(v)) walk((v as math.Matrix).toArray());
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else out.push(v as number);
  };
  walk(values);
  return Float64Array.from(out);
}

export const mathjs: Library = {
  name: 'mathjs',
  dtype: 'float64',
  how: {
    inv: 'math.inv(A) on number[][]; batch: a loop over matrices',
    solve: 'math.lup(A) then math.lusolve(lup, column) per column of B (lusolve takes one column)',
    det: 'math.det(A)',
    matmul: 'math.multiply(A, B) on number[][]',
  },
  missing: {
    invBackward: 'no autograd',
    cholesky: 'no Cholesky decomposition in mathjs',
    svd: 'no SVD in mathjs',
    svdvals: 'no SVD in mathjs',
    svdvalsBackward: 'no autograd',
    gp: 'no autograd',
    jvpInv: 'no autograd',
    gpHessian: 'no autograd',
    jacrevSolve: 'no autograd',
    eigh: 'not run (math.eigs is too slow at 256)',
    qr: 'not run (math.qr is too slow at 256)',
    pinv: 'not run (math.pinv is too slow at 256×128)',
  },
  ops: {
    inv: (input) => {
      const { batch, n } = input;
      const ms: number[][][] = [];
      for (let k = 0; k < batch; k++) ms.push(nested(input.a, k * n * n, n, n));
      return runner<number[][][]>({
        run: () => {
          const out: number[][][] = new Array(batch);
          for (let k = 0; k < batch; k++) out[k] = math.inv(ms[k]!);
          return out;
        },
        read: flatNested,
      });
    },
    solve: (input) => {
      const { n } = input;
      const A = nested(input.a, 0, n, n);
      const b = input.b!;
      const cols: number[][][] = [];
      for (let j = 0; j < n; j++) {
        const c: number[][] = [];
        for (let i = 0; i < n; i++) c.push([b[i * n + j]!]);
        cols.push(c);
      }
      return runner<unknown[]>({
        run: () => {
          const lu = math.lup(A);
          return cols.map((c) => math.lusolve(lu, c));
        },
        read: (xs) => {
          // xs[j] is column j of X (n×1): transpose back to row-major X.
          const colsFlat = xs.map(flatNested);
          const out = new Float64Array(n * n);
          for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[i * n + j] = colsFlat[j]![i]!;
          return out;
        },
      });
    },
    det: (input) => {
      const A = nested(input.a, 0, input.n, input.n);
      return runner<number>({ run: () => math.det(A), read: (d) => Float64Array.of(d) });
    },
    matmul: (input) => {
      const A = nested(input.a, 0, input.n, input.n);
      const B = nested(input.b!, 0, input.n, input.n);
      return runner<number[][]>({ run: () => math.multiply(A, B), read: flatNested });
    },
  },
};

// ---------------------------------------------------------------------------------------------
// @jax-js/jax on its wasm backend, float64, eager (no jit). Arrays are lazy and reference
// counted: every use passes `A.ref`, and run() waits with blockUntilReady().

type Jax = typeof JaxModule;
type JaxArray = JaxModule.numpy.Array;
let jax: Jax | null = null;

function jaxRunner(make: () => JaxArray, inputs: JaxArray[]): Runner<never> {
  return runner<JaxArray>({
    run: async () => {
      const x = make();
      await x.blockUntilReady();
      return x;
    },
    read: (x) => Float64Array.from(x.dataSync() as ArrayLike<number>), // dataSync() consumes x
    release: (x) => x.dispose(),
    cleanup: () => {
      for (const a of inputs) a.dispose();
    },
  });
}

/** Several outputs (svd, eigh), read in order. */
function jaxRunnerMulti(make: () => JaxArray[], inputs: JaxArray[]): Runner<never> {
  return runner<JaxArray[]>({
    run: async () => {
      const xs = make();
      for (const x of xs) await x.blockUntilReady();
      return xs;
    },
    read: (xs) => Float64Array.from(xs.flatMap((x) => Array.from(x.dataSync() as ArrayLike<number>))),
    release: (xs) => {
      for (const x of xs) x.dispose();
    },
    cleanup: () => {
      for (const a of inputs) a.dispose();
    },
  });
}

function jaxArray(data: Float64Array, shape: number[]): JaxArray {
  const np = jax!.numpy;
  return np.array(data, { shape, dtype: np.float64 });
}

export const jaxJs: Library = {
  name: 'jax-js',
  dtype: 'float64',
  how: {
    inv: 'numpy.linalg.inv (batched), wasm, eager',
    invBackward: 'grad(a => numpy.linalg.inv(a).sum())',
    solve: 'numpy.linalg.solve',
    cholesky: 'numpy.linalg.cholesky(S, { symmetrizeInput: false })',
    det: 'numpy.linalg.det',
    matmul: 'numpy.matmul',
    svd: 'numpy.linalg.svd(A, { fullMatrices: false })',
    svdvals: 'numpy.linalg.svdvals',
    eigh: 'numpy.linalg.eigh',
    jvpInv: 'jvp(numpy.linalg.inv, [A], [V])',
  },
  missing: {
    gpHessian: 'not ported to jax-js',
    jacrevSolve: 'not ported to jax-js',
    qr: 'no numpy.linalg.qr in jax-js 0.1',
    pinv: 'no numpy.linalg.pinv in jax-js 0.1',
    svdvalsBackward: 'not run (no svdvals gradient checked in jax-js)',
    gp: 'not ported to jax-js',
  },
  async init() {
    // jax-js 0.1.x tests `x instanceof Float16Array` when building arrays; Node 20 has no
    // Float16Array (Node >= 24 does), so give it a stand-in that no value is an instance of.
    const g = globalThis as { Float16Array?: unknown };
    if (typeof g.Float16Array === 'undefined') {
      g.Float16Array = class Float16ArrayUnavailable {
        constructor() {
          throw new Error('Float16Array is not available in this Node version');
        }
      };
    }
    jax = (await import('@jax-js/jax')) as Jax;
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`wasm backend unavailable (got ${devices.join(', ')})`);
    jax.defaultDevice('wasm');
    const threads =
      typeof SharedArrayBuffer !== 'undefined' &&
      typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined'
        ? 'multi-threaded wasm'
        : 'single-threaded wasm (no global Worker in Node)';
    return threads;
  },
  ops: {
    inv: (input) => {
      const A = jaxArray(input.a, shapeOf(input));
      return jaxRunner(() => jax!.numpy.linalg.inv(A.ref), [A]);
    },
    invBackward: (input) => {
      const A = jaxArray(input.a, shapeOf(input));
      const np = jax!.numpy;
      const g = jax!.grad((a: JaxArray) => np.linalg.inv(a).sum());
      return jaxRunner(() => g(A.ref) as JaxArray, [A]);
    },
    solve: (input) => {
      const A = jaxArray(input.a, [input.n, input.n]);
      const B = jaxArray(input.b!, [input.n, input.n]);
      return jaxRunner(() => jax!.numpy.linalg.solve(A.ref, B.ref), [A, B]);
    },
    cholesky: (input) => {
      const S = jaxArray(input.a, shapeOf(input));
      return jaxRunner(() => jax!.numpy.linalg.cholesky(S.ref, { symmetrizeInput: false }), [S]);
    },
    det: (input) => {
      const A = jaxArray(input.a, [input.n, input.n]);
      return jaxRunner(() => jax!.numpy.linalg.det(A.ref), [A]);
    },
    matmul: (input) => {
      const A = jaxArray(input.a, [input.n, input.n]);
      const B = jaxArray(input.b!, [input.n, input.n]);
      return jaxRunner(() => jax!.numpy.matmul(A.ref, B.ref), [A, B]);
    },
    svd: (input) => {
      const A = jaxArray(input.a, shapeOf(input));
      return jaxRunnerMulti(() => jax!.numpy.linalg.svd(A.ref, { fullMatrices: false }), [A]);
    },
    svdvals: (input) => {
      const A = jaxArray(input.a, shapeOf(input));
      return jaxRunner(() => jax!.numpy.linalg.svdvals(A.ref), [A]);
    },
    eigh: (input) => {
      const A = jaxArray(input.a, shapeOf(input));
      return jaxRunnerMulti(() => jax!.numpy.linalg.eigh(A.ref), [A]);
    },
    jvpInv: (input) => {
      const A = jaxArray(input.a, shapeOf(input));
      const V = jaxArray(input.b!, shapeOf(input));
      const inv = (a: JaxArray) => jax!.numpy.linalg.inv(a);
      return jaxRunnerMulti(() => jax!.jvp(inv, [A.ref], [V.ref]) as unknown as JaxArray[], [A, V]);
    },
  },
};

export const PEERS: readonly Library[] = [mlMatrix, mathjs, jaxJs];
