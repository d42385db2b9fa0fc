import { numelOf } from '../../../shape.js';
import type { CpuView } from '../../backend.js';
import { eigh as eighCpu } from './eigh.js';
import { rangeScales, scaledCopy, timesPow2 } from './scaling.js';
import { svdCpu } from './svd.js';
import { type FloatArray, gemm } from './triangular.js';

/** The pinv op's attributes: the resolved tolerances and whether A is taken as Hermitian. */
export interface PinvAttrs {
  readonly atol: number;
  readonly rtol: number;
  readonly hermitian: boolean;
}

export function pinvDims(shape: readonly number[]) {
  const [m, n] = shape.slice(-2);
  return { batch: numelOf(shape.slice(0, -2)), m, n, k: Math.min(m, n) };
}

/**
 * How P = L diag(f(d)) R is read from the factors, per batch element: L(i, l) = L[b·lb + i·li + l·ll],
 * R(l, j) = R[b·rb + l·rl + j·rj]; P is rows×cols, d has k entries.
 */
export interface Layout {
  rows: number;
  cols: number;
  k: number;
  l: [number, number, number];
  r: [number, number, number];
}

export function layoutOf(m: number, n: number, hermitian: boolean): Layout {
  if (hermitian) return { rows: n, cols: n, k: n, l: [n * n, n, 1], r: [n * n, 1, n] }; // V f(w) Vᴴ
  const k = Math.min(m, n);
  return { rows: n, cols: m, k, l: [k * n, 1, n], r: [m * k, 1, k] }; // Vhᴴ f(S) Uᴴ
}

/**
 * P = L·diag(f)·R per batch element (f = 1/d above the cutoff, 0 below), as one matrix product:
 * B = diag(f)·R is formed row-major (k × cols), then P = L·B through the GEMM, which reads L by its
 * strides (WebAssembly SIMD for large products, the register-blocked loops otherwise).
 */
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
  const fr = new Float64Array(k * cols);
  const p64 = out.p instanceof Float64Array ? out.p : new Float64Array(rows * cols);
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
    const [rb, rl, rj] = o.r;
    for (let l = 0; l < k; l++) {
      const fl = f[l];
      const src = b * rb + l * rl;
      for (let j = 0; j < cols; j++) fr[l * cols + j] = fl * R[src + j * rj];
    }
    const po = p64 === out.p ? b * rows * cols : 0;
    p64.fill(0, po, po + rows * cols);
    gemm(1, L, b * o.l[0], o.l[1], o.l[2], fr, 0, cols, p64, po, cols, rows, cols, k);
    if (p64 !== out.p) out.p.set(p64, b * rows * cols);
  }
}

/** The pinv op's CPU kernel: P, S, cutoff, rank and info from A. */
export function pinvCpu(a: CpuView, [p, s, cut, rank, info]: readonly CpuView[], attrs: PinvAttrs): void {
  const { batch, m, n, k } = pinvDims(a.shape);
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
}
