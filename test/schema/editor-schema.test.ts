import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import schema from '../../schema/policy.schema.json' with { type: 'json' };

// Editors validate a whole file against the top-level schema, which dispatches on `kind`.
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

describe('schema/policy.schema.json as an editor sees it', () => {
  it('accepts every document of the example policies', () => {
    const files = yamlFiles('policies');
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const ok = validate(doc.toJS());
        expect(ok, `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
  });

  it('rejects a misspelt key inside the shape that the kind selects', () => {
    expect(validate({ kind: 'Customer', id: 'c1', plan: 'pro', controls: { api_calls: { overage_allowed: true } } })).toBe(false);
    expect(validate.errors?.some((e) => e.keyword === 'additionalProperties')).toBe(true);
  });

  it('points the example customer files at the schema for completion', () => {
    const first = readFileSync('policies/customers/cust_123.yaml', 'utf8').split('\n')[0];
    expect(first).toBe('# yaml-language-server: $schema=../../schema/policy.schema.json');
  });
});
