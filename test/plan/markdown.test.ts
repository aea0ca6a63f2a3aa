import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { desiredObjects } from '../../src/plan/desired.js';
import { formatPlanMarkdown, GITHUB_COMMENT_LIMIT, PLAN_COMMENT_MARKER } from '../../src/plan/format/markdown.js';
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
    expect(lines[5]).toBe('**Plan: 6 to add, 0 to change, 0 to remove (3 customers, 6 entities affected).**');
    // $1.00 each: 1,000 units on the customer, 500-502 on ws_a, the inherited 1,000 on ws_b (ceil to whole 1,000s)
    expect(md).toContain('| `cust_0000` | unbounded | $3.00 | now capped |');
    expect(md).toMatch(/<details><summary><code>cust_0001<\/code> — exposure unbounded → \$3\.00/);
    expect(md).toContain('```diff');
    expect(md).toMatch(/^\+  api_calls.maxOverageUnits: 1,000$/m);
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

  it('is marked for CI, names the target, endpoint and commit, and says what merging does', () => {
    const plan = planBetween(policyDir(1, 1000, () => true));
    const md = formatPlanMarkdown(plan, { color: false, notes: [], commit: '0123456789abcdef0123456789abcdef01234567', savedAs: 'plan.json' });
    const lines = md.split('\n');
    expect(lines[0]).toBe(PLAN_COMMENT_MARKER);
    expect(PLAN_COMMENT_MARKER).toMatch(/^<!-- [a-z-]+ -->$/);
    expect(md).toContain('Target `local` at `state.json`, commit 0123456789abcdef0123456789abcdef01234567.');
    expect(md.trimEnd().split('\n').at(-1)).toBe(
      '**On merge:** `tollgate apply plan.json --yes` writes exactly this plan to target `local` (`state.json`): 2 objects (2 added, 0 changed, 0 removed). It is refused, changing nothing, if the policies or any of these objects change before then; re-plan and review again.',
    );
    const bare = formatPlanMarkdown(plan, { color: false, notes: [] });
    expect(bare).not.toContain('commit');
    expect(bare).toContain('Target `local` at `state.json`.');
    expect(bare).toContain('**On merge:** `tollgate apply --yes` re-plans');
    const none = formatPlanMarkdown(planBetween(policyDir(1, 1000, () => true), policyDir(1, 1000, () => true)), { color: false, notes: [] });
    expect(none.startsWith(PLAN_COMMENT_MARKER + '\n')).toBe(true);
    expect(none).toContain('**On merge:** nothing changes on target `local`');
  });

  it('shows the file and line that set each change, as the text plan does', () => {
    const plan = planBetween(policyDir(1, 1000, () => true));
    const md = formatPlanMarkdown(plan, { color: false, notes: [] });
    const text = formatPlanText(plan, { color: false, notes: [] });
    const places = [...text.matchAll(/\(([^()\s]+\.yaml:\d+)\)$/gm)].map((m) => m[1]!);
    expect(places.length).toBeGreaterThanOrEqual(2);
    for (const place of places) expect(md).toContain(`(${place})`);
    expect(md).toMatch(/^\+   api_calls\.maxOverageUnits: 500  \(.*customers\/cust_0000\.yaml:\d+\)$/m);
    expect(md).toMatch(/^\+ entity cust_0000\/ws_a$/m);
  });

  it('sorts the exposure table by the change, largest increase first, totals it per currency, and flags a lost cap', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-md-'));
    dirs.push(dir);
    const plans = [
      'kind: Feature\nid: api_calls\ntype: metered',
      'kind: Plan\nid: usd\ncurrency: USD\nfeatures:\n  api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1 } }',
      'kind: Plan\nid: eur\ncurrency: EUR\nfeatures:\n  api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1 } }',
    ].join('\n---\n');
    const customer = (id: string, plan: string, cap: string) => `kind: Customer\nid: ${id}\nplan: ${plan}\ncontrols:\n  api_calls: { maxOverageUnits: ${cap} }`;
    const write = (caps: Record<string, [string, string]>): string => {
      const d = mkdtempSync(path.join(dir, 'v-'));
      writeFileSync(path.join(d, 'all.yaml'), [plans, ...Object.entries(caps).map(([id, [plan, cap]]) => customer(id, plan, cap))].join('\n---\n'));
      return d;
    };
    const before = write({ a_small: ['usd', '10'], b_big: ['usd', '10'], c_down: ['usd', '50'], d_lost: ['usd', '10'], e_eur: ['eur', '10'] });
    const after = write({ a_small: ['usd', '20'], b_big: ['usd', '40000'], c_down: ['usd', '20'], d_lost: ['usd', 'unlimited'], e_eur: ['eur', '30'] });
    const md = formatPlanMarkdown(planBetween(after, before), { color: false, notes: [] });
    const rows = md.split('\n').filter((l) => l.startsWith('| `') || l.startsWith('| **total'));
    expect(rows).toEqual([
      '| `d_lost` | $10.00 | **unbounded** ⚠️ | **no longer capped** |',
      '| `b_big` | $10.00 | $40,000.00 | +$39,990.00 |',
      '| `e_eur` | €10.00 | €30.00 | +€20.00 |',
      '| `a_small` | $10.00 | $20.00 | +$10.00 |',
      '| `c_down` | $50.00 | $20.00 | −$30.00 |',
      '| **total EUR** (1 customer) | €10.00 | €30.00 | +€20.00 |',
      '| **total USD** (4 customers) | $80.00 | **unbounded** ⚠️ | **no longer capped** |',
    ]);
    expect(md).toContain('<code>d_lost</code> — exposure $10.00 → unbounded ⚠️');
  });

  it('writes unit counts with thousands separators, as the text plan does', () => {
    const plan = planBetween(policyDir(1, 25000, () => true));
    expect(formatPlanMarkdown(plan, { color: false, notes: [] })).toMatch(/^\+   api_calls\.maxOverageUnits: 25,000/m);
    expect(formatPlanText(plan, { color: false, notes: [] })).toMatch(/\+ api_calls\.maxOverageUnits: 25,000/);
  });
});
