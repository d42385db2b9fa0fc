/**
 * The triangular solve's gA for few right-hand sides (src/backends/cpu/linalg/triangular-grad.ts,
 * taken by the backward when nothing records it): against the op's general formula (the outer
 * product, neg and the projection as tensors, taken with createGraph) for left and right solves,
 * upper and lower, unit and non-unit diagonals, the internal `trans` solve, batches, one to five
 * right-hand sides (five: the formula itself) and NaN in the gradient.
 */
import { describe, expect, it } from 'vitest';
import { autograd, randn, type Tensor, tensor } from '../src/index.js';
import { solveTriangularCore } from '../src/ops/linalg/triangular.js';

function grads(
  a0: Tensor,
  b0: Tensor,
  w: Tensor,
  o: { upper: boolean; left: boolean; unitriangular: boolean; trans?: boolean },
) {
  const a = tensor(a0.dataSync(), { shape: [...a0.shape], dtype: 'float64', requiresGrad: true });
  const b = tensor(b0.dataSync(), { shape: [...b0.shape], dtype: 'float64', requiresGrad: true });
  const f = () => solveTriangularCore(a, b, o).mul(w).sum();
  const direct = autograd.grad([f()], [a, b]);
  const formula = autograd.grad([f()], [a, b], { createGraph: true });
  return [direct.map((t) => Array.from(t!.dataSync())), formula.map((t) => Array.from(t!.dataSync()))];
}

/** A well-conditioned matrix (diagonal 3) with full random entries off it: both triangles read. */
function matrix(batch: number, n: number, seed: number): Tensor {
  const r = randn([batch, n, n], { dtype: 'float64', seed }).dataSync() as Float64Array;
  for (let e = 0; e < batch; e++) for (let i = 0; i < n; i++) r[e * n * n + i * n + i] = 3 + 0.1 * i;
  return tensor(r, { shape: [batch, n, n], dtype: 'float64' });
}

describe('solveTriangular gA for few right-hand sides', () => {
  for (const left of [true, false])
    for (const upper of [true, false])
      for (const unitriangular of [false, true])
        for (const trans of [false, true])
          for (const k of [1, 3, 5]) {
            it(`left ${left}, upper ${upper}, unit ${unitriangular}, trans ${trans}, ${k} right-hand sides`, () => {
              const [batch, n] = [2, 7];
              const a = matrix(batch, n, 1);
              const shape = left ? [batch, n, k] : [batch, k, n];
              const b = randn(shape, { dtype: 'float64', seed: 2 });
              const w = randn(shape, { dtype: 'float64', seed: 3 });
              const [direct, formula] = grads(a, b, w, { upper, left, unitriangular, trans });
              expect(direct).toEqual(formula);
            });
          }

  it('keeps NaN where the formula has it', () => {
    const n = 5;
    const a = matrix(1, n, 4);
    const b = randn([1, n, 1], { dtype: 'float64', seed: 5 });
    const wd = new Float64Array(n).fill(1);
    wd[2] = Number.NaN;
    const w = tensor(wd, { shape: [1, n, 1], dtype: 'float64' });
    const [direct, formula] = grads(a, b, w, { upper: false, left: true, unitriangular: false });
    expect(direct[0]!.map(Number.isNaN)).toEqual(formula[0]!.map(Number.isNaN));
    expect(direct[0]!.some(Number.isNaN)).toBe(true);
  });
});
