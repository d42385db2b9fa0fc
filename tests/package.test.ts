/**
 * The published package's imports resolve for a user: every bare module the shipped code
 * (src/, gradcheck/) imports is a dependency, a peer dependency or an optional dependency, not a
 * devDependency that a consumer's install leaves out (linagrad/gradcheck's fast-check arbitraries
 * once failed that way with ERR_MODULE_NOT_FOUND). The `exports` map points into the built
 * folders that `files` publishes. And the emitted declarations type-check in a strict consumer
 * project (they use the WebGPU types, which once went missing there).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

  it('the emitted declarations type-check in a strict consumer (lib DOM, no skipLibCheck)', async () => {
    // Inside the repository, so that the consumer resolves @webgpu/types from its node_modules.
    const dir = join('node_modules', '.cache', 'linagrad-dts-test');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tsc = [process.execPath, join('node_modules', 'typescript', 'bin', 'tsc')] as const;
    const run = (args: string[]) =>
      promisify(execFile)(tsc[0], [tsc[1], ...args]).catch((e: { stdout?: string }) => {
        throw new Error(`tsc ${args.join(' ')} failed:\n${e.stdout ?? String(e)}`);
      });
    try {
      await run([
        '-p',
        'tsconfig.build.json',
        '--outDir',
        dir,
        '--emitDeclarationOnly',
        '--sourceMap',
        'false',
      ]);
      writeFileSync(
        join(dir, 'consumer.ts'),
        [
          "import { initWebGPU, linalg, tensor, type Tensor, type WebGPUInfo } from './src/index.js';",
          "import { gradcheck } from './gradcheck/index.js';",
          'const a: Tensor = tensor([[2, 0], [0, 4]], { requiresGrad: true });',
          'const ok: boolean = gradcheck((x) => linalg.inv(x), [a]);',
          'const info: Promise<WebGPUInfo> = initWebGPU();',
          'export { ok, info };',
          '',
        ].join('\n'),
      );
      await run([
        ...['--noEmit', '--strict', '--skipLibCheck', 'false', '--target', 'ES2022'],
        ...[
          '--module',
          'NodeNext',
          '--moduleResolution',
          'NodeNext',
          '--lib',
          'ES2022,ESNext.Disposable,DOM',
        ],
        ...['--types', 'node', join(dir, 'consumer.ts')],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
