/**
 * linagrad demo: fit a small neural network to noisy samples of sin(x) with Adam, on the CPU
 * (float64) or on WebGPU (float32), and print the loss as it falls.
 *
 *   npx tsx examples/mlp.mts            # CPU
 *   npx tsx examples/mlp.mts --webgpu  # WebGPU (a software adapter works: see scripts/setup-webgpu.sh)
 */
import { parseArgs } from 'node:util';
import { type Device, initWebGPU, optim, randn, type Tensor, tensor, tidy } from '../src/index.js';

const { values } = parseArgs({
  options: {
    webgpu: { type: 'boolean', default: false },
    steps: { type: 'string', default: '600' },
    hidden: { type: 'string', default: '32' },
  },
});
const steps = Number(values.steps);
const hidden = Number(values.hidden);
const device: Device = values.webgpu ? 'webgpu' : 'cpu';
const dtype = device === 'webgpu' ? 'float32' : 'float64';

if (device === 'webgpu') {
  const info = await initWebGPU();
  console.log(`WebGPU adapter: ${info.adapter} (${info.backend}, ${info.featureLevel})`);
}

// Data: y = sin(x) + noise on [-3, 3].
const n = 256;
const xs = Float64Array.from({ length: n }, (_, i) => -3 + (6 * i) / (n - 1));
const noise = randn([n], { seed: 7 }).dataSync();
const ys = xs.map((x, i) => Math.sin(x) + 0.1 * noise[i]);
const X = tensor(xs, { shape: [n, 1], dtype, device });
const Y = tensor(ys, { shape: [n, 1], dtype, device });

// A two-layer perceptron with tanh.
const param = (shape: number[], scale: number, seed: number) =>
  randn(shape, { seed, dtype }).mul(scale).to(device).requiresGrad_();
const W1 = param([1, hidden], 1, 1);
const b1 = param([hidden], 0.1, 2);
const W2 = param([hidden, 1], 1 / Math.sqrt(hidden), 3);
const b2 = param([1], 0.1, 4);
const model = (x: Tensor) => x.matmul(W1).add(b1).tanh().matmul(W2).add(b2);

const opt = new optim.Adam([W1, b1, W2, b2], { lr: 0.02 });
const t0 = performance.now();
let first = Number.NaN;
let last = Number.NaN;
for (let step = 0; step <= steps; step++) {
  const loss = tidy(() => {
    opt.zeroGrad();
    const l = model(X).sub(Y).square().mean();
    l.backward();
    opt.step();
    return l.detach();
  });
  if (step % Math.max(1, Math.floor(steps / 10)) === 0) {
    last = (await loss.data())[0];
    if (step === 0) first = last;
    console.log(`step ${String(step).padStart(5)}  loss ${last.toFixed(6)}`);
  }
  loss.dispose();
}
const ms = performance.now() - t0;
console.log(
  `\n${device}/${dtype}: mean squared error ${first.toFixed(4)} -> ${last.toFixed(4)} in ${steps} steps ` +
    `(${(ms / steps).toFixed(2)} ms/step); noise floor is 0.01`,
);
if (!(last < first / 5)) {
  console.error('the loss did not fall as expected');
  process.exit(1);
}
process.exit(0);
