import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { isUnusable, type PolicySet, type UnusableKind } from '../model/policy-set.js';

const MAX_NAMED = 3;

/** What can use a definition, in the order a note lists them. */
const USER_KINDS = ['plan', 'profile', 'customer', 'entity'] as const;
export type UserKind = (typeof USER_KINDS)[number];

/** "3 customers (a, b, c)" or "1,204 customers (a, b, c and 1,201 more)". */
function countOf(kind: UserKind, ids: string[]): string {
  const shown = ids.slice(0, MAX_NAMED).join(', ') + (ids.length > MAX_NAMED ? ` and ${(ids.length - MAX_NAMED).toLocaleString('en-US')} more` : '');
  return `${ids.length.toLocaleString('en-US')} ${kind === 'entity' && ids.length !== 1 ? 'entities' : kind + (ids.length === 1 ? '' : 's')} (${shown})`;
}

/**
 * References to definitions that exist but are unusable (invalid, or defined twice). Each is counted instead
 * of reported, and becomes one note at the definition: its own errors are the ones to fix.
 */
export class UnusableReferences {
  private readonly dependents = new Map<string, { kind: UnusableKind; id: string; users: Map<string, Set<string>> }>();

  constructor(private readonly set: PolicySet) {}

  /** Whether `id` is unusable; if so, records the user (e.g. customer "acme") as left unchecked because of it. */
  by(kind: UnusableKind, id: string, user: { kind: UserKind; id: string }): boolean {
    if (!isUnusable(this.set, kind, id)) return false;
    const key = `${kind}\u0000${id}`;
    let entry = this.dependents.get(key);
    if (!entry) this.dependents.set(key, (entry = { kind, id, users: new Map() }));
    let ids = entry.users.get(user.kind);
    if (!ids) entry.users.set(user.kind, (ids = new Set()));
    ids.add(user.id);
    return true;
  }

  /** One note per unusable definition that something refers to, beside its own error (the code sorts after it there). */
  notes(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const { kind, id, users } of this.dependents.values()) {
      const def = this.set.unusable.get(kind)!.get(id)!;
      const reason = def.why === 'duplicate' ? 'is defined more than once' : 'has errors';
      const who = USER_KINDS.filter((k) => users.has(k)).map((k) => countOf(k, [...users.get(k)!]));
      out.push(
        diagnostic(
          'unresolved-dependents',
          `${capitalize(kind)} "${id}" ${reason}, so what uses it was not resolved or checked against it: ${who.join('; ')}. Fix the ${kind} first; their own problems, if any, show up then.`,
          def.at,
        ),
      );
    }
    return out;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
