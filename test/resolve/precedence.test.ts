import { afterEach, describe, expect, it } from 'vitest';
import type { EffectiveCustomer, EffectiveFeature, FeatureField, LayerName, Source } from '../../src/resolve/effective.js';
import { analyze, type Analysis } from '../../src/validate/index.js';
import { aCustomer, anEntity, aProfile, policyDir, positionOf, toYaml, yaml, type PolicyDir } from '../helpers/policy-dir.js';

// SPEC §2, seen from the effective policy a user gets: each (layer × control) cell, the derived
// numbers, and the provenance under `sources`.

const FEATURES = yaml`
  kind: Feature
  id: calls
  type: metered
  ---
  kind: Feature
  id: seats
  type: metered
  ---
  kind: Feature
  id: credits
  type: credits
  ---
  kind: Feature
  id: storage
  type: metered
  ---
  kind: Feature
  id: sso
  type: boolean
`;

// Line numbers of this text are asserted below: calls pricing is line 8, seats maxPurchase line 15.
const PLAN = yaml`
  kind: Plan
  id: pro
  currency: USD
  features:
    calls:
      included: 1000
      reset: month
      pricing: usage_based
      price: { amount: 100, per: 1000 }
    seats:
      included: 5
      reset: never
      pricing: usage_based
      price: { amount: 1200, per: 1 }
      maxPurchase: 45
    credits:
      included: 5000
      reset: month
      topUpPrice: { amount: 1000, per: 1000 }
    storage:
      included: 10
      pricing: prepaid
    sso: {}
`;

const dirs: PolicyDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function run(files: Record<string, string>): { dir: PolicyDir; analysis: Analysis } {
  const dir = policyDir({ 'features.yaml': FEATURES, 'plan.yaml': PLAN, ...files });
  dirs.push(dir);
  return { dir, analysis: analyze(dir.path) };
}

function customerOf(analysis: Analysis, id = 'c1'): EffectiveCustomer {
  const c = analysis.customers.get(id);
  if (!c) throw new Error(`customer ${id} was not resolved; diagnostics: ${JSON.stringify(analysis.diagnostics)}`);
  return c;
}

function entityFeature(analysis: Analysis, entity: string, feature: string, customer = 'c1'): EffectiveFeature {
  const e = customerOf(analysis, customer).entities[entity];
  if (!e) throw new Error(`entity ${entity} missing`);
  return e.features[feature]!;
}

/** Where the value of `key: ` starts in a generated file: line, and the column after "key: ". */
function valueAt(text: string, key: string): { line: number; column: number } {
  const p = positionOf(text, `${key}: `);
  return { line: p.line, column: p.column + key.length + 2 };
}

