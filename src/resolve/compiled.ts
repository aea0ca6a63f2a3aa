import { compactCustomer, strippedFromBody, type CompactCustomer } from './compact-provenance.js';
import type { EffectiveCustomer } from './effective.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { PolicySet } from '../model/policy-set.js';
import { resolveCustomer, type ResolvedCustomer } from './resolve.js';

/** One customer's part of the artifact: its compact text (compact-provenance.ts), and its canonical JSON without provenance (the digest's input). */
export interface CompiledCustomer extends CompactCustomer {
  stripped: string;
  /** The checks of the resolution it was compiled from, where they were asked for (validate/unchecked.ts). */
  checked?: Diagnostic[];
}

/** A customer's part of the artifact, from its effective policy with provenance. */
export function compileCustomer(customer: EffectiveCustomer): CompiledCustomer {
  const compact = compactCustomer(customer);
  return { stripped: strippedFromBody(customer, compact.body), ...compact };
}

/** A customer's checks on its resolution (validate/effects.ts, which this folder does not import). */
export type CustomerChecks = (set: PolicySet, id: string, resolved: ResolvedCustomer) => Diagnostic[];

/** Compiles customer `id` of `set`, checked with `checks` on the same resolution when given; null when it does not resolve. */
export function compileIn(set: PolicySet, id: string, checks?: CustomerChecks): CompiledCustomer | null {
  const customer = set.customers.get(id);
  const resolved = customer && resolveCustomer(set, customer, true);
  if (!resolved) return null;
  const compiled = compileCustomer(resolved.effective);
  if (checks) compiled.checked = checks(set, id, resolved);
  return compiled;
}
