import { writeEffectivePolicy } from '../../resolve/stream.js';
import { writeOutputStream } from '../output.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';
import { phaseDisplay } from '../progress.js';
import { CACHE_DIR } from '../../cache/policy-cache.js';
import { CompiledCache } from '../../cache/compiled-cache.js';
import type { ResolveTime } from '../time.js';

/** `tollgate compile`: writes the effective policy, keys sorted, byte-identical for identical input. */
export async function compileCommand(options: { dir: string; output?: string; time?: ResolveTime }, io: CliIO): Promise<number> {
  // the worker threads that parse also compile customers while this thread checks (resolve/precompile.ts)
  const analysis = loadValid(options.dir, io, { ...options.time, guardrailsLater: true, precompile: true });
  const display = phaseDisplay(io);
  let cache: CompiledCache | undefined;
  try {
    // Customers whose inputs did not change since an earlier compile are copied, not resolved again.
    cache = analysis.customerKeys ? new CompiledCache(CACHE_DIR, analysis.customerKeys) : undefined;
    if (options.output === undefined || options.output === '-') {
      await writeEffectivePolicy(analysis.customers, (chunk) => io.out(chunk), display.report, cache, analysis.precompiled);
      cache?.save();
      return 0;
    }
    const digest = await writeOutputStream(options.output, (write) => writeEffectivePolicy(analysis.customers, write, display.report, cache, analysis.precompiled));
    cache?.save();
    display.finish();
    io.err(`Wrote the effective policy of ${analysis.customers.size} customers to ${options.output} (${digest}).\n`);
    return 0;
  } finally {
    // a worker left waiting would hold the process's exit
    analysis.precompiled?.close();
    cache?.discard();
    display.finish();
  }
}
