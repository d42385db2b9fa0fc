/**
 * WGSL kernel builder: every kernel states its bindings once, as a {@link KernelSpec}
 * `{ name, inputs, outputs, params }`, and this module generates the declarations (bindings
 * numbered in the runtime's order, the params as one `struct Params` in a uniform buffer) and the
 * dispatch arguments (buffers in binding order, params packed by name).
 *
 * Element types come from descriptors: a {@link WgslScalar} (F32 now, C64 for complex later)
 * says how its values are spelled in WGSL (`zero`, `mul(a, b)`, `conj(a)`, ...), so a kernel
 * body written against `s.mul(...)` is instantiated per dtype; `I32` and `ATOMIC_U32` are the
 * integer element types of index, info and state buffers.
 *
 * @example
 * const k = wgslKernel(
 *   { name: 'scale', inputs: { X: F32 }, outputs: { Y: F32 }, params: { n: 'u32', a: 'f32' } },
 *   `@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
 *      if (g.x < params.n) { Y[g.x] = params.a * X[g.x]; } }`,
 * );
 * runKernel(gpu, k, { buffers: { X: x, Y: y }, params: { n, a: 2 }, workgroups: [1], loops: 0 });
 */
import type { GpuStorage, WgslDispatch } from '../backend.js';

/** What every buffer element type states: its storage dtype, WGSL type and size in bytes. */
export interface WgslElement {
  /** The dtype of the tensors the buffer holds (complex64: interleaved float32 pairs). */
  readonly dtype: 'float32' | 'complex64' | 'int32';
  /** The WGSL type of one array element. */
  readonly wgsl: string;
  readonly bytes: 4 | 8;
  /** WGSL functions the type's expressions call (declared once per kernel that uses the type). */
  readonly prelude?: string;
}

/**
 * A floating scalar type for dtype-generic kernels: every method returns a WGSL expression
 * (its arguments are WGSL expressions too, free of side effects: one may be spelled twice).
 */
export interface WgslScalar extends WgslElement {
  readonly dtype: 'float32' | 'complex64';
  readonly wgsl: 'f32' | 'vec2<f32>';
  /** The WGSL type of its real part (and of `abs2`). */
  readonly real: 'f32';
  readonly zero: string;
  readonly one: string;
  add(a: string, b: string): string;
  sub(a: string, b: string): string;
  mul(a: string, b: string): string;
  div(a: string, b: string): string;
  conj(a: string): string;
  /** |a|², real. */
  abs2(a: string): string;
  /** The real part, real. */
  re(a: string): string;
  /** The scalar with real part `r` (an f32 expression) and imaginary part 0. */
  fromReal(r: string): string;
}

/** float32: plain f32 arithmetic; conj is the identity. */
export const F32: WgslScalar = {
  dtype: 'float32',
  wgsl: 'f32',
  real: 'f32',
  bytes: 4,
  zero: '0.0',
  one: '1.0',
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  conj: (a) => `(${a})`,
  abs2: (a) => `(${a} * ${a})`,
  re: (a) => `(${a})`,
  fromReal: (r) => `f32(${r})`,
};

/** complex64: a `vec2<f32>` (re, im) per element, 8 bytes, as interleaved float32 pairs. */
export const C64: WgslScalar = {
  dtype: 'complex64',
  wgsl: 'vec2<f32>',
  real: 'f32',
  bytes: 8,
  zero: 'vec2<f32>(0.0, 0.0)',
  one: 'vec2<f32>(1.0, 0.0)',
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `c64_mul(${a}, ${b})`,
  div: (a, b) => `c64_div(${a}, ${b})`,
  conj: (a) => `(${a} * vec2<f32>(1.0, -1.0))`,
  abs2: (a) => `c64_abs2(${a})`,
  re: (a) => `(${a}).x`,
  fromReal: (r) => `vec2<f32>(${r}, 0.0)`,
  prelude: `fn c64_mul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
fn c64_abs2(a: vec2<f32>) -> f32 { return dot(a, a); }
fn c64_div(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  // Smith's algorithm: no overflow of |b|² for large b.
  if (abs(b.x) >= abs(b.y)) {
    let r = b.y / b.x;
    let d = b.x + b.y * r;
    return vec2<f32>((a.x + a.y * r) / d, (a.y - a.x * r) / d);
  }
  let r = b.x / b.y;
  let d = b.x * r + b.y;
  return vec2<f32>((a.x * r + a.y) / d, (a.y * r - a.x) / d);
}
`,
};

