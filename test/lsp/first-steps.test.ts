// The first four things an editor user does with `tollgate lsp`, through the real server over stdio: a typo in a
// plan is underlined with the suggestion, `plan: ` completes, a customer id hovers with its caps and exposure, and
// a profile in `extends` goes to its definition.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LspClient } from '../helpers/lsp-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface Published {
  uri: string;
  diagnostics: Array<{ code: string; message: string; range: Range }>;
}

let root: string;
let client: LspClient;
const uri = (file: string) => pathToFileURL(path.join(root, 'policies', file)).href;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-lsp-first-'));
  cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  client = new LspClient(['--dir', 'policies'], root);
  await client.request('initialize', { processId: null, rootUri: pathToFileURL(root).href, capabilities: {} });
  client.notify('initialized', {});
});

afterAll(async () => {
  expect(await client.close()).toBe(0);
  rmSync(root, { recursive: true, force: true });
});

describe('tollgate lsp, first steps', () => {
  it('underlines plan: prp with the suggestion, exactly over the value', async () => {
    const text = 'kind: Customer\nid: cust_new\nplan: prp\n';
    const mark = client.mark();
    client.notify('textDocument/didOpen', { textDocument: { uri: uri('customers/cust_new.yaml'), languageId: 'yaml', version: 1, text } });
    const published = await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri('customers/cust_new.yaml'), mark);
    expect(published.diagnostics).toEqual([
      expect.objectContaining({
        code: 'unknown-plan',
        message: expect.stringContaining('unknown plan "prp". Did you mean "pro"?'),
        range: { start: { line: 2, character: 6 }, end: { line: 2, character: 9 } },
      }),
    ]);
  });

  it('completes the plans after plan: ', async () => {
    const text = 'kind: Customer\nid: cust_draft\nplan: \n';
    client.notify('textDocument/didOpen', { textDocument: { uri: uri('customers/cust_draft.yaml'), languageId: 'yaml', version: 1, text } });
    const items = await client.request<Array<{ label: string }>>('textDocument/completion', { textDocument: { uri: uri('customers/cust_draft.yaml') }, position: { line: 2, character: 6 } });
    expect(items.map((i) => i.label)).toEqual(['free', 'pro', 'scale-credits']);
  });

  it('hovers a customer id with its effective caps and money exposure', async () => {
    const file = 'customers/cust_123.yaml';
    const text = readFileSync(path.join(root, 'policies', file), 'utf8');
    client.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'yaml', version: 1, text } });
    const line = text.split('\n').findIndex((l) => l === 'id: cust_123');
    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: uri(file) }, position: { line, character: 6 } });
    expect(hover.contents.value).toMatch(/- max exposure: \$[\d,]+\.\d\d per period \(customer and entities\)/);
    expect(hover.contents.value).toMatch(/\*\*api_calls\*\* \(metered, [\d,]+ included per month, pricing usage_based; hard limit [\d,]+ units; overage charged, at most \$[\d,.]+\)/);
    expect(hover.contents.value).toContain('- maxOverageUnits: 5,000 — set by customer at policies/customers/cust_123.yaml:');
  });

  it('goes from a profile in extends to its definition', async () => {
    const file = 'customers/cust_123.yaml';
    const text = readFileSync(path.join(root, 'policies', file), 'utf8');
    const line = text.split('\n').findIndex((l) => l.startsWith('extends: [enterprise-strict]'));
    const target = await client.request<{ uri: string; range: Range }>('textDocument/definition', { textDocument: { uri: uri(file) }, position: { line, character: 'extends: [enter'.length } });
    const profile = readFileSync(path.join(root, 'policies/profiles/enterprise-strict.yaml'), 'utf8').split('\n');
    expect(target).toEqual({ uri: uri('profiles/enterprise-strict.yaml'), range: expect.objectContaining({ start: { line: profile.indexOf('id: enterprise-strict'), character: 4 } }) });
  });
});
