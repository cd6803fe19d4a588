// The domain folders form layers (docs/architecture.md): a folder never imports, directly or
// through others, a folder that imports it. Read from the source, so a new import that closes a
// loop fails here rather than in a reviewer's head.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DOMAIN = resolve(import.meta.dirname, '../../src/domain');

/** Loops that existed before this test and are being untangled elsewhere; none may be added. */
const KNOWN_LOOPS = [
  ['auth', 'blobs'],
  ['resources', 'trash'],
];

/** The folder of a file under src/domain ('.' for the files at its top). */
function folderOf(file: string): string {
  const parts = relative(DOMAIN, file).split('/');
  return parts.length > 1 ? (parts[0] as string) : '.';
}

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const files = readdirSync(DOMAIN, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  for (const file of files) {
    const path = join(DOMAIN, file);
    const from = folderOf(path);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const match of readFileSync(path, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = resolve(dirname(path), match[1] as string);
      if (!target.startsWith(`${DOMAIN}/`)) continue;
      const to = folderOf(target);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Strongly connected components of more than one folder, each sorted (Tarjan). */
function loops(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      component.push(member);
    } while (member !== node);
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('domain folders', () => {
  it('documents do not import version history (a compaction hook wired in services.ts instead)', () => {
    const graph = folderGraph();
    expect(graph.get('history')).toContain('documents');
    expect(graph.get('documents')).not.toContain('history');
  });

  it('add no import loop to the ones being untangled', () => {
    const known = new Set(KNOWN_LOOPS.map((loop) => loop.join(' ⇄ ')));
    const added = loops(folderGraph())
      .map((loop) => loop.join(' ⇄ '))
      .filter((loop) => !known.has(loop));
    expect(added).toEqual([]);
  });
});
