// fast-check arbitraries for random *valid* policy sets, written out as YAML files the way a team would keep
// them: features and plans in one file each, one file per profile and per customer, standalone entities apart.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';

/** Metered features every generated plan includes; credits carries top-ups; sso is boolean (never controlled). */
const METERED = ['calls', 'tokens', 'storage'] as const;
const CREDITS = 'credits';
const ALL_CONTROLLED = [...METERED, CREDITS] as const;

type Doc = Record<string, unknown>;

/** Files of a policy directory, relative path → YAML text. */
export type PolicyFiles = Record<string, string>;

const units = fc.integer({ min: 0, max: 50_000 });
const price = fc.record({ amount: fc.integer({ min: 0, max: 5_000 }), per: fc.integer({ min: 1, max: 1_000 }) });

/** A list of alerts with no two of the same type and threshold; percentages within 0–100. */
const alerts = fc
  .uniqueArray(
    fc.oneof(
      fc.record({ type: fc.constant('usage_percentage'), threshold: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ type: fc.constant('usage'), threshold: units }),
    ),
    { maxLength: 3, selector: (a) => `${a.type}:${a.threshold}` },
  )
  .chain((list) =>
    fc.tuple(...list.map((a) => fc.record({ name: fc.option(fc.constantFrom('warn', 'Heads-up: 80%', 'limit near'), { nil: undefined }), enabled: fc.option(fc.boolean(), { nil: undefined }) }))).map((extras) =>
      list.map((a, i) => {
        const alert: Doc = { threshold: a.threshold, type: a.type };
        if (extras[i]!.name !== undefined) alert.name = extras[i]!.name;
        if (extras[i]!.enabled !== undefined) alert.enabled = extras[i]!.enabled;
        return alert;
      }),
    ),
  );

const autoTopup = fc.record(
  {
    threshold: units,
    quantity: fc.integer({ min: 1, max: 10_000 }),
    purchaseLimit: fc.record(
      { interval: fc.constantFrom('hour', 'day', 'week', 'month'), intervalCount: fc.integer({ min: 1, max: 3 }), limit: fc.integer({ min: 1, max: 10 }) },
      { requiredKeys: ['interval', 'limit'] },
    ),
    enabled: fc.boolean(),
  },
  { requiredKeys: ['threshold', 'quantity'] },
);

/** One feature's controls; `null` (inherit) is as likely as a value. Entities never carry autoTopup. */
function featureControls(feature: string, entity: boolean): fc.Arbitrary<Doc | null> {
  const keys: Record<string, fc.Arbitrary<unknown>> = {
    overage: fc.constantFrom('allow', 'block', null),
    maxOverageUnits: fc.oneof(units, fc.constant('unlimited'), fc.constant(null)),
    usageAlerts: fc.oneof(alerts, fc.constant(null)),
  };
  if (feature === CREDITS && !entity) keys.autoTopup = fc.oneof(autoTopup, fc.constant(null));
  return fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: fc.record(keys, { requiredKeys: [] }) });
}

function controls(entity: boolean): fc.Arbitrary<Doc> {
  return fc
    .subarray([...ALL_CONTROLLED])
    .chain((features) => fc.tuple(...features.map((f) => featureControls(f, entity))).map((values) => Object.fromEntries(features.map((f, i) => [f, values[i]]))));
}

const overageLimit = fc.oneof(
  fc.record({ maxOverageAmount: fc.integer({ min: 0, max: 1_000_000 }), onLimitReached: fc.constantFrom('block', 'notify') }),
  fc.constant('unlimited'),
  fc.constant(null),
);

