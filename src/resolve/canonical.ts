import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: one text for one value. */
export function canonicalJson(value: unknown, indent = 0): string {
  return indent === 0 ? sortedJson(value) : JSON.stringify(sortKeys(value), null, indent);
}

/** Whether two values have the same canonical JSON; primitives (most compared values) are compared directly. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return canonicalJson(a) === canonicalJson(b);
}

/** The value with object keys sorted at every level, undefined members and keys named `omit` left out. */
function sortKeys(value: unknown, omit?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, omit));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (key === omit) continue;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v, omit);
    }
    return out;
  }
  return value;
}

/**
 * `JSON.stringify(sortKeys(value, omit))` in one pass, without building the sorted copy: compile writes every
 * customer's effective policy this way, and the copy was a fifth of its time. Plain JSON values only (what
 * resolution builds): no toJSON, Maps or cycles.
 */
function sortedJson(value: unknown, omit?: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value); // undefined at the top, as JSON.stringify gives it
  if (Array.isArray(value)) {
    // a list of numbers, strings, booleans and nulls (most of provenance) needs no sorting: the native writer
    if (value.every(isPrimitive)) return JSON.stringify(value);
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + (value[i] === undefined || typeof value[i] === 'function' ? 'null' : sortedJson(value[i], omit));
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const key of canonicalKeys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (key === omit || v === undefined || typeof v === 'function') continue;
    out += (first ? '' : ',') + quoted(key) + ':' + sortedJson(v, omit);
    first = false;
  }
  return out + '}';
}

/** Not an object, array or function: JSON.stringify writes it in an array as sortedJson would (undefined as null). */
function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/** An object's keys in the order its canonical JSON lists them. */
export function canonicalKeys(value: object): string[] {
  const keys = Object.keys(value);
  // resolution builds most objects with their keys in order already
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  return jsKeyOrder(keys);
}

/** Keys as JSON strings, remembered: a fleet's objects share a few hundred keys. */
const QUOTED = new Map<string, string>();
const QUOTED_MAX = 10_000;

function quoted(key: string): string {
  let text = QUOTED.get(key);
  if (text === undefined) {
    text = JSON.stringify(key);
    if (QUOTED.size < QUOTED_MAX) QUOTED.set(key, text);
  }
  return text;
}

/** Canonical JSON of an object whose members are JSON texts already (undefined: left out, as canonicalJson does). */
export function objectJson(members: Record<string, string | undefined>): string {
  let out = '{';
  for (const key of canonicalKeys(members)) {
    const text = members[key];
    if (text !== undefined) out += (out.length > 1 ? ',' : '') + quoted(key) + ':' + text;
  }
  return out + '}';
}

/**
 * Sorted keys in the order an object built from them lists them, as the sorted copy did: integer keys (array
 * indices) first, ascending by value, then the rest as sorted.
 */
function jsKeyOrder(sorted: string[]): string[] {
  if (!sorted.some(isIndexKey)) return sorted;
  return [...sorted.filter(isIndexKey).sort((a, b) => Number(a) - Number(b)), ...sorted.filter((k) => !isIndexKey(k))];
}

function isIndexKey(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

/** Canonical JSON of a value with provenance (`sources`) left out: what a digest covers. */
export function strippedJson(value: unknown): string {
  return sortedJson(value, 'sources');
}

/** "sha256:<hex>" of a value's canonical JSON, with provenance (`sources`) left out: moving a line is not a policy change. */
export function digestOf(value: unknown): string {
  return 'sha256:' + createHash('sha256').update(strippedJson(value)).digest('hex');
}

/** "sha256:<hex>" of any value's canonical JSON. */
export function fingerprint(value: unknown): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(value)).digest('hex');
}
