import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: one text for one value. */
export function canonicalJson(value: unknown, indent = 0): string {
  return JSON.stringify(sortKeys(value), null, indent);
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

/** Canonical JSON of a value with provenance (`sources`) left out: what a digest covers. */
export function strippedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 'sources'));
}

/** "sha256:<hex>" of a value's canonical JSON, with provenance (`sources`) left out: moving a line is not a policy change. */
export function digestOf(value: unknown): string {
  return 'sha256:' + createHash('sha256').update(strippedJson(value)).digest('hex');
}

/** "sha256:<hex>" of any value's canonical JSON. */
export function fingerprint(value: unknown): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(value)).digest('hex');
}