describe('every cell of the precedence table (SPEC §2)', () => {
  type Layer = Exclude<LayerName, 'default' | 'exception'>;
  const ORDER: Layer[] = ['entity', 'customer', 'profile', 'plan'];
  const FILE: Record<Layer, string> = { entity: 'entity.yaml', customer: 'customer.yaml', profile: 'profile.yaml', plan: 'plan.yaml' };

  interface Case {
    control: FeatureField;
    feature: string;
    /** What each layer writes; a missing layer cannot set this control. */
    values: Partial<Record<Layer, unknown>>;
    /** The plan-item default (row 5), where it is a value. */
    fallback: unknown;
    /** Where the default comes from in PLAN. */
    fallbackAt: { line: number; column: number };
    /** The default is a value a winner hides (recorded as overridden). */
    fallbackIsValue: boolean;
    effective: (raw: unknown) => unknown;
  }

  const same = (v: unknown) => v;
  const CASES: Case[] = [
    {
      control: 'overage',
      feature: 'calls',
      values: { entity: 'block', customer: 'allow', profile: 'block', plan: 'allow' },
      fallback: 'allow', // calls is usage_based
      fallbackAt: { line: 8, column: 14 },
      fallbackIsValue: true,
      effective: same,
    },
    {
      control: 'maxOverageUnits',
      feature: 'seats',
      values: { entity: 10, customer: 20, profile: 30, plan: 40 },
      fallback: 45, // seats maxPurchase
      fallbackAt: { line: 15, column: 18 },
      fallbackIsValue: true,
      effective: same,
    },
    {
      control: 'usageAlerts',
      feature: 'calls',
      values: {
        entity: [{ threshold: 11, type: 'usage' }],
        customer: [{ threshold: 22, type: 'usage', name: 'customer alert' }],
        profile: [{ threshold: 33, type: 'usage' }, { threshold: 50, type: 'usage_percentage' }],
        plan: [{ threshold: 44, type: 'usage', enabled: false }],
      },
      fallback: [],
      fallbackAt: { line: 6, column: 5 },
      fallbackIsValue: false,
      effective: (raw) =>
        (raw as Array<{ threshold: number; type: string; enabled?: boolean }>).map((a) => ({
          enabled: true,
          ...a,
          units: a.type === 'usage_percentage' ? (a.threshold * 1000) / 100 : a.threshold,
        })),
    },
    {
      control: 'usageLimits',
      feature: 'calls',
      values: {
        entity: [{ limit: 11, interval: 'day' }],
        customer: [{ limit: 22, interval: 'week', anchor: 'utc', filter: { properties: { tier: 'pro', region: 'eu' } } }],
        profile: [{ limit: 33, interval: 'month' }, { limit: 300, interval: 'year', enabled: false }],
        plan: [{ limit: 44, interval: 'day', anchor: 'billing_cycle' }],
      },
      fallback: [],
      fallbackAt: { line: 6, column: 5 },
      fallbackIsValue: false,
      // Defaults made explicit, filter keys sorted: as billing systems store a limit.
      effective: (raw) =>
        (raw as Array<{ limit: number; interval: string; anchor?: string; enabled?: boolean; filter?: { properties: Record<string, string> } }>).map((l) => ({
          limit: l.limit,
          interval: l.interval,
          anchor: l.anchor ?? 'billing_cycle',
          enabled: l.enabled ?? true,
          ...(l.filter ? { filter: { properties: Object.fromEntries(Object.entries(l.filter.properties).sort()) } } : {}),
        })),
    },
    {
      control: 'autoTopup',
      feature: 'credits',
      values: { customer: { threshold: 1, quantity: 200 }, profile: { threshold: 2, quantity: 300 }, plan: { threshold: 3, quantity: 400 } },
      fallback: null,
      fallbackAt: { line: 17, column: 5 },
      fallbackIsValue: false,
      effective: (raw) => ({ ...(raw as object), purchaseLimit: null, enabled: true }),
    },
  ];

  const grid = CASES.flatMap((c) =>
    [...ORDER, 'default' as const]
      .filter((winner) => winner === 'default' || c.values[winner] !== undefined)
      .flatMap((winner) => (['null', 'absent'] as const).map((above) => ({ c, winner, above, name: `${c.control} from ${winner} (higher layers ${above})` }))),
  );

  it.each(grid)('$name', ({ c, winner, above }) => {
    const rank = (l: Layer | 'default') => (l === 'default' ? ORDER.length : ORDER.indexOf(l));
    const written = (l: Layer): unknown => (rank(l) < rank(winner) ? (above === 'null' ? null : undefined) : c.values[l]);
    const controls = (l: Layer) => {
      const v = written(l);
      return v === undefined ? undefined : { [c.feature]: { [c.control]: v } };
    };
    const withControls = <T extends { with: (f: string, v: Record<string, unknown>) => T }>(b: T, l: Layer): T => {
      const block = controls(l);
      return block ? b.with(c.feature, block[c.feature]!) : b;
    };
    const text: Record<Layer, string> = {
      plan: PLAN + (controls('plan') ? toYaml({ controls: controls('plan') }) : ''),
      profile: withControls(aProfile('p1'), 'profile').toYaml(),
      customer: withControls(aCustomer('c1').extending('p1'), 'customer').toYaml(),
      entity: withControls(anEntity('e1').of('c1'), 'entity').toYaml(),
    };
    const { dir, analysis } = run({ 'plan.yaml': text.plan, 'profile.yaml': text.profile, 'customer.yaml': text.customer, 'entity.yaml': text.entity });
    expect(analysis.diagnostics).toEqual([]);

    const overridden = ORDER.filter((l) => rank(l) > rank(winner) && c.values[l] !== undefined).map((l) => ({
      layer: l,
      ...(l === 'profile' ? { profile: 'p1' } : {}),
      value: c.values[l],
      file: dir.shown(FILE[l]),
      line: valueAt(text[l], c.control).line,
    }));
    if (winner !== 'default' && c.fallbackIsValue) {
      overridden.push({ layer: 'default' as Layer, value: c.fallback, file: dir.shown('plan.yaml'), line: c.fallbackAt.line });
    }
    const expected: Source =
      winner === 'default'
        ? { layer: 'default', file: dir.shown('plan.yaml'), ...c.fallbackAt, overridden: [] }
        : {
            layer: winner,
            ...(winner === 'profile' ? { profile: 'p1' } : {}),
            file: dir.shown(FILE[winner]),
            ...valueAt(text[winner], c.control),
            overridden,
          };
    const value = winner === 'default' ? c.fallback : c.effective(c.values[winner]);

    const onEntity = entityFeature(analysis, 'e1', c.feature);
    expect(onEntity[c.control]).toEqual(value);
    expect(onEntity.sources[c.control]).toEqual(expected);
    if (winner !== 'entity') {
      // the entity set nothing, so it sees exactly what its customer sees
      const onCustomer = customerOf(analysis).features[c.feature]!;
      expect(onCustomer[c.control]).toEqual(value);
      expect(onCustomer.sources[c.control]).toEqual(expected);
    }
  });

  const LIMITS = {
    customer: { maxOverageAmount: 1000, onLimitReached: 'block' },
    profile: { maxOverageAmount: 2000, onLimitReached: 'block' },
    plan: { maxOverageAmount: 3000, onLimitReached: 'notify' },
  } as const;
  const limitGrid = (['customer', 'profile', 'plan', 'default'] as const).flatMap((winner) =>
    (['null', 'absent'] as const).map((above) => ({ winner, above, name: `overageLimit from ${winner} (higher layers ${above})` })),
  );

  it.each(limitGrid)('$name', ({ winner, above }) => {
    const order = ['customer', 'profile', 'plan', 'default'] as const;
    const written = (l: 'customer' | 'profile' | 'plan') =>
      order.indexOf(l) < order.indexOf(winner) ? (above === 'null' ? null : undefined) : LIMITS[l];
    const withLimit = <T extends { limit: (v: unknown) => T }>(b: T, l: 'customer' | 'profile'): T => (written(l) === undefined ? b : b.limit(written(l)));
    const planLimit = written('plan');
    const text = {
      plan: PLAN + (planLimit === undefined ? '' : toYaml({ overageLimit: planLimit })),
      profile: withLimit(aProfile('p1'), 'profile').toYaml(),
      customer: withLimit(aCustomer('c1').extending('p1'), 'customer').toYaml(),
    };
    const { dir, analysis } = run({ 'plan.yaml': text.plan, 'profile.yaml': text.profile, 'customer.yaml': text.customer });
    expect(analysis.diagnostics).toEqual([]);
    const customer = customerOf(analysis);
    const below = (['customer', 'profile', 'plan'] as const).filter((l) => order.indexOf(l) > order.indexOf(winner));
    const overridden = below.map((l) => ({
      layer: l,
      ...(l === 'profile' ? { profile: 'p1' } : {}),
      value: LIMITS[l],
      file: dir.shown(`${l}.yaml`),
      line: valueAt(text[l], 'overageLimit').line,
    }));
    if (winner === 'default') {
      expect(customer.overageLimit).toBeNull();
      expect(customer.sources.overageLimit).toEqual({ layer: 'default', overridden: [] });
    } else {
      expect(customer.overageLimit).toEqual(LIMITS[winner]);
      expect(customer.sources.overageLimit).toEqual({
        layer: winner,
        ...(winner === 'profile' ? { profile: 'p1' } : {}),
        file: dir.shown(`${winner}.yaml`),
        ...valueAt(text[winner], 'overageLimit'),
        overridden,
      });
    }
  });
});

