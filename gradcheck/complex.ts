/**
 * Complex functions in gradcheck, as torch.autograd.gradcheck checks them: a function of complex
 * inputs or with complex outputs is checked as a real function of the real and imaginary parts.
 *
 * - Inputs: pass 'real' perturbs (and differentiates) the real parts x of the complex inputs z =
 *   x + iy, their imaginary parts held; pass 'imaginary' the imaginary parts y, the real parts held
 *   (real inputs are differentiated in the 'real' pass only). fn sees z = complex(x, y), so the
 *   gradient autograd gives the part is Re(z.grad) resp. Im(z.grad).
 * - Outputs: each complex output w = u + iv becomes two real outputs, its real part u and its
 *   imaginary part v (split from one viewAsReal(w), so one backward pass gives w one complex
 *   gradient gu + i·gv, as PyTorch's convention has it).
 *
 * Together the passes compare the whole real Jacobian ∂(u, v)/∂(x, y) with finite differences, so
 * a backward formula in PyTorch's convention (z.grad = ∂L/∂x + i·∂L/∂y) passes exactly when it is
 * right: a missing conjugate (g·f′ instead of g·conj(f′)) flips the signs of ∂v/∂x and ∂u/∂y (for
 * holomorphic f), swapped parts exchange the passes' gradients; both are caught, and the
 * message names the parts ("Jacobian mismatch for the imaginary part of output 0 with respect to
 * the real part of input #0": the derivative of Im w with respect to Re z).
 *
 * Fast mode draws complex random vectors as PyTorch does (fast-complex.ts): a complex input gets
 * u = ur + i·ui, the pass over the real parts perturbs along ur and the pass over the imaginary
 * parts along ui; a complex output w gets v = vr + i·vi over its two parts. Each pass checks its
 * component of PyTorch's complex scalar vᵀJu (vᵀJ_x ur, resp. vᵀJ_y ui) against its share of
 * PyTorch's tolerance, so a failure still names the parts.
 * @module
 */
import { complex, isTensor, narrow, squeeze, type Tensor, viewAsReal } from '../src/index.js';
import type { GradcheckFn } from './common.js';

/** Which part of the complex inputs a pass perturbs. */
export type ComplexPart = 'real' | 'imaginary';

/** One real gradcheck problem a complex one is split into. */
export interface RealPass {
  part: ComplexPart;
  fn: GradcheckFn;
  inputs: Tensor[];
  names: string[];
}

/** Outputs with labels of their own (a complex output becomes its two parts). */
export class LabelledOutputs {
  constructor(
    readonly tensors: Tensor[],
    readonly labels: string[],
    readonly keys: (string | null)[],
  ) {}
}

export function isComplexTensor(t: unknown): t is Tensor {
  const d: string = isTensor(t) ? t.dtype : '';
  return d === 'complex64' || d === 'complex128';
}

/** The real and imaginary parts of a complex tensor, differentiable, from one viewAsReal. */
function parts(z: Tensor): [Tensor, Tensor] {
  // One view for both parts: their gradients meet in a real (…, 2) tensor, and z gets a single
  // complex gradient (z.real() and z.imag() separately would need a complex sum in backward).
  const xy = viewAsReal(z);
  return [squeeze(narrow(xy, -1, 0, 1), -1), squeeze(narrow(xy, -1, 1, 1), -1)];
}

/** A part of a complex tensor as a new tensor detached from any graph (a leaf or a constant). */
function partOf(z: Tensor, part: ComplexPart): Tensor {
  return (part === 'real' ? z.real() : z.imag()).detach();
}

/**
 * fn's result with every complex output replaced by its real and imaginary parts (labelled
 * 'the real part of output 0' …); the result itself when no output is complex.
 */
export function realifyOutputs(result: unknown): unknown {
  let entries: [string, unknown, string | null][];
  if (isTensor(result)) entries = [['output 0', result, null]];
  else if (Array.isArray(result)) entries = result.map((t, i) => [`output ${i}`, t, null]);
  else if (
    result !== null &&
    typeof result === 'object' &&
    Object.getPrototypeOf(result) === Object.prototype
  )
    entries = Object.entries(result).map(([k, t], i) => [`output ${i} ('${k}')`, t, k]);
  else return result;
  if (!entries.some(([, t]) => isComplexTensor(t))) return result;
  const tensors: Tensor[] = [];
  const labels: string[] = [];
  const keys: (string | null)[] = [];
  for (const [label, t, key] of entries) {
    if (!isComplexTensor(t)) {
      tensors.push(t as Tensor);
      labels.push(label);
      keys.push(key);
      continue;
    }
    tensors.push(...parts(t));
    labels.push(`the real part of ${label}`, `the imaginary part of ${label}`);
    keys.push(key === null ? null : `${key}.real`, key === null ? null : `${key}.imag`);
  }
  return new LabelledOutputs(tensors, labels, keys);
}

/**
 * The real passes of a gradcheck problem: one (fn with its complex outputs split) when no input
 * is complex, else a 'real' and, when a complex input requires grad, an 'imaginary' pass.
 * `names` are the inputs' labels; a pass names a complex input's part ('the imaginary part of
 * input #0'). The inputs must have been validated (checkInputs).
 */
export function complexPasses(
  fn: GradcheckFn,
  inputs: readonly Tensor[],
  names: readonly string[],
): RealPass[] {
  const cin = inputs.map(isComplexTensor);
  if (!cin.some(Boolean)) {
    // Real inputs: only complex outputs need splitting (realifyOutputs passes real ones through).
    return [
      {
        part: 'real',
        fn: (...xs) => realifyOutputs(fn(...xs)) as never,
        inputs: [...inputs],
        names: [...names],
      },
    ];
  }
  const passes: ComplexPart[] = inputs.some((t, i) => cin[i] && t.requiresGrad)
    ? ['real', 'imaginary']
    : ['real'];
  return passes.map((part) => {
    const other: ComplexPart = part === 'real' ? 'imaginary' : 'real';
    // Real inputs vary in the first pass only; the second perturbs the imaginary parts alone.
    const xs = inputs.map((t, i) => {
      if (!cin[i]) return part === 'real' ? t : t.detach();
      const p = partOf(t, part);
      return t.requiresGrad ? p.requiresGrad_() : p;
    });
    const held = inputs.map((t, i) => (cin[i] ? partOf(t, other) : null));
    const wrapped: GradcheckFn = (...args) => {
      const zs = args.map((x, i) => {
        const h = held[i];
        if (h === null) return x;
        return part === 'real' ? complex(x, h) : complex(h, x);
      });
      return realifyOutputs(fn(...zs)) as never;
    };
    return {
      part,
      fn: wrapped,
      inputs: xs,
      names: names.map((n, i) => (cin[i] ? `the ${part} part of ${n}` : n)),
    };
  });
}
