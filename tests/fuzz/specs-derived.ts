/**
 * Fuzz specs of the ops built on the decompositions: pinv (Moore–Penrose conditions and the
 * truncated reference), lstsq (the minimum-norm solution of the truncated problem, rank,
 * residuals), matrixRank, matrixNorm and cond (against their definitions) and matmul.
 */
import fc from 'fast-check';
import { linalg, matmul, type Tensor, tensor } from '../../src/index.js';
import { broadcastBatch, broadcastIndex, broadcastPartner, drawArb, drawInput, SYM_KINDS } from './cases.js';
import { type Arr, type FuzzContext, matrices } from './gen.js';
import { bound, matrixAt, numel, ok, perElement, shapeCheck, sliceAt, spuriousNan, wrong } from './judge.js';
import {
  absMat,
  allFinite,
  fro,
  inverseMat,
  type Mat,
  mat,
  matmulMat,
  matrixNormRef,
  pinvRef,
  subMat,
  symmetricFrom,
  transposeMat,
} from './oracle.js';
import type { FuzzCase, FuzzSpec, Verdict } from './runner.js';

const batchOf = (c: FuzzCase) => c.inputs[0]!.shape.slice(0, -2);
const machineEps = (ctx: FuzzContext) => 2 * ctx.u;

type TolOpts = { atol?: unknown; rtol?: unknown; hermitian?: unknown; tensorTol?: boolean };

/** atol / rtol: absent, a number, sometimes invalid (negative, NaN, ±inf, a string). */
const tolValue = (name: string) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant({ v: undefined as unknown, bad: undefined as string | undefined }) },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(0, 1e-12, 1e-6, 0.1, 0.5, 1)
        .map((v) => ({ v: v as unknown, bad: undefined })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(-1, Number.NaN, Infinity, '0.1')
        .map((v) => ({ v: v as unknown, bad: `${name} = ${String(v)}` })),
    },
  );

const tolCases = (ctx: FuzzContext, hermitianAllowed: boolean): fc.Arbitrary<FuzzCase<TolOpts>> =>
  fc
    .tuple(
      drawArb({ square: false }),
      tolValue('atol'),
      tolValue('rtol'),
      fc.integer({ min: 0, max: 9 }),
      fc.boolean(),
    )
    .map(([d, atol, rtol, h, tensorTol]) => {
      const hermitian = !hermitianAllowed
        ? undefined
        : h < 3
          ? true
          : h < 8
            ? undefined
            : h === 8
              ? false
              : 'yes';
      const square = hermitian === true && d.invalid === undefined;
      const draw = square ? { ...d, m: d.n } : d;
      const A = drawInput(ctx, draw, hermitian === true ? SYM_KINDS : undefined);
      const invalid =
        d.invalid ?? atol.bad ?? rtol.bad ?? (hermitian === 'yes' ? 'hermitian = yes' : undefined);
      // A tensor tolerance (one per matrix of the batch) only with valid numbers.
      const useTensor = tensorTol && !invalid && typeof atol.v === 'number';
      return { inputs: [A], opts: { atol: atol.v, rtol: rtol.v, hermitian, tensorTol: useTensor }, invalid };
    });

/** The opts as the op takes them: a tensor atol of A's batch shape when tensorTol. */
function tolOpts(a: Tensor, o: TolOpts): Record<string, unknown> {
  const { tensorTol, ...rest } = o;
  if (!tensorTol) return rest;
  const batch = a.shape.slice(0, -2);
  return { ...rest, atol: tensor(new Float64Array(numel(batch)).fill(o.atol as number), { shape: batch }) };
}

/** The cutoff pinv/matrixRank use, as PyTorch: max(atol, rtol·σ_max), rtol 0 when atol > 0 is given. */
function cutoffOf(ctx: FuzzContext, o: TolOpts, m: number, n: number, smax: number): number {
  const atol = (o.atol as number | undefined) ?? 0;
  const rtol = (o.rtol as number | undefined) ?? (atol > 0 ? 0 : machineEps(ctx) * Math.max(m, n));
  return Math.max(atol, rtol * smax);
}

