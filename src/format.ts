/**
 * Printing tensors the way PyTorch does (torch/_tensor_str.py's rules): `tensor([[1.0000, 2.0000],
 * [3.0000, 4.5000]], requiresGrad=true)`, all elements of a tensor in one fixed-width format
 * (integers as `1.`, `{:.4f}` or, for wide ranges, `{:.4e}`), summarized with `...` beyond a
 * threshold, and suffixes for a non-default dtype, the device, `requiresGrad` and `gradFn`.
 * Pure string work on a flat array and a shape, so that tensor.ts stays about tensors.
 */
import { numelOf } from './shape.js';

/** How tensors print (torch.set_printoptions). */
export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision: number;
  /** Tensors with more elements than this print summarized (default 1000). */
  threshold: number;
  /** Elements shown at the start and end of each summarized dimension (default 3). */
  edgeitems: number;
  /** Characters per line before a row wraps (default 80). */
  linewidth: number;
  /** true: always scientific notation; false: never; null (default): chosen from the values. */
  sciMode: boolean | null;
}

const DEFAULTS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };
let opts: PrintOptions = { ...DEFAULTS };

/**
 * Sets how tensors print, as torch.set_printoptions; options left out keep their value, and
 * `setPrintOptions()` restores the defaults.
 * @example
 * setPrintOptions({ precision: 2 });
 * String(tensor([1 / 3])); // 'tensor([0.33])'
 * setPrintOptions(); // back to precision 4, threshold 1000, edgeitems 3, linewidth 80
 */
export function setPrintOptions(options?: Partial<PrintOptions>): void {
  if (options === undefined) {
    opts = { ...DEFAULTS };
    return;
  }
  for (const key of ['precision', 'threshold', 'edgeitems', 'linewidth'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
      throw new RangeError(`setPrintOptions: ${key} must be a non-negative integer, got ${v}`);
    }
  }
  opts = { ...opts, ...options };
}

/** The current print options (a copy). */
export function getPrintOptions(): PrintOptions {
  return { ...opts };
}

/** What formatTensor needs to know about a tensor. */
export interface FormatInput {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly device: string;
  /** The values (row-major), or null when they cannot be read synchronously. */
  readonly data: ArrayLike<number> | null;
  /** Why `data` is null, shown in place of the values. */
  readonly unreadable?: string;
  readonly defaultDtype: string;
  readonly requiresGrad: boolean;
  readonly gradFn: string | null;
}

const PREFIX = 'tensor(';

/** The PyTorch-style string of a tensor. */
export function formatTensor(t: FormatInput): string {
  const indent = PREFIX.length;
  const numel = numelOf(t.shape);
  const suffixes: string[] = [];
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);
  let body: string;
  if (t.data === null) {
    body = `<${t.unreadable ?? 'values not available'}>`;
    suffixes.push(`shape=[${t.shape.join(', ')}]`);
  } else if (numel === 0) {
    body = '[]';
    if (t.shape.length !== 1) suffixes.push(`size=[${t.shape.join(', ')}]`);
  } else if (t.dtype === 'complex64' || t.dtype === 'complex128') {
    // Rendered over element indices; the formatter reads each element's (re, im) pair.
    const summarize = numel > opts.threshold;
    const index = Array.from({ length: numel }, (_, k) => k);
    const fmt = complexFormatter(t.data, shownValues(index, t.shape, summarize));
    body = render(index, t.shape, 0, 0, indent, summarize, fmt);
  } else {
    const summarize = numel > opts.threshold;
    const fmt = makeFormatter(shownValues(t.data, t.shape, summarize), t.dtype === 'int32');
    body = render(t.data, t.shape, 0, 0, indent, summarize, fmt);
  }
  if (t.dtype !== t.defaultDtype && t.dtype !== defaultComplex(t.defaultDtype))
    suffixes.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) suffixes.push(`gradFn=<${t.gradFn}>`);
  else if (t.requiresGrad) suffixes.push('requiresGrad=true');
  return addSuffixes(PREFIX + body, suffixes, indent);
}

/** The complex dtype that prints without a suffix: the one of the default float dtype. */
function defaultComplex(defaultDtype: string): string {
  return defaultDtype === 'float32' ? 'complex64' : 'complex128';
}

/**
 * `re±imj` for element k of interleaved data, as PyTorch: the real parts share one format (mode
 * and width), the imaginary parts another, and the imaginary part carries its own sign.
 */
