import { chmodSync, mkdirSync, symlinkSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../../src/diagnostics/codes.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { MAX_FILE_BYTES } from '../../src/load/files.js';
import { SourceFile } from '../../src/util/source-file.js';
import { analyze } from '../../src/validate/index.js';
import { policyDir, yaml, type PolicyDir } from '../helpers/policy-dir.js';

// One case per diagnostic code (SPEC §3): the exact place, the severity, and a message that says what is wrong.

const FEATURES = yaml`
  kind: Feature
  id: calls
  type: metered
  ---
  kind: Feature
  id: credits
  type: credits
  ---
  kind: Feature
  id: seats
  type: metered
  ---
  kind: Feature
  id: sso
  type: boolean
`;

// seats is not on the plan; credits has no topUpPrice.
const PLAN = yaml`
  kind: Plan
  id: pro
  currency: USD
  features:
    calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
    credits: { included: 5000, reset: month }
    sso: {}
`;

const BASE = { 'features.yaml': FEATURES, 'plan.yaml': PLAN };

const dirs: PolicyDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function check(files: Record<string, string | Uint8Array>, withBase = true) {
  const dir = policyDir(withBase ? { ...BASE, ...files } : files);
  dirs.push(dir);
  return { dir, analysis: analyze(dir.path) };
}

interface Case {
  name: string;
  code: DiagnosticCode;
  files: Record<string, string | Uint8Array>;
  /** Where the diagnostic must be: file of the case, 1-based line and column, JSON pointer. */
  at: { file: string; line: number; column: number; pointer: string };
  /** What the message must say. */
  says: RegExp[];
  /** Other codes the same input rightly produces. */
  alongside?: DiagnosticCode[];
  related?: { file: string; line: number; column: number };
}

/** A plan whose one feature costs 2^53 - 1 minor units per unit of overage. */
const HUGE_PRICE_PLAN = [
  'kind: Plan',
  'id: p2',
  'currency: USD',
  'features:',
  '  calls:',
  '    included: 10',
  '    reset: month',
  '    pricing: usage_based',
  '    price: { amount: 9007199254740991, per: 1 }',
  '',
].join('\n');

const customer = (controls: string) => `kind: Customer\nid: acme\nplan: pro\n${controls}`;

const CASES: Case[] = [
  // ── files and YAML ──────────────────────────────────────────────────────────────────────────────
  {
    name: 'a reserved character where a value starts',
    code: 'yaml-syntax',
    files: { 'x.yaml': 'kind: Feature\nid: calls2\ntype: metered\nname: @calls\n' },
    at: { file: 'x.yaml', line: 4, column: 7, pointer: '' },
    says: [/reserved character @/],
  },
  {
    name: 'an unterminated quote',
    code: 'yaml-syntax',
    files: { 'x.yaml': 'kind: Feature\nid: calls2\ntype: metered\nname: "API calls\n' },
    at: { file: 'x.yaml', line: 5, column: 1, pointer: '' },
    says: [/Missing closing "quote/],
  },
  {
    name: 'an alias without an anchor',
    code: 'yaml-syntax',
    files: { 'x.yaml': 'kind: Feature\nid: *nowhere\ntype: metered\n' },
    at: { file: 'x.yaml', line: 2, column: 5, pointer: '' },
    says: [/\*nowhere refers to no anchor/],
  },
  {
    name: 'a key written twice',
    code: 'yaml-duplicate-key',
    files: { 'x.yaml': 'kind: Feature\nid: calls2\ntype: metered\nid: calls3\n' },
    at: { file: 'x.yaml', line: 4, column: 1, pointer: '' },
    says: [/Duplicate key "id"/, /once in a mapping/],
  },
  {
    name: 'billion laughs (9^9 values), refused at the alias that starts the blow-up',
    code: 'yaml-alias-limit',
    files: {
      'x.yaml': [
        'kind: Feature',
        'id: lol',
        'type: metered',
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
      ].join('\n'),
    },
    at: { file: 'x.yaml', line: 8, column: 8, pointer: '' },
    says: [/Aliases expand to more than 10000 values/, /\*d/],
  },
  {
    name: 'an alias inside the value it names',
    code: 'yaml-alias-limit',
    files: { 'x.yaml': 'kind: Feature\nid: loop\ntype: metered\nname: &n [1, *n]\n' },
    at: { file: 'x.yaml', line: 4, column: 14, pointer: '' },
    says: [/\*n refers to a value that contains it/],
  },
  {
    name: '200 levels of nesting',
    code: 'yaml-too-deep',
    files: { 'x.yaml': 'kind: Feature\nid: deep\ntype: metered\nname: ' + '['.repeat(200) + ']'.repeat(200) + '\n' },
    at: { file: 'x.yaml', line: 4, column: 71, pointer: '' },
    says: [/nested more than 64 levels/],
  },
  {
    name: '5,000 levels of block nesting (would overflow the YAML composer)',
    code: 'yaml-too-deep',
    files: { 'x.yaml': 'a:\n' + Array.from({ length: 5000 }, (_, i) => ' '.repeat(i + 1) + '- ').join('\n') + '1\n' },
    at: { file: 'x.yaml', line: 257, column: 257, pointer: '' },
    says: [/nested too deeply/],
  },
  {
    name: '60,001 documents in one file (100,000 stray "---" lines), refused at the first one over',
    code: 'yaml-too-many-documents',
    files: { 'x.yaml': 'kind: Feature\nid: calls2\ntype: metered\n' + '---\n'.repeat(100_000) },
    at: { file: 'x.yaml', line: 60_003, column: 1, pointer: '' },
    says: [/more than 60,000 YAML documents/, /at most 60,000 per file/],
  },
  {
    name: '60,001 documents that start without "---" (each after a "...")',
    code: 'yaml-too-many-documents',
    files: { 'x.yaml': 'kind: Feature\nid: calls2\ntype: metered\n...\n' + 'a: 1\n...\n'.repeat(60_000) },
    at: { file: 'x.yaml', line: 4 + 2 * 60_000 - 1, column: 1, pointer: '' },
    says: [/more than 60,000 YAML documents/],
  },
  {
    name: '200,000 keys in one mapping, refused at the first one over',
    code: 'yaml-too-many-entries',
    files: { 'x.yaml': 'kind: Customer\nid: big\nplan: pro\nentities:\n' + Array.from({ length: 200_000 }, (_, i) => `  k${i}: null\n`).join('') },
    at: { file: 'x.yaml', line: 100_005, column: 3, pointer: '' },
    says: [/mapping has more than 100,000 keys/, /at most 100,000 keys in one mapping/],
  },
  {
    name: '100,001 items in one flow list',
    code: 'yaml-too-many-entries',
    files: { 'x.yaml': 'kind: Profile\nid: p\nextends: [' + Array(100_001).fill('a').join(', ') + ']\n' },
    at: { file: 'x.yaml', line: 3, column: 11 + 3 * 100_000, pointer: '' },
    says: [/list has more than 100,000 items/],
  },
  {
    name: 'a sequence as a mapping key',
    code: 'yaml-complex-key',
    files: { 'x.yaml': 'kind: Feature\n? [id, name]\n: calls\n' },
    at: { file: 'x.yaml', line: 2, column: 3, pointer: '' },
    says: [/keys must be plain strings/],
  },
  {
    name: 'a trailing document separator',
    code: 'yaml-empty-document',
    files: { 'x.yaml': 'kind: Feature\nid: calls2\ntype: metered\n---\n# removed\n' },
    at: { file: 'x.yaml', line: 4, column: 1, pointer: '' },
    says: [/document is empty/, /---/],
  },
  {
    name: 'a Latin-1 byte',
    code: 'file-not-utf8',
    files: { 'x.yaml': Buffer.concat([Buffer.from('kind: Feature\nid: cafe\nname: Caf'), Buffer.from([0xe9]), Buffer.from('\ntype: metered\n')]) },
    at: { file: 'x.yaml', line: 3, column: 10, pointer: '' },
    says: [/not valid UTF-8/, /0xe9 at offset 32/],
  },
  {
    name: 'an encoded surrogate (ED A0 80), after a multi-byte character',
    code: 'file-not-utf8',
    files: { 'x.yaml': Buffer.concat([Buffer.from('kind: Feature\nname: é '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]) },
    at: { file: 'x.yaml', line: 2, column: 9, pointer: '' },
    says: [/0xed at offset 23/],
  },
  {
    name: 'a UTF-16 LE file with its BOM',
    code: 'file-not-utf8',
    files: { 'x.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: Feature\n', 'utf16le')]) },
    at: { file: 'x.yaml', line: 1, column: 1, pointer: '' },
    says: [/UTF-16/, /save it as UTF-8/],
  },
  {
    name: 'a UTF-16 BE file with its BOM',
    code: 'file-not-utf8',
    files: { 'x.yaml': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('kind: Feature\n', 'utf16le').swap16()]) },
    at: { file: 'x.yaml', line: 1, column: 1, pointer: '' },
    says: [/UTF-16/],
  },
  // ── schema ──────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'no kind',
    code: 'missing-kind',
    files: { 'x.yaml': 'id: calls2\ntype: metered\n' },
    at: { file: 'x.yaml', line: 1, column: 1, pointer: '' },
    says: [/no "kind"/, /Feature, Plan, Profile, Customer, Entity/],
  },
  {
    name: 'a misspelt kind',
    code: 'unknown-kind',
    files: { 'x.yaml': 'kind: Custmer\nid: acme\nplan: pro\n' },
    at: { file: 'x.yaml', line: 1, column: 7, pointer: '/kind' },
    says: [/Unknown kind "Custmer"/, /Did you mean "Customer"\?/],
  },
  {
    name: 'a transposed key',
    code: 'unknown-key',
    files: { 'x.yaml': 'kind: Customer\nid: acme\nplna: pro\n' },
    at: { file: 'x.yaml', line: 3, column: 1, pointer: '/plna' },
    says: [/Unknown key "plna"/, /Did you mean "plan"\?/],
    alongside: ['missing-key'],
  },
  {
    name: 'a misspelt control, without a cascade of anyOf errors',
    code: 'unknown-key',
    files: { 'x.yaml': customer('controls:\n  calls: { overagee: allow }\n') },
    at: { file: 'x.yaml', line: 5, column: 12, pointer: '/controls/calls/overagee' },
    says: [/Unknown key "overagee" in "controls.calls"/, /Did you mean "overage"\?/],
  },
  {
    name: 'a __proto__ key',
    code: 'unknown-key',
    files: { 'x.yaml': customer('__proto__: { polluted: true }\n') },
    at: { file: 'x.yaml', line: 4, column: 1, pointer: '/__proto__' },
    says: [/Unknown key "__proto__"/, /Allowed keys: kind, id, name, plan/],
  },
  {
    name: 'a feature without its type',
    code: 'missing-key',
    files: { 'x.yaml': 'kind: Feature\nid: calls2\n' },
    at: { file: 'x.yaml', line: 1, column: 1, pointer: '' },
    says: [/Missing required key "type"/],
  },
  {
    name: 'a top-up without a quantity',
    code: 'missing-key',
    files: { 'x.yaml': customer('controls:\n  credits:\n    autoTopup: { threshold: 100 }\n') },
    at: { file: 'x.yaml', line: 6, column: 5, pointer: '/controls/credits/autoTopup' },
    says: [/Missing required key "quantity" in "controls.credits.autoTopup"/],
  },
  {
    name: 'a list where a string belongs',
    code: 'invalid-type',
    files: { 'x.yaml': 'kind: Feature\nid: calls2\ntype: metered\nname: [API, calls]\n' },
    at: { file: 'x.yaml', line: 4, column: 7, pointer: '/name' },
    says: [/"name" must be a string; got a list/],
  },
  {
    name: 'a misspelt enum value',
    code: 'invalid-value',
    files: { 'x.yaml': customer('controls:\n  calls: { overage: alow }\n') },
    at: { file: 'x.yaml', line: 5, column: 21, pointer: '/controls/calls/overage' },
    says: [/must be "allow" or "block"/, /got "alow"/, /Did you mean "allow"\?/],
  },
  {
    name: 'a misspelt `unlimited`',
    code: 'invalid-value',
    files: { 'x.yaml': customer('overageLimit: unlimted\n') },
    at: { file: 'x.yaml', line: 4, column: 15, pointer: '/overageLimit' },
    says: [/"overageLimit" must be a mapping with maxOverageAmount and onLimitReached, "unlimited" or null/, /Did you mean "unlimited"\?/],
  },
  {
    name: 'a negative cap',
    code: 'invalid-value',
    files: { 'x.yaml': customer('controls:\n  calls: { maxOverageUnits: -5 }\n') },
    at: { file: 'x.yaml', line: 5, column: 29, pointer: '/controls/calls/maxOverageUnits' },
    says: [/must be a whole number ≥ 0; got -5/],
  },
  {
    name: 'a usage limit of 0',
    code: 'invalid-value',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageLimits:\n      - { limit: 0, interval: day }\n') },
    at: { file: 'x.yaml', line: 7, column: 18, pointer: '/controls/calls/usageLimits/0/limit' },
    says: [/must be a whole number ≥ 1; got 0/],
  },
  {
    name: 'a usage limit past 2^53 - 1',
    code: 'invalid-value',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageLimits:\n      - { limit: 9007199254740992, interval: day }\n') },
    at: { file: 'x.yaml', line: 7, column: 18, pointer: '/controls/calls/usageLimits/0/limit' },
    says: [/9007199254740991/],
  },
  {
    name: 'a fractional usage limit',
    code: 'invalid-type',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageLimits:\n      - { limit: 1.5, interval: day }\n') },
    at: { file: 'x.yaml', line: 7, column: 18, pointer: '/controls/calls/usageLimits/0/limit' },
    says: [/whole number/],
  },
  {
    name: 'a usage limit interval Autumn has not',
    code: 'invalid-value',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageLimits:\n      - { limit: 10, interval: hour }\n') },
    at: { file: 'x.yaml', line: 7, column: 32, pointer: '/controls/calls/usageLimits/0/interval' },
    says: [/must be "day" or "week" or "month" or "year"; got "hour"/],
  },
  {
    name: 'a misspelt usage limit anchor',
    code: 'invalid-value',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageLimits:\n      - { limit: 10, interval: day, anchor: UTC }\n') },
    at: { file: 'x.yaml', line: 7, column: 45, pointer: '/controls/calls/usageLimits/0/anchor' },
    says: [/"billing_cycle" or "utc"/, /got "UTC"/, /Did you mean "utc"\?/],
  },
  {
    name: 'a usage limit filter property that is not a string',
    code: 'invalid-type',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageLimits:\n      - { limit: 10, interval: day, filter: { properties: { tier: 3 } } }\n') },
    at: { file: 'x.yaml', line: 7, column: 67, pointer: '/controls/calls/usageLimits/0/filter/properties/tier' },
    says: [/must be a string/],
  },
  {
    name: 'an id that starts with a dash',
    code: 'invalid-id',
    files: { 'x.yaml': 'kind: Feature\nid: -calls\ntype: metered\n' },
    at: { file: 'x.yaml', line: 2, column: 5, pointer: '/id' },
    says: [/"-calls" is not a valid id/, /letter or digit/],
  },
  {
    name: 'a feature key with a space',
    code: 'invalid-id',
    files: { 'x.yaml': customer('controls:\n  "api calls": {}\n') },
    at: { file: 'x.yaml', line: 5, column: 3, pointer: '/controls/api calls' },
    says: [/"api calls" is not a valid id/],
  },
  {
    name: 'a negative price',
    code: 'invalid-money',
    files: { 'x.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  calls:\n    included: 0\n    pricing: usage_based\n    price: { amount: -100, per: 1000 }\n' },
    at: { file: 'x.yaml', line: 8, column: 22, pointer: '/features/calls/price/amount' },
    says: [/non-negative whole number of minor units/, /got -100/],
  },
  {
    name: 'a fractional price (dollars instead of cents)',
    code: 'invalid-money',
    files: { 'x.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  calls:\n    included: 0\n    pricing: usage_based\n    price: { amount: 0.5, per: 1000 }\n' },
    at: { file: 'x.yaml', line: 8, column: 22, pointer: '/features/calls/price/amount' },
    says: [/non-negative whole number of minor units \(e\.g\. 1999 for 19\.99\)/, /got 0\.5/],
  },
  {
    name: 'a price too large to hold exactly (past 2^53 it would silently round)',
    code: 'invalid-money',
    files: { 'x.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  calls:\n    included: 0\n    pricing: usage_based\n    price: { amount: 99999999999999999999, per: 1000 }\n' },
    at: { file: 'x.yaml', line: 8, column: 22, pointer: '/features/calls/price/amount' },
    says: [/is 99999999999999999999, which exceeds the maximum of 9007199254740991 minor units/],
  },
  {
    name: 'an infinite overage limit',
    code: 'invalid-money',
    files: { 'x.yaml': customer('overageLimit: { maxOverageAmount: .inf, onLimitReached: block }\n') },
    at: { file: 'x.yaml', line: 4, column: 35, pointer: '/overageLimit/maxOverageAmount' },
    says: [/minor units/, /got "\.inf"/],
  },
  // ── semantic errors ─────────────────────────────────────────────────────────────────────────────
  {
    name: 'a feature defined in two files',
    code: 'duplicate-id',
    files: { 'more.yaml': 'kind: Feature\nid: calls\ntype: metered\n' },
    at: { file: 'more.yaml', line: 2, column: 5, pointer: '/id' },
    says: [/Feature "calls" is defined twice/, /features\.yaml:2:5/],
    related: { file: 'features.yaml', line: 2, column: 5 },
    alongside: ['unresolved-dependents'],
  },
  {
    name: 'an entity both inline and standalone',
    code: 'duplicate-id',
    files: {
      'acme.yaml': customer('entities:\n  ws: {}\n'),
      'ws.yaml': 'kind: Entity\nid: ws\ncustomer: acme\n',
    },
    at: { file: 'ws.yaml', line: 2, column: 5, pointer: '/id' },
    says: [/Entity "acme\/ws" is defined twice/, /acme\.yaml:5:3/],
    related: { file: 'acme.yaml', line: 5, column: 3 },
  },
  {
    name: 'a misspelt plan',
    code: 'unknown-plan',
    files: { 'x.yaml': 'kind: Customer\nid: acme\nplan: prp\n' },
    at: { file: 'x.yaml', line: 3, column: 7, pointer: '/plan' },
    says: [/unknown plan "prp"/, /Did you mean "pro"\?/],
  },
  {
    name: 'a misspelt profile',
    code: 'unknown-profile',
    files: { 'p.yaml': 'kind: Profile\nid: enterprise\n', 'x.yaml': customer('extends: [enterprize]\n') },
    at: { file: 'x.yaml', line: 4, column: 11, pointer: '/extends/0' },
    says: [/unknown profile "enterprize"/, /Did you mean "enterprise"\?/],
  },
  {
    name: 'a control for a misspelt feature',
    code: 'unknown-feature',
    files: { 'x.yaml': customer('controls:\n  call: { overage: allow }\n') },
    at: { file: 'x.yaml', line: 5, column: 3, pointer: '/controls/call' },
    says: [/unknown feature "call"/, /Did you mean "calls"\?/],
  },
  {
    name: 'a plan item for a feature nobody defined',
    code: 'unknown-feature',
    files: { 'x.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  storage: { included: 1 }\n' },
    at: { file: 'x.yaml', line: 5, column: 3, pointer: '/features/storage' },
    says: [/Plan "p2" includes unknown feature "storage"/, /kind: Feature/],
  },
  {
    name: 'an entity of a misspelt customer',
    code: 'unknown-customer',
    files: { 'acme.yaml': customer(''), 'ws.yaml': 'kind: Entity\nid: ws\ncustomer: acmee\n' },
    at: { file: 'ws.yaml', line: 3, column: 11, pointer: '/customer' },
    says: [/unknown customer "acmee"/, /Did you mean "acme"\?/],
  },
  {
    name: 'a control for a feature the plan lacks',
    code: 'feature-not-in-plan',
    files: { 'x.yaml': customer('controls:\n  seats: { maxOverageUnits: 5 }\n') },
    at: { file: 'x.yaml', line: 5, column: 3, pointer: '/controls/seats' },
    says: [/Plan "pro" does not include "seats"/, /customer "acme" cannot control it/],
  },
  {
    name: 'an auto top-up on an entity',
    code: 'entity-auto-topup',
    files: { 'x.yaml': customer('entities:\n  ws:\n    controls:\n      credits:\n        autoTopup: { threshold: 1, quantity: 10 }\n') },
    at: { file: 'x.yaml', line: 8, column: 9, pointer: '/entities/ws/controls/credits/autoTopup' },
    says: [/customer-level only/, /entity "acme\/ws"/],
  },
  {
    name: 'an auto top-up where the plan has no top-up price',
    code: 'auto-topup-without-price',
    files: { 'x.yaml': customer('controls:\n  credits:\n    autoTopup: { threshold: 100, quantity: 1000 }\n') },
    at: { file: 'x.yaml', line: 6, column: 16, pointer: '/controls/credits/autoTopup' },
    says: [/plan "pro" has no "topUpPrice"/, /"credits"/],
  },
  {
    name: 'an auto top-up in the controls of a plan nobody is on yet',
    code: 'auto-topup-without-price',
    files: { 'x.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  credits: { included: 100 }\ncontrols:\n  credits: { autoTopup: { threshold: 10, quantity: 100 } }\n' },
    at: { file: 'x.yaml', line: 7, column: 25, pointer: '/controls/credits/autoTopup' },
    says: [/plan "p2" has no "topUpPrice" for it/],
  },
  {
    name: 'a percentage alert above 100',
    code: 'alert-threshold-range',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageAlerts:\n      - { threshold: 150, type: usage_percentage }\n') },
    at: { file: 'x.yaml', line: 7, column: 22, pointer: '/controls/calls/usageAlerts/0/threshold' },
    says: [/0 to 100, not 150/],
  },
  {
    name: 'two alerts with the same type and threshold',
    code: 'duplicate-alert',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageAlerts:\n      - { threshold: 500, type: usage }\n      - { threshold: 500, type: usage, name: again }\n') },
    at: { file: 'x.yaml', line: 8, column: 9, pointer: '/controls/calls/usageAlerts/1' },
    says: [/Two usage alerts at 500 on "calls"/, /line 7/],
    related: { file: 'x.yaml', line: 7, column: 9 },
  },
  {
    name: 'two usage limits on one window (same interval, same filter in another key order)',
    code: 'duplicate-usage-limit',
    files: { 'x.yaml': customer('controls:\n  calls:\n    usageLimits:\n      - { limit: 100, interval: day, filter: { properties: { a: "1", b: "2" } } }\n      - { limit: 5000, interval: month }\n      - { limit: 200, interval: day, anchor: utc, filter: { properties: { b: "2", a: "1" } } }\n') },
    at: { file: 'x.yaml', line: 9, column: 9, pointer: '/controls/calls/usageLimits/2' },
    says: [/Two day limits with the same filter on "calls"/, /line 7/, /at most one limit per interval and filter/],
    related: { file: 'x.yaml', line: 7, column: 9 },
  },
  {
    name: 'two usage limits of one interval without a filter, on an entity',
    code: 'duplicate-usage-limit',
    files: { 'x.yaml': customer('entities:\n  ws:\n    controls:\n      calls:\n        usageLimits:\n          - { limit: 100, interval: week }\n          - { limit: 100, interval: week, enabled: false }\n') },
    at: { file: 'x.yaml', line: 10, column: 13, pointer: '/entities/ws/controls/calls/usageLimits/1' },
    says: [/Two week limits without a filter on "calls"/, /line 9/],
    related: { file: 'x.yaml', line: 9, column: 13 },
  },
  {
    name: 'usage_based pricing without a price',
    code: 'usage-based-without-price',
    files: { 'x.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  calls:\n    included: 0\n    pricing: usage_based\n' },
    at: { file: 'x.yaml', line: 7, column: 14, pointer: '/features/calls/pricing' },
    says: [/usage_based but has no "price"/],
  },
  {
    name: 'controls on a boolean feature',
    code: 'boolean-feature-controls',
    files: { 'x.yaml': customer('controls:\n  sso: { overage: allow }\n') },
    at: { file: 'x.yaml', line: 5, column: 3, pointer: '/controls/sso' },
    says: [/"sso" is a boolean feature/],
  },
  {
    name: 'a quantity on a boolean feature',
    code: 'boolean-feature-quantity',
    files: { 'x.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  sso:\n    included: 1\n' },
    at: { file: 'x.yaml', line: 6, column: 5, pointer: '/features/sso/included' },
    says: [/"sso" is a boolean feature/, /cannot give it "included"/],
  },
  {
    name: 'a metered item without an included amount',
    code: 'missing-included',
    files: { 'x.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  calls: { reset: month }\n' },
    at: { file: 'x.yaml', line: 5, column: 3, pointer: '/features/calls' },
    says: [/how many units of "calls" are included/, /0 for pure pay-per-use/],
  },
  {
    name: 'profiles that extend each other',
    code: 'profile-cycle',
    files: { 'p.yaml': 'kind: Profile\nid: a\nextends: [b]\n---\nkind: Profile\nid: b\nextends: [a]\n' },
    at: { file: 'p.yaml', line: 7, column: 11, pointer: '/extends/0' },
    says: [/cycle: a → b → a/],
  },
  // ── semantic warnings ───────────────────────────────────────────────────────────────────────────
  {
    name: 'a spend limit where overage is blocked',
    code: 'ineffective-spend-limit',
    files: { 'x.yaml': customer('controls:\n  calls:\n    overage: block\n    maxOverageUnits: 100\n') },
    at: { file: 'x.yaml', line: 7, column: 22, pointer: '/controls/calls/maxOverageUnits' },
    says: [/Spend limit of 100 on "calls" has no effect/, /overage resolves to block \(set by customer\)/],
  },
  {
    name: 'a usage alert above the hard limit',
    code: 'unreachable-alert',
    files: { 'x.yaml': customer('controls:\n  calls:\n    overage: block\n    usageAlerts: [{ threshold: 2000, type: usage }]\n') },
    at: { file: 'x.yaml', line: 7, column: 32, pointer: '/controls/calls/usageAlerts/0/threshold' },
    says: [/Usage alert at 2000 on "calls" can never fire/, /capped at 1000/],
  },
  {
    name: 'an overage limit on a customer with nothing charged',
    code: 'overage-limit-without-charges',
    files: { 'x.yaml': customer('controls:\n  calls: { overage: block }\noverageLimit: { maxOverageAmount: 5000, onLimitReached: block }\n') },
    at: { file: 'x.yaml', line: 6, column: 15, pointer: '/overageLimit' },
    says: [/"acme" has an overage limit but no feature where overage is charged/],
  },
  // A definition that failed the schema or is defined twice is reported once; what uses it gets one note.
  {
    name: 'a plan that failed the schema, with customers on it',
    code: 'unresolved-dependents',
    files: {
      'p2.yaml': 'kind: Plan\nid: p2\ncurrency: USD\nfeatures:\n  calls: { included: 1, pricing: usage_based, price: { amount: 1.5, per: 1 } }\n',
      'c.yaml': ['a', 'b', 'c', 'd'].map((id) => `kind: Customer\nid: ${id}\nplan: p2\ncontrols:\n  calls: { maxOverageUnits: 5 }\n`).join('---\n'),
    },
    at: { file: 'p2.yaml', line: 5, column: 64, pointer: '/features/calls/price/amount' }, // beside the plan's own error
    says: [/Plan "p2" has errors/, /4 customers \(a, b, c and 1 more\)/],
    alongside: ['invalid-money'],
  },
  {
    name: 'a profile that failed the schema, extended by a profile and (through it) a customer',
    code: 'unresolved-dependents',
    files: {
      'base.yaml': 'kind: Profile\nid: base\ncontrols:\n  calls: { overage: sometimes }\n',
      'strict.yaml': 'kind: Profile\nid: strict\nextends: [base]\n',
      'x.yaml': customer('extends: [strict]\n'),
    },
    at: { file: 'base.yaml', line: 4, column: 21, pointer: '/controls/calls/overage' },
    says: [/Profile "base" has errors/, /1 profile \(strict\); 1 customer \(acme\)/],
    alongside: ['invalid-value'],
  },
  {
    name: 'a plan defined twice, the first without a feature a customer controls',
    code: 'unresolved-dependents',
    files: {
      'pro2.yaml': PLAN.replace('sso: {}', 'sso: {}\n  seats: { included: 1 }'),
      'x.yaml': customer('controls:\n  seats: { overage: block }\n'),
    },
    at: { file: 'pro2.yaml', line: 2, column: 5, pointer: '/id' }, // beside the duplicate-id error
    says: [/Plan "pro" is defined more than once/, /1 customer \(acme\)/],
    alongside: ['duplicate-id'],
  },
  {
    name: 'a customer that failed the schema, with a standalone entity',
    code: 'unresolved-dependents',
    files: { 'x.yaml': customer('colour: blue\n'), 'ws.yaml': 'kind: Entity\nid: ws\ncustomer: acme\n' },
    at: { file: 'x.yaml', line: 4, column: 1, pointer: '/colour' },
    says: [/Customer "acme" has errors/, /1 entity \(acme\/ws\)/],
    alongside: ['unknown-key'],
  },
  // Derived amounts past 2^53 - 1 would be rounded floats in the artifact: refused where the value is set.
  {
    name: "a plan's maxPurchase times a price of 2^53 - 1",
    code: 'money-out-of-range',
    files: { 'x.yaml': HUGE_PRICE_PLAN + '    maxPurchase: 2\n---\nkind: Customer\nid: acme\nplan: p2\n' },
    at: { file: 'x.yaml', line: 10, column: 18, pointer: '/features/calls/maxPurchase' },
    says: [/ceil\(2 \/ 1\) × 9007199254740991 minor units/, /customer "acme"/, /2\^53 - 1/],
    related: { file: 'x.yaml', line: 9, column: 12 },
  },
  {
    name: "a customer's spend limit times a large price",
    code: 'money-out-of-range',
    files: { 'x.yaml': HUGE_PRICE_PLAN + '---\nkind: Customer\nid: acme\nplan: p2\ncontrols:\n  calls:\n    maxOverageUnits: 3\n' },
    at: { file: 'x.yaml', line: 16, column: 22, pointer: '/controls/calls/maxOverageUnits' },
    says: [/ceil\(3 \/ 1\)/],
    related: { file: 'x.yaml', line: 9, column: 12 },
  },
  {
    name: 'two safe maximum charges (customer and entity) that add up past 2^53 - 1',
    code: 'money-out-of-range',
    files: {
      'x.yaml': HUGE_PRICE_PLAN.replace('9007199254740991', '4503599627370496') + '    maxPurchase: 1\n---\nkind: Customer\nid: acme\nplan: p2\nentities:\n  ws: {}\n',
    },
    at: { file: 'x.yaml', line: 13, column: 5, pointer: '/id' },
    says: [/customer "acme" and its entities can be billed adds up to more than 9007199254740991/, /onLimitReached: block/],
  },
  {
    name: 'a spend limit that takes the hard limit past 2^53 - 1',
    code: 'units-out-of-range',
    files: { 'x.yaml': customer('controls:\n  calls:\n    maxOverageUnits: 9007199254740991\n') },
    at: { file: 'x.yaml', line: 6, column: 22, pointer: '/controls/calls/maxOverageUnits' },
    says: [/1000 included \+ 9007199254740991 overage units/],
  },
];

