/**
 * nn.functional against PyTorch 2.13 (float64): values and gradients of every loss, each reduction,
 * label smoothing, class weights, ignored targets, stability at large logits; gradcheck and
 * gradgradcheck (with forward mode) of each loss; the errors for bad targets.
 *
 * The torch formulas: with p = log_softmax(x, 1),
 *   cross_entropy = mean_i(−p[i, y_i]) (weight: Σ −w[y_i]·p[i, y_i] / Σ w[y_i]);
 *   label smoothing ε: (1 − ε)·nll + ε/C·Σ_i Σ_c −w[c]·p[i, c] / (Σ w[y_i] or the count);
 *   mse = mean((x − y)²); huber = mean(½(x − y)² if |x − y| < δ else δ(|x − y| − ½δ));
 *   bce_with_logits = mean(w·((1 − y)·x + (1 + (pw − 1)·y)·(log1p(e^−|x|) + max(−x, 0)))).
 */
import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../gradcheck/index.js';
import { func, nn, optim, type Tensor, tensor } from '../src/index.js';
import { describeWebGPU } from './helpers/webgpu.js';

const F = nn.functional;
const X = [
  [0.2, -1.3, 2.1],
  [1.5, 0.3, -0.7],
  [-0.4, 0.9, 0.1],
  [3.0, -2.0, 0.5],
];
const Y = [
  [0.5, -1.0, 2.0],
  [1.0, 1.0, 0.0],
  [0.0, 0.5, 0.2],
  [2.0, -1.0, 3.0],
];
const YB = [
  [1, 0, 1],
  [0, 0, 1],
  [1, 1, 0],
  [0, 1, 0.5],
];
const int = (v: number[] | number) => tensor(typeof v === 'number' ? [v] : v, { dtype: 'int32' });
const T = () => int([2, 0, 1, 1]);
const W = () => tensor([0.5, 2.0, 1.5]);