/** The matrix the op reads and its truncated reference pseudoinverse, or 'ambiguous' near the cutoff. */
function reference(ctx: FuzzContext, a: Mat, o: TolOpts) {
  const read = o.hermitian === true ? symmetricFrom(a, false) : a;
  const { s } = pinvRef(read, 0);
  const smax = s[0] ?? 0;
  const cutoff = cutoffOf(ctx, o, a.rows, a.cols, smax);
  const slack = bound(ctx, Math.max(a.rows, a.cols)) * smax;
  const ambiguous = s.some((x) => Math.abs(x - cutoff) <= slack + 1e-6 * cutoff);
  const { P } = pinvRef(read, cutoff);
  const kept = s.filter((x) => x > cutoff);
  return { read, P, s, cutoff, ambiguous, rank: kept.length, smin: kept[kept.length - 1] ?? 0 };
}

/**
 * A cutoff at rounding level (rtol or atol near 0) with a singular value there: the op inverts
 * rounding noise, and 1/noise may lie beyond the range (inf, and inf·0 = NaN in the product).
 */
function noiseCutoff(ctx: FuzzContext, ref: { s: number[]; cutoff: number }): boolean {
  const smax = ref.s[0] ?? 0;
  const noise = bound(ctx, ref.s.length + 2) * smax;
  return ref.cutoff <= noise && ref.s.some((x) => x <= noise);
}

/**
 * ‖X − X_ref‖_F ≤ 4·bound·(σ_max/σ_r²)·‖B‖_F: the first-order perturbation of the truncated
 * pseudoinverse under a backward error bound·σ_max (the κ² term of least squares included).
 */
function closeToRef(
  ctx: FuzzContext,
  got: Mat,
  ref: Mat,
  smax: number,
  smin: number,
  scaleB: number,
  what: string,
): Verdict {
  if (!allFinite(got.data)) {
    const beyond = (smin > 0 && 1 / smin > ctx.huge / 16) || !allFinite(ref.data) || fro(ref) > ctx.huge / 16;
    return beyond ? { outcome: 'overflow' } : spuriousNan(`non-finite ${what}`);
  }
  const n = Math.max(got.rows, got.cols);
  // Entries below the normal range may be flushed to zero (WGSL allows it): up to tiny each.
  const floor = 2 * ctx.tiny * Math.sqrt(got.data.length + 1);
  const tol =
    smin === 0 || scaleB === 0
      ? floor
      : 4 * bound(ctx, n) * (smax / smin / smin) * scaleB * Math.sqrt(n) + floor;
  const e = fro(subMat(got, ref));
  return e <= tol ? ok : wrong(`‖${what} − reference‖ = ${e} against ${tol}`);
}

/** Moore–Penrose conditions 2–4: PAP = P, AP and PA symmetric (to rounding). */
function mooreConditions(ctx: FuzzContext, a: Mat, p: Mat): Verdict {
  const n = Math.max(a.rows, a.cols);
  const na = fro(a);
  const np = fro(p);
  const t = 4 * bound(ctx, n);
  const ap = matmulMat(a, p);
  const pa = matmulMat(p, a);
  const e2 = fro(subMat(matmulMat(p, ap), p));
  if (!(e2 <= t * np * np * na + ctx.tiny)) return wrong(`‖PAP − P‖ = ${e2}`);
  for (const [x, name] of [
    [ap, 'AP'],
    [pa, 'PA'],
  ] as const) {
    const e = fro(subMat(x, transposeMat(x)));
    if (!(e <= t * na * np + ctx.tiny)) return wrong(`‖${name} − (${name})ᵀ‖ = ${e}`);
  }
  return ok;
}

