/**
 * gradcheck and gradgradcheck over ℂ: correct complex functions pass (the complex composites and
 * custom ops with CPU kernels on interleaved data), in every mode (slow, fast, forward mode,
 * second derivatives, batched, raiseException: false); the messages name the part that failed;
 * misuse is reported on the inputs as given; fast mode's complex random vectors. Planted-bug
 * rates: gradcheck-complex-rates.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { complexPasses } from '../gradcheck/complex.js';
import { inputVectors, passVectors } from '../gradcheck/fast-complex.js';
import { complexGeneralMatrix, gradcheck, gradgradcheck } from '../gradcheck/index.js';
import { makeRng } from '../gradcheck/linalg-rand.js';
import {
  angle,
  applyOp,
  complex,
  complexAbs,
  conj,
  defineOp,
  forwardAD,
  imag,
  polar,
  real,
  type Tensor,
  tensor,
  viewAsComplex,
  viewAsReal,
} from '../src/index.js';
import { apply, C0, conjOp, conjParts, HOLO, holoOp, parts, swapParts } from './helpers/complex-test-ops.js';
import { failure } from './helpers/failure.js';
import { describeWebGPU } from './helpers/webgpu.js';

/** A complex128 leaf from interleaved (re, im) data. */
const cz = (data: number[], shape?: number[]) =>
  tensor(data, { dtype: 'complex128', shape: shape ?? [data.length / 2] }).requiresGrad_();
const leaf = (data: number[]) => tensor(data, { requiresGrad: true });
const z0 = () => cz([0.5, -0.8, 1.1, 0.3, -0.4, 0.9]);

/**
 * Whether complex tensors add yet. Second derivatives of compositions (z reaching the first
 * derivative along two paths) accumulate complex gradients, which needs complex add in backward;
 * those checks run once it is there and are reported as skipped until then.
 */
const hasComplexAdd = (() => {
  try {
    cz([1, 0])
      .detach()
      .add(cz([1, 0]).detach());
    return true;
  } catch {
    return false;
  }
})();

/** Complex matrices from arbitraries-complex.ts, as complex128 leaves. */
const samples = fc
  .sample(complexGeneralMatrix({ minSize: 1, maxSize: 3 }), { numRuns: 8, seed: 11 })
  .map((s) => tensor(s.data, { shape: [...s.shape], dtype: 'complex128' }).requiresGrad_());

