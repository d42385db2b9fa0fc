/**
 * The published package's imports resolve for a user: every bare module the shipped code
 * (src/, gradcheck/) imports is a dependency, a peer dependency or an optional dependency, not a
 * devDependency that a consumer's install leaves out (linagrad/gradcheck's fast-check arbitraries
 * once failed that way with ERR_MODULE_NOT_FOUND). The `exports` map points into the built
 * folders that `files` publishes. The packed tarball in a consumer project:
 * tests/package-tarball.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as gradcheckModule from '../gradcheck/index.js';
import * as linagrad from '../src/index.js';
import { docFiles } from './helpers/doc-examples.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  files: string[];
  exports: Record<string, { types: string; import: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Bare specifiers of static imports and exports and of dynamic imports with a literal specifier. */
function bareImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'([^'.][^']*)'/g)) found.add(m[1]!);
  return [...found]
    .filter((s) => !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

describe('package', () => {
  it('every module the shipped code imports is declared for consumers', () => {
    const declared = new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
    ]);
    const files = [...sources('src'), ...sources('gradcheck')];
    const undeclared = files.flatMap((f) =>
      bareImports(f)
        .filter((m) => !declared.has(m))
        .map((m) => `${f}: ${m}`),
    );
    expect(undeclared).toEqual([]);
    // The scan sees the imports it is meant to: fast-check in gradcheck/ (a peer dependency).
    expect(files.some((f) => bareImports(f).includes('fast-check'))).toBe(true);
  });

  it('the exports map points into the published build folders', () => {
    for (const [key, target] of Object.entries(pkg.exports)) {
      for (const path of [target.types, target.import]) {
        const published = pkg.files.some((f) => path.replace(/^\.\//, '').startsWith(`${f}/`));
        expect(published, `${key} → ${path}`).toBe(true);
      }
    }
  });

  it('every function the README and docs name in code spans is exported (or is a Tensor method)', () => {
    // Math and PyTorch names the prose uses in formulas and comparisons, not linagrad functions.
    const prose = new Set(['String', 'import', 'max', 'diag', 'copyltu', 'h', 'fn', 'zero_grad']);
    const methods = new Set<string>();
    for (let p: object | null = linagrad.Tensor.prototype; p; p = Object.getPrototypeOf(p)) {
      for (const k of Object.getOwnPropertyNames(p)) methods.add(k);
    }
    const namespaces: Record<string, object> = {
      linalg: linagrad.linalg,
      optim: linagrad.optim,
      autograd: linagrad.autograd,
      func: linagrad.func,
      forwardAD: linagrad.forwardAD,
      opt: linagrad.SGD.prototype, // an optimizer instance
    };
    const outside = ['torch', 'Math', 'JSON', 'fc', 'console', 'navigator', 'process'];
    const missing: string[] = [];
    for (const file of docFiles()) {
      for (const span of readFileSync(file, 'utf8').matchAll(/`([^`\n]+)`/g)) {
        for (const call of span[1]!.matchAll(/(?<![\w.])((?:[a-zA-Z_]\w*\.)?[a-zA-Z_]\w*)\(/g)) {
          const [head, name] = call[1]!.includes('.') ? call[1]!.split('.') : [null, call[1]!];
          const ok = head
            ? head in namespaces
              ? name! in namespaces[head]!
              : methods.has(name!) || outside.includes(head)
            : name! in linagrad || name! in gradcheckModule || methods.has(name!) || name! in linagrad.linalg;
          if (!ok && !prose.has(name!)) missing.push(`${file}: ${call[1]}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