const pinvSpec: FuzzSpec<TolOpts> = {
  name: 'linalg.pinv',
  cases: (ctx) => tolCases(ctx, true),
  call: ([a], o) => linalg.pinv(a!, tolOpts(a!, o) as never),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    const [m, n] = A.shape.slice(-2) as [number, number];
    return (
      shapeCheck(out, { out: [...batch, n, m] }) ??
      perElement(
        numel(batch),
        (b) => (c.opts.hermitian === true ? symmetricFrom(matrixAt(A, b), false) : matrixAt(A, b)),
        (b) => [matrixAt(out.out!, b).data],
        (b) => {
          const ref = reference(ctx, matrixAt(A, b), c.opts);
          if (fro(ref.read) > ctx.huge / 8) return { outcome: 'overflow' };
          const p = matrixAt(out.out!, b);
          if (ref.ambiguous)
            return allFinite(p.data) || noiseCutoff(ctx, ref) ? ok : spuriousNan('non-finite pinv');
          const v = closeToRef(ctx, p, ref.P, ref.s[0] ?? 0, ref.smin, Math.sqrt(m), 'pinv');
          return v.outcome === 'ok' ? mooreConditions(ctx, ref.read, p) : v;
        },
      )
    );
  },
};

const matrixRankSpec: FuzzSpec<TolOpts> = {
  name: 'linalg.matrixRank',
  cases: (ctx) => tolCases(ctx, true),
  call: ([a], o) => linalg.matrixRank(a!, tolOpts(a!, o) as never),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    return (
      shapeCheck(out, { out: batch }) ??
      perElement(
        numel(batch),
        (b) => (c.opts.hermitian === true ? symmetricFrom(matrixAt(A, b), false) : matrixAt(A, b)),
        () => [],
        (b) => {
          const ref = reference(ctx, matrixAt(A, b), c.opts);
          if (fro(ref.read) > ctx.huge / 8 || ref.ambiguous) return ok;
          const r = out.out!.data[b]!;
          return r === ref.rank
            ? ok
            : wrong(`rank ${r}, expected ${ref.rank} (σ = ${ref.s}, cutoff ${ref.cutoff})`);
        },
      )
    );
  },
};

type LstsqOpts = { rcond?: unknown };

