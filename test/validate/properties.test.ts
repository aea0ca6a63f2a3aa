import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Diagnostic, Location } from '../../src/diagnostics/diagnostic.js';
import { canonicalJson, digestOf } from '../../src/resolve/canonical.js';
import { analyze, type Analysis } from '../../src/validate/index.js';
import { policyDir } from '../helpers/policy-dir.js';

// Laws of STYLE.md "Tests": every diagnostic has a location inside the file it names; compile is deterministic.
// Each analyze() of the example policies costs ~100 ms (the yaml parser), so runs are few; a run picks new
// inputs every time, and RUNS=<n> explores longer locally.
const RUNS = Number(process.env.RUNS ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * RUNS)) });

/** The example policies, relative path → text. */
function exampleFiles(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) out.push([path.relative('policies', full), readFileSync(full, 'utf8')]);
    }
  };
  walk('policies');
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

const EXAMPLES = exampleFiles();

// ── random edits of the example files ──────────────────────────────────────────────────────────────

const INSERTS = [':', '-', '- ', '"', "'", ' ', '  ', '\n', '\t', '{', '}', '[', ']', '#', '&a ', '*a', '!', '|', '>', ',', '?', '%', '@', '`', 'x', '0', 'é', '😀', '\r', '\r\n', ': :', '---\n', '...\n', '~', '\u00a0', '\ufeff'];
const VALUES = ['null', '~', '-1', '1.5', '0', '99999999999999999999', '.inf', '.nan', 'unlimited', 'unlimted', '[]', '{}', 'allow', 'alow', 'block', 'usage_based', '"x"', 'true', '&a 1', '*a', '*b', '[1, [2, [3]]]', '{ threshold: 101, type: usage_percentage }', 'pro', 'enterprise', 'api_calls', 'cust_123', '-bad id'];
const KEYS = ['kind', 'id', 'plan', 'plna', 'extends', 'controls', 'overage', 'maxOverageUnits', 'usageAlerts', 'autoTopup', 'overageLimit', 'entities', 'customer', '__proto__', 'constructor', 'api_calls', 'sso', 'credits', 'included', 'pricing', 'price', 'topUpPrice', '"quoted key"', '? complex'];