describe('each control resolves independently', () => {
  it('takes each control from the first layer that sets that control, not from the first layer that sets any', () => {
    const { analysis } = run({
      'plan.yaml':
        PLAN +
        toYaml({
          controls: {
            calls: { overage: 'block', maxOverageUnits: 1, usageAlerts: [{ threshold: 1, type: 'usage' }] },
            credits: { autoTopup: { threshold: 1, quantity: 1 } },
          },
        }),
      'profile.yaml': aProfile('p1').with('calls', { usageAlerts: [{ threshold: 500, type: 'usage' }] }).toYaml(),
      'customer.yaml': aCustomer('c1').extending('p1').with('calls', { maxOverageUnits: 700 }).toYaml(),
      'entity.yaml': anEntity('e1').of('c1').with('calls', { overage: 'allow' }).toYaml(),
    });
    expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const calls = entityFeature(analysis, 'e1', 'calls');
    const credits = entityFeature(analysis, 'e1', 'credits');
    expect({
      overage: [calls.overage, calls.sources.overage.layer],
      maxOverageUnits: [calls.maxOverageUnits, calls.sources.maxOverageUnits.layer],
      usageAlerts: [calls.usageAlerts.map((a) => a.threshold), calls.sources.usageAlerts.layer],
      autoTopup: [credits.autoTopup?.quantity, credits.sources.autoTopup.layer],
    }).toEqual({
      overage: ['allow', 'entity'],
      maxOverageUnits: [700, 'customer'],
      usageAlerts: [[500], 'profile'],
      autoTopup: [1, 'plan'],
    });
  });

  it('resolves the same control of two features separately', () => {
    const { analysis } = run({
      'customer.yaml': aCustomer('c1').with('calls', { overage: 'block' }).toYaml(),
    });
    const c = customerOf(analysis);
    expect([c.features.calls!.overage, c.features.calls!.sources.overage.layer]).toEqual(['block', 'customer']);
    expect([c.features.seats!.overage, c.features.seats!.sources.overage.layer]).toEqual(['allow', 'default']);
  });

  it('treats a whole feature block of null as inherit', () => {
    const { analysis } = run({
      'plan.yaml': PLAN + toYaml({ controls: { calls: { maxOverageUnits: 300 } } }),
      'customer.yaml': yaml`
        kind: Customer
        id: c1
        plan: pro
        controls:
          calls: null
        entities:
          e1: null
          e2:
            controls:
              calls: null
      `,
    });
    expect(analysis.diagnostics).toEqual([]);
    for (const f of [customerOf(analysis).features.calls!, entityFeature(analysis, 'e1', 'calls'), entityFeature(analysis, 'e2', 'calls')]) {
      expect([f.maxOverageUnits, f.sources.maxOverageUnits.layer]).toEqual([300, 'plan']);
    }
  });
});

