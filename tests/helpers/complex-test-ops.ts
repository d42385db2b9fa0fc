/**
 * Custom complex ops for checking gradcheck over ℂ: holomorphic f(z) as defineOp ops with a CPU
 * kernel on interleaved (re, im) data, a backward g·conj(f′(z)) and a jvp f′(z)·dz written with
 * the complex composites (viewAsReal, complex) and real ops on the parts, and optional planted
 * bugs. f′ and f″ are ops of their own, so the second derivative goes through f′'s backward.
 * (Each complex tensor is used once per formula: the parts come from one viewAsReal.)
 */
import {
  applyOp,
  complex,
  defineOp,
  narrow,
  type OpDef,
  type StorageDType,
  squeeze,
  type Tensor,
  viewAsReal,
} from '../../src/index.js';

/** A complex number as [re, im]. */
export type C = [number, number];

/** f, f′ and f″ of a holomorphic function, on one complex number. */
export interface Holo {
  name: string;
  f: (x: number, y: number) => C;
  d1: (x: number, y: number) => C;
  d2: (x: number, y: number) => C;
}

const mul = ([a, b]: C, [c, d]: C): C => [a * c - b * d, a * d + b * c];
const inv = ([a, b]: C): C => {
  const s = a * a + b * b;
  return [a / s, -b / s];
};

/** The constant of the scaled families (its imaginary part is what a missing conjugate flips). */
export const C0: C = [0.7, -1.3];

export const HOLO: Record<string, Holo> = {
  cz: { name: 'c·z', f: (x, y) => mul(C0, [x, y]), d1: () => C0, d2: () => [0, 0] },
  z2: {
    name: 'z²',
    f: (x, y) => mul([x, y], [x, y]),
    d1: (x, y) => [2 * x, 2 * y],
    d2: () => [2, 0],
  },
  cz2: {
    name: 'c·z²',
    f: (x, y) => mul(C0, mul([x, y], [x, y])),
    d1: (x, y) => mul(C0, [2 * x, 2 * y]),
    d2: () => [2 * C0[0], 2 * C0[1]],
  },
  z3: {
    name: 'z³',
    f: (x, y) => mul([x, y], mul([x, y], [x, y])),
    d1: (x, y) => mul([3, 0], mul([x, y], [x, y])),
    d2: (x, y) => [6 * x, 6 * y],
  },
  exp: {
    name: 'exp(z)',
    f: (x, y) => [Math.exp(x) * Math.cos(y), Math.exp(x) * Math.sin(y)],
    d1: (x, y) => [Math.exp(x) * Math.cos(y), Math.exp(x) * Math.sin(y)],
    d2: (x, y) => [Math.exp(x) * Math.cos(y), Math.exp(x) * Math.sin(y)],
  },
  recip: {
    name: '1/z',
    f: (x, y) => inv([x, y]),
    d1: (x, y) => mul([-1, 0], inv(mul([x, y], [x, y]))),
    d2: (x, y) => mul([2, 0], inv(mul([x, y], mul([x, y], [x, y])))),
  },
};

const noGpu = () => {
  throw new Error('test op: no WebGPU kernel');
};
const same = ([z]: readonly { shape: readonly number[]; dtype: StorageDType }[]) => [
  { shape: z.shape, dtype: z.dtype },
];
type View = { data: ArrayLike<number> & { [i: number]: number } };
/** out = f(z) on interleaved (re, im) data. */
const kernel =
  (f: (x: number, y: number) => C) =>
  ([z]: readonly View[], [out]: readonly View[]): void => {
    for (let i = 0; i < z.data.length; i += 2) {
      const [re, im] = f(z.data[i], z.data[i + 1]);
      out.data[i] = re;
      out.data[i + 1] = im;
    }
  };
const call1 = (op: OpDef<undefined>, z: Tensor) => applyOp(op, [z], undefined)[0];

/** The real and imaginary parts of a complex tensor from one viewAsReal (differentiable). */
export function parts(z: Tensor): [Tensor, Tensor] {
  const xy = viewAsReal(z);
  return [squeeze(narrow(xy, -1, 0, 1), -1), squeeze(narrow(xy, -1, 1, 1), -1)];
}

