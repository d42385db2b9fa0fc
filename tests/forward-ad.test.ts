/**
 * Forward-mode AD on dual tensors (forwardAD, torch.autograd.forward_ad semantics): tangents
 * through elementwise, reduction, shape and matmul ops against finite differences; forward over
 * reverse (Hessian-vector products) and reverse over forward against reverse over reverse;
 * levels (nesting, exit), tidy, detach, device transfers; every misuse a clear error.
 */
import { describe, expect, it } from 'vitest';
import { getGpu } from '../src/backends/webgpu/device.js';
import {
  applyOp1,
  autograd,
  cat,
  defineOp,
  diagEmbed,
  forwardAD,
  matmul,
  noGrad,
  randn,
  stack,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../src/index.js';
import { maxAbs } from './helpers/jvp.js';
import { describeWebGPU } from './helpers/webgpu.js';

const { dualLevel, makeDual, unpackDual } = forwardAD;

/** f's output and its forward-mode tangent at xs along ts, from one dual level. */
function jvp(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], ts: Tensor[]): [Tensor, Tensor | null] {
  return dualLevel(() => {
    const { primal, tangent } = unpackDual(f(...xs.map((x, i) => makeDual(x, ts[i]!))));
    return [primal, tangent];
  });
}

/** (f(x + h t) − f(x − h t)) / 2h, all inputs moved together. */
function finiteDifference(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], ts: Tensor[], h = 1e-6): Tensor {
  const at = (s: number) => f(...xs.map((x, i) => x.add(ts[i]!.mul(s * h))));
  return at(1)
    .sub(at(-1))
    .div(2 * h);
}

function expectJvp(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], tol = 1e-6): void {
  const ts = xs.map((x, i) => randn([...x.shape], { seed: 100 + i }));
  const [y, dy] = jvp(f, xs, ts);
  expect(maxAbs(y.sub(f(...xs)))).toBe(0); // the primal is the plain forward
  const fd = finiteDifference(f, xs, ts);
  expect(dy).not.toBeNull();
  expect(dy!.shape).toEqual(y.shape);
  expect(maxAbs(dy!.sub(fd))).toBeLessThan(tol);
}

describe('tangents against finite differences', () => {
  const x = randn([3, 4], { seed: 1 });
  const y = randn([3, 4], { seed: 2 });
  const row = randn([4], { seed: 3 });
  const pos = randn([3, 4], { seed: 4 }).abs().add(0.5);

  it('elementwise ops, unary and binary, with broadcasting', () => {
    expectJvp((a) => a.exp().sin().mul(a.tanh()), [x]);
    expectJvp((a) => a.sqrt().log().add(a.reciprocal()).square(), [pos]);
    expectJvp((a, b) => a.mul(b).sub(a.div(b.abs().add(1))), [x, y]);
    expectJvp((a, r) => a.add(r).mul(r).pow(2), [x, row]);
    expectJvp((a, b) => a.pow(b.mul(0.3)), [pos, y]);
    expectJvp((a, b) => a.maximum(b).add(a.minimum(b).neg()), [x, y]);
    expectJvp((a) => a.abs().add(a.cos()), [x]);
  });

  it('reductions', () => {
    expectJvp((a) => a.square().sum(), [x]);
    expectJvp((a) => a.exp().sum(1, true).mul(a.mean(0)), [x]);
    expectJvp((a) => a.sin().mean([0, 1]), [x]);
  });

  it('shape ops', () => {
    expectJvp((a) => a.reshape(2, 6).transpose(0, 1).exp(), [x]);
    expectJvp((a) => a.permute(1, 0).unsqueeze(0).expand(2, 4, 3).squeeze().square(), [x]);
    expectJvp(
      (a) =>
        a
          .narrow(1, 1, 2)
          .tril()
          .add(a.narrow(0, 0, 3).narrow(1, 0, 2).triu()),
      [x],
    );
    expectJvp((a) => diagEmbed(a.diagonal().exp()).mT, [x]);
    expectJvp(
      (a, b) =>
        cat([a, b.sin()], 1)
          .sum(1)
          .mul(stack([a, b]).sum(0).sum(1)),
      [x, y],
    );
  });

  it('matmul: matrices, vectors and broadcast batches', () => {
    const A = randn([2, 3, 4], { seed: 5 });
    const B = randn([4, 2], { seed: 6 });
    const v = randn([4], { seed: 7 });
    expectJvp((a, b) => matmul(a, b).exp(), [A, B]);
    expectJvp((a, w) => a.matmul(w).tanh(), [A, v]);
    expectJvp((a, b) => a.mT.matmul(a).matmul(b.matmul(b.mT)), [x, B]);
  });

  it('only some inputs dual: the others count as constants', () => {
    const t = randn([3, 4], { seed: 8 });
    const dy = dualLevel(() => unpackDual(makeDual(x, t).mul(y).exp()).tangent!);
    const ref = x.mul(y).exp().mul(y).mul(t);
    expect(maxAbs(dy.sub(ref))).toBeLessThan(1e-12);
  });

  it('a tensor made inside the level without tangent has none; results of constants have none', () => {
    dualLevel(() => {
      const c = randn([2], { seed: 9 });
      expect(unpackDual(c).tangent).toBeNull();
      expect(unpackDual(c.exp().add(1)).tangent).toBeNull();
    });
  });

  it('comparisons give no tangent, sign a zero one (as PyTorch); the tangent of a cast is cast', () => {
    dualLevel(() => {
      const d = makeDual(x, y);
      expect(unpackDual(d.gt(0)).tangent).toBeNull();
      expect(maxAbs(unpackDual(d.sign()).tangent!)).toBe(0);
      const t32 = unpackDual(d.to('float32')).tangent!;
      expect(t32.dtype).toBe('float32');
      expect(maxAbs(t32.to('float64').sub(y))).toBeLessThan(1e-6);
    });
  });
});

