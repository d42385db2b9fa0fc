/**
 * The code examples of the README and docs/: every ```ts block is a complete program (imports
 * included) that a user can paste into a project that installed linagrad. Blocks of other
 * languages (```text for output, ```sh for commands) are not programs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DocExample {
  /** A file name for the block: `README_L25.ts`, `docs_api_L72.ts`. */
  name: string;
  /** Where it is, for messages: `README.md:25`. */
  where: string;
  code: string;
  /** It calls initWebGPU, so it needs a WebGPU adapter to run. */
  needsWebGPU: boolean;
}

/** The markdown files that ship: README.md and docs/*.md. */
export function docFiles(root = '.'): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

export function docExamples(root = '.'): DocExample[] {
  const out: DocExample[] = [];
  for (const file of docFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
      const line = text.slice(0, m.index).split('\n').length;
      const code = m[1]!;
      out.push({
        name: `${file.replace(/\.md$/, '').replace(/[/.]/g, '_')}_L${line}.ts`,
        where: `${file}:${line}`,
        code,
        needsWebGPU: code.includes('initWebGPU('),
      });
    }
  }
  return out;
}

/** Relative link targets of a markdown file (no URLs, no in-page anchors), without their anchors. */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const m of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    links.push(target.split('#')[0]!);
  }
  return links;
}
