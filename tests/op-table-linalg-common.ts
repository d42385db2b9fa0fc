/**
 * What the linear-algebra entries of the op table share: batch shapes, cases drawn from the
 * matrix arbitraries, the WebGPU size list, run counts, error-case makers and condition-aware
 * WebGPU tolerances. The entries live by family in op-table-linalg-{lu,solve,spectral,derived}.ts;
 * op-table-linalg.ts gathers them.
 *
 * Every random case draws its batch from BATCHES ([] — plain 2-D matrices —, [2], [2, 1] and the
 * empty [0]) and its matrix size from 0–6; `cond` is the 2-norm condition number known by
 * construction, from which the WebGPU tolerances follow (agreementTolerance: η = c·n·eps32 with
 * n the matrix size, times cond).
 */
import fc from 'fast-check';
import {
  agreementTolerance,
  type ErrorCase,
  type InputSpec,
  type MakeTensor,
  type MatrixSample,
  type OpCase,
  spdMatrix,
  type TensorSample,
  type Tolerance,
  wellConditionedMatrix,
} from '../gradcheck/index.js';
import { cat, diagEmbed, LinAlgError, type Tensor } from '../src/index.js';

/** Batch shapes of the random cases: plain 2-D, one dim, a broadcastable [2, 1], and empty. */
export const BATCHES: readonly number[][] = [[], [2], [2, 1], [0]];
/** Shrinks to the plain 2-D case first. */
export const batchArb: fc.Arbitrary<number[]> = fc.constantFrom(...BATCHES.map((b) => [...b]));
export const MAX_N = 6;
export const sizeArb = (min = 0, max = MAX_N): fc.Arbitrary<number> => fc.integer({ min, max });
export const seedArb = fc.integer({ min: 0, max: 0x7fffffff });

/**
 * fast-check runs per entry, scaled by `k` (the fixed samples always run). The whole op-table file
 * must stay within a few minutes on 2 loaded cores with the slow software WebGPU adapter.
 */
export function runs(k = 1): { gradcheck: { numRuns: number }; gradgradcheck: { numRuns: number } } {
  return { gradcheck: { numRuns: Math.round(60 * k) }, gradgradcheck: { numRuns: Math.round(25 * k) } };
}
export const gpuRuns = (k = 1): number => Math.round(60 * k);

/** A sample as a differentiated op input (without the MatrixSample fields that describeCase would not show). */
export function input(s: TensorSample): InputSpec {
  return { shape: [...s.shape], data: s.data };
}

/** The known condition number of a sample (exact, else the proven bound); undefined when infinite. */
export const condOf = (s: MatrixSample): number | undefined => s.cond ?? s.condBound;

/** One-matrix cases: a matrix from `arb(batch)` for a batch from BATCHES, args from `args`. */
export function matrixCases<A>(
  arb: (batch: number[]) => fc.Arbitrary<MatrixSample>,
  args: fc.Arbitrary<A>,
): fc.Arbitrary<OpCase<A>> {
  return fc
    .tuple(batchArb.chain(arb), args)
    .map(([s, a]) => ({ inputs: [input(s)], args: a, cond: condOf(s) }));
}

/** The first value of an arbitrary for a fixed seed (fixed samples are drawn from the arbitraries). */
export function pick<T>(arb: fc.Arbitrary<T>, seed = 1): T {
  return fc.sample(arb, { seed, numRuns: 1 })[0];
}

/** A labelled one-matrix case from a sample. */
export function matrixCase<A>(label: string, s: MatrixSample, args: A): OpCase<A> {
  return { label, inputs: [input(s)], args, cond: condOf(s) };
}

/**
 * The fixed samples of a one-matrix op: 0×0, 1×1 and 3×3 plain 2-D matrices, a [2, 1] batch of
 * 2×2 and an empty [0] batch of 3×3, each from `arb` (given a batch and a size).
 */
export function squareSamples<A>(
  arb: (batch: number[], n: number) => fc.Arbitrary<MatrixSample>,
  args: A,
): OpCase<A>[] {
  const shapes: [string, number[], number][] = [
    ['0x0', [], 0],
    ['1x1', [], 1],
    ['3x3 (2-D)', [], 3],
    ['[2, 1] batch of 2x2', [2, 1], 2],
    ['empty batch [0] of 3x3', [0], 3],
  ];
  return shapes.map(([label, batch, n]) => matrixCase(label, pick(arb(batch, n)), args));
}

