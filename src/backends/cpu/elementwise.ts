import { broadcastStrides } from '../../shape.js';
import type { CpuView, TypedArray } from '../backend.js';

/**
 * CPU loops for elementwise ops with up to three broadcasting operands named a, b, c. Each op is
 * one JS expression; the loops around it are generated here once per expression and cached.
 */

const NAMES = ['a', 'b', 'c'] as const;
type Loop = (out: TypedArray, ins: TypedArray[], n: number) => void;
const cpuLoops = new Map<string, Loop>();

function sameShapeLoop(expr: string, arity: number): Loop {
  const key = `same:${arity}:${expr}`;
  let f = cpuLoops.get(key);
  if (!f) {
    const loads = NAMES.slice(0, arity)
      .map((v, k) => `const ${v} = x${k}[i];`)
      .join(' ');
    const decl = NAMES.slice(0, arity)
      .map((_, k) => `const x${k} = ins[${k}];`)
      .join(' ');
    f = new Function(
      'out',
      'ins',
      'n',
      `${decl} for (let i = 0; i < n; i++) { ${loads} out[i] = ${expr}; }`,
    ) as Loop;
    cpuLoops.set(key, f);
  }
  return f;
}

type StridedLoop = (out: TypedArray, ins: TypedArray[], offs: number[], strides: number[], n: number) => void;
const stridedLoops = new Map<string, StridedLoop>();

/** Inner loop over the last dim with per-operand strides (0 for a broadcast operand). */
function stridedLoop(expr: string, arity: number): StridedLoop {
  const key = `strided:${arity}:${expr}`;
  let f = stridedLoops.get(key);
  if (!f) {
    const vs = NAMES.slice(0, arity);
    const decl = vs
      .map((_, k) => `const x${k} = ins[${k}]; let p${k} = offs[${k}]; const s${k} = strides[${k}];`)
      .join(' ');
    const loads = vs.map((v, k) => `const ${v} = x${k}[p${k}]; p${k} += s${k};`).join(' ');
    f = new Function(
      'out',
      'ins',
      'offs',
      'strides',
      'n',
      `${decl} let o = offs[${arity}]; for (let i = 0; i < n; i++) { ${loads} out[o++] = ${expr}; }`,
    ) as StridedLoop;
    stridedLoops.set(key, f);
  }
  return f;
}

/** Runs `expr` over broadcast operands on the CPU. */
export function elementwiseCpu(expr: string, ins: readonly CpuView[], out: CpuView): void {
  const n = out.data.length;
  const arity = ins.length;
  if (ins.every((v) => v.data.length === n)) {
    sameShapeLoop(expr, arity)(
      out.data,
      ins.map((v) => v.data),
      n,
    );
    return;
  }
  const shape = out.shape;
  const nd = shape.length;
  const inner = shape[nd - 1];
  const st = ins.map((v) => broadcastStrides(v.shape, shape));
  const offs = new Array<number>(arity + 1).fill(0);
  const innerStrides = st.map((s) => s[nd - 1]);
  const idx = new Array<number>(nd).fill(0);
  const loop = stridedLoop(expr, arity);
  const datas = ins.map((v) => v.data);
  for (let o = 0; o < n; o += inner) {
    offs[arity] = o;
    for (let k = 0; k < arity; k++) {
      let p = 0;
      for (let d = 0; d < nd - 1; d++) p += idx[d] * st[k][d];
      offs[k] = p;
    }
    loop(out.data, datas, offs, innerStrides, inner);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}
