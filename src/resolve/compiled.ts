import { compactCustomer, strippedFromBody, type CompactCustomer } from './compact-provenance.js';
import type { EffectiveCustomer } from './effective.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

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
