import { CACHE_DIR } from '../../cache/policy-cache.js';
import type { CliIO } from '../io.js';

/** `tollgate lsp`: the language server on stdin/stdout, until the editor disconnects. */
export async function lspCommand(options: { dir: string; expiryWarningDays?: number }, io: CliIO): Promise<number> {
  // loaded only here: the LSP packages would add to the start-up of every other command
  const { startLanguageServer } = await import('../../lsp/server.js');
  const cacheDir = io.env.TOLLGATE_CACHE === 'off' ? undefined : CACHE_DIR;
  const parallel = io.env.TOLLGATE_WORKERS !== 'off';
  await startLanguageServer({ dir: options.dir, input: process.stdin, output: process.stdout, parallel, ...(cacheDir ? { cacheDir } : {}), ...(options.expiryWarningDays === undefined ? {} : { expiryWarningDays: options.expiryWarningDays }) });
  return 0;
}
