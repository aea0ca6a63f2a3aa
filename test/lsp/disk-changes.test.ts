// `tollgate lsp` keeps the texts of files on disk between analyses: files changed, created and deleted by
// other programs are still seen, with a client that watches files for it and with one that cannot.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LspClient } from '../helpers/lsp-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Published {
  uri: string;
  diagnostics: Array<{ code: string; message: string }>;
}
interface Registration {
  registrations: Array<{ method: string; registerOptions: { watchers: Array<{ globPattern: unknown }> } }>;
}

let root: string;
let client: LspClient | undefined;
const file = (name: string) => path.join(root, 'policies', name);
const uri = (name: string) => pathToFileURL(file(name)).href;
const customer = (id: string, plan: string) => `kind: Customer\nid: ${id}\nplan: ${plan}\n`;
/** An hour ago: files the server may remember, as it does files nobody touched for a while. */
const settled = (name: string) => {
  const then = new Date(Date.now() - 3_600_000);
  utimesSync(file(name), then, then);
};

/** A copy of the example policies, every file last modified an hour ago, and a server on them. */
async function start(capabilities: object): Promise<LspClient> {
  root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-lsp-disk-'));
  cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  writeFileSync(file('customers/zz_disk.yaml'), customer('zz_disk', 'platinum'));
  writeFileSync(file('customers/zz_same.yaml'), customer('zz_same', 'free'));
  for (const name of readdirSync(path.join(root, 'policies'), { recursive: true }) as string[]) if (/\.ya?ml$/.test(name)) settled(name);
  client = new LspClient(['--dir', 'policies'], root);
  await client.request('initialize', { processId: null, rootUri: pathToFileURL(root).href, capabilities });
  return client;
}

/** The next diagnostics published for `name` after `mark` that `test` accepts. */
const published = (c: LspClient, name: string, mark: number, test: (p: Published) => boolean = () => true) =>
  c.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri(name) && test(p), mark);
const codes = (p: Published) => p.diagnostics.map((d) => d.code);

afterEach(async () => {
  expect(await client?.close()).toBe(0);
  client = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe('tollgate lsp and the files on disk', () => {
  it('sees files changed, created and deleted on disk at the next analysis, without a file watcher', async () => {
    const c = await start({});
    c.notify('initialized', {});
    await published(c, 'customers/zz_disk.yaml', 0);
    // an open file, so that an edit can ask for an analysis; its text from disk is remembered by now
    const open = 'customers/cust_globex.yaml';
    const text = readFileSync(file(open), 'utf8');
    let mark = c.mark();
    c.notify('textDocument/didOpen', { textDocument: { uri: uri(open), languageId: 'yaml', version: 1, text } });
    // the open file's diagnostics come first: the round is over with the last file's
    await published(c, open, mark);
    await published(c, 'customers/zz_disk.yaml', mark);

    writeFileSync(file('customers/zz_disk.yaml'), customer('zz_disk', 'pro'));
    writeFileSync(file('customers/zz_new.yaml'), customer('zz_new', 'gold'));
    // the same size and the same modification time as before: only the change time tells
    const before = statSync(file('customers/zz_same.yaml'));
    writeFileSync(file('customers/zz_same.yaml'), customer('zz_same', 'nope'));
    utimesSync(file('customers/zz_same.yaml'), before.atime, before.mtime);
    expect(statSync(file('customers/zz_same.yaml')).size).toBe(before.size);

    mark = c.mark();
    c.notify('textDocument/didChange', { textDocument: { uri: uri(open), version: 2 }, contentChanges: [{ text: `${text}\n` }] });
    expect((await published(c, 'customers/zz_disk.yaml', mark)).diagnostics).toEqual([]);
    expect(codes(await published(c, 'customers/zz_new.yaml', mark))).toEqual(['unknown-plan']);
    expect((await published(c, 'customers/zz_same.yaml', mark)).diagnostics).toEqual([expect.objectContaining({ code: 'unknown-plan', message: expect.stringContaining('"nope"') })]);

    unlinkSync(file('customers/zz_new.yaml'));
    mark = c.mark();
    c.notify('textDocument/didChange', { textDocument: { uri: uri(open), version: 3 }, contentChanges: [{ text }] });
    expect((await published(c, 'customers/zz_new.yaml', mark)).diagnostics).toEqual([]);
  });

  it('asks a client that can watch files to report changes, and reads again the files it reports', async () => {
    const c = await start({ workspace: { didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true } } });
    c.notify('initialized', {});
    const registration = await c.waitFor<Registration>('client/registerCapability', () => true);
    expect(registration.registrations).toEqual([
      expect.objectContaining({ method: 'workspace/didChangeWatchedFiles', registerOptions: { watchers: [{ globPattern: { baseUri: pathToFileURL(path.join(root, 'policies')).href, pattern: '**/*.{yaml,yml}' } }] } }),
    ]);
    expect(codes(await published(c, 'customers/zz_disk.yaml', 0))).toEqual(['unknown-plan']);

    writeFileSync(file('customers/zz_disk.yaml'), customer('zz_disk', 'pro'));
    const mark = c.mark();
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('customers/zz_disk.yaml'), type: 2 }] });
    expect((await published(c, 'customers/zz_disk.yaml', mark)).diagnostics).toEqual([]);
  });

  it('publishes the diagnostics of the file being edited before those of other files', async () => {
    const c = await start({});
    c.notify('initialized', {});
    await published(c, 'customers/zz_disk.yaml', 0);
    const open = 'customers/zz_same.yaml';
    let mark = c.mark();
    c.notify('textDocument/didOpen', { textDocument: { uri: uri(open), languageId: 'yaml', version: 1, text: customer('zz_same', 'free') } });
    await published(c, 'customers/zz_disk.yaml', mark);
    mark = c.mark();
    c.notify('textDocument/didChange', { textDocument: { uri: uri(open), version: 2 }, contentChanges: [{ text: customer('zz_same', 'gold') }] });
    // zz_disk sorts before zz_same and has problems too: it is published in the same round, after
    expect(codes(await published(c, 'customers/zz_disk.yaml', mark))).toEqual(['unknown-plan']);
    const first = await c.waitFor<Published>('textDocument/publishDiagnostics', () => true, mark);
    expect([first.uri, codes(first)]).toEqual([uri(open), ['unknown-plan']]);
  });
});