describe('correct complex functions pass gradcheck and gradgradcheck', () => {
  type Fn = (...xs: Tensor[]) => Tensor | Tensor[] | Record<string, Tensor>;
  /** [name, fn, composite: the second derivative needs complex add]. */
  const cases: [string, Fn, boolean?][] = [
    ['conj (complex → complex)', (z) => conj(z)],
    ['complexAbs (complex → real)', (z) => complexAbs(z)],
    ['angle (complex → real)', (z) => angle(z)],
    ['real (complex → real)', (z) => real(z)],
    ['imag (complex → real)', (z) => imag(z)],
    ['viewAsReal (complex → real)', (z) => viewAsReal(z)],
    ['|z|² through viewAsReal', (z) => viewAsReal(z).square().sum(-1)],
    ['custom op c·z', apply(holoOp(HOLO.cz))],
    ['custom op z²', apply(holoOp(HOLO.z2))],
    ['custom op conj(z)', apply(conjOp)],
    ['custom ops exp(z³)', (z) => apply(holoOp(HOLO.exp))(apply(holoOp(HOLO.z3))(z)), true],
    [
      'two outputs, complex and real, from one view',
      (z) => {
        const xy = viewAsReal(z);
        return [viewAsComplex(xy.mul(2)), xy.square().sum(-1)];
      },
    ],
    [
      'a record of a complex and a real output',
      (z) => {
        const [x, y] = parts(apply(holoOp(HOLO.z2))(z));
        return { w: complex(x.mul(y), y.sin()), r: x.exp() };
      },
      true,
    ],
  ];
  for (const [name, fn, composite] of cases) {
    it(name, () => {
      for (const z of samples) {
        for (const fastMode of [false, true]) {
          expect(gradcheck(fn, [z], { fastMode, checkForwardAd: true })).toBe(true);
          if (!composite)
            expect(gradgradcheck(fn, [z], null, { fastMode, checkFwdOverRev: true })).toBe(true);
        }
      }
    });
    if (!composite) continue;
    it.runIf(hasComplexAdd)(`${name}: gradgradcheck (needs complex add in backward)`, () => {
      for (const z of samples) {
        for (const fastMode of [false, true]) {
          expect(gradgradcheck(fn, [z], null, { fastMode, checkFwdOverRev: true })).toBe(true);
        }
      }
    });
  }

  it('real → complex: complex(re, im), polar(abs, angle), viewAsComplex', () => {
    const re = leaf([0.3, -1.2, 0.8]);
    const im = leaf([1.1, 0.4, -0.6]);
    const r = leaf([0.5, 1.5, 2]);
    const th = leaf([0.3, -2, 1]);
    const xy = tensor([0.3, 1, -0.5, 2], { shape: [2, 2], requiresGrad: true });
    for (const fastMode of [false, true]) {
      const o = { fastMode, checkForwardAd: true };
      const gg = { fastMode, checkFwdOverRev: true };
      expect(gradcheck((a, b) => complex(a, b), [re, im], o)).toBe(true);
      expect(gradcheck((a, b) => polar(a, b), [r, th], o)).toBe(true);
      expect(gradcheck((x) => viewAsComplex(x), [xy], o)).toBe(true);
      expect(gradgradcheck((a, b) => polar(a, b), [r, th], null, gg)).toBe(true);
      expect(gradgradcheck((a, b) => apply(holoOp(HOLO.z3))(complex(a, b)), [re, im], null, gg)).toBe(true);
    }
  });

  it('several inputs, real and complex mixed, complex and real outputs', () => {
    const z = z0();
    const w = cz([0.2, 1.3, -0.7, 0.6, 1.4, -0.2]);
    const r = leaf([0.9, -0.3, 1.7]);
    const constant = cz([1, 2, 3, 4, 5, 6]).detach();
    // z·w·r + conj-ish terms, written on the parts (each complex tensor used once).
    const fn = (a: Tensor, b: Tensor, s: Tensor, k: Tensor) => {
      const [x, y] = parts(apply(holoOp(HOLO.exp))(a));
      const [u, v] = parts(b);
      const [p] = parts(k);
      const prod = complex(x.mul(u).sub(y.mul(v)).mul(s), x.mul(v).add(y.mul(u)).add(p));
      return [prod, u.square().add(v.square()).mul(s.sin())];
    };
    for (const fastMode of [false, true]) {
      expect(gradcheck(fn, [z, w, r, constant], { fastMode, checkForwardAd: true })).toBe(true);
    }
    // Second derivatives where z reaches each gradient along one path only (no complex add).
    const apart = (a: Tensor, s: Tensor, k: Tensor) => {
      const [p, q] = parts(k);
      return [apply(holoOp(HOLO.z3))(a), s.square().mul(p), complex(s.sin(), s.mul(q))];
    };
    for (const fastMode of [false, true]) {
      expect(gradgradcheck(apart, [z, r, constant], null, { fastMode, checkFwdOverRev: true })).toBe(true);
    }
  });

  it.runIf(hasComplexAdd)('several inputs mixed: gradgradcheck (needs complex add in backward)', () => {
    const fn = (a: Tensor, b: Tensor, s: Tensor) => {
      const [x, y] = parts(apply(holoOp(HOLO.exp))(a));
      const [u, v] = parts(b);
      return [complex(x.mul(u).sub(y.mul(v)).mul(s), x.mul(v).add(y.mul(u))), u.square().mul(s.sin())];
    };
    const xs = [z0(), cz([0.2, 1.3, -0.7, 0.6, 1.4, -0.2]), leaf([0.9, -0.3, 1.7])];
    for (const fastMode of [false, true]) {
      expect(gradgradcheck(fn, xs, null, { fastMode, checkFwdOverRev: true })).toBe(true);
    }
  });

  it('checkBatchedGrad and checkUndefinedGrad with complex inputs and outputs', () => {
    for (const h of Object.values(HOLO)) {
      const fn = apply(holoOp(h));
      expect(gradcheck(fn, [z0()], { checkBatchedGrad: true, checkUndefinedGrad: true })).toBe(true);
      expect(gradgradcheck(fn, [z0()], null, { checkBatchedGrad: true })).toBe(true);
    }
  });

  it('gradgradcheck with given complex gradOutputs (tensor, array, record; requiring grad or not)', () => {
    const fn = apply(holoOp(HOLO.z3));
    const g = cz([0.3, -0.2, 0.5, 0.9, -1, 0.1]);
    expect(gradgradcheck(fn, [z0()], g)).toBe(true);
    expect(gradgradcheck(fn, [z0()], [g.detach()], { checkFwdOverRev: true })).toBe(true);
    // A record: output w depends on z through fn, r is linear in the parts (one path to z).
    const two = (a: Tensor) => {
      const [x, y] = parts(fn(a));
      return { w: complex(y, x.mul(2)), r: x.add(y.mul(3)) };
    };
    expect(gradgradcheck(two, [z0()], { w: g, r: leaf([1, -2, 0.5]) }, { fastMode: true })).toBe(true);
    expect(gradgradcheck(two, [z0()], { r: leaf([1, -2, 0.5]), w: g.detach() })).toBe(true);
    expect(() => gradgradcheck(fn, [z0()], leaf([1, 2, 3]))).toThrow(
      'gradgradcheck: the gradOutput for output 0 is [3] float64 on cpu, but the output is [3] complex128 on cpu',
    );
  });
});

