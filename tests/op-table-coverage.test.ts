/**
 * The op table covers every op (PyTorch's OpInfo coverage test): every OpDef that src defines
 * (defineOp records each, registeredOps) is the `op` of an entry of tests/op-table.ts; every
 * entry names its OpDef (or, testing a composite function, the OpDefs it exercises) and the
 * dtypes its cases run in; each call runs the kernels of the OpDefs it names; and every skip
 * names a known check and a reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { undefinedGradOp } from '../gradcheck/gradcheck.js';
import {
  type AnyOpDef,
  caseDType,
  caseGroups,
  caseTensors,
  complexCase,
  entryDTypes,
  inputDType,
  isComplexDType,
  type OpCase,
  type OpEntry,
  skipReason,
  type TableCheck,
} from '../gradcheck/index.js';
import { noGrad } from '../src/index.js';
import { registeredOps } from '../src/ops/registry.js';
import { opTable } from './op-table.js';

const CHECKS: readonly TableCheck[] = [
  'gradcheck',
  'fastMode',
  'gradgradcheck',
  'webgpuBackward',
  'errors',
  'webgpu',
  'forwardAd',
  'fwdOverRev',
  'vmap',
];

/**
 * The OpDefs src defines: all registered ones (read before any test could define its own) but
 * gradcheck's own identity op that plants null gradients.
 */
const defined: readonly AnyOpDef[] = registeredOps().filter((op) => op !== (undefinedGradOp as AnyOpDef));

/** The fixed cases and a few random ones of an entry, with their complex variants where it has them. */
function someCases(e: OpEntry): OpCase[] {
  const settings = e.webgpu && !('skip' in e.webgpu) ? e.webgpu : undefined;
  const own = [
    ...(e.samples ?? []),
    ...(settings?.samples ?? []),
    ...fc.sample(e.arbitrary, { seed: 7, numRuns: 10 }),
  ];
  return caseGroups(e, own).flatMap((g) => g.samples);
}