function complexFormatter(data: ArrayLike<number>, shown: readonly number[]): Formatter {
  const res = shown.map((k) => data[2 * k]!);
  const ims = shown.map((k) => data[2 * k + 1]!);
  // Each part its own mode (integer, fixed or scientific), as torch: 1.+0.5000j.
  const reMode = makeFormatter(res, false);
  const imMode = makeFormatter(ims, false);
  const reWidth = Math.max(0, ...res.map((v) => reMode.format(v).trim().length));
  const format = (k: number) => {
    const r = reMode
      .format(data[2 * k]!)
      .trim()
      .padStart(reWidth);
    const i = `${imMode.format(data[2 * k + 1]!).trim()}j`;
    return `${r}${i[0] === '-' ? '' : '+'}${i}`;
  };
  const width = Math.max(0, ...shown.map((k) => format(k).length));
  return { width, format: (k) => format(k).padStart(width) };
}

interface Formatter {
  width: number;
  format(v: number): string;
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
}

/** Indices shown along a dimension of size n. */
function shownIndices(n: number, summarize: boolean): number[] {
  const e = opts.edgeitems;
  if (!summarize || n <= 2 * e) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: e }, (_, i) => i), ...Array.from({ length: e }, (_, i) => n - e + i)];
}

/** The values that will be printed (a summarized tensor's formatter sees only its edges, as PyTorch's). */
function shownValues(data: ArrayLike<number>, shape: readonly number[], summarize: boolean): number[] {
  if (!summarize) return Array.from(data);
  const st = strides(shape);
  const out: number[] = [];
  const rec = (d: number, offset: number) => {
    if (d === shape.length) {
      out.push(data[offset]!);
      return;
    }
    for (const i of shownIndices(shape[d]!, true)) rec(d + 1, offset + i * st[d]!);
  };
  rec(0, 0);
  return out;
}

/** Python's `{:.Ne}`: the exponent has a sign and at least two digits. */
function sci(v: number, precision: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const s = v.toExponential(precision);
  const [mant, exp] = s.split('e') as [string, string];
  const sign = exp[0] === '-' ? '-' : '+';
  const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
  return `${Object.is(v, -0) ? '-' : ''}${mant}e${sign}${digits}`;
}

function fixed(v: number, precision: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const s = v.toFixed(precision);
  return Object.is(v, -0) || (v < 0 && !s.startsWith('-')) ? `-${s}` : s;
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

/** One format for every element, chosen from the values as PyTorch's _Formatter does. */
function makeFormatter(values: readonly number[], integer: boolean): Formatter {
  const p = opts.precision;
  let format: (v: number) => string;
  if (integer) {
    format = (v) => String(v);
  } else {
    const finite = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs);
    let intMode = values.every((v) => !Number.isFinite(v) || Number.isInteger(v));
    let sciMode = false;
    if (finite.length > 0) {
      const lo = Math.min(...finite);
      const hi = Math.max(...finite);
      sciMode = hi / lo > 1000 || hi > 1e8 || (!intMode && lo < 1e-4);
    }
    if (opts.sciMode !== null) sciMode = opts.sciMode;
    if (sciMode) intMode = false;
    format = sciMode
      ? (v) => sci(v, p)
      : intMode
        ? (v) => (Number.isFinite(v) ? `${fixed(v, 0)}.` : nonFinite(v))
        : (v) => fixed(v, p);
  }
  const width = Math.max(0, ...values.map((v) => format(v).length));
  return { width, format: (v) => format(v).padStart(width) };
}

function render(
  data: ArrayLike<number>,
  shape: readonly number[],
  d: number,
  offset: number,
  indent: number,
  summarize: boolean,
  fmt: Formatter,
): string {
  if (shape.length === 0) return fmt.format(data[0]!).trim();
  const n = shape[d]!;
  const idx = shownIndices(n, summarize);
  const cut = idx.length < n ? opts.edgeitems : -1;
  const stride = strides(shape)[d]!;
  const rest = shape.length - d; // the dimensions of this slice
  if (rest === 1) {
    const items = idx.map((i) => fmt.format(data[offset + i * stride]!));
    if (cut >= 0) items.splice(cut, 0, ' ...');
    const perLine = Math.max(1, Math.floor((opts.linewidth - indent) / (fmt.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
  }
  const slices = idx.map((i) => render(data, shape, d + 1, offset + i * stride, indent + 1, summarize, fmt));
  if (cut >= 0) slices.splice(cut, 0, '...');
  return `[${slices.join(`,${'\n'.repeat(rest - 1)}${' '.repeat(indent + 1)}`)}]`;
}

function addSuffixes(body: string, suffixes: readonly string[], indent: number): string {
  let out = body;
  let lastLine = body.length - body.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLine + s.length + 2 > opts.linewidth) {
      out += `,\n${' '.repeat(indent)}${s}`;
      lastLine = indent + s.length;
    } else {
      out += `, ${s}`;
      lastLine += s.length + 2;
    }
  }
  return `${out})`;
}
