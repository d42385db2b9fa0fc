/**
 * linagrad in a browser: the package's ESM output, compiled fresh from src/, loaded by headless
 * Chromium from a loopback server, finds its device through navigator.gpu (SwiftShader, the
 * software adapter scripts/setup-webgpu.sh installs with Debian's chromium) and runs an op, its
 * backward, a spectral kernel and a deferred LinAlgError there; the results are compared with
 * the CPU float64 ones computed here in Node.
 *
 * Without /usr/bin/chromium (or LINAGRAD_CHROMIUM) the suite is skipped with the reason, unless
 * LINAGRAD_REQUIRE_WEBGPU=1 (CI), which makes that a failure.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreementTolerance, allClose } from '../gradcheck/index.js';
import { linalg, tensor } from '../src/index.js';
import { requireWebGPU } from './helpers/webgpu.js';

const CHROMIUM = process.env.LINAGRAD_CHROMIUM ?? '/usr/bin/chromium';
/** Chromium's WebGPU on SwiftShader (docs/design.md, WebGPU without a GPU), without the background traffic this closed network refuses. */
const ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

const missing = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (run sudo scripts/setup-webgpu.sh)`;

/** What the page computes on navigator.gpu. */
interface PageResult {
  backend: string;
  adapter: string;
  inv: number[];
  grad: number[];
  svdvals: number[];
  error: string | null;
}

/**
 * The page's module script (plain JavaScript: vitest rewrites `import()` in test code): imports the
 * compiled package from the server, computes on WebGPU and leaves a PageResult in window.result.
 */
const PAGE_SCRIPT = `
import * as lg from '/src/index.js';
window.result = (async () => {
  const info = await lg.initWebGPU();
  const opts = { device: 'webgpu', dtype: 'float32' };
  const A = lg.tensor([[4, 1], [1, 3]], { ...opts, requiresGrad: true });
  const X = lg.linalg.inv(A);
  X.sum().backward();
  const svdvals = lg.linalg.svdvals(lg.tensor([[3, 1, 0], [0, 4, 2]], opts));
  let error = null;
  try {
    await lg.linalg.inv(lg.tensor([[1, 2], [2, 4]], opts)).data();
  } catch (e) {
    error = e.name + ': ' + e.message;
  }
  return {
    backend: info.backend,
    adapter: info.adapter,
    inv: Array.from(await X.data()),
    grad: Array.from(await A.grad.data()),
    svdvals: Array.from(await svdvals.data()),
    error,
  };
})();
`;

const MIME: Record<string, string> = { '.js': 'text/javascript', '.map': 'application/json' };

/** Serves `root` on 127.0.0.1 (an ephemeral port), with the page running PAGE_SCRIPT at /. */
async function serve(root: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path === '/') {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>linagrad</title><script type="module">${PAGE_SCRIPT}</script>`);
      return;
    }
    try {
      const body = await readFile(join(root, path));
      res.setHeader('content-type', MIME[extname(path)] ?? 'application/octet-stream');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

const skip = missing !== null && !requireWebGPU;
const suite = skip ? describe.skip : describe;

suite(`linagrad in headless Chromium on navigator.gpu${skip ? ` [skipped, reason: ${missing}]` : ''}`, () => {
  let out: string;
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    if (missing) throw new Error(`LINAGRAD_REQUIRE_WEBGPU=1 but ${missing}`);
    out = await mkdtemp(join(tmpdir(), 'linagrad-browser-'));
    const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
    await promisify(execFile)(process.execPath, [
      tsc,
      ...['-p', 'tsconfig.build.json', '--outDir', out, '--declaration', 'false', '--sourceMap', 'false'],
    ]);
    server = await serve(out);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('inv and its gradient, svdvals and a LinAlgError raised on read agree with the cpu', async () => {
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const r = await (page.evaluate('window.result') as Promise<PageResult>).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\npage log:\n${logs.join('\n')}`);
    });
    expect(r.backend).toBe('navigator.gpu');
    expect(r.adapter).toMatch(/swiftshader/i);

    const A = tensor(
      [
        [4, 1],
        [1, 3],
      ],
      { requiresGrad: true },
    );
    const X = linalg.inv(A);
    X.sum().backward();
    // κ₂(A) = (7 + √5)/(7 − √5); the gradient −Xᵀ11ᵀXᵀ chains two products (factor 2).
    const cond = (7 + Math.sqrt(5)) / (7 - Math.sqrt(5));
    const tol = agreementTolerance({ cond, n: 2, factor: 2, scale: 1 });
    expect(allClose(r.inv, X.dataSync(), tol)).toBe(true);
    expect(allClose(r.grad, A.grad!.dataSync(), tol)).toBe(true);
    const S = linalg.svdvals(
      tensor([
        [3, 1, 0],
        [0, 4, 2],
      ]),
    );
    expect(allClose(r.svdvals, S.dataSync(), agreementTolerance({ cond: 1, n: 3, scale: 5 }))).toBe(true);
    expect(r.error).toBe(
      'LinAlgError: linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because ' +
        'the input matrix is singular.',
    );
  });
});
