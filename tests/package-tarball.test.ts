/**
 * The package as a user gets it: `npm pack` (which builds), the packed file list, and a fresh
 * `"type": "module"` project outside the repository that installs the tarball and
 * - type-checks every ```ts block of the README and docs/ (tests/helpers/doc-examples.ts) plus a
 *   file of API types, with TypeScript 5.9 and 7, with and without the DOM lib, under `strict`,
 *   `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes` and `verbatimModuleSyntax`, without
 *   `skipLibCheck`;
 * - runs every block with node (the WebGPU ones when an adapter is found);
 * - without fast-check installed: type-checks, runs gradcheck, and gets an error naming
 *   fast-check from the arbitraries.
 * TypeScript 5.9 is the repository's own; TypeScript 7 is installed from the npm registry into
 * node_modules/.cache (kept between runs); when the registry cannot be reached those checks are
 * skipped with the reason.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocExample, docExamples, docFiles, relativeLinks } from './helpers/doc-examples.js';
import { jsFiles, loadEachAlone } from './helpers/load-alone.js';
import { describeWebGPU } from './helpers/webgpu.js';

const repo = resolve('.');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TS7_RANGE = '^7.0.2';

interface Run {
  code: number;
  /** stdout and stderr together, for messages. */
  out: string;
  stdout: string;
}

