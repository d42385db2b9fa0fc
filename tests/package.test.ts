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
});
