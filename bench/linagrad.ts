/**
 * linagrad's adapters for the benchmark: CPU float64 (the baseline of every ratio) and, with
 * --webgpu, WebGPU float32 (informational). Same contract as the peers' (peers.ts).
 */
import { eye, func, getWebGPUInfo, initWebGPU, linalg, type Tensor, tensor, tidy } from '../src/index.js';
import type { CaseInput } from './cases.js';
import { type Library, type Runner, runner, shapeOf } from './peers.js';

// ---------------------------------------------------------------------------------------------
// linagrad (this repository), CPU float64.

/** Flat float64 values of the outputs, one after the other (each over its whole batch). */
function toF64(ts: Tensor | Tensor[]): Float64Array {
  const list = Array.isArray(ts) ? ts : [ts];
  const parts = list.map((t) => t.dataSync() as ArrayLike<number>);
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  for (const t of list) t.dispose();
  return out;
}

function release(ts: Tensor | Tensor[]): void {
  for (const t of Array.isArray(ts) ? ts : [ts]) t.dispose();
}

const f64 = (data: Float64Array, shape: number[], requiresGrad = false) =>
  tensor(data, { shape, dtype: 'float64', device: 'cpu', requiresGrad });

/** A runner of `f` on CPU tensors; its outputs are read in order. */
function cpu(f: () => Tensor | Tensor[]) {
  return runner<Tensor | Tensor[]>({ run: f, read: toF64, release });
}

/** Gradient of `loss(A)` with respect to A. */
function gradOf(A: Tensor, loss: (a: Tensor) => Tensor) {
  return cpu(() => {
    loss(A).backward();
    const g = A.grad!;
    A.grad = null;
    return g;
  });
}

/** GP −log p and its gradient (see gp.ts for the formula); D² and I are inputs, θ three scalars. */
function gpRunner(input: CaseInput) {
  const { n } = input;
  const D2 = f64(input.a, [n, n]);
  const y = f64(input.b!, [n, 1]);
  const I = eye(n, { dtype: 'float64' });
  const log2pi = 0.5 * n * Math.log(2 * Math.PI);
  return cpu(() => {
    const th = Array.from(input.theta!, (v) => f64(Float64Array.of(v), [], true));
    const [ll, lf, ln] = th as [Tensor, Tensor, Tensor];
    const k = D2.mul(ll.mul(-2).exp().mul(-0.5))
      .exp()
      .mul(lf.mul(2).exp())
      .add(I.mul(ln.mul(2).exp()));
    const L = linalg.cholesky(k);
    const z = linalg.solveTriangular(L, y, { upper: false });
    const nlp = z.mul(z).sum().mul(0.5).add(L.diagonal().log().sum()).add(log2pi);
    nlp.backward();
    const out = [nlp.detach(), ...th.map((t) => t.grad!)];
    return out;
  });
}

/** The GP's −log p as a function of θ (one tensor of 3), for func.hessian. */
function gpHessianRunner(input: CaseInput) {
  const { n } = input;
  const D2 = f64(input.a, [n, n]);
  const y = f64(input.b!, [n, 1]);
  const I = eye(n, { dtype: 'float64' });
  const log2pi = 0.5 * n * Math.log(2 * Math.PI);
  const nlp = (th: Tensor) => {
    const [ll, lf, ln] = [0, 1, 2].map((i) => th.narrow(0, i, 1)) as [Tensor, Tensor, Tensor];
    const k = D2.mul(ll.mul(-2).exp().mul(-0.5))
      .exp()
      .mul(lf.mul(2).exp())
      .add(I.mul(ln.mul(2).exp()));
    const L = linalg.cholesky(k);
    const z = linalg.solveTriangular(L, y, { upper: false });
    return z.mul(z).sum().mul(0.5).add(L.diagonal().log().sum()).add(log2pi);
  };
  const theta = f64(Float64Array.from(input.theta!), [3]);
  const H = func.hessian(nlp);
  return cpu(() => H(theta));
}