/** Matrix size for tolerances: the largest of the last two dims over the inputs (at least 1). */
export function matSize(c: OpCase): number {
  let n = 1;
  for (const s of c.inputs) for (const d of s.shape.slice(-2)) n = Math.max(n, d);
  return n;
}

/** Largest finite |x| of an array (0 if none). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * agreementTolerance for a linalg case: n = the matrix size, κ = the case's cond (1 if unknown),
 * `factor` for chained kernels, atol = rtol·scale.
 */
export function linalgAgreement(c: OpCase, factor: number, scale: number): Tolerance {
  return agreementTolerance({ cond: c.cond ?? 1, n: matSize(c), factor, scale });
}

/**
 * WebGPU-only cases of the LU family (issue requirement): plain matrices of size 1…8, 16 and 64
 * and a batch of 1,000 4×4 matrices, each made by `make(n, batch, seed)`.
 */
export const GPU_SIZES: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 16, 64];
export function gpuSizeCases<A>(make: (n: number, batch: number[], seed: number) => OpCase<A>): OpCase<A>[] {
  return [
    ...GPU_SIZES.map((n) => ({ ...make(n, [], n), label: `webgpu ${n}x${n}` })),
    { ...make(4, [1000], 1000), label: 'webgpu batch of 1,000 4x4' },
  ];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The shape and dtype errors every matrix op shares, with linagrad's (PyTorch's) wording:
 * fewer than 2 dims, int32, and (for `square` ops) non-square matrices. `op` is the name the
 * message starts with, `name` the argument's name in it.
 */
export function matrixErrors(
  op: string,
  call: (a: Tensor, mk: MakeTensor) => unknown,
  o: { square?: boolean; name?: string } = {},
): ErrorCase[] {
  const name = o.name ?? 'A';
  const p = `^${escapeRegExp(op)}: `;
  const errors: ErrorCase[] = [
    {
      desc: '1-D input',
      call: (mk) => call(mk([3]), mk),
      message: new RegExp(
        `${p}The input tensor ${name} must have at least 2 dimensions \\(got shape \\[3\\]\\)$`,
      ),
      type: RangeError,
    },
    {
      desc: 'int32 input',
      call: (mk) => call(mk([2, 2], 'int32'), mk),
      message: new RegExp(`${p}Expected a floating point tensor as ${name}, but got int32`),
      type: TypeError,
    },
  ];
  if (o.square ?? true) {
    errors.unshift({
      desc: 'non-square matrices',
      call: (mk) => call(mk([2, 3, 4]), mk),
      message: new RegExp(`${p}${name} must be batches of square matrices, but they are 3 by 4 matrices$`),
      type: RangeError,
    });
  }
  return errors;
}

/** Well-conditioned square matrices: ‖A‖₂ = 1, κ₂ = cond exactly (default 10). */
export const wc = (batch: number[], n?: number, cond = 10) => wellConditionedMatrix({ batch, rows: n, cond });
/** Symmetric positive-definite matrices: eigenvalues in [1/cond, 1], κ₂ = cond exactly (default 10). */
export const spd = (batch: number[], n?: number, cond = 10) => spdMatrix({ batch, rows: n, cond });

/** The WebGPU size cases of a one-matrix op (gpuSizeCases) drawn from `arb`. */
export function matrixGpuCases<A>(arb: (batch: number[], n: number) => fc.Arbitrary<MatrixSample>, args: A) {
  return gpuSizeCases((n, batch, seed) => matrixCase('', pick(arb(batch, n), seed), args));
}

/** A singular 2×2 (all entries 0.5, as `mk` makes them) between two invertible ones: batch element 1 fails. */
export const singularBatch = (mk: (s: number[]) => Tensor) =>
  cat([diagEmbed(mk([1, 2])), mk([1, 2, 2]), diagEmbed(mk([1, 2]))], 0);

/** A numerical failure: a LinAlgError at once on the cpu, when the result is read on WebGPU. */
export function linalgError(
  desc: string,
  call: (mk: (s: number[]) => Tensor) => Tensor,
  message: RegExp,
): ErrorCase {
  return { desc, call: (mk) => call(mk).data(), message, type: LinAlgError };
}
