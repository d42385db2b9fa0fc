/**
 * The op table's vmap check: for each case of an entry, a batch of cases of the same shapes and
 * args (others drawn from the entry's arbitrary, and a scaled copy), stacked along a dim that
 * varies from case to case, with every other case passing only its first input batched (the
 * rest unbatched, shared). vmap of the entry's call over that batch must equal the per-case
 * results stacked, in float64 on the cpu (NaN where the case gives NaN, int32 outputs exactly).
 */
import { expect } from 'vitest';
import { flattenOutputs } from '../../gradcheck/common.js';
import { caseTensors, type InputSpec, type OpCase, type OpEntry } from '../../gradcheck/index.js';
import { vmap } from '../../src/func/vmap.js';
import { autograd, randn, stack, type Tensor, tensor } from '../../src/index.js';

/** The key of a case's shapes, dtypes and args: cases with one key stack into a batch. */
function signature(c: OpCase): string {
  // ±Infinity and NaN are kept apart (JSON writes them all as null).
  return JSON.stringify([c.inputs.map((s) => [s.shape, s.dtype ?? 'float64']), c.args ?? null], (_, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  );
}

/** The case with its float inputs scaled by 3/4 where `scaled[i]` (sign, triangles and ranks kept). */
function scaledCase(c: OpCase, scaled: readonly boolean[]): OpCase {
  const inputs: InputSpec[] = c.inputs.map((s, i) =>
    scaled[i] && s.dtype !== 'int32' ? { ...s, data: s.data.map((v) => v * 0.75) } : s,
  );
  return { ...c, inputs };
}

function tensors(c: OpCase): Tensor[] {
  return c.inputs.map((s) => tensor(s.data, { shape: [...s.shape], dtype: s.dtype ?? 'float64' }));
}

function outputs(e: OpEntry, c: OpCase): Tensor[] {
  return flattenOutputs(e.name, e.fn(tensors(c), c.args)).tensors;
}

/**
 * Checks vmap of `e.fn` over a batch built around case `c` (the k-th case checked), with the
 * other cases of `pool` that have c's shapes and args.
 */
export function checkVmapCase(e: OpEntry, c: OpCase, k: number, pool: readonly OpCase[]): void {
  const n = c.inputs.length;
  if (n === 0) return;
  // Odd cases with several inputs batch only input 0 (the others are shared by every sample).
  const batched = c.inputs.map((_, i) => i === 0 || n === 1 || k % 2 === 0);
  const key = signature(c);
  const candidates = [
    ...pool.filter((o) => o !== c && signature(o) === key).slice(0, 2),
    scaledCase(c, batched),
  ].map((o) => ({
    ...o,
    args: c.args,
    inputs: o.inputs.map((s, i) => (batched[i] ? s : c.inputs[i])), // unbatched inputs: c's own
  }));
  const batch: { c: OpCase; out: Tensor[] }[] = [{ c, out: outputs(e, c) }];
  for (const o of candidates) {
    try {
      batch.push({ c: o, out: outputs(e, o) });
    } catch {
      // a case the op rejects (a singular scaled copy, …) is left out of the batch
    }
  }
  const inDims = c.inputs.map((s, i) => (batched[i] ? k % (s.shape.length + 1) : null));
  const args = c.inputs.map((_, i) => {
    const per = batch.map((b) => tensors(b.c)[i]);
    return batched[i] ? stack(per, inDims[i]!) : per[0];
  });
  const where = `${e.name} (batch of ${batch.length} around ${describe(c)}; inDims ${JSON.stringify(inDims)})`;
  const mapped = vmap((...xs: Tensor[]) => e.fn(xs, c.args), inDims)(...args);
  const got = flattenOutputs(where, mapped).tensors;
  expect(got.length, where).toBe(batch[0].out.length);
  for (const [j, g] of got.entries()) {
    const want = stack(
      batch.map((b) => b.out[j]),
      0,
    );
    expectSame(`${where}: output ${j}`, g, want, c.cond);
  }
}

/**
 * The backward formulas under vmap, as jacrev uses them: autograd.grad of the case's outputs with
 * a batch of cotangents (vmapped; the graph was made outside) equals one call per cotangent.
 */
export function checkVmapCotangents(e: OpEntry, c: OpCase, k: number): void {
  const xs = caseTensors(c);
  const diff = xs.filter((x) => x.requiresGrad);
  if (diff.length === 0) return;
  const outs = flattenOutputs(e.name, e.fn(xs, c.args)).tensors.filter((t) => t.requiresGrad);
  if (outs.length === 0) return;
  const size = 3;
  const vs = outs.map((o, j) => randn([size, ...o.shape], { seed: 17 * k + j, dtype: o.dtype }));
  const grads = (v: Tensor[]) =>
    autograd.grad(outs, diff, { gradOutputs: v, retainGraph: true, allowUnused: true });
  const where = `${e.name} (vmap over ${size} cotangents of ${describe(c)})`;
  const got = vmap((...v: Tensor[]) => grads(v))(...vs) as (Tensor | null)[];
  const per = [...Array(size).keys()].map((b) => grads(vs.map((v) => v.narrow(0, b, 1).squeeze(0))));
  for (const [i, g] of got.entries()) {
    if (per[0][i] === null) {
      expect(g, `${where}: gradient ${i}`).toBeNull();
      continue;
    }
    expectSame(
      `${where}: gradient ${i}`,
      g!,
      stack(
        per.map((p) => p[i]!),
        0,
      ),
      c.cond,
    );
  }
}

/** got equals want: same shape and dtype, values within 1e-9·scale·cond (NaN matched, int32 exact). */
function expectSame(where: string, got: Tensor, want: Tensor, cond = 1): void {
  expect(got.shape, where).toEqual(want.shape);
  expect(got.dtype, where).toBe(want.dtype);
  const gv = got.dataSync();
  const wv = want.dataSync();
  const finite = Array.from(wv).filter(Number.isFinite);
  const scale = Math.max(1, ...finite.map(Math.abs));
  const tol = want.dtype === 'int32' ? 0 : 1e-9 * scale * Math.max(1, cond);
  for (let i = 0; i < wv.length; i++) {
    const ok = Number.isNaN(wv[i]) ? Number.isNaN(gv[i]) : Math.abs(gv[i] - wv[i]) <= tol || gv[i] === wv[i];
    if (!ok) throw new Error(`${where} differs at flat index ${i}: vmap ${gv[i]}, loop ${wv[i]}`);
  }
}

function describe(c: OpCase): string {
  const ins = c.inputs.map((s) => `[${s.shape.join(', ')}]`).join(', ');
  return `${c.label ? `${c.label}: ` : ''}inputs ${ins}; args ${JSON.stringify(c.args)}`;
}