type Edit =
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'bytes'; at: number; bytes: number[] }
  | { kind: 'duplicate-line' | 'delete-line' | 'indent' | 'dedent'; line: number }
  | { kind: 'swap-lines'; line: number; other: number }
  | { kind: 'value' | 'key'; line: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'crlf' };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...INSERTS) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 6 }) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constantFrom('duplicate-line' as const, 'delete-line' as const, 'indent' as const, 'dedent' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('value' as const), line: fc.nat(), text: fc.constantFrom(...VALUES) }),
  fc.record({ kind: fc.constant('key' as const), line: fc.nat(), text: fc.constantFrom(...KEYS) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.constant({ kind: 'crlf' as const }),
);

/** Applies edits to a file's bytes; line edits work on the text, byte edits may break UTF-8 on purpose. */
function applyEdits(text: string, edits: readonly Edit[]): Buffer {
  let bytes: Buffer = Buffer.from(text, 'utf8');
  for (const e of edits) {
    const s = bytes.toString('utf8');
    const lines = s.split('\n');
    const li = 'line' in e ? e.line % lines.length : 0;
    let next: string | Buffer;
    switch (e.kind) {
      case 'delete': {
        const at = e.at % (s.length + 1);
        next = s.slice(0, at) + s.slice(at + e.length);
        break;
      }
      case 'insert': {
        const at = e.at % (s.length + 1);
        next = s.slice(0, at) + e.text + s.slice(at);
        break;
      }
      case 'bytes': {
        const at = e.at % (bytes.length + 1);
        next = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.bytes), bytes.subarray(at)]);
        break;
      }
      case 'duplicate-line':
        next = [...lines.slice(0, li + 1), lines[li]!, ...lines.slice(li + 1)].join('\n');
        break;
      case 'delete-line':
        next = [...lines.slice(0, li), ...lines.slice(li + 1)].join('\n');
        break;
      case 'indent':
        next = lines.map((l, i) => (i === li ? '  ' + l : l)).join('\n');
        break;
      case 'dedent':
        next = lines.map((l, i) => (i === li ? l.replace(/^ {1,2}/, '') : l)).join('\n');
        break;
      case 'swap-lines': {
        const lj = e.other % lines.length;
        const copy = [...lines];
        [copy[li], copy[lj]] = [copy[lj]!, copy[li]!];
        next = copy.join('\n');
        break;
      }
      case 'value':
        next = lines.map((l, i) => (i === li ? l.replace(/:(\s+).*$/, `:$1${e.text}`) : l)).join('\n');
        break;
      case 'key':
        next = lines.map((l, i) => (i === li ? l.replace(/^(\s*(?:- )?)[^:#\s][^:#]*:/, `$1${e.text}:`) : l)).join('\n');
        break;
      case 'truncate':
        next = bytes.subarray(0, e.at % (bytes.length + 1));
        break;
      case 'crlf':
        next = s.replace(/\r?\n/g, '\r\n');
        break;
    }
    bytes = typeof next === 'string' ? Buffer.from(next, 'utf8') : next;
  }
  return bytes;
}

/** The lines of a file as a person's editor shows them: split at LF, CRLF or a lone CR, without the break. */
function linesOf(bytes: Buffer): string[] {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split(/\r\n|\r|\n/);
}

/** Why a location is outside its file, or undefined when it is inside. */
function outside(loc: Location, files: ReadonlyMap<string, string[]>, dirShown: string): string | undefined {
  const lines = files.get(loc.file);
  if (!lines) return loc.file === dirShown && loc.line === 1 && loc.column === 1 ? undefined : `names a file that was not written: ${loc.file}`;
  const check = (line: number, column: number, what: string): string | undefined => {
    if (!Number.isInteger(line) || line < 1 || line > lines.length) return `${what} line ${line} of ${lines.length}`;
    const length = lines[line - 1]!.length;
    if (!Number.isInteger(column) || column < 1 || column > length + 1) return `${what} column ${column} on line ${line} of length ${length}`;
    return undefined;
  };
  const start = check(loc.line, loc.column, 'start');
  if (start) return start;
  const end = check(loc.endLine, loc.endColumn, 'end');
  if (end) return end;
  if (loc.endLine < loc.line || (loc.endLine === loc.line && loc.endColumn < loc.column)) return 'ends before it starts';
  return undefined;
}

describe('every diagnostic lies inside the file it names', () => {
  const mutation = fc.record({
    file: fc.nat({ max: EXAMPLES.length - 1 }),
    edits: fc.array(edit, { minLength: 1, maxLength: 4 }),
  });

  it('for random edits of the example policies', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const written = new Map<string, Buffer>(EXAMPLES.map(([rel, text]) => [rel, Buffer.from(text)]));
        for (const m of mutations) {
          const [rel] = EXAMPLES[m.file]!;
          written.set(rel, applyEdits(written.get(rel)!.toString('utf8'), m.edits));
        }
        const dir = policyDir(Object.fromEntries(written));
        try {
          const analysis = analyze(dir.path);
          const files = new Map([...written].map(([rel, bytes]) => [dir.shown(rel), linesOf(bytes)]));
          const problems: string[] = [];
          for (const d of analysis.diagnostics) {
            for (const loc of [d, ...(d.related ?? [])]) {
              const why = outside(loc, files, dir.shown(''));
              if (why) problems.push(`${d.code} at ${loc.line}:${loc.column}-${loc.endLine}:${loc.endColumn} in ${path.basename(loc.file)}: ${why}`);
            }
          }
          expect(problems).toEqual([]);
        } finally {
          dir.cleanup();
        }
      }),
      runs(40),
    );
  });

  it('for single edits anywhere in one small file', () => {
    const source = 'kind: Customer\nid: acme\nplan: pro\ncontrols:\n  api_calls:\n    overage: allow\n    usageAlerts:\n      - { threshold: 80, type: usage_percentage }\n';
    const catalog = EXAMPLES.filter(([rel]) => rel === 'features.yaml' || rel.startsWith('plans/'));
    fc.assert(
      fc.property(edit, (e) => {
        const bytes = applyEdits(source, [e]);
        const dir = policyDir({ ...Object.fromEntries(catalog), 'acme.yaml': bytes });
        try {
          const files = new Map<string, string[]>([
            ...catalog.map(([rel, text]): [string, string[]] => [dir.shown(rel), linesOf(Buffer.from(text))]),
            [dir.shown('acme.yaml'), linesOf(bytes)],
          ]);
          const problems = analyze(dir.path)
            .diagnostics.flatMap((d: Diagnostic) => [d, ...(d.related ?? [])])
            .map((loc) => outside(loc, files, dir.shown('')))
            .filter((why) => why !== undefined);
          expect(problems).toEqual([]);
        } finally {
          dir.cleanup();
        }
      }),
      runs(150),
    );
  });
});

