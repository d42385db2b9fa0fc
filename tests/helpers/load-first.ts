/**
 * Loads each given TypeScript module as the first module of its own fresh ES module graph, with
 * Node's real module semantics (so a cycle through a top-level read throws its TDZ
 * ReferenceError, which vitest's module runner does not reproduce), and prints a JSON array of
 * 'file: error' lines, empty when all loaded. One process for all the modules: each graph is built
 * from node:vm SourceTextModules, the sources transpiled once by TypeScript (imports used only as
 * types are erased as tsc erases them); bare imports are shared. Run by tests/modules.test.ts as
 *   node --experimental-vm-modules --import tsx tests/helpers/load-first.ts <file.ts>…
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';

const compiled = new Map<string, string>();

function javascript(file: string): string {
  let js = compiled.get(file);
  if (js === undefined) {
    js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    compiled.set(file, js);
  }
  return js;
}

const external = new Map<string, Promise<vm.Module>>();

/** A package or node: builtin, imported once for real and wrapped for the vm graphs. */
function externalModule(specifier: string): Promise<vm.Module> {
  let m = external.get(specifier);
  if (m === undefined) {
    m = import(specifier).then((ns: Record<string, unknown>) => {
      const names = Object.keys(ns);
      const synthetic = new vm.SyntheticModule(names, () => {
        for (const n of names) synthetic.setExport(n, ns[n]);
      });
      return synthetic;
    });
    external.set(specifier, m);
  }
  return m;
}

async function loadAlone(entry: string): Promise<void> {
  const graph = new Map<string, vm.SourceTextModule>();
  const moduleOf = (file: string): vm.SourceTextModule => {
    let m = graph.get(file);
    if (m === undefined) {
      m = new vm.SourceTextModule(javascript(file), {
        identifier: file,
        initializeImportMeta: (meta) => {
          meta.url = pathToFileURL(file).href;
        },
      });
      graph.set(file, m);
    }
    return m;
  };
  const link = (specifier: string, from: vm.Module): vm.Module | Promise<vm.Module> =>
    specifier.startsWith('.')
      ? moduleOf(resolve(dirname(from.identifier), specifier).replace(/\.js$/, '.ts'))
      : externalModule(specifier);
  const root = moduleOf(resolve(entry));
  await root.link(link);
  await root.evaluate();
}

const failures: string[] = [];
for (const file of process.argv.slice(2)) {
  try {
    await loadAlone(file);
  } catch (e) {
    failures.push(`${file}: ${String(e)}`);
  }
}
process.stdout.write(JSON.stringify(failures));
