import { sortDiagnostics, type Diagnostic } from './diagnostic.js';
import type { DiagnosticCode } from './codes.js';
import { pointerSegments, toPointer } from '../util/pointer.js';

/**
 * Most diagnostics of one code listed one by one per file. Past it a person fixes a pattern (a block
 * indented wrong, a generator's bug), not each place, and 20,000 code frames help no one.
 */
export const DIAGNOSTICS_PER_CODE_AND_FILE = 50;

/** How a count of several diagnostics of a code reads ("19,950 more unknown keys"). */
const COUNTED_AS: Partial<Record<DiagnosticCode, string>> = {
  'yaml-duplicate-key': 'duplicate keys',
  'yaml-empty-document': 'empty documents',
  'unknown-key': 'unknown keys',
  'missing-key': 'missing keys',
  'invalid-type': 'values of the wrong type',
  'invalid-value': 'invalid values',
  'invalid-id': 'malformed ids',
  'invalid-money': 'invalid amounts of money',
  'duplicate-id': 'duplicate ids',
  'unknown-plan': 'references to unknown plans',
  'unknown-profile': 'references to unknown profiles',
  'unknown-feature': 'unknown features',
  'unknown-customer': 'entities of unknown customers',
  'feature-not-in-plan': 'controls of features the plan lacks',
  'entity-auto-topup': 'auto top-ups on entities',
  'duplicate-alert': 'duplicate alerts',
  'alert-threshold-range': 'alert thresholds outside 0-100',
  'ineffective-spend-limit': 'ineffective spend limits',
  'unreachable-alert': 'unreachable alerts',
};

interface Overflow {
  first: Diagnostic;
  last: Diagnostic;
  count: number;
  /** Pointer segments every left-out diagnostic lies under. */
  common: string[];
}

/**
 * Keeps the first `limit` diagnostics (in position order) of each code in each file and replaces the rest
 * with one that counts them, placed where the first left-out one was. Its `omitted` says how many it stands
 * for, so error counts, and exit codes, stay those of the full list.
 */
export function capDiagnostics(diagnostics: readonly Diagnostic[], limit = DIAGNOSTICS_PER_CODE_AND_FILE): Diagnostic[] {
  const sorted = sortDiagnostics([...diagnostics]);
  const seen = new Map<string, number>();
  const overflows = new Map<string, Overflow>();
  const kept: Diagnostic[] = [];
  for (const d of sorted) {
    const key = `${d.code}\u0000${d.file}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n <= limit) {
      kept.push(d);
      continue;
    }
    const segments = pointerSegments(d.pointer);
    const o = overflows.get(key);
    if (!o) {
      overflows.set(key, { first: d, last: d, count: 1, common: segments });
      continue;
    }
    o.last = d;
    o.count++;
    let shared = 0;
    while (shared < o.common.length && shared < segments.length && o.common[shared] === segments[shared]) shared++;
    o.common.length = shared;
  }
  if (overflows.size === 0) return sorted;
  // a count of one would say less than the diagnostic itself
  for (const o of overflows.values()) kept.push(o.count === 1 ? o.first : countOf(o));
  return sortDiagnostics(kept);
}

function countOf(o: Overflow): Diagnostic {
  const { first, last, count } = o;
  const what = COUNTED_AS[first.code] ?? `${first.severity}s of this kind`;
  const where = o.common.length > 0 ? `under "${o.common.join('.')}"` : 'in this file';
  const lines = last.line > first.line ? ` (lines ${n(first.line)} to ${n(last.line)})` : '';
  return {
    code: first.code,
    severity: first.severity,
    message: `…and ${n(count)} more ${what} ${where}${lines}, not listed one by one.`,
    file: first.file,
    line: first.line,
    column: first.column,
    endLine: first.endLine,
    endColumn: first.endColumn,
    pointer: toPointer(o.common),
    omitted: count,
  };
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}
