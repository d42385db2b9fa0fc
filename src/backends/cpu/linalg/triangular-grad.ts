/**
 * The gradient of a triangular solve with respect to its matrix, for few right-hand sides: the
 * projection of −gB·Xᵀ (left) or −Xᵀ·gB (right) onto the triangle the solve read, written
 * (transposed with `trans`) in one pass over that triangle, without the full outer product, its
 * negation and the projection as three n×n arrays. Each entry is the sum over the right-hand
 * sides in order, negated, as the plain product computes it.
 */

/**
 * out (batch × n × n, row-major, written in full: zeros off the triangle) = P(−gB·Xᵀ) for `left`
 * (gB, X: batch × n × k) or P(−Xᵀ·gB) (gB, X: batch × k × n), with P the projection onto the
 * upper (or lower) triangle, strictly when `strict`; transposed when `trans`.
 */
export function solveTriangularGradA(
  gB: Float64Array,
  x: Float64Array,
  batch: number,
  n: number,
  k: number,
  left: boolean,
  upper: boolean,
  strict: boolean,
  trans: boolean,
  out: Float64Array,
): void {
  const nn = n * n;
  const nk = n * k;
  // full[i][j] = −Σ_r u(i, r)·v(j, r) with u = gB, v = X (left, n × k: (i, r) at i·k + r) or
  // u = X, v = gB (right, k × n: (i, r) at r·n + i).
  const [u, v] = left ? [gB, x] : [x, gB];
  const [si, sr] = left ? [k, 1] : [1, n];
  const d = strict ? 1 : 0;
  for (let e = 0; e < batch; e++) {
    const o = e * nn;
    const b0 = e * nk;
    for (let i = 0; i < n; i++) {
      const j0 = upper ? i + d : 0;
      const j1 = upper ? n : i + 1 - d;
      for (let j = j0; j < j1; j++) {
        let s = 0;
        for (let r = 0; r < k; r++) s += u[b0 + i * si + r * sr]! * v[b0 + j * si + r * sr]!;
        out[trans ? o + j * n + i : o + i * n + j] = -s;
      }
    }
  }
}
