import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One relative import of a project file: who imports, what, and on which line (of the `from`). */
export interface Import {
  from: string;
  to: string;
  line: number;
}

/**
 * The project's own imports, read from the sources: every relative `import … from`, `export … from`
 * and `import()` of a TypeScript file, type-only imports included (a cycle of types still ties two
 * modules' designs together). Paths are relative to root, with the .ts the .js names.
 */
export function projectImports(root: string, folders: string[]): Import[] {
  const imports: Import[] = [];
  for (const file of folders.flatMap((folder) => sourcesUnder(join(root, folder)))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      const target = resolve(dirname(file), match[1]!).replace(/\.js$/, '.ts');
      const line = text.slice(0, match.index).split('\n').length;
      imports.push({ from: relative(root, file), to: relative(root, target), line });
    }
  }
  return imports;
}

/** The same imports as a graph: each file and the files it imports, every file a key even when it imports nothing. */
export function importGraph(root: string, folders: string[]): Map<string, string[]> {
  const graph = new Map<string, Set<string>>();
  for (const file of folders.flatMap((folder) => sourcesUnder(join(root, folder)))) graph.set(relative(root, file), new Set());
  for (const { from, to } of projectImports(root, folders)) graph.get(from)!.add(to);
  return new Map([...graph].map(([file, targets]) => [file, [...targets].sort()]));
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each cycle once, as the modules around it (Tarjan's strongly connected components, then one loop in each). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component);
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return components.map((component) => loopWithin(graph, new Set(component)));
}

/** One loop through a strongly connected component: follow edges inside it from its first member until one repeats. */
function loopWithin(graph: Map<string, string[]>, members: Set<string>): string[] {
  const start = [...members].sort()[0]!;
  // Breadth-first from start back to start, inside the component, for the shortest loop to show.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const loop = [node];
        while (loop[0] !== start) loop.unshift(previous.get(loop[0]!)!);
        return [...loop, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