describe('every diagnostic code, at its exact place', () => {
  it.each(CASES.map((c) => ({ ...c, title: `${c.code}: ${c.name}` })))('$title', (c) => {
    const { dir, analysis } = check(c.files);
    expect(analysis.diagnostics.map((d) => d.code).sort()).toEqual([c.code, ...(c.alongside ?? [])].sort());
    const d = analysis.diagnostics.find((x) => x.code === c.code)!;
    expect({ file: d.file, line: d.line, column: d.column, pointer: d.pointer, severity: d.severity }).toEqual({
      ...c.at,
      file: dir.shown(c.at.file),
      severity: DIAGNOSTIC_CODES[c.code].severity,
    });
    for (const pattern of c.says) expect(d.message).toMatch(pattern);
    if (c.related) {
      expect(d.related).toHaveLength(1);
      expect(d.related![0]).toMatchObject({ ...c.related, file: dir.shown(c.related.file) });
    }
  });
});

describe('warnings point at mistakes, not at a more specific layer’s choice', () => {
  const codes = (files: Record<string, string>) => check(files).analysis.diagnostics.map((d) => [d.code, d.line, d.column]);

  it('says nothing when an entity blocks overage under its customer’s cap (the cap still works for the customer)', () => {
    expect(codes({ 'x.yaml': customer('controls:\n  calls: { maxOverageUnits: 100, usageAlerts: [{ threshold: 1050, type: usage }] }\nentities:\n  ws:\n    controls:\n      calls: { overage: block }\n') })).toEqual([]);
  });

  it('warns at the entity’s cap when its customer blocks overage and the entity does not allow it', () => {
    expect(codes({ 'x.yaml': customer('controls:\n  calls: { overage: block }\nentities:\n  ws:\n    controls:\n      calls: { maxOverageUnits: 100 }\n') })).toEqual([
      ['ineffective-spend-limit', 9, 33],
    ]);
  });

  it('warns at a customer’s cap when a profile below it blocks overage', () => {
    expect(
      codes({
        'p.yaml': 'kind: Profile\nid: strict\ncontrols:\n  calls: { overage: block }\n',
        'x.yaml': customer('extends: [strict]\ncontrols:\n  calls: { maxOverageUnits: 100, usageAlerts: [{ threshold: 1050, type: usage }] }\n'),
      }),
    ).toEqual([
      ['ineffective-spend-limit', 6, 29],
      ['unreachable-alert', 6, 61],
    ]);
  });
});