/** int32 elements (pivots, info, index buffers). */
export const I32: WgslElement = { dtype: 'int32', wgsl: 'i32', bytes: 4 };
/** int32 storage used as `atomic<u32>` words (per-matrix state of the staged kernels). */
export const ATOMIC_U32: WgslElement = { dtype: 'int32', wgsl: 'atomic<u32>', bytes: 4 };

/** The element type of each storage dtype a GpuStorage can have. */
export const STORAGE_ELEMENTS: Readonly<Record<GpuStorage['dtype'], WgslElement>> = {
  float32: F32,
  int32: I32,
};

/** Bytes of one element of a storage dtype. */
export function elementBytes(dtype: GpuStorage['dtype']): number {
  return STORAGE_ELEMENTS[dtype].bytes;
}

/**
 * A params field: a u32, i32 or f32 scalar, or `{ array: 'u32', length }`, read in WGSL with the
 * generated accessor `params_<name>(i)` (uniform arrays are packed four to a `vec4<u32>`).
 */
export type ParamType = 'u32' | 'i32' | 'f32' | { readonly array: 'u32'; readonly length: number };
/** A params value: booleans are passed as u32 1/0; array fields take up to `length` values. */
export type ParamValue = number | boolean | ArrayLike<number>;

export interface KernelSpec {
  /** The kernel's name: the first line of its code is `// name` (messages name it). */
  readonly name: string;
  /** Read-only storage buffers, in binding order from 0 (an undefined entry is left out). */
  readonly inputs?: Readonly<Record<string, WgslElement | undefined>>;
  /** read_write storage buffers, numbered after the inputs. */
  readonly outputs?: Readonly<Record<string, WgslElement | undefined>>;
  /** Fields of `struct Params`, the uniform `params` bound after the outputs (when not empty). */
  readonly params?: Readonly<Record<string, ParamType>>;
  /** Scalar types the body uses besides those of the buffers (their preludes are declared). */
  readonly scalars?: readonly WgslElement[];
}

/** Bytes of the params uniform the runtime binds per dispatch: a params struct fits in them. */
export const PARAMS_BYTES = 1024;

interface ParamField {
  name: string;
  type: ParamType;
  /** Offset in u32 words. */
  at: number;
}

