import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import type { PolicySet } from '../model/policy-set.js';
import { keyedByIds, keysAt, KINDS, valuesAt } from './schema-paths.js';

/** Where the cursor is, read from the text around it (the document may not parse while it is typed). */
type Context = { at: 'key'; kind?: string; path: string[] } | { at: 'value'; kind?: string; path: string[] };

const KEY = '[A-Za-z0-9_.:-]';

/** The completion context at a 0-based line and character: a key or a value, its path, and the document's kind. */
export function contextAt(text: string, line: number, character: number): Context | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  const before = (lines[line] ?? '').slice(0, character);
  let start = line;
  while (start > 0 && !/^---/.test(lines[start - 1]!)) start--;
  let kind: string | undefined;
  for (let l = start; l < lines.length && (l === start || !/^---/.test(lines[l]!)); l++) {
    const m = /^kind:\s*["']?([A-Za-z]+)/.exec(lines[l]!);
    if (m) {
      kind = m[1];
      break;
    }
  }
  const keyOrItem = new RegExp(`^( *)((?:- +)*)(${KEY}*)$`).exec(before);
  if (keyOrItem) {
    const column = keyOrItem[1]!.length + keyOrItem[2]!.length;
    const path = parentsAt(lines, start, line, column);
    // "- |" under a list of ids (extends) is a value; under a list of mappings, a key of the item
    if (keyOrItem[2] && path.length > 0 && !keyedList(kind, path)) return { at: 'value', kind, path: [...path, '[]'] };
    return { at: 'key', kind, path: keyOrItem[2] ? [...path, '[]'] : path };
  }
  const value = new RegExp(`^( *)((?:- +)*)(${KEY}+):[ \\t]*(\\[[^\\]]*)?[^\\s\\[\\]{}]*$`).exec(before);
  if (value) {
    const column = value[1]!.length + value[2]!.length;
    const path = [...parentsAt(lines, start, line, column), ...(value[2] ? ['[]'] : []), value[3]!];
    return { at: 'value', kind, path: value[4] !== undefined ? [...path, '[]'] : path };
  }
  return undefined;
}

/** Whether the list at `path` holds mappings (usageAlerts) rather than ids (extends). */
function keyedList(kind: string | undefined, path: string[]): boolean {
  return kind !== undefined && keysAt(kind, [...path, '[]']).length > 0;
}

/** The keys (and "[]" for list items) of the blocks that enclose `column` on `line`, outermost first. */
function parentsAt(lines: string[], start: number, line: number, column: number): string[] {
  const path: string[] = [];
  let limit = column;
  for (let l = line - 1; l >= start && limit > 0; l--) {
    const m = new RegExp(`^( *)((?:- +)*)(?:(${KEY}+|"[^"]*"|'[^']*'):(?:\\s|$))?`).exec(lines[l]!);
    const text = lines[l]!.trim();
    if (!m || text === '' || text.startsWith('#')) continue;
    const lead = m[1]!.length;
    const keyColumn = lead + m[2]!.length;
    if (m[3] !== undefined && keyColumn < limit) {
      path.push(m[3].replace(/^["']|["']$/g, ''));
      limit = keyColumn;
    }
    if (m[2] && lead < limit) {
      path.push('[]');
      limit = lead;
    }
  }
  return path.reverse();
}

/** The ids a value at the end of `path` refers to: plans for `plan`, profiles for `extends`, customers for `customer`, guardrails for a waiver's `guardrail`. */
function referencedIds(sets: readonly PolicySet[], kind: string | undefined, path: string[]): Iterable<string> | undefined {
  const key = path[path.length - 1] === '[]' ? path[path.length - 2] : path[path.length - 1];
  if (path.length <= 2 && key === 'plan' && kind === 'Customer') return idsIn(sets, (set) => set.plans);
  if (path.length <= 2 && key === 'customer' && kind === 'Entity') return idsIn(sets, (set) => set.customers);
  if (path.length <= 2 && key === 'guardrail' && kind === 'Waiver') return idsIn(sets, (set) => set.guardrails);
  if (path.length === 2 && key === 'extends' && (kind === 'Customer' || kind === 'Profile')) return idsIn(sets, (set) => set.profiles);
  return undefined;
}

/** The ids of one kind of definition in any of the sets. */
function idsIn(sets: readonly PolicySet[], table: (set: PolicySet) => ReadonlyMap<string, unknown>): Set<string> {
  return new Set(sets.flatMap((set) => [...table(set).keys()]));
}

/** Completion items at a position: keys and enum values from the schema, ids from the policies (those of any of `sets`). */
export function completionsAt(sets: readonly PolicySet[], text: string, line: number, character: number): CompletionItem[] {
  const ctx = contextAt(text, line, character);
  if (!ctx) return [];
  const ids = (values: Iterable<string>, kind: CompletionItemKind, detail: string): CompletionItem[] => [...values].sort().map((label) => ({ label, kind, detail }));
  if (ctx.at === 'key') {
    if (ctx.kind === undefined) return ctx.path.length === 0 ? [{ label: 'kind', kind: CompletionItemKind.Property }] : [];
    const last = ctx.path[ctx.path.length - 1];
    if (keyedByIds(ctx.kind, ctx.path)) {
      // feature ids under controls and a plan's features; entity ids are new names, nothing to offer
      return last === 'controls' || (last === 'features' && ctx.kind === 'Plan') ? ids(idsIn(sets, (set) => set.features), CompletionItemKind.Reference, 'feature') : [];
    }
    return keysAt(ctx.kind, ctx.path).map(({ key, description }) => ({ label: key, kind: CompletionItemKind.Property, ...(description ? { documentation: description } : {}) }));
  }
  if (ctx.path.length === 1 && ctx.path[0] === 'kind') return KINDS.map((label) => ({ label, kind: CompletionItemKind.EnumMember }));
  if (ctx.kind === undefined) return [];
  const refs = referencedIds(sets, ctx.kind, ctx.path);
  if (refs) {
    const what = ctx.path.includes('plan') ? 'plan' : ctx.path.includes('customer') ? 'customer' : 'profile';
    return ids(refs, CompletionItemKind.Reference, what);
  }
  return valuesAt(ctx.kind, ctx.path).map((label) => ({ label, kind: CompletionItemKind.EnumMember }));
}
