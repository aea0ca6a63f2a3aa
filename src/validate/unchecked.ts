import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { PolicySet } from '../model/policy-set.js';
import { compileIn, type CompiledCustomer } from '../resolve/compiled.js';
import { resolveCustomer } from '../resolve/resolve.js';
import type { WriterChecks } from '../resolve/stream.js';
import type { AnalysisCache } from './analysis-cache.js';
import { checkEffects } from './effects.js';

/**
 * The customers an analysis for `compile` left unchecked (AnalyzeOptions.checkWhileWriting): they are checked on
 * the resolution their artifact text is written from, on a worker thread (resolve/precompile.ts) or here, rather
 * than resolved once for the checks and again for the artifact. The caller keeps the artifact in its temporary
 * file until finish() has reported no error.
 */
export class UncheckedCustomers implements WriterChecks {
  private readonly found: Diagnostic[] = [];
  private readonly finished: Array<() => void> = [];
  private done = false;

  /**
   * `pending`: customer id → the key of its result in `cache` (undefined: not cached, it depends on the instant).
   * `complete`: the analysis's diagnostics with those found here, sorted, merged and capped once.
   */
  constructor(
    private readonly set: PolicySet,
    private readonly pending: Map<string, string | undefined>,
    private readonly complete: (found: Diagnostic[]) => Diagnostic[],
    private readonly cache?: AnalysisCache,
  ) {}

  /** How many are still to be checked. */
  get size(): number {
    return this.pending.size;
  }

  compile(id: string): CompiledCustomer {
    // the writer compiles only customers that resolve
    return compileIn(this.set, id, this.pending.has(id) ? checkEffects : undefined)!;
  }

  written(id: string, compiled: CompiledCustomer): void {
    // a text from the compiled cache carries no checks: the customer is resolved for them alone
    if (this.pending.has(id)) this.record(id, compiled.checked ?? this.checkAlone(id));
  }

  /** Runs `then` after finish() or abandon(), such as saving the cache the results were put in. */
  whenFinished(then: () => void): void {
    this.finished.push(then);
  }

  /**
   * Every diagnostic of the analysis, those of the customers checked here included (any the writer did not reach
   * are checked now): what the analysis would have reported had it checked them itself.
   */
  finish(): Diagnostic[] {
    for (const id of [...this.pending.keys()]) this.record(id, this.checkAlone(id));
    this.end();
    return this.complete(this.found);
  }

  /** The writer stopped before the end (it failed): what was checked is kept (the cache is saved), the rest is not checked. */
  abandon(): void {
    this.end();
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    for (const then of this.finished.splice(0)) then();
  }

  private checkAlone(id: string): Diagnostic[] {
    return checkEffects(this.set, id, resolveCustomer(this.set, this.set.customers.get(id)!, false)!);
  }

  private record(id: string, diagnostics: Diagnostic[]): void {
    const key = this.pending.get(id);
    this.pending.delete(id);
    for (const d of diagnostics) this.found.push(d);
    // kept for later runs, as analyze() keeps the results of the customers it checks
    if (key !== undefined) this.cache?.customer(key, false, () => ({ resolved: true, diagnostics }));
  }
}