describe('defaults from the plan item (row 5)', () => {
  it('allows overage on usage_based items and blocks it on included and prepaid ones', () => {
    const { dir, analysis } = run({ 'customer.yaml': aCustomer('c1').toYaml() });
    expect(analysis.diagnostics).toEqual([]);
    const f = customerOf(analysis).features;
    expect(Object.keys(f)).toEqual(['calls', 'credits', 'seats', 'storage']); // sso is boolean: nothing to control
    expect(f.calls!.overage).toBe('allow');
    expect(f.seats!.overage).toBe('allow');
    expect(f.credits!.overage).toBe('block'); // pricing omitted = included
    expect(f.storage!.overage).toBe('block'); // prepaid
    expect(f.calls!.sources.overage).toEqual({ layer: 'default', file: dir.shown('plan.yaml'), line: 8, column: 14, overridden: [] });
    expect(f.storage!.sources.overage).toEqual({ layer: 'default', file: dir.shown('plan.yaml'), line: 22, column: 14, overridden: [] });
  });

  it('caps overage at maxPurchase when the plan item has one, and leaves it uncapped otherwise', () => {
    const { dir, analysis } = run({ 'customer.yaml': aCustomer('c1').toYaml() });
    const f = customerOf(analysis).features;
    expect(f.seats!.maxOverageUnits).toBe(45);
    expect(f.seats!.sources.maxOverageUnits).toEqual({ layer: 'default', file: dir.shown('plan.yaml'), line: 15, column: 18, overridden: [] });
    expect(f.calls!.maxOverageUnits).toBeNull();
    expect(f.calls!.sources.maxOverageUnits.layer).toBe('default');
  });

  it('gives no alerts, no top-up and no overage limit', () => {
    const { analysis } = run({ 'customer.yaml': aCustomer('c1').toYaml() });
    const c = customerOf(analysis);
    for (const f of Object.values(c.features)) {
      expect(f.usageAlerts).toEqual([]);
      expect(f.autoTopup).toBeNull();
    }
    expect(c.overageLimit).toBeNull();
  });

  it('copies included and reset from the plan item, with their lines', () => {
    const { dir, analysis } = run({ 'customer.yaml': aCustomer('c1').toYaml() });
    const calls = customerOf(analysis).features.calls!;
    expect([calls.included, calls.reset, calls.pricing]).toEqual([1000, 'month', 'usage_based']);
    expect(calls.sources.included).toEqual({ layer: 'default', file: dir.shown('plan.yaml'), line: 6, column: 15, overridden: [] });
    expect(calls.sources.reset).toEqual({ layer: 'default', file: dir.shown('plan.yaml'), line: 7, column: 12, overridden: [] });
    expect(customerOf(analysis).features.storage!.reset).toBeNull();
  });
});

describe('explicit values that beat lower layers', () => {
  it('lets `maxOverageUnits: unlimited` lift a lower cap (profile cap and plan maxPurchase)', () => {
    const { dir, analysis } = run({
      'profile.yaml': aProfile('p1').with('seats', { maxOverageUnits: 10 }).toYaml(),
      'customer.yaml': yaml`
        kind: Customer
        id: c1
        plan: pro
        extends: [p1]
        controls:
          seats: { maxOverageUnits: unlimited }
      `,
    });
    expect(analysis.diagnostics).toEqual([]);
    const seats = customerOf(analysis).features.seats!;
    expect(seats.maxOverageUnits).toBe('unlimited');
    expect(seats.hardLimit).toBeNull();
    expect(seats.maxOverageCharge).toBeNull();
    expect(seats.sources.maxOverageUnits).toEqual({
      layer: 'customer',
      file: dir.shown('customer.yaml'),
      line: 6,
      column: 29,
      overridden: [
        { layer: 'profile', profile: 'p1', value: 10, file: dir.shown('profile.yaml'), line: 5 },
        { layer: 'default', value: 45, file: dir.shown('plan.yaml'), line: 15 },
      ],
    });
  });

  it('lets an entity lift its customer cap with `unlimited`', () => {
    const { analysis } = run({
      'customer.yaml': aCustomer('c1').with('calls', { maxOverageUnits: 100 }).entity('e1', { calls: { maxOverageUnits: 'unlimited' } }).toYaml(),
    });
    expect(entityFeature(analysis, 'e1', 'calls').maxOverageUnits).toBe('unlimited');
    expect(customerOf(analysis).features.calls!.maxOverageUnits).toBe(100);
  });

  it('lets `usageAlerts: []` remove alerts set lower down', () => {
    const { dir, analysis } = run({
      'plan.yaml': PLAN + toYaml({ controls: { calls: { usageAlerts: [{ threshold: 80, type: 'usage_percentage' }] } } }),
      'customer.yaml': aCustomer('c1').with('calls', { usageAlerts: [] }).toYaml(),
    });
    expect(analysis.diagnostics).toEqual([]);
    const calls = customerOf(analysis).features.calls!;
    expect(calls.usageAlerts).toEqual([]);
    expect(calls.sources.usageAlerts).toMatchObject({
      layer: 'customer',
      file: dir.shown('customer.yaml'),
      line: 6,
      overridden: [{ layer: 'plan', value: [{ threshold: 80, type: 'usage_percentage' }], file: dir.shown('plan.yaml'), line: 26 }],
    });
  });

  it('replaces alert lists whole instead of merging them', () => {
    const { analysis } = run({
      'plan.yaml': PLAN + toYaml({ controls: { calls: { usageAlerts: [{ threshold: 80, type: 'usage_percentage' }, { threshold: 500, type: 'usage' }] } } }),
      'customer.yaml': aCustomer('c1').with('calls', { usageAlerts: [{ threshold: 90, type: 'usage_percentage' }] }).toYaml(),
    });
    expect(customerOf(analysis).features.calls!.usageAlerts.map((a) => a.threshold)).toEqual([90]);
  });

  it('lets an entity clear its customer\'s usage limits with `usageLimits: []`, and replaces lists whole', () => {
    const { analysis } = run({
      'plan.yaml': PLAN + toYaml({ controls: { calls: { usageLimits: [{ limit: 50000, interval: 'month' }, { limit: 5000, interval: 'day' }] } } }),
      'customer.yaml': aCustomer('c1')
        .with('calls', { usageLimits: [{ limit: 2000, interval: 'day', anchor: 'utc' }] })
        .entity('e1', { calls: { usageLimits: [] } })
        .toYaml(),
    });
    expect(analysis.diagnostics).toEqual([]);
    expect(customerOf(analysis).features.calls!.usageLimits).toEqual([{ limit: 2000, interval: 'day', anchor: 'utc', enabled: true }]);
    expect(entityFeature(analysis, 'e1', 'calls').usageLimits).toEqual([]);
    expect(entityFeature(analysis, 'e1', 'calls').sources.usageLimits.layer).toBe('entity');
  });

  it('lets `overageLimit: unlimited` remove a lower limit, so it no longer bounds exposure', () => {
    const { analysis } = run({
      'plan.yaml': PLAN + toYaml({ overageLimit: { maxOverageAmount: 100, onLimitReached: 'block' } }),
      'customer.yaml': aCustomer('c1').limit('unlimited').with('calls', { maxOverageUnits: 1000 }).toYaml(),
    });
    expect(analysis.diagnostics).toEqual([]);
    const c = customerOf(analysis);
    expect(c.overageLimit).toBe('unlimited');
    expect(c.sources.overageLimit.layer).toBe('customer');
    expect(c.maxOverageExposure).toBe(100 + 45 * 1200); // calls 1000 over → $1, seats 45 × $12
  });

  it('lets an explicit `overage: block` beat the usage_based default', () => {
    const { dir, analysis } = run({ 'customer.yaml': aCustomer('c1').with('calls', { overage: 'block' }).toYaml() });
    const calls = customerOf(analysis).features.calls!;
    expect([calls.overage, calls.charged, calls.hardLimit, calls.maxOverageCharge]).toEqual(['block', false, 1000, 0]);
    expect(calls.sources.overage.overridden).toEqual([{ layer: 'default', value: 'allow', file: dir.shown('plan.yaml'), line: 8 }]);
  });
});

