import { numelOf, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { diagonal, expand, permute, reshape } from './shape.js';

/**
 * einsum as shape ops and matmuls: each operand's repeated labels become diagonals, labels no
 * one else needs are summed out, then operands are contracted left to right, each pair permuted
 * and reshaped to [batch, M, K] × [batch, K, N] for one batched matmul. No per-element loop, and
 * every rule (backward, jvp, vmap, WGSL) is that of the ops used.
 */

/** A label: a letter, or '.0', '.1', … for the dims '...' covers (counted from the right). */
type Label = string;
type Term = { labels: Label[]; x: Tensor };

const LETTER = /^[a-zA-Z]$/;

function parseTerm(s: string, at: number): { letters: string[]; ellipsis: number } {
  const letters: string[] = [];
  let ellipsis = -1;
  for (let i = 0; i < s.length; i++) {
    if (s.startsWith('...', i)) {
      if (ellipsis >= 0)
        throw new RangeError('einsum(): found more than one ellipsis ("...") in a subscript');
      ellipsis = letters.length;
      i += 2;
      continue;
    }
    if (!LETTER.test(s[i]))
      throw new RangeError(
        `einsum(): invalid subscript given at index ${at + i} in the equation string, subscripts must be in [a-zA-Z]`,
      );
    letters.push(s[i]);
  }
  return { letters, ellipsis };
}

/** Labels of one operand, '...' expanded to its `n` broadcast dims. */
function withEllipsis(t: { letters: string[]; ellipsis: number }, n: number): Label[] {
  if (t.ellipsis < 0) return t.letters;
  const dots = Array.from({ length: n }, (_, i) => `.${n - 1 - i}`);
  return [...t.letters.slice(0, t.ellipsis), ...dots, ...t.letters.slice(t.ellipsis)];
}

/** Repeated labels of one operand become one diagonal (the dim moves last). */
function takeDiagonals(term: Term): Term {
  let { labels, x } = term;
  for (;;) {
    const i = labels.findIndex((l, k) => labels.indexOf(l) !== k);
    if (i < 0) return { labels, x };
    const j = labels.indexOf(labels[i]);
    const l = labels[i];
    x = diagonal(x, 0, j, i);
    labels = [...labels.filter((_, k) => k !== i && k !== j), l];
  }
}

/** Sums out the labels not in `keep`. */
function sumOut(term: Term, keep: Set<Label>): Term {
  const dims = term.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (dims.length === 0) return term;
  return { labels: term.labels.filter((l) => keep.has(l)), x: sum(term.x, dims) };
}

/** x with its dims in the order of `order` (a permutation of its labels). */
function arrange(term: Term, order: Label[]): Tensor {
  return permute(
    term.x,
    order.map((l) => term.labels.indexOf(l)),
  );
}

/** a·b summed over the labels both have that `keep` lacks; the result has the other labels. */
function contract(a: Term, b: Term, keep: Set<Label>, size: Map<Label, number>): Term {
  const batch = a.labels.filter((l) => b.labels.includes(l) && keep.has(l));
  const inner = a.labels.filter((l) => b.labels.includes(l) && !keep.has(l));
  const aOnly = a.labels.filter((l) => !b.labels.includes(l));
  const bOnly = b.labels.filter((l) => !a.labels.includes(l));
  const sz = (ls: Label[]) => numelOf(ls.map((l) => size.get(l)!));
  const full = (t: Term, order: Label[]) =>
    expand(
      arrange(t, order),
      order.map((l) => size.get(l)!),
    );
  const a3 = reshape(full(a, [...batch, ...aOnly, ...inner]), [sz(batch), sz(aOnly), sz(inner)]);
  const b3 = reshape(full(b, [...batch, ...inner, ...bOnly]), [sz(batch), sz(inner), sz(bOnly)]);
  const labels = [...batch, ...aOnly, ...bOnly];
  return {
    labels,
    x: reshape(
      matmul(a3, b3),
      labels.map((l) => size.get(l)!),
    ),
  };
}

/**
 * Sums of products over labelled dims (torch.einsum): `'ij,jk->ik'`, `'bij,bjk->bik'`,
 * `'ii->i'`, `'...ij,...jk'` (`...` broadcasts); without `->`, the output is the labels that
 * occur once, in alphabetical order.
 * @example
 * einsum('ij,jk->ik', a, b); // matmul(a, b)
 * einsum('i,i->', u, v); // dot product
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const parts = lhs.split(',');
  let at = 0;
  const terms = parts.map((p) => {
    const t = parseTerm(p, at);
    at += p.length + 1;
    return t;
  });
  if (operands.length < terms.length)
    throw new RangeError('einsum(): fewer operands were provided than specified in the equation');
  if (operands.length > terms.length)
    throw new RangeError('einsum(): more operands were provided than specified in the equation');
  let nDots = 0;
  const size = new Map<Label, number>();
  const inputs: Term[] = terms.map((t, i) => {
    const x = operands[i];
    const n = x.ndim - t.letters.length;
    if (t.ellipsis < 0 ? n !== 0 : n < 0) {
      throw new RangeError(
        `einsum(): the number of subscripts in the equation (${t.letters.length}) ${
          t.ellipsis < 0 ? 'does not match' : 'is more than'
        } the number of dimensions (${x.ndim}) for operand ${i}${t.ellipsis < 0 ? ' and no ellipsis was given' : ''}`,
      );
    }
    if (t.ellipsis >= 0) nDots = Math.max(nDots, n);
    const labels = withEllipsis(t, t.ellipsis < 0 ? 0 : n);
    labels.forEach((l, k) => {
      const s = x.shape[k];
      const seen = size.get(l);
      // Letters must agree exactly (repeated letters too); '...' dims broadcast (size 1).
      const ok = seen === undefined || seen === s || (l.startsWith('.') && (seen === 1 || s === 1));
      if (!ok)
        throw new RangeError(
          `einsum(): subscript ${l.startsWith('.') ? '...' : l} has size ${s} for operand ${i} (shape ${shapeStr(
            x.shape,
          )}) which does not broadcast with previously seen size ${seen}`,
        );
      if (seen === undefined || seen === 1) size.set(l, s);
    });
    return takeDiagonals({ labels, x });
  });
  const dots = withEllipsis({ letters: [], ellipsis: 0 }, nDots);
  let out: Label[];
  if (arrow >= 0) {
    const t = parseTerm(eq.slice(arrow + 2), arrow + 2);
    for (const [k, l] of t.letters.entries()) {
      if (t.letters.indexOf(l) !== k)
        throw new RangeError(`einsum(): output subscript ${l} appears more than once in the output`);
      if (!size.has(l))
        throw new RangeError(
          `einsum(): output subscript ${l} does not appear in the equation for any input operand`,
        );
    }
    out = withEllipsis(t, t.ellipsis < 0 ? 0 : nDots);
  } else {
    const counts = new Map<string, number>();
    for (const t of terms) for (const l of t.letters) counts.set(l, (counts.get(l) ?? 0) + 1);
    out = [...dots, ...[...counts.keys()].filter((l) => counts.get(l) === 1).sort()];
  }
  // Left to right: keep what the later operands or the output need.
  const needed = (rest: Term[]) => new Set<Label>([...out, ...rest.flatMap((t) => t.labels)]);
  let acc = sumOut(inputs[0], needed(inputs.slice(1)));
  for (let i = 1; i < inputs.length; i++) {
    const keep = needed(inputs.slice(i + 1));
    const b = sumOut(inputs[i], new Set([...keep, ...acc.labels]));
    acc = contract(sumOut(acc, new Set([...keep, ...b.labels])), b, keep, size);
  }
  acc = sumOut(acc, new Set(out));
  return expand(
    arrange(acc, out),
    out.map((l) => size.get(l)!),
  );
}
