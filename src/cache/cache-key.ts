import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import policySchema from '../../schema/policy.schema.json' with { type: 'json' };

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** What every cached result depends on beside its inputs: tollgate's version and the policy schema. */
export const CACHE_KEY: string = createHash('sha256')
  .update(`tollgate ${version}\u0000`)
  .update(JSON.stringify(policySchema))
  .digest('hex')
  .slice(0, 32);
