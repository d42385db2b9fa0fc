/**
 * Values of the activations and special functions at points where a naive formula fails: erf
 * against known values (CPython's math.erf, correctly rounded to float64 within an ulp), the
 * stable forms of sigmoid/softplus/log1p/expm1 at large |x| and near 0, round's halves to even, and
 * clamp's argument errors. Gradients and WebGPU agreement come from the op table.
 */
import { describe, expect, it } from 'vitest';
import {
  clamp,
  erf,
  expm1,
  gelu,
  log1p,
  relu,
  round,
  sigmoid,
  silu,
  softplus,
  type Tensor,
  tensor,
} from '../src/index.js';

const f64 = (xs: number[]) => tensor(xs, { dtype: 'float64' });
const values = async (t: Tensor) => Array.from(await t.data());
const EPS = 2 ** -52;

/** [x, erf x] from CPython's math.erf. */
const ERF: [number, number][] = [
  [-5.5, -0.9999999999999927],
  [-3, -0.9999779095030014],
  [-2, -0.9953222650189527],
  [-1.5, -0.9661051464753108],
  [-1, -0.8427007929497149],
  [-0.5, -0.5204998778130465],
  [-1e-8, -1.1283791670955126e-8],
  [0, 0],
  [1e-300, 1.1283791670955126e-300],
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465],
  [0.9, 0.7969082124228322],
  [1, 0.8427007929497149],
  [1.5, 0.9661051464753108],
  [1.99, 0.995111413199617],
  [2, 0.9953222650189527],
  [2.01, 0.9955248493552482],
  [2.5, 0.999593047982555],
  [3, 0.9999779095030014],
  [4, 0.9999999845827421],
  [5, 0.9999999999984626],
  [5.9, 0.9999999999999999],
  [6.5, 1],
];

describe('erf', () => {
  it('matches known float64 values to within 5 ulp', async () => {
    const got = await values(erf(f64(ERF.map(([x]) => x))));
    ERF.forEach(([x, want], i) => {
      expect(Math.abs(got[i] - want), `erf(${x}) = ${got[i]}, want ${want}`).toBeLessThanOrEqual(
        5 * EPS * Math.abs(want),
      );
    });
  });

  it('is odd, ±1 at ±∞ and NaN at NaN', async () => {
    expect(await values(erf(f64([Infinity, -Infinity, Number.NaN])))).toEqual([1, -1, Number.NaN]);
    const [a, b] = await values(erf(f64([0.7, -0.7])));
    expect(a).toBe(-b);
  });

  it('is accurate in float32', async () => {
    const got = await values(erf(tensor(ERF.map(([x]) => x))));
    ERF.forEach(([, want], i) => {
      expect(Math.abs(got[i] - want)).toBeLessThanOrEqual(2 ** -23 * Math.abs(want));
    });
  });
});

describe('stable forms', () => {
  it('sigmoid neither overflows nor loses its tail at large |x|', async () => {
    expect(await values(sigmoid(f64([-1000, -30, 0, 30, 1000])))).toEqual([
      0,
      Math.exp(-30) / (1 + Math.exp(-30)),
      0.5,
      1 / (1 + Math.exp(-30)),
      1,
    ]);
  });

  it('softplus is finite at large |x| and x past the threshold', async () => {
    const [a, b, c, d] = await values(softplus(f64([-1000, 0, 19, 1000])));
    expect(a).toBe(0);
    expect(b).toBe(Math.LN2);
    expect(c).toBeCloseTo(19 + Math.log1p(Math.exp(-19)), 15);
    expect(d).toBe(1000);
    expect(await values(softplus(f64([3]), 2, 5))).toEqual([3]);
  });

  it("softplus's gradient is sigmoid(βx), ½ at 0", async () => {
    const x = f64([-2, 0, 2]).requiresGrad_();
    softplus(x).sum().backward();
    const g = await values(x.grad!);
    expect(g[1]).toBe(0.5);
    expect(g[2]).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
  });

  it('log1p and expm1 keep full precision near 0', async () => {
    expect(await values(log1p(f64([1e-10])))).toEqual([Math.log1p(1e-10)]);
    expect(await values(expm1(f64([1e-10])))).toEqual([Math.expm1(1e-10)]);
    const [l] = await values(log1p(tensor([1e-6])));
    expect(Math.abs(l - Math.log1p(1e-6))).toBeLessThan(1e-6 * 2 ** -22);
  });

  it('silu, relu and gelu at large |x|', async () => {
    expect(await values(silu(f64([-1000, 1000])))).toEqual([-0, 1000]);
    expect(await values(relu(f64([-1, 0, 2])))).toEqual([0, 0, 2]);
    expect(await values(gelu(f64([-40, 40])))).toEqual([-0, 40]);
    expect(await values(gelu(f64([-40, 40]), 'tanh'))).toEqual([-0, 40]);
  });
});

describe('round and clamp', () => {
  it('round sends halves to even, as PyTorch', async () => {
    expect(await values(round(f64([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6, -2.6])))).toEqual([
      -2, -2, -0, 0, 2, 2, 3, -3,
    ]);
  });

  it('clamp takes numbers or tensors, either bound alone, and max where min > max', async () => {
    const x = f64([-2, 0.5, 3]);
    expect(await values(clamp(x, -1, 1))).toEqual([-1, 0.5, 1]);
    expect(await values(clamp(x, null, 1))).toEqual([-2, 0.5, 1]);
    expect(await values(x.clamp(0))).toEqual([0, 0.5, 3]);
    expect(await values(clamp(x, f64([0, 1, 2]), f64([4])))).toEqual([0, 1, 3]);
    expect(await values(clamp(x, 1, -1))).toEqual([-1, -1, -1]);
    expect(() => clamp(x)).toThrow(new TypeError("clamp: At least one of 'min' or 'max' must not be None"));
  });

  it('clamp sends the gradient to x inside [min, max] (ends included) and to the bound taken outside', async () => {
    const x = f64([-2, -1, 0.5, 1, 3]).requiresGrad_();
    const lo = f64([-1]).requiresGrad_();
    clamp(x, lo, 1).sum().backward();
    expect(await values(x.grad!)).toEqual([0, 1, 1, 1, 0]);
    expect(await values(lo.grad!)).toEqual([1]);
  });
});