describe('problems with the directory and its files', () => {
  it('dir-not-found: a directory that does not exist', () => {
    const missing = path.join(os.tmpdir(), 'tollgate-test-no-such-dir', 'policies');
    const [d, ...rest] = analyze(missing).diagnostics;
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'dir-not-found', severity: 'error', line: 1, column: 1, pointer: '' });
    expect(d!.file).toBe(path.relative(process.cwd(), missing).split(path.sep).join('/'));
    expect(d!.message).toMatch(/does not exist/);
    expect(d!.message).toContain(d!.file);
  });

  it('dir-not-found: a file given as the directory', () => {
    const { dir } = check({ 'x.yaml': 'kind: Feature\nid: a\ntype: metered\n' });
    const [d] = analyze(path.join(dir.path, 'x.yaml')).diagnostics;
    expect(d).toMatchObject({ code: 'dir-not-found', file: dir.shown('x.yaml'), line: 1, column: 1 });
    expect(d!.message).toMatch(/is not a directory/);
  });

  it('dir-empty: a directory without YAML files (others are ignored)', () => {
    const { dir, analysis } = check({ 'README.md': '# policies\n', 'notes.txt': 'kind: Feature\n' }, false);
    expect(analysis.diagnostics).toHaveLength(1);
    expect(analysis.diagnostics[0]).toMatchObject({ code: 'dir-empty', severity: 'error', file: dir.shown(''), line: 1, column: 1 });
    expect(analysis.diagnostics[0]!.message).toMatch(/No \*\.yaml or \*\.yml files/);
  });

  it('file-too-large: one byte over MAX_FILE_BYTES, refused without reading it', () => {
    const { dir } = check({});
    truncateSync(dir.write('huge.yaml', ''), MAX_FILE_BYTES + 1); // sparse: no 16 MiB written
    const analysis = analyze(dir.path);
    expect(analysis.diagnostics.map((d) => d.code)).toEqual(['file-too-large']);
    expect(analysis.diagnostics[0]).toMatchObject({ severity: 'error', file: dir.shown('huge.yaml'), line: 1, column: 1, pointer: '' });
    expect(analysis.diagnostics[0]!.message).toContain('File is 16,777,217 bytes; tollgate reads files up to 16,777,216 bytes (16 MiB).');
    expect(analysis.customers.size).toBe(0);
  });

  it('file-unreadable: a policy file that is a broken symbolic link', () => {
    const { dir } = check({});
    symlinkSync(path.join(dir.path, 'gone', 'acme.yaml'), path.join(dir.path, 'acme.yaml'));
    const analysis = analyze(dir.path);
    expect(analysis.diagnostics.map((d) => d.code)).toEqual(['file-unreadable']);
    expect(analysis.diagnostics[0]).toMatchObject({ severity: 'error', file: dir.shown('acme.yaml'), line: 1, column: 1 });
    expect(analysis.diagnostics[0]!.message).toMatch(/does not exist.*symbolic link/);
  });

  // root reads anything, so permissions can only be tested as another user
  it.skipIf(process.getuid?.() === 0)('file-unreadable: a folder without read permission', () => {
    const { dir } = check({});
    mkdirSync(path.join(dir.path, 'locked'));
    chmodSync(path.join(dir.path, 'locked'), 0o000);
    try {
      const analysis = analyze(dir.path);
      expect(analysis.diagnostics).toMatchObject([{ code: 'file-unreadable', file: dir.shown('locked'), line: 1, column: 1 }]);
      expect(analysis.diagnostics[0]!.message).toMatch(/Cannot read the folder \(EACCES\)/);
    } finally {
      chmodSync(path.join(dir.path, 'locked'), 0o700);
    }
  });

  it('reads policy files and folders reached through symbolic links, and survives a link loop', () => {
    const { dir: shared } = check({ 'acme.yaml': customer('') }, false);
    const { dir } = check({});
    symlinkSync(shared.path, path.join(dir.path, 'customers'));
    symlinkSync(dir.path, path.join(dir.path, 'loop'));
    const analysis = analyze(dir.path);
    expect(analysis.diagnostics).toEqual([]);
    expect([...analysis.customers.keys()]).toEqual(['acme']);
  });

  it('reads a UTF-8 file with a byte order mark, positions counted after it', () => {
    const { dir, analysis } = check({ 'x.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('kind: Featur\nid: a\ntype: metered\n')]) });
    expect(analysis.diagnostics).toMatchObject([{ code: 'unknown-kind', file: dir.shown('x.yaml'), line: 1, column: 7 }]);
  });
});

