/**
 * Comparison of analytical and numerical Jacobians, and failure messages that point at the
 * formula to fix: the output and input, the worst element, values, tolerance and patterns.
 * @module
 */
import { fmt, multiIndex } from './common.js';

/** One Jacobian comparison: row-major (output numel × input numel) matrices. */
export interface JacobianPair {
  outLabel: string;
  inLabel: string;
  outShape: readonly number[];
  inShape: readonly number[];
  numerical: Float64Array;
  analytical: Float64Array;
  /** Where the analytical Jacobian came from: backward passes (default) or forward mode (jvp rules). */
  mode?: 'backward' | 'forward';
}

export interface Tolerances {
  atol: number;
  rtol: number;
  eps: number;
}

/** How far |a − n| is past atol + rtol·|n| (> 1 fails; NaN on either side counts as Infinity). */
export function violation(a: number, n: number, atol: number, rtol: number): number {
  if (a === n) return 0;
  const d = Math.abs(a - n);
  if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
  const tol = atol + rtol * Math.abs(n);
  return tol > 0 ? d / tol : Number.POSITIVE_INFINITY;
}

export function allCloseJ(a: Float64Array, n: Float64Array, atol: number, rtol: number): boolean {
  for (let k = 0; k < a.length; k++) if (!(violation(a[k], n[k], atol, rtol) <= 1)) return false;
  return true;
}

/** The failure message for a pair whose Jacobians are not close; `header` replaces the first line. */
export function mismatchMessage(where: string, p: JacobianPair, t: Tolerances, header?: string): string {
  const { numerical: num, analytical: ana } = p;
  const nIn = Math.max(
    1,
    p.inShape.reduce((a, b) => a * b, 1),
  );
  const bad: number[] = [];
  let worst = -1;
  let worstV = -1;
  let maxAbs = 0;
  for (let k = 0; k < num.length; k++) {
    const v = violation(ana[k], num[k], t.atol, t.rtol);
    const d = Math.abs(ana[k] - num[k]);
    maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
    if (!(v <= 1)) bad.push(k);
    if (v > worstV) {
      worstV = v;
      worst = k;
    }
  }
  const at = (k: number) =>
    `d ${p.outLabel}${multiIndex(p.outShape, Math.floor(k / nIn))} / d ${p.inLabel}${multiIndex(p.inShape, k % nIn)}`;
  const lines = [header ?? `${where}: Jacobian mismatch for ${p.outLabel} with respect to ${p.inLabel}`];
  if (worst >= 0) {
    const n = num[worst];
    const a = ana[worst];
    lines.push(
      `  worst element (largest |difference| / tolerance): ${at(worst)}`,
      `    numerical:  ${fmt(n)}`,
      `    analytical: ${fmt(a)}`,
      `    |analytical - numerical| = ${fmt(Math.abs(a - n))}, tolerance atol + rtol*|numerical| = ` +
        `${fmt(t.atol + t.rtol * Math.abs(n))}`,
      `  max |analytical - numerical| = ${fmt(maxAbs)}; ${bad.length} of ${num.length} Jacobian entries ` +
        `outside the tolerance (atol=${t.atol}, rtol=${t.rtol}, eps=${t.eps})`,
    );
  }
  const printable = num.length / nIn <= MAX_PRINT && nIn <= MAX_PRINT;
  if (bad.length > 1 && !printable) {
    const shown = bad.slice(0, 6).map((k) => `${at(k)}: numerical ${fmt(num[k])}, analytical ${fmt(ana[k])}`);
    lines.push(`  mismatched entries${bad.length > 6 ? ' (first 6)' : ''}:`, ...shown.map((s) => `    ${s}`));
  }
  for (const h of hints(p, bad, t, nIn)) lines.push(`  hint: ${h}`);
  lines.push(...printJacobians(p, nIn));
  return lines.join('\n');
}

