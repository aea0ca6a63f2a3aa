// The language server reads the project's settings (tollgate.yaml) as validate does: with a wider
// `expiryWarningDays` an exception ending within it is a warning in the editor as on the command line.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LspClient } from '../helpers/lsp-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DAY_MS = 86_400_000;

let root: string;
let client: LspClient;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-lsp-settings-'));
  cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  // the exception ends in 30 days: outside the default window of 7, inside the project's 60
  const file = path.join(root, 'policies/customers/cust_globex.yaml');
  const until = new Date(Date.now() + 30 * DAY_MS).toISOString().slice(0, 10);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/until: \d{4}-\d\d-\d\d/, `until: ${until}`));
  writeFileSync(path.join(root, 'tollgate.yaml'), 'expiryWarningDays: 60\n');
});

afterAll(async () => {
  if (client) expect(await client.close()).toBe(0);
  rmSync(root, { recursive: true, force: true });
});

describe('tollgate lsp and tollgate.yaml', () => {
  it('warns of an exception ending within expiryWarningDays, as validate does', async () => {
    const validated = JSON.parse(
      execFileSync(process.execPath, [path.join(REPO, 'bin/tollgate.js'), 'validate', '--format', 'json'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TOLLGATE_AT: '' } }),
    ) as { diagnostics: Array<{ code: string; file: string; line: number }> };
    const expected = validated.diagnostics.filter((d) => d.file === 'policies/customers/cust_globex.yaml');
    expect(expected.map((d) => d.code)).toEqual(['exception-expiring']);

    client = new LspClient(['--dir', 'policies'], root);
    await client.request('initialize', { processId: null, rootUri: pathToFileURL(root).href, capabilities: {} });
    client.notify('initialized', {});
    const uri = pathToFileURL(path.join(root, 'policies/customers/cust_globex.yaml')).href;
    const mark = client.mark();
    // an open file is always published, with or without diagnostics
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: readFileSync(fileURLToPath(uri), 'utf8') } });
    const published = await client.waitFor<{ uri: string; diagnostics: Array<{ code: string; range: { start: { line: number } } }> }>('textDocument/publishDiagnostics', (p) => p.uri === uri, mark);
    expect(published.diagnostics.map((d) => [d.code, d.range.start.line + 1])).toEqual(expected.map((d) => [d.code, d.line]));
  });
});