describe('positions', () => {
  it('puts the end of a CRLF line at the \\r, never one column further at the \\n', () => {
    const crlf = new SourceFile('x.yaml', 'kind: Feature\r\nid: a\r\n');
    expect(crlf.position(13)).toEqual({ line: 1, column: 14 }); // the \r
    expect(crlf.position(14)).toEqual({ line: 1, column: 14 }); // the \n
    expect(crlf.position(15)).toEqual({ line: 2, column: 1 });
    expect(crlf.line(1)).toBe('kind: Feature');
  });

  it('counts a lone CR as a line break, as YAML and editors do', () => {
    const cr = new SourceFile('x.yaml', 'kind: Feature\rid: a\r');
    expect(cr.position(14)).toEqual({ line: 2, column: 1 });
    expect(cr.lineCount).toBe(3);
    expect(cr.line(1)).toBe('kind: Feature');
  });

  // (not CR-only: the yaml parser does not take a lone CR as a line break, so such a file fails to parse)
  it.each([['CRLF', '\r\n']])('reports a %s file at the same places as its LF twin', (_, eol) => {
    const lf = customer('controls:\n  calls: { overage: alow }\n  credits: { autoTopup: { threshold: 1 } }\n');
    const a = check({ 'x.yaml': lf }).analysis.diagnostics;
    const b = check({ 'x.yaml': lf.replace(/\n/g, eol) }).analysis.diagnostics;
    expect(a).toHaveLength(2);
    expect(b.map((d) => [d.code, d.line, d.column, d.endLine, d.endColumn])).toEqual(a.map((d) => [d.code, d.line, d.column, d.endLine, d.endColumn]));
  });
});

