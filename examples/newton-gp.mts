/**
 * Fit the hyperparameters of a Gaussian process by Newton's method with func.hessian, and count
 * the steps Adam needs for the same fit.
 *
 * θ = (log ℓ, log σf, log σn) of a squared-exponential kernel; the loss is the negative log
 * marginal likelihood  ½ yᵀK⁻¹y + ½ log det K + (n/2) log 2π  through cholesky and solve. Newton's
 * step solves H d = −g with the 3×3 Hessian from func.hessian (forward over reverse), damped
 * toward gradient descent where H is not positive-definite, with a backtracking line search.
 *
 *   npx tsx examples/newton-gp.mts
 *   npx tsx examples/newton-gp.mts --n 80 --tol 1e-9
 */
import { parseArgs } from 'node:util';
import { eye, func, LinAlgError, linalg, optim, randn, type Tensor, tensor } from '../src/index.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '40' },
    tol: { type: 'string', default: '1e-8' },
    'adam-steps': { type: 'string', default: '5000' },
  },
});
const n = Number(values.n);
const tol = Number(values.tol);

// Data: y = sin(x) + noise at n points on [0, 8].
const x = tensor(Float64Array.from({ length: n }, (_, i) => (8 * i) / (n - 1)));
const y = x.sin().add(randn([n], { seed: 5 }).mul(0.2));
const D2 = x.unsqueeze(1).sub(x.unsqueeze(0)).square(); // squared distances (constant)
const I = eye(n);

/** −log p(y | θ). */
function nll(theta: Tensor): Tensor {
  const [logL, logSf, logSn] = [0, 1, 2].map((i) => theta.narrow(0, i, 1)) as [Tensor, Tensor, Tensor];
  const K = D2.mul(logL.mul(-2).exp().mul(-0.5))
    .exp()
    .mul(logSf.mul(2).exp())
    .add(I.mul(logSn.mul(2).exp()));
  const L = linalg.cholesky(K);
  const alpha = linalg.solve(K, y.unsqueeze(1));
  const halfLogdet = L.diagonal().log().sum();
  return y
    .unsqueeze(0)
    .matmul(alpha)
    .sum()
    .mul(0.5)
    .add(halfLogdet)
    .add(0.5 * n * Math.log(2 * Math.PI));
}

/** −log p, or +∞ where K is not numerically positive-definite (a step too far). */
function tryNll(theta: Tensor): number {
  try {
    return nll(theta).item();
  } catch (e) {
    if (e instanceof LinAlgError) return Number.POSITIVE_INFINITY;
    throw e;
  }
}

const theta0 = [0, 0, Math.log(0.5)];
const gradAndValue = func.gradAndValue(nll);
const hessian = func.hessian(nll);
const maxAbs = (t: Tensor) => Math.max(...Array.from(t.abs().dataSync()));

// ---- Newton ----------------------------------------------------------------------------------
let theta = tensor(theta0);
let newtonSteps = 0;
const t0 = performance.now();
for (; newtonSteps < 100; newtonSteps++) {
  const [g, value] = gradAndValue(theta);
  if (maxAbs(g) < tol) break;
  const H = hessian(theta);
  // Damping: the smallest λ ≥ 0 (0, then 1e-4 growing ×10) that makes H + λI positive-definite.
  let lambda = 0;
  while (linalg.choleskyEx(H.add(eye(3).mul(lambda))).info.item() !== 0) lambda = lambda ? lambda * 10 : 1e-4;
  let d = linalg.solve(H.add(eye(3).mul(lambda)), g.neg());
  if (maxAbs(d) > 1) d = d.div(maxAbs(d)); // at most a factor e per step in each hyperparameter
  // Backtracking line search (Armijo).
  const slope = g.mul(d).sum().item();
  let t = 1;
  while (!(tryNll(theta.add(d.mul(t))) <= value.item() + 1e-4 * t * slope) && t > 1e-8) t /= 2;
  theta = theta.add(d.mul(t));
}
const newtonMs = performance.now() - t0;
const best = nll(theta).item();
console.log(
  `Newton (func.hessian): ${newtonSteps} steps, ${newtonMs.toFixed(0)} ms, −log p = ${best.toFixed(10)}, ` +
    `θ = [${Array.from(theta.dataSync(), (v) => v.toFixed(5)).join(', ')}] (log ℓ, log σf, log σn)`,
);

// ---- Adam --------------------------------------------------------------------------------------
const th = tensor(theta0, { requiresGrad: true });
const opt = new optim.Adam([th], { lr: 0.05 });
const maxSteps = Number(values['adam-steps']);
let adamSteps = 0;
let last = Number.NaN;
const t1 = performance.now();
for (; adamSteps < maxSteps; adamSteps++) {
  opt.zeroGrad();
  const loss = nll(th);
  loss.backward();
  last = loss.item();
  if (maxAbs(th.grad!) < tol) break;
  opt.step();
}
const adamMs = performance.now() - t1;
const reached = adamSteps < maxSteps;
console.log(
  `Adam (lr 0.05):        ${reached ? adamSteps : `> ${maxSteps}`} steps, ${adamMs.toFixed(0)} ms, ` +
    `−log p = ${last.toFixed(10)} (${(last - best).toExponential(1)} above Newton's)`,
);
console.log(
  `Stopping rule for both: max |∂(−log p)/∂θ| < ${tol}. Newton took ${newtonSteps} steps, Adam ` +
    `${reached ? `${adamSteps} (${(adamSteps / Math.max(newtonSteps, 1)).toFixed(0)}× as many)` : `more than ${maxSteps}`}.`,
);