/** The params struct's layout under WGSL's uniform rules (scalars 4-aligned, arrays 16-aligned). */
export interface ParamLayout {
  readonly fields: readonly ParamField[];
  /** Size of the struct in u32 words (a multiple of 4). */
  readonly words: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Where each params field lives (in u32 words) in `struct Params`, in the spec's order; throws
 * for an invalid field name or a struct larger than PARAMS_BYTES (`name` names the kernel).
 */
export function paramLayout(name: string, params: Readonly<Record<string, ParamType>>): ParamLayout {
  const fields: ParamField[] = [];
  let at = 0;
  for (const [field, type] of Object.entries(params)) {
    if (!IDENT.test(field)) throw new Error(`kernel '${name}': invalid params field name '${field}'`);
    if (typeof type === 'string') {
      fields.push({ name: field, type, at });
      at += 1;
    } else {
      if (!(Number.isInteger(type.length) && type.length > 0)) {
        throw new Error(`kernel '${name}': params array '${field}' needs a positive length`);
      }
      at = Math.ceil(at / 4) * 4;
      fields.push({ name: field, type, at });
      at += 4 * Math.ceil(type.length / 4);
    }
  }
  const words = Math.ceil(at / 4) * 4;
  if (words * 4 > PARAMS_BYTES) {
    throw new Error(`kernel '${name}': params take ${words * 4} bytes, more than ${PARAMS_BYTES}`);
  }
  return { fields, words };
}

/**
 * The one place a `@group(0) @binding(k)` line is written: storage (`read`/`read_write`) or
 * `uniform` variable `name` of WGSL type `type` at binding k. The runtime's extra bindings (the
 * loop counter) use it too.
 */
export function wgslBinding(
  binding: number,
  space: 'read' | 'read_write' | 'uniform',
  name: string,
  type: string,
): string {
  const where = space === 'uniform' ? 'uniform' : `storage, ${space}`;
  return `@group(0) @binding(${binding}) var<${where}> ${name}: ${type};`;
}

/**
 * The WGSL `struct Params` of these fields, the uniform `params` at `binding` and the array
 * accessors (what {@link wgslKernel} declares after the buffers).
 */
export function wgslParamsDeclaration(params: Readonly<Record<string, ParamType>>, binding: number): string {
  return paramsWgsl(paramLayout('params', params), binding);
}

function paramsWgsl(layout: ParamLayout, binding: number): string {
  const members = layout.fields.map((f) =>
    typeof f.type === 'string'
      ? `  ${f.name}: ${f.type},`
      : `  ${f.name}: array<vec4<u32>, ${Math.ceil(f.type.length / 4)}>,`,
  );
  const accessors = layout.fields.flatMap((f) =>
    typeof f.type === 'string'
      ? []
      : [`fn params_${f.name}(i: u32) -> u32 { return params.${f.name}[i >> 2u][i & 3u]; }`],
  );
  return [
    `struct Params {\n${members.join('\n')}\n}`,
    wgslBinding(binding, 'uniform', 'params', 'Params'),
    ...accessors,
  ].join('\n');
}

/** A kernel: its spec, its full WGSL (`// name`, declarations, body) and its params layout. */
export interface Kernel {
  readonly spec: KernelSpec;
  readonly code: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly layout: ParamLayout;
}

/**
 * The declarations of `spec`: one storage binding per input (read) and output (read_write),
 * numbered from 0 in that order, then `struct Params` and its uniform, then the preludes of the
 * element types used. The runtime binds the same numbers (see WgslDispatch).
 */
export function wgslDeclarations(spec: KernelSpec): string {
  return declare(spec, paramLayout(spec.name, spec.params ?? {}));
}

function declare(spec: KernelSpec, layout: ParamLayout): string {
  const lines: string[] = [];
  const seen = new Set<string>(['params']);
  const preludes = new Set<string>();
  let binding = 0;
  const buffers = (group: KernelSpec['inputs'], access: 'read' | 'read_write') => {
    for (const [name, el] of Object.entries(group ?? {})) {
      if (!el) continue;
      if (!IDENT.test(name) || seen.has(name)) {
        throw new Error(`kernel '${spec.name}': invalid or repeated binding name '${name}'`);
      }
      seen.add(name);
      lines.push(wgslBinding(binding++, access, name, `array<${el.wgsl}>`));
      if (el.prelude) preludes.add(el.prelude);
    }
  };
  buffers(spec.inputs, 'read');
  buffers(spec.outputs, 'read_write');
  if (layout.fields.length > 0) lines.push(paramsWgsl(layout, binding));
  for (const s of spec.scalars ?? []) if (s.prelude) preludes.add(s.prelude);
  return [...lines, ...preludes].join('\n');
}

function present(group: KernelSpec['inputs']): string[] {
  return Object.entries(group ?? {}).flatMap(([name, el]) => (el ? [name] : []));
}

/** Builds a kernel from its spec and its body (everything after the declarations). */
export function wgslKernel(spec: KernelSpec, body: string): Kernel {
  if (spec.name.includes('\n')) throw new Error('kernel name must be one line');
  const layout = paramLayout(spec.name, spec.params ?? {});
  return {
    spec,
    code: `// ${spec.name}\n${declare(spec, layout)}\n${body}`,
    inputs: present(spec.inputs),
    outputs: present(spec.outputs),
    layout,
  };
}

/**
 * The params values packed by name into the struct's words (f32 as their bits, i32 two's
 * complement, booleans as 1/0). Every field must be given; names not in the spec are errors.
 */
export function packParams(
  kernel: Pick<Kernel, 'spec' | 'layout'>,
  values: Readonly<Record<string, ParamValue>>,
): Uint32Array {
  const { name } = kernel.spec;
  const out = new Uint32Array(kernel.layout.words);
  const f32 = new Float32Array(out.buffer);
  const i32 = new Int32Array(out.buffer);
  for (const key of Object.keys(values)) {
    if (!kernel.layout.fields.some((f) => f.name === key)) {
      throw new Error(`kernel '${name}': unknown param '${key}'`);
    }
  }
  for (const f of kernel.layout.fields) {
    const v = values[f.name];
    if (v === undefined) throw new Error(`kernel '${name}': missing param '${f.name}'`);
    if (typeof f.type !== 'string') {
      if (typeof v !== 'object') throw new TypeError(`kernel '${name}': param '${f.name}' must be an array`);
      const a: ArrayLike<number> = v;
      if (a.length > f.type.length) {
        throw new RangeError(
          `kernel '${name}': param '${f.name}' has ${a.length} values, at most ${f.type.length}`,
        );
      }
      for (let i = 0; i < a.length; i++) out[f.at + i] = a[i]!;
      continue;
    }
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      throw new TypeError(`kernel '${name}': param '${f.name}' must be a number`);
    }
    const x = +v;
    if (f.type === 'f32') f32[f.at] = x;
    else if (f.type === 'i32') i32[f.at] = x;
    else out[f.at] = x;
  }
  return out;
}