describe('op table coverage', () => {
  it('the registry holds the OpDefs of every src module', () => {
    // About fifty today; a count far below means defineOp stopped recording.
    expect(defined.length).toBeGreaterThan(40);
    expect(new Set(defined).size).toBe(defined.length);
  });

  it('every OpDef has an entry that names it as its op', () => {
    const tested = new Set(opTable.map((e) => e.op).filter((op) => op !== undefined));
    const missing = defined.filter((op) => !tested.has(op)).map((op) => op.name);
    expect(missing, 'OpDefs without an op-table entry (add one to tests/op-table*.ts)').toEqual([]);
  });

  it('every entry names its OpDef, or the OpDefs of the composite function it tests', () => {
    const known = new Set(defined);
    for (const e of opTable) {
      const ops = e.op ? [e.op] : (e.composite ?? []);
      expect(ops.length, `${e.name}: names no OpDef (op or composite)`).toBeGreaterThan(0);
      expect(e.op && e.composite, `${e.name}: names both op and composite`).toBeFalsy();
      for (const op of ops)
        expect(known.has(op), `${e.name}: ${op.name} is not a registered OpDef`).toBe(true);
    }
  });

  it("every entry's call runs the CPU kernel of each OpDef it names", () => {
    // Each named OpDef's kernel is wrapped to record that it ran, then the cases run forward.
    const ran = new Set<AnyOpDef>();
    const named = [...new Set(opTable.flatMap((e) => (e.op ? [e.op] : (e.composite ?? []))))];
    type Kernel = AnyOpDef['cpu'];
    const originals = new Map<AnyOpDef, Kernel>(named.map((op) => [op, op.cpu]));
    for (const op of named) {
      const cpu = op.cpu;
      (op as { cpu: Kernel }).cpu = (...args) => {
        ran.add(op);
        return cpu(...args);
      };
    }
    try {
      for (const e of opTable) {
        ran.clear();
        const own = [...(e.samples ?? []), ...fc.sample(e.arbitrary, { seed: 7, numRuns: 10 })];
        const ops = e.op ? [e.op] : (e.composite ?? []);
        // Per case group: the complex variants must run the kernels too.
        for (const g of caseGroups(e, own)) {
          ran.clear();
          for (const c of g.samples) noGrad(() => e.fn(caseTensors(c), c.args));
          const idle = ops.filter((op) => !ran.has(op)).map((op) => op.name);
          const which = g.dtype ? ` (${g.dtype} variants)` : '';
          expect(idle, `${e.name}${which}: OpDefs it names whose kernel its cases never ran`).toEqual([]);
        }
      }
    } finally {
      for (const [op, cpu] of originals) (op as { cpu: Kernel }).cpu = cpu;
    }
  });

  it('every entry names the dtypes its cases run in, and they are those of its cases', () => {
    for (const e of opTable) {
      expect(e.dtypes, `${e.name}: no dtypes`).toBeDefined();
      const dtypes = entryDTypes(e);
      expect(dtypes.cpu.length, `${e.name}: no cpu dtype`).toBeGreaterThan(0);
      const cases = someCases(e);
      const cpu = new Set(cases.flatMap((c) => c.inputs.map((s) => inputDType(s))));
      expect([...cpu].sort(), `${e.name}: input dtypes on the cpu`).toEqual([...dtypes.cpu].sort());
      const gpu = new Set(cases.flatMap((c) => c.inputs.map((s) => inputDType(s, 'webgpu'))));
      if (dtypes.webgpu.length === 0) {
        const skip = e.skipped?.find((s) => s.check === 'webgpu' || s.check.includes('webgpu'));
        expect(skip, `${e.name}: no webgpu dtypes, but no webgpu skip says why`).toBeDefined();
      } else {
        expect([...gpu].sort(), `${e.name}: input dtypes on webgpu`).toEqual([...dtypes.webgpu].sort());
      }
      for (const c of cases) expect(caseDType(c) === undefined || cpu.has(caseDType(c)!)).toBe(true);
      // Where OpDefs state the dtypes they accept, the table tests an op only in those.
      const accepted = (e.op as { dtypes?: readonly string[] } | undefined)?.dtypes;
      if (accepted) {
        for (const dt of new Set([...dtypes.cpu, ...dtypes.webgpu]))
          expect(accepted, `${e.name}: tested in ${dt}, which ${e.op!.name} does not accept`).toContain(dt);
      }
    }
  });

  it('every OpDef that accepts a complex dtype has an entry whose cases run in it', () => {
    // An op can't take complex without the table checking it over ℂ: some entry naming it (as
    // its op or in its composite) runs complex cases, in every complex dtype the op accepts
    // that its entries run on that device.
    const missing: string[] = [];
    for (const op of defined) {
      const accepted = ((op as { dtypes?: readonly string[] }).dtypes ?? []).filter((d) =>
        d.startsWith('complex'),
      );
      if (accepted.length === 0) continue;
      const named = opTable.filter((e) => e.op === op || e.composite?.includes(op));
      const complexCases = named.flatMap((e) => someCases(e).filter((c) => isComplexDType(caseDType(c))));
      if (complexCases.length === 0) missing.push(`${op.name} (accepts ${accepted.join(', ')})`);
    }
    expect(missing, 'OpDefs that accept complex dtypes with no complex op-table cases').toEqual([]);
  });

  it('complex variants: interleaved data whose real parts are the case, imaginary parts in range', () => {
    const c: OpCase = {
      inputs: [
        { shape: [2, 2], data: Float64Array.from([-1, 0.5, 2, 1]) },
        { shape: [2], data: Float64Array.from([0, 1]), dtype: 'int32' },
      ],
      args: undefined,
      label: 'x',
    };
    const z = complexCase(c)!;
    expect(z.label).toBe('x (complex)');
    expect(z.inputs[0].dtype).toBe('complex128');
    expect(z.inputs[0].shape).toEqual([2, 2]);
    expect(z.inputs[0].data.length).toBe(8);
    const re = z.inputs[0].data.filter((_, i) => i % 2 === 0);
    const im = z.inputs[0].data.filter((_, i) => i % 2 === 1);
    expect([...re]).toEqual([-1, 0.5, 2, 1]);
    for (const v of im) expect(v >= -1 && v <= 2).toBe(true);
    expect(new Set(im).size).toBe(4);
    expect(z.inputs[1]).toBe(c.inputs[1]); // an explicit dtype keeps it
    expect(complexCase(c)!.inputs[0].data).toEqual(z.inputs[0].data); // a function of the case
    expect(complexCase({ inputs: [c.inputs[1]], args: undefined })).toBeUndefined();
    expect(caseDType(z)).toBe('complex128');
    expect(caseDType(z, 'webgpu')).toBe('complex64');
    const [t] = caseTensors(z);
    expect(t.dtype).toBe('complex128');
    expect([...t.real().dataSync()]).toEqual([-1, 0.5, 2, 1]);
  });

  it('every skip names known checks and a reason; flags are booleans', () => {
    for (const e of opTable) {
      for (const s of e.skipped ?? []) {
        const checks = typeof s.check === 'string' ? [s.check] : s.check;
        expect(checks.length, `${e.name}: a skip of no check`).toBeGreaterThan(0);
        for (const c of checks) expect(CHECKS, `${e.name}: unknown check ${c}`).toContain(c);
        expect(s.reason.trim().length, `${e.name}: a skip without a reason`).toBeGreaterThan(0);
        if (s.dtype) expect(entryDTypes(e).cpu.concat(entryDTypes(e).webgpu)).toContain(s.dtype);
      }
      // The older unscoped forms are converted: the table uses `skipped` only.
      expect(e.skips, `${e.name}: uses the older skips form`).toBeUndefined();
      expect(e.webgpu && 'skip' in e.webgpu, `${e.name}: uses the older webgpu.skip form`).toBeFalsy();
      for (const flag of [e.supportsForwardAd, e.supportsVmap])
        expect([undefined, true, false]).toContain(flag);
    }
  });
});