function hints(p: JacobianPair, bad: readonly number[], t: Tolerances, nIn: number): string[] {
  const { numerical: num, analytical: ana } = p;
  const out: string[] = [];
  const isZero = (x: Float64Array) => x.every((v) => Math.abs(v) <= t.atol);
  const forward = p.mode === 'forward';
  if (isZero(ana) && !isZero(num)) {
    out.push(
      forward
        ? 'the forward-mode Jacobian is zero: a jvp rule gives no (or a zero) tangent for this input, or ' +
            'the tangent does not reach the output (detach(), or an op whose jvp is not-differentiable)'
        : 'the analytical Jacobian is zero: backward returns no (or a zero) gradient for this input, or the ' +
            'output is not connected to it in the graph',
    );
  } else if (isZero(num) && !isZero(ana)) {
    out.push(
      forward
        ? 'the numerical Jacobian is zero: fn does not depend on this input, but forward mode gives a tangent'
        : 'the numerical Jacobian is zero: fn does not depend on this input, but backward gives a gradient',
    );
  } else {
    // A constant ratio analytical/numerical over all significant entries: a wrong constant factor.
    let ratio: number | null = null;
    let consistent = true;
    for (let k = 0; k < num.length && consistent; k++) {
      if (Math.abs(num[k]) <= 10 * t.atol) {
        if (Math.abs(ana[k]) > 10 * t.atol) consistent = false;
        continue;
      }
      const r = ana[k] / num[k];
      if (ratio === null) ratio = r;
      else if (Math.abs(r - ratio) > 1e-3 * Math.max(1, Math.abs(ratio))) consistent = false;
    }
    if (consistent && ratio !== null && Number.isFinite(ratio)) {
      const flipped = Math.abs(ratio + 1) < 1e-3;
      const sign = flipped ? ' (a sign error)' : '';
      out.push(`analytical = ${fmt(ratio)} x numerical on every entry: a wrong constant factor${sign}`);
      // Over ℂ (complex.ts labels the parts): a sign flip between a real and an imaginary part.
      const imagOut = p.outLabel.startsWith('the imaginary part of ');
      const imagIn = p.inLabel.startsWith('the imaginary part of ');
      if (flipped && imagOut !== imagIn) {
        out.push(
          'the sign flips between a real and an imaginary part: a missing (or extra) conjugate? In ' +
            "PyTorch's convention the backward of a holomorphic f is g·conj(f′(z)) and its jvp f′(z)·dz",
        );
      }
    }
  }
  // Mismatches confined to some values of the leading index (e.g. one batch element).
  const lead = (shape: readonly number[], idx: (k: number) => number, name: string) => {
    if (shape.length < 2 || shape[0] < 2 || bad.length === 0) return;
    const inner = shape.slice(1).reduce((a, b) => a * b, 1);
    const seen = new Set(bad.map((k) => Math.floor(idx(k) / inner)));
    if (seen.size < shape[0]) {
      const list = [...seen].sort((a, b) => a - b).join(', ');
      out.push(
        `all mismatches are at ${name}[i, ...] with i in {${list}} (of ${shape[0]}): a batch-specific error?`,
      );
    }
  };
  lead(p.inShape, (k) => k % nIn, p.inLabel);
  lead(p.outShape, (k) => Math.floor(k / nIn), p.outLabel);
  return out;
}

const MAX_PRINT = 12;

function printJacobians(p: JacobianPair, nIn: number): string[] {
  const rows = p.numerical.length / nIn;
  if (rows > MAX_PRINT || nIn > MAX_PRINT) {
    return [`  (Jacobians of ${rows} x ${nIn} entries are too large to print)`];
  }
  const show = (m: Float64Array) => {
    const cells = Array.from(m, (v) => fmt(Number(v.toPrecision(4))));
    const w = Math.max(...cells.map((c) => c.length));
    const out: string[] = [];
    for (let r = 0; r < rows; r++) {
      out.push(
        `    ${cells
          .slice(r * nIn, (r + 1) * nIn)
          .map((c) => c.padStart(w))
          .join('  ')}`,
      );
    }
    return out;
  };
  return [
    `  numerical Jacobian (rows: elements of ${p.outLabel} [${p.outShape.join(', ')}], columns: elements of ` +
      `${p.inLabel} [${p.inShape.join(', ')}], row-major):`,
    ...show(p.numerical),
    p.mode === 'forward' ? '  forward-mode Jacobian:' : '  analytical Jacobian:',
    ...show(p.analytical),
  ];
}
