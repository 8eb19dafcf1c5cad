/**
 * `npm test` fails on an import cycle anywhere in the repository's TypeScript, type-only imports
 * included: modules depend one way (link -> payload -> manifest -> files -> resources -> matches
 * -> review -> transaction), so a cycle is a layering mistake. Uses TypeScript's own module
 * resolution with the project's tsconfig; prints each cycle found and exits 1.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const configFile = ts.readConfigFile(resolve(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file && !file.endsWith('.d.ts'))
  .map((file) => resolve(root, file));
const known = new Set(files);

/** Each file's imports of other files of the repository. */
const graph = new Map<string, string[]>();
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(ts.sys.readFile(file) ?? '', true, true);
  const targets = importedFiles
    .map(({ fileName }) => ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule?.resolvedFileName)
    .filter((target): target is string => target !== undefined && known.has(target));
  graph.set(file, targets);
}

// Tarjan's strongly connected components: every component of more than one file is a cycle.
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];
let counter = 0;

function visit(file: string): void {
  index.set(file, counter);
  low.set(file, counter);
  counter++;
  stack.push(file);
  onStack.add(file);
  for (const target of graph.get(file) ?? []) {
    if (!index.has(target)) {
      visit(target);
      low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
    } else if (onStack.has(target)) {
      low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
    }
  }
  if (low.get(file) === index.get(file)) {
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member !== undefined) {
        onStack.delete(member);
        component.push(member);
      }
    } while (member !== undefined && member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) {
      cycles.push(component.map((f) => f.slice(root.length + 1)).sort());
    }
  }
}

for (const file of files) {
  if (!index.has(file)) {
    visit(file);
  }
}

if (cycles.length > 0) {
  console.error(`Import cycles (${cycles.length}):`);
  for (const cycle of cycles) {
    console.error(`- ${cycle.join(' <-> ')}`);
  }
  process.exit(1);
}
console.log(`No import cycles among ${files.length} files.`);