describe('skipReason', () => {
  const base: OpEntry = { name: 'e', fn: () => [], arbitrary: fc.constant({ inputs: [], args: undefined }) };

  it('matches a skip by check, and by device and dtype only where the skip names them', () => {
    const e: OpEntry = {
      ...base,
      skipped: [
        { check: ['gradcheck', 'fastMode'], reason: 'no gradient' },
        { check: 'errors', device: 'webgpu', reason: 'cpu-only messages' },
        { check: 'gradgradcheck', dtype: 'float32', reason: 'float32 too coarse' },
      ],
    };
    expect(skipReason(e, 'gradcheck', { device: 'cpu' })).toBe('no gradient');
    expect(skipReason(e, 'fastMode', { device: 'webgpu', dtype: 'float32' })).toBe('no gradient');
    expect(skipReason(e, 'errors', { device: 'cpu' })).toBeUndefined();
    expect(skipReason(e, 'errors', { device: 'webgpu' })).toBe('cpu-only messages');
    expect(skipReason(e, 'gradgradcheck', { device: 'cpu' })).toBeUndefined();
    expect(skipReason(e, 'gradgradcheck', { device: 'cpu', dtype: 'float64' })).toBeUndefined();
    expect(skipReason(e, 'gradgradcheck', { device: 'cpu', dtype: 'float32' })).toBe('float32 too coarse');
    expect(skipReason(e, 'webgpu', { device: 'webgpu' })).toBeUndefined();
  });

  it('reads the older skips and webgpu.skip forms', () => {
    const e: OpEntry = { ...base, skips: { webgpuBackward: 'forward only' }, webgpu: { skip: 'no float64' } };
    expect(skipReason(e, 'webgpuBackward', { device: 'webgpu' })).toBe('forward only');
    expect(skipReason(e, 'webgpu', { device: 'webgpu' })).toBe('no float64');
    expect(skipReason(e, 'webgpu', { device: 'cpu' })).toBeUndefined();
    expect(skipReason(e, 'gradcheck', { device: 'cpu' })).toBeUndefined();
  });
});
