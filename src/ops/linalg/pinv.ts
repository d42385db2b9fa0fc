import { noGrad } from '../../autograd/grad-mode.js';
import type { GpuStorage } from '../../backends/backend.js';
import type { FloatArray } from '../../backends/cpu/linalg/index.js';
import { eigh as eighCpu, svdCpu } from '../../backends/cpu/linalg/spectral.js';
import { eighGpu, svdGpu } from '../../backends/webgpu/linalg/spectral.js';
import { dispatch1D, type WebGPURuntime, wgslFlatIndex, wgslParams } from '../../backends/webgpu/runtime.js';
import { eps, type FloatDType } from '../../dtype.js';
import { numelOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { zerosLike } from '../creation.js';
import { applyOp, defineOp, floatDtypes, type OpDef } from '../registry.js';
import {
  boolOption,
  checkFloat,
  checkMatrix,
  checkSquare,
  rangeScales,
  scaledCopy,
  timesPow2,
} from './common.js';
import { checkConvergence, diagnosticActive, reportIllDefined } from './guards.js';
import { type ToleranceArg, withTolerances } from './tolerance-args.js';

/**
 * The pseudoinverse P = A⁺ as one op: forward by the SVD A = U S Vh (or, with `hermitian`, by
 * eigh of the lower triangle), P = V diag(1/s for s > cutoff, else 0) Uᴴ with
 * cutoff = max(atol, rtol·σ_max); backward by Golub–Pereyra. Outputs: P (n×m), the singular values
 * S (k; |eigenvalues| in eigenvalue order when hermitian), cutoff and rank per matrix, and info.
 * Only P is differentiable; the others serve lstsq and the rank-change diagnostic.
 */
export interface PinvAttrs {
  readonly atol: number;
  readonly rtol: number;
  readonly hermitian: boolean;
}

function dims(shape: readonly number[]) {
  const [m, n] = shape.slice(-2);
  return { batch: numelOf(shape.slice(0, -2)), m, n, k: Math.min(m, n) };
}

/**
 * How P = L diag(f(d)) R is read from the factors, per batch element: L(i, l) = L[b·lb + i·li + l·ll],
 * R(l, j) = R[b·rb + l·rl + j·rj]; P is rows×cols, d has k entries.
 */
interface Layout {
  rows: number;
  cols: number;
  k: number;
  l: [number, number, number];
  r: [number, number, number];
}

function layoutOf(m: number, n: number, hermitian: boolean): Layout {
  if (hermitian) return { rows: n, cols: n, k: n, l: [n * n, n, 1], r: [n * n, 1, n] }; // V f(w) Vᴴ
  const k = Math.min(m, n);
  return { rows: n, cols: m, k, l: [k * n, 1, n], r: [m * k, 1, k] }; // Vhᴴ f(S) Uᴴ
}

function assembleCpu(
  L: Float64Array,
  d: Float64Array,
  R: Float64Array,
  batch: number,
  o: Layout,
  attrs: PinvAttrs,
  out: { p: FloatArray; s: FloatArray; cut: FloatArray; rank: Int32Array },
): void {
  const { rows, cols, k } = o;
  const f = new Float64Array(k);
  for (let b = 0; b < batch; b++) {
    let smax = 0;
    for (let l = 0; l < k; l++) smax = Math.max(smax, Math.abs(d[b * k + l]));
    const cutoff = Math.max(attrs.atol, attrs.rtol * smax);
    let rank = 0;
    for (let l = 0; l < k; l++) {
      const x = d[b * k + l];
      out.s[b * k + l] = Math.abs(x);
      f[l] = Math.abs(x) > cutoff ? 1 / x : 0;
      if (Math.abs(x) > cutoff) rank++;
    }
    out.cut[b] = cutoff;
    out.rank[b] = rank;
    const po = b * rows * cols;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let acc = 0;
        for (let l = 0; l < k; l++) {
          acc += L[b * o.l[0] + i * o.l[1] + l * o.l[2]] * f[l] * R[b * o.r[0] + l * o.r[1] + j * o.r[2]];
        }
        out.p[po + i * cols + j] = acc;
      }
    }
  }
}