/** Runs a command; resolves with its exit code and output (never rejects on a nonzero exit). */
async function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<Run> {
  try {
    const r = await promisify(execFile)(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: 0, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    const code = typeof err.code === 'number' ? err.code : 1;
    return { code, out: `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message, stdout: err.stdout ?? '' };
  }
}

function link(target: string, at: string): void {
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at, 'dir');
}

const STRICT = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  skipLibCheck: false,
  module: 'nodenext',
  noEmit: true,
};
/** The consumer set-ups: a fresh `tsc --init` project of TS 7 (DOM in its default lib), Node without DOM, ES2022 + DOM. */
const SETUPS = {
  'default lib (DOM)': { target: 'esnext', types: [] },
  'Node, no DOM': { target: 'es2022', lib: ['es2022'], types: ['node'] },
  'ES2022 + DOM': { target: 'es2022', lib: ['es2022', 'dom'], types: [] },
} as const;

/** Types a user's code relies on, checked in every set-up (the examples check the values). */
const API_TYPES = `import {
  AutogradError, initWebGPU, LinAlgError, linalg, optim, setPrintOptions, tensor, type Tensor, type WebGPUInfo,
} from 'linagrad';
import { gradcheck, GradcheckError, spdMatrix } from 'linagrad/gradcheck';
const a: Tensor = tensor([[2, 0], [0, 4]], { requiresGrad: true });
const ok: boolean = gradcheck((x) => linalg.inv(x), [a]);
const info: () => Promise<WebGPUInfo> = () => initWebGPU({ powerPreference: 'high-performance' });
const { eigenvalues }: { eigenvalues: Tensor } = linalg.eigh(a);
const opt = new optim.Adam([a], { lr: 0.1, betas: [0.9, 0.99] });
const arb = spdMatrix({ maxSize: 3 });
const errors = [AutogradError, LinAlgError, GradcheckError] as const;
setPrintOptions({ precision: 2 });
// The op methods (declared in src/tensor-methods.ts, merged into Tensor): overloads and defaults.
const top: Tensor = a.add(1).sum(0, true).reshape(2).max();
const { values, indices }: { values: Tensor; indices: Tensor } = a.min(1);
const parts: Tensor[] = a.inverse().var(0, { correction: 0 }).split(1);
export { arb, eigenvalues, errors, indices, info, ok, opt, parts, top, values };
`;

/** Without fast-check: gradcheck works, an arbitrary throws an error that says what to install. */
const NO_FAST_CHECK = `import { linalg, tensor } from 'linagrad';
import { gradcheck, gradgradcheck, spdMatrix } from 'linagrad/gradcheck';
const a = tensor([[2, 1], [1, 3]], { requiresGrad: true });
const checks = [gradcheck((x) => linalg.inv(x), [a]), gradgradcheck((x) => linalg.inv(x), [a])];
let message = '';
try {
  spdMatrix({ maxSize: 3 });
} catch (e) {
  message = (e as Error).message;
}
console.log(JSON.stringify({ checks, message }));
`;

let work = '';
let tarball = '';
let packError = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'linagrad-tarball-'));
  // npm pack runs the prepack script (npm run build), so the tarball holds the current sources.
  const r = await run(npm, ['pack', '--pack-destination', work, '--json'], repo, 300_000);
  if (r.code !== 0) {
    packError = r.out;
    return;
  }
  const json = r.stdout.slice(r.stdout.search(/^\[/m)); // the build's output comes first
  tarball = join(work, (JSON.parse(json) as { filename: string }[])[0]!.filename);
}, 320_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What npm prints when it cannot reach the registry (and has nothing cached). */
const NETWORK_ERROR = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|NOTCACHED)/;

/** npm install needed the registry (for the optional webgpu dependency's metadata) and it did not answer. */
class RegistryUnreachable extends Error {}

/** A test body that is skipped, with the reason, when the registry is unreachable. */
function skippable(body: () => Promise<void>): (ctx: { skip: (note?: string) => void }) => Promise<void> {
  return async (ctx) => {
    try {
      await body();
    } catch (e) {
      if (!(e instanceof RegistryUnreachable)) throw e;
      ctx.skip(`reason: npm could not reach the registry to install the tarball (${e.message})`);
    }
  };
}

/** A fresh project that installed the tarball; returns its directory, or why it could not. */
async function consumer(name: string, withFastCheck: boolean): Promise<string> {
  expect(packError, 'npm pack failed').toBe('');
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  // The optional webgpu binary (130 MB) comes from the repository instead of being copied again.
  const r = await run(
    npm,
    [
      'install',
      tarball,
      '--omit=optional',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
    ],
    dir,
  );
  if (r.code !== 0 && NETWORK_ERROR.test(r.out)) throw new RegistryUnreachable(r.out.slice(-400));
  expect(r.code, `npm install of the tarball failed:\n${r.out}`).toBe(0);
  const nm = join(dir, 'node_modules');
  link(join(repo, 'node_modules/@types/node'), join(nm, '@types/node'));
  link(join(repo, 'node_modules/undici-types'), join(nm, 'undici-types'));
  link(join(repo, 'node_modules/webgpu'), join(nm, 'webgpu'));
  if (withFastCheck) link(join(repo, 'node_modules/fast-check'), join(nm, 'fast-check'));
  return dir;
}

function writeTsconfig(dir: string, file: string, options: object, files: string[]): void {
  writeFileSync(join(dir, file), JSON.stringify({ compilerOptions: { ...STRICT, ...options }, files }));
}

/** TypeScript 7's tsc, installed once into node_modules/.cache; null (and why) when the registry is unreachable. */
async function ts7(): Promise<{ tsc: string | null; reason: string }> {
  const dir = join(repo, 'node_modules/.cache/linagrad-ts7');
  const tsc = join(dir, 'node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private": true}');
    const r = await run(
      npm,
      [
        'install',
        `typescript@${TS7_RANGE}`,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
      ],
      dir,
    );
    if (r.code !== 0)
      return { tsc: null, reason: `npm could not install typescript@${TS7_RANGE}: ${r.out.slice(-400)}` };
  }
  return { tsc, reason: '' };
}

const examples = docExamples();
const programFiles = [...examples.map((e) => e.name), 'api-types.ts'];
let strict: Promise<string> | null = null;

/** The consumer with fast-check, the examples and the API-types file written into it (made once). */
function strictConsumer(): Promise<string> {
  strict ??= consumer('strict-consumer', true).then((dir) => {
    for (const ex of examples) writeFileSync(join(dir, ex.name), ex.code);
    writeFileSync(join(dir, 'api-types.ts'), API_TYPES);
    return dir;
  });
  return strict;
}

let emitted: Promise<string> | null = null;

/** The examples compiled to JavaScript (TypeScript 5.9, the Node set-up) in the strict consumer. */
function emitExamples(): Promise<string> {
  emitted ??= strictConsumer().then(async (dir) => {
    const names = examples.map((e) => e.name);
    writeTsconfig(
      dir,
      'tsconfig.emit.json',
      { ...SETUPS['Node, no DOM'], noEmit: false, outDir: 'out' },
      names,
    );
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.emit.json'], dir);
    expect(r.code, r.out).toBe(0);
    return dir;
  });
  return emitted;
}

/** Runs each example with node, two at a time; fails with the output of those that exit nonzero. */
async function runExamples(list: DocExample[]): Promise<void> {
  const dir = await emitExamples();
  const failures: string[] = [];
  const queue = [...list];
  const worker = async () => {
    for (let ex = queue.shift(); ex; ex = queue.shift()) {
      const r = await run(process.execPath, [join('out', ex.name.replace(/\.ts$/, '.js'))], dir, 120_000);
      if (r.code !== 0) failures.push(`${ex.where} exited with ${r.code}:\n${r.out.slice(-2000)}`);
    }
  };
  await Promise.all([worker(), worker()]);
  expect(failures.join('\n\n')).toBe('');
}

describe('the packed package', () => {
  it('the docs have complete programs to check', () => {
    expect(examples.length).toBeGreaterThan(20);
    for (const ex of examples) expect(ex.code, ex.where).toMatch(/^import /m);
  });

  it('npm pack --dry-run ships the build, the docs the README points to, and nothing else', async () => {
    expect(packError, 'npm pack failed').toBe('');
    const r = await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], repo);
    expect(r.code, r.out).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/gradcheck/index.js',
      'dist/gradcheck/index.d.ts',
      ...docFiles(),
    ]) {
      expect(files, f).toContain(f);
    }
    const stray = files.filter(
      (f) => !/^(dist\/(src|gradcheck)\/|docs\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(f),
    );
    expect(stray).toEqual([]);
    // Every relative link of the shipped markdown resolves to a shipped file inside the package.
    for (const md of docFiles()) {
      for (const target of relativeLinks(readFileSync(md, 'utf8'))) {
        const path = join(dirname(md), target).replace(/\\/g, '/');
        expect(path.startsWith('..'), `${md} links outside the package: ${target}`).toBe(false);
        expect(files, `${md} links to ${target}, which is not in the package`).toContain(path);
      }
    }
  });

  it('every built module of dist/src and dist/gradcheck loads first, alone, in a fresh node process', async () => {
    expect(packError, 'npm pack failed').toBe('');
    const files = [...jsFiles(join(repo, 'dist/src')), ...jsFiles(join(repo, 'dist/gradcheck'))];
    expect(files.length).toBeGreaterThan(60);
    expect(await loadEachAlone(files, repo)).toEqual([]);
  });

  /** Type-checks the examples and the API types with one compiler in every set-up. */
  async function typecheck(label: string, tsc: string, versionPattern: RegExp): Promise<void> {
    const dir = await strictConsumer();
    const version = (await run(process.execPath, [tsc, '--version'], dir)).out.trim();
    expect(version, label).toMatch(versionPattern);
    // The set-ups run side by side (the checks are independent; CI has two cores).
    const failures = await Promise.all(
      Object.entries(SETUPS).map(async ([setup, options]) => {
        const config = `tsconfig.${label.replace(/\W+/g, '')}.${setup.replace(/\W+/g, '-')}.json`;
        writeTsconfig(dir, config, options, programFiles);
        const r = await run(process.execPath, [tsc, '-p', config], dir);
        return r.code === 0 ? '' : `${version}, ${setup}:\n${r.out}`;
      }),
    );
    expect(failures.filter(Boolean).join('\n\n')).toBe('');
  }

  it(
    'the README and docs examples type-check with TypeScript 5.9, with and without DOM',
    skippable(() =>
      typecheck('TypeScript 5.9', join(repo, 'node_modules/typescript/bin/tsc'), /^Version 5\.9\./),
    ),
    300_000,
  );

  it('the README and docs examples type-check with TypeScript 7, with and without DOM', async (ctx) => {
    const seven = await ts7();
    if (!seven.tsc) {
      ctx.skip(`reason: TypeScript 7 is not installed and the npm registry did not answer (${seven.reason})`);
      return;
    }
    await skippable(() => typecheck('TypeScript 7', seven.tsc!, /^Version 7\./))(ctx);
  }, 300_000);

  it(
    'the README and docs examples run against the installed package (cpu)',
    skippable(() => runExamples(examples.filter((e) => !e.needsWebGPU))),
    300_000,
  );

  it(
    'without fast-check installed: the declarations type-check, gradcheck runs, the arbitraries name the package',
    skippable(async () => {
      const dir = await consumer('no-fast-check', false);
      expect(existsSync(join(dir, 'node_modules/fast-check'))).toBe(false);
      writeFileSync(join(dir, 'main.ts'), NO_FAST_CHECK);
      writeTsconfig(dir, 'tsconfig.json', { ...SETUPS['Node, no DOM'], noEmit: false, outDir: 'out' }, [
        'main.ts',
      ]);
      const tsc = await run(
        process.execPath,
        [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
        dir,
      );
      expect(tsc.code, tsc.out).toBe(0);
      const r = await run(process.execPath, ['out/main.js'], dir);
      expect(r.code, r.out).toBe(0);
      const result = JSON.parse(r.out.trim().split('\n').at(-1)!) as { checks: boolean[]; message: string };
      expect(result.checks).toEqual([true, true]);
      expect(result.message).toMatch(/needs fast-check.*npm install --save-dev fast-check/);
    }),
    300_000,
  );
});

describeWebGPU('the packed package on webgpu', () => {
  it(
    'the README and docs examples that use WebGPU run against the installed package',
    skippable(async () => {
      const list = examples.filter((e) => e.needsWebGPU);
      expect(list.length).toBeGreaterThan(0);
      await runExamples(list);
    }),
    300_000,
  );
});
