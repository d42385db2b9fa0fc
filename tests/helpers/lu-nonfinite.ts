import { expect } from 'vitest';
import { choleskyInverse, eye, linalg, type Tensor, tensor } from '../../src/index.js';

/**
 * NaN or ±inf in the part of A an op reads gives NaN in that batch element's outputs, and leaves
 * the other elements (and ops that do not read the entry) finite. A batch of three 3×3 matrices
 * 4I + 0.5·J; element 1 gets `bad` at (0, 2) and (2, 0) (both triangles).
 */
export async function checkNonFinite(
  device: 'cpu' | 'webgpu',
  read: (t: Tensor) => Promise<ArrayLike<number>>,
): Promise<void> {
  const dtype = device === 'cpu' ? 'float64' : 'float32';
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const data = [0, 1, 2].map((e) =>
      [0, 1, 2].map((i) =>
        [0, 1, 2].map((j) => (e === 1 && i + j === 2 && i !== j ? bad : (i === j ? 4 : 0) + 0.5)),
      ),
    );
    const A = tensor(data, { dtype, device });
    const B = tensor([[1], [2], [3]], { dtype, device });
    const per = async (t: Tensor) => {
      const v = Array.from(await read(t));
      const k = v.length / 3;
      return [0, 1, 2].map((e) => v.slice(e * k, (e + 1) * k));
    };
    const expectPoisoned = async (what: string, t: Tensor, poisoned: boolean) => {
      const [e0, e1, e2] = await per(t);
      const msg = `${what} with ${bad} (${device})`;
      expect(e0.every(Number.isFinite) && e2.every(Number.isFinite), msg).toBe(true);
      expect(e1.every(poisoned ? Number.isNaN : Number.isFinite), msg).toBe(true);
    };
    await expectPoisoned('inv', linalg.inv(A), true);
    await expectPoisoned('invEx', linalg.invEx(A).inverse, true);
    await expectPoisoned('solve', linalg.solve(A, B), true);
    await expectPoisoned('det', linalg.det(A), true);
    await expectPoisoned('slogdet sign', linalg.slogdet(A).sign, true);
    await expectPoisoned('slogdet logabsdet', linalg.slogdet(A).logabsdet, true);
    await expectPoisoned('luFactor', linalg.luFactor(A).LU, true);
    for (const upper of [true, false]) {
      // (0, 2) is in the upper triangle, (2, 0) in the lower: both triangles are bad.
      await expectPoisoned(`solveTriangular upper=${upper}`, linalg.solveTriangular(A, B, { upper }), true);
      await expectPoisoned(`choleskyInverse upper=${upper}`, choleskyInverse(A, { upper }), true);
      const tri = upper
        ? A.tril(-1).add(eye(3, undefined, { dtype, device }).mul(4))
        : A.triu(1).add(eye(3, undefined, { dtype, device }).mul(4));
      // The other triangle is not read: its bad entries change nothing.
      await expectPoisoned(
        `solveTriangular upper=${upper}, bad entry unread`,
        linalg.solveTriangular(tri, B, { upper }),
        false,
      );
    }
    // The bad entry is a minor of order 3 for the lower factor and NaN/inf pivots are not positive.
    const { info } = linalg.choleskyEx(A);
    const infos = Array.from(await read(info));
    expect([infos[0], infos[2]]).toEqual([0, 0]);
    expect(infos[1]).toBeGreaterThan(0);
    await expect((async () => read(linalg.cholesky(A)))()).rejects.toThrow(
      /linalg\.cholesky: \(Batch element 1\): .*not positive-definite/,
    );
  }
}
