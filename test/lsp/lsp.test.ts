// `tollgate lsp` as an editor meets it: the real process, LSP JSON-RPC over its stdio.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LspClient } from '../helpers/lsp-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Diag {
  code: string;
  severity: number;
  message: string;
  range: { start: { line: number; character: number } };
}
interface Published {
  uri: string;
  diagnostics: Diag[];
}
interface Loc {
  uri: string;
  range: { start: { line: number; character: number } };
}

let root: string;
let client: LspClient;
const uri = (file: string) => pathToFileURL(path.join(root, 'policies', file)).href;
const text = (file: string) => readFileSync(path.join(root, 'policies', file), 'utf8');
/** 0-based line and character of the first `needle` in `file`'s text, plus `shift` characters. */
const position = (source: string, needle: string, shift = 0) => {
  const offset = source.indexOf(needle);
  if (offset < 0) throw new Error(`"${needle}" not in the text`);
  const before = source.slice(0, offset + shift).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
};

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-lsp-'));
  cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  // a file no editor has open: its problems are published too
  writeFileSync(path.join(root, 'policies/customers/zz_closed.yaml'), 'kind: Customer\nid: zz_closed\nplan: platinum\n');
  client = new LspClient(['--dir', 'policies'], root);
  const init = await client.request<{ capabilities: Record<string, unknown> }>('initialize', { processId: null, rootUri: pathToFileURL(root).href, capabilities: {} });
  expect(init.capabilities).toMatchObject({ hoverProvider: true, definitionProvider: true, referencesProvider: true });
  client.notify('initialized', {});
});

afterAll(async () => {
  const code = await client.close();
  expect(code).toBe(0);
  rmSync(root, { recursive: true, force: true });
});

