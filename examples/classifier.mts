/**
 * linagrad demo: classify the two-spirals data set with a small neural network (2 -> 64 -> 64 -> 2,
 * tanh), trained with `nn.functional.crossEntropy` and Adam, on the CPU (float64) or on WebGPU
 * (float32). A progress bar (cli-progress) shows the loss and the training accuracy.
 *
 *   npx tsx examples/classifier.mts             # CPU
 *   npx tsx examples/classifier.mts --webgpu    # WebGPU (a software adapter works: see scripts/setup-webgpu.sh)
 *   npx tsx examples/classifier.mts --steps 300 # fewer steps (a quick check; the accuracy is then lower)
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { type Device, initWebGPU, nn, optim, randn, type Tensor, tensor, tidy } from '../src/index.js';

const { values } = parseArgs({
  options: {
    webgpu: { type: 'boolean', default: false },
    steps: { type: 'string', default: '1000' },
    hidden: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.01' },
  },
});
const steps = Number(values.steps);
const hidden = Number(values.hidden);
const lr = Number(values.lr);
const device: Device = values.webgpu ? 'webgpu' : 'cpu';
const dtype = device === 'webgpu' ? 'float32' : 'float64';

if (device === 'webgpu') {
  const info = await initWebGPU();
  console.log(`WebGPU adapter: ${info.adapter} (${info.backend}, ${info.featureLevel})`);
}

/** A small deterministic generator (mulberry32), so the data set is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Two interleaved spirals, `perClass` points each, with a little noise: class k is the spiral
 * r = t, angle = 4π·t + kπ (two turns) for t in (0, 1]. Returns the points (scaled to about [-1, 1]) and labels.
 */
function twoSpirals(perClass: number, seed: number): { x: Float64Array; y: Int32Array } {
  const rand = rng(seed);
  const n = 2 * perClass;
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 2;
    const t = 0.05 + 0.95 * rand();
    const angle = 4 * Math.PI * t + k * Math.PI;
    x[2 * i] = t * Math.cos(angle) + 0.04 * (rand() - 0.5);
    x[2 * i + 1] = t * Math.sin(angle) + 0.04 * (rand() - 0.5);
    y[i] = k;
  }
  return { x, y };
}

const train = twoSpirals(300, 1);
const test = twoSpirals(100, 2);
const Xtrain = tensor(train.x, { shape: [train.y.length, 2], dtype, device });
const Ytrain = tensor(train.y, { shape: [train.y.length], dtype: 'int32', device });
const Xtest = tensor(test.x, { shape: [test.y.length, 2], dtype, device });

// The network: two hidden tanh layers, weights scaled as Xavier/Glorot.
const param = (shape: number[], scale: number, seed: number) =>
  randn(shape, { seed, dtype }).mul(scale).to(device).requiresGrad_();
const W1 = param([2, hidden], 2, 1);
const b1 = param([hidden], 0.1, 2);
const W2 = param([hidden, hidden], 1 / Math.sqrt(hidden), 3);
const b2 = param([hidden], 0.1, 4);
const W3 = param([hidden, 2], 1 / Math.sqrt(hidden), 5);
const b3 = param([2], 0, 6);
const model = (x: Tensor) => x.matmul(W1).add(b1).tanh().matmul(W2).add(b2).tanh().matmul(W3).add(b3);

/** The share of points whose larger logit is at their label. */
async function accuracy(x: Tensor, labels: Int32Array): Promise<number> {
  const logits = tidy(() => model(x).detach());
  const z = await logits.data();
  logits.dispose();
  let right = 0;
  for (let i = 0; i < labels.length; i++) if ((z[2 * i + 1] > z[2 * i] ? 1 : 0) === labels[i]) right++;
  return right / labels.length;
}

const opt = new optim.Adam([W1, b1, W2, b2, W3, b3], { lr });
const bar = new cliProgress.SingleBar(
  {
    format: `${device} |{bar}| {value}/{total} steps | loss {loss} | train accuracy {acc}`,
    noTTYOutput: true,
    notTTYSchedule: 5000,
  },
  cliProgress.Presets.shades_classic,
);
bar.start(steps, 0, { loss: '-', acc: '-' });
const every = Math.max(1, Math.floor(steps / 50));
const t0 = performance.now();
let lastLoss = Number.NaN;
for (let step = 1; step <= steps; step++) {
  const loss = tidy(() => {
    opt.zeroGrad();
    const l = nn.functional.crossEntropy(model(Xtrain), Ytrain);
    l.backward();
    opt.step();
    return l.detach();
  });
  if (step % every === 0 || step === steps) {
    lastLoss = (await loss.data())[0];
    const acc = await accuracy(Xtrain, train.y);
    bar.update(step, { loss: lastLoss.toFixed(4), acc: `${(100 * acc).toFixed(1)} %` });
  }
  loss.dispose();
}
bar.stop();
const ms = performance.now() - t0;
const trainAcc = await accuracy(Xtrain, train.y);
const testAcc = await accuracy(Xtest, test.y);
console.log(
  `\n${device}/${dtype}: ${steps} steps in ${(ms / 1000).toFixed(1)} s (${(ms / steps).toFixed(2)} ms/step), ` +
    `final loss ${lastLoss.toFixed(4)}, training accuracy ${(100 * trainAcc).toFixed(1)} %, ` +
    `held-out accuracy ${(100 * testAcc).toFixed(1)} %`,
);
if (!(trainAcc > 0.95)) {
  console.error('the training accuracy did not reach 95 % (run more --steps)');
  process.exit(1);
}
process.exit(0);
