import { canonicalJson, digestOf } from '../../resolve/canonical.js';
import { EFFECTIVE_FORMAT_VERSION, type EffectivePolicy } from '../../resolve/effective.js';
import type { Analysis } from '../../validate/index.js';
import { writeOutputFile } from '../output.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';

/** The effective-policy artifact of SPEC §4 from an analysis. */
export function effectivePolicy(analysis: Analysis): EffectivePolicy {
  const customers = Object.fromEntries(analysis.customers);
  return { formatVersion: EFFECTIVE_FORMAT_VERSION, digest: digestOf(customers), customers };
}

/** `tollgate compile`: writes the effective policy, keys sorted, byte-identical for identical input. */
export async function compileCommand(options: { dir: string; output?: string }, io: CliIO): Promise<number> {
  const analysis = loadValid(options.dir, io);
  const policy = effectivePolicy(analysis);
  const text = canonicalJson(policy, 2) + '\n';
  if (options.output === undefined || options.output === '-') {
    io.out(text);
  } else {
    await writeOutputFile(options.output, text);
    io.err(`Wrote the effective policy of ${analysis.customers.size} customers to ${options.output} (${policy.digest}).\n`);
  }
  return 0;
}