function close(a: number[] | number, b: number[] | number, tol = 1e-12) {
  const xs = [a].flat(3) as number[];
  const ys = [b].flat(3) as number[];
  expect(xs.length).toBe(ys.length);
  xs.forEach((v, i) => {
    expect(Math.abs(v - ys[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(ys[i])));
  });
}

/** The loss value and d(sum loss)/dx at X. */
function run(f: (x: Tensor) => Tensor): [number[] | number, number[]] {
  const x = tensor(X, { requiresGrad: true });
  const l = f(x);
  l.sum().backward();
  const v = l.toArray() as number[] | number;
  return [v, (x.grad!.toArray() as number[][]).flat()];
}

const cases: [string, (x: Tensor) => Tensor, number[] | number, number[][]][] = [
  [
    'crossEntropy',
    (x) => F.crossEntropy(x, T()),
    1.535378131714457,
    [
      [0.03160946040340571, 0.007053023962017367, -0.03866248436542308],
      [-0.07294584588964761, 0.05332768641304916, 0.01961815947659844],
      [0.03956937166697906, -0.1048082364025664, 0.06523886473558736],
      [0.22960574169105086, -0.2484529286818, 0.01884718699074917],
    ],
  ],
  [
    'crossEntropy sum',
    (x) => F.crossEntropy(x, T(), { reduction: 'sum' }),
    6.141512526857828,
    [
      [0.12643784161362284, 0.02821209584806947, -0.1546499374616923],
      [-0.29178338355859046, 0.21331074565219665, 0.07847263790639376],
      [0.15827748666791625, -0.4192329456102656, 0.26095545894234945],
      [0.9184229667642034, -0.9938117147272, 0.07538874796299667],
    ],
  ],
  [
    'crossEntropy none',
    (x) => F.crossEntropy(x, T(), { reduction: 'none' }),
    [0.16800446221997503, 0.3450052766575144, 0.5434055416160293, 5.08509724636431],
    [
      [0.12643784161362284, 0.02821209584806947, -0.1546499374616923],
      [-0.29178338355859046, 0.21331074565219665, 0.07847263790639376],
      [0.15827748666791625, -0.4192329456102656, 0.26095545894234945],
      [0.9184229667642034, -0.9938117147272, 0.07538874796299667],
    ],
  ],
  [
    'crossEntropy labelSmoothing',
    (x) => F.crossEntropy(x, T(), { labelSmoothing: 0.1 }),
    1.5628781317144569,
    [
      [0.02327612707007238, -0.0012803093713159661, -0.021995817698756415],
      [-0.05627917922298095, 0.04499435307971583, 0.011284826143265108],
      [0.03123603833364573, -0.08814156973589973, 0.05690553140225403],
      [0.22127240835771753, -0.23178626201513333, 0.010513853657415835],
    ],
  ],
  [
    'crossEntropy weight',
    (x) => F.crossEntropy(x, T(), { weight: W() }),
    1.9469191512698993,
    [
      [0.03160946040340571, 0.007053023962017367, -0.03866248436542308],
      [-0.02431528196321587, 0.017775895471016386, 0.00653938649219948],
      [0.052759162222638746, -0.13974431520342184, 0.08698515298078315],
      [0.3061409889214011, -0.3312705715757333, 0.025129582654332225],
    ],
  ],
  [
    'crossEntropy weight + labelSmoothing',
    (x) => F.crossEntropy(x, T(), { weight: W(), labelSmoothing: 0.2 }),
    1.9310469888762674,
    [
      [0.025351472394441143, -0.015325932126027463, -0.010025540268413667],
      [0.006468512937934396, 0.0014789717391329594, -0.00794748467706736],
      [0.043686329185573934, -0.10820580530097151, 0.0645194761153976],
      [0.2801760341044188, -0.2869636445817955, 0.006787610477376739],
    ],
  ],
  [
    'crossEntropy ignoreIndex + labelSmoothing',
    (x) => F.crossEntropy(x, int([2, -100, 1, 1]), { labelSmoothing: 0.1 }),
    1.9310579722889936,
    [
      [0.031034836093429833, -0.0017070791617546225, -0.029327756931675237],
      [0, 0, 0],
      [0.04164805111152764, -0.11752209298119962, 0.07587404186967205],
      [0.29502987781029005, -0.3090483493535111, 0.014018471543221117],
    ],
  ],
  [
    'nllLoss weight',
    (x) => F.nllLoss(x, T(), { weight: W() }),
    -0.2833333333333334,
    [
      [0, 0, -0.25],
      [-0.08333333333333333, 0, 0],
      [0, -0.3333333333333333, 0],
      [0, -0.3333333333333333, 0],
    ],
  ],
  [
    'mseLoss',
    (x) => F.mseLoss(x, tensor(Y)),
    0.8333333333333334,
    [
      [-0.049999999999999996, -0.05, 0.01666666666666668],
      [0.08333333333333333, -0.11666666666666665, -0.11666666666666665],
      [-0.06666666666666667, 0.06666666666666667, -0.016666666666666666],
      [0.16666666666666666, -0.16666666666666666, -0.41666666666666663],
    ],
  ],
  [
    'huberLoss delta 0.8',
    (x) => F.huberLoss(x, tensor(Y), { delta: 0.8 }),
    0.29291666666666666,
    [
      [-0.024999999999999998, -0.025, 0.00833333333333334],
      [0.041666666666666664, -0.05833333333333333, -0.05833333333333333],
      [-0.03333333333333333, 0.03333333333333333, -0.008333333333333333],
      [0.06666666666666667, -0.06666666666666667, -0.06666666666666667],
    ],
  ],
  [
    'binaryCrossEntropyWithLogits',
    (x) => F.binaryCrossEntropyWithLogits(x, tensor(YB)),
    1.0426482959777923,
    [
      [-0.037513833557293506, 0.01784708474645345, -0.009091401766301077],
      [0.0681312063494703, 0.04787020973430492, -0.05568231434734718],
      [-0.04989063834270433, -0.024087541447916343, 0.043748265623245],
      [0.07938117723520279, -0.07339975649815687, 0.010204944266821217],
    ],
  ],
  [
    'binaryCrossEntropyWithLogits posWeight + weight, sum',
    (x) =>
      F.binaryCrossEntropyWithLogits(x, tensor(YB), {
        posWeight: tensor([1.0, 2.0, 0.5]),
        weight: tensor([2, 1, 1]),
        reduction: 'sum',
      }),
    20.513144156768973,
    [
      [-0.9003320053750441, 0.2141650169574414, -0.05454841059780646],
      [1.6351489523872873, 0.574442516811659, -0.3340938860840831],
      [-1.197375320224904, -0.5781009947499922, 0.52497918747894],
      [1.9051482536448667, -1.7615941559557649, 0.21684449840139097],
    ],
  ],
];

describe('nn.functional equals PyTorch (values and gradients, float64)', () => {
  for (const [name, f, value, grad] of cases) {
    it(name, () => {
      const [v, g] = run(f);
      close(v, value);
      close(g, grad.flat());
    });
  }

  it('crossEntropy is stable at large logits and takes (C) and (N, C, d) inputs', () => {
    close(F.crossEntropy(tensor([[1000, 1001]]), int([1])).item(), 0.31326168751822286);
    close(F.crossEntropy(tensor([[-1000, -1001]]), int([1])).item(), 1.3132616875182228);
    const x3 = tensor(
      Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      { shape: [2, 3, 4] },
    );
    const t3 = tensor(new Int32Array([0, 1, 2, 1, 2, 2, 0, 1]), { shape: [2, 4] });
    close(F.crossEntropy(x3, t3).item(), 1.1070728779410623);
    const t0 = tensor(new Int32Array([1]), { shape: [] });
    close(F.crossEntropy(tensor([0.1, 0.7, -0.3]), t0).item(), 0.6506003020246401);
  });

  it('linear is input·weightᵀ + bias', () => {
    const y = F.linear(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([
        [1, 0],
        [1, 1],
        [0, 2],
      ]),
      tensor([0.5, 0, -1]),
    );
    expect(y.toArray()).toEqual([
      [1.5, 3, 3],
      [3.5, 7, 7],
    ]);
    expect(F.linear(tensor([[1, 2]]), tensor([[3, 4]])).toArray()).toEqual([[11]]);
  });
});

describe('gradcheck and gradgradcheck (with forward mode) of each loss', () => {
  const inputs = () => [tensor(X, { requiresGrad: true })];
  for (const [name, f] of cases) {
    it(name, () => {
      expect(gradcheck(f, inputs(), { checkForwardAd: true })).toBe(true);
      expect(gradgradcheck(f, inputs())).toBe(true);
    });
  }
  it('with respect to the targets and weights too', () => {
    const x = tensor(X, { requiresGrad: true });
    const y = tensor(Y, { requiresGrad: true });
    expect(gradgradcheck((a, b) => F.mseLoss(a, b), [x, y])).toBe(true);
    expect(gradgradcheck((a, b) => F.huberLoss(a, b, { reduction: 'none', delta: 0.8 }), [x, y])).toBe(true);
    const yb = tensor(YB, { requiresGrad: true });
    const pw = tensor([1.0, 2.0, 0.5], { requiresGrad: true });
    expect(
      gradgradcheck((a, b, c) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: c }), [x, yb, pw]),
    ).toBe(true);
    const w = tensor([0.5, 2.0, 1.5], { requiresGrad: true });
    expect(gradgradcheck((a, c) => F.crossEntropy(a, T(), { weight: c, labelSmoothing: 0.3 }), [x, w])).toBe(
      true,
    );
    const wl = tensor([[1, 0.5, 2]], { requiresGrad: true });
    const b = tensor([0.1, -0.2], { requiresGrad: true });
    expect(
      gradgradcheck(
        (a, c, d) => F.linear(a, c, d),
        [tensor([[1, 2, 3]], { requiresGrad: true }), wl.expand([2, 3]).detach().requiresGrad_(), b],
      ),
    ).toBe(true);
  });
});

