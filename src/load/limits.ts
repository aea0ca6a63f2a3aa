import type { CST } from 'yaml';

/*
 * What tollgate reads of one policy file, documented in the README. Each limit is checked before the costly
 * step it protects, so a pathological file is refused in moments with a located error instead of taking
 * minutes and gigabytes. They leave room for real fleets: one customer file with 50,000 entities, inline
 * under `entities:` or as `kind: Entity` documents after it, is well inside every one.
 */

/** Largest policy file read (bytes); checked before reading it. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Most YAML documents in one file. */
export const MAX_DOCUMENTS_PER_FILE = 60_000;
/** Most keys in one mapping, or items in one list. */
export const MAX_ENTRIES_PER_COLLECTION = 100_000;
/** Deepest nesting accepted; policy documents need about eight levels. */
export const MAX_DEPTH = 64;
/** Nodes an alias may expand to, in total per document: more is an alias bomb, not a policy. */
export const ALIAS_NODE_BUDGET = 10_000;
/**
 * Deepest nesting handed to yaml's composer, which recurses per level: a few thousand levels exhaust the
 * stack, sometimes inside V8's regexp compiler, which aborts the process instead of throwing.
 */
export const COMPOSE_DEPTH_LIMIT = MAX_DEPTH * 4;

/**
 * Where the first document past MAX_DOCUMENTS_PER_FILE starts, counted from the `---` markers alone, so a
 * file of countless documents is refused before any is parsed. A marker is only ever a marker at the start
 * of a line; documents that start without one (after `...`) are counted later, as they are parsed.
 */
export function documentOverLimit(text: string): number | undefined {
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  const first = marker.exec(text);
  if (!first) return undefined;
  // content before the first marker is a document of its own
  const implicit = /^[ \t]*[^\s#%]/m.test(text.slice(0, first.index));
  let documents = implicit ? 2 : 1;
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (++documents > MAX_DOCUMENTS_PER_FILE) return m.index;
  }
  return documents > MAX_DOCUMENTS_PER_FILE ? first.index : undefined;
}

/** A collection of a parsed (not yet composed) document that breaks a limit, and where. */
export type Excess = { kind: 'depth' | 'entries'; offset: number; mapping: boolean };

/**
 * The first collection of one CST token nested deeper than COMPOSE_DEPTH_LIMIT or holding more than
 * MAX_ENTRIES_PER_COLLECTION entries. Walked without recursion, through keys and values only.
 */
export function excessIn(token: CST.Token): Excess | undefined {
  const stack: Array<[CST.Token, number]> = [[token, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node.type === 'document') {
      if (node.value) stack.push([node.value, depth]);
      continue;
    }
    if (node.type !== 'block-map' && node.type !== 'block-seq' && node.type !== 'flow-collection') continue;
    const level = depth + 1;
    const mapping = node.type === 'block-map' || (node.type === 'flow-collection' && node.start.source === '{');
    if (level > COMPOSE_DEPTH_LIMIT) return { kind: 'depth', offset: node.offset, mapping };
    const items: CST.CollectionItem[] = node.items;
    if (items.length > MAX_ENTRIES_PER_COLLECTION) {
      const item = items[MAX_ENTRIES_PER_COLLECTION]!;
      const at = item.key ?? item.start.find((t) => t.type === 'seq-item-ind') ?? item.value;
      return { kind: 'entries', offset: at?.offset ?? node.offset, mapping };
    }
    for (const item of items) {
      if (item.value) stack.push([item.value, level]);
      if (item.key) stack.push([item.key, level]);
    }
  }
  return undefined;
}