/** Optional keys: absent, or drawn from the arbitrary. */
function withOptional(base: Doc, optional: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Doc> {
  return fc.record(Object.fromEntries(Object.entries(optional).map(([k, a]) => [k, fc.option(a, { nil: undefined, freq: 2 })]))).map((o) => {
    const doc = { ...base };
    for (const [k, v] of Object.entries(o)) if (v !== undefined) doc[k] = v;
    return doc;
  });
}

const meteredItem = fc.oneof(
  fc.record({ included: units, reset: fc.constantFrom('hour', 'day', 'week', 'month', 'quarter', 'year', 'never'), pricing: fc.constant('included') }, { requiredKeys: ['included'] }),
  fc.record({ included: units, reset: fc.constantFrom('month', 'never'), pricing: fc.constant('usage_based'), price, maxPurchase: units }, { requiredKeys: ['included', 'pricing', 'price'] }),
);

function planDoc(id: string): fc.Arbitrary<Doc> {
  return fc
    .tuple(fc.tuple(...METERED.map(() => meteredItem)), fc.record({ included: units, reset: fc.constant('month'), topUpPrice: price }), fc.constantFrom('USD', 'EUR'))
    .chain(([items, credits, currency]) =>
      withOptional(
        { kind: 'Plan', id, currency, features: { ...Object.fromEntries(METERED.map((f, i) => [f, items[i]])), [CREDITS]: credits, sso: {} } },
        { controls: controls(false), overageLimit },
      ),
    );
}

export interface PolicySetSpec {
  files: PolicyFiles;
  customers: string[];
}

/** A valid policy set: 1–2 plans, 0–2 profiles (the second may extend the first), 1–4 customers with entities. */
export const policySet: fc.Arbitrary<PolicySetSpec> = fc
  .record({
    plans: fc.integer({ min: 1, max: 2 }),
    profiles: fc.integer({ min: 0, max: 2 }),
    customers: fc.uniqueArray(fc.constantFrom('acme', 'hooli', 'initech', 'globex', 'umbrella', 'cust_7'), { minLength: 1, maxLength: 4 }),
  })
  .chain(({ plans, profiles, customers }) => {
    const planIds = ['pro', 'scale'].slice(0, plans);
    const profileIds = ['enterprise', 'strict'].slice(0, profiles);
    const profileDocs = fc.tuple(
      ...profileIds.map((id, i) =>
        fc.boolean().chain((extendsFirst) => withOptional({ kind: 'Profile', id, ...(i === 1 && extendsFirst ? { extends: [profileIds[0]] } : {}) }, { controls: controls(false), overageLimit })),
      ),
    );
    const entityNames = fc.uniqueArray(fc.constantFrom('ws_a', 'ws_b', 'eu', 'us'), { maxLength: 3 });
    const customerDocs = fc.tuple(
      ...customers.map((id) =>
        fc
          .record({ plan: fc.constantFrom(...planIds), extends: fc.subarray(profileIds), entities: entityNames, standalone: fc.integer({ min: 0, max: 3 }) })
          .chain(({ plan, extends: ext, entities, standalone }) =>
            fc
              .tuple(
                withOptional({ kind: 'Customer', id, name: `Customer ${id}`, plan, ...(ext.length > 0 ? { extends: ext } : {}) }, { controls: controls(false), overageLimit }),
                fc.tuple(...entities.map(() => fc.option(controls(true), { nil: undefined }))),
              )
              .map(([doc, entityControls]) => {
                // The first `standalone` entities are their own `kind: Entity` documents, the rest inline.
                const inline: Doc = {};
                const separate: Doc[] = [];
                entities.forEach((e, i) => {
                  const body = entityControls[i] === undefined ? {} : { controls: entityControls[i] };
                  if (i < standalone) separate.push({ kind: 'Entity', customer: id, id: e, ...body });
                  else inline[e] = body;
                });
                if (Object.keys(inline).length > 0) doc.entities = inline;
                return { doc, separate };
              }),
          ),
      ),
    );
    return fc.tuple(fc.tuple(...planIds.map(planDoc)), profileDocs, customerDocs).map(([planList, profileList, customerList]) => {
      const files: PolicyFiles = {
        'features.yaml': docs([...METERED.map((id) => ({ kind: 'Feature', id, type: 'metered' })), { kind: 'Feature', id: CREDITS, type: 'credits' }, { kind: 'Feature', id: 'sso', type: 'boolean' }]),
        'plans.yaml': docs(planList),
      };
      for (const p of profileList) files[`profiles/${p.id as string}.yaml`] = docs([p]);
      for (const c of customerList) files[`customers/${c.doc.id as string}.yaml`] = docs([c.doc]);
      const entities = customerList.flatMap((c) => c.separate);
      if (entities.length > 0) files['entities.yaml'] = docs(entities);
      return { files, customers };
    });
  });

function docs(list: readonly Doc[]): string {
  return list.map((d) => stringify(d, { nullStr: 'null' })).join('---\n');
}

/** Writes a policy set under `dir`, replacing nothing else there. */
export function writePolicies(dir: string, files: PolicyFiles): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
}