const STATS_WGSL = `// pinv cutoff and rank
@group(0) @binding(0) var<storage, read> D: array<f32>;
@group(0) @binding(1) var<storage, read_write> S: array<f32>;
@group(0) @binding(2) var<storage, read_write> CUT: array<f32>;
@group(0) @binding(3) var<storage, read_write> RANK: array<i32>;
${wgslParams(4)}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = flat_index(gid, nwg);
  if (b >= pu(0u)) { return; }
  let k = pu(1u);
  var smax = 0.0;
  for (var l = 0u; l < k; l++) { smax = max(smax, abs(D[b * k + l])); }
  let cutoff = max(pf(2u), pf(3u) * smax);
  var rank = 0;
  for (var l = 0u; l < k; l++) {
    let x = abs(D[b * k + l]);
    S[b * k + l] = x;
    if (x > cutoff) { rank++; }
  }
  CUT[b] = cutoff;
  RANK[b] = rank;
}`;

const ASSEMBLE_WGSL = `// pinv assembly P = L diag(f(d)) R
@group(0) @binding(0) var<storage, read> L: array<f32>;
@group(0) @binding(1) var<storage, read> D: array<f32>;
@group(0) @binding(2) var<storage, read> R: array<f32>;
@group(0) @binding(3) var<storage, read> CUT: array<f32>;
@group(0) @binding(4) var<storage, read_write> P: array<f32>;
${wgslParams(5)}
${wgslFlatIndex(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat_index(gid, nwg);
  let rows = pu(1u);
  let cols = pu(2u);
  if (e >= pu(0u) * rows * cols) { return; }
  let k = pu(3u);
  let b = e / (rows * cols);
  let i = (e / cols) % rows;
  let j = e % cols;
  let cutoff = CUT[b];
  var acc = 0.0;
  for (var l = 0u; l < k; l++) {
    let x = D[b * k + l];
    let f = select(0.0, 1.0 / x, abs(x) > cutoff);
    acc += L[b * pu(4u) + i * pu(5u) + l * pu(6u)] * f * R[b * pu(7u) + l * pu(8u) + j * pu(9u)];
  }
  P[e] = acc;
}`;

function assembleGpu(
  gpu: WebGPURuntime,
  L: GpuStorage,
  d: GpuStorage,
  R: GpuStorage,
  batch: number,
  o: Layout,
  attrs: PinvAttrs,
  out: { p: GpuStorage; s: GpuStorage; cut: GpuStorage; rank: GpuStorage },
): void {
  const f = new Float32Array([attrs.atol, attrs.rtol]);
  const bits = new Uint32Array(f.buffer);
  gpu.run({
    code: STATS_WGSL,
    inputs: [d],
    outputs: [out.s, out.cut, out.rank],
    params: Uint32Array.from([batch, o.k, bits[0], bits[1]]),
    workgroups: dispatch1D(batch, 64),
    loops: 2 * o.k,
  });
  const total = batch * o.rows * o.cols;
  gpu.run({
    code: ASSEMBLE_WGSL,
    inputs: [L, d, R, out.cut],
    outputs: [out.p],
    params: Uint32Array.from([batch, o.rows, o.cols, o.k, ...o.l, ...o.r]),
    workgroups: dispatch1D(total, 64),
    loops: o.k,
  });
}