describe('profiles (row 3)', () => {
  const profiles = {
    'profiles.yaml': yaml`
      kind: Profile
      id: base
      controls:
        calls: { maxOverageUnits: 100, overage: block }
        seats: { maxOverageUnits: 1 }
      ---
      kind: Profile
      id: strict
      extends: [base]
      controls:
        calls: { maxOverageUnits: 200 }
      ---
      kind: Profile
      id: other
      controls:
        calls: { maxOverageUnits: 300 }
    `,
  };

  it('applies the profiles of `extends` in order, the later one winning', () => {
    const { dir, analysis } = run({ ...profiles, 'customer.yaml': aCustomer('c1').extending('other', 'base').toYaml() });
    const calls = customerOf(analysis).features.calls!;
    expect(calls.maxOverageUnits).toBe(100);
    expect(calls.sources.maxOverageUnits).toEqual({
      layer: 'profile',
      profile: 'base',
      file: dir.shown('profiles.yaml'),
      line: 4,
      column: 29,
      overridden: [{ layer: 'profile', profile: 'other', value: 300, file: dir.shown('profiles.yaml'), line: 16 }],
    });
    const { analysis: reversed } = run({ ...profiles, 'customer.yaml': aCustomer('c1').extending('base', 'other').toYaml() });
    expect(customerOf(reversed).features.calls!.sources.maxOverageUnits).toMatchObject({ layer: 'profile', profile: 'other' });
  });

  it('puts a profile above the profiles it extends, which still supply what it leaves unset', () => {
    const { dir, analysis } = run({ ...profiles, 'customer.yaml': aCustomer('c1').extending('strict').toYaml() });
    expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const f = customerOf(analysis).features;
    expect(f.calls!.maxOverageUnits).toBe(200);
    expect(f.calls!.sources.maxOverageUnits).toEqual({
      layer: 'profile',
      profile: 'strict',
      file: dir.shown('profiles.yaml'),
      line: 11,
      column: 29,
      overridden: [{ layer: 'profile', profile: 'base', value: 100, file: dir.shown('profiles.yaml'), line: 4 }],
    });
    expect([f.calls!.overage, f.calls!.sources.overage.profile]).toEqual(['block', 'base']);
    expect([f.seats!.maxOverageUnits, f.seats!.sources.maxOverageUnits.profile]).toEqual([1, 'base']);
  });

  it('follows extends chains several levels deep, and diamonds without applying a profile twice', () => {
    const { analysis } = run({
      'profiles.yaml': yaml`
        kind: Profile
        id: root
        controls: { calls: { maxOverageUnits: 1 }, seats: { maxOverageUnits: 1 } }
        ---
        kind: Profile
        id: left
        extends: [root]
        controls: { calls: { maxOverageUnits: 2 } }
        ---
        kind: Profile
        id: right
        extends: [root]
        controls: { seats: { maxOverageUnits: 3 } }
        ---
        kind: Profile
        id: top
        extends: [left, right]
      `,
      'customer.yaml': aCustomer('c1').extending('top').toYaml(),
    });
    expect(analysis.diagnostics).toEqual([]);
    const f = customerOf(analysis).features;
    expect([f.calls!.maxOverageUnits, f.calls!.sources.maxOverageUnits.profile]).toEqual([2, 'left']);
    expect([f.seats!.maxOverageUnits, f.seats!.sources.maxOverageUnits.profile]).toEqual([3, 'right']);
    // root appears once among the overridden values, though both left and right extend it
    expect(f.seats!.sources.maxOverageUnits.overridden.filter((o) => o.profile === 'root')).toHaveLength(1);
  });

  it('keeps a profile above its base even when the base is listed again after it', () => {
    // strict is built on base; listing base later does not undo strict's tightening
    const { analysis } = run({ ...profiles, 'customer.yaml': aCustomer('c1').extending('strict', 'base').toYaml() });
    expect(customerOf(analysis).features.calls!.sources.maxOverageUnits).toMatchObject({ layer: 'profile', profile: 'strict' });
  });

  it("lets a customer's own controls beat every profile", () => {
    const { analysis } = run({ ...profiles, 'customer.yaml': aCustomer('c1').extending('strict').with('calls', { maxOverageUnits: 5 }).toYaml() });
    const calls = customerOf(analysis).features.calls!;
    expect(calls.maxOverageUnits).toBe(5);
    expect(calls.sources.maxOverageUnits.overridden.map((o) => o.profile ?? o.layer)).toEqual(['strict', 'base']);
  });

  it('still resolves a customer whose profiles form a cycle (reported as an error)', () => {
    const { analysis } = run({
      'profiles.yaml': yaml`
        kind: Profile
        id: a
        extends: [b]
        controls: { calls: { maxOverageUnits: 1 } }
        ---
        kind: Profile
        id: b
        extends: [a]
        controls: { calls: { maxOverageUnits: 2 } }
      `,
      'customer.yaml': aCustomer('c1').extending('a').toYaml(),
    });
    expect(analysis.diagnostics.map((d) => d.code)).toEqual(['profile-cycle']);
    expect(customerOf(analysis).features.calls!.sources.maxOverageUnits.profile).toBe('a');
  });
});

