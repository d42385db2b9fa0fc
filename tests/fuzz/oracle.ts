/**
 * The fuzz suite's oracle: small float64 reference routines in plain TypeScript (no outside
 * library), written for clarity, not speed. Matrices are row-major Float64Array with their
 * dimensions passed beside them. The checks built on them are backward-error bounds (‖A·X − I‖,
 * ‖A − U S Vᴴ‖, …), so they hold for any correct backward-stable kernel at the given precision.
 */

export type Mat = { rows: number; cols: number; data: Float64Array };

export const mat = (rows: number, cols: number, data?: ArrayLike<number>): Mat => ({
  rows,
  cols,
  data: data ? Float64Array.from(data) : new Float64Array(rows * cols),
});

export const at = (a: Mat, i: number, j: number): number => a.data[i * a.cols + j]!;

export function eyeMat(n: number, m = n): Mat {
  const e = mat(n, m);
  for (let i = 0; i < Math.min(n, m); i++) e.data[i * m + i] = 1;
  return e;
}

export function transposeMat(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = at(a, i, j);
  return t;
}

export function matmulMat(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`oracle matmul: ${a.rows}x${a.cols} by ${b.rows}x${b.cols}`);
  const c = mat(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let l = 0; l < a.cols; l++) {
      const v = at(a, i, l);
      if (v === 0) continue;
      for (let j = 0; j < b.cols; j++) c.data[i * b.cols + j] += v * at(b, l, j);
    }
  return c;
}

export function subMat(a: Mat, b: Mat): Mat {
  return mat(
    a.rows,
    a.cols,
    a.data.map((v, i) => v - b.data[i]!),
  );
}

export const absMat = (a: Mat): Mat => mat(a.rows, a.cols, a.data.map(Math.abs));

/** Frobenius norm, scaled so that entries near 1e±300 neither overflow nor underflow. */
export function fro(a: Mat | Float64Array): number {
  const d = a instanceof Float64Array ? a : a.data;
  let scale = 0;
  for (const v of d) scale = Math.max(scale, Math.abs(v));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (const v of d) s += (v / scale) ** 2;
  return scale * Math.sqrt(s);
}

export const allFinite = (d: ArrayLike<number>): boolean => {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return false;
  return true;
};

/** The lower (or upper) triangle mirrored into a symmetric matrix. */
export function symmetricFrom(a: Mat, upper: boolean): Mat {
  const s = mat(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) {
      const lower = upper ? i <= j : i >= j;
      s.data[i * a.cols + j] = lower ? at(a, i, j) : at(a, j, i);
    }
  return s;
}

/** The triangle a triangular op reads (with a unit diagonal when `unit`). */
export function triangleOf(a: Mat, upper: boolean, unit = false): Mat {
  const t = mat(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) {
      if (i === j) t.data[i * a.cols + j] = unit ? 1 : at(a, i, j);
      else if (upper ? j > i : j < i) t.data[i * a.cols + j] = at(a, i, j);
    }
  return t;
}

/**
 * Singular values (descending) by one-sided Jacobi on the columns of a scaled copy: accurate to a
 * few ulps of σ_max (and to high relative accuracy for graded matrices), which is all the bounds need.
 */
export function singularValues(a: Mat): number[] {
  const tall = a.rows >= a.cols ? a : transposeMat(a);
  const m = tall.rows;
  const n = tall.cols;
  if (n === 0) return [];
  let scale = 0;
  for (const v of tall.data) scale = Math.max(scale, Math.abs(v));
  if (scale === 0) return new Array(n).fill(0);
  const u = tall.data.map((v) => v / scale);
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = u[i * n + p]!;
          const y = u[i * n + q]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-17 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = u[i * n + p]!;
          const y = u[i * n + q]!;
          u[i * n + p] = c * x - s * y;
          u[i * n + q] = s * x + c * y;
        }
      }
    if (!rotated) break;
  }
  const s: number[] = [];
  for (let j = 0; j < n; j++) {
    let t = 0;
    for (let i = 0; i < m; i++) t += u[i * n + j]! ** 2;
    s.push(Math.sqrt(t) * scale);
  }
  return s.sort((x, y) => y - x);
}

/** Eigenvalues (ascending) of a symmetric matrix by cyclic Jacobi rotations. */
export function symmetricEigenvalues(a: Mat): number[] {
  const n = a.rows;
  let scale = 0;
  for (const v of a.data) scale = Math.max(scale, Math.abs(v));
  if (n === 0) return [];
  if (scale === 0) return new Array(n).fill(0);
  const s = a.data.map((v) => v / scale);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += s[p * n + q]! ** 2;
    if (off < 1e-34) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q]!;
        if (apq === 0) continue;
        const theta = (s[q * n + q]! - s[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = s[k * n + p]!;
          const akq = s[k * n + q]!;
          s[k * n + p] = c * akp - sn * akq;
          s[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = s[p * n + k]!;
          const aqk = s[q * n + k]!;
          s[p * n + k] = c * apk - sn * aqk;
          s[q * n + k] = sn * apk + c * aqk;
        }
      }
  }
  const w: number[] = [];
  for (let i = 0; i < n; i++) w.push(s[i * n + i]! * scale);
  return w.sort((x, y) => x - y);
}

