import { createHash } from 'node:crypto';
import type { PolicySet } from '../model/policy-set.js';
import { strippedJson } from './canonical.js';
import { FEATURE_SOURCE_FIELDS, ProvenanceTables } from './compact-provenance.js';
import { EFFECTIVE_FORMAT_VERSION, type EffectiveCustomer } from './effective.js';
import { resolvable, resolveCustomer } from './resolve.js';
import type { OnProgress } from '../util/progress.js';
import type { Precompiled } from './precompile.js';
import { compileCustomer, type CompiledCustomer } from './compiled.js';
import { formatInstant } from '../model/instant.js';
import { nextChangeAt } from '../model/lapsing.js';

/**
 * The effective policy of every customer, resolved on demand: a fleet of 100,000 customers never sits in
 * memory at once. Iteration is in id order; `get` resolves one customer.
 */
export class EffectiveCustomers {
  private readonly ids: string[];
  private readonly known: Set<string>;

  constructor(private readonly set: PolicySet) {
    this.ids = [...set.customers.keys()].filter((id) => resolvable(set, set.customers.get(id)!)).sort();
    this.known = new Set(this.ids);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The instant resolved at (RFC 3339, UTC). */
  get asOf(): string {
    return formatInstant(this.set.asOf);
  }

  /** The next start or end of an exception after asOf (RFC 3339), or null: the effective policy may change then by itself. */
  nextChangeAt(): string | null {
    const next = nextChangeAt(this.set);
    return next === null ? null : formatInstant(next);
  }

  has(id: string): boolean {
    return this.known.has(id);
  }

  /** Resolves one customer with provenance; undefined for unknown ids and customers that do not resolve (unknown or unusable plan or profile). */
  get(id: string, withLocation = true): EffectiveCustomer | undefined {
    const customer = this.set.customers.get(id);
    return customer && this.known.has(id) ? resolveCustomer(this.set, customer, withLocation)?.effective : undefined;
  }

  keys(): IterableIterator<string> {
    return this.ids[Symbol.iterator]();
  }

  *entries(withLocation = true): IterableIterator<[string, EffectiveCustomer]> {
    for (const id of this.ids) yield [id, this.get(id, withLocation)!];
  }

  *values(): IterableIterator<EffectiveCustomer> {
    for (const [, customer] of this.entries()) yield customer;
  }

  [Symbol.iterator](): IterableIterator<[string, EffectiveCustomer]> {
    return this.entries();
  }
}

/** The policy digest built customer by customer, in id order: sha256 of `{"<id>":<canonical JSON without provenance>,…}`. */
export function digestBuilder(): { add(id: string, customer: EffectiveCustomer): void; addJson(id: string, stripped: string): void; digest(): string } {
  const hash = createHash('sha256').update('{');
  let first = true;
  const addJson = (id: string, stripped: string): void => {
    hash.update(`${first ? '' : ','}${JSON.stringify(id)}:${stripped}`);
    first = false;
  };
  return {
    add: (id, customer) => addJson(id, strippedJson(customer)),
    /** A customer's strippedJson, computed earlier. */
    addJson,
    digest: () => 'sha256:' + hash.update('}').digest('hex'),
  };
}

/**
 * sha256 of the canonical effective policy of every customer, provenance left out (moving a line is not a
 * policy change). Resolved without locations, so it costs far less than compiling.
 */
export function policyDigest(customers: EffectiveCustomers): string {
  const digest = digestBuilder();
  for (const [id, customer] of customers.entries(false)) digest.add(id, customer);
  return digest.digest();
}

/** Checks run on the resolutions the artifact is written from, rather than on resolutions of their own. */
export interface WriterChecks {
  /** Resolves, compiles and checks a customer on this thread (CompiledCustomer.checked). */
  compile(id: string): CompiledCustomer;
  /** Told each customer as it is written, however it was compiled: on a worker, here, or taken from the cache. */
  written(id: string, compiled: CompiledCustomer): void;
}

/** Compiled customers from an earlier run, for those whose inputs did not change. */
export interface CompiledCustomers {
  get(id: string, compile: () => CompiledCustomer): CompiledCustomer;
}

/**
 * Writes the effective-policy artifact (SPEC §4) piece by piece: keys sorted, one customer per line, and the
 * digest (of the same canonical content, provenance left out) and the tables of files and shared origins the
 * provenance names after the customers, where sorted keys put them.
 */
export async function writeEffectivePolicy(
  customers: EffectiveCustomers,
  write: (chunk: string) => Promise<void> | void,
  onProgress?: OnProgress,
  cache?: CompiledCustomers,
  precompiled?: Precompiled,
  checks?: WriterChecks,
): Promise<string> {
  const builder = digestBuilder();
  await write(`{"asOf":${JSON.stringify(customers.asOf)},"customers":{`);
  let first = true;
  let done = 0;
  const total = customers.size;
  const tables = new ProvenanceTables();
  const compile = checks ? (id: string): CompiledCustomer => checks.compile(id) : (id: string): CompiledCustomer => compileCustomer(customers.get(id, true)!);
  for (const id of customers.keys()) {
    onProgress?.({ phase: 'resolving', done: done++, total, unit: 'customers' });
    // taken from the workers (precompile.ts) before the cache is asked, so that what they compiled is always collected
    const ahead = precompiled?.take(id, compile);
    const compiled = cache ? cache.get(id, () => ahead ?? compile(id)) : (ahead ?? compile(id));
    checks?.written(id, compiled);
    builder.addJson(id, compiled.stripped);
    await write(`${first ? '' : ','}\n${JSON.stringify(id)}:${tables.place(compiled)}`);
    first = false;
  }
  onProgress?.({ phase: 'resolving', done: total, total, unit: 'customers' });
  const digest = builder.digest();
  const tail = `"digest":${JSON.stringify(digest)},"files":${tables.filesJson},"formatVersion":${EFFECTIVE_FORMAT_VERSION},"nextChangeAt":${JSON.stringify(customers.nextChangeAt())},"origins":${tables.originsJson},"sourceFields":${JSON.stringify(FEATURE_SOURCE_FIELDS)}`;
  await write(`${first ? '' : '\n'}},${tail}}\n`);
  return digest;
}
