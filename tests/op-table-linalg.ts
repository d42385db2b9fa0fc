/**
 * The linear-algebra entries of the op table, by family (tests/op-table.ts appends them):
 * the LU family (inv, solve, det, cholesky, …), the spectral decompositions (eigh, svd, qr) and
 * the ops built on them (pinv, lstsq, matrixNorm, cond, matrixRank).
 * Their shared pieces are in op-table-linalg-common.ts.
 */
import type { OpEntry } from '../gradcheck/index.js';
import { derivedEntries } from './op-table-linalg-derived.js';
import { luEntries } from './op-table-linalg-lu.js';
import { solveEntries } from './op-table-linalg-solve.js';
import { spectralEntries } from './op-table-linalg-spectral.js';

export const linalgTable: OpEntry[] = [...luEntries, ...solveEntries, ...spectralEntries, ...derivedEntries];