/** p·q, or conj(p)·q with `conjP`, of complex tensors, with real ops on the parts. */
export function cmul(p: Tensor, q: Tensor, conjP = false): Tensor {
  const [a, b0] = parts(p);
  const b = conjP ? b0.neg() : b0;
  const [c, d] = parts(q);
  return complex(a.mul(c).sub(b.mul(d)), a.mul(d).add(b.mul(c)));
}

/** conj(z) from the parts. */
export function conjParts(z: Tensor): Tensor {
  const [x, y] = parts(z);
  return complex(x, y.neg());
}

/** Im z + i·Re z: the parts swapped. */
export function swapParts(z: Tensor): Tensor {
  const [x, y] = parts(z);
  return complex(y, x);
}

/** Whether some element of a complex tangent has a nonzero real and imaginary part. */
const mixedTangent = (t: Tensor): boolean => {
  const d = t.dataSync();
  for (let i = 0; i < d.length; i += 2) if (d[i] !== 0 && d[i + 1] !== 0) return true;
  return false;
};

/** Planted bugs of holoOp. */
export interface Bugs {
  /** (a) backward g·f′ instead of g·conj(f′). */
  conj?: boolean;
  /** (b) the gradient's real and imaginary parts swapped. */
  swap?: boolean;
  /** (c) the jvp's imaginary part with the wrong sign: conj(f′·dz). */
  jvpSign?: boolean;
  /** (e) the jvp conj(f′)·dz for a tangent with both parts nonzero (right for real or imaginary dz). */
  jvpMixed?: boolean;
  /** (d) f′'s backward g·f″ instead of g·conj(f″): a wrong second derivative. */
  second?: boolean;
  /** A backward nonlinear in g: conj(f′)·g·|g|² (right for one-hot g, caught by checkBatchedGrad). */
  nonlinear?: boolean;
}

/** f as an op (backward and jvp through f′, f′ through f″), with the planted `bugs`. */
export function holoOp(h: Holo, bugs: Bugs = {}): OpDef<undefined> {
  const d2 = defineOp<undefined>({
    name: `test ${h.name}''`,
    infer: same,
    cpu: kernel(h.d2),
    webgpu: noGpu,
    backward: 'not-differentiable',
    jvp: 'not-differentiable',
  });
  const d1 = defineOp<undefined>({
    name: `test ${h.name}'`,
    infer: same,
    cpu: kernel(h.d1),
    webgpu: noGpu,
    backward: (c, [g]) => [g ? cmul(call1(d2, c.inputs[0]), g, !bugs.second) : null],
    jvp: (c, [t]) => [t ? cmul(call1(d2, c.inputs[0]), t) : null],
  });
  return defineOp<undefined>({
    name: `test ${h.name}`,
    infer: same,
    cpu: kernel(h.f),
    webgpu: noGpu,
    backward: (c, [g]) => {
      if (!g) return [null];
      let gz = cmul(call1(d1, c.inputs[0]), g, !bugs.conj);
      if (bugs.nonlinear) {
        const [gr, gi] = parts(g);
        const [a, b] = parts(gz);
        const s = gr.square().add(gi.square());
        gz = complex(a.mul(s), b.mul(s));
      }
      return [bugs.swap ? swapParts(gz) : gz];
    },
    jvp: (c, [t]) => {
      if (!t) return [null];
      const j = cmul(call1(d1, c.inputs[0]), t, bugs.jvpMixed === true && mixedTangent(t));
      return [bugs.jvpSign ? conjParts(j) : j];
    },
  });
}

/** conj(z) as a custom op: backward conj(g), jvp conj(dz). */
export const conjOp = defineOp<undefined>({
  name: 'test conj',
  infer: same,
  cpu: kernel((x, y) => [x, -y]),
  webgpu: noGpu,
  backward: (_c, [g]) => [g ? conjParts(g) : null],
  jvp: (_c, [t]) => [t ? conjParts(t) : null],
});

/** Applies a one-input op. */
export const apply = (op: OpDef<undefined>) => (z: Tensor) => call1(op, z);
