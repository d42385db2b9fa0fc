import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { inferMetas, type OpDef, registeredOps, type TensorMeta } from '../src/ops/registry.js';

// The OpDefs under src/ops/linalg, by name: each states its section (dtypes, core ranks, a shape
// rule on core dims or an `infer` override, a jvp slot), and the registry adds the batch dims.
const f64 = (...shape: number[]): TensorMeta => ({ shape, dtype: 'float64' });
const i32 = (...shape: number[]): TensorMeta => ({ shape, dtype: 'int32' });
const cases: [string, TensorMeta[], unknown, TensorMeta[]][] = [
  ['solveTriangular', [f64(2, 3, 3), f64(2, 3, 4)], { upper: true, left: true }, [f64(2, 3, 4)]],
  ['cholesky', [f64(2, 3, 3)], { upper: false }, [f64(2, 3, 3), i32(2)]],
  ['choleskyInverse', [f64(2, 3, 3)], { upper: false }, [f64(2, 3, 3), i32(2)]],
  ['luFactor', [f64(2, 5, 3)], undefined, [f64(2, 5, 3), i32(2, 3), i32(2)]],
  ['inv', [f64(2, 1, 3, 3)], undefined, [f64(2, 1, 3, 3), i32(2, 1)]],
  ['solve', [f64(2, 3, 3), f64(2, 3, 4)], undefined, [f64(2, 3, 4), i32(2)]],
  ['det', [f64(2, 3, 3)], undefined, [f64(2)]],
  ['slogdet', [f64(3, 3)], undefined, [f64(), f64()]],
  [
    'eigh',
    [f64(2, 3, 3)],
    { upper: false, vectors: true, op: 'linalg.eigh' },
    [f64(2, 3), f64(2, 3, 3), i32(2)],
  ],
  [
    'eigh',
    [f64(2, 3, 3)],
    { upper: false, vectors: false, op: 'linalg.eigvalsh' },
    [f64(2, 3), f64(2, 0), i32(2)],
  ],
  [
    'svd',
    [f64(2, 5, 3)],
    { fullMatrices: false, computeUV: true, op: 'linalg.svd' },
    [f64(2, 5, 3), f64(2, 3), f64(2, 3, 3), i32(2)],
  ],
  [
    'svd',
    [f64(2, 5, 3)],
    { fullMatrices: true, computeUV: true, op: 'linalg.svd' },
    [f64(2, 5, 5), f64(2, 3), f64(2, 3, 3), i32(2)],
  ],
  ['qr', [f64(2, 5, 3)], { mode: 'reduced' }, [f64(2, 5, 3), f64(2, 3, 3)]],
  ['qr', [f64(2, 5, 3)], { mode: 'r' }, [f64(0), f64(2, 3, 3)]],
  [
    'pinv',
    [f64(2, 5, 3)],
    { atol: 0, rtol: 0, hermitian: false },
    [f64(2, 3, 5), f64(2, 3), f64(2), i32(2), i32(2)],
  ],
  ['cofactor', [f64(2, 3, 3)], undefined, [f64(2, 3, 3)]],
  ['luPivotsToPermutation', [i32(2, 3)], { dtype: 'float64', m: 4 }, [f64(2, 4, 4)]],
  ['amax', [f64(2, 3, 4)], { min: false }, [f64(2, 3)]],
  ['matrixRankCount', [f64(2, 3)], { atol: 0, rtol: 0 }, [i32(2)]],
  ['infoNonzero', [i32(2, 3)], { dtype: 'float64' }, [f64(2, 3)]],
];

const byName = (name: string): OpDef<never> => {
  const op = registeredOps().find((o) => o.name === name);
  if (!op) throw new Error(`no OpDef named ${name}`);
  return op;
};

describe('linalg OpDef sections', () => {
  it.each([...new Set(cases.map((c) => c[0]))])('%s states dtypes, core ranks and a jvp slot', (name) => {
    const op = byName(name);
    expect(op.dtypes).toBeDefined();
    expect(Array.isArray(op.coreRanks)).toBe(true);
    expect(op.jvp).toBeDefined();
    expect(op.shape ?? op.infer).toBeDefined();
  });

  it.each(cases)('%s: output metas with batch dims', (name, inputs, attrs, expected) => {
    expect(inferMetas(byName(name), inputs, attrs as never)).toEqual(expected);
  });
});