/** What a dispatch of a kernel takes: buffers and params by name, the grid and the loop bound. */
export interface KernelArgs {
  /** The storage of every binding, by name (undefined entries are ignored). */
  readonly buffers: Readonly<Record<string, GpuStorage | undefined>>;
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly workgroups: readonly [number, number?, number?];
  /** The loop rule's bound for one invocation (see loops.ts and WgslDispatch.loops). */
  readonly loops: number;
}

/** The runtime dispatch of `kernel` with `args`: buffers in binding order, params packed. */
export function kernelDispatch(kernel: Kernel, args: KernelArgs): WgslDispatch {
  const pick = (names: readonly string[]) =>
    names.map((n) => {
      const s = args.buffers[n];
      if (!s) throw new Error(`kernel '${kernel.spec.name}': missing buffer '${n}'`);
      return s;
    });
  for (const [key, st] of Object.entries(args.buffers)) {
    if (st && !kernel.inputs.includes(key) && !kernel.outputs.includes(key)) {
      throw new Error(`kernel '${kernel.spec.name}': unknown buffer '${key}'`);
    }
  }
  const d: WgslDispatch = {
    code: kernel.code,
    inputs: pick(kernel.inputs),
    outputs: pick(kernel.outputs),
    workgroups: args.workgroups,
    loops: args.loops,
  };
  if (kernel.layout.fields.length > 0) d.params = packParams(kernel, args.params ?? {});
  else if (args.params && Object.keys(args.params).length > 0) {
    throw new Error(`kernel '${kernel.spec.name}' has no params`);
  }
  return d;
}

/** Runs `kernel` on the runtime (`gpu.run`): see {@link kernelDispatch}. */
export function runKernel(gpu: { run(d: WgslDispatch): void }, kernel: Kernel, args: KernelArgs): void {
  gpu.run(kernelDispatch(kernel, args));
}

/**
 * Throws unless `st` holds elements of type `el` (a TypeError naming the dtypes) and at least
 * `len` of them (a RangeError): the argument check of every kernel entry point.
 */
export function needBuffer(op: string, name: string, st: GpuStorage, el: WgslElement, len: number): void {
  if (st.dtype !== storageDtype(el))
    throw new TypeError(`${op}: ${name} must be ${el.dtype}, got ${st.dtype}`);
  const have = el.dtype === 'complex64' ? st.length / 2 : st.length;
  if (have < len) {
    throw new RangeError(`${op}: ${name} has ${have} elements, needs at least ${len}`);
  }
}

/** Throws a RangeError unless every size is a non-negative integer (kernel entry points' check). */
export function needSizes(op: string, sizes: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`${op}: ${k} must be a non-negative integer, got ${v}`);
  }
}

/** The storage dtype that holds elements of type `el` (complex64: float32 pairs). */
export function storageDtype(el: WgslElement): GpuStorage['dtype'] {
  return el.dtype === 'int32' ? 'int32' : 'float32';
}

/** Allocates storage for `count` elements of type `el` (scratch buffers of kernels). */
export function allocElements(
  gpu: { alloc(dtype: GpuStorage['dtype'], length: number, opts?: { zero?: boolean }): GpuStorage },
  el: WgslElement,
  count: number,
  opts?: { zero?: boolean },
): GpuStorage {
  return gpu.alloc(storageDtype(el), count * (el.bytes / 4), opts);
}
