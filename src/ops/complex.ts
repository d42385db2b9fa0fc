/**
 * Complex numbers through the core: the views between a complex tensor and its (…, 2) real
 * pairs (one OpDef, both directions: a copy of the same interleaved data), and the ops at the
 * real ↔ complex boundary written as composites of them, so their gradients follow PyTorch's
 * convention (for a real loss L of z = x + iy, z.grad = ∂L/∂x + i·∂L/∂y) by the chain rule.
 */
import { complexDtypeOf, isComplex, isFloat, realDtypeOf } from '../dtype.js';
import { broadcastShapes, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { abs, angleOp, conjOp, where } from './elementwise.js';
import { apply1, defineBuiltinOp, type OpDef } from './registry.js';
import { expand, narrow, squeeze, stack } from './shape.js';

/**
 * The views between complex z (…) and its real pairs x (…, 2), one OpDef for both directions
 * (`toReal`: z → x, torch.view_as_real; else x → z, torch.view_as_complex). Both are copies of
 * the same interleaved numbers, and each direction's backward is the other: the gradient pairs
 * (∂L/∂x, ∂L/∂y) read as one complex number are ∂L/∂x + i·∂L/∂y, PyTorch's convention.
 */
export const complexViewOp: OpDef<{ toReal: boolean }> = defineBuiltinOp<{ toReal: boolean }>({
  name: 'complexView',
  dtypes: ['float32', 'float64', 'complex64', 'complex128'],
  coreRanks: 'any',
  infer: ([t], { toReal }) => {
    if (toReal) {
      if (!isComplex(t!.dtype)) {
        throw new TypeError(
          `viewAsReal: view_as_real is only supported for complex tensors, got ${t!.dtype}`,
        );
      }
      return [{ shape: [...t!.shape, 2], dtype: realDtypeOf(t!.dtype) }];
    }
    if (!isFloat(t!.dtype)) {
      throw new TypeError(
        `viewAsComplex: view_as_complex is only supported for float and double tensors, but got a tensor of scalar type: ${t!.dtype}`,
      );
    }
    if (t!.shape.at(-1) !== 2) {
      throw new RangeError(
        `viewAsComplex: Tensor must have a last dimension of size 2, got shape ${shapeStr(t!.shape)}`,
      );
    }
    return [{ shape: t!.shape.slice(0, -1), dtype: complexDtypeOf(t!.dtype) }];
  },
  cpu: ([t], [out]) => out.data.set(t.data),
  webgpu: (gpu, [t], [out]) => gpu.copy(t.storage, out.storage),
  backward: (c, [g]) => [apply1(complexViewOp, [g!], { toReal: !c.attrs.toReal })],
  jvp: 'linear',
  // It acts on the trailing dim only, so the vmapped dim in front is one more leading dim.
  vmap: ([x], _, attrs) => [apply1(complexViewOp, [x!], attrs)],
});

export const complexOps = { complexView: complexViewOp };

/**
 * The (re, im) pairs of a complex tensor as a real tensor of shape (…, 2) (differentiable).
 * @example
 * viewAsReal(complex(tensor([1]), tensor([2]))); // tensor([[1., 2.]])
 */
export function viewAsReal(z: Tensor): Tensor {
  return apply1(complexViewOp, [z], { toReal: true });
}

/**
 * A real tensor of shape (…, 2) read as complex numbers re + i·im, shape (…) (differentiable).
 * @example
 * viewAsComplex(tensor([[1, 2]])); // tensor([1.+2.j], dtype=complex128)
 */
export function viewAsComplex(x: Tensor): Tensor {
  return apply1(complexViewOp, [x], { toReal: false });
}

/**
 * The complex tensor re + i·im (both float32 → complex64, float64 → complex128, mixed promote;
 * the shapes broadcast). Differentiable: re.grad = Re(z.grad), im.grad = Im(z.grad).
 * @example
 * complex(tensor([1, 2]), tensor([0.5, -1])); // tensor([1.0000+0.5000j, 2.0000-1.0000j], dtype=complex128)
 */
export function complex(re: Tensor, im: Tensor): Tensor {
  if (!isFloat(re.dtype) || !isFloat(im.dtype)) {
    throw new TypeError(
      `complex: expected both inputs to be float or double tensors, got ${re.dtype} and ${im.dtype}`,
    );
  }
  const shape = broadcastShapes('complex', re.shape, im.shape);
  const dt = re.dtype === 'float64' || im.dtype === 'float64' ? 'float64' : 'float32';
  const r = expand(re.to(dt), shape);
  const i = expand(im.to(dt), shape);
  return viewAsComplex(stack([r, i], -1));
}

/**
 * The complex tensor abs·(cos angle + i·sin angle) (torch.polar; float inputs, shapes broadcast).
 * @example
 * polar(tensor([2]), tensor([Math.PI / 2])); // ≈ tensor([0.+2.j], dtype=complex128)
 */
export function polar(abs: Tensor, angle: Tensor): Tensor {
  if (!isFloat(abs.dtype) || !isFloat(angle.dtype)) {
    throw new TypeError(
      `polar: expected both inputs to be float or double tensors, got ${abs.dtype} and ${angle.dtype}`,
    );
  }
  broadcastShapes('polar', abs.shape, angle.shape); // the error names polar, not mul
  return complex(abs.mul(angle.cos()), abs.mul(angle.sin()));
}

/** Part k (0 re, 1 im) of a complex tensor, as a real tensor of the same shape. */
function part(z: Tensor, k: 0 | 1): Tensor {
  return squeeze(narrow(viewAsReal(z), -1, k, 1), -1);
}

/**
 * The real part (differentiable; the tensor itself for real dtypes, as torch.real).
 * @example
 * real(complex(tensor([1]), tensor([2]))); // tensor([1.])
 */
export function real(z: Tensor): Tensor {
  return isComplex(z.dtype) ? part(z, 0) : z;
}

/**
 * The imaginary part (differentiable; a TypeError for real dtypes, as torch.imag).
 * @example
 * imag(complex(tensor([1]), tensor([2]))); // tensor([2.])
 */
export function imag(z: Tensor): Tensor {
  if (!isComplex(z.dtype)) {
    throw new TypeError('imag: imag is not implemented for tensors with non-complex dtypes');
  }
  return part(z, 1);
}

/**
 * The complex conjugate x − iy (differentiable; the tensor itself for real dtypes).
 * @example
 * conj(complex(tensor([1]), tensor([2]))); // tensor([1.-2.j], dtype=complex128)
 */
export function conj(z: Tensor): Tensor {
  return isComplex(z.dtype) ? apply1(conjOp, [z], undefined) : z;
}

/**
 * |z| (differentiable; the gradient z/|z| is 0 at z = 0, as PyTorch's). The same as `abs`, which
 * takes complex tensors too.
 * @example
 * complexAbs(complex(tensor([3]), tensor([4]))); // tensor([5.])
 */
export function complexAbs(z: Tensor): Tensor {
  if (!isComplex(z.dtype))
    throw new TypeError(`complexAbs: expected a complex tensor, got ${z.dtype}; use abs`);
  return abs(z);
}

/**
 * The argument of z, atan2(Im z, Re z) in (−π, π]; for real tensors 0 (x ≥ 0) or π (x < 0), as
 * torch.angle (a real result either way; differentiable).
 * @example
 * angle(complex(tensor([0]), tensor([1]))); // tensor([1.5708])
 */
export function angle(z: Tensor): Tensor {
  if (isComplex(z.dtype)) return apply1(angleOp, [z], undefined);
  if (!isFloat(z.dtype)) throw new TypeError(`angle: expected a float or complex tensor, got ${z.dtype}`);
  // Piecewise constant: 0 for x >= 0, π for x < 0, NaN stays NaN; gradient zero.
  return where(z.lt(0), Math.PI, where(z.ne(z), z, 0)).detach();
}
