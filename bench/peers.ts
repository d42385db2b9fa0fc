/**
 * Library adapters for the benchmark: linagrad (CPU float64, optionally WebGPU float32) and the
 * peers ml-matrix, mathjs and @jax-js/jax (wasm backend).
 *
 * Contract: `prepare(input)` converts the case's inputs to the library's native form (not timed)
 * and returns a runner. `run()` is the timed part and must leave the result fully computed (for
 * lazy libraries it waits for completion). `read(r)` turns one result into flat row-major float64
 * values for checking and takes ownership of `r`; `release(r)` frees a result that was not read.
 * An op a library does not have is simply absent from `ops` (reported as n/a with `missing[op]`).
 */
import type * as JaxModule from '@jax-js/jax';
import * as math from 'mathjs';
import { CholeskyDecomposition, determinant, inverse, Matrix, solve as mlSolve } from 'ml-matrix';
import {
  getWebGPUInfo,
  initWebGPU,
  linalg,
  type Tensor,
  type TensorOptions,
  tensor,
  tidy,
} from '../src/index.js';
import type { CaseInput, OpName } from './cases.js';

export interface Runner<R = unknown> {
  run(): R | Promise<R>;
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
  /** How each op is done, for the README / the legend. */
  how: Partial<Record<OpName, string>>;
  /** Why an op is missing. */
  missing: Partial<Record<OpName, string>>;
  /** Loads the library; throws with a reason if it cannot run here. */
  init?(): Promise<string | undefined>;
  ops: Partial<Record<OpName, (input: CaseInput) => Runner<never>>>;
}

const runner = <R>(r: Runner<R>): Runner<never> => r as unknown as Runner<never>;

function shapeOf(input: CaseInput): number[] {
  return input.batch > 1 ? [input.batch, input.n, input.n] : [input.n, input.n];
}

// ---------------------------------------------------------------------------------------------
// linagrad (this repository), CPU float64.

function toF64(t: Tensor): Float64Array {
  const d = t.dataSync();
  return d instanceof Float64Array ? d : Float64Array.from(d as ArrayLike<number>);
}

export const linagradCpu: Library = {
  name: 'linagrad',
  dtype: 'float64',
  baseline: true,
  how: {
    inv: 'linalg.inv (batched)',
    invBackward: 'linalg.inv(A).sum().backward()',
    solve: 'linalg.solve',
    cholesky: 'linalg.cholesky',
    det: 'linalg.det',
  },
  missing: {},
  ops: {
    inv: (input) => {
      const A = tensor(input.a, { shape: shapeOf(input), dtype: 'float64', device: 'cpu' });
      return runner<Tensor>({ run: () => linalg.inv(A), read: toF64, release: (r) => r.dispose() });
    },
    invBackward: (input) => {
      const A = tensor(input.a, {
        shape: shapeOf(input),
        dtype: 'float64',
        device: 'cpu',
        requiresGrad: true,
      });
      return runner<Tensor>({
        run: () => {
          linalg.inv(A).sum().backward();
          const g = A.grad!;
          A.grad = null;
          return g;
        },
        read: toF64,
        release: (r) => r.dispose(),
      });
    },
    solve: (input) => {
      const opts: TensorOptions & { shape: number[] } = { shape: [input.n, input.n], dtype: 'float64' };
      const A = tensor(input.a, opts);
      const B = tensor(input.b!, opts);
      return runner<Tensor>({ run: () => linalg.solve(A, B), read: toF64, release: (r) => r.dispose() });
    },
    cholesky: (input) => {
      const S = tensor(input.a, { shape: [input.n, input.n], dtype: 'float64' });
      return runner<Tensor>({ run: () => linalg.cholesky(S), read: toF64, release: (r) => r.dispose() });
    },
    det: (input) => {
      const A = tensor(input.a, { shape: [input.n, input.n], dtype: 'float64' });
      return runner<Tensor>({ run: () => linalg.det(A), read: toF64, release: (r) => r.dispose() });
    },
  },
};

