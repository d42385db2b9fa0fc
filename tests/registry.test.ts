import { describe, expect, it } from 'vitest';
import { defineOp, randn, tensor, zeros } from '../src/index.js';
import { jvpOp } from '../src/ops/jvp.js';
import { applyOp, floatDtypes, registeredOps } from '../src/ops/registry.js';
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