describe('tollgate lsp', () => {
  it('publishes diagnostics for files that are not open', async () => {
    const published = await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri('customers/zz_closed.yaml'));
    expect(published.diagnostics).toEqual([
      expect.objectContaining({ code: 'unknown-plan', severity: 1, source: 'tollgate', range: { start: { line: 2, character: 6 }, end: { line: 2, character: 14 } } }),
    ]);
  });

  it('checks an open file as it is typed: the unsaved text beats the file on disk', async () => {
    const file = 'customers/cust_globex.yaml';
    const original = text(file);
    let mark = client.mark();
    client.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'yaml', version: 1, text: original } });
    const clean = await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri(file), mark);
    expect(clean.diagnostics).toEqual([]);

    // type a typo into the plan: an incremental change of the unsaved buffer
    const at = position(original, 'plan: ', 'plan: '.length);
    const planValue = /plan: (\S+)/.exec(original)![1]!;
    mark = client.mark();
    client.notify('textDocument/didChange', {
      textDocument: { uri: uri(file), version: 2 },
      contentChanges: [{ range: { start: at, end: { line: at.line, character: at.character + planValue.length } }, text: 'pr' }],
    });
    const broken = await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri(file), mark);
    expect(broken.diagnostics.map((d) => [d.code, d.message])).toEqual([['unknown-plan', expect.stringContaining('unknown plan "pr"')]]);
    expect(readFileSync(path.join(root, 'policies', file), 'utf8')).toBe(original);

    mark = client.mark();
    client.notify('textDocument/didChange', { textDocument: { uri: uri(file), version: 3 }, contentChanges: [{ text: original }] });
    const fixed = await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri(file), mark);
    expect(fixed.diagnostics).toEqual([]);
  });

  it('reports what an edit in one file breaks in another', async () => {
    const file = 'plans/free.yaml';
    const original = text(file);
    let mark = client.mark();
    client.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'yaml', version: 1, text: original.replace('id: free', 'id: freemium') } });
    // customers on "free" now name an unknown plan, in files the editor never opened
    const elsewhere = await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri !== uri(file) && p.diagnostics.some((d) => d.code === 'unknown-plan' && d.message.includes('"free"')), mark);
    expect(elsewhere.uri).toMatch(/\/customers\//);
    mark = client.mark();
    client.notify('textDocument/didClose', { textDocument: { uri: uri(file) } });
    // closed without saving: the disk is the truth again, and the others' diagnostics are cleared
    const cleared = await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === elsewhere.uri, mark);
    expect(cleared.diagnostics).toEqual([]);
  });

  it('completes plan, profile, customer and feature ids, keys and enum values', async () => {
    const file = 'customers/draft.yaml';
    const draft = [
      'kind: Customer',
      'id: draft',
      'plan: ',
      'extends: [',
      'controls:',
      '  ',
      '  api_calls:',
      '    overage: ',
      '    usageAlerts:',
      '      - type: ',
      '        ',
      'overageLimit: { maxOverageAmount: 100, onLimitReached: block }',
      '---',
      'kind: ',
      '---',
      'kind: Entity',
      'id: e1',
      'customer: ',
      '',
    ].join('\n');
    client.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'yaml', version: 1, text: draft } });
    const labels = async (line: number, character: number) =>
      ((await client.request<Array<{ label: string }>>('textDocument/completion', { textDocument: { uri: uri(file) }, position: { line, character } })) ?? []).map((i) => i.label);
    expect(await labels(2, 6)).toEqual(['free', 'pro', 'scale-credits']);
    expect(await labels(3, 10)).toEqual(['enterprise', 'enterprise-strict']);
    expect(await labels(5, 2)).toEqual(['ai_tokens', 'api_calls', 'credits', 'seats', 'sso', 'storage_gb']);
    expect(await labels(7, 13)).toEqual(['allow', 'block']);
    expect(await labels(9, 14)).toEqual(['usage', 'usage_percentage']);
    expect(await labels(10, 8)).toEqual(['threshold', 'type', 'name', 'enabled']);
    expect(await labels(6, 4)).toEqual(['ai_tokens', 'api_calls', 'credits', 'seats', 'sso', 'storage_gb']); // a key typed so far: "ap"
    expect(await labels(8, 4)).toEqual(['overage', 'maxOverageUnits', 'usageAlerts', 'usageLimits', 'autoTopup']);
    expect(await labels(1, 0)).toEqual(expect.arrayContaining(['kind', 'id', 'plan', 'extends', 'controls', 'overageLimit', 'entities']));
    expect(await labels(13, 6)).toEqual(['Feature', 'Plan', 'Profile', 'Customer', 'Entity', 'Guardrail', 'Waiver']);
    expect(await labels(17, 10)).toEqual(expect.arrayContaining(['cust_123', 'cust_globex', 'zz_closed']));
    client.notify('textDocument/didClose', { textDocument: { uri: uri(file) } });
  });

  it('hovers a customer, an entity and a control with effective values and where each was set', async () => {
    const file = 'customers/cust_123.yaml';
    const source = text(file);
    client.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'yaml', version: 1, text: source } });
    const hover = async (needle: string, shift = 0) =>
      (await client.request<{ contents: { kind: string; value: string } } | null>('textDocument/hover', { textDocument: { uri: uri(file) }, position: position(source, needle, shift) }))?.contents.value;

    const customer = await hover('id: cust_123', 5);
    expect(customer).toContain('**customer `cust_123`** — plan `pro`, USD');
    expect(customer).toContain('- overage limit: $5,000.00 then block — set by customer at policies/customers/cust_123.yaml:36; overrides profile `enterprise-strict`');
    expect(customer).toContain('**storage_gb**');

    const control = await hover('maxOverageUnits: 5000', 2);
    expect(control).toContain('**api_calls**');
    expect(control).not.toContain('**storage_gb**');
    expect(control).toMatch(/- overage: allow — set by customer at policies\/customers\/cust_123\.yaml:18; overrides profile `enterprise-strict`: block \(policies\/profiles\/enterprise-strict\.yaml:13\)/);
    expect(control).toContain('- maxOverageUnits: 5,000 — set by customer at policies/customers/cust_123.yaml:19');

    const entity = await hover('workspace_a:', 2);
    expect(entity).toContain('**entity `cust_123/workspace_a`**');
    expect(entity).toContain('- maxOverageUnits: 2,000 — set by entity at policies/customers/cust_123.yaml:');
    client.notify('textDocument/didClose', { textDocument: { uri: uri(file) } });
  });

  it('goes to the definition of a plan, a profile, a feature, a customer and a guardrail', async () => {
    const file = 'customers/cust_123.yaml';
    const source = text(file);
    client.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'yaml', version: 1, text: source } });
    const definition = (needle: string, shift: number, target = file, body = source) =>
      client.request<Loc | null>('textDocument/definition', { textDocument: { uri: uri(target) }, position: position(body, needle, shift) });
    const lineOf = (target: string, needle: string) => position(text(target), needle).line;

    expect(await definition('plan: pro', 7)).toEqual({ uri: uri('plans/pro.yaml'), range: expect.objectContaining({ start: { line: lineOf('plans/pro.yaml', 'id: pro'), character: 4 } }) });
    expect(await definition('enterprise-strict]', 3)).toEqual(expect.objectContaining({ uri: uri('profiles/enterprise-strict.yaml'), range: expect.objectContaining({ start: { line: lineOf('profiles/enterprise-strict.yaml', 'id: enterprise-strict'), character: 4 } }) }));
    expect(await definition('credits:', 2)).toEqual(expect.objectContaining({ uri: uri('features.yaml'), range: expect.objectContaining({ start: { line: lineOf('features.yaml', 'id: credits'), character: 4 } }) }));

    const entityFile = 'entities/cust_123-workspace_b.yaml';
    const entitySource = text(entityFile);
    client.notify('textDocument/didOpen', { textDocument: { uri: uri(entityFile), languageId: 'yaml', version: 1, text: entitySource } });
    expect(await definition('customer: cust_123', 12, entityFile, entitySource)).toEqual(expect.objectContaining({ uri: uri(file), range: expect.objectContaining({ start: { line: lineOf(file, 'id: cust_123'), character: 4 } }) }));
    expect(await definition('plan: pro', 2)).toBeNull(); // on the key, not the value

    // a waiver's guardrail: definition, and completion of guardrail ids
    const waivers = 'guardrails/waivers.yaml';
    const waiverSource = text(waivers);
    client.notify('textDocument/didOpen', { textDocument: { uri: uri(waivers), languageId: 'yaml', version: 1, text: waiverSource } });
    expect(await definition('guardrail: exposure-cap', 12, waivers, waiverSource)).toEqual(
      expect.objectContaining({ uri: uri('guardrails/money.yaml'), range: expect.objectContaining({ start: { line: lineOf('guardrails/money.yaml', 'id: exposure-cap'), character: 4 } }) }),
    );
    const typed = waiverSource.replace('guardrail: exposure-cap', 'guardrail: ');
    client.notify('textDocument/didChange', { textDocument: { uri: uri(waivers), version: 2 }, contentChanges: [{ text: typed }] });
    const items = await client.request<{ items?: Array<{ label: string }> } | Array<{ label: string }>>('textDocument/completion', { textDocument: { uri: uri(waivers) }, position: position(typed, 'guardrail: ', 11) });
    const labels = (Array.isArray(items) ? items : (items.items ?? [])).map((i) => i.label);
    expect(labels).toContain('exposure-cap');
    client.notify('textDocument/didClose', { textDocument: { uri: uri(waivers) } });
  });

  it('finds the references of a plan and of a profile', async () => {
    const refs = async (file: string, needle: string, shift: number, includeDeclaration = false) => {
      const source = text(file);
      client.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'yaml', version: 1, text: source } });
      return client.request<Loc[]>('textDocument/references', { textDocument: { uri: uri(file) }, position: position(source, needle, shift), context: { includeDeclaration } });
    };
    const onPro = readdirCustomers().filter((f) => /^plan: pro$/m.test(text(f)));
    const plan = await refs('plans/pro.yaml', 'id: pro', 5);
    expect(plan.map((l) => l.uri).sort()).toEqual(onPro.map(uri).sort());
    for (const l of plan) expect(l.range.start.line).toBe(position(text(l.uri.slice(uri('').length)), 'plan: pro').line);

    const profile = await refs('profiles/enterprise.yaml', 'id: enterprise', 5, true);
    const users = [...readdirCustomers(), 'profiles/enterprise-strict.yaml'].filter((f) => /extends: \[[^\]]*\benterprise\b(?!-)/.test(text(f)));
    expect(profile.map((l) => l.uri).sort()).toEqual([uri('profiles/enterprise.yaml'), ...users.map(uri)].sort());
  });
});

function readdirCustomers(): string[] {
  return readdirSync(path.join(root, 'policies/customers')).map((f) => `customers/${f}`);
}