const lstsqSpec: FuzzSpec<LstsqOpts> = {
  name: 'linalg.lstsq',
  cases: (ctx) =>
    fc
      .tuple(
        drawArb({ square: false }),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        fc.oneof(
          {
            weight: 6,
            arbitrary: fc
              .constantFrom(undefined, -1, 0, 1e-10, 1e-3, 0.5)
              .map((v) => ({ v: v as unknown, bad: undefined as string | undefined })),
          },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom(Number.NaN, Infinity, 'big')
              .map((v) => ({ v: v as unknown, bad: `rcond = ${String(v)}` })),
          },
        ),
      )
      .map(([d, form, k, rcond]) => {
        const A = drawInput(ctx, d);
        const [m] = A.shape.slice(-2) as [number];
        const batch = A.shape.slice(0, -2);
        let bShape: number[];
        let bad: string | undefined;
        // B: a batch of vectors (…, m), matrices whose batch dims are A's or 1, or too many rows.
        if (form === 0) bShape = [...batch, m];
        else if (form === 9) {
          bShape = [...batch, m + 1, k];
          bad = 'B has the wrong number of rows';
        } else bShape = [...batch.map((x) => (d.rng.next() < 0.3 ? 1 : x)), m, k];
        const B: Arr = matrices(ctx, d.rng, [], 1, numel(bShape));
        B.shape = bShape;
        return { inputs: [A, B], opts: { rcond: rcond.v }, invalid: d.invalid ?? rcond.bad ?? bad };
      }),
  call: ([a, b], o) => ({ ...linalg.lstsq(a!, b!, o as never) }),
  judge: (c, out, ctx) => {
    const [A, B] = c.inputs as [Arr, Arr];
    const [m, n] = A.shape.slice(-2) as [number, number];
    const vector = B.shape.length === A.shape.length - 1;
    const bm = vector ? [...B.shape, 1] : B.shape;
    const k = bm[bm.length - 1]!;
    const batch = broadcastBatch(A.shape.slice(0, -2), bm.slice(0, -2))!;
    const rc = c.opts.rcond as number | undefined;
    const rtol = rc === undefined || rc < 0 ? machineEps(ctx) * Math.max(m, n) : rc;
    const opts: TolOpts = { atol: 0, rtol };
    const bad = shapeCheck(out, {
      solution: vector ? [...batch, n] : [...batch, n, k],
      rank: batch,
      singularValues: [...batch, Math.min(m, n)],
    });
    if (bad) return bad;
    const refs = Array.from({ length: numel(batch) }, (_, e) =>
      reference(ctx, matrixAt(A, broadcastIndex(batch, A.shape.slice(0, -2), e)), opts),
    );
    const fullRank = m > n && refs.every((r) => r.rank === n && !r.ambiguous);
    const someAmbiguous = m > n && refs.some((r) => r.ambiguous);
    const resShape = out.residuals!.shape;
    const fullShape = vector ? batch : [...batch, k];
    const isFull = resShape.length === fullShape.length && resShape.every((d, i) => d === fullShape[i]);
    const isEmpty = resShape.length === 1 && resShape[0] === 0;
    const gpuFull = ctx.device === 'webgpu' && m > n;
    if (
      !someAmbiguous &&
      !(gpuFull ? isFull : fullRank ? isFull : isEmpty) &&
      !(numel(fullShape) === 0 && (isFull || isEmpty))
    )
      return wrong(`residuals of shape [${resShape}] (m = ${m}, n = ${n}, full rank: ${fullRank})`);
    const xAt = (e: number) => mat(n, k, out.solution!.data.subarray(e * n * k, (e + 1) * n * k));
    const bAt = (e: number) => {
      const i = broadcastIndex(batch, bm.slice(0, -2), e);
      return mat(m, k, B.data.subarray(i * m * k, (i + 1) * m * k));
    };
    return perElement(
      numel(batch),
      (e) => (allFinite(bAt(e).data) ? refs[e]!.read : mat(1, 1, [Number.NaN])),
      (e) => [xAt(e).data],
      (e) => {
        const ref = refs[e]!;
        if (fro(ref.read) > ctx.huge / 8 || fro(bAt(e)) > ctx.huge / 8) return { outcome: 'overflow' };
        const sv = sliceAt(out.singularValues!, batch.length, e).data;
        for (let i = 0; i < ref.s.length; i++)
          if (!(Math.abs(sv[i]! - ref.s[i]!) <= bound(ctx, Math.max(m, n)) * fro(ref.read) + ctx.tiny))
            return wrong(`singular value ${i} = ${sv[i]}, expected ${ref.s[i]}`);
        if (ref.ambiguous)
          return allFinite(xAt(e).data) || noiseCutoff(ctx, ref) ? ok : spuriousNan('non-finite solution');
        if (out.rank!.data[e] !== ref.rank) return wrong(`rank ${out.rank!.data[e]}, expected ${ref.rank}`);
        const x = xAt(e);
        const v = closeToRef(
          ctx,
          x,
          matmulMat(ref.P, bAt(e)),
          ref.s[0] ?? 0,
          ref.smin,
          fro(bAt(e)),
          'solution',
        );
        if (v.outcome !== 'ok' || !isFull) return v;
        // Residuals: ‖A·X − B‖² per column, from the returned X.
        const r = subMat(matmulMat(ref.read, x), bAt(e));
        const res = sliceAt(out.residuals!, batch.length, e).data;
        for (let j = 0; j < k; j++) {
          let t = 0;
          for (let i = 0; i < m; i++) t += r.data[i * k + j]! ** 2;
          const scale = (fro(matmulMat(absMat(ref.read), absMat(x))) + fro(bAt(e))) ** 2;
          if (!(t < ctx.huge / 4) || !(scale < ctx.huge)) continue;
          if (!(Math.abs(res[j]! - t) <= 4 * bound(ctx, m) * scale + ctx.tiny))
            return wrong(`residual ${j} = ${res[j]}, expected ${t}`);
        }
        return ok;
      },
    );
  },
};

const ORDS = ['fro', 'nuc', 2, -2, 1, -1, Infinity, -Infinity] as const;
type NormOpts = { ord?: unknown; dim?: unknown; keepdim?: unknown };

