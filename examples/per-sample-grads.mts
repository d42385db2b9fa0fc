/**
 * Per-sample gradients of a linear model with func.vmap(func.grad(loss)): one call gives the
 * gradient of every sample's loss (a [batch, features] tensor), which is what differentially
 * private SGD needs to clip each sample's gradient before averaging. The same gradients by a loop
 * of func.grad calls are computed for comparison (same values, slower).
 *
 *   npx tsx examples/per-sample-grads.mts
 *   npx tsx examples/per-sample-grads.mts --batch 512 --features 32
 */
import { parseArgs } from 'node:util';
import { func, matmul, randn, stack, type Tensor, tensor } from '../src/index.js';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '256' },
    features: { type: 'string', default: '16' },
    steps: { type: 'string', default: '200' },
    clip: { type: 'string', default: '4' },
  },
});
const batch = Number(values.batch);
const features = Number(values.features);
const clip = Number(values.clip);

// Data from a known linear model with noise.
const wTrue = randn([features], { seed: 1 });
const X = randn([batch, features], { seed: 2 });
const y = matmul(X, wTrue).add(randn([batch], { seed: 3 }).mul(0.1));

/** One sample's squared error. */
const loss = (w: Tensor, xi: Tensor, yi: Tensor) => matmul(xi, w).sub(yi).square();
/** Every sample's gradient: w is shared (inDim null), X and y are batched along dim 0. */
const perSampleGrads = func.vmap(func.grad(loss), [null, 0, 0]);

// The same gradients, one func.grad call per sample.
let w = randn([features], { seed: 4 }).mul(0.1);
let t0 = performance.now();
const G = perSampleGrads(w, X, y);
const vmapMs = performance.now() - t0;
t0 = performance.now();
const rows: Tensor[] = [];
for (let i = 0; i < batch; i++)
  rows.push(func.grad(loss)(w, X.narrow(0, i, 1).squeeze(0), y.narrow(0, i, 1).squeeze(0)));
const loopMs = performance.now() - t0;
const diff = G.sub(stack(rows)).abs().sum().item();
console.log(
  `per-sample gradients ${G.shape.join('×')}: vmap(grad) ${vmapMs.toFixed(1)} ms, a loop of grad ` +
    `${loopMs.toFixed(1)} ms (${(loopMs / vmapMs).toFixed(0)}× slower), Σ|difference| = ${diff.toExponential(1)}`,
);

// Clipped SGD: each sample's gradient scaled to norm ≤ clip, then averaged.
const lr = 0.1;
for (let step = 0; step <= Number(values.steps); step++) {
  const g = perSampleGrads(w, X, y);
  const norms = g.square().sum(1, true).sqrt();
  const scale = tensor(1).div(norms.div(clip).maximum(1)); // min(1, clip / ‖gᵢ‖)
  const update = g.mul(scale).mean(0);
  w = w.sub(update.mul(lr));
  if (step % 50 === 0) {
    const mse = matmul(X, w).sub(y).square().mean().item();
    const clipped = Array.from(norms.dataSync()).filter((v) => v > clip).length;
    console.log(
      `step ${String(step).padStart(3)}: mse ${mse.toFixed(5)}, ${clipped}/${batch} gradients clipped`,
    );
  }
}
console.log(`‖w − w_true‖ = ${w.sub(wTrue).square().sum().sqrt().item().toFixed(4)}`);
