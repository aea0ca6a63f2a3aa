// The language server's diagnostics after a change come from the definitions and the changed files' groups alone
// (validate/incremental.ts, ResidentIndex), and hover from that part when it holds the file: for random sequences
// of edits, on disk and in the editor's unsaved buffers, the same as an analysis of the whole directory.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyze } from '../../src/validate/index.js';
import { ResidentIndex, type ResidentRun } from '../../src/validate/incremental.js';
import { PolicyWorkspace } from '../../src/validate/workspace.js';
import { hoverText } from '../../src/lsp/hover.js';
import { targetAt } from '../../src/lsp/cursor.js';
import { displayPath, listPolicyFiles } from '../../src/load/files.js';
import { applyEdit, customerFilesOf, edit, type EditBase } from '../helpers/policy-edits.js';
import { LspClient } from '../helpers/lsp-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const AT = Date.parse('2026-11-26T12:00:00Z');

let base: string;
let edits: EditBase;

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'tollgate-resident-'));
  cpSync(path.join(REPO, 'policies'), path.join(base, 'policies'), { recursive: true });
  // guardrails and waivers make every run whole (their tally spans every customer); the rest divides
  rmSync(path.join(base, 'policies/guardrails'), { recursive: true });
  edits = { original: path.join(base, 'policies'), customerFiles: customerFilesOf(path.join(base, 'policies')) };
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Where the cursor is on the id of the file's first customer, if it defines one. */
function onCustomerId(file: string, text: string): ReturnType<typeof targetAt> {
  const at = /^kind: Customer\n(?:.*\n)*?id: /m.exec(text);
  return at ? targetAt(displayPath(file), text, at.index + at[0].length + 1) : undefined;
}

it('reports and hovers as an analysis of the whole does, after every edit of random sequences', () => {
  const runs = vi.spyOn(ResidentIndex.prototype, 'run');
  let run = 0;
  let hovers = 0;
  try {
    fc.assert(
      // each edit made on disk, or left unsaved in the editor (a line added to the buffer)
      fc.property(fc.array(fc.tuple(edit, fc.boolean()), { minLength: 1, maxLength: 8 }), (sequence) => {
        const dir = path.join(base, `run-${run++}`, 'policies');
        cpSync(path.join(base, 'policies'), dir, { recursive: true });
        const workspace = new PolicyWorkspace(dir, { at: AT });
        const open = new Map<string, string>();
        try {
          expect(workspace.diagnostics()).toEqual(analyze(dir, { at: AT }).diagnostics);
          sequence.forEach(([e, unsaved], step) => {
            const file = applyEdit(dir, edits, e, step + 1);
            if (file && unsaved && existsSync(file)) {
              const text = `${readFileSync(file, 'utf8')}\n# not saved yet\n`;
              // a new file typed into the editor is on no disk yet
              if (e.op === 'add') rmSync(file);
              open.set(file, text);
              workspace.setText(file, text);
            } else if (file && open.has(file)) {
              open.delete(file);
              workspace.close(file);
            } else workspace.changedOnDisk(file ? [file] : []);
            const whole = analyze(dir, { at: AT, overlay: open });
            expect(workspace.diagnostics()).toEqual(whole.diagnostics);
            // the file edited (in the part checked again, mostly), and another (in the whole only, mostly)
            for (const hovered of [file, path.join(dir, edits.customerFiles[(step * 7) % edits.customerFiles.length]!)]) {
              const text = hovered && (open.get(hovered) ?? (existsSync(hovered) ? readFileSync(hovered, 'utf8') : undefined));
              const target = hovered && text ? onCustomerId(hovered, text) : undefined;
              if (!hovered || !target) continue;
              hovers++;
              expect(workspace.ask(hovered, (analysis) => hoverText(analysis, target))).toEqual(hoverText(whole, target));
            }
          });
        } finally {
          rmSync(path.dirname(dir), { recursive: true, force: true });
        }
      }),
      { numRuns: 40, seed: 20261127 },
    );
    // both ways were taken: the sequences exercise the part checked again, not only the fallbacks
    const modes = runs.mock.results.map((r) => (r.value as ResidentRun).outcome.mode);
    expect(modes.filter((m) => m === 'incremental').length).toBeGreaterThan(40);
    expect(modes).toContain('whole');
    expect(hovers).toBeGreaterThan(100);
  } finally {
    runs.mockRestore();
  }
}, 240_000);