const normCases = (ctx: FuzzContext, withDim: boolean): fc.Arbitrary<FuzzCase<NormOpts>> =>
  fc
    .tuple(
      drawArb({ square: false }),
      fc.oneof(
        {
          weight: 8,
          arbitrary: fc
            .constantFrom<unknown>(undefined, ...ORDS)
            .map((v) => ({ v, bad: undefined as string | undefined })),
        },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom<unknown>(0, 3, 'inf', Number.NaN)
            .map((v) => ({ v, bad: `ord = ${String(v)}` })),
        },
      ),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 20 }),
      fc.constantFrom<unknown>(undefined, false, true),
    )
    .map(([d, ord, d0, d1, keepdim]) => {
      const A = drawInput(ctx, d);
      const r = A.shape.length;
      let dim: unknown;
      let bad: string | undefined;
      if (withDim && r >= 2 && d1 < 17) {
        const i = (d0 % (2 * r)) - r;
        const j = (d1 % (2 * r)) - r;
        dim = [i, j];
        if ((i + r) % r === (j + r) % r) bad = `dim = [${i}, ${j}] repeats a dim`;
      } else if (withDim && d1 === 17) {
        dim = [0, r];
        bad = `dim = [0, ${r}] out of range`;
      }
      return {
        inputs: [A],
        opts: { ord: ord.v, dim, keepdim: withDim ? keepdim : undefined },
        invalid: d.invalid ?? ord.bad ?? bad,
      };
    });

/** The matrices of A over the dims `dim` (moved last), in the order of the remaining dims. */
function matricesOver(A: Arr, dim: readonly [number, number]): { rest: number[]; mats: Mat[] } {
  const r = A.shape.length;
  const [d0, d1] = [(dim[0] + r) % r, (dim[1] + r) % r];
  const restDims = [...Array(r).keys()].filter((x) => x !== d0 && x !== d1);
  const rest = restDims.map((x) => A.shape[x]!);
  const strides = A.shape.map((_, i) => numel(A.shape.slice(i + 1)));
  const mats: Mat[] = [];
  const [m, n] = [A.shape[d0]!, A.shape[d1]!];
  for (let e = 0; e < numel(rest); e++) {
    let base = 0;
    let rem = e;
    for (let q = restDims.length - 1; q >= 0; q--) {
      base += (rem % rest[q]!) * strides[restDims[q]!]!;
      rem = Math.floor(rem / rest[q]!);
    }
    const a = mat(m, n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) a.data[i * n + j] = A.data[base + i * strides[d0]! + j * strides[d1]!]!;
    mats.push(a);
  }
  return { rest, mats };
}

function judgeNorm(ctx: FuzzContext, a: Mat, ord: (typeof ORDS)[number], got: number): Verdict {
  const k = Math.min(a.rows, a.cols);
  const ref = matrixNormRef(a, ord);
  if (Number.isNaN(ref) || (!allFinite(a.data) && ref === Infinity))
    return Object.is(got, ref)
      ? { outcome: 'nan' }
      : wrong(`norm ${got} of a non-finite matrix, expected ${ref}`);
  if (!Number.isFinite(ref) || ref > ctx.huge / 4)
    return Math.abs(got) >= ctx.huge / 8 ? { outcome: 'overflow' } : wrong(`norm ${got}, expected ${ref}`);
  if (Number.isNaN(got)) return spuriousNan(`norm NaN, expected ${ref}`);
  const spectral = ord === 2 || ord === -2 || ord === 'nuc';
  const tol =
    (spectral
      ? bound(ctx, Math.max(a.rows, a.cols)) * fro(a) * (ord === 'nuc' ? k : 1)
      : 4 * bound(ctx, Math.max(a.rows, a.cols)) * ref) + ctx.tiny;
  return Math.abs(got - ref) <= tol ? ok : wrong(`ord ${String(ord)}: norm ${got}, expected ${ref} ± ${tol}`);
}

