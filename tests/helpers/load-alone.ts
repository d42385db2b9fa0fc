/**
 * Loads each JavaScript module as the first and only entry of a fresh node process (`node file.js`),
 * a few processes at a time; resolves with one line per module that failed to load (its error),
 * empty when all loaded. Used by tests/package-tarball.test.ts on the freshly built dist/.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Every .js file under `dir`, sorted. */
export function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(dir, f))
    .sort();
}

export async function loadEachAlone(
  files: readonly string[],
  cwd: string,
  parallel = Math.max(2, availableParallelism()),
): Promise<string[]> {
  const failures: string[] = [];
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      try {
        await promisify(execFile)(process.execPath, [f], { cwd, timeout: 60_000 });
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        const why = (err.stderr ?? err.message).split('\n').find((l) => /Error/.test(l)) ?? err.message;
        failures.push(`${f}: ${why.trim()}`);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return failures.sort();
}
