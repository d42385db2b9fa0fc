/**
 * The native peers, numpy and torch (CPU, float64, both using every core through their BLAS /
 * OpenMP), run by one `python3 bench/native.py` child process in the same bench run. Inputs go
 * to it once per case as raw float64 files; each timed call is one request, and the time is the
 * one Python measured around the library call (perf_counter), so the pipe's latency does not
 * count. A peer that python3 cannot import is reported unavailable with the reason.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CaseInput, OpName } from './cases.js';
import type { Library, Runner } from './peers.js';

type Answer = Record<string, unknown> & { error?: string };

class NativeServer {
  private proc: ChildProcessWithoutNullStreams | null = null;
  private waiting: ((a: Answer) => void)[] = [];
  private started: Promise<Record<string, { ok: boolean; note: string }>> | null = null;
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'linagrad-bench-'));
  private written = new WeakMap<CaseInput, string>();
  private stderr = '';

  start(): Promise<Record<string, { ok: boolean; note: string }>> {
    if (this.started) return this.started;
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'native.py');
    const proc = spawn(process.env.PYTHON ?? 'python3', [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stderr.on('data', (d) => {
      this.stderr = (this.stderr + String(d)).slice(-2000);
    });
    const fail = (why: string) => {
      this.proc = null;
      for (const w of this.waiting.splice(0)) w({ error: why });
    };
    proc.on('error', (e) => fail(`python3 could not start: ${e.message}`));
    proc.on('exit', (code) =>
      fail(`python3 exited (${code}): ${this.stderr.trim().split('\n').pop() ?? ''}`),
    );
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      w?.(JSON.parse(line) as Answer);
    });
    process.on('exit', () => {
      proc.kill();
      rmSync(this.dir, { recursive: true, force: true });
    });
    this.started = this.request({ cmd: 'init' }).then((a) => {
      if (a.error) throw new Error(a.error);
      return a as unknown as Record<string, { ok: boolean; note: string }>;
    });
    return this.started;
  }

  request(req: Record<string, unknown>): Promise<Answer> {
    const proc = this.proc;
    if (!proc) return Promise.resolve({ error: 'python3 is not running' });
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      proc.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  /** Writes a case's arrays once (a.f64, b.f64, theta.f64 in a folder of their own). */
  folder(input: CaseInput): string {
    const hit = this.written.get(input);
    if (hit) return hit;
    const d = mkdtempSync(path.join(this.dir, 'case-'));
    const put = (name: string, x: Float64Array | undefined) => {
      if (x) writeFileSync(path.join(d, `${name}.f64`), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    };
    put('a', input.a);
    put('b', input.b);
    put('theta', input.theta);
    this.written.set(input, d);
    return d;
  }
}

const server = new NativeServer();

async function ask(req: Record<string, unknown>): Promise<Answer> {
  const a = await server.request(req);
  if (a.error) throw new Error(a.error);
  return a;
}

/**
 * A runner whose run() is one timed call in Python; `elapsed` hands the harness the time Python
 * measured. prepare is lazy (the first run sends it) because Runner construction is synchronous.
 */
function nativeRunner(lib: string, op: OpName, input: CaseInput): Runner<never> {
  let prepared: Promise<Answer> | null = null;
  const prepare = () => {
    prepared ??= ask({
      cmd: 'prepare',
      lib,
      op,
      dir: server.folder(input),
      meta: { batch: input.batch, n: input.n, m: input.m ?? input.n },
    });
    return prepared;
  };
  let count = 0;
  const r: Runner<number> = {
    run: async () => {
      await prepare();
      const a = await ask({ cmd: 'run', lib });
      return a.ms as number;
    },
    elapsed: (ms) => ms,
    read: async () => {
      const file = path.join(server.dir, `${lib}-out-${count++}.f64`);
      await ask({ cmd: 'read', lib, path: file });
      const bytes = readFileSync(file);
      rmSync(file);
      return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8).slice();
    },
    cleanup: () => {
      void server.request({ cmd: 'cleanup', lib });
    },
  };
  return r as unknown as Runner<never>;
}

const ALL_OPS: OpName[] = [
  'inv',
  'invBackward',
  'matmul',
  'matmulC128',
  'solve',
  'cholesky',
  'det',
  'svd',
  'svdvals',
  'svdvalsBackward',
  'eigh',
  'qr',
  'pinv',
  'gp',
  'jvpInv',
  'gpHessian',
  'jacrevSolve',
];

function nativeLibrary(
  name: 'numpy' | 'torch',
  how: string,
  missing: Partial<Record<OpName, string>>,
): Library {
  const ops: Library['ops'] = {};
  for (const op of ALL_OPS) if (!missing[op]) ops[op] = (input: CaseInput) => nativeRunner(name, op, input);
  return {
    name,
    dtype: 'float64',
    native: true,
    how: Object.fromEntries(ALL_OPS.filter((op) => !missing[op]).map((op) => [op, how])),
    missing,
    async init() {
      const info = await server.start();
      const me = info[name];
      if (!me?.ok) throw new Error(`python3 cannot import ${name} (${me?.note ?? 'no answer'})`);
      return me.note;
    },
    ops,
  };
}

export const numpyLib = nativeLibrary('numpy', 'numpy.linalg (LAPACK through numpy)', {
  invBackward: 'no autograd',
  svdvalsBackward: 'no autograd',
  gp: 'no autograd',
  jvpInv: 'no autograd',
  gpHessian: 'no autograd',
  jacrevSolve: 'no autograd',
});
export const torchLib = nativeLibrary(
  'torch',
  'torch.linalg on CPU tensors (autograd for the backward cases, torch.func for jvp/hessian/jacrev)',
  {},
);

export const NATIVE: readonly Library[] = [numpyLib, torchLib];
