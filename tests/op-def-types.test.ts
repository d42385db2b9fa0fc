import { expect, it } from 'vitest';
import { applyOp, applyOp1, defineOp, type OpDef, type Tensor, tensor } from '../src/index.js';
import type { BuiltinOpDef } from '../src/ops/registry.js';

// Compile-time checks (run by `npm run typecheck`): an op without a WGSL kernel or a backward rule
// does not type-check. Each @ts-expect-error line fails the typecheck if the error disappears.

const base = {
  name: 'twice',
  infer: ([x]: readonly { shape: readonly number[]; dtype: 'float32' | 'float64' | 'int32' }[]) => [
    { shape: x.shape, dtype: x.dtype },
  ],
  cpu: () => undefined,
};

// @ts-expect-error -- no webgpu kernel and no backward
const missingBoth: OpDef<undefined> = { ...base };

// @ts-expect-error -- no backward rule (say 'not-differentiable' explicitly if there is none)
const missingBackward: OpDef<undefined> = { ...base, webgpu: () => undefined };

// @ts-expect-error -- no WGSL kernel
const missingWgsl: OpDef<undefined> = { ...base, backward: 'not-differentiable' };

it('a complete definition type-checks and runs through the same path as built-in ops', () => {
  void missingBoth;
  void missingBackward;
  void missingWgsl;
  const twice = defineOp<undefined>({
    name: 'twice',
    infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
    cpu: ([x], [out]) => {
      for (let i = 0; i < x.data.length; i++) out.data[i] = 2 * x.data[i];
    },
    webgpu: () => {
      throw new Error('twice: no WebGPU kernel in this test');
    },
    backward: (_ctx, [g]) => [g!.mul(2)],
  });
  const x = tensor([1, 2], { requiresGrad: true });
  const [y] = applyOp(twice, [x], undefined);
  expect(y.gradFn).toBe('twice');
  y.sum().backward();
  expect(x.grad!.toArray()).toEqual([2, 2]);
});

it('with input/output counts, kernels and backward see tuples and applyOp1 returns a Tensor', () => {
  // Destructured elements are TensorMeta / CpuView / Tensor, not `| undefined`: these lines compile
  // under the consumer settings the package test uses (noUncheckedIndexedAccess).
  const addOp = defineOp<{ scale: number }, 2, 1>({
    name: 'scaledAdd',
    infer: ([a, b]) => [{ shape: a.shape, dtype: b.dtype }],
    cpu: ([a, b], [out], { scale }) => {
      a.data.forEach((v, i) => {
        out.data[i] = scale * (v + (b.data[i] ?? 0));
      });
    },
    webgpu: () => {
      throw new Error('scaledAdd: no WebGPU kernel in this test');
    },
    backward: ({ attrs, needsInputGrad: [ga, gb] }, [g]) => [
      ga && g ? g.mul(attrs.scale) : null,
      gb && g ? g.mul(attrs.scale) : null,
    ],
  });
  const a = tensor([1, 2], { requiresGrad: true });
  const y: Tensor = applyOp1(addOp, [a, tensor([3, 4])], { scale: 2 });
  expect(y.toArray()).toEqual([8, 12]);
  y.sum().backward();
  expect(a.grad!.toArray()).toEqual([2, 2]);
  // @ts-expect-error -- two inputs declared, one given
  expect(() => applyOp1(addOp, [a], { scale: 1 })).toThrow();
  // @ts-expect-error -- attributes are required for this op
  void (() => applyOp1(addOp, [a, a]));
  const [first]: [Tensor] = applyOp(addOp, [a, a], { scale: 1 });
  expect(first.toArray()).toEqual([2, 4]);
});

it('applyOp1 rejects ops with several outputs, naming applyOp', () => {
  const splitOp = defineOp({
    name: 'dup',
    infer: ([x]) => [x!, x!],
    cpu: ([x], [o1, o2]) => {
      o1!.data.set(x!.data);
      o2!.data.set(x!.data);
    },
    webgpu: () => undefined,
    backward: 'not-differentiable',
  });
  expect(() => applyOp1(splitOp, [tensor([1])])).toThrow(/produced 2 outputs; use applyOp/);
});

it('the section fields: a shape rule on core dims, dtypes, per-output differentiability, a jvp slot', () => {
  // Row sums over batches of matrices: core ranks [2] → outputs of core shape [m] and [].
  const rowSums = defineOp<undefined, 1, 2>({
    name: 'rowSums',
    dtypes: ['float32', 'float64'],
    coreRanks: [2],
    shape: ([[m]]) => [[m], []],
    outDtypes: ([dt]) => [dt, 'int32'],
    differentiable: [true, false],
    cpu: ([x], [out, n]) => {
      const cols = x.shape[x.shape.length - 1] ?? 1;
      x.data.forEach((v, p) => {
        out.data[Math.floor(p / cols)] += v;
      });
      n.data.fill(cols);
    },
    webgpu: () => undefined,
    backward: (c, [g]) => [g ? g.unsqueeze(-1).expand([...c.inputs[0].shape]) : null],
    jvp: (_c, [t]) => [t ? t.sum(-1) : null, null],
  });
  const [s, n] = applyOp(
    rowSums,
    [
      tensor(
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
        { requiresGrad: true },
      ),
    ],
    undefined,
  );
  expect(s.shape).toEqual([1, 2]);
  expect(n.dtype).toBe('int32');
  expect(n.requiresGrad).toBe(false);
  // @ts-expect-error -- two outputs: differentiable needs one flag per output
  const shortFlags: OpDef<undefined, 1, 2> = { ...rowSums, differentiable: [true] };
  // @ts-expect-error -- the jvp slot takes a rule or one of the named shortcuts
  const badJvp: OpDef<undefined, 1, 2> = { ...rowSums, jvp: 'automatic' };
  // @ts-expect-error -- coreRanks are numbers (or 'any' for ops not batched over leading dims)
  const badRanks: OpDef<undefined, 1, 2> = { ...rowSums, coreRanks: 'all' };
  void [shortFlags, badJvp, badRanks];
  const shortcuts: OpDef<undefined>['jvp'][] = [
    'elementwise',
    'linear',
    'not-differentiable',
    'not-implemented',
  ];
  expect(shortcuts).toHaveLength(4);
});

it('a built-in op must state its whole section: dtypes, core ranks and the jvp slot', () => {
  const section = {
    name: 'twice',
    dtypes: ['float64'] as const,
    coreRanks: [0],
    shape: ([x]: readonly (readonly number[])[]) => [x],
    cpu: () => undefined,
    webgpu: () => undefined,
    backward: 'not-differentiable' as const,
    jvp: 'linear' as const,
  };
  const { jvp: _jvp, ...noJvp } = section;
  const { dtypes: _dtypes, ...noDtypes } = section;
  const { coreRanks: _ranks, ...noRanks } = section;
  // @ts-expect-error -- a built-in op without a jvp slot (a rule or a named shortcut)
  const missingJvp: BuiltinOpDef<undefined> = noJvp;
  // @ts-expect-error -- a built-in op without the dtypes it accepts
  const missingDtypes: BuiltinOpDef<undefined> = noDtypes;
  // @ts-expect-error -- a built-in op without its operands' core ranks
  const missingRanks: BuiltinOpDef<undefined> = noRanks;
  void [missingJvp, missingDtypes, missingRanks];
  const complete: BuiltinOpDef<undefined> = section;
  expect(complete.jvp).toBe('linear');
  // Custom ops (defineOp) may leave the section fields out.
  const custom: OpDef<undefined> = noJvp;
  expect(custom.jvp).toBeUndefined();
});