describe('what an entity can and cannot set (row 1)', () => {
  it('never takes autoTopup from an entity: the customer value stands and the entity is an error', () => {
    const { analysis } = run({
      'customer.yaml': aCustomer('c1')
        .with('credits', { autoTopup: { threshold: 10, quantity: 1000 } })
        .entity('e1', { credits: { autoTopup: { threshold: 99, quantity: 99 } } })
        .toYaml(),
    });
    expect(analysis.diagnostics.map((d) => d.code)).toEqual(['entity-auto-topup']);
    const credits = entityFeature(analysis, 'e1', 'credits');
    expect(credits.autoTopup).toEqual({ threshold: 10, quantity: 1000, purchaseLimit: null, enabled: true });
    expect(credits.sources.autoTopup.layer).toBe('customer');
    expect(credits.sources.autoTopup.overridden).toEqual([]);
  });

  it('never takes overageLimit from an entity: the key is not part of an entity', () => {
    const { dir, analysis } = run({
      'customer.yaml': yaml`
        kind: Customer
        id: c1
        plan: pro
        entities:
          e1:
            overageLimit: { maxOverageAmount: 1, onLimitReached: block }
      `,
      'entity.yaml': yaml`
        kind: Entity
        id: e2
        customer: c1
        overageLimit: { maxOverageAmount: 1, onLimitReached: block }
      `,
    });
    expect(analysis.diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.pointer])).toEqual([
      ['unknown-key', dir.shown('customer.yaml'), 6, 5, '/entities/e1/overageLimit'],
      ['unknown-key', dir.shown('entity.yaml'), 4, 1, '/overageLimit'],
    ]);
  });

  it('resolves inline and standalone entities alike, with provenance into their own files', () => {
    const customer = yaml`
      kind: Customer
      id: c1
      plan: pro
      controls:
        calls: { overage: block }
      entities:
        inline:
          controls:
            calls:
              overage: allow
    `;
    const entity = yaml`
      kind: Entity
      id: standalone
      customer: c1
      controls:
        calls: { overage: allow }
    `;
    const { dir, analysis } = run({ 'customer.yaml': customer, 'entities/standalone.yaml': entity });
    expect(analysis.diagnostics).toEqual([]);
    const blockedAt = { layer: 'customer', value: 'block', file: dir.shown('customer.yaml'), line: 5 };
    const fromDefault = { layer: 'default', value: 'allow', file: dir.shown('plan.yaml'), line: 8 };
    expect(entityFeature(analysis, 'inline', 'calls').sources.overage).toEqual({
      layer: 'entity',
      file: dir.shown('customer.yaml'),
      line: 10,
      column: 18,
      overridden: [blockedAt, fromDefault],
    });
    expect(entityFeature(analysis, 'standalone', 'calls').sources.overage).toEqual({
      layer: 'entity',
      file: dir.shown('entities/standalone.yaml'),
      line: 5,
      column: 21,
      overridden: [blockedAt, fromDefault],
    });
    expect(Object.keys(customerOf(analysis).entities)).toEqual(['inline', 'standalone']);
    expect(customerOf(analysis).features.calls!.overage).toBe('block');
  });
});

