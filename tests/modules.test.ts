/**
 * The module graph of src/ (issue 11): imports run one way, backends ← ops ← tensor/autograd ←
 * index, so
 * - every module of src/ loads as the first module of a fresh module graph (a cycle through a
 *   module that reads an import at its top level threw a TDZ ReferenceError: "Cannot access
 *   'svdOp' before initialization" when src/ops/linalg/svd.ts was loaded first);
 * - no import cycle spans more than two files (value imports: what the JavaScript runs at load);
 * - no backend file imports src/ops or src/tensor.ts, not even a type;
 * - tensor.ts and the autograd engine reach the ops only through src/ops-hook.ts.
 * The built dist/ modules are loaded alone in fresh node processes by tests/package-tarball.test.ts,
 * after its `npm pack` has built them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { cycleThrough, importGraph, importsOf, stronglyConnected, tsFiles } from './helpers/import-graph.js';

const SRC = tsFiles('src');

/** The components of more than two files, each with one cycle through it. */
function bigCycles(graph: Map<string, string[]>): string[] {
  return stronglyConnected(graph)
    .filter((c) => c.length > 2)
    .map((c) => `${c.length} files: ${cycleThrough(graph, c)}`);
}

describe('modules of src', () => {
  it('sees every module', () => {
    expect(SRC.length).toBeGreaterThan(60);
    expect(SRC).toContain('src/ops/linalg/svd.ts');
  });

  it('each loads first, alone, in a fresh module graph', async () => {
    // Node's own module semantics (tests/helpers/load-first.ts), one fresh graph per module.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--no-warnings',
        '--import',
        'tsx',
        'tests/helpers/load-first.ts',
        ...SRC,
      ],
      { timeout: 120_000, maxBuffer: 16 << 20 },
    );
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('have no import cycle of more than two files', () => {
    expect(bigCycles(importGraph(SRC, true)), 'cycles').toEqual([]);
  });

  it('backends import neither the ops nor the Tensor (not even their types)', () => {
    const graph = importGraph(
      SRC.filter((f) => f.startsWith('src/backends/')),
      false,
    );
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => t.startsWith('src/ops/') || t === 'src/tensor.ts').map((t) => `${file} → ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('tensor.ts and the autograd engine reach the ops only through the hook', () => {
    const graph = importGraph(
      SRC.filter((f) => f === 'src/tensor.ts' || f.startsWith('src/autograd/') || f === 'src/ops-hook.ts'),
      true,
    );
    const intoOps = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => t.startsWith('src/ops/')).map((t) => `${file} → ${t}`),
    );
    expect(intoOps).toEqual([]);
  });
});

describe('what the Tensor class pulls in', () => {
  it('loading src/tensor.ts loads no op (a bundle of Tensor alone holds no op or op kernel)', () => {
    const graph = importGraph(SRC, true);
    const reached = new Set<string>();
    const stack = ['src/tensor.ts'];
    for (let f = stack.pop(); f !== undefined; f = stack.pop()) {
      if (reached.has(f)) continue;
      reached.add(f);
      stack.push(...(graph.get(f) ?? []));
    }
    expect(reached).toContain('src/ops-hook.ts');
    expect([...reached].filter((f) => f.startsWith('src/ops/'))).toEqual([]);
  });
});

describe('the ops hook', () => {
  it('a Tensor method used before the ops are loaded says so; loading them fills the hook', async () => {
    vi.resetModules();
    const { tensor } = await import('../src/ops/creation.js');
    const t = tensor([1, 2]);
    expect(() => t.add(1)).toThrow(
      "internal: the op 'add' was called before the ops were loaded; import linagrad (src/index.ts) " +
        'or src/ops/index.ts before calling Tensor methods',
    );
    expect(() => t.inverse()).toThrow(/the op 'linalg\.inv' was called before the ops were loaded/);
    await import('../src/ops/index.js');
    expect(Array.from(t.add(1).dataSync())).toEqual([2, 3]);
    vi.resetModules();
  });
});

describe('the import-graph checker', () => {
  it('finds a cycle of three files and names it', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['d.ts', 'b.ts']],
      ['e.ts', ['a.ts']],
    ]);
    expect(stronglyConnected(graph).filter((c) => c.length > 1)).toEqual([['a.ts', 'b.ts', 'c.ts', 'd.ts']]);
    expect(bigCycles(graph)).toEqual(['4 files: a.ts → b.ts → c.ts → a.ts']);
    expect(
      bigCycles(
        new Map([
          ['x.ts', ['y.ts']],
          ['y.ts', ['x.ts']],
        ]),
      ),
    ).toEqual([]);
  });

  it('tells value imports from type-only and dynamic ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'linagrad-imports-'));
    try {
      const file = join(dir, 'm.ts');
      writeFileSync(
        file,
        [
          "import type { A } from './type-only.js';",
          "import { type B, type C } from './all-type-specifiers.js';",
          "import { type D, e } from './one-value.js';",
          "import * as ns from './namespace.js';",
          "import './side-effect.js';",
          "export type { F } from './export-type.js';",
          "export { g } from './export-value.js';",
          "export * from './export-star.js';",
          "type H = typeof import('./type-query.js');",
          "const later = () => import('./dynamic.js');",
        ].join('\n'),
      );
      const kinds = Object.fromEntries(importsOf(file).map((r) => [r.specifier.slice(2, -3), r.kind]));
      expect(kinds).toEqual({
        'type-only': 'type',
        'all-type-specifiers': 'type',
        'one-value': 'value',
        namespace: 'value',
        'side-effect': 'value',
        'export-type': 'type',
        'export-value': 'value',
        'export-star': 'value',
        'type-query': 'type',
        dynamic: 'dynamic',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
