/**
 * Planted-bug rates of gradcheck over ℂ: five holomorphic custom ops (c·z, c·z², z³, exp z, 1/z;
 * tests/helpers/complex-test-ops.ts) at 50 random complex inputs each, slow and fast mode, with
 * (a) a missing conjugate in the backward (g·f′ instead of g·conj(f′)), (b) the gradient's real and
 * imaginary parts swapped, (c) the wrong sign of the imaginary part of the jvp (checkForwardAd),
 * (d) a wrong second derivative (f′'s backward without its conjugate; gradgradcheck; not for c·z,
 * whose f″ = 0), (e) a jvp that is wrong only for a tangent with both a real and an imaginary part
 * (fast mode with checkForwardAd, which also runs forward mode along the complex tangent ur + i·ui;
 * the passes over the parts give purely real or purely imaginary tangents, so slow mode cannot
 * see it: its misses are printed, not asserted). Every planted bug must be caught, with a message
 * that names the real or imaginary part that failed, and no correct op may be flagged. The rates
 * are printed as "[gradcheck rates] …" lines.
 */
import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, sampleFromSeed, signed } from '../gradcheck/index.js';
import { type Tensor, tensor } from '../src/index.js';
import { apply, type Bugs, HOLO, type Holo, holoOp } from './helpers/complex-test-ops.js';
import { failure as failureMessage } from './helpers/failure.js';

const RUNS = 50;
const FAMILIES: Holo[] = [HOLO.cz, HOLO.cz2, HOLO.z3, HOLO.exp, HOLO.recip];

/** Random complex128 leaves: shapes [1]…[3] and [2, 1]…[2, 2], parts of magnitude 0.2 to 1.5. */
function inputs(family: number): Tensor[] {
  return Array.from({ length: RUNS }, (_, k) => {
    const shape = k % 2 === 0 ? [1 + (k % 3)] : [2, 1 + (k % 2)];
    const s = sampleFromSeed([...shape, 2], signed(0.2, 1.5), 1000 * family + k);
    return tensor(s.data, { shape, dtype: 'complex128' }).requiresGrad_();
  });
}

/** The first line of a failed check's message ('' when it passes). */
const failure = (run: () => boolean): string => failureMessage(run).split('\n')[0];

interface Kind {
  name: string;
  bugs: Bugs;
  families: Holo[];
  check: (fn: (z: Tensor) => Tensor, z: Tensor, fastMode: boolean) => boolean;
  /** The first line of every failure must name the parts. */
  names: RegExp;
  /** Modes that must catch it (default slow and fast); the other mode's misses are printed. */
  fastOnly?: boolean;
}

const part = '(real|imaginary)';
const KINDS: Kind[] = [
  {
    name: '(a) missing conjugate in the backward',
    bugs: { conj: true },
    families: FAMILIES,
    check: (fn, z, fastMode) => gradcheck(fn, [z], { fastMode }),
    names:
      /^gradcheck: Jacobian mismatch for the imaginary part of output 0 with respect to the real part of input #0/,
  },
  {
    name: '(b) real and imaginary parts of the gradient swapped',
    bugs: { swap: true },
    families: FAMILIES,
    check: (fn, z, fastMode) => gradcheck(fn, [z], { fastMode }),
    names: new RegExp(
      `^gradcheck: Jacobian mismatch for the ${part} part of output 0 with respect to the ${part} part of input #0`,
    ),
  },
  {
    name: '(c) wrong sign of the imaginary part of the jvp',
    bugs: { jvpSign: true },
    families: FAMILIES,
    check: (fn, z, fastMode) => gradcheck(fn, [z], { fastMode, checkForwardAd: true }),
    names:
      /^gradcheck: Jacobian computed with forward mode mismatch for the imaginary part of output 0 with respect to the real part of input #0/,
  },
  {
    name: '(d) wrong second derivative (gradgradcheck)',
    bugs: { second: true },
    families: FAMILIES.filter((h) => h !== HOLO.cz),
    check: (fn, z, fastMode) => gradgradcheck(fn, [z], null, { fastMode }),
    names: new RegExp(
      `^gradgradcheck: Jacobian mismatch for the ${part} part of output 0 \\('grad of input #0'\\) with respect to the ${part} part of input #0`,
    ),
  },
  {
    name: '(e) jvp wrong only for tangents with both parts (fast mode, complex tangents)',
    bugs: { jvpMixed: true },
    families: FAMILIES,
    check: (fn, z, fastMode) => gradcheck(fn, [z], { fastMode, checkForwardAd: true }),
    names: new RegExp(
      `^gradcheck: Jacobian computed with forward mode mismatch for the ${part} part of output 0 with respect to input #0 in fast mode along the complex tangent u = ur \\+ i·ui`,
    ),
    fastOnly: true,
  },
];

describe('planted-bug rates over ℂ (50 random inputs per function, slow and fast mode)', () => {
  for (const kind of KINDS) {
    it(kind.name, () => {
      const summary: string[] = [];
      let misses = 0;
      let alarms = 0;
      let unnamed = 0;
      let total = 0;
      let slowMisses = 0;
      let fastMisses = 0;
      let fastAlarms = 0;
      for (const h of kind.families) {
        const planted = apply(holoOp(h, kind.bugs));
        const correct = apply(holoOp(h));
        const zs = inputs(FAMILIES.indexOf(h));
        let m = 0;
        let a = 0;
        let n = 0;
        if (kind.fastOnly)
          for (const z of zs) if (failure(() => kind.check(planted, z, false)) === '') slowMisses++;
        for (const fastMode of kind.fastOnly ? [true] : [false, true]) {
          for (const z of zs) {
            n++;
            const msg = failure(() => kind.check(planted, z, fastMode));
            if (msg === '') {
              m++;
              if (fastMode) fastMisses++;
            } else if (!kind.names.test(msg)) {
              unnamed++;
              console.log(`[gradcheck rates] ${kind.name}, ${h.name}: message without the parts: ${msg}`);
            }
            if (failure(() => kind.check(correct, z, fastMode)) !== '') {
              a++;
              if (fastMode) fastAlarms++;
            }
          }
        }
        summary.push(`${h.name} ${m}/${n} missed, ${a}/${n} false alarms`);
        misses += m;
        alarms += a;
        total += n;
      }
      console.log(
        `[gradcheck rates] ${kind.name}: ${misses}/${total} planted bugs missed, ${alarms}/${total} correct ops flagged (${summary.join('; ')})`,
      );
      const nFast = kind.families.length * RUNS;
      console.log(
        `[gradcheck rates] ${kind.name}, fast mode alone: ${fastMisses}/${nFast} missed, ${fastAlarms}/${nFast} flagged`,
      );
      if (kind.fastOnly) {
        const n = kind.families.length * RUNS;
        console.log(`[gradcheck rates] ${kind.name}: slow mode (not asserted) misses ${slowMisses}/${n}`);
      }
      expect({ misses, alarms, unnamed }).toEqual({ misses: 0, alarms: 0, unnamed: 0 });
    });
  }
});
