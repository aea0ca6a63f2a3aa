import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { desiredObjects } from '../../src/plan/desired.js';
import { formatPlanMarkdown, GITHUB_COMMENT_LIMIT } from '../../src/plan/format/markdown.js';
import { formatPlanText } from '../../src/plan/format/text.js';
import { computePlan, type Plan } from '../../src/plan/plan.js';
import type { LiveObject } from '../../src/plan/objects.js';
import { analyze } from '../../src/validate/index.js';

const CATALOG = `
kind: Feature
id: api_calls
type: metered
---
kind: Plan
id: pro
currency: USD
features:
  api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
---
kind: Profile
id: strict
controls:
  api_calls: { maxOverageUnits: 1000 }
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function policyDir(customers: number, profileCap: number, withProfile: (i: number) => boolean): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-md-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'customers'));
  writeFileSync(path.join(dir, 'catalog.yaml'), CATALOG.replace('maxOverageUnits: 1000', `maxOverageUnits: ${profileCap}`));
  for (let i = 0; i < customers; i++) {
    const id = `cust_${String(i).padStart(4, '0')}`;
    const ext = withProfile(i) ? 'extends: [strict]\n' : '';
    writeFileSync(
      path.join(dir, 'customers', `${id}.yaml`),
      `kind: Customer\nid: ${id}\nplan: pro\n${ext}entities:\n  ws_a: { controls: { api_calls: { maxOverageUnits: ${500 + i} } } }\n  ws_b: null\n`,
    );
  }
  return dir;
}

/** Plans `dir` against the live state that applying `applied` would have left. */
function planBetween(dir: string, applied?: string): Plan {
  const live = new Map<string, LiveObject | null>();
  if (applied) {
    for (const [key, o] of desiredObjects(analyze(applied).set)) live.set(key, { controls: o.controls, plan: o.plan });
  }
  const analysis = analyze(dir);
  expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return computePlan({ set: analysis.set, policyDigest: 'sha256:' + '0'.repeat(64), target: { name: 'local', endpoint: 'state.json' }, desired: desiredObjects(analysis.set), live });
}

describe('plan --format markdown', () => {
  it('opens with the summary line, then the money exposure that moved, with before and after in dollars', () => {
    const md = formatPlanMarkdown(planBetween(policyDir(3, 1000, () => true)), { color: false, notes: [] });
    const lines = md.split('\n');
    // ws_b sets nothing itself but inherits the new cap, so its effective policy changes too
    expect(lines[2]).toBe('**Plan: 6 to add, 0 to change, 0 to remove (3 customers, 6 entities affected).**');
    // $1.00 each: 1,000 units on the customer, 500-502 on ws_a, the inherited 1,000 on ws_b (ceil to whole 1,000s)
    expect(md).toContain('| `cust_0000` | unbounded | $3.00 |');
    expect(md).toMatch(/<details><summary><code>cust_0001<\/code> — exposure unbounded → \$3\.00/);
    expect(md).toContain('```diff');
    expect(md).toMatch(/^\+  api_calls.maxOverageUnits: 1000$/m);
  });

  it('says how far a profile change reaches and lists the customers', () => {
    // only ws_b inherits the cap; ws_a keeps its own
    const before = policyDir(5, 1000, (i) => i % 2 === 0);
    const after = policyDir(5, 3000, (i) => i % 2 === 0);
    const plan = planBetween(after, before);
    const md = formatPlanMarkdown(plan, { color: false, notes: [] });
    expect(md).toContain('- **profile strict** reaches 3 customers and 3 entities: `cust_0000`, `cust_0002`, `cust_0004`');
    expect(formatPlanText(plan, { color: false, notes: [] })).toContain('profile strict reaches 3 customers and 3 entities: cust_0000, cust_0002, cust_0004');
  });

  it('shows warnings above the changes', () => {
    const md = formatPlanMarkdown(planBetween(policyDir(1, 1000, () => true)), { color: false, notes: ['a.yaml:3:5 ineffective-spend-limit: it has no effect'] });
    expect(md.indexOf('[!WARNING]')).toBeGreaterThan(0);
    expect(md.indexOf('[!WARNING]')).toBeLessThan(md.indexOf('<details>'));
  });

  it('stays under GitHub’s comment limit on a large fleet and says how to get the full plan', () => {
    const plan = planBetween(policyDir(600, 1000, () => true));
    const md = formatPlanMarkdown(plan, { color: false, notes: [] });
    expect(md.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    const shown = (md.match(/<details><summary><code>/g) ?? []).length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(600);
    expect(md).toContain(`**${600 - shown} more customers not shown**`);
    expect(md).toContain('tollgate plan -o plan.json');
  });
});
