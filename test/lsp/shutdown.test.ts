// `tollgate lsp` exits cleanly when the editor shuts it down and closes the pipe while an analysis is still due.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LspClient } from '../helpers/lsp-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-lsp-shutdown-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tollgate lsp shutting down', () => {
  it('exits with 0 when shut down and hung up on right after an edit', async () => {
    cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
    const client = new LspClient(['--dir', 'policies'], root);
    await client.request('initialize', { processId: null, rootUri: pathToFileURL(root).href, capabilities: {} });
    client.notify('initialized', {});
    const uri = pathToFileURL(path.join(root, 'policies/customers/draft.yaml')).href;
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: 'kind: Customer\nid: draft\nplan: pro\n' } });
    await client.waitFor<{ uri: string }>('textDocument/publishDiagnostics', (p) => p.uri === uri);
    // an edit asks for an analysis a moment later; the editor quits before it runs
    client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: 'kind: Customer\nid: draft\nplan: p\n' }] });
    const code = await client.hangUp();
    expect(code, client.stderr).toBe(0);
  });
});
