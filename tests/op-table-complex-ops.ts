/**
 * Op-table entries of the ops wired over ℂ (src/ops/elementwise.ts, reduce.ts, matmul.ts):
 * every elementwise op defined for complex, conj, abs, angle, where, sum and matmul. Each case
 * draws real (…, 2) inputs, reads them as complex numbers (viewAsComplex), applies the op and
 * reads a complex result back as real pairs (viewAsReal), so the generated checks (gradcheck and
 * gradgradcheck in float64 = complex128 arithmetic, forward mode, WebGPU agreement in float32 =
 * complex64 kernels) run the complex kernels and the complex backward and jvp rules.
 */

import type { AnyOpDef } from '../gradcheck/index.js';
import {
  entry,
  FLOAT_DTYPES,
  type OpEntry,
  type Sampler,
  samplesArb,
  shapeArb,
  signed,
  uniform,
} from '../gradcheck/index.js';
import { angle, conj, matmul, sum, type Tensor, viewAsComplex, viewAsReal, where } from '../src/index.js';
import { angleOp, binaryOps, conjOp, unaryOps, whereOp } from '../src/ops/elementwise.js';
import { bmmOp } from '../src/ops/matmul.js';
import { sumOp } from '../src/ops/reduce.js';

const c = (x: Tensor) => viewAsComplex(x);
const out = (t: Tensor) => (t.isComplex() ? viewAsReal(t) : t);

/** Both parts in (−1.5, 1.5). */
const wide = uniform(-1.5, 1.5);
/** Both parts positive: right of the branch cuts of log, sqrt and pow. */
const right = uniform(0.3, 1.5);
/** Both parts at least 0.3 from 0: away from the kinks of abs, angle and sgn at 0. */
const away = signed(0.3, 1.5);

const pairsArb = (samplers: Sampler[], minDims = 0) =>
  samplesArb(
    shapeArb({ minDims, maxDims: 2 }).map((s) => samplers.map(() => [...s, 2])),
    samplers,
  ).map((inputs) => ({ inputs, args: undefined }));

function unary(name: string, op: AnyOpDef, f: (z: Tensor) => Tensor, s: Sampler): OpEntry {
  return entry({
    name: `${name} (complex)`,
    op,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x]) => out(f(c(x!))),
    arbitrary: pairsArb([s]),
  });
}

function binary(
  name: string,
  op: AnyOpDef,
  f: (a: Tensor, b: Tensor) => Tensor,
  s: [Sampler, Sampler],
  minDims = 0,
): OpEntry {
  return entry({
    name: `${name} (complex)`,
    op,
    supportsForwardAd: true,
    dtypes: FLOAT_DTYPES,
    fn: ([x, y]) => out(f(c(x!), c(y!))),
    arbitrary: pairsArb(s, minDims),
  });
}

export const complexOpsEntries: OpEntry[] = [
  unary('neg', unaryOps.neg, (z) => z.neg(), wide),
  unary('conj', conjOp as AnyOpDef, (z) => conj(z), wide),
  unary('square', unaryOps.square, (z) => z.square(), wide),
  unary('reciprocal', unaryOps.reciprocal, (z) => z.reciprocal(), away),
  unary('sqrt', unaryOps.sqrt, (z) => z.sqrt(), right),
  unary('exp', unaryOps.exp, (z) => z.exp(), wide),
  unary('log', unaryOps.log, (z) => z.log(), right),
  unary('sin', unaryOps.sin, (z) => z.sin(), wide),
  unary('cos', unaryOps.cos, (z) => z.cos(), wide),
  unary('tanh', unaryOps.tanh, (z) => z.tanh(), uniform(-1, 1)),
  unary('sign', unaryOps.sign, (z) => z.sign(), away),
  unary('abs', unaryOps.abs, (z) => z.abs(), away),
  unary('angle', angleOp as AnyOpDef, (z) => angle(z), away),
  unary('sum', sumOp as AnyOpDef, (z) => sum(z, -1, true), wide),
  binary('add', binaryOps.add, (a, b) => a.add(b), [wide, wide]),
  binary('sub', binaryOps.sub, (a, b) => a.sub(b), [wide, wide]),
  binary('mul', binaryOps.mul, (a, b) => a.mul(b), [wide, wide]),
  binary('div', binaryOps.div, (a, b) => a.div(b), [wide, away]),
  binary('pow', binaryOps.pow, (a, b) => a.pow(b), [right, uniform(-1, 1)]),
  binary('where', whereOp as AnyOpDef, (a, b) => where(a.real().gt(b.real()), a, b), [wide, wide]),
  binary('matmul', bmmOp as AnyOpDef, (a, b) => matmul(a.unsqueeze(-1), b.unsqueeze(-2)), [wide, wide], 1),
];