export const linagradCpu: Library = {
  name: 'linagrad',
  dtype: 'float64',
  baseline: true,
  how: {
    inv: 'linalg.inv (batched)',
    invBackward: 'linalg.inv(A).sum().backward()',
    matmul: 'matmul',
    matmulC128: 'matmul of complex128 tensors',
    solve: 'linalg.solve',
    cholesky: 'linalg.cholesky (batched)',
    det: 'linalg.det',
    svd: 'linalg.svd (batched)',
    svdvals: 'linalg.svdvals',
    svdvalsBackward: 'linalg.svdvals(A).sum().backward()',
    eigh: 'linalg.eigh (batched)',
    qr: 'linalg.qr',
    pinv: 'linalg.pinv',
    gp: 'cholesky, solveTriangular, elementwise ops, backward',
    jvpInv: 'func.jvp(linalg.inv, [A], [V])',
    gpHessian: 'func.hessian (jacfwd over jacrev) of the gp case',
    jacrevSolve: 'func.jacrev(x => linalg.solve(A, x)) (vmap over vjp)',
  },
  missing: {},
  ops: {
    inv: (input) => {
      const A = f64(input.a, shapeOf(input));
      return cpu(() => linalg.inv(A));
    },
    invBackward: (input) => gradOf(f64(input.a, shapeOf(input), true), (a) => linalg.inv(a).sum()),
    matmul: (input) => {
      const A = f64(input.a, shapeOf(input));
      const B = f64(input.b!, shapeOf(input));
      return cpu(() => linalg.matmul(A, B));
    },
    // complex128 tensors from the interleaved data (m×m complex, interleaved (re, im)).
    matmulC128: (input) => {
      const m = input.m!;
      const A = tensor(input.a, { shape: [m, m], dtype: 'complex128' });
      const B = tensor(input.b!, { shape: [m, m], dtype: 'complex128' });
      return cpu(() => linalg.matmul(A, B));
    },
    solve: (input) => {
      const A = f64(input.a, shapeOf(input));
      const B = f64(input.b!, shapeOf(input));
      return cpu(() => linalg.solve(A, B));
    },
    cholesky: (input) => {
      const S = f64(input.a, shapeOf(input));
      return cpu(() => linalg.cholesky(S));
    },
    det: (input) => {
      const A = f64(input.a, shapeOf(input));
      return cpu(() => linalg.det(A));
    },
    svd: (input) => {
      const A = f64(input.a, shapeOf(input));
      return cpu(() => {
        const { U, S, Vh } = linalg.svd(A, { fullMatrices: false });
        return [U, S, Vh];
      });
    },
    svdvals: (input) => {
      const A = f64(input.a, shapeOf(input));
      return cpu(() => linalg.svdvals(A));
    },
    svdvalsBackward: (input) => gradOf(f64(input.a, shapeOf(input), true), (a) => linalg.svdvals(a).sum()),
    eigh: (input) => {
      const A = f64(input.a, shapeOf(input));
      return cpu(() => {
        const { eigenvalues, eigenvectors } = linalg.eigh(A);
        return [eigenvalues, eigenvectors];
      });
    },
    qr: (input) => {
      const A = f64(input.a, shapeOf(input));
      return cpu(() => {
        const { Q, R } = linalg.qr(A);
        return [Q, R];
      });
    },
    pinv: (input) => {
      const A = f64(input.a, shapeOf(input));
      return cpu(() => linalg.pinv(A));
    },
    gp: gpRunner,
    jvpInv: (input) => {
      const A = f64(input.a, shapeOf(input));
      const V = f64(input.b!, shapeOf(input));
      return cpu(() => func.jvp(linalg.inv, [A], [V]));
    },
    gpHessian: gpHessianRunner,
    jacrevSolve: (input) => {
      const A = f64(input.a, shapeOf(input));
      const x = f64(input.b!, [input.n]);
      const J = func.jacrev((v: Tensor) => linalg.solve(A, v));
      return cpu(() => J(x));
    },
  },
};

// ---------------------------------------------------------------------------------------------
// linagrad on WebGPU, float32 (only with --webgpu). The timed part includes reading the result
// back, which is the only way to wait for the GPU.

function gpuRunner(make: () => Tensor, inputs: Tensor[], useTidy = true): Runner<never> {
  return runner<Float32Array>({
    run: async () => {
      const x = useTidy ? tidy(make) : make();
      const d = (await x.data()) as Float32Array;
      x.dispose();
      return d;
    },
    read: (d) => Float64Array.from(d),
    cleanup: () => {
      for (const t of inputs) t.dispose();
    },
  });
}

const f32 = (a: Float64Array) => Float32Array.from(a);

export const linagradWebGPU: Library = {
  name: 'linagrad webgpu f32',
  dtype: 'float32',
  informational: true,
  how: {
    inv: 'linalg.inv on webgpu + readback',
    invBackward: 'inv(A).sum().backward() on webgpu + readback of A.grad',
    solve: 'linalg.solve on webgpu + readback',
    cholesky: 'linalg.cholesky on webgpu + readback',
    det: 'linalg.det on webgpu + readback',
  },
  missing: {},
  async init() {
    const info = await initWebGPU();
    return `adapter: ${info.adapter} (${info.backend})`;
  },
  ops: {
    inv: (input) => {
      const A = tensor(f32(input.a), { shape: shapeOf(input), device: 'webgpu' });
      return gpuRunner(() => linalg.inv(A), [A]);
    },
    invBackward: (input) => {
      const A = tensor(f32(input.a), { shape: shapeOf(input), device: 'webgpu', requiresGrad: true });
      // Not inside tidy(): there, reading the returned A.grad fails with "WebGPU read: the storage
      // was already freed" (linagrad bug seen with linalg.inv + backward and linalg.solve inside
      // tidy on WebGPU; linalg.invEx + backward is fine). Intermediates go to the GC safety net.
      return gpuRunner(
        () => {
          linalg.inv(A).sum().backward();
          const g = A.grad!;
          A.grad = null;
          return g;
        },
        [A],
        false,
      );
    },
    solve: (input) => {
      const A = tensor(f32(input.a), { shape: [input.n, input.n], device: 'webgpu' });
      const B = tensor(f32(input.b!), { shape: [input.n, input.n], device: 'webgpu' });
      return gpuRunner(() => linalg.solve(A, B), [A, B], false); // same tidy() problem as invBackward
    },
    cholesky: (input) => {
      const S = tensor(f32(input.a), { shape: [input.n, input.n], device: 'webgpu' });
      return gpuRunner(() => linalg.cholesky(S), [S]);
    },
    det: (input) => {
      const A = tensor(f32(input.a), { shape: [input.n, input.n], device: 'webgpu' });
      return gpuRunner(() => linalg.det(A), [A]);
    },
  },
};

export function webgpuAdapterName(): string | null {
  return getWebGPUInfo()?.adapter ?? null;
}