describe('forward over reverse and reverse over forward', () => {
  const x0 = randn([4], { seed: 11 });
  const W = randn([4, 4], { seed: 12 });
  const v = randn([4], { seed: 13 });
  // f(x) = Σ tanh(W x)² + Σ x⁴ / 4, a function with a dense Hessian.
  const f = (x: Tensor) => W.matmul(x).tanh().square().sum().add(x.pow(4).sum().div(4));

  const hvpRevRev = (): Tensor => {
    const x = x0.clone().requiresGrad_();
    const [g] = autograd.grad(f(x), x, { createGraph: true });
    const [hv] = autograd.grad(g!, x, { gradOutputs: v });
    return hv!;
  };

  it('a Hessian-vector product by forward over reverse equals reverse over reverse', () => {
    for (const createGraph of [true, false]) {
      const hv = dualLevel(() => {
        const x = makeDual(x0, v).requiresGrad_();
        const [g] = autograd.grad(f(x), x, { createGraph });
        return unpackDual(g!).tangent!;
      });
      expect(maxAbs(hv.sub(hvpRevRev()))).toBeLessThan(1e-12);
    }
  });

  it('the dual of a leaf that requires grad: autograd.grad with respect to the leaf', () => {
    const x = x0.clone().requiresGrad_();
    const hv = dualLevel(() => {
      const [g] = autograd.grad(f(makeDual(x, v)), x, { createGraph: true });
      return unpackDual(g!).tangent!;
    });
    expect(maxAbs(hv.sub(hvpRevRev()))).toBeLessThan(1e-12);
  });

  it('reverse over forward: the gradient of ⟨∇f, v⟩ through the tangent is H v too', () => {
    const x = x0.clone().requiresGrad_();
    const dir = dualLevel(() => unpackDual(f(makeDual(x, v))).tangent!); // ∇f(x)·v, in x's graph
    const [hv] = autograd.grad(dir, x);
    expect(maxAbs(hv!.sub(hvpRevRev()))).toBeLessThan(1e-12);
  });

  it('nested levels: forward over forward gives the second directional derivative', () => {
    const u = randn([4], { seed: 14 });
    const second = dualLevel(() => {
      const outer = makeDual(x0, u);
      const inner = dualLevel(() => unpackDual(f(makeDual(outer, v))).tangent!);
      return unpackDual(inner).tangent!; // uᵀ H v
    });
    const ref = hvpRevRev().mul(u).sum();
    expect(Math.abs(second.item() - ref.item())).toBeLessThan(1e-12);
  });

  it('nested levels keep their tangents apart (no perturbation confusion)', () => {
    // d/dx [x · d/dy (x + y)] at y = 0 is 1 (perturbation confusion would give 2).
    const x = tensor([2]);
    const d = dualLevel(() => {
      const xd = makeDual(x, tensor([1]));
      const inner = dualLevel(() => {
        const yd = makeDual(tensor([0]), tensor([1]));
        return unpackDual(xd.add(yd)).tangent!;
      });
      return unpackDual(xd.mul(inner)).tangent!;
    });
    expect(d.item()).toBe(1);
  });
});

