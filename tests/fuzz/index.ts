/** Every fuzz spec, in the order reports list them. */
import type { FuzzSpec } from './runner.js';
import { derivedSpecs } from './specs-derived.js';
import { luSpecs } from './specs-lu.js';
import { solveSpecs } from './specs-solve.js';
import { spectralSpecs } from './specs-spectral.js';

export const fuzzSpecs: FuzzSpec<never>[] = [...luSpecs, ...solveSpecs, ...spectralSpecs, ...derivedSpecs];