const matrixNormSpec: FuzzSpec<NormOpts> = {
  name: 'linalg.matrixNorm',
  cases: (ctx) => normCases(ctx, true),
  call: ([a], o) => linalg.matrixNorm(a!, o.ord as never, o.dim as never, o.keepdim as never),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const r = A.shape.length;
    const dim = (c.opts.dim ?? [-2, -1]) as [number, number];
    const ord = (c.opts.ord ?? 'fro') as (typeof ORDS)[number];
    const { rest, mats } = matricesOver(A, dim);
    const [d0, d1] = [(dim[0] + r) % r, (dim[1] + r) % r];
    const keep = A.shape.map((s, i) => (i === d0 || i === d1 ? 1 : s));
    const bad = shapeCheck(out, { out: c.opts.keepdim === true ? keep : rest });
    if (bad) return bad;
    const spectral = ord === 2 || ord === -2 || ord === 'nuc';
    return perElement(
      mats.length,
      // 'fro' and the 1-/∞-norms are defined for non-finite entries too (min row sum of [[inf], [1]] is 1).
      (e) => (spectral ? mats[e]! : mat(0, 0)),
      (e) => [out.out!.data.subarray(e, e + 1)],
      (e) => judgeNorm(ctx, mats[e]!, ord, out.out!.data[e]!),
    );
  },
  judgeError: (c, e) => {
    const [m, n] = (
      c.opts.dim
        ? (c.opts.dim as number[]).map((d) => c.inputs[0]!.shape.at(d)!)
        : c.inputs[0]!.shape.slice(-2)
    ) as [number, number];
    const ord = c.opts.ord ?? 'fro';
    return e instanceof RangeError && Math.min(m, n) === 0 && ord !== 'fro' && ord !== 'nuc'
      ? { outcome: 'error' }
      : { outcome: 'spurious-error', why: e.message };
  },
};

const condSpec: FuzzSpec<NormOpts> = {
  name: 'linalg.cond',
  cases: (ctx) =>
    normCases(ctx, false).map((c) => {
      const [m, n] = c.inputs[0]!.shape.slice(-2) as [number, number];
      const p = c.opts.ord;
      const needsSquare = p !== undefined && p !== 2 && p !== -2;
      return !c.invalid && needsSquare && m !== n && c.inputs[0]!.shape.length >= 2
        ? { ...c, invalid: `cond(p=${String(p)}) of ${m}x${n}` }
        : c;
    }),
  call: ([a], o) => linalg.cond(a!, o.ord as never),
  judge: (c, out, ctx) => {
    const A = c.inputs[0]!;
    const batch = batchOf(c);
    const p = (c.opts.ord ?? 2) as (typeof ORDS)[number];
    const bad = shapeCheck(out, { out: batch });
    if (bad) return bad;
    return perElement(
      numel(batch),
      (b) => matrixAt(A, b),
      (b) => [out.out!.data.subarray(b, b + 1)],
      (b, a) => {
        const got = out.out!.data[b]!;
        if (Math.min(a.rows, a.cols) === 0) return ok;
        const s = pinvRef(a, 0).s;
        const smax = s[0]!;
        const smin = s[s.length - 1]!;
        if (smax === 0)
          return Number.isNaN(got) || got === Infinity || (p === -2 && (got === 0 || Number.isNaN(got)))
            ? ok
            : wrong(`cond of a zero matrix is ${got}`);
        const kappa = smax / smin;
        const t = 4 * bound(ctx, Math.max(a.rows, a.cols)) * Math.max(a.rows, a.cols);
        if (p === -2)
          return Math.abs(got - 1 / kappa) <= t + ctx.tiny
            ? ok
            : wrong(`cond(-2) ${got}, expected ${1 / kappa}`);
        if (t * kappa > 0.25) {
          // Near singular: κ_p ≥ κ₂/n for p in fro, nuc, 1, ∞; the negative orders have no such bound.
          const negative = typeof p === 'number' && p < 0;
          if (negative || got >= 1 / (8 * t) || got === Infinity)
            return Number.isNaN(got) && !negative ? spuriousNan('cond NaN') : ok;
          return wrong(`cond ${got} of a (nearly) singular matrix (κ₂ ≈ ${kappa})`);
        }
        // ‖A‖·‖A⁻¹‖ computes A⁻¹ first: where it leaves the range the product is inf or NaN.
        if (p !== 2 && 1 / smin > ctx.huge / 16 && !Number.isFinite(got)) return { outcome: 'overflow' };
        if (Number.isNaN(got)) return spuriousNan(`cond NaN, expected about ${kappa}`);
        const ref = p === 2 ? kappa : matrixNormRef(a, p) * matrixNormRef(inverseMat(a)!, p);
        if (!Number.isFinite(ref) || ref > ctx.huge / 8) return { outcome: 'overflow' };
        return Math.abs(got - ref) <= t * kappa * ref + ctx.tiny
          ? ok
          : wrong(`cond(${String(p)}) ${got}, expected ${ref}`);
      },
    );
  },
  judgeError: (c, e) =>
    e.name === 'LinAlgError' && c.inputs[0]!.data.some((x) => !Number.isFinite(x))
      ? { outcome: 'error' }
      : { outcome: 'spurious-error', why: e.message },
};

