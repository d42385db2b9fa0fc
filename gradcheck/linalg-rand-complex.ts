/**
 * Small dense complex linear algebra on host arrays, for building complex test matrices with known
 * structure. Matrices are row-major and interleaved: entry (i, j) of an m×n matrix is
 * (a[2(i·n + j)], a[2(i·n + j) + 1]) = (re, im), the layout of a complex tensor's data.
 * @module
 */
import type { Rng } from './linalg-rand.js';

/** m·n complex entries with independent real and imaginary parts N(0, ½) (so E|z|² = 1, as torch.randn). */
export function complexGaussian(rng: Rng, length: number): Float64Array {
  const out = new Float64Array(2 * length);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * Math.SQRT1_2;
  return out;
}

/**
 * A Haar-random n×n unitary matrix: the Q factor, with a real positive diagonal of R, of a complex
 * Gaussian matrix, by modified Gram–Schmidt on its columns run twice (so ‖QᴴQ − I‖ is at rounding
 * level for the small sizes tests use).
 */
export function randomUnitary(rng: Rng, n: number): Float64Array {
  const q = complexGaussian(rng, n * n);
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        // c = q_kᴴ q_j, then q_j ← q_j − c·q_k
        let cr = 0;
        let ci = 0;
        for (let i = 0; i < n; i++) {
          const kr = q[2 * (i * n + k)];
          const ki = q[2 * (i * n + k) + 1];
          const jr = q[2 * (i * n + j)];
          const ji = q[2 * (i * n + j) + 1];
          cr += kr * jr + ki * ji;
          ci += kr * ji - ki * jr;
        }
        for (let i = 0; i < n; i++) {
          const kr = q[2 * (i * n + k)];
          const ki = q[2 * (i * n + k) + 1];
          q[2 * (i * n + j)] -= cr * kr - ci * ki;
          q[2 * (i * n + j) + 1] -= cr * ki + ci * kr;
        }
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm = Math.hypot(norm, q[2 * (i * n + j)], q[2 * (i * n + j) + 1]);
    for (let i = 0; i < n; i++) {
      q[2 * (i * n + j)] /= norm;
      q[2 * (i * n + j) + 1] /= norm;
    }
  }
  return q;
}

/**
 * U·diag(s)·Vᴴ for an m×m unitary `u` and an n×n unitary `v`, using their first s.length
 * columns (s real, s.length ≤ min(m, n)). The result is m×n.
 */
export function composeUSVh(
  u: Float64Array,
  m: number,
  s: ArrayLike<number>,
  v: Float64Array,
  n: number,
): Float64Array {
  const out = new Float64Array(2 * m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let re = 0;
      let im = 0;
      for (let k = 0; k < s.length; k++) {
        // u_ik · s_k · conj(v_jk)
        const ur = u[2 * (i * m + k)] * s[k];
        const ui = u[2 * (i * m + k) + 1] * s[k];
        const vr = v[2 * (j * n + k)];
        const vi = -v[2 * (j * n + k) + 1];
        re += ur * vr - ui * vi;
        im += ur * vi + ui * vr;
      }
      out[2 * (i * n + j)] = re;
      out[2 * (i * n + j) + 1] = im;
    }
  }
  return out;
}

/** In place: replaces the n×n complex matrix `a` by (A + Aᴴ)/2, so it is exactly Hermitian (real diagonal). */
export function hermitize(a: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    a[2 * (i * n + i) + 1] = 0;
    for (let j = i + 1; j < n; j++) {
      const re = 0.5 * (a[2 * (i * n + j)] + a[2 * (j * n + i)]);
      const im = 0.5 * (a[2 * (i * n + j) + 1] - a[2 * (j * n + i) + 1]);
      a[2 * (i * n + j)] = re;
      a[2 * (i * n + j) + 1] = im;
      a[2 * (j * n + i)] = re;
      a[2 * (j * n + i) + 1] = -im;
    }
  }
  return a;
}
