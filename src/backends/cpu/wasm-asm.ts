/**
 * A minimal WebAssembly encoder for the hand-assembled CPU kernels (wasm-gemm.ts, wasm-trsm.ts):
 * LEB128 integers, sections, the few instructions the kernels use, and a function-body helper.
 */

export const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
};
export const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  if: [0x04, 0x40],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  const: (v: number) => [0x41, ...sleb(v)],
  eqz: [0x45],
  geU: [0x4f],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  shl: [0x74],
  simd: (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm],
};
/** memarg: alignment 2³ (the f64 data need not be 16-byte aligned), byte offset. */
export const memarg = (offset: number) => [3, ...uleb(offset)];
export const v128Load = (offset = 0) => op.simd(0, ...memarg(offset));
export const v128Store = (offset = 0) => op.simd(11, ...memarg(offset));
export const load64Splat = (offset = 0) => op.simd(10, ...memarg(offset));
export const f64x2Add = op.simd(240);
export const f64x2Splat = op.simd(20);
export const v128Zero = op.simd(12, ...new Array<number>(16).fill(0));
export const f64x2Mul = op.simd(242);

/** local = local + value (i32). */
export const addTo = (l: number, value: number[]) => [...op.get(l), ...value, ...op.add, ...op.set(l)];

/** A function body: its local declarations, then the instructions `write` emits. */
export function assemble(locals: number[], write: (emit: (...parts: number[][]) => void) => void): number[] {
  const code = [...locals];
  write((...parts) => {
    for (const p of parts) code.push(...p);
  });
  return code;
}

export const f64x2Sub = op.simd(241);
export const f64x2Div = op.simd(243);
