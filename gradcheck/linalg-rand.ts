/**
 * Small deterministic dense-matrix helpers on row-major `Float64Array`s, used to build test
 * matrices with a known spectrum. Self-contained on purpose: nothing here depends on `src/`,
 * so the arbitraries stay usable while the library itself is under test.
 *
 * Conventions: an `m×n` matrix is a `Float64Array` of length `m*n`, entry `(i, j)` at `i*n + j`.
 * @module
 */

/** A seeded pseudo-random stream: uniforms in [0, 1) and standard normal deviates. */
export interface Rng {
  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Uniform double in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Standard normal deviate N(0, 1). */
  normal(): number;
}

/**
 * Creates a deterministic {@link Rng} from a 32-bit integer seed (e.g. from `fc.integer`).
 * The core is a 32-bit counter passed through a splitmix-style avalanche mixer, so every seed,
 * including 0, gives a well-mixed stream; normals come from the Box–Muller transform.
 */
export function makeRng(seed: number): Rng {
  let state = seed | 0;
  const next32 = (): number => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const uniform = (): number => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
  let spare: number | null = null;
  return {
    uniform,
    range: (lo, hi) => lo + (hi - lo) * uniform(),
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      const u = 1 - uniform(); // (0, 1]: log(u) is finite
      const r = Math.sqrt(-2 * Math.log(u));
      const t = 2 * Math.PI * uniform();
      spare = r * Math.sin(t);
      return r * Math.cos(t);
    },
  };
}

/** A `Float64Array` of `length` independent N(0, 1) deviates drawn from `rng`. */
export function gaussian(rng: Rng, length: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.normal();
  return out;
}

/** Product `C = A·B` of an `m×k` matrix `a` and a `k×n` matrix `b` (plain triple loop). */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += aip * b[p * n + j]!;
    }
  }
  return c;
}

/** Transpose of an `m×n` matrix (returns an `n×m` matrix). */
export function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t;
}

/** The `n×n` identity matrix. */
export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/**
 * Householder QR of an `m×n` matrix: returns the full orthogonal `q` (`m×m`) and `r` (`m×n`,
 * upper trapezoidal) with `A = Q·R`. Signs are normalised so that `R[j][j] ≥ 0` for
 * `j < min(m, n)` (Q's columns are flipped to match), which makes the factorisation unique for
 * full-rank A and makes `Q` Haar-distributed when A is Gaussian.
 */
export function householderQR(a: Float64Array, m: number, n: number): { q: Float64Array; r: Float64Array } {
  const r = Float64Array.from(a);
  const p = Math.min(m, n);
  const vs: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    // Reflector H = I − 2vvᵀ (‖v‖ = 1) mapping column j below the diagonal onto α·e_j.
    const v = new Float64Array(m - j);
    let norm2 = 0;
    for (let i = j; i < m; i++) {
      v[i - j] = r[i * n + j]!;
      norm2 += v[i - j]! * v[i - j]!;
    }
    const norm = Math.sqrt(norm2);
    if (norm === 0) {
      vs.push(v); // zero v: H = I
      continue;
    }
    const alpha = v[0]! >= 0 ? -norm : norm; // opposite sign to x₀ avoids cancellation
    v[0]! -= alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += v[i]! * v[i]!;
    vnorm = Math.sqrt(vnorm);
    for (let i = 0; i < v.length; i++) v[i]! /= vnorm;
    applyReflector(r, n, v, j, j);
    for (let i = j + 1; i < m; i++) r[i * n + j] = 0;
    vs.push(v);
  }
  // Q = H_0 H_1 … H_{p−1}: apply the reflectors right-to-left to the identity.
  const q = identity(m);
  for (let j = p - 1; j >= 0; j--) applyReflector(q, m, vs[j]!, j, 0);
  for (let j = 0; j < p; j++) {
    if (r[j * n + j]! >= 0) continue;
    for (let c = j; c < n; c++) r[j * n + c] = -r[j * n + c]!;
    for (let i = 0; i < m; i++) q[i * m + j] = -q[i * m + j]!;
  }
  return { q, r };
}

/** In place: rows `row0..` and columns `col0..` of `x` (width `width`) ← (I − 2vvᵀ)·x. */
function applyReflector(x: Float64Array, width: number, v: Float64Array, row0: number, col0: number): void {
  for (let c = col0; c < width; c++) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i]! * x[(row0 + i) * width + c]!;
    if (dot === 0) continue;
    dot *= 2;
    for (let i = 0; i < v.length; i++) x[(row0 + i) * width + c]! -= dot * v[i]!;
  }
}

/** A Haar-random `n×n` orthogonal matrix: the sign-fixed Q factor of a Gaussian matrix. */
export function randomOrthogonal(rng: Rng, n: number): Float64Array {
  return householderQR(gaussian(rng, n * n), n, n).q;
}

/**
 * `U·diag(s)·Vᵀ` for an `m×m` orthogonal `u` and an `n×n` orthogonal `v`, using only their
 * first `s.length` columns (`s.length ≤ min(m, n)`). Result is `m×n`.
 */
export function composeUSVt(
  u: Float64Array,
  m: number,
  s: ArrayLike<number>,
  v: Float64Array,
  n: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < s.length; k++) acc += u[i * m + k]! * s[k]! * v[j * n + k]!;
      out[i * n + j] = acc;
    }
  }
  return out;
}

/** In place: replaces the square `n×n` matrix `a` by `(A + Aᵀ)/2`, so it is exactly symmetric. */
export function symmetrize(a: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      a[i * n + j] = mean;
      a[j * n + i] = mean;
    }
  }
  return a;
}
