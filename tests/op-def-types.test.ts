import { expect, it } from 'vitest';
import { applyOp, defineOp, type OpDef, tensor } from '../src/index.js';

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