it('keeps the diagnostics of the groups it does not check again without reading their files', () => {
  const dir = path.join(base, 'kept', 'policies');
  cpSync(path.join(base, 'policies'), dir, { recursive: true });
  try {
    const warned = path.join(dir, 'customers/warned.yaml');
    writeFileSync(warned, 'kind: Customer\nid: warned\nplan: pro\ncontrols: { api_calls: { overage: block, maxOverageUnits: 10 } }\n');
    const texts = (): Map<string, string> => new Map(listPolicyFiles(dir).files.map((f) => [f, readFileSync(f, 'utf8')]));
    const index = new ResidentIndex();
    const overlay = texts();
    expect(index.run(dir, { at: AT, overlay }).outcome.mode).toBe('whole');
    // another customer edited in the editor: the warned file is in a group kept as it was
    const edited = path.join(dir, 'customers/cust_globex.yaml');
    overlay.set(edited, overlay.get(edited)!.replace(/^name: .*$/m, 'name: Globex (renamed)'));
    const run = index.run(dir, { at: AT, overlay });
    expect(run.outcome.mode).toBe('incremental');
    expect(run.outcome.diagnostics).toEqual(analyze(dir, { at: AT, overlay }).diagnostics);
    expect(run.outcome.diagnostics.map((d) => d.file)).toContain(displayPath(warned));
    // its text was neither analysed nor read for the outcome
    expect(run.outcome.sources.has(displayPath(warned))).toBe(false);
    expect(run.outcome.sources.has(displayPath(edited))).toBe(true);
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

describe('tollgate lsp on policies whose diagnostics after an edit come from the part that changed', () => {
  it('publishes them, hovers in the edited file, and completes a customer id the edit defined', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-resident-lsp-'));
    cpSync(path.join(base, 'policies'), path.join(root, 'policies'), { recursive: true });
    const client = new LspClient(['--dir', 'policies'], root);
    try {
      await client.request('initialize', { processId: null, rootUri: pathToFileURL(root).href, capabilities: {} });
      client.notify('initialized', {});
      const file = path.join(root, 'policies/customers/cust_globex.yaml');
      const uri = pathToFileURL(file).href;
      const original = readFileSync(file, 'utf8');
      let mark = client.mark();
      client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: original } });
      await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri, mark);

      // a typo, and a new customer in the same file
      const edited = `${original.replace(/^plan: \S+/m, 'plan: prp')}\n---\nkind: Customer\nid: cust_fresh\nplan: pro\n`;
      mark = client.mark();
      client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
      const broken = await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri, mark);
      expect(broken.diagnostics.map((d) => d.code)).toEqual(['unknown-plan']);
      expect(broken.diagnostics[0]!.message).toContain('"prp"');

      const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(edited, 'id: cust_fresh', 5) });
      expect(hover?.contents.value).toContain('cust_fresh');

      // a new entity file, not saved: the customer the edit defined is offered at once
      const entity = pathToFileURL(path.join(root, 'policies/entities/new-seat.yaml')).href;
      const typed = 'kind: Entity\nid: seat_1\ncustomer: ';
      client.notify('textDocument/didOpen', { textDocument: { uri: entity, languageId: 'yaml', version: 1, text: typed } });
      const items = await client.request<Array<{ label: string }>>('textDocument/completion', { textDocument: { uri: entity }, position: positionOf(typed, 'customer: ', 'customer: '.length) });
      expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['cust_fresh', 'cust_globex']));
    } finally {
      expect(await client.close()).toBe(0);
      rmSync(root, { recursive: true, force: true });
    }
  });
});

interface Published {
  uri: string;
  diagnostics: Array<{ code: string; message: string }>;
}

/** 0-based line and character of the first `needle` in `source`, plus `shift` characters. */
function positionOf(source: string, needle: string, shift = 0): { line: number; character: number } {
  const before = source.slice(0, source.indexOf(needle) + shift).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}
