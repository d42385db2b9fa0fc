/**
 * Complex functions in gradcheck, as torch.autograd.gradcheck checks them: a function of complex
 * inputs or with complex outputs is checked as real functions of the real and the imaginary parts.
 * Pass 'real' perturbs the real parts of the complex inputs (their imaginary parts held), pass
 * 'imaginary' the imaginary parts; each complex output becomes two real outputs, its real and its
 * imaginary part. A backward formula in PyTorch's convention (z.grad = ∂L/∂x + i·∂L/∂y) is right
 * exactly when both passes agree with finite differences, so a missing conjugate (it flips the
 * imaginary pass) and swapped parts are both caught, and the message names the part that failed.
 * Fast mode's random vectors over ℂ are a random real vector per part.
 * @module
 */
import { complex, isTensor, type Tensor } from '../src/index.js';
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

function isComplexTensor(t: unknown): t is Tensor {
  const d: string = isTensor(t) ? t.dtype : '';
  return d === 'complex64' || d === 'complex128';
}

/** The real part of a complex tensor as a new leaf (or constant), detached from any graph. */
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
    tensors.push(t.real(), t.imag());
    labels.push(`the real part of ${label}`, `the imaginary part of ${label}`);
    keys.push(key === null ? null : `${key}.real`, key === null ? null : `${key}.imag`);
  }
  return new LabelledOutputs(tensors, labels, keys);
}

/**
 * The real passes of a gradcheck problem: one (fn with its complex outputs split) when no input
 * is complex, else a 'real' and, when a complex input requires grad, an 'imaginary' pass.
 * `names` are the inputs' labels.
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
  const parts: ComplexPart[] = inputs.some((t, i) => cin[i] && t.requiresGrad)
    ? ['real', 'imaginary']
    : ['real'];
  return parts.map((part) => {
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

/**
 * gradOutputs given for complex outputs, split like the outputs: a complex gradOutput for a
 * complex output becomes its real and imaginary parts (a cotangent gw of w = u + iv is the pair
 * (Re gw, Im gw) for (u, v), PyTorch's convention).
 */
export function realifyGradOutputs(given: unknown): unknown {
  if (given == null) return given;
  const keepGrad = (z: Tensor, p: Tensor) => (z.requiresGrad ? p.requiresGrad_() : p);
  const split = (t: unknown) =>
    isComplexTensor(t) ? [keepGrad(t, partOf(t, 'real')), keepGrad(t, partOf(t, 'imaginary'))] : [t];
  if (isTensor(given)) return isComplexTensor(given) ? split(given) : given;
  if (Array.isArray(given)) return given.flatMap(split);
  if (typeof given === 'object') {
    const rec: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(given as Record<string, unknown>)) {
      if (isComplexTensor(t)) {
        const [re, im] = split(t);
        rec[`${k}.real`] = re;
        rec[`${k}.imag`] = im;
      } else rec[k] = t;
    }
    return rec;
  }
  return given;
}
