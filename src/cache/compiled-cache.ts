import path from 'node:path';
import type { CompiledCustomers } from '../resolve/stream.js';
import type { CompiledCustomer } from '../resolve/compiled.js';
import { EFFECTIVE_FORMAT_VERSION } from '../resolve/effective.js';
import { bodyLessSources } from '../resolve/compact-provenance.js';
import { CACHE_KEY } from './cache-key.js';
import { TextPack } from './text-pack.js';

/**
 * Compiled customers (their artifact text with provenance, and their digest input where it is not that text less
 * its source indexes) from earlier `compile` runs, keyed by the artifact format and the hash of everything each
 * depends on (Analysis.customerKeys), in `compiled.pack`. The format is in the key so that texts of another format
 * are never copied into an artifact.
 */
export class CompiledCache implements CompiledCustomers {
  private readonly pack: TextPack;

  /** `keys`: customer id → dependency key; customers without one are compiled and not kept. */
  constructor(
    root: string,
    private readonly keys: ReadonlyMap<string, string>,
  ) {
    this.pack = new TextPack(path.join(root, CACHE_KEY, 'compiled.pack'), 3);
  }

  get(id: string, compile: () => CompiledCustomer): CompiledCustomer {
    const key = this.keys.get(id);
    if (key === undefined) return compile();
    // the digest's input is nearly always the body less its source indexes: kept only where it is not ('' else)
    let compiled: CompiledCustomer | undefined;
    const [kept, body, provenance] = this.pack.get(`${EFFECTIVE_FORMAT_VERSION}:${key}`, () => {
      const c = (compiled = compile());
      return [c.stripped === bodyLessSources(c.body) ? '' : c.stripped, c.body, c.provenance];
    });
    // compiled now: as it came, with the checks of its resolution (CompiledCustomer.checked)
    return compiled ?? { stripped: kept === '' ? bodyLessSources(body!) : kept!, body: body!, provenance: provenance! };
  }

  /** Writes the customers this run compiled or reused, when that differs from what was read. */
  save(): void {
    this.pack.save();
  }

  /** Drops a new file still being written (the artifact was not finished); a no-op after save(). */
  discard(): void {
    this.pack.discard();
  }
}
