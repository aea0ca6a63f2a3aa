import { describe, expect, it } from 'vitest';
import { policyDigest } from '../../src/resolve/stream.js';
import { analyze } from '../../src/validate/index.js';

describe('the policy digest analyze computes on request', () => {
  it('is the digest policyDigest computes by resolving every customer again', () => {
    const analysis = analyze('policies', { digest: true });
    expect(analysis.policyDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(analysis.policyDigest).toBe(policyDigest(analysis.customers));
  });

  it('is left out unless asked for', () => {
    expect(analyze('policies').policyDigest).toBeUndefined();
  });
});
