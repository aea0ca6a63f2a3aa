import { writeEffectivePolicy } from '../../resolve/stream.js';
import { writeOutputStream } from '../output.js';
import type { CliIO } from '../io.js';
import { loadValid, refuse } from '../load.js';
import { phaseDisplay } from '../progress.js';
import { CACHE_DIR } from '../../cache/policy-cache.js';
import { CompiledCache } from '../../cache/compiled-cache.js';
import { summarize, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ResolveTime } from '../time.js';

/** The customers' checks found errors while the artifact was written: it is not put in place. */
class ChecksFailed extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super('the customers checked while writing have errors');
  }
}

/** `tollgate compile`: writes the effective policy, keys sorted, byte-identical for identical input. */
export async function compileCommand(options: { dir: string; output?: string; time?: ResolveTime }, io: CliIO): Promise<number> {
  const toFile = options.output !== undefined && options.output !== '-';
  // The worker threads that parse also compile customers while this thread checks (resolve/precompile.ts). Written
  // to a file, the artifact is kept in its temporary file until the customers' checks, made on the resolutions it
  // is written from (validate/unchecked.ts), have passed; on stdout they come first.
  const analysis = loadValid(options.dir, io, { ...options.time, guardrailsLater: true, precompile: true, checkWhileWriting: toFile });
  const display = phaseDisplay(io);
  let cache: CompiledCache | undefined;
  try {
    // Customers whose inputs did not change since an earlier compile are copied, not resolved again.
    cache = analysis.customerKeys ? new CompiledCache(CACHE_DIR, analysis.customerKeys) : undefined;
    if (!toFile) {
      await writeEffectivePolicy(analysis.customers, (chunk) => io.out(chunk), display.report, cache, analysis.precompiled);
      cache?.save();
      return 0;
    }
    const digest = await writeOutputStream(options.output!, async (write) => {
      const written = await writeEffectivePolicy(analysis.customers, write, display.report, cache, analysis.precompiled, analysis.unchecked);
      // the analysis had no error (loadValid): any error now is a customer's, checked as it was written
      const diagnostics = analysis.unchecked?.finish() ?? analysis.diagnostics;
      if (summarize(diagnostics).errors > 0) throw new ChecksFailed(diagnostics);
      return written;
    });
    cache?.save();
    display.finish();
    io.err(`Wrote the effective policy of ${analysis.customers.size} customers to ${options.output} (${digest}).\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ChecksFailed)) throw error;
    display.finish();
    return refuse(options.dir, io, error.diagnostics, analysis.sources, true);
  } finally {
    // a writer that failed: the analysis cache still keeps what this run worked out
    analysis.unchecked?.abandon();
    // a worker left waiting would hold the process's exit
    analysis.precompiled?.close();
    cache?.discard();
    display.finish();
  }
}
