import { describe, expect, it } from 'vitest';
import { floatDtypes } from '../src/dtype.js';
import { defineOp, randn, type Tensor, tensor, zeros } from '../src/index.js';
import { binaryOps, unaryOps, whereOp } from '../src/ops/elementwise.js';
import { jvpOp } from '../src/ops/jvp.js';
import { matmulOps } from '../src/ops/matmul.js';
import { miscOps } from '../src/ops/misc.js';
import { reduceOps } from '../src/ops/reduce.js';
import { applyOp, type OpDef, registeredOps } from '../src/ops/registry.js';
import { shapeOps } from '../src/ops/shape.js';
import { expectJvpMatchesFiniteDifference, maxAbs } from './helpers/jvp.js';

// Test ops built from the section fields alone (kernels on the cpu only).
const scaleOp = defineOp<{ s: number }, 1, 1>({
  name: 'testScale',
  dtypes: floatDtypes,
  coreRanks: [0],
  shape: () => [[]],
  cpu: ([x], [out], { s }) => {
    for (let i = 0; i < x.data.length; i++) out.data[i] = s * x.data[i]!;
  },
  webgpu: () => undefined,
  backward: (c, [g]) => [g!.mul(c.attrs.s)],
  jvp: 'linear',
});

const cubeOp = defineOp<undefined, 1, 1>({
  name: 'testCube',
  dtypes: floatDtypes,
  coreRanks: [0],
  shape: () => [[]],
  cpu: ([x], [out]) => {
    for (let i = 0; i < x.data.length; i++) out.data[i] = x.data[i]! ** 3;
  },
  webgpu: () => undefined,
  backward: (c, [g]) => [g!.mul(c.inputs[0].square().mul(3))],
  jvp: 'elementwise',
});

/** a·b broadcast over batch dims, a hand-written jvp: d(ab) = da·b + a·db. */
const prodOp = defineOp<undefined, 2, 1>({
  name: 'testProd',
  dtypes: floatDtypes,
  coreRanks: [0, 0],
  batch: 'broadcast',
  shape: () => [[]],
  cpu: () => undefined,
  webgpu: () => undefined,
  backward: 'not-differentiable',
  jvp: 'not-implemented',
});

/** Row sums of matrices: core rank 2 in, core rank 1 out; the batch dims are the registry's. */
const rowSumOp = defineOp<undefined, 1, 2>({
  name: 'testRowSum',
  dtypes: floatDtypes,
  coreRanks: [2],
  shape: ([[m]]) => [[m], []],
  outDtypes: ([dt]) => [dt, 'int32'],
  differentiable: [true, false],
  cpu: ([x], [out, count]) => {
    const [m, n] = x.shape.slice(-2) as [number, number];
    for (let p = 0; p < x.data.length; p++) out.data[Math.floor(p / n)] += x.data[p]!;
    count.data.fill(m);
  },
  webgpu: () => undefined,
  backward: (c, [g]) => [g!.unsqueeze(-1).expand([...c.inputs[0].shape])],
  jvp: (_c, [t]) => [t ? t.sum(-1) : null, null],
});

describe('OpDef sections', () => {
  it('defineOp records every op (registeredOps)', () => {
    const names = registeredOps().map((op) => op.name);
    for (const n of ['testScale', 'testCube', 'testRowSum', 'add', 'matmul', 'sum', 'inv'])
      expect(names).toContain(n);
  });

  it('the shape rule sees core dims; the registry prepends the batch dims', () => {
    const x = randn([4, 3, 2, 5], { seed: 1 });
    const [s, count] = applyOp(rowSumOp, [x], undefined);
    expect(s.shape).toEqual([4, 3, 2]);
    expect(count.shape).toEqual([4, 3]);
    expect(count.dtype).toBe('int32');
    expect(maxAbs(s.sub(x.sum(-1)))).toBeLessThan(1e-12);
    expect(() => applyOp(rowSumOp, [randn([5])], undefined)).toThrow(
      'testRowSum: input 0 must have at least 2 dimensions, got shape [5]',
    );
  });

  it('batch dims broadcast where the op says so, and must match otherwise', () => {
    expect(() => applyOp(prodOp, [zeros([2, 3]), zeros([4])], undefined)).toThrow(
      /testProd: shapes \[2, 3\] and \[4\] cannot be broadcast/,
    );
    const sameOp = defineOp<undefined, 2, 1>({ ...prodOp, name: 'testSame', batch: 'same' });
    expect(() => applyOp(sameOp, [zeros([2, 3]), zeros([3])], undefined)).toThrow(
      'testSame: the inputs must have the same batch dimensions, got [2, 3] and [3]',
    );
  });

  it('dtypes are checked by the registry with the float message', () => {
    expect(() => applyOp(scaleOp, [tensor([1, 2], { dtype: 'int32' })], { s: 2 })).toThrow(
      'testScale: expected a floating-point tensor (float32 or float64), got int32 of shape [2]',
    );
  });

  it('an output marked not differentiable stays out of the graph', () => {
    const x = randn([2, 3], { seed: 2, requiresGrad: true });
    const [s, count] = applyOp(rowSumOp, [x], undefined);
    expect(s.requiresGrad).toBe(true);
    expect(count.requiresGrad).toBe(false);
  });
});