export const pinvOp: OpDef<PinvAttrs> = defineOp<PinvAttrs>({
  name: 'pinv',
  dtypes: floatDtypes,
  dtypeCheck: 'op',
  coreRanks: [2],
  check: ([a], { hermitian }) => {
    if (hermitian) checkSquare('linalg.pinv', a);
    else checkMatrix('linalg.pinv', a);
  },
  // P, S, cutoff, rank, info.
  shape: ([[m, n]], { hermitian }) => [[n, m], [hermitian ? n : Math.min(m, n)], [], [], []],
  outDtypes: ([dt]) => [dt, dt, dt, 'int32', 'int32'],
  differentiable: [true, false, false, false, false],
  cpu: ([a], [p, s, cut, rank, info], attrs) => {
    const { batch, m, n, k } = dims(a.shape);
    const o = layoutOf(m, n, attrs.hermitian);
    const outs = {
      p: p.data as FloatArray,
      s: s.data as FloatArray,
      cut: cut.data as FloatArray,
      rank: rank.data as Int32Array,
    };
    const inf = info.data as Int32Array;
    // Subnormal or huge matrices are decomposed scaled by 2^e (exact); the values are scaled back.
    const exps = rangeScales(a.data, batch, m * n, attrs.hermitian ? { n, upper: false } : undefined);
    const input = exps ? scaledCopy(a.data as FloatArray, exps, m * n) : (a.data as FloatArray);
    const unscale = (d: Float64Array, per: number) => {
      if (exps) for (let i = 0; i < d.length; i++) d[i] = timesPow2(d[i], -exps[Math.floor(i / per)]);
    };
    if (attrs.hermitian) {
      const w = new Float64Array(batch * n);
      const v = new Float64Array(batch * n * n);
      eighCpu(input, batch, n, false, w, v, true, inf);
      unscale(w, n);
      assembleCpu(v, w, v, batch, o, attrs, outs);
    } else {
      const u = new Float64Array(batch * m * k);
      const sv = new Float64Array(batch * k);
      const vh = new Float64Array(batch * k * n);
      svdCpu(input, batch, m, n, u, sv, vh, { fullMatrices: false, computeUV: true }, inf);
      unscale(sv, k);
      assembleCpu(vh, sv, u, batch, o, attrs, outs);
    }
  },
  webgpu: (gpu, [a], [p, s, cut, rank, info], attrs) => {
    const { batch, m, n, k } = dims(a.shape);
    const o = layoutOf(m, n, attrs.hermitian);
    const outs = { p: p.storage, s: s.storage, cut: cut.storage, rank: rank.storage };
    const scratch: GpuStorage[] = [];
    if (attrs.hermitian) {
      const w = gpu.alloc('float32', batch * n);
      const v = gpu.alloc('float32', batch * n * n);
      scratch.push(w, v);
      eighGpu(gpu, a.storage, batch, n, false, w, v, info.storage);
      assembleGpu(gpu, v, w, v, batch, o, attrs, outs);
    } else {
      const u = gpu.alloc('float32', batch * m * k);
      const sv = gpu.alloc('float32', batch * k);
      const vh = gpu.alloc('float32', batch * k * n);
      scratch.push(u, sv, vh);
      svdGpu(gpu, a.storage, batch, m, n, u, sv, vh, { fullMatrices: false, computeUV: true }, info.storage);
      assembleGpu(gpu, vh, sv, u, batch, o, attrs, outs);
    }
    for (const t of scratch) gpu.free(t);
  },
  // Golub & Pereyra (1973), valid where the rank is locally constant:
  // gA = −Pᴴ G Pᴴ + (I − A P) Gᴴ P Pᴴ + Pᴴ P Gᴴ (I − P A), multiplied in the order with the smaller intermediates.
  backward: (c, [g]) => {
    if (!g) return [null];
    const a = c.inputs[0];
    if (a.numel === 0) return [zerosLike(a)];
    const { hermitian } = c.attrs;
    const A = hermitian ? a.tril().add(a.tril(-1).mH) : a;
    const [P, S, cutoff] = c.outputs;
    const { m, n } = dims(a.shape);
    const Ph = P.mH;
    const Gh = g.mH;
    const tall = m >= n;
    const X = tall ? Gh.matmul(P.matmul(Ph)) : Gh.matmul(P).matmul(Ph);
    const t2 = tall ? X.sub(A.matmul(P.matmul(X))) : X.sub(A.matmul(P).matmul(X));
    const Y = tall ? Ph.matmul(P.matmul(Gh)) : Ph.matmul(P).matmul(Gh);
    const t3 = tall ? Y.sub(Y.matmul(P.matmul(A))) : Y.sub(Y.matmul(P).matmul(A));
    let gA = Ph.matmul(g).matmul(Ph).neg().add(t2).add(t3);
    // hermitian: A is Hermitian by assumption, so only the Hermitian part of gA is meaningful (as eigh's).
    if (hermitian) gA = gA.add(gA.mH).mul(0.5);
    if (diagnosticActive('linalg.pinv')) {
      const count = noGrad(() => {
        const cut = cutoff.unsqueeze(-1);
        return S.ge(cut.mul(0.5))
          .mul(S.le(cut.mul(2)))
          .sum();
      });
      reportIllDefined(
        'linalg.pinv',
        count,
        'a singular value of A lies within a factor 2 of the cutoff max(atol, rtol·σ_max), where a small ' +
          'change of A changes its numerical rank and pinv jumps, so pinv has no derivative there',
        [gA],
      );
    }
    return [gA];
  },
  jvp: 'not-implemented',
});

