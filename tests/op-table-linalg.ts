/**
 * The linear-algebra entries of the op table, by family (tests/op-table.ts appends them):
 * the LU family (inv, solve, det, cholesky, …), the spectral decompositions (eigh, svd, qr) and
 * the ops built on them (pinv, lstsq, matrixNorm, cond, matrixRank), and the OpDefs those use
 * inside (cofactor, the pivots' permutation, amax, the rank count, infoNonzero).
 * Their shared pieces are in op-table-linalg-common.ts; the error cases of bugs the fuzz suite
 * found (op-table-linalg-regressions.ts) join their entries here.
 */
import type { OpEntry } from '../gradcheck/index.js';
import { derivedEntries } from './op-table-linalg-derived.js';
import { internalEntries } from './op-table-linalg-internal.js';
import { luEntries } from './op-table-linalg-lu.js';
import { regressionErrors } from './op-table-linalg-regressions.js';
import { solveEntries } from './op-table-linalg-solve.js';
import { spectralEntries } from './op-table-linalg-spectral.js';

const entries: OpEntry[] = [
  ...luEntries,
  ...solveEntries,
  ...spectralEntries,
  ...derivedEntries,
  ...internalEntries,
];

for (const name of Object.keys(regressionErrors)) {
  if (!entries.some((e) => e.name === name))
    throw new Error(`op-table-linalg: no entry named ${name} for its regression errors`);
}

export const linalgTable: OpEntry[] = entries.map((e) =>
  regressionErrors[e.name] ? { ...e, errors: [...(e.errors ?? []), ...regressionErrors[e.name]!] } : e,
);
