/**
 * Error classes, one test each (docs/api.md, "Errors"): AutogradError for misuse of autograd and
 * of tensor lifetimes, LinAlgError for numerical failure, RangeError for shapes, dims and counts,
 * TypeError for wrong kinds (dtype, device, an unreadable device), GradcheckError for a failed
 * gradient check. Each error is an instance of its class, has that `name`, and a message that
 * names the op and says what to do.
 */
import { describe, expect, it } from 'vitest';
import { GradcheckError, gradcheck } from '../gradcheck/index.js';
import {
  AutogradError,
  applyOp1,
  autograd,
  defineOp,
  eye,
  LinAlgError,
  linalg,
  setSpectralGradMode,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('error classes', () => {
  it('AutogradError: backward through a freed graph, a disposed tensor, non-scalar backward', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    const twice = caught(() => y.backward());
    expect(twice).toBeInstanceOf(AutogradError);
    expect(twice.name).toBe('AutogradError');
    expect(twice.message).toMatch(/a second time.*retainGraph: true/);

    const t = tensor([1, 2]);
    t.dispose();
    const disposed = caught(() => t.add(1));
    expect(disposed).toBeInstanceOf(AutogradError);
    expect(disposed.message).toMatch(/disposed.*keep\(tensor\)/);

    expect(() => x.mul(2).backward()).toThrow(AutogradError);
    expect(() => x.mul(2).requiresGrad_(false)).toThrow(AutogradError);
  });

  it('AutogradError: the strict spectral gradient mode at a repeated eigenvalue', () => {
    setSpectralGradMode('strict');
    try {
      // eigenvalues 1, 1, 3: the first eigenvector is any unit vector of a plane (gauge-dependent).
      const A = tensor(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 3],
        ],
        { requiresGrad: true },
      );
      const v0 = linalg.eigh(A).eigenvectors.narrow(-1, 0, 1);
      const e = caught(() =>
        v0
          .matmul(tensor([[1, 2, 3]]))
          .sum()
          .backward(),
      );
      expect(e).toBeInstanceOf(AutogradError);
      expect(e.message).toMatch(/linalg.eigh backward: the gradient is ill-defined/);
    } finally {
      setSpectralGradMode('warn');
    }
  });

  it("LinAlgError: a singular matrix in inv, a matrix that isn't positive-definite in cholesky", () => {
    const singular = caught(() => linalg.inv(zeros([2, 2])));
    expect(singular).toBeInstanceOf(LinAlgError);
    expect(singular.name).toBe('LinAlgError');
    expect(singular.message).toMatch(/^linalg.inv: .*singular/);
    expect(() =>
      linalg.cholesky(
        tensor([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(LinAlgError);
  });

  it('RangeError: wrong shapes, dims and counts', () => {
    const e = caught(() => linalg.inv(zeros([3, 4])));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('linalg.inv: A must be batches of square matrices, but they are 3 by 4 matrices');
    expect(() => tensor([1, 2]).item()).toThrow(RangeError);
    expect(() => tensor([1, 2]).reshape(3)).toThrow(RangeError);
    const x = tensor([1], { requiresGrad: true });
    expect(() => autograd.grad([x.mul(2)], [x], { gradOutputs: [] })).toThrow(RangeError);
  });

  it('TypeError: wrong dtype kinds, and an op that does not have one output', () => {
    const e = caught(() => linalg.luFactor(eye(2)).pivots.requiresGrad_());
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/only floating-point tensors can require gradients, got int32/);
    const two = defineOp({
      name: 'two',
      infer: ([m]) => [m!, m!],
      cpu: () => undefined,
      webgpu: () => undefined,
      backward: 'not-differentiable',
    });
    expect(() => applyOp1(two, [tensor([1])])).toThrow(TypeError);
  });

  it('TypeError: complex where only real is defined, and linalg before it works over C', () => {
    const z = tensor([1, 2, 3, 4], { dtype: 'complex128' });
    expect(() => z.gt(z)).toThrow(
      new TypeError(
        'gt: gt is not supported for complex tensors (complex numbers are not ordered), got complex128 of shape [2]',
      ),
    );
    expect(() => z.maximum(z)).toThrow(
      'maximum: maximum not implemented for complex tensors, got complex128 of shape [2]',
    );
    expect(() => z.erf()).toThrow(TypeError);
    const m = tensor([1, 0, 0, 0, 0, 0, 1, 0], { dtype: 'complex128', shape: [2, 2] });
    expect(() => linalg.cholesky(m)).toThrow(
      new TypeError('linalg.cholesky: complex inputs are not supported yet'),
    );
    expect(() => linalg.svd(m)).toThrow(new TypeError('linalg.svd: complex inputs are not supported yet'));
    expect(zeros([1], { dtype: 'complex64', requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('GradcheckError: a wrong backward formula', () => {
    const wrong = defineOp<undefined, 1, 1>({
      name: 'square',
      infer: ([m]) => [m],
      cpu: ([x], [out]) => {
        x.data.forEach((v, i) => {
          out.data[i] = v * v;
        });
      },
      webgpu: () => undefined,
      backward: ({ inputs: [x] }, [g]) => [g ? g.mul(x) : null], // should be 2·x·g
    });
    const f = (x: Tensor) => applyOp1(wrong, [x]);
    const e = caught(() => gradcheck(f, [tensor([1, 2], { requiresGrad: true })]));
    expect(e).toBeInstanceOf(GradcheckError);
    expect(e.message).toMatch(/Jacobian mismatch for output 0 with respect to input #0/);
  });
});

describeWebGPU('error classes on webgpu', () => {
  it('TypeError: complex128 on webgpu names complex64', () => {
    expect(() => zeros([2], { dtype: 'complex128', device: 'webgpu' })).toThrow(
      new TypeError(
        'complex128 is not supported on WebGPU (WGSL has no f64); create the tensor with { dtype: "complex64" } ' +
          "or convert it with .to('complex64') before moving it to webgpu",
      ),
    );
  });

  it('TypeError: synchronous reads, float64, mixed devices; AutogradError: a cpu leaf moved to webgpu', () => {
    const g = tensor([1, 2], { device: 'webgpu', dtype: 'float32' });
    expect(() => g.toArray()).toThrow(TypeError);
    expect(() => g.narrow(0, 0, 1).item()).toThrow(TypeError);
    expect(() => g.dataSync()).toThrow(/await t.data\(\)/);
    expect(() => tensor([1, 2]).to('webgpu')).toThrow(TypeError);
    expect(() => g.add(tensor([1, 2], { dtype: 'float32' }))).toThrow(TypeError);
    const leaf = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    expect(() => leaf.to('webgpu')).toThrow(AutogradError);
  });
});