export interface PinvOptions {
  /** Absolute cutoff for singular values (default 0); a tensor gives one per matrix of the batch. */
  atol?: ToleranceArg;
  /**
   * Relative cutoff (times σ_max); default eps(dtype)·max(m, n), or 0 when atol > 0 is given. A
   * tensor gives one per matrix of the batch.
   */
  rtol?: ToleranceArg;
  /** A is symmetric: use eigh of its lower triangle (default false). */
  hermitian?: boolean;
}

/** Resolves PyTorch's tolerance defaults and validates them. */
export function resolveTolerances(
  op: string,
  A: Tensor,
  atol?: number,
  rtol?: number,
): { atol: number; rtol: number } {
  checkMatrix(op, A);
  const a = atol ?? 0;
  const [m, n] = A.shape.slice(-2);
  const r = rtol ?? (a > 0 ? 0 : eps(A.dtype as FloatDType) * Math.max(m, n));
  for (const [name, v] of [
    ['atol', a],
    ['rtol', r],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(`${op}: ${name} must be a finite number >= 0, got ${String(v)}`);
    }
  }
  return { atol: a, rtol: r };
}

/** The pinv op's outputs: P (differentiable), singular values, rank (both detached from the graph's use). */
export function pinvParts(A: Tensor, op: string, attrs: PinvAttrs): { P: Tensor; S: Tensor; rank: Tensor } {
  checkFloat(op, A.dtype);
  const [P, S, cutoff, rank, info] = applyOp(pinvOp, [A], attrs);
  checkConvergence(op, info, A.ndim > 2, attrs.hermitian ? 'eigenvalues' : 'singular values', [P]);
  if (!P.requiresGrad) cutoff.dispose();
  return { P, S, rank };
}

/**
 * Moore–Penrose pseudoinverse, as torch.linalg.pinv: singular values (|eigenvalues| when
 * `hermitian`) at or below max(atol, rtol·σ_max) are treated as zero. Differentiable by the
 * Golub–Pereyra formula where the numerical rank is locally constant.
 * @example
 * linalg.pinv(tensor([[1, 2], [2, 4], [3, 6]])); // rank 1: tensor([[0.0143, 0.0286, 0.0429], …])
 * linalg.pinv(A, { atol: 1e-8, hermitian: true });
 */
export function pinv(A: Tensor, opts: PinvOptions = {}): Tensor {
  const op = 'linalg.pinv';
  const hermitian = boolOption(op, 'hermitian', opts.hermitian, false);
  if (hermitian) checkSquare(op, A);
  return withTolerances(op, A, opts.atol, opts.rtol, (a, atol, rtol) => {
    const tol = resolveTolerances(op, a, atol, rtol);
    const { P, S, rank } = pinvParts(a, op, { ...tol, hermitian });
    if (!P.requiresGrad) S.dispose();
    rank.dispose();
    return P;
  });
}
