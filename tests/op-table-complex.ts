/**
 * Op-table entry of the real ↔ complex views (src/ops/complex.ts: complexViewOp, both directions).
 * The generated checks (gradcheck and gradgradcheck in float64, forward mode, vmap, WebGPU
 * agreement in float32) run on real (…, 2) inputs read as complex numbers, through a complex op
 * (the conjugate, a composite of the views) and back to real pairs, so both directions and their
 * backward (each the other's) are checked.
 */
import { entry, FLOAT_DTYPES, type OpEntry, samplesArb, shapeArb, uniform } from '../gradcheck/index.js';
import { conj, viewAsComplex, viewAsReal } from '../src/index.js';
import { complexViewOp } from '../src/ops/complex.js';

/** Real inputs whose last dim holds (re, im) pairs. */
const pairsArb = samplesArb(
  shapeArb({ maxDims: 2 }).map((s) => [[...s, 2]]),
  [uniform(-1.5, 1.5)],
).map((inputs) => ({ inputs, args: undefined }));

export const complexEntries: OpEntry[] = [
  entry({
    name: 'viewAsComplex / viewAsReal',
    op: complexViewOp,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x]) => viewAsReal(conj(viewAsComplex(x))),
    arbitrary: pairsArb,
    errors: [
      {
        desc: 'last dim not 2',
        call: (mk) => viewAsComplex(mk([2, 3])),
        message: /viewAsComplex: Tensor must have a last dimension of size 2/,
        type: RangeError,
      },
      {
        desc: 'real input to viewAsReal',
        call: (mk) => viewAsReal(mk([2])),
        message: /viewAsReal: view_as_real is only supported for complex tensors/,
        type: TypeError,
      },
    ],
  }),
];
