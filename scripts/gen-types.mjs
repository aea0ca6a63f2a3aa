// Generates src/types/policy.generated.ts from schema/policy.schema.json.
// `node scripts/gen-types.mjs` writes the file; test/schema/types-pinned.test.ts fails when it is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
export const schemaPath = `${root}schema/policy.schema.json`;
export const typesPath = `${root}src/types/policy.generated.ts`;

const KINDS = ['FeatureDocument', 'PlanDocument', 'ProfileDocument', 'CustomerDocument', 'EntityDocument', 'GuardrailDocument', 'WaiverDocument'];

/** The TypeScript source that the schema generates. */
export async function generateTypes() {
  const schema = JSON.parse(await readFile(schemaPath, 'utf8'));
  // The editor-facing if/then dispatch on `kind` becomes a plain union for TypeScript.
  const input = {
    title: 'PolicyDocument',
    description: schema.description,
    anyOf: KINDS.map((name) => ({ $ref: `#/$defs/${name}` })),
    $defs: schema.$defs,
  };
  return compile(input, 'PolicyDocument', {
    bannerComment:
      '/* Generated from schema/policy.schema.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:types`. */',
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { singleQuote: true },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(typesPath, await generateTypes());
  console.log(`wrote ${typesPath}`);
}
