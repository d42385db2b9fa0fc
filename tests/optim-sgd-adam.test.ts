/**
 * SGD (momentum, dampening, nesterov, weightDecay), AdamW and the lr schedules against torch.optim
 * 2.13 (float64): parameters after five steps on f(w) = Σ c·(w − a)² + 0.1·Σ w⁴ from (0.3, 0.7, −1.2),
 * and the lr sequences of StepLR and CosineAnnealingLR.
 */
import { describe, expect, it } from 'vitest';
import { optim, type SGD, type Tensor, tensor } from '../src/index.js';

const f = (w: Tensor) =>
  w
    .sub(tensor([1, -2, 0.5]))
    .square()
    .mul(tensor([1, 3, 0.5]))
    .sum()
    .add(w.pow(4).sum().mul(0.1));

function run(make: (w: Tensor) => { zeroGrad(): void; step(): void }, n = 5) {
  const w = tensor([0.3, 0.7, -1.2], { requiresGrad: true });
  const opt = make(w);
  for (let i = 0; i < n; i++) {
    opt.zeroGrad();
    f(w).backward();
    opt.step();
  }
  return w.toArray() as number[];
}

function close(a: number[], b: number[], tol = 1e-12) {
  a.forEach((v, i) => {
    expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol);
  });
}

describe('SGD and AdamW equal torch.optim', () => {
  it('SGD nesterov with weight decay', () => {
    const w = run((p) => new optim.SGD([p], { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1 }));
    close(w, [0.9808016891594469, -1.780280445238232, 0.19892749829125198]);
  });
  it('SGD momentum with dampening', () => {
    const w = run((p) => new optim.SGD([p], { lr: 0.05, momentum: 0.8, dampening: 0.3 }));
    close(w, [0.812502502829717, -2.810279018797802, -0.3129012949720078]);
  });
  it('AdamW at its default weight decay and with options', () => {
    close(
      run((p) => new optim.AdamW([p], { lr: 0.1 })),
      [0.7791376006751544, 0.19967112435046952, -0.7026911649563607],
    );
    close(
      run((p) => new optim.AdamW([p], { lr: 0.1, weightDecay: 0.5, betas: [0.8, 0.99] })),
      [0.6664422842305756, 0.09424134295955089, -0.4959989382158461],
    );
  });
  it('nesterov needs momentum and zero dampening', () => {
    const w = tensor([1], { requiresGrad: true });
    expect(() => new optim.SGD([w], { lr: 0.1, nesterov: true })).toThrow(
      'SGD: Nesterov momentum requires a momentum and zero dampening',
    );
    expect(() => new optim.SGD([w], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(
      'SGD: Nesterov momentum requires a momentum and zero dampening',
    );
  });
});

describe('lrScheduler', () => {
  const lrs = (make: (o: SGD) => { step(): void; getLastLr(): number }, n: number) => {
    const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.5 });
    const sched = make(opt);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      out.push(sched.getLastLr());
      opt.step();
      sched.step();
    }
    return out;
  };
  it('StepLR decays by gamma every stepSize epochs', () => {
    expect(lrs((o) => new optim.lrScheduler.StepLR(o, { stepSize: 3, gamma: 0.5 }), 8)).toEqual([
      0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125,
    ]);
  });
  it('CosineAnnealingLR follows the cosine down to etaMin and back', () => {
    close(
      lrs((o) => new optim.lrScheduler.CosineAnnealingLR(o, { tMax: 4, etaMin: 0.1 }), 10),
      [
        0.5, 0.4414213562373095, 0.30000000000000004, 0.15857864376269054, 0.1, 0.15857864376269049,
        0.30000000000000004, 0.4414213562373096, 0.5000000000000001, 0.4414213562373096,
      ],
      1e-15,
    );
  });
  it('drives Adam (default lr 1e-3) and LBFGS too, and checks its options', () => {
    const w = tensor([1], { requiresGrad: true });
    const adam = new optim.Adam([w]);
    const s = new optim.lrScheduler.StepLR(adam, { stepSize: 1 });
    s.step();
    expect(adam.lr).toBeCloseTo(1e-4, 15);
    const lb = new optim.LBFGS([w]);
    new optim.lrScheduler.CosineAnnealingLR(lb, { tMax: 2 }).step();
    expect(lb.lr).toBeCloseTo(0.5, 15);
    expect(() => new optim.lrScheduler.StepLR(adam, { stepSize: 0 })).toThrow(
      'StepLR: stepSize must be a positive integer, got 0',
    );
  });
});