// ── random valid policy sets ──────────────────────────────────────────────────────────────────────────

type Doc = Record<string, unknown>;

const FEATURE_POOL = ['calls', 'tokens', 'storage', 'seats', 'credits', 'sso'] as const;
const units = fc.integer({ min: 0, max: 100_000 });
const priceArb = fc.record({ amount: fc.integer({ min: 0, max: 10_000 }), per: fc.integer({ min: 1, max: 1_000 }) });
const alertsArb = fc.uniqueArray(
  fc.record(
    {
      type: fc.constantFrom('usage', 'usage_percentage'),
      threshold: fc.integer({ min: 0, max: 100 }),
      name: fc.constantFrom('warn', 'limit near', '80% of calls'),
      enabled: fc.boolean(),
    },
    { requiredKeys: ['type', 'threshold'] },
  ),
  { maxLength: 3, selector: (a) => `${a.type}:${a.threshold}` },
);
const limitArb = fc.oneof(
  fc.record({ maxOverageAmount: fc.integer({ min: 0, max: 10_000_000 }), onLimitReached: fc.constantFrom('block', 'notify') }),
  fc.constantFrom('unlimited', null),
);

/** Controls of some of `features`; autoTopup only where the plan sells top-ups, never on entities. */
function controlsArb(features: readonly string[], topUps: ReadonlySet<string>, entity = false): fc.Arbitrary<Doc> {
  return fc.subarray([...features]).chain((chosen) =>
    fc
      .tuple(
        ...chosen.map((f) =>
          fc.oneof(
            { weight: 1, arbitrary: fc.constant(null) },
            {
              weight: 5,
              arbitrary: fc.record(
                {
                  overage: fc.constantFrom('allow', 'block', null),
                  maxOverageUnits: fc.oneof(units, fc.constantFrom('unlimited', null)),
                  usageAlerts: fc.oneof(alertsArb, fc.constant(null)),
                  ...(topUps.has(f) && !entity
                    ? { autoTopup: fc.record({ threshold: units, quantity: fc.integer({ min: 1, max: 5000 }) }) }
                    : {}),
                },
                { requiredKeys: [] },
              ),
            },
          ),
        ),
      )
      .map((blocks) => Object.fromEntries(chosen.map((f, i) => [f, blocks[i]]))),
  );
}

interface PolicySetDocs {
  docs: Doc[];
}

