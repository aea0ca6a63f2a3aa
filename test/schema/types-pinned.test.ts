import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateTypes, typesPath } from '../../scripts/gen-types.mjs';

describe('generated policy types', () => {
  it('match what schema/policy.schema.json generates (run `npm run gen:types` after changing the schema)', async () => {
    const committed = readFileSync(typesPath, 'utf8');
    expect(committed).toBe(await generateTypes());
  });
});
