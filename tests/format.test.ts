/**
 * Printing: String(t), console.log(t) (util.inspect) and JSON.stringify(t) show values the way
 * PyTorch prints them. The expected strings are what torch 2.x prints for the same tensors (its
 * `tensor(`, `grad_fn=<…>`, `requires_grad=True` and `dtype=torch.float32` spelled the
 * linagrad way).
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { arange, eye, linalg, setDefaultDtype, setPrintOptions, tensor, zeros } from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

afterEach(() => setPrintOptions());

describe('printing', () => {
  it('shows the values of a float64 tensor in fixed-point with 4 digits, rows aligned', () => {
    expect(
      String(
        tensor([
          [1, 2],
          [3, 4.5],
        ]),
      ),
    ).toBe('tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]])');
    expect(String(tensor([-1.5, 2.25]))).toBe('tensor([-1.5000,  2.2500])');
  });

  it('integer-valued floats print as `1.`, a 0-d tensor without brackets', () => {
    expect(String(tensor([1, 2, 3]))).toBe('tensor([1., 2., 3.])');
    expect(String(tensor(3))).toBe('tensor(3.)');
    expect(String(tensor(-0.5))).toBe('tensor(-0.5000)');
  });

  it('a wide range of magnitudes switches to scientific notation with a two-digit exponent', () => {
    expect(String(tensor([1e-5, 1, 1e5]))).toBe('tensor([1.0000e-05, 1.0000e+00, 1.0000e+05])');
  });

  it('nan and ±inf print as PyTorch does', () => {
    expect(String(tensor([Number.NaN, Number.POSITIVE_INFINITY, -1]))).toBe('tensor([nan, inf, -1.])');
  });

  it('names the dtype only when it is not the default, and int32 always', () => {
    expect(String(tensor([1, 2], { dtype: 'float32' }))).toBe('tensor([1., 2.], dtype=float32)');
    expect(String(linalg.luFactor(eye(3)).pivots)).toBe('tensor([1, 2, 3], dtype=int32)');
  });

  it('requiresGrad for leaves and gradFn for results of ops', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4.5],
      ],
      { requiresGrad: true },
    );
    expect(String(x)).toBe('tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]], requiresGrad=true)');
    expect(String(x.mul(2).sum())).toBe('tensor(21., gradFn=<sum>)');
  });

  it('3-d tensors separate their matrices with a blank line', () => {
    const t = arange(8).reshape(2, 2, 2);
    expect(String(t)).toBe(
      'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])',
    );
  });

  it('summarizes beyond 1000 elements with the first and last three of each dimension', () => {
    expect(String(arange(1001).div(1000))).toBe(
      'tensor([0.0000, 0.0010, 0.0020,  ..., 0.9980, 0.9990, 1.0000])',
    );
    const lines = String(
      arange(40 * 40)
        .reshape(40, 40)
        .div(1600)
        .add(1),
    ).split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('tensor([[1.0000, 1.0006, 1.0012,  ..., 1.0231, 1.0237, 1.0244],');
    expect(lines[3]).toBe('        ...,');
    expect(lines[6]).toBe('        [1.9750, 1.9756, 1.9762,  ..., 1.9981, 1.9988, 1.9994]])');
  });

  it('wraps long rows at 80 characters, aligned under the first element', () => {
    const s = String(arange(30).div(7));
    for (const line of s.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(s.split('\n')[1]!.startsWith('        ')).toBe(true);
  });

  it('empty tensors show their size', () => {
    expect(String(zeros([0, 3]))).toBe('tensor([], size=[0, 3])');
    expect(String(zeros([0]))).toBe('tensor([])');
  });

  it('setPrintOptions changes precision and threshold; no argument restores the defaults', () => {
    setPrintOptions({ precision: 2 });
    expect(String(tensor([1 / 3]))).toBe('tensor([0.33])');
    setPrintOptions({ threshold: 3 });
    expect(String(arange(10).div(10))).toBe('tensor([0.00, 0.10, 0.20,  ..., 0.70, 0.80, 0.90])');
    setPrintOptions();
    expect(String(tensor([1 / 3]))).toBe('tensor([0.3333])');
    expect(() => setPrintOptions({ precision: -1 })).toThrow(RangeError);
  });

  it('console.log (util.inspect) prints the same string, not the private fields', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4.5],
      ],
      { requiresGrad: true },
    );
    expect(inspect(x)).toBe(String(x));
    expect(inspect({ x })).toContain('tensor([[1.0000, 2.0000],');
    expect(inspect(x)).not.toMatch(/storage|leafHooks|gradOwned/);
  });

  it('JSON.stringify gives the nested values; a disposed tensor says so', () => {
    expect(
      JSON.stringify({
        w: tensor([
          [1, 2],
          [3, 4.5],
        ]),
      }),
    ).toBe('{"w":[[1,2],[3,4.5]]}');
    const t = tensor([1, 2]);
    t.dispose();
    expect(String(t)).toBe('tensor(<disposed>, shape=[2])');
    expect(() => JSON.stringify(t)).toThrow(/JSON.stringify: tensor of shape \[2\] was disposed/);
  });
});

describe('printing complex tensors', () => {
  it('re±imj as torch 2.13, each part its own mode; the dtype when not the default complex', () => {
    expect(String(tensor([1, 2, 3, -1.5], { dtype: 'complex64' }))).toBe(
      'tensor([1.+2.0000j, 3.-1.5000j], dtype=complex64)',
    );
    expect(String(tensor([1, 2, 3, 4], { dtype: 'complex128' }))).toBe('tensor([1.+2.j, 3.+4.j])');
    expect(String(tensor([0.5, -0.25], { dtype: 'complex128' }))).toBe('tensor([0.5000-0.2500j])');
    expect(String(zeros([0], { dtype: 'complex128' }))).toBe('tensor([])');
    setDefaultDtype('float32');
    try {
      expect(String(tensor([1, 2], { dtype: 'complex64' }))).toBe('tensor([1.+2.j])');
      expect(String(tensor([1, 2], { dtype: 'complex128' }))).toBe('tensor([1.+2.j], dtype=complex128)');
    } finally {
      setDefaultDtype('float64');
    }
  });
});

describeWebGPU('printing webgpu tensors', () => {
  it('names the device, points to await t.array() before a read and shows the values after', async () => {
    const t = tensor(
      [
        [1, 2],
        [3, 4.5],
      ],
      { device: 'webgpu', dtype: 'float32', requiresGrad: true },
    );
    expect(String(t)).toBe(
      "tensor(<on webgpu, not read yet: await t.array() reads it>, device='webgpu',\n" +
        '       shape=[2, 2], dtype=float32, requiresGrad=true)',
    );
    await t.array();
    expect(String(t)).toBe(
      "tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]], device='webgpu', dtype=float32, requiresGrad=true)",
    );
    expect(() => JSON.stringify(t)).toThrow(/JSON.stringify\(await t.array\(\)\)/);
  });
});
