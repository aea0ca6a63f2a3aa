// The language server's in-memory cache, through the engine API: a run of edits as an editor makes them gives
// what analyze() gives without a cache, and re-checks only what the edits touch.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EditorCache } from '../../src/validate/editor-cache.js';
import type { AnalysisCache } from '../../src/validate/analysis-cache.js';
import { analyze } from '../../src/validate/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const AT = Date.parse('2026-11-26T12:00:00Z');

let dir: string;
beforeAll(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tollgate-editor-cache-')), 'policies');
  cpSync(path.join(REPO, 'policies'), dir, { recursive: true });
  // with guardrails, customer checks are never cached (their tally needs every customer)
  rmSync(path.join(dir, 'guardrails'), { recursive: true });
});
afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

/** The cache, counting the parses and customer checks it could not answer. */
function counting(cache: EditorCache): { cache: AnalysisCache; computed: { parses: number; customers: number } } {
  const computed = { parses: 0, customers: 0 };
  return {
    computed,
    cache: {
      has: (source) => cache.has(source),
      fileKey: (source) => cache.fileKey(source),
      shape: (doc, features, compute) => cache.shape(doc, features, compute),
      parse: (source, compute) => cache.parse(source, () => (computed.parses++, compute())),
      customer: (key, digest, compute) => cache.customer(key, digest, () => (computed.customers++, compute())),
      hasCustomer: (key) => cache.hasCustomer(key),
    },
  };
}

describe('the editor cache', () => {
  it('gives the diagnostics of an uncached analysis through a run of edits, and re-checks only what they touch', () => {
    const customer = path.join(dir, 'customers/cust_hooli.yaml');
    const plan = path.join(dir, 'plans/free.yaml');
    const hooli = readFileSync(customer, 'utf8');
    const free = readFileSync(plan, 'utf8');
    // customers with exceptions are checked afresh every run, the cache never asked: `all` is every other one
    const all = -1;
    const edits: Array<{ what: string; overlay: Map<string, string>; parses: number; customers: number }> = [
      { what: 'first run', overlay: new Map(), parses: 22, customers: all },
      { what: 'an unknown plan', overlay: new Map([[customer, hooli.replace('plan: pro', 'plan: nope')]]), parses: 1, customers: 1 },
      // the customer's document fails the schema: unusable, so this run checks every customer without the cache
      { what: 'a plan being typed', overlay: new Map([[customer, hooli.replace('plan: pro', 'plan: ')]]), parses: 1, customers: 0 },
      // and the next run does not pay for it again: only the edited customer is checked (its result from the
      // first run was let go when the second replaced it)
      { what: 'back to the file on disk', overlay: new Map(), parses: 1, customers: 1 },
      { what: 'a shared plan renamed', overlay: new Map([[plan, free.replace('id: free', 'id: freemium')]]), parses: 1, customers: all },
      { what: 'back again', overlay: new Map(), parses: 1, customers: all },
    ];
    const editor = new EditorCache();
    let cachedCustomers = 0;
    for (const edit of edits) {
      const { cache, computed } = counting(editor);
      const cached = analyze(dir, { at: AT, overlay: edit.overlay, cache });
      editor.endRun();
      const fresh = analyze(dir, { at: AT, overlay: edit.overlay });
      expect(cached.diagnostics, edit.what).toEqual(fresh.diagnostics);
      expect([...cached.set.customers.keys()], edit.what).toEqual([...fresh.set.customers.keys()]);
      if (edit.what === 'first run') cachedCustomers = computed.customers;
      expect(cachedCustomers).toBeGreaterThan(5);
      expect(computed, edit.what).toEqual({ parses: edit.parses, customers: edit.customers === all ? cachedCustomers : edit.customers });
    }
  });

  // validate --watch checks a part after each change and analyses the whole only when a definition changes: what
  // a change replaced must go then, not at the end of a run of the whole
  it('forgets a file\'s earlier parse and a customer\'s earlier result as soon as they are replaced', () => {
    const customer = path.join(dir, 'customers/cust_hooli.yaml');
    const renamed = readFileSync(customer, 'utf8').replace(/^name: (.*)$/m, 'name: $1 (renamed)');
    const editor = new EditorCache();
    const first = analyze(dir, { at: AT, cache: editor });
    editor.keyed(first.customerKeys!);
    const edited = analyze(dir, { at: AT, overlay: new Map([[customer, renamed]]), cache: editor });
    editor.keyed(edited.customerKeys!);
    const before = first.customerKeys!.get('cust_hooli')!;
    const after = edited.customerKeys!.get('cust_hooli')!;
    expect(after).not.toBe(before);
    expect(editor.hasCustomer(before)).toBe(false);
    expect(editor.hasCustomer(after)).toBe(true);
    // another customer's result, under an unchanged key, is kept
    expect(editor.hasCustomer(first.customerKeys!.get('cust_stark')!)).toBe(true);
    // the text on disk again: its parse was let go when the edit replaced it
    const { cache, computed } = counting(editor);
    analyze(dir, { at: AT, cache });
    expect(computed.parses).toBe(1);
  });

  // an analysis of a part (validate --watch, the language server while typing) does not end a run: a whole one after
  // it that checks no customer through the cache must not take the part's customers for all it used
  it('keeps every customer result through a run of the whole that checks none, after an analysis of a part', () => {
    const customer = path.join(dir, 'customers/cust_hooli.yaml');
    const editor = new EditorCache();
    editor.beginRun();
    analyze(dir, { at: AT, cache: editor });
    editor.endRun();
    // the part: hooli renamed (checked under a new key); its earlier result is kept, as a part run keeps it
    editor.beginRun();
    analyze(dir, { at: AT, overlay: new Map([[customer, readFileSync(customer, 'utf8').replace(/^name: (.*)$/m, 'name: $1 (renamed)')]]), cache: editor });
    // the whole, with a plan defined twice (a file copied, not yet renamed): every customer is checked afresh, none
    // through the cache
    const copy = path.join(dir, 'plans/free-copy.yaml');
    editor.beginRun();
    const broken = analyze(dir, { at: AT, overlay: new Map([[copy, readFileSync(path.join(dir, 'plans/free.yaml'), 'utf8')]]), cache: editor });
    editor.endRun();
    expect(broken.diagnostics.map((d) => d.code)).toContain('duplicate-id');
    // everything back as on disk: every customer's result is still held
    const { cache, computed } = counting(editor);
    editor.beginRun();
    analyze(dir, { at: AT, cache });
    editor.endRun();
    expect(computed.customers).toBe(0);
  });
});