describe('jvp slots (checked against a finite difference)', () => {
  const x = randn([3, 4], { seed: 3 });
  const t = randn([3, 4], { seed: 4 });

  it("'linear' applies the op to the tangent", () => {
    expectJvpMatchesFiniteDifference(scaleOp, [x], [t], { s: 2.5 });
  });

  it("'elementwise' takes the derivative from the backward formula", () => {
    expectJvpMatchesFiniteDifference(cubeOp, [x], [t], undefined, 1e-5);
  });

  it('a hand-written rule, with a non-differentiable output left without tangent', () => {
    const { tangents } = jvpOp(rowSumOp, [x], [t], undefined);
    expect(tangents[1]).toBeNull();
    expectJvpMatchesFiniteDifference(rowSumOp, [x], [t], undefined);
  });

  it("'not-implemented' throws, naming the op", () => {
    expect(() => jvpOp(prodOp, [x, x], [t, t], undefined)).toThrow(
      'testProd: the forward-mode rule (jvp) is not implemented yet',
    );
  });
});

describe('the built-in ops outside linalg', () => {
  const nonLinalg = (): [string, OpDef<never>][] =>
    [
      ...Object.entries(unaryOps),
      ...Object.entries(binaryOps),
      ['where', whereOp],
      ...Object.entries(reduceOps),
      ...Object.entries(shapeOps),
      ...Object.entries(matmulOps),
      ...Object.entries(miscOps),
    ] as [string, OpDef<never>][];

  it('each fills its section: dtypes, coreRanks and a jvp slot', () => {
    for (const [key, op] of nonLinalg()) {
      expect(op.dtypes, key).toBeDefined();
      expect(op.coreRanks, key).toBeDefined();
      expect(op.jvp, key).toBeDefined();
      expect(op.jvp, key).not.toBe('not-implemented');
      expect(registeredOps(), key).toContain(op);
    }
  });

  const x = randn([3, 4], { seed: 5 });
  const pos = randn([3, 4], { seed: 6 }).abs().add(0.5);
  const t = randn([3, 4], { seed: 7 });
  const row = randn([4], { seed: 8 });
  const tRow = randn([4], { seed: 9 });
  const m = (s: number, shape: number[]) => randn(shape, { seed: s });
  type Case = [string, OpDef<never>, Tensor[], (Tensor | null)[], unknown, number?];
  const cases: Case[] = [
    ...(['exp', 'sin', 'cos', 'tanh', 'square', 'neg', 'abs', 'sign'] as const).map(
      (k): Case => [k, unaryOps[k] as OpDef<never>, [x], [t], undefined],
    ),
    ...(['log', 'sqrt', 'reciprocal'] as const).map(
      (k): Case => [k, unaryOps[k] as OpDef<never>, [pos], [t], undefined],
    ),
    ...(['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const).map(
      (k): Case => [
        k,
        binaryOps[k] as OpDef<never>,
        [x, pos.narrow(0, 0, 1)],
        [t, tRow.unsqueeze(0)],
        undefined,
      ],
    ),
    ['pow', binaryOps.pow as OpDef<never>, [pos, row], [t, tRow], undefined],
    ['mul, one tangent', binaryOps.mul as OpDef<never>, [x, row], [null, tRow], undefined],
    ['gt', binaryOps.gt as OpDef<never>, [x, row], [t, tRow], undefined],
    ['where', whereOp as OpDef<never>, [x.gt(0), x, row], [null, t, tRow], undefined],
    ['sum', reduceOps.sum as OpDef<never>, [x], [t], { dims: [1], keepdim: false }, 1],
    ['permute', shapeOps.permute as OpDef<never>, [x], [t], { shape: [4, 3], strides: [1, 4], offset: 0 }, 1],
    ['narrow', shapeOps.narrow as OpDef<never>, [x], [t], { shape: [3, 2], strides: [4, 1], offset: 1 }, 1],
    ['diagonal', shapeOps.diagonal as OpDef<never>, [x], [t], { shape: [3], strides: [5], offset: 0 }, 1],
    [
      'embed',
      shapeOps.embed as OpDef<never>,
      [row],
      [tRow],
      { shape: [4], strides: [5], offset: 0, outShape: [4, 4] },
      1,
    ],
    [
      'expand',
      shapeOps.expand as OpDef<never>,
      [m(10, [3, 1])],
      [m(11, [3, 1])],
      { shape: [3, 4], strides: [1, 0], offset: 0 },
      1,
    ],
    ['reshape', shapeOps.reshape as OpDef<never>, [x], [t], { shape: [2, 6] }, 1],
    [
      'tril',
      shapeOps.tril as OpDef<never>,
      [m(12, [2, 3, 3])],
      [m(13, [2, 3, 3])],
      { k: 0, upper: false },
      1,
    ],
    ['cat', shapeOps.cat as OpDef<never>, [x, m(14, [2, 4])], [t, null], { dim: 0 }, 1],
    [
      'matmul',
      matmulOps.bmm as OpDef<never>,
      [m(15, [2, 3, 4]), m(16, [2, 4, 2])],
      [m(17, [2, 3, 4]), m(18, [2, 4, 2])],
      undefined,
    ],
    [
      'matmul, one tangent',
      matmulOps.bmm as OpDef<never>,
      [m(15, [2, 3, 4]), m(16, [2, 4, 2])],
      [null, m(18, [2, 4, 2])],
      undefined,
    ],
    ['cast', miscOps.cast as OpDef<never>, [x.to('float32')], [t.to('float32')], { dtype: 'float64' }, 1],
    ['clone', miscOps.clone as OpDef<never>, [x], [t], undefined, 1],
  ];
  it.each(cases)('%s: the jvp slot agrees with a finite difference', (_name, op, xs, ts, attrs, h) => {
    expectJvpMatchesFiniteDifference(op, xs, ts, attrs as never, 1e-5, h);
  });

  it('comparisons carry no tangent', () => {
    const { tangents } = jvpOp(binaryOps.gt, [x, row], [t, tRow], undefined);
    expect(tangents).toEqual([null]);
  });
});