const matmulSpec: FuzzSpec<undefined> = {
  name: 'matmul',
  cases: (ctx) =>
    fc
      .tuple(
        drawArb({ square: false, badShapes: false }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 9 }),
      )
      .map(([d, n2, form]) => {
        const A = drawInput(ctx, d);
        const [, k] = A.shape.slice(-2) as [number, number];
        const batch = A.shape.slice(0, -2);
        const bShape = form === 9 ? [...batch, k + 1, n2] : [...broadcastPartner(d.rng, batch), k, n2];
        const B: Arr = matrices(ctx, d.rng, bShape.slice(0, -2), k + (form === 9 ? 1 : 0), n2);
        const invalid =
          form === 9
            ? 'inner sizes differ'
            : broadcastBatch(batch, bShape.slice(0, -2))
              ? undefined
              : 'batch dims do not broadcast';
        return { inputs: [A, B], opts: undefined, invalid };
      }),
  call: ([a, b]) => matmul(a!, b!),
  judge: (c, out, ctx) => {
    const [A, B] = c.inputs as [Arr, Arr];
    const [m, k] = A.shape.slice(-2) as [number, number];
    const n = B.shape[B.shape.length - 1]!;
    const batch = broadcastBatch(A.shape.slice(0, -2), B.shape.slice(0, -2))!;
    const bad = shapeCheck(out, { out: [...batch, m, n] });
    if (bad) return bad;
    const aAt = (e: number) => matrixAt(A, broadcastIndex(batch, A.shape.slice(0, -2), e));
    const bAt = (e: number) => matrixAt(B, broadcastIndex(batch, B.shape.slice(0, -2), e));
    return perElement(
      numel(batch),
      (e) => (allFinite(bAt(e).data) ? aAt(e) : mat(1, 1, [Number.NaN])),
      (e) => [matrixAt(out.out!, e).data],
      (e, a) => {
        const ref = matmulMat(a, bAt(e));
        const scale = matmulMat(absMat(a), absMat(bAt(e)));
        const got = matrixAt(out.out!, e).data;
        for (let i = 0; i < got.length; i++) {
          if (!(scale.data[i]! < ctx.huge / 4)) continue;
          if (!(Math.abs(got[i]! - ref.data[i]!) <= bound(ctx, k) * scale.data[i]! + k * ctx.tiny))
            return Number.isNaN(got[i]!)
              ? spuriousNan(`C[${i}] is NaN`)
              : wrong(`C[${i}] = ${got[i]}, expected ${ref.data[i]}`);
        }
        return ok;
      },
    );
  },
};

export const derivedSpecs: FuzzSpec<never>[] = [
  pinvSpec,
  lstsqSpec,
  matrixRankSpec,
  matrixNormSpec,
  condSpec,
  matmulSpec,
] as unknown as FuzzSpec<never>[];
