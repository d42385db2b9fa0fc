/** Numerical failure (singular matrix, not positive-definite, no convergence), as torch.linalg.LinAlgError. */
export class LinAlgError extends Error {
  override name = 'LinAlgError';
}

/** Misuse of the autograd engine: freed graphs, non-scalar backward without a gradient, etc. */
export class AutogradError extends Error {
  override name = 'AutogradError';
}
