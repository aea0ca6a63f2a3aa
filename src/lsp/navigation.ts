import type { Location as LspLocation } from 'vscode-languageserver';
import type { Location } from '../diagnostics/diagnostic.js';
import { at, type Origin, type PolicySet } from '../model/policy-set.js';
import { toPointer } from '../load/positions.js';
import { kindOf, type CursorTarget } from './cursor.js';
import { toRange } from './diagnostics.js';
import { absolutePath, pathToUri } from './paths.js';

export type RefKind = 'feature' | 'plan' | 'profile' | 'customer' | 'guardrail';

/** A reference to a definition: the kind and id a key or value under the cursor names. */
export interface Reference {
  kind: RefKind;
  id: string;
}

/**
 * The definition a cursor target names: the value of `plan:`, an `extends:` entry, an entity's `customer:`, a waiver's `guardrail:`,
 * a feature key under `controls:` or a plan's `features:`, or the `id` of a definition itself.
 */
export function referenceAt(target: CursorTarget): Reference | undefined {
  const kind = kindOf(target.doc);
  const { path, part, value } = target;
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (part === 'key') {
    if (parent === 'controls') return { kind: 'feature', id: last! };
    if (kind === 'Plan' && path.length === 2 && parent === 'features') return { kind: 'feature', id: last! };
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  if (path.length === 1 && last === 'plan' && kind === 'Customer') return { kind: 'plan', id: value };
  if (path.length === 1 && last === 'customer' && kind === 'Entity') return { kind: 'customer', id: value };
  if (path.length === 1 && last === 'guardrail' && kind === 'Waiver') return { kind: 'guardrail', id: value };
  if (path.length === 2 && parent === 'extends' && (kind === 'Customer' || kind === 'Profile')) return { kind: 'profile', id: value };
  if (path.length === 1 && last === 'id') {
    const own: Record<string, RefKind> = { Feature: 'feature', Plan: 'plan', Profile: 'profile', Customer: 'customer', Guardrail: 'guardrail' };
    if (kind && own[kind]) return { kind: own[kind], id: value };
  }
  return undefined;
}

/** Where `ref` is defined (its `id`), if it is. */
export function definitionOf(set: PolicySet, ref: Reference): Location | undefined {
  const table = { feature: set.features, plan: set.plans, profile: set.profiles, customer: set.customers, guardrail: set.guardrails }[ref.kind];
  const def = table.get(ref.id);
  return def ? at(def.origin, '/id') : undefined;
}

/** Every place that uses a plan (customers' `plan:`) or a profile (`extends:` of customers and profiles). */
export function usesOf(set: PolicySet, ref: Reference): Location[] {
  const out: Location[] = [];
  const extendsEntries = (origin: Origin, list: readonly string[]) =>
    list.forEach((id, i) => {
      if (id === ref.id) out.push(at(origin, toPointer(['extends', i])));
    });
  if (ref.kind === 'plan') {
    for (const customer of set.customers.values()) if (customer.plan === ref.id) out.push(at(customer.origin, '/plan'));
  } else if (ref.kind === 'profile') {
    for (const profile of set.profiles.values()) extendsEntries(profile.origin, profile.extends);
    for (const customer of set.customers.values()) extendsEntries(customer.origin, customer.extends);
  }
  return out;
}

/** A tollgate location as an LSP location. */
export function toLspLocation(loc: Location): LspLocation {
  return { uri: pathToUri(absolutePath(loc.file)), range: toRange(loc) };
}
