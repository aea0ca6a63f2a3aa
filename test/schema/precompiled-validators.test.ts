// The validators `npm run build` compiles ahead of time (dist/validate/schema-validators.cjs) check exactly as the
// ones compiled at run time: the same verdict and the same errors, on every example document and on broken ones.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AJV_OPTIONS, DOCUMENT_KINDS, documentSchema, PRECOMPILED_VALIDATORS } from '../../src/validate/schema.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILT = path.join(REPO, 'dist/validate', PRECOMPILED_VALIDATORS);

function exampleDocuments(): unknown[] {
  const files = readdirSync(path.join(REPO, 'policies'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
  return files.flatMap((f) => parseAllDocuments(readFileSync(path.join(REPO, 'policies', f), 'utf8')).map((d) => d.toJS() as unknown));
}

const broken: unknown[] = [
  { kind: 'Customer', id: 5, plan: 'pro', extra: true },
  { kind: 'Customer', id: 'c', plan: 'pro', controls: { api_calls: { overage: 'maybe', maxOverageUnits: 'lots', usageAlerts: [{ type: 'x', threshold: -1 }] } } },
  { kind: 'Entity', id: 'e', customer: 'c', controls: { api_calls: { autoTopup: { threshold: 'a' } } } },
  { kind: 'Plan', id: 'p', currency: 'usd', features: { f: { included: 1.5, price: { amount: -1 } } } },
  { kind: 'Feature', id: '-bad', type: 'gauge' },
  { kind: 'Waiver', id: 'w', guardrail: 'g', reason: '', expires: 'tomorrow' },
  { kind: 'Guardrail', id: 'g', level: 'loud' },
  'not a mapping',
  null,
];

describe('the validators compiled at build time', () => {
  it('give the verdicts and errors of the validators compiled at run time', () => {
    expect(existsSync(BUILT), `${BUILT} is missing: run npm run build`).toBe(true);
    const built = createRequire(import.meta.url)(BUILT) as Record<string, ValidateFunction>;
    const ajv = new Ajv2020(AJV_OPTIONS);
    const documents = [...exampleDocuments(), ...broken];
    expect(documents.length).toBeGreaterThan(40);
    let failures = 0;
    for (const kind of DOCUMENT_KINDS) {
      const compiled = ajv.compile(documentSchema(kind));
      for (const doc of documents) {
        const verdict = compiled(doc);
        expect(built[kind]!(doc)).toBe(verdict);
        expect(built[kind]!.errors ?? null).toEqual(compiled.errors ?? null);
        if (!verdict) failures++;
      }
    }
    // most documents fail the other kinds' schemas: the errors compared are many, not only empty lists
    expect(failures).toBeGreaterThan(200);
  });
});