describe('levels, memory and transfers', () => {
  const x = randn([3], { seed: 15 });
  const t = randn([3], { seed: 16 });

  it('tangents are dropped when the level exits; outside any level unpackDual gives none', () => {
    const y = dualLevel(() => makeDual(x, t).exp());
    expect(unpackDual(y).tangent).toBeNull();
    dualLevel(() => expect(unpackDual(y).tangent).toBeNull());
    expect(unpackDual(x).primal).toBe(x);
  });

  it('unpackDual(primal) has no tangent and stays in the reverse-mode graph', () => {
    const w = x.clone().requiresGrad_();
    dualLevel(() => {
      const { primal, tangent } = unpackDual(makeDual(w, t).square());
      expect(tangent).not.toBeNull();
      expect(unpackDual(primal).tangent).toBeNull();
      const [g] = autograd.grad(primal.sum(), w);
      expect(maxAbs(g!.sub(w.mul(2)))).toBeLessThan(1e-15);
    });
  });

  it('noGrad does not switch forward mode off (as PyTorch); detach drops the tangent', () => {
    dualLevel(() => {
      const d = makeDual(x, t);
      expect(unpackDual(noGrad(() => d.exp())).tangent).not.toBeNull();
      expect(unpackDual(d.detach()).tangent).toBeNull();
    });
  });

  it('tidy keeps the tangents of the tensors it returns', () => {
    dualLevel(() => {
      const d = makeDual(x, t);
      const y = tidy(() => d.exp().mul(2));
      const { tangent } = unpackDual(y);
      expect(tangent!.isDisposed).toBe(false);
      expect(maxAbs(tangent!.sub(x.exp().mul(2).mul(t)))).toBeLessThan(1e-14);
    });
  });

  it('enterDualLevel / exitDualLevel, exited in order', () => {
    const a = forwardAD.enterDualLevel();
    const b = forwardAD.enterDualLevel();
    expect(() => forwardAD.exitDualLevel(a)).toThrow(
      `forwardAD.exitDualLevel: level ${a} is not the innermost active level (${b}); exit levels in the reverse order they were entered`,
    );
    forwardAD.exitDualLevel(b);
    forwardAD.exitDualLevel(a);
    expect(() => forwardAD.exitDualLevel()).toThrow('forwardAD.exitDualLevel: no dual level is active');
  });

  it('a dual level exits even when fn throws', () => {
    expect(() =>
      dualLevel(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(() => makeDual(x, t)).toThrow(/no dual level is active/);
  });
});

describe('errors', () => {
  const x = randn([2, 3], { seed: 17 });

  it('makeDual outside a level', () => {
    expect(() => makeDual(x, x)).toThrow(
      'forwardAD.makeDual: no dual level is active; call it inside forwardAD.dualLevel(() => { ... })',
    );
  });

  it('a tangent of the wrong shape, dtype or device; an integer primal', () => {
    dualLevel(() => {
      expect(() => makeDual(x, zeros([3, 2]))).toThrow(
        "forwardAD.makeDual: the tangent's shape [3, 2] does not match the primal's shape [2, 3]",
      );
      expect(() => makeDual(x, zeros([3, 2]))).toThrow(RangeError);
      expect(() => makeDual(x, zeros([2, 3], { dtype: 'float32' }))).toThrow(
        "forwardAD.makeDual: the tangent's dtype float32 does not match the primal's dtype float64 (shape [2, 3])",
      );
      expect(() => makeDual(x, zeros([2, 3], { dtype: 'float32' }))).toThrow(TypeError);
      expect(() => makeDual(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2], { dtype: 'int32' }))).toThrow(
        'forwardAD.makeDual: expected a floating-point primal (float32 or float64), got int32 of shape [2]',
      );
    });
  });

  it('mixing levels: a level that is not active, a primal or tangent already dual at this level', () => {
    const stale = dualLevel((level) => level);
    dualLevel((level) => {
      expect(() => makeDual(x, x, { level: stale })).toThrow(
        `forwardAD.makeDual: dual level ${stale} is not active (active levels: ${level}); dual tensors and levels cannot be mixed across dualLevel scopes`,
      );
      expect(() => unpackDual(x, { level: stale })).toThrow(
        /forwardAD.unpackDual: dual level \d+ is not active/,
      );
      const d = makeDual(x, x);
      expect(() => makeDual(d, x)).toThrow(
        /the primal \(shape \[2, 3\]\) already has a tangent at dual level/,
      );
      expect(() => makeDual(x, d)).toThrow(
        /the tangent \(shape \[2, 3\]\) is itself a dual tensor at dual level/,
      );
    });
  });

  it('an async function: a clear error, and the level is closed', async () => {
    expect(() => dualLevel(async () => 1)).toThrow(/dualLevel: the function returned a Promise/);
    expect(() => makeDual(x, x)).toThrow(/no dual level is active/);
  });

  it('an op without a forward-mode rule throws, naming it, when a tangent reaches it', () => {
    const noJvp = defineOp<undefined>({
      name: 'testNoJvp',
      infer: ([a]) => [{ shape: a.shape, dtype: a.dtype }],
      cpu: ([a], [out]) => out.data.set(a.data),
      webgpu: () => {
        throw new Error('no kernel');
      },
      backward: (_c, [g]) => [g],
    });
    expect(applyOp1(noJvp, [x]).shape).toEqual([2, 3]); // without tangents it runs
    dualLevel(() => {
      expect(applyOp1(noJvp, [x]).shape).toEqual([2, 3]);
      expect(() => applyOp1(noJvp, [makeDual(x, x)])).toThrow(
        'testNoJvp: the forward-mode rule (jvp) is not implemented yet',
      );
    });
  });
});