// ---------------------------------------------------------------------------------------------
// linagrad on WebGPU, float32 (only with --webgpu). The timed part includes reading the result
// back, which is the only way to wait for the GPU.

function gpuRunner(make: () => Tensor, inputs: Tensor[], useTidy = true): Runner<never> {
  return runner<Float32Array>({
    run: async () => {
      const x = useTidy ? tidy(make) : make();
      const d = (await x.data()) as Float32Array;
      x.dispose();
      return d;
    },
    read: (d) => Float64Array.from(d),
    cleanup: () => {
      for (const t of inputs) t.dispose();
    },
  });
}

const f32 = (a: Float64Array) => Float32Array.from(a);

export const linagradWebGPU: Library = {
  name: 'linagrad webgpu f32',
  dtype: 'float32',
  informational: true,
  how: {
    inv: 'linalg.inv on webgpu + readback',
    invBackward: 'inv(A).sum().backward() on webgpu + readback of A.grad',
    solve: 'linalg.solve on webgpu + readback',
    cholesky: 'linalg.cholesky on webgpu + readback',
    det: 'linalg.det on webgpu + readback',
  },
  missing: {},
  async init() {
    const info = await initWebGPU();
    return `adapter: ${info.adapter} (${info.backend})`;
  },
  ops: {
    inv: (input) => {
      const A = tensor(f32(input.a), { shape: shapeOf(input), device: 'webgpu' });
      return gpuRunner(() => linalg.inv(A), [A]);
    },
    invBackward: (input) => {
      const A = tensor(f32(input.a), { shape: shapeOf(input), device: 'webgpu', requiresGrad: true });
      // Not inside tidy(): there, reading the returned A.grad fails with "WebGPU read: the storage
      // was already freed" (linagrad bug seen with linalg.inv + backward and linalg.solve inside
      // tidy on WebGPU; linalg.invEx + backward is fine). Intermediates go to the GC safety net.
      return gpuRunner(
        () => {
          linalg.inv(A).sum().backward();
          const g = A.grad!;
          A.grad = null;
          return g;
        },
        [A],
        false,
      );
    },
    solve: (input) => {
      const A = tensor(f32(input.a), { shape: [input.n, input.n], device: 'webgpu' });
      const B = tensor(f32(input.b!), { shape: [input.n, input.n], device: 'webgpu' });
      return gpuRunner(() => linalg.solve(A, B), [A, B], false); // same tidy() problem as invBackward
    },
    cholesky: (input) => {
      const S = tensor(f32(input.a), { shape: [input.n, input.n], device: 'webgpu' });
      return gpuRunner(() => linalg.cholesky(S), [S]);
    },
    det: (input) => {
      const A = tensor(f32(input.a), { shape: [input.n, input.n], device: 'webgpu' });
      return gpuRunner(() => linalg.det(A), [A]);
    },
  },
};

export function webgpuAdapterName(): string | null {
  return getWebGPUInfo()?.adapter ?? null;
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
    cholesky: 'new CholeskyDecomposition(S).lowerTriangularMatrix',
    det: 'determinant(A) (LU)',
  },
  missing: { invBackward: 'no autograd' },
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
      const [S] = mlMatrices(input);
      return runner<Matrix>({
        run: () => new CholeskyDecomposition(S!).lowerTriangularMatrix,
        read: (l) => mlFlatten([l]),
      });
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
  },
  missing: { invBackward: 'no autograd', cholesky: 'no Cholesky decomposition in mathjs' },
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
  },
  missing: {},
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
      const S = jaxArray(input.a, [input.n, input.n]);
      return jaxRunner(() => jax!.numpy.linalg.cholesky(S.ref, { symmetrizeInput: false }), [S]);
    },
    det: (input) => {
      const A = jaxArray(input.a, [input.n, input.n]);
      return jaxRunner(() => jax!.numpy.linalg.det(A.ref), [A]);
    },
  },
};

export const PEERS: readonly Library[] = [mlMatrix, mathjs, jaxJs];
