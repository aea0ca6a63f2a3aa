import { startLanguageServer } from '../../lsp/server.js';

/** `tollgate lsp`: the language server on stdin/stdout, until the editor disconnects. */
export async function lspCommand(options: { dir: string }): Promise<number> {
  await startLanguageServer({ dir: options.dir, input: process.stdin, output: process.stdout });
  return 0;
}