describe('derived values', () => {
  function features(customerControls: Record<string, Record<string, unknown>>) {
    let b = aCustomer('c1');
    for (const [f, c] of Object.entries(customerControls)) b = b.with(f, c);
    const { analysis } = run({ 'customer.yaml': b.toYaml() });
    return customerOf(analysis).features;
  }

  it('charges overage only when it is allowed on a usage_based item', () => {
    const f = features({ calls: { overage: 'allow' }, seats: { overage: 'block' }, credits: { overage: 'allow' }, storage: { overage: 'allow' } });
    expect(f.calls!.charged).toBe(true);
    expect(f.seats!.charged).toBe(false);
    expect(f.credits!.charged).toBe(false); // allowed but tracked, not charged: no usage price
    expect(f.storage!.charged).toBe(false);
  });

  it('computes hardLimit: included when blocked, included + cap when allowed and capped, else unbounded', () => {
    const f = features({
      calls: { overage: 'block', maxOverageUnits: 500 }, // block makes the cap irrelevant
      seats: { overage: 'allow', maxOverageUnits: 7 },
      credits: { overage: 'allow' }, // allowed, uncapped
      storage: { overage: 'allow', maxOverageUnits: 'unlimited' },
    });
    expect(f.calls!.hardLimit).toBe(1000);
    expect(f.seats!.hardLimit).toBe(12);
    expect(f.credits!.hardLimit).toBeNull();
    expect(f.storage!.hardLimit).toBeNull();
  });

  it('gives a blocked item with no cap a hard limit at its included amount', () => {
    expect(features({}).credits!.hardLimit).toBe(5000);
  });

  it('computes maxOverageCharge as ceil(cap / per) × amount, 0 when not charged, null when uncapped', () => {
    const f = features({
      calls: { maxOverageUnits: 1500 }, // ceil(1500 / 1000) × 100
      seats: { maxOverageUnits: 0 },
      credits: { overage: 'allow', maxOverageUnits: 10 }, // not charged
      storage: { overage: 'allow' }, // not charged, uncapped: still 0
    });
    expect(f.calls!.maxOverageCharge).toBe(200);
    expect(f.seats!.maxOverageCharge).toBe(0);
    expect(f.credits!.maxOverageCharge).toBe(0);
    expect(f.storage!.maxOverageCharge).toBe(0);
    expect(features({}).calls!.maxOverageCharge).toBeNull();
    expect(features({}).seats!.maxOverageCharge).toBe(45 * 1200);
    expect(features({ calls: { maxOverageUnits: 1000 } }).calls!.maxOverageCharge).toBe(100);
    expect(features({ calls: { maxOverageUnits: 1001 } }).calls!.maxOverageCharge).toBe(200);
  });

  it('gives usage_percentage alerts their value in units, and usage alerts their threshold', () => {
    const f = features({
      calls: {
        usageAlerts: [
          { threshold: 80, type: 'usage_percentage', name: 'eighty' },
          { threshold: 12.5, type: 'usage_percentage', enabled: false },
          { threshold: 900, type: 'usage' },
        ],
      },
      seats: { usageAlerts: [{ threshold: 33, type: 'usage_percentage' }] },
    });
    expect(f.calls!.usageAlerts).toEqual([
      { type: 'usage_percentage', threshold: 80, name: 'eighty', enabled: true, units: 800 },
      { type: 'usage_percentage', threshold: 12.5, enabled: false, units: 125 },
      { type: 'usage', threshold: 900, enabled: true, units: 900 },
    ]);
    expect(f.seats!.usageAlerts[0]!.units).toBe(1.65); // 33% of 5 seats, no float noise
  });

  it('makes top-up defaults explicit', () => {
    const f = features({ credits: { autoTopup: { threshold: 5, quantity: 10, purchaseLimit: { interval: 'month', limit: 3 } } } });
    expect(f.credits!.autoTopup).toEqual({ threshold: 5, quantity: 10, purchaseLimit: { interval: 'month', intervalCount: 1, limit: 3 }, enabled: true });
  });

  describe('maxOverageExposure', () => {
    // customer: calls 1500 over → $2.00, seats maxPurchase 45 → $540.00; entity: calls 500 → $1.00, seats $540.00
    const base = () => aCustomer('c1').with('calls', { maxOverageUnits: 1500 }).entity('e1', { calls: { maxOverageUnits: 500 } });
    const sum = 200 + 54000 + 100 + 54000;
    const exposure = (customer: string, plan = PLAN) => customerOf(run({ 'customer.yaml': customer, 'plan.yaml': plan }).analysis).maxOverageExposure;

    it('sums the maximum charges of the customer and all its entities', () => {
      expect(exposure(base().toYaml())).toBe(sum);
    });

    it('is lowered to an overageLimit that blocks', () => {
      expect(exposure(base().limit({ maxOverageAmount: 50000, onLimitReached: 'block' }).toYaml())).toBe(50000);
      expect(exposure(base().limit({ maxOverageAmount: 10 ** 9, onLimitReached: 'block' }).toYaml())).toBe(sum);
    });

    it('is not bounded by an overageLimit that only notifies', () => {
      expect(exposure(base().limit({ maxOverageAmount: 50000, onLimitReached: 'notify' }).toYaml())).toBe(sum);
    });

    it('is unbounded (null) when any feature, own or an entity’s, is uncapped and charged, unless a block limit bounds it', () => {
      expect(exposure(base().entity('e2', { calls: { maxOverageUnits: 'unlimited' } }).toYaml())).toBeNull();
      expect(exposure(aCustomer('c1').toYaml())).toBeNull(); // calls uncapped by default
      expect(exposure(aCustomer('c1').limit({ maxOverageAmount: 700, onLimitReached: 'notify' }).toYaml())).toBeNull();
      expect(exposure(aCustomer('c1').limit({ maxOverageAmount: 700, onLimitReached: 'block' }).toYaml())).toBe(700);
      expect(exposure(aCustomer('c1').toYaml(), PLAN + toYaml({ overageLimit: { maxOverageAmount: 900, onLimitReached: 'block' } }))).toBe(900);
    });

    it('is 0 when nothing is charged', () => {
      expect(exposure(aCustomer('c1').with('calls', { overage: 'block' }).with('seats', { overage: 'block' }).toYaml())).toBe(0);
    });
  });
});

