// The effective-policy artifact with compact provenance (format 2) holds the same information as format 1:
// read back, it is exactly the object format 1 wrote (every source in full), for the example policies, a policy
// set with customer and entity exceptions active, and a generated fleet; format 1 still reads; unknown formats
// and damaged files are refused with a message.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEffectivePolicy, UserError } from '../../src/engine/index.js';
import { canonicalJson } from '../../src/resolve/canonical.js';
import type { EffectivePolicy } from '../../src/resolve/effective.js';
import { readEffectiveFile } from '../../src/resolve/read-effective.js';
import { EffectiveCustomers, policyDigest, writeEffectivePolicy } from '../../src/resolve/stream.js';
import { analyze } from '../../src/validate/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tollgate-artifact-'));
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [path.join(REPO, 'scripts/bench/generate-fleet.mjs'), '--customers', '200', '--out', path.join(tmp, 'fleet')], (error, _out, stderr) =>
      error ? reject(new Error(stderr)) : resolve(),
    ),
  );
  // a feature and an entity named "sources", like the provenance key the digest leaves out
  const named = path.join(tmp, 'named-sources');
  cpSync(path.join(REPO, 'test/cases/compile/small-policy-set/policies'), named, { recursive: true });
  for (const entry of readdirSync(named, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
    const file = path.join(entry.parentPath, entry.name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('api_calls', 'sources').replaceAll('workspace_a', 'sources'));
  }
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The customers of a policy directory resolved at an instant, as compile resolves them. */
function customersOf(dir: string, at: string): EffectiveCustomers {
  const analysis = analyze(dir, { at: Date.parse(at) });
  expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return analysis.customers;
}

/** What format 1 wrote: every customer resolved with its sources in full, keys sorted, and the digest. */
function formatOne(customers: EffectiveCustomers): EffectivePolicy {
  const policy = { asOf: customers.asOf, customers: Object.fromEntries(customers.entries(true)), digest: policyDigest(customers), formatVersion: 1, nextChangeAt: customers.nextChangeAt() };
  return JSON.parse(canonicalJson(policy)) as EffectivePolicy;
}

/** The artifact as compile writes it now. */
async function artifactText(customers: EffectiveCustomers): Promise<{ text: string; digest: string }> {
  let text = '';
  const digest = await writeEffectivePolicy(customers, (chunk) => {
    text += chunk;
  });
  return { text, digest };
}

/** Format 1's layout: one customer a line, every source in full. */
function formatOneText(policy: EffectivePolicy): string {
  const lines = Object.entries(policy.customers).map(([id, c]) => `${JSON.stringify(id)}:${canonicalJson(c)}`);
  const tail = `"digest":${JSON.stringify(policy.digest)},"formatVersion":1,"nextChangeAt":${JSON.stringify(policy.nextChangeAt)}`;
  return `{"asOf":${JSON.stringify(policy.asOf)},"customers":{${lines.length === 0 ? '' : `\n${lines.join(',\n')}\n`}},${tail}}\n`;
}

/** Reads a file both ways: parsed whole, and line by line as a fleet's artifact is. */
function readBothWays(file: string): EffectivePolicy[] {
  return [readEffectivePolicy(file), readEffectiveFile(file, 0)];
}

const sets: Array<[string, () => string, string]> = [
  ['the example policies', () => path.join(REPO, 'policies'), '2026-11-26T12:00:00Z'],
  ['customer and entity exceptions', () => path.join(REPO, 'test/cases/explain/exception-window/policies'), '2026-11-28T00:00:00Z'],
  ['a generated fleet of 200 customers', () => path.join(tmp, 'fleet'), '2026-11-26T12:00:00Z'],
  ['a feature and an entity named "sources"', () => path.join(tmp, 'named-sources'), '2026-11-26T12:00:00Z'],
];

describe('the effective-policy artifact, format 2', () => {
  it.each(sets)('reads back as exactly what format 1 wrote: %s', async (_name, dir, at) => {
    const customers = customersOf(dir(), at);
    const expected = formatOne(customers);
    expect(Object.keys(expected.customers).length).toBeGreaterThan(0);
    const { text, digest } = await artifactText(customers);
    expect(digest).toBe(expected.digest); // the digest leaves provenance out: the format does not change it
    const artifact = JSON.parse(text) as { formatVersion: number; files: string[] };
    expect(artifact.formatVersion).toBe(2);
    expect(text.length).toBeLessThan(formatOneText(expected).length / 2);
    const file = path.join(tmp, 'effective.json');
    writeFileSync(file, text);
    for (const read of readBothWays(file)) {
      expect(read).toEqual(expected);
      expect(JSON.stringify(read)).toBe(canonicalJson(expected)); // as format 1 printed it, keys in order, nothing left undefined
    }
    // format 1 still reads, both ways
    writeFileSync(file, formatOneText(expected));
    for (const read of readBothWays(file)) expect(JSON.stringify(read)).toBe(canonicalJson(expected));
  });

  it('names every file once', async () => {
    const { text } = await artifactText(customersOf(path.join(REPO, 'policies'), '2026-11-26T12:00:00Z'));
    const { files } = JSON.parse(text) as { files: string[] };
    expect(new Set(files).size).toBe(files.length);
    expect(files).toContain('policies/plans/pro.yaml');
    expect(text.match(/policies\/plans\/pro\.yaml/g)).toHaveLength(1);
  });

  it('with no customers', async () => {
    const { text } = await artifactText(customersOf(path.join(REPO, 'policies'), '2026-11-26T12:00:00Z'));
    const empty = text.replace(/"customers":\{[\s\S]*\n\},/, '"customers":{},');
    const file = path.join(tmp, 'empty.json');
    writeFileSync(file, empty);
    for (const read of readBothWays(file)) expect(read.customers).toEqual({});
  });
});

describe('reading an effective-policy artifact refuses', () => {
  const refusal = (text: string): string[] => {
    const file = path.join(tmp, 'refused.json');
    writeFileSync(file, text);
    return [(f: string) => readEffectivePolicy(f), (f: string) => readEffectiveFile(f, 0)].map((read) => {
      try {
        read(file);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message.replaceAll(file, 'effective.json');
      }
      throw new Error('read without complaint');
    });
  };

  it('format 3, saying which formats it reads', async () => {
    const { text } = await artifactText(customersOf(path.join(REPO, 'policies'), '2026-11-26T12:00:00Z'));
    expect(refusal(text.replace('"formatVersion":2', '"formatVersion":3'))).toEqual(
      Array(2).fill('effective.json has effective-policy formatVersion 3; this tollgate reads versions 1 and 2. Compile again with this version: tollgate compile -o effective.json'),
    );
  });

  it('a file that is not an artifact, or is damaged', async () => {
    expect(refusal('{"asOf":"2026-11-26T12:00:00Z","customers":{}}\n')).toEqual(
      Array(2).fill('effective.json is not a tollgate effective policy (no formatVersion). Make one with: tollgate compile -o effective.json'),
    );
    expect(refusal('not json')).toEqual(Array(2).fill('effective.json is not a tollgate effective policy (not JSON). Make one with: tollgate compile -o effective.json'));
    const { text } = await artifactText(customersOf(path.join(REPO, 'policies'), '2026-11-26T12:00:00Z'));
    const incomplete = 'effective.json is not a complete tollgate effective policy; compile it again with: tollgate compile -o effective.json';
    // an origin index past the customer's table and past the artifact's, a file index past the artifact's, no customer table
    expect(refusal(text.replace(/"overageLimit":-?\d+\}\}/, '"overageLimit":-999}}'))).toEqual(Array(2).fill(incomplete));
    expect(refusal(text.replace(/"overageLimit":-?\d+\}\}/, '"overageLimit":999}}'))).toEqual(Array(2).fill(incomplete));
    expect(refusal(text.replace(/"files":\[[^\]]*\]/, '"files":[]'))).toEqual(Array(2).fill(incomplete));
    expect(refusal(text.replace(/,"sources":\{"features"/, ',"sourcez":{"features"'))).toEqual(Array(2).fill(incomplete));
  });
});