describe('bad input', () => {
  it('targets out of [0, C) name the op, the value and the shapes', () => {
    expect(() => F.crossEntropy(tensor(X), int([2, 0, 3, 1]))).toThrow(
      'crossEntropy: Target 3 is out of bounds: it must be in [0, 3) (input shape [4, 3], target shape [4])',
    );
    expect(() => F.nllLoss(tensor(X), int([-1, 0, 1, 1]))).toThrow(
      'nllLoss: Target -1 is out of bounds: it must be in [0, 3) (input shape [4, 3], target shape [4])',
    );
  });
  it('targets of the wrong dtype or shape, bad weights, reductions and smoothing', () => {
    expect(() => F.crossEntropy(tensor(X), tensor([2, 0, 1, 1]))).toThrow(
      'crossEntropy: expected target of dtype int32 (class indices), got float64 (input shape [4, 3], target shape [4])',
    );
    expect(() => F.nllLoss(tensor(X), int([2, 0, 1]))).toThrow(
      'nllLoss: expected target of shape [4] for input shape [4, 3], target shape [3]',
    );
    expect(() => F.crossEntropy(tensor(X), T(), { weight: tensor([1, 2]) })).toThrow(
      'crossEntropy: weight must be a 1-D tensor of 3 values (one per class), got shape [2]',
    );
    // @ts-expect-error an invalid reduction
    expect(() => F.mseLoss(tensor(X), tensor(Y), { reduction: 'avg' })).toThrow(
      'mseLoss: avg is not a valid value for reduction',
    );
    expect(() => F.crossEntropy(tensor(X), T(), { labelSmoothing: 1.5 })).toThrow(
      'crossEntropy: labelSmoothing must be between 0.0 and 1.0. Got: 1.5',
    );
    expect(() => F.huberLoss(tensor(X), tensor(Y), { delta: 0 })).toThrow(
      'huberLoss: delta must be positive, got 0',
    );
  });
  it('complex class scores or weights are a TypeError (torch has no complex nll_loss or log_softmax)', () => {
    const z = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], { shape: [2, 3], dtype: 'complex128' });
    const typeError = (call: () => unknown, message: string) => {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(message);
    };
    const torchName = { nllLoss: 'nll_loss', crossEntropy: 'cross_entropy' };
    for (const [name, f] of [
      ['nllLoss', F.nllLoss],
      ['crossEntropy', F.crossEntropy],
    ] as const) {
      typeError(
        () => f(z, int([0, 2])),
        `${name}: ${torchName[name]} is not implemented for complex tensors, got complex128 of shape [2, 3]`,
      );
      typeError(
        () => f(z.to('complex64'), int([0, 2])),
        `${name}: ${torchName[name]} is not implemented for complex tensors, got complex64 of shape [2, 3]`,
      );
      typeError(
        () => f(tensor(X), T(), { weight: tensor([1, 0, 1, 0, 1, 0], { dtype: 'complex128' }) }),
        `${name}: ${torchName[name]} is not implemented for complex tensors, got complex128 of shape [3]`,
      );
    }
  });
});

