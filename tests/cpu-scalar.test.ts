/**
 * The CPU scalar descriptors (src/backends/cpu/scalar.ts): their expressions evaluated on numbers,
 * and the kernels written once against a descriptor (sum, gather, scatter) instantiated for
 * complex over interleaved storage, checked against the real kernels run on each part.
 */
import { describe, expect, it } from 'vitest';
import type { CpuView } from '../src/backends/backend.js';
import { sumCpu } from '../src/backends/cpu/reduce.js';
import { COMPLEX, type CpuScalar, compileLoop, type Parts, REAL } from '../src/backends/cpu/scalar.js';
import { gatherCpu, scatterCpu } from '../src/backends/cpu/strided.js';
import { random } from './helpers/random.js';

/** Evaluates a descriptor's expression parts with variables bound to values. */
function evaluate(e: Parts, vars: Record<string, number>): number[] {
  const names = Object.keys(vars);
  return e.map((x) => new Function(...names, `return ${x};`)(...names.map((n) => vars[n])) as number);
}

const view = (data: Float64Array, shape: number[]): CpuView => ({ data, shape, dtype: 'float64' });

describe('CPU scalar descriptors', () => {
  it('REAL is plain arithmetic; conj is the identity', () => {
    const v = { a: 1.5, b: -2.25 };
    expect(evaluate(REAL.add(['a'], ['b']), v)).toEqual([-0.75]);
    expect(evaluate(REAL.sub(['a'], ['b']), v)).toEqual([3.75]);
    expect(evaluate(REAL.mul(['a'], ['b']), v)).toEqual([-3.375]);
    expect(evaluate(REAL.conj(['a']), v)).toEqual([1.5]);
    expect(evaluate([REAL.abs2(['b'])], v)).toEqual([5.0625]);
    expect(REAL.fromReal('a')).toEqual(['a']);
    expect(REAL.load('x', 'i')).toEqual(['x[i]']);
  });

  it('COMPLEX follows the complex rules on (re, im) parts', () => {
    const v = { ar: 1, ai: 2, br: 3, bi: -4 };
    const a = ['ar', 'ai'];
    const b = ['br', 'bi'];
    expect(evaluate(COMPLEX.add(a, b), v)).toEqual([4, -2]);
    expect(evaluate(COMPLEX.sub(a, b), v)).toEqual([-2, 6]);
    // (1 + 2i)(3 − 4i) = 3 − 4i + 6i + 8 = 11 + 2i
    expect(evaluate(COMPLEX.mul(a, b), v)).toEqual([11, 2]);
    expect(evaluate(COMPLEX.conj(a), v)).toEqual([1, -2]);
    expect(evaluate([COMPLEX.abs2(b)], v)).toEqual([25]);
    expect(evaluate(COMPLEX.fromReal('br'), v)).toEqual([3, 0]);
  });

  it('load and store address interleaved elements', () => {
    const roundTrip = (s: CpuScalar, data: number[]) => {
      const out = new Float64Array(data.length);
      compileLoop(['x', 'y', 'n'], `for (let i = 0; i < n; i++) { ${s.store('y', 'i', s.load('x', 'i'))} }`)(
        Float64Array.from(data),
        out,
        data.length / s.width,
      );
      return [...out];
    };
    expect(roundTrip(REAL, [1, 2, 3])).toEqual([1, 2, 3]);
    expect(roundTrip(COMPLEX, [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
  });
});

describe('kernels written against a scalar descriptor', () => {
  /** The real and imaginary parts of an interleaved array. */
  const parts = (z: Float64Array) => [0, 1].map((q) => z.filter((_, i) => i % 2 === q));

  it('sum over complex elements is the sum of each part', () => {
    const shape = [3, 4, 5];
    const z = random(2 * 60, 7);
    for (const dims of [[0], [1], [2], [0, 2], [0, 1, 2]]) {
      const outShape = shape.filter((_, i) => !dims.includes(i));
      const n = outShape.reduce((a, b) => a * b, 1);
      const out = new Float64Array(2 * n);
      sumCpu(view(z, shape), view(out, outShape), dims, COMPLEX);
      const [re, im] = parts(out);
      parts(z).forEach((p, q) => {
        const ref = new Float64Array(n);
        sumCpu(view(p, shape), view(ref, outShape), dims);
        expect([...(q === 0 ? re : im)]).toEqual([...ref]);
      });
    }
  });

  it('gather and scatter move whole complex elements through a view', () => {
    // The transpose of a 3×4 matrix: shape [4, 3], strides [1, 4].
    const v = { shape: [4, 3], strides: [1, 4], offset: 0 };
    const z = random(24, 11);
    const t = new Float64Array(24);
    gatherCpu(view(z, [3, 4]), view(t, [4, 3]), v, COMPLEX);
    const [tre, tim] = parts(t);
    parts(z).forEach((p, q) => {
      const ref = new Float64Array(12);
      gatherCpu(view(p, [3, 4]), view(ref, [4, 3]), v);
      expect([...(q === 0 ? tre : tim)]).toEqual([...ref]);
    });
    const back = new Float64Array(24);
    scatterCpu(view(t, [4, 3]), view(back, [3, 4]), v, COMPLEX);
    expect([...back]).toEqual([...z]);
  });
});
