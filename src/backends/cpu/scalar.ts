/**
 * CPU scalar descriptors for dtype-generic kernels, the CPU side of the WGSL scalar descriptors
 * (webgpu/kernel.ts). Storage is interleaved: a real element is one number, a complex element two
 * (re, im) in consecutive slots of the same Float64Array (or Float32Array). A kernel written once
 * against a descriptor generates its loop as JS source from the descriptor's expressions: REAL's
 * expressions are the plain arithmetic, so a real kernel built this way is the loop one would
 * write by hand (no calls, no extra reads), and COMPLEX instantiates the same kernel for complex.
 *
 * Every method returns JS expressions as `Parts`, one string per number of the element (its
 * arguments are expressions too, free of side effects: one may be spelled twice).
 */

/** A scalar value as JS expressions: [x] for a real, [re, im] for a complex. */
export type Parts = readonly string[];

export interface CpuScalar {
  readonly kind: 'real' | 'complex';
  /** Numbers per element in the interleaved storage. */
  readonly width: 1 | 2;
  readonly zero: Parts;
  readonly one: Parts;
  /** Element `index` (an element index, not a slot) of the array named `array`. */
  load(array: string, index: string): Parts;
  /** The statement that writes `v` to element `index` of `array`. */
  store(array: string, index: string, v: Parts): string;
  add(a: Parts, b: Parts): Parts;
  sub(a: Parts, b: Parts): Parts;
  mul(a: Parts, b: Parts): Parts;
  conj(a: Parts): Parts;
  /** |a|², one real expression. */
  abs2(a: Parts): string;
  /** The scalar with real part `r` and imaginary part 0. */
  fromReal(r: string): Parts;
}

/** Real numbers (float64 or float32 storage): conj is the identity. */
export const REAL: CpuScalar = {
  kind: 'real',
  width: 1,
  zero: ['0'],
  one: ['1'],
  load: (x, i) => [`${x}[${i}]`],
  store: (x, i, [v]) => `${x}[${i}] = ${v};`,
  add: ([a], [b]) => [`(${a} + ${b})`],
  sub: ([a], [b]) => [`(${a} - ${b})`],
  mul: ([a], [b]) => [`(${a} * ${b})`],
  conj: (a) => a,
  abs2: ([a]) => `(${a} * ${a})`,
  fromReal: (r) => [r],
};

/** Complex numbers as interleaved (re, im) pairs. */
export const COMPLEX: CpuScalar = {
  kind: 'complex',
  width: 2,
  zero: ['0', '0'],
  one: ['1', '0'],
  load: (x, i) => [`${x}[2 * (${i})]`, `${x}[2 * (${i}) + 1]`],
  store: (x, i, [re, im]) => `${x}[2 * (${i})] = ${re}; ${x}[2 * (${i}) + 1] = ${im};`,
  add: ([ar, ai], [br, bi]) => [`(${ar} + ${br})`, `(${ai} + ${bi})`],
  sub: ([ar, ai], [br, bi]) => [`(${ar} - ${br})`, `(${ai} - ${bi})`],
  mul: ([ar, ai], [br, bi]) => [`(${ar} * ${br} - ${ai} * ${bi})`, `(${ar} * ${bi} + ${ai} * ${br})`],
  conj: ([re, im]) => [re, `(-${im})`],
  abs2: ([re, im]) => `(${re} * ${re} + ${im} * ${im})`,
  fromReal: (r) => [r, '0'],
};

/** Names for the parts of a variable: `v` for a real, `v_re`, `v_im` for a complex. */
export function partNames(s: CpuScalar, v: string): Parts {
  return s.width === 1 ? [v] : [`${v}_re`, `${v}_im`];
}

// biome-ignore lint/suspicious/noExplicitAny: generated loops take the arguments their source names.
type Compiled = (...args: any[]) => void;
const compiled = new Map<string, Compiled>();

/**
 * The function with parameters `params` and body `body` (JS source), compiled once per source.
 * Kernels build `body` from a descriptor's expressions.
 */
export function compileLoop(params: readonly string[], body: string): Compiled {
  const key = `${params.join(',')}\n${body}`;
  let f = compiled.get(key);
  if (!f) {
    f = new Function(...params, body) as Compiled;
    compiled.set(key, f);
  }
  return f;
}