describe('the example policies (policies/README.md, computed by hand)', () => {
  // Before Globex's holiday-peak exception (2026-11-20 until 2027-01-05): the README's tables without it.
  let analysis: Analysis | undefined;
  const c = (id: string) => customerOf((analysis ??= analyze('policies', { at: Date.parse('2026-11-01T00:00:00Z') })), id);

  it('cust_globex during holiday-peak: cap 5,000 → hard limit 6,000, $5.00; exposure $645.00', () => {
    const during = customerOf(analyze('policies', { at: Date.parse('2026-12-15T00:00:00Z') }), 'cust_globex');
    expect(during.features.api_calls).toMatchObject({ maxOverageUnits: 5000, hardLimit: 6000, maxOverageCharge: 500 });
    expect(during.features.api_calls!.sources.maxOverageUnits).toMatchObject({ layer: 'exception', exception: 'holiday-peak', on: 'customer', until: '2027-01-05T00:00:00Z' });
    expect(during.maxOverageExposure).toBe(64500);
  });

  it.each([
    ['cust_123', 'api_calls', { overage: 'allow', hardLimit: 6000, maxOverageCharge: 500 }],
    ['cust_piedpiper', 'api_calls', { overage: 'allow', charged: false, hardLimit: null, maxOverageCharge: 0 }],
    ['cust_hooli', 'api_calls', { overage: 'block', hardLimit: 1000, maxOverageCharge: 0 }],
    ['org_123', 'api_calls', { overage: 'block', hardLimit: 1000 }],
    ['cust_globex', 'api_calls', { maxOverageUnits: 1000, hardLimit: 2000, maxOverageCharge: 100 }],
    ['cust_globex', 'storage_gb', { overage: 'block', hardLimit: 50, maxOverageCharge: 0 }],
    ['cust_tyrell', 'ai_tokens', { maxOverageUnits: 100000000, maxOverageCharge: 50000 }],
    ['cust_wonka', 'storage_gb', { hardLimit: 100, maxOverageCharge: 2000 }],
  ] as const)('%s %s', (customer, feature, expected) => {
    expect(c(customer).features[feature]).toMatchObject(expected);
  });

  it.each([
    ['cust_123', 500000],
    ['cust_piedpiper', 0],
    ['cust_hooli', null],
    ['cust_soylent', 100000],
    ['cust_globex', 64100],
    ['cust_vandelay', 500000],
    ['cust_tyrell', null],
    ['cust_cyberdyne', 1000000],
    ['cust_umbrella', 210500],
    ['cust_wonka', 2000],
    ['cust_stark', 200000],
    ['cust_dundermifflin', 0],
  ] as const)('%s exposure', (customer, exposure) => {
    expect(c(customer).maxOverageExposure).toBe(exposure);
  });

  it('resolves the entity examples', () => {
    expect(c('cust_123').entities.workspace_a!.features.api_calls).toMatchObject({ hardLimit: 3000, maxOverageCharge: 200, usageAlerts: [{ threshold: 90, units: 900 }] });
    expect(c('cust_123').entities.workspace_b!.features.api_calls).toMatchObject({ overage: 'allow', hardLimit: 1500, maxOverageCharge: 100 });
    expect(c('org_123').entities['initech-research']!.features.api_calls).toMatchObject({ overage: 'allow', hardLimit: 3000, maxOverageCharge: 200 });
    expect(c('cust_cyberdyne').entities['cyberdyne-eu']!.features.api_calls).toMatchObject({ overage: 'allow', hardLimit: 11000, maxOverageCharge: 1000 });
    expect(c('cust_cyberdyne').entities['cyberdyne-us']!.features.storage_gb).toMatchObject({ maxOverageUnits: 'unlimited', hardLimit: null });
    expect(c('cust_umbrella').entities['umbrella-clinical']!.features.api_calls!.usageAlerts).toEqual([]);
  });

  it('records the provenance of Acme’s api_calls overage: its own allow over enterprise-strict’s block', () => {
    expect(c('cust_123').features.api_calls!.sources.overage).toEqual({
      layer: 'customer',
      file: 'policies/customers/cust_123.yaml',
      line: 18,
      column: 14,
      overridden: [
        { layer: 'profile', profile: 'enterprise-strict', value: 'block', file: 'policies/profiles/enterprise-strict.yaml', line: 13 },
        { layer: 'default', value: 'allow', file: 'policies/plans/pro.yaml', line: 16 },
      ],
    });
  });
});