describe('prototype keys', () => {
  it('never pollutes Object.prototype, wherever __proto__ appears', () => {
    const { analysis } = check({
      'x.yaml': yaml`
        kind: Customer
        id: acme
        plan: pro
        __proto__: { polluted: true }
        controls:
          __proto__: { overage: allow }
          calls: { __proto__: { polluted: true } }
        entities:
          __proto__: { controls: {} }
      `,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('overage');
    expect(analysis.diagnostics.map((d) => [d.code, d.pointer])).toEqual([
      ['unknown-key', '/__proto__'],
      ['invalid-id', '/controls/__proto__'],
      ['unknown-key', '/controls/calls/__proto__'],
      ['invalid-id', '/entities/__proto__'],
    ]);
  });

  it('resolves features whose ids are names of Object.prototype members', () => {
    const { analysis } = check({
      'x.yaml': yaml`
        kind: Feature
        id: constructor
        type: metered
        ---
        kind: Plan
        id: p2
        currency: USD
        features:
          constructor: { included: 5 }
        ---
        kind: Customer
        id: acme
        plan: p2
        controls:
          toString: {}
      `,
    });
    expect(analysis.diagnostics.map((d) => d.code)).toEqual(['unknown-feature']);
    expect(analysis.customers.get('acme')!.features.constructor).toMatchObject({ overage: 'block', hardLimit: 5, usageAlerts: [] });
  });
});

describe('the example policies', () => {
  it('validate with zero diagnostics', () => {
    const analysis = analyze('policies');
    expect(analysis.diagnostics).toEqual([]);
    expect(analysis.customers.size).toBe(13);
  });
});

describe('analyze never throws', () => {
  const NASTY: Record<string, string | Uint8Array> = {
    binary: Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256)),
    nul: 'kind: Feature\u0000\nid: a\n',
    controlChars: 'kind: \u0007Feature\nid: \u001b[31ma\n',
    scalarDoc: 'just a string\n',
    listDoc: '- kind: Feature\n- id: a\n',
    numberDoc: '42\n',
    nullDoc: '~\n',
    tags: 'kind: !Customer Customer\nid: !!binary aGVsbG8=\nplan: !!int 5\n',
    mergeKey: 'base: &b { plan: pro }\nkind: Customer\nid: acme\n<<: *b\n',
    oddKeys: customer('controls:\n  1: {}\n  true: {}\n  null: {}\n  ~: {}\n'),
    nullKey: customer(': x\n'),
    wrongTypesEverywhere: 'kind: Customer\nid: 5\nplan: [pro]\nextends: x\ncontrols: 5\nentities: [1]\noverageLimit: []\n',
    wrongTypesInPlan: 'kind: Plan\nid: p\ncurrency: 5\nfeatures: []\ncontrols: { calls: 5 }\noverageLimit: { maxOverageAmount: x }\n',
    nullEverywhere: 'kind: Customer\nid: acme\nplan: pro\nextends: null\ncontrols: null\nentities: null\noverageLimit: null\n',
    nullControls: customer('controls:\n  calls: null\n  credits: { autoTopup: null, usageAlerts: null }\nentities:\n  ws: null\n'),
    selfExtending: 'kind: Profile\nid: p\nextends: [p, p, missing]\n---\n' + customer('extends: [p, p]\n'),
    entityOfNobody: 'kind: Entity\nid: ws\ncustomer: nobody\ncontrols:\n  credits: { autoTopup: { threshold: 1, quantity: 1 } }\n  nope: {}\n',
    hugeNumbers: customer('controls:\n  calls: { maxOverageUnits: 1e300 }\noverageLimit: { maxOverageAmount: 99999999999999999999, onLimitReached: block }\n'),
    nanAndInf: customer('controls:\n  calls: { usageAlerts: [{ threshold: .nan, type: usage }, { threshold: -.inf, type: usage_percentage }] }\n'),
    longLine: 'kind: Feature\nid: ' + 'a'.repeat(200_000) + '\ntype: metered\n',
    manyDocs: Array.from({ length: 2000 }, (_, i) => `kind: Feature\nid: f${i}\ntype: metered\n`).join('---\n'),
    crlf: 'kind: Feature\r\nid: a\r\ntype: meterd\r\n',
    onlyComments: '# nothing here\n',
    empty: '',
    documentEnd: 'kind: Feature\nid: a\ntype: metered\n...\n...\n',
    directives: '%YAML 1.1\n---\nkind: Feature\nid: a\ntype: metered\n',
    badDirective: '%FOO bar\nkind: Feature\n',
  };

  it.each(Object.keys(NASTY))('%s', (name) => {
    let diagnostics: Diagnostic[] = [];
    expect(() => {
      diagnostics = check({ 'x.yaml': NASTY[name]! }).analysis.diagnostics;
    }).not.toThrow();
    for (const d of diagnostics) {
      expect(Object.keys(DIAGNOSTIC_CODES)).toContain(d.code);
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
      expect(d.message.length).toBeGreaterThan(10);
    }
  });
});

describe('coverage of the code registry', () => {
  it('has a case for every code except the plan-time ones (unsupported-control, unmanaged-conflict, catalog-*)', () => {
    const covered = new Set<string>([
      ...CASES.map((c) => c.code),
      // the directory and file cases above, which need more than files to set up
      'dir-not-found',
      'dir-empty',
      'file-too-large',
      'file-unreadable',
    ]);
    // The plan-time codes have their cases in test/targets/autumn/{catalog-check,unmanaged}.test.ts.
    const planTime = (c: string) => c === 'unsupported-control' || c === 'unmanaged-conflict' || c.startsWith('catalog-');
    const all = Object.keys(DIAGNOSTIC_CODES).filter((c) => !planTime(c));
    expect(all.filter((c) => !covered.has(c))).toEqual([]);
  });
});