/**
 * sign and log|det| from a pivoted LU in float64, the pivots' product kept as mantissa·2^exponent
 * so that it neither overflows nor underflows; `mantissa` and `exponent` give det exactly.
 */
export function logAbsDet(a: Mat): { sign: number; logabs: number; mantissa: number; exponent: number } {
  const n = a.rows;
  const lu = Float64Array.from(a.data);
  let sign = 1;
  let mant = 1;
  let exp = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(lu[i * n + k]!) > Math.abs(lu[p * n + k]!)) p = i;
    if (lu[p * n + k] === 0) return { sign: 0, logabs: -Infinity, mantissa: 0, exponent: 0 };
    if (p !== k) {
      sign = -sign;
      for (let j = 0; j < n; j++) [lu[k * n + j], lu[p * n + j]] = [lu[p * n + j]!, lu[k * n + j]!];
    }
    const d = lu[k * n + k]!;
    if (d < 0) sign = -sign;
    mant *= Math.abs(d);
    const e = Math.floor(Math.log2(mant));
    mant /= 2 ** e;
    exp += e;
    for (let i = k + 1; i < n; i++) {
      const f = lu[i * n + k]! / d;
      for (let j = k + 1; j < n; j++) lu[i * n + j]! -= f * lu[k * n + j]!;
    }
  }
  return { sign, logabs: Math.log(mant) + exp * Math.LN2, mantissa: sign * mant, exponent: exp };
}

/** X with X·(A) = I for square A by Gauss–Jordan with partial pivoting, or null when singular. */
export function inverseMat(a: Mat): Mat | null {
  const n = a.rows;
  const w = Float64Array.from(a.data);
  const x = eyeMat(n).data;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(w[i * n + k]!) > Math.abs(w[p * n + k]!)) p = i;
    if (w[p * n + k] === 0) return null;
    for (const buf of [w, x])
      for (let j = 0; j < n; j++) [buf[k * n + j], buf[p * n + j]] = [buf[p * n + j]!, buf[k * n + j]!];
    const d = w[k * n + k]!;
    for (let j = 0; j < n; j++) {
      w[k * n + j]! /= d;
      x[k * n + j]! /= d;
    }
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = w[i * n + k]!;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        w[i * n + j]! -= f * w[k * n + j]!;
        x[i * n + j]! -= f * x[k * n + j]!;
      }
    }
  }
  return mat(n, n, x);
}

/** Matrix norms by their definitions (ord as linalg.matrixNorm). */
export function matrixNormRef(a: Mat, ord: 'fro' | 'nuc' | number): number {
  if (ord === 'fro') return fro(a);
  const s = singularValues(a);
  if (ord === 'nuc') return s.reduce((t, v) => t + v, 0);
  if (ord === 2) return s[0]!;
  if (ord === -2) return s[s.length - 1]!;
  const sums: number[] = [];
  const byCols = Math.abs(ord) === 1;
  const outer = byCols ? a.cols : a.rows;
  const inner = byCols ? a.rows : a.cols;
  for (let o = 0; o < outer; o++) {
    let t = 0;
    for (let i = 0; i < inner; i++) t += Math.abs(byCols ? at(a, i, o) : at(a, o, i));
    sums.push(t);
  }
  return ord > 0 ? Math.max(...sums) : Math.min(...sums);
}

/**
 * The truncated pseudoinverse V_r Σ_r⁻¹ U_rᵀ (singular values ≤ cutoff dropped) by one-sided
 * Jacobi with the rotations accumulated in V; also returns the singular values, descending.
 */
export function pinvRef(a: Mat, cutoff: number): { P: Mat; s: number[] } {
  const wide = a.rows < a.cols;
  const t = wide ? transposeMat(a) : a;
  const m = t.rows;
  const n = t.cols;
  let scale = 0;
  for (const x of t.data) scale = Math.max(scale, Math.abs(x));
  if (scale === 0) return { P: mat(a.cols, a.rows), s: new Array(n).fill(0) };
  const u = t.data.map((x) => x / scale);
  const v = eyeMat(n).data;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          alpha += u[i * n + p]! ** 2;
          beta += u[i * n + q]! ** 2;
          gamma += u[i * n + p]! * u[i * n + q]!;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-17 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const tt = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + tt * tt);
        const s = c * tt;
        for (const [buf, rows] of [
          [u, m],
          [v, n],
        ] as const)
          for (let i = 0; i < rows; i++) {
            const x = buf[i * n + p]!;
            const y = buf[i * n + q]!;
            buf[i * n + p] = c * x - s * y;
            buf[i * n + q] = s * x + c * y;
          }
      }
    if (!rotated) break;
  }
  // Column j of u is σ_j·U_j; P (n×m for t) = Σ_j V_j U_jᵀ / σ_j over σ_j > cutoff.
  const s: number[] = [];
  const P = mat(n, m);
  for (let j = 0; j < n; j++) {
    let t2 = 0;
    for (let i = 0; i < m; i++) t2 += u[i * n + j]! ** 2;
    const sj = Math.sqrt(t2);
    s.push(sj * scale);
    if (!(sj * scale > cutoff)) continue;
    for (let r = 0; r < n; r++)
      for (let i = 0; i < m; i++) P.data[r * m + i]! += ((v[r * n + j]! / sj) * (u[i * n + j]! / sj)) / scale;
  }
  s.sort((x, y) => y - x);
  return { P: wide ? transposeMat(P) : P, s };
}