describe('under func.vmap', () => {
  it('per-sample crossEntropy and its gradient equal the unbatched ones; targets are still checked', () => {
    const x = tensor(X);
    const t = T();
    const per = func.vmap((row: Tensor, y: Tensor) => F.crossEntropy(row, y))(x, t);
    close(
      per.toArray() as number[],
      [0.16800446221997503, 0.3450052766575144, 0.5434055416160293, 5.08509724636431],
    );
    const g = func.vmap(func.grad((row: Tensor, y: Tensor) => F.crossEntropy(row, y)))(x, t);
    close((g.toArray() as number[][]).flat(), cases[1][3].flat());
    expect(() => func.vmap((row: Tensor, y: Tensor) => F.crossEntropy(row, y))(x, int([0, 1, 2, 7]))).toThrow(
      'crossEntropy: Target 7 is out of bounds: it must be in [0, 3)',
    );
  });
});

describeWebGPU('nn.functional on webgpu (float32) agrees with PyTorch', () => {
  const gpu = (v: number[][][] | number[][] | number[]) => tensor(v, { device: 'webgpu', dtype: 'float32' });
  const target = () => tensor(new Int32Array([2, 0, 1, 1]), { device: 'webgpu' });
  const gpuCases: [string, (x: Tensor) => Tensor][] = [
    ['crossEntropy labelSmoothing', (x) => F.crossEntropy(x, target(), { labelSmoothing: 0.1 })],
    ['nllLoss weight', (x) => F.nllLoss(x, target(), { weight: gpu([0.5, 2.0, 1.5]) })],
    ['mseLoss', (x) => F.mseLoss(x, gpu(Y))],
    ['huberLoss delta 0.8', (x) => F.huberLoss(x, gpu(Y), { delta: 0.8 })],
    ['binaryCrossEntropyWithLogits', (x) => F.binaryCrossEntropyWithLogits(x, gpu(YB))],
  ];
  for (const [name, f] of gpuCases) {
    it(name, async () => {
      const [, , value, grad] = cases.find((c) => c[0] === name)!;
      const x = tensor(X, { device: 'webgpu', dtype: 'float32', requiresGrad: true });
      const l = f(x);
      l.backward();
      close(Array.from(await l.data()), [value].flat(), 1e-5);
      close(Array.from(await x.grad!.data()), grad.flat(), 1e-5);
    });
  }
  it('targets out of [0, C) reject when the loss or its gradient is read, with the cpu message', async () => {
    const bad = (v: number[]) => tensor(new Int32Array(v), { device: 'webgpu' });
    const x = tensor(X, { device: 'webgpu', dtype: 'float32', requiresGrad: true });
    const ce = F.crossEntropy(x, bad([2, 0, 7, 1]));
    ce.backward();
    const ceMessage =
      'crossEntropy: Target 7 is out of bounds: it must be in [0, 3) (input shape [4, 3], target shape [4])';
    await expect(ce.data()).rejects.toThrow(ceMessage);
    await expect(ce.mul(2).data()).rejects.toThrow(ceMessage);
    await expect(x.grad!.data()).rejects.toThrow(ceMessage);
    // The first offending value in order, as on the cpu; ignoreIndex is not out of bounds.
    const nll = F.nllLoss(gpu(X), bad([-100, 5, -1, 1]), { reduction: 'none', weight: gpu([0.5, 2.0, 1.5]) });
    await expect(nll.data()).rejects.toThrow(
      'nllLoss: Target 5 is out of bounds: it must be in [0, 3) (input shape [4, 3], target shape [4])',
    );
    await expect(F.nllLoss(gpu(X), bad([2, 0, 1, -100]), { ignoreIndex: 0 }).data()).rejects.toThrow(
      'nllLoss: Target -100 is out of bounds',
    );
    await expect(
      F.crossEntropy(
        gpu([
          [
            [0.1, 0.2],
            [0.3, 0.4],
          ],
        ]),
        tensor(new Int32Array([0, 2]), { device: 'webgpu', shape: [1, 2] }),
      ).data(),
    ).rejects.toThrow(
      'crossEntropy: Target 2 is out of bounds: it must be in [0, 2) (input shape [1, 2, 2], target shape [1, 2])',
    );
    // Later work is unaffected: valid and ignored targets give the cpu's values.
    for (const opts of [{}, { ignoreIndex: 0 }, { labelSmoothing: 0.1, ignoreIndex: 1 }]) {
      const cpu = F.crossEntropy(tensor(X), int([2, 0, 1, 1]), opts).item();
      const got = await F.crossEntropy(gpu(X), bad([2, 0, 1, 1]), opts).data();
      close(Array.from(got), [cpu], 1e-5);
    }
    const ignored = await F.nllLoss(gpu(X), bad([-100, 0, 1, -100]), { reduction: 'none' }).data();
    close(Array.from(ignored), [0, -X[1][0], -X[2][1], 0], 1e-6);
  });
  it('a training loop does not chain the target checks of its steps through the parameters', async () => {
    // Each step's parameters are computed from its gradient, which carries the step's device check:
    // once a check has found nothing it must be dropped, or reads walk every path back to step 0.
    const w = tensor([[0.1, -0.2, 0.3]], { device: 'webgpu', dtype: 'float32', requiresGrad: true });
    const opt = new optim.Adam([w], { lr: 0.1 });
    const t = tensor(new Int32Array([2, 0, 1, 1]), { device: 'webgpu' });
    for (let step = 0; step < 30; step++) {
      opt.zeroGrad();
      const l = F.crossEntropy(gpu(X).mul(w), t);
      l.backward();
      opt.step();
      await l.data();
      await w.data();
      expect(w.gpuView().storage.pendingError).toBeUndefined();
    }
  });
  it('under func.vmap: per-sample losses, and a bad target in any sample rejects on read', async () => {
    const per = (y: Tensor) => func.vmap((row: Tensor, t: Tensor) => F.crossEntropy(row, t))(gpu(X), y);
    const ok = await per(tensor(new Int32Array([2, 0, 1, 1]), { device: 'webgpu' })).data();
    close(
      Array.from(ok),
      [0.16800446221997503, 0.3450052766575144, 0.5434055416160293, 5.08509724636431],
      1e-5,
    );
    await expect(per(tensor(new Int32Array([0, 1, 2, 7]), { device: 'webgpu' })).data()).rejects.toThrow(
      'crossEntropy: Target 7 is out of bounds: it must be in [0, 3)',
    );
  });
  it('crossEntropy is stable at logits of ±1000', async () => {
    const t = tensor(new Int32Array([1]), { device: 'webgpu' });
    close(Array.from(await F.crossEntropy(gpu([[1000, 1001]]), t).data()), [0.31326168751822286], 1e-6);
    close(Array.from(await F.crossEntropy(gpu([[-1000, -1001]]), t).data()), [1.3132616875182228], 1e-6);
  });
});