const policySetArb: fc.Arbitrary<PolicySetDocs> = fc
  .record({
    types: fc.tuple(...FEATURE_POOL.map((f) => (f === 'sso' ? fc.constant('boolean') : f === 'credits' ? fc.constant('credits') : fc.constantFrom('metered', 'credits')))),
    planCount: fc.integer({ min: 1, max: 2 }),
    profileCount: fc.integer({ min: 0, max: 3 }),
    customerCount: fc.integer({ min: 1, max: 4 }),
  })
  .chain(({ types, planCount, profileCount, customerCount }) => {
    const features = FEATURE_POOL.map((id, i) => ({ kind: 'Feature', id, type: types[i] }));
    const controllable = FEATURE_POOL.filter((_, i) => types[i] !== 'boolean');
    const planArb = (id: string) =>
      fc.subarray([...FEATURE_POOL], { minLength: 1 }).chain((included) => {
        const metered = included.filter((f) => controllable.includes(f as never));
        return fc
          .tuple(
            fc.tuple(
              ...metered.map(() =>
                fc.record(
                  {
                    included: units,
                    reset: fc.constantFrom('day', 'month', 'never'),
                    pricing: fc.constantFrom('included', 'usage_based', 'prepaid'),
                    maxPurchase: units,
                    topUpPrice: priceArb,
                  },
                  { requiredKeys: ['included', 'pricing'] },
                ),
              ),
            ),
            priceArb,
            limitArb,
          )
          .chain(([items, price, overageLimit]) => {
            const itemMap: Record<string, Doc> = {};
            metered.forEach((f, i) => {
              const item: Doc = { ...items[i]! };
              if (item.pricing === 'usage_based') item.price = price;
              itemMap[f] = item;
            });
            if (included.includes('sso')) itemMap.sso = {};
            const topUps = new Set(metered.filter((f) => itemMap[f]!.topUpPrice !== undefined));
            return controlsArb(metered, topUps).map((controls) => ({
              doc: { kind: 'Plan', id, currency: 'USD', features: itemMap, controls, overageLimit } as Doc,
              metered,
              topUps,
            }));
          });
      });
    const profileArb = (i: number) =>
      fc
        .tuple(fc.subarray(Array.from({ length: i }, (_, j) => `profile-${j}`)), controlsArb(controllable, new Set()), limitArb)
        .map(([ext, controls, overageLimit]) => ({ kind: 'Profile', id: `profile-${i}`, extends: ext, controls, overageLimit }) as Doc);
    return fc
      .tuple(fc.tuple(...Array.from({ length: planCount }, (_, i) => planArb(`plan-${i}`))), fc.tuple(...Array.from({ length: profileCount }, (_, i) => profileArb(i))))
      .chain(([plans, profiles]) => {
        const customerArb = (i: number) =>
          fc.nat({ max: plans.length - 1 }).chain((p) => {
            const plan = plans[p]!;
            return fc
              .tuple(
                fc.shuffledSubarray(profiles.map((pr) => pr.id as string)),
                controlsArb(plan.metered, plan.topUps),
                limitArb,
                fc.array(controlsArb(plan.metered, plan.topUps, true), { maxLength: 2 }),
                fc.array(controlsArb(plan.metered, plan.topUps, true), { maxLength: 2 }),
              )
              .map(([ext, controls, overageLimit, inline, standalone]) => [
                {
                  kind: 'Customer',
                  id: `cust-${i}`,
                  name: `Customer ${i}`,
                  plan: plan.doc.id,
                  extends: ext,
                  controls,
                  overageLimit,
                  entities: Object.fromEntries(inline.map((c, j) => [`ws-${j}`, { controls: c }])),
                } as Doc,
                ...standalone.map((c, j) => ({ kind: 'Entity', id: `team-${j}`, customer: `cust-${i}`, controls: c }) as Doc),
              ]);
          });
        return fc.tuple(...Array.from({ length: customerCount }, (_, i) => customerArb(i))).map((customers) => ({
          docs: [...features, ...plans.map((p) => p.doc), ...profiles, ...customers.flat()],
        }));
      });
  });

/** One file per document, in the given order. */
function filesOf(docs: readonly Doc[]): Record<string, string> {
  return Object.fromEntries(docs.map((d, i) => [`${String(i).padStart(3, '0')}-${String(d.kind).toLowerCase()}.yaml`, stringify(d)]));
}

function effectiveOf(analysis: Analysis) {
  return Object.fromEntries(analysis.customers);
}

describe('compile is deterministic', () => {
  it('gives identical canonical JSON (effective policy and diagnostics) when the same policies are analyzed twice', () => {
    fc.assert(
      fc.property(policySetArb, ({ docs }) => {
        const dir = policyDir(filesOf(docs));
        try {
          const first = analyze(dir.path);
          const second = analyze(dir.path);
          expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          expect(canonicalJson({ customers: effectiveOf(second), diagnostics: second.diagnostics })).toBe(
            canonicalJson({ customers: effectiveOf(first), diagnostics: first.diagnostics }),
          );
        } finally {
          dir.cleanup();
        }
      }),
      runs(40),
    );
  });

  it('gives the same digest however the documents are ordered and split into files', () => {
    fc.assert(
      fc.property(
        policySetArb.chain(({ docs }) => fc.tuple(fc.constant(docs), fc.shuffledSubarray(docs, { minLength: docs.length, maxLength: docs.length }))),
        ([docs, shuffled]) => {
          const apart = policyDir(filesOf(docs));
          const together = policyDir({ 'all.yaml': shuffled.map((d) => stringify(d)).join('---\n') });
          try {
            const a = analyze(apart.path);
            const b = analyze(together.path);
            expect(digestOf(effectiveOf(b))).toBe(digestOf(effectiveOf(a)));
            expect(b.diagnostics.map((d) => d.code).sort()).toEqual(a.diagnostics.map((d) => d.code).sort());
          } finally {
            apart.cleanup();
            together.cleanup();
          }
        },
      ),
      runs(40),
    );
  });
});