describeWebGPU('forward mode on WebGPU', () => {
  it('tangents flow through webgpu ops and transfers, and agree with the cpu', async () => {
    const x = randn([3, 4], { seed: 18 });
    const t = randn([3, 4], { seed: 19 });
    const W = randn([4, 2], { seed: 20 });
    const f = (a: Tensor, w: Tensor) => a.exp().matmul(w).tanh().sum(0);
    const [, ref] = jvp(f, [x, W], [t, zeros([4, 2])]);
    const [gx, gt, gw] = [x, t, W].map((a) => a.to('float32').to('webgpu'));
    const tangent = dualLevel(() => unpackDual(f(makeDual(gx!, gt!), gw!)).tangent!);
    expect(tangent.device).toBe('webgpu');
    const got = Array.from(await tangent.data());
    const want = Array.from(ref!.dataSync());
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);
  });

  it('jvp steps inside tidy keep the live buffer count at its baseline', async () => {
    const gpu = getGpu();
    const W = randn([8, 8], { seed: 23, dtype: 'float32' }).to('webgpu');
    const x = randn([8], { seed: 24, dtype: 'float32' }).to('webgpu');
    const v = randn([8], { seed: 25, dtype: 'float32' }).to('webgpu');
    const step = () =>
      tidy(() => dualLevel(() => unpackDual(W.matmul(makeDual(x, v)).tanh().sum()).tangent!));
    await step().data();
    const baseline = gpu.liveBuffers();
    for (let i = 0; i < 50; i++) step().dispose();
    await x.data();
    expect(gpu.liveBuffers()).toBe(baseline);
  });

  it('toDevice carries the tangent to webgpu', async () => {
    const x = randn([3], { seed: 21 }).to('float32');
    const t = randn([3], { seed: 22 }).to('float32');
    const tangent = dualLevel(() => unpackDual(makeDual(x, t).to('webgpu').exp()).tangent!);
    const got = Array.from(await tangent.data());
    const want = Array.from(x.exp().mul(t).dataSync());
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
  });
});