describe('the forward-mode tangent through complex()', () => {
  it('a tangent on the real or imaginary part arrives as f′(z)·dz', () => {
    // z = complex(x, y) with dual x (dx = 1): the tangent of z³ is 3z²·1; with dual y: 3z²·i.
    const [x, y] = [0.5, -0.8];
    const d1 = HOLO.z3.d1(x, y);
    for (const [part, want] of [
      ['real', d1],
      ['imaginary', [-d1[1], d1[0]]],
    ] as const) {
      const got = forwardAD.dualLevel(() => {
        const re = tensor([x]);
        const im = tensor([y]);
        const t = tensor([1]);
        const z =
          part === 'real' ? complex(forwardAD.makeDual(re, t), im) : complex(re, forwardAD.makeDual(im, t));
        const { tangent } = forwardAD.unpackDual(apply(holoOp(HOLO.z3))(z));
        return Array.from(tangent!.dataSync());
      });
      expect(got[0]).toBeCloseTo(want[0], 12);
      expect(got[1]).toBeCloseTo(want[1], 12);
    }
  });
});

describe('messages name the part that failed', () => {
  it('a missing conjugate: the imaginary part of the output with respect to the real part of the input', () => {
    const msg = failure(() => gradcheck(apply(holoOp(HOLO.cz, { conj: true })), [cz([0.5, -0.8])]));
    // ∂v/∂x = Im c = −1.3; the backward without the conjugate gives +1.3.
    expect(msg).toBe(
      [
        'gradcheck: Jacobian mismatch for the imaginary part of output 0 with respect to the real part of input #0',
        '  worst element (largest |difference| / tolerance): d the imaginary part of output 0[0] / d the real part of input #0[0]',
        `    numerical:  ${C0[1]}`,
        `    analytical: ${-C0[1]}`,
        '    |analytical - numerical| = 2.6, tolerance atol + rtol*|numerical| = 0.00131',
        '  max |analytical - numerical| = 2.6; 1 of 1 Jacobian entries outside the tolerance (atol=0.00001, rtol=0.001, eps=0.000001)',
        '  hint: analytical = -1 x numerical on every entry: a wrong constant factor (a sign error)',
        "  hint: the sign flips between a real and an imaginary part: a missing (or extra) conjugate? In PyTorch's convention the backward of a holomorphic f is g·conj(f′(z)) and its jvp f′(z)·dz",
        '  numerical Jacobian (rows: elements of the imaginary part of output 0 [1], columns: elements of the real part of input #0 [1], row-major):',
        '    -1.3',
        '  analytical Jacobian:',
        '    1.3',
      ].join('\n'),
    );
  });

  it('a bug in the gradient of the imaginary part only: the imaginary pass fails', () => {
    const re = (a: Tensor) => {
      const [x, y] = parts(a);
      return x.add(y.mul(y));
    };
    expect(gradcheck(re, [z0()])).toBe(true);
    // y² with one factor detached: ∂/∂y is y instead of 2y; Re(z.grad) stays right.
    const msg = failure(() =>
      gradcheck(
        (a) => {
          const [x, y] = parts(a);
          return x.add(y.mul(y.detach()));
        },
        [z0()],
      ),
    );
    expect(msg).toMatch(
      /^gradcheck: Jacobian mismatch for output 0 with respect to the imaginary part of input #0\n/,
    );
  });

  it('forward mode and gradgradcheck name the parts; fast mode too', () => {
    const fwd = failure(() =>
      gradcheck(apply(holoOp(HOLO.exp, { jvpSign: true })), [z0()], { checkForwardAd: true, fastMode: true }),
    );
    expect(fwd).toMatch(
      /^gradcheck: Jacobian computed with forward mode mismatch for the imaginary part of output 0 with respect to the real part of input #0 in fast mode/,
    );
    const gg = failure(() => gradgradcheck(apply(holoOp(HOLO.exp, { second: true })), [z0()]));
    expect(gg).toMatch(
      /^gradgradcheck: Jacobian mismatch for the (real|imaginary) part of output 0 \('grad of input #0'\) with respect to the (real|imaginary) part of input #0\n/,
    );
  });

  it('raiseException: false returns false for a planted bug, true for the correct op', () => {
    const quiet = { raiseException: false } as const;
    expect(gradcheck(apply(holoOp(HOLO.z3, { swap: true })), [z0()], quiet)).toBe(false);
    expect(gradcheck(apply(holoOp(HOLO.z3, { conj: true })), [z0()], { ...quiet, fastMode: true })).toBe(
      false,
    );
    expect(gradgradcheck(apply(holoOp(HOLO.z3, { second: true })), [z0()], null, quiet)).toBe(false);
    expect(gradcheck(apply(holoOp(HOLO.z3)), [z0()], quiet)).toBe(true);
    expect(gradgradcheck(apply(holoOp(HOLO.z3)), [z0()], null, quiet)).toBe(true);
  });

  it('a backward nonlinear in g is caught (one-hot rows alone would pass it)', () => {
    const msg = failure(() =>
      gradcheck(apply(holoOp(HOLO.z2, { nonlinear: true })), [z0()], { checkBatchedGrad: true }),
    );
    expect(msg).toMatch(/the real part of input #0/);
  });
});

describe('gradgradcheck checks the cross terms ∂²L/∂x∂y', () => {
  /** z ↦ Im z + i·Re z; `bug` gives its backward the wrong sign in the imaginary part. */
  const swapOp = (bug: boolean) =>
    defineOp<undefined>({
      name: 'test swap',
      infer: ([z]) => [{ shape: z.shape, dtype: z.dtype }],
      cpu: ([z], [out]) => {
        for (let i = 0; i < z.data.length; i += 2) {
          out.data[i] = z.data[i + 1];
          out.data[i + 1] = z.data[i];
        }
      },
      webgpu: () => {
        throw new Error('test op: no WebGPU kernel');
      },
      backward: (_c, [g]) => [g ? (bug ? conjParts(swapParts(g)) : swapParts(g)) : null],
    });
  /** z ↦ Re z · Im z (real), backward g·(Im z + i·Re z) through swapOp. */
  const prodOp = (bug: boolean) =>
    defineOp<undefined>({
      name: 'test re·im',
      infer: ([z]) => [{ shape: z.shape, dtype: 'float64' }],
      cpu: ([z], [out]) => {
        for (let i = 0; i < out.data.length; i++) out.data[i] = z.data[2 * i] * z.data[2 * i + 1];
      },
      webgpu: () => {
        throw new Error('test op: no WebGPU kernel');
      },
      backward: (c, [g]) => {
        if (!g) return [null];
        const [y, x] = parts(applyOp(swapOp(bug), [c.inputs[0]], undefined)[0]);
        return [complex(g.mul(y), g.mul(x))];
      },
    });

  it('a wrong sign in ∂²(xy)/∂y∂x only: the blocks ∂²/∂x² and ∂²/∂y² are right (0)', () => {
    // The Hessian of xy is [[0, 1], [1, 0]]; the planted one is [[0, 1], [−1, 0]].
    const ok = (z: Tensor) => applyOp(prodOp(false), [z], undefined)[0];
    const bad = (z: Tensor) => applyOp(prodOp(true), [z], undefined)[0];
    expect(gradcheck(ok, [z0()])).toBe(true);
    expect(gradcheck(bad, [z0()])).toBe(true);
    for (const fastMode of [false, true]) {
      expect(gradgradcheck(ok, [z0()], null, { fastMode })).toBe(true);
      expect(failure(() => gradgradcheck(bad, [z0()], null, { fastMode }))).toMatch(
        // ∂(∂L/∂x)/∂y: a cross term, seen only because the first derivative is differentiated in
        // both passes (checking ∂L/∂x in the real pass and ∂L/∂y in the imaginary one would miss it).
        /^gradgradcheck: Jacobian mismatch for the real part of output 0 \('grad of input #0'\) with respect to the imaginary part of input #0/,
      );
    }
  });
});

describe("fast mode's complex random vectors (PyTorch's _fast_gradcheck)", () => {
  const unit = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

  it('a complex input gets u = ur + i·ui, two independent unit vectors; each pass takes its part', () => {
    const z = z0();
    const r = leaf([0.3, -0.7]);
    const c = tensor([1, 2]);
    const us = inputVectors(makeRng(5), [z, r, c]);
    const [uz, ur, uc] = us;
    expect(uc).toBeNull();
    expect(ur?.im).toBeNull();
    expect(uz?.im).not.toBeNull();
    for (const v of [uz!.re, uz!.im!, ur!.re]) expect(unit(v)).toBeCloseTo(1, 14);
    expect(Array.from(uz!.re)).not.toEqual(Array.from(uz!.im!));
    // The same stream in both passes: the real pass takes ur and r's u, the imaginary pass ui.
    const passes = complexPasses((a, b) => a.mul(complex(b, b)), [z, r, c], ['z', 'r', 'c']);
    expect(passes.map((p) => p.part)).toEqual(['real', 'imaginary']);
    const [re, im] = passes.map((p) => passVectors([z, r, c], p)(makeRng(5)));
    expect(re.map((u) => Array.from(u))).toEqual([Array.from(uz!.re), Array.from(ur!.re)]);
    expect(im.map((u) => Array.from(u))).toEqual([Array.from(uz!.im!)]);
  });

  it('a jvp wrong only for tangents with both parts: fast mode with checkForwardAd catches it', () => {
    const bad = apply(holoOp(HOLO.z3, { jvpMixed: true }));
    const ok = apply(holoOp(HOLO.z3));
    // The passes give the tangents ur and i·ui alone, so without the complex tangent it passes.
    expect(gradcheck(bad, [z0()], { checkForwardAd: true })).toBe(true);
    expect(gradcheck(bad, [z0()], { fastMode: true })).toBe(true);
    const msg = failure(() => gradcheck(bad, [z0()], { fastMode: true, checkForwardAd: true }));
    expect(msg).toMatch(
      /^gradcheck: Jacobian computed with forward mode mismatch for the (real|imaginary) part of output 0 with respect to input #0 in fast mode along the complex tangent u = ur \+ i·ui: vᵀJu numerical -?[0-9.e-]+, forward mode -?[0-9.e-]+, \|difference\| [0-9.e-]+ > atol·\(Σur \+ Σui\)·Σv \+ rtol·\|numerical\| = [0-9.e-]+ \(u, v random unit vectors, seed 0\)\n {2}along ur \(the real part of input #0\) and i·ui \(its imaginary part\) alone forward mode matched, so the jvp is not real-linear in its tangent/,
    );
    const quiet = { fastMode: true, checkForwardAd: true, raiseException: false } as const;
    expect(gradcheck(bad, [z0()], quiet)).toBe(false);
    expect(gradcheck(ok, [z0()], quiet)).toBe(true);
    // Named inputs, a real input beside it and several outputs: the complex input is named as given.
    const two = (a: Tensor, b: Tensor) => [bad(a).mul(complex(b, b)), viewAsReal(a).sum()];
    const named = failure(() =>
      gradcheck(two, [z0(), leaf([0.4, 0.9, -1.2])], {
        ...quiet,
        raiseException: true,
        inputNames: ['z', 'r'],
      }),
    );
    expect(named).toMatch(/with respect to z in fast mode along the complex tangent/);
  });

  it('a backward wrong only for gradOutputs with both parts: the joint check with v = vr + i·vi', () => {
    // c·z whose backward drops the conjugate when the gradOutput has both a real and an imaginary part.
    const mixed = (g: Tensor) => {
      const d = g.dataSync();
      for (let i = 0; i < d.length; i += 2) if (d[i] !== 0 && d[i + 1] !== 0) return true;
      return false;
    };
    const op = defineOp<undefined>({
      name: 'test c·z, mixed-gradient bug',
      infer: ([z]) => [{ shape: z.shape, dtype: z.dtype }],
      cpu: ([z], [out]) => {
        for (let i = 0; i < z.data.length; i += 2) {
          out.data[i] = C0[0] * z.data[i] - C0[1] * z.data[i + 1];
          out.data[i + 1] = C0[0] * z.data[i + 1] + C0[1] * z.data[i];
        }
      },
      webgpu: () => {
        throw new Error('test op: no WebGPU kernel');
      },
      backward: (_c, [g]) => {
        if (!g) return [null];
        const [gr, gi] = parts(g);
        const conjC = !mixed(g);
        const [a, b] = [C0[0], conjC ? -C0[1] : C0[1]];
        return [complex(gr.mul(a).sub(gi.mul(b)), gi.mul(a).add(gr.mul(b)))];
      },
    });
    const fn = apply(op);
    for (const fastMode of [false, true]) {
      expect(failure(() => gradcheck(fn, [z0()], { fastMode }))).toMatch(
        /^gradcheck: backward with gradients for all 2 outputs at once disagrees with the sum of the per-output backward passes/,
      );
    }
  });

  it('complex64 inputs: the complex perturbation is stored in float32', () => {
    const z = tensor([0.5, -0.8, 1.1, 0.3], { dtype: 'complex64', shape: [2] }).requiresGrad_();
    const o = { fastMode: true, checkForwardAd: true, eps: 1e-3, atol: 1e-2, rtol: 1e-2 };
    const warn = console.warn;
    console.warn = () => {};
    try {
      expect(gradcheck(apply(holoOp(HOLO.z2)), [z], o)).toBe(true);
    } finally {
      console.warn = warn;
    }
  });
});

describe('misuse is reported on the inputs as given', () => {
  it('the same complex tensor twice', () => {
    const z = z0();
    expect(() => gradcheck((a, _b) => apply(holoOp(HOLO.z2))(a), [z, z])).toThrow(
      'gradcheck: input #0 and input #1 are the same tensor object',
    );
  });

  it('no input requires grad', () => {
    expect(() => gradcheck((a) => conj(a), [z0().detach()])).toThrow(
      'gradcheck: expects at least one input tensor to require gradient, but none of the 1 inputs have requiresGrad=true',
    );
  });
});

describeWebGPU('gradcheck on a complex64 WebGPU input', () => {
  it('names the input as given and asks for cpu complex128', () => {
    const z = tensor([1, 2, 3, 4], { dtype: 'complex64' }).to('webgpu').requiresGrad_();
    expect(() => gradcheck((t) => conj(t), [z])).toThrow(
      "gradcheck: input #0 is on webgpu. gradcheck is a float64 tool and reads values synchronously, so it needs cpu complex128 inputs: pass x.detach().to('cpu') (await toCpu(x) for webgpu) converted with .to('complex128').",
    );
  });
});
