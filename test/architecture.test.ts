// The import rules of SPEC §8: the engine never reaches into the CLI, only the emulate command reaches into
// the emulators, the pipeline's folders do not import each other in a circle, and no module graph has a cycle.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Every src module (path relative to src, without extension) and the src modules it imports, type-only included. */
function moduleGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) =>
      path.relative(SRC, path.resolve(path.dirname(file), m[1]!)).replace(/\.js$/, ''),
    );
    graph.set(path.relative(SRC, file).replace(/\.ts$/, ''), [...new Set(targets)]);
  }
  return graph;
}

const graph = moduleGraph();
const folder = (module: string): string => module.split('/')[0]!;
const under = (module: string, dir: string): boolean => module.startsWith(`${dir}/`);

function importsInto(dir: string, allowed: (from: string) => boolean): string[] {
  return [...graph]
    .filter(([from]) => !under(from, dir) && !allowed(from))
    .flatMap(([from, tos]) => tos.filter((to) => under(to, dir)).map((to) => `${from} -> ${to}`));
}

/** The first cycle found by depth-first search over `edges`, as the path that closes it, or undefined. */
function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...edges.keys()].sort()) {
    if (state.get(node) === undefined) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

describe('import rules', () => {
  it('nothing outside src/cli imports src/cli', () => {
    expect(importsInto('cli', () => false)).toEqual([]);
  });

  it('nothing but the emulate command imports src/emulate', () => {
    expect(importsInto('emulate', (from) => from === 'cli/commands/emulate')).toEqual([]);
  });

  it('the top-level folders of src import each other without a circle', () => {
    const folders = new Map<string, string[]>();
    for (const [from, tos] of graph) {
      const edges = tos.map(folder).filter((to) => to !== folder(from));
      folders.set(folder(from), [...new Set([...(folders.get(folder(from)) ?? []), ...edges])]);
    }
    expect(findCycle(folders)).toBeUndefined();
  });

  it('no module imports itself through others (the formatter registries included)', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it('the search finds a cycle when there is one', () => {
    const edges = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(findCycle(edges)).toEqual(['a', 'b', 'c', 'a']);
  });
});
