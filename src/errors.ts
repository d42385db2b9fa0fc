/**
 * Numerical failure (singular matrix, not positive-definite, no convergence), as torch.linalg.LinAlgError.
 * @example
 * try {
 *   linalg.inv(zeros([2, 2]));
 * } catch (e) {
 *   if (e instanceof LinAlgError) console.log(e.message); // linalg.inv: The diagonal element 1 is zero, …
 * }
 */
export class LinAlgError extends Error {
  /** 'LinAlgError', as torch.linalg.LinAlgError's class name. */
  override name = 'LinAlgError';
}

/**
 * Misuse of the autograd engine: freed graphs, non-scalar backward without a gradient, etc.
 * @example
 * const y = tensor([1], { requiresGrad: true }).mul(2).sum();
 * y.backward();
 * y.backward(); // AutogradError: backward through 'sum' a second time … Pass { retainGraph: true } …
 */
export class AutogradError extends Error {
  /** 'AutogradError'. */
  override name = 'AutogradError';
}
