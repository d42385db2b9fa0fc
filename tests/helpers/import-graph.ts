/**
 * The import graph of the sources. Its value edges are the imports the emitted JavaScript runs
 * while a module loads: `import type`, `export type`, imports whose every specifier is `type` and
 * `typeof import(…)` are erased by TypeScript, and a dynamic `import()` runs later. Used by
 * tests/modules.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Every .ts file under `dir` (relative paths with forward slashes), sorted. */
export function tsFiles(dir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : [],
    );
  return walk(dir)
    .map((f) => f.split('\\').join('/'))
    .sort();
}

export interface ImportRef {
  /** The specifier as written. */
  specifier: string;
  /**
   * 'value': a static import or re-export the JavaScript keeps (it runs when the module loads);
   * 'type': erased (`import type`, `export type`, every specifier `type`, `typeof import(…)`);
   * 'dynamic': an `import(…)` call, which runs later.
   */
  kind: 'value' | 'type' | 'dynamic';
}

function allTypeOnly(elements: readonly { isTypeOnly: boolean }[]): boolean {
  return elements.length > 0 && elements.every((e) => e.isTypeOnly);
}

const parsed = new Map<string, ImportRef[]>();

/** The imports and re-exports of one file, static and dynamic, with string-literal specifiers. */
export function importsOf(file: string): ImportRef[] {
  let refs = parsed.get(file);
  if (refs === undefined) {
    refs = parseImports(file);
    parsed.set(file, refs);
  }
  return refs;
}

function parseImports(file: string): ImportRef[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const refs: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name && named !== undefined && ts.isNamedImports(named) && allTypeOnly(named.elements)));
      refs.push({ specifier: node.moduleSpecifier.text, kind: typeOnly ? 'type' : 'value' });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const clause = node.exportClause;
      const typeOnly =
        node.isTypeOnly ||
        (clause !== undefined && ts.isNamedExports(clause) && allTypeOnly(clause.elements));
      refs.push({ specifier: node.moduleSpecifier.text, kind: typeOnly ? 'type' : 'value' });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      refs.push({ specifier: node.argument.literal.text, kind: 'type' });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      refs.push({ specifier: node.arguments[0].text, kind: 'dynamic' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

/** A relative specifier resolved to the .ts file it names (NodeNext writes './x.js' for './x.ts'). */
export function resolveRelative(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const abs = resolve(dirname(from), specifier).replace(/\.js$/, '.ts');
  return relative('.', abs).split('\\').join('/');
}

/**
 * file → the files it imports (relative specifiers only): with `valuesOnly`, the static value
 * imports (the edges that run at load time), else every import of any kind.
 */
export function importGraph(files: string[], valuesOnly: boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const targets = importsOf(f)
      .filter((r) => !valuesOnly || r.kind === 'value')
      .map((r) => resolveRelative(f, r.specifier))
      .filter((t): t is string => t !== null);
    graph.set(f, [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components of the graph (Tarjan's algorithm, iterative), each sorted. */
export function stronglyConnected(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { v: string; i: number }[] = [{ v: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.v) ?? [];
      if (top.i < edges.length) {
        const w = edges[top.i++]!;
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === index.get(top.v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== top.v);
        out.push(component.sort());
      }
    }
  }
  return out;
}

/** One cycle through the files of a component, as 'a → b → … → a' (a shortest path back to the first). */
export function cycleThrough(graph: Map<string, string[]>, component: string[]): string {
  const members = new Set(component);
  const start = component[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.push(u);
        path.push(start);
        return [start, ...path.slice(1, -1).reverse(), start].join(' → ');
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}
