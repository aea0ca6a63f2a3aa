#!/usr/bin/env node
// Writes a synthetic policy repository for benchmarks: the example catalog (policies/features.yaml,
// policies/plans, policies/profiles, copied as they are) and N customers with 4 entities each, one file
// per customer under customers/<bucket>/<id>.yaml (1,000 customers per bucket).
//
//   node scripts/bench/generate-fleet.mjs --customers 10000 --out bench/out/fleet-10000 [--seed 1]
//
// The mix is deterministic (a seeded PRNG per customer, so fleet-1000 is a prefix of fleet-10000) and
// meant to validate with no errors and no warnings: every customer is checked against a small copy of
// the precedence rules of SPEC §2 (src/resolve/precedence.ts) and the warning rules of
// src/validate/effects.ts before it is written, and drawn again when it would warn.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
// the same seeded PRNG as the emulators' fault injection (the benchmark runs the built CLI, so dist/ exists)
import { mulberry32 } from '../../dist/emulate/common/prng.js';

/** Bump when the generated content changes, so bench.mjs regenerates fleets it would otherwise reuse. */
export const GENERATOR_VERSION = 1;
export const DEFAULT_SEED = 1;
export const ENTITIES_PER_CUSTOMER = 4;
export const BUCKET_SIZE = 1000;
export const STAMP_FILE = '.bench-fleet.json';

const root = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = path.join(root, 'policies');
const CATALOG = ['features.yaml', 'plans', 'profiles'];

// ---------------------------------------------------------------------------------------------------
// Catalog: the example's features, plans and profiles, read back so the generator knows what is legal.

function yamlFiles(p) {
  if (!existsSync(p)) return [];
  if (!p.endsWith('.yaml') && !p.endsWith('.yml')) {
    return readdirSync(p, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .flatMap((e) => yamlFiles(path.join(p, e.name)))
      .sort();
  }
  return [p];
}

/** The example catalog files and a hash of their content (part of the fleet stamp). */
export function catalogFiles() {
  const files = CATALOG.flatMap((name) => yamlFiles(path.join(EXAMPLE, name)));
  const hash = createHash('sha256');
  for (const f of files) hash.update(path.relative(EXAMPLE, f)).update('\0').update(readFileSync(f)).update('\0');
  return { files, hash: hash.digest('hex').slice(0, 16) };
}

function readCatalog(files) {
  const features = new Map();
  const plans = new Map();
  const profiles = new Map();
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
      const v = doc.toJS();
      if (!v || typeof v !== 'object') continue;
      if (v.kind === 'Feature') features.set(v.id, v.type);
      else if (v.kind === 'Plan') plans.set(v.id, { id: v.id, items: v.features ?? {}, controls: v.controls ?? {}, overageLimit: v.overageLimit });
      else if (v.kind === 'Profile') profiles.set(v.id, { id: v.id, extends: v.extends ?? [], controls: v.controls ?? {}, overageLimit: v.overageLimit });
    }
  }
  for (const plan of plans.values()) {
    plan.controllable = Object.keys(plan.items)
      .filter((id) => features.get(id) === 'metered' || features.get(id) === 'credits')
      .sort();
  }
  return { features, plans, profiles };
}

/** Profiles an `extends` list brings in, highest precedence first (as in src/resolve/resolve.ts). */
function profileLayers(catalog, ids) {
  const order = [];
  const visiting = new Set();
  const visit = (id) => {
    const p = catalog.profiles.get(id);
    if (!p || visiting.has(id)) return;
    visiting.add(id);
    for (const parent of p.extends) visit(parent);
    visiting.delete(id);
    const i = order.indexOf(p);
    if (i !== -1) order.splice(i, 1);
    order.push(p);
  };
  for (const id of ids) visit(id);
  return order.reverse();
}

// ---------------------------------------------------------------------------------------------------
// A small copy of the precedence rules, enough to predict the warnings of src/validate/effects.ts.

const set = (v) => v !== undefined && v !== null;

function pick(layers, featureId, key) {
  for (const l of layers) {
    const v = l.controls?.[featureId]?.[key];
    if (set(v)) return { value: v, explicit: true };
  }
  return { explicit: false };
}

function resolveFeature(item, featureId, layers) {
  const included = item.included ?? 0;
  const usageBased = item.pricing === 'usage_based';
  const o = pick(layers, featureId, 'overage');
  const overage = o.explicit ? o.value : usageBased ? 'allow' : 'block';
  const c = pick(layers, featureId, 'maxOverageUnits');
  const cap = c.explicit ? c.value : (item.maxPurchase ?? null);
  const hardLimit = overage === 'block' ? included : typeof cap === 'number' ? included + cap : null;
  const a = pick(layers, featureId, 'usageAlerts');
  const t = pick(layers, featureId, 'autoTopup');
  return { included, overage, cap, capExplicit: c.explicit, hardLimit, charged: overage === 'allow' && usageBased, alerts: a.explicit ? a.value : [], alertsExplicit: a.explicit, topupExplicit: t.explicit };
}

/** Layers of the customer itself (highest precedence first), without the entity layer. */
function baseLayers(catalog, customer) {
  const plan = catalog.plans.get(customer.plan);
  return [{ controls: customer.controls, overageLimit: customer.overageLimit }, ...profileLayers(catalog, customer.extends ?? []), { controls: plan.controls, overageLimit: plan.overageLimit }];
}

/** Warnings (by code) the customer would get from `tollgate validate`; [] when it is clean. */
export function predictWarnings(catalog, customer) {
  const plan = catalog.plans.get(customer.plan);
  const base = baseLayers(catalog, customer);
  const out = [];
  let anyCharged = false;
  const check = (layers) => {
    for (const f of plan.controllable) {
      const item = plan.items[f];
      const r = resolveFeature(item, f, layers);
      anyCharged ||= r.charged;
      if (r.capExplicit && r.overage === 'block' && typeof r.cap === 'number') out.push(`ineffective-spend-limit ${f}`);
      if (r.alertsExplicit && r.hardLimit !== null && r.alerts.some((a) => a.type === 'usage' && a.threshold > r.hardLimit)) out.push(`unreachable-alert ${f}`);
      if (r.topupExplicit && !item.topUpPrice) out.push(`auto-topup-without-price ${f}`);
    }
  };
  check(base);
  for (const e of customer.entities) check([{ controls: e.controls ?? {} }, ...base]);
  const limit = base.find((l) => set(l.overageLimit))?.overageLimit;
  if (set(limit) && limit !== 'unlimited' && !anyCharged) out.push('overage-limit-without-charges');
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Deterministic randomness.

function seedFor(seed, index, attempt) {
  const h = createHash('sha256').update(`${seed}:${index}:${attempt}`).digest();
  return h.readUInt32LE(0);
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  chance(p) {
    return this.next() < p;
  }
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }
  weighted(pairs) {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [v, w] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][0];
  }
  sample(list, k) {
    const copy = [...list];
    const out = [];
    while (out.length < k && copy.length > 0) out.push(copy.splice(Math.floor(this.next() * copy.length), 1)[0]);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// What a customer looks like.

const ADJECTIVES = ['Blue', 'Northern', 'Silver', 'Rapid', 'Quiet', 'Bright', 'Golden', 'Iron', 'Crimson', 'Open', 'Clear', 'Summit', 'Harbor', 'Pioneer', 'Granite', 'Vivid', 'Atlas', 'Polar', 'Coastal', 'Evergreen'];
const NOUNS = ['Harbor', 'Ridge', 'Forge', 'Signal', 'Orbit', 'Canyon', 'Beacon', 'Grove', 'Circuit', 'Falcon', 'Meadow', 'Vector', 'Lantern', 'Prairie', 'Quarry', 'Delta', 'Compass', 'Cedar', 'Horizon', 'Anchor'];
const SUFFIXES = ['Analytics', 'Labs', 'Systems', 'Health', 'Logistics', 'Media', 'Robotics', 'Software', 'Foods', 'Energy', 'Insurance', 'Studios', 'Networks', 'Bank', 'Retail', 'GmbH', 'Inc.', 'Ltd', 'Co.', 'AG'];
const ENTITY_IDS = ['production', 'staging', 'development', 'sandbox', 'analytics', 'eu-west', 'us-east', 'apac', 'research', 'support', 'marketing', 'internal', 'ci', 'data-science', 'mobile', 'web', 'billing', 'ops'];
const OWNERS = ['J. Alvarez', 'M. Chen', 'S. Okafor', 'R. Lindqvist', 'A. Novak', 'P. Sharma', 'K. Tanaka', 'L. Moreau'];
const PERCENTS = [50, 75, 80, 90, 95, 100];

function title(id) {
  return id
    .split('-')
    .map((w) => (w.length <= 4 && /^(eu|us|ci|apac|ops)$/.test(w) ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1)))
    .join(' ');
}

/** A round number of units around `scale`: 1, 2 or 5 times a power of ten. */
function roundUnits(rng, scale) {
  const x = Math.max(1, scale * rng.pick([0.5, 1, 2, 5, 10, 20, 50]));
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** Units one feature is measured in, for drawing caps and absolute alert thresholds. */
function featureScale(item) {
  return item.included > 0 ? item.included : (item.maxPurchase ?? 100);
}

/** 1-3 alerts; absolute (`usage`) thresholds stay at or below `limit`, the lowest hard limit that inherits them. */
function drawAlerts(rng, item, limit) {
  if (rng.chance(0.06)) return [];
  const count = rng.weighted([[1, 5], [2, 4], [3, 1]]);
  const alerts = [];
  const seen = new Set();
  for (let k = 0; k < count; k++) {
    let alert;
    if (rng.chance(0.35)) {
      const scale = featureScale(item);
      const max = limit === null ? scale * 3 : limit;
      const threshold = Math.floor(Math.min(max, scale * rng.pick([0.5, 0.8, 0.9, 0.95, 1.5, 2])));
      if (threshold < 1) continue;
      const unit = threshold === 1 ? 'unit' : 'units';
      alert = { threshold, type: 'usage', name: `${threshold.toLocaleString('en-US')} ${unit} used` };
    } else {
      const threshold = rng.pick(PERCENTS);
      alert = { threshold, type: 'usage_percentage', name: `${threshold}% of included` };
    }
    const key = `${alert.type}:${alert.threshold}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (rng.chance(0.08)) alert.enabled = false;
    alerts.push(alert);
  }
  return alerts;
}

function drawTopup(rng, item) {
  const quantity = roundUnits(rng, item.included || 1000);
  const topup = { threshold: Math.floor(quantity * rng.pick([0.25, 0.5, 1])), quantity };
  if (rng.chance(0.65)) {
    const limit = { interval: rng.weighted([['month', 6], ['week', 2], ['day', 1]]) };
    if (rng.chance(0.5)) limit.intervalCount = rng.pick([1, 1, 2, 3]);
    limit.limit = rng.int(1, 10);
    topup.purchaseLimit = limit;
  }
  if (rng.chance(0.07)) topup.enabled = false;
  return topup;
}

/**
 * Draws one customer: plan, profiles, per-feature controls, overage limit and 4 entities, in two
 * phases so that absolute usage alerts stay below the hard limit of every scope that inherits them.
 */
function drawCustomer(catalog, rng, index) {
  const id = `cust_${String(index).padStart(6, '0')}`;
  const planId = rng.weighted([['pro', 60], ['free', 25], ['scale-credits', 15]]);
  const plan = catalog.plans.get(planId);
  const paid = planId !== 'free';
  const customer = {
    id,
    name: `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} ${rng.pick(SUFFIXES)}`,
    plan: planId,
    controls: {},
    entities: [],
  };
  // Profiles bring in overage limits and top-ups: only for paid plans (a free customer cannot be charged).
  if (paid && rng.chance(planId === 'pro' ? 0.25 : 0.12)) {
    customer.extends = [rng.weighted([['enterprise', 3], ['enterprise-strict', 2]].filter(([p]) => catalog.profiles.has(p)))];
  }
  const base = () => baseLayers(catalog, customer);

  // Phase 1: overage and spend limits of the customer.
  for (const f of plan.controllable) {
    const item = plan.items[f];
    if (!rng.chance(paid ? 0.4 : 0.2)) continue;
    const block = {};
    const usageBased = item.pricing === 'usage_based';
    const inherited = resolveFeature(item, f, base());
    if (rng.chance(0.3)) {
      block.overage = usageBased ? rng.weighted([['allow', 4], ['block', 6]]) : rng.weighted([['allow', 3], ['block', 7]]);
      // Blocking under a profile's explicit numeric cap would make that cap ineffective (a warning).
      if (block.overage === 'block' && inherited.capExplicit && typeof inherited.cap === 'number') block.overage = 'allow';
    } else if (rng.chance(0.02)) block.overage = null;
    customer.controls[f] = block;
    const r = resolveFeature(item, f, base());
    if (rng.chance(0.45)) {
      if (r.overage === 'allow' && rng.chance(0.85)) block.maxOverageUnits = roundUnits(rng, featureScale(item));
      else if (r.overage === 'allow' || usageBased) block.maxOverageUnits = 'unlimited';
    } else if (rng.chance(0.03)) block.maxOverageUnits = null;
    if (f === 'credits' && item.topUpPrice && rng.chance(planId === 'scale-credits' ? 0.75 : 0.6)) block.autoTopup = drawTopup(rng, item);
  }
  if (paid && rng.chance(0.25)) {
    customer.overageLimit = rng.weighted([
      [{ maxOverageAmount: rng.pick([50000, 100000, 250000, 500000, 1000000, 2500000]), onLimitReached: rng.weighted([['block', 6], ['notify', 4]]) }, 85],
      ['unlimited', 10],
      [null, 5],
    ]);
  }

  // Phase 1 for entities: 2 inline, 2 standalone; half of them override something.
  for (const [k, entityId] of rng.sample(ENTITY_IDS, ENTITIES_PER_CUSTOMER).entries()) {
    const entity = { id: entityId, inline: k < ENTITIES_PER_CUSTOMER / 2, controls: {} };
    customer.entities.push(entity);
    if (entity.inline && rng.chance(0.1)) {
      entity.empty = true; // `id: null`: known to billing, inherits everything
      continue;
    }
    if (rng.chance(0.85)) entity.name = title(entityId);
    if (!rng.chance(0.5)) continue;
    for (const f of rng.sample(plan.controllable, rng.weighted([[1, 3], [2, 1]]))) {
      const item = plan.items[f];
      const block = {};
      entity.controls[f] = block;
      const inherited = resolveFeature(item, f, base());
      if (rng.chance(0.3)) {
        // Blocking under an explicit numeric cap of the customer or a profile would make that cap ineffective.
        const canBlock = !(inherited.capExplicit && typeof inherited.cap === 'number');
        block.overage = canBlock && rng.chance(0.5) ? 'block' : 'allow';
      }
      const r = resolveFeature(item, f, [{ controls: entity.controls }, ...base()]);
      if (r.overage === 'allow' && rng.chance(0.4)) block.maxOverageUnits = rng.chance(0.85) ? roundUnits(rng, featureScale(item)) : 'unlimited';
      entity.wantsAlerts = entity.wantsAlerts ?? [];
      if (rng.chance(0.45)) entity.wantsAlerts.push(f);
    }
  }

  // Phase 2: alerts, entity ones first, then the customer's below the hard limit of every scope that inherits them.
  for (const entity of customer.entities) {
    for (const f of entity.wantsAlerts ?? []) {
      const r = resolveFeature(plan.items[f], f, [{ controls: entity.controls }, ...base()]);
      entity.controls[f].usageAlerts = drawAlerts(rng, plan.items[f], r.hardLimit);
    }
    delete entity.wantsAlerts;
    for (const f of Object.keys(entity.controls)) if (Object.keys(entity.controls[f]).length === 0) delete entity.controls[f];
    if (Object.keys(entity.controls).length === 0) delete entity.controls;
  }
  for (const f of plan.controllable) {
    if (!rng.chance(paid ? 0.2 : 0.15)) continue;
    const item = plan.items[f];
    customer.controls[f] ??= {};
    let limit = resolveFeature(item, f, base()).hardLimit;
    for (const e of customer.entities) {
      if (e.controls?.[f]?.usageAlerts) continue;
      const h = resolveFeature(item, f, [{ controls: e.controls ?? {} }, ...base()]).hardLimit;
      if (h !== null) limit = limit === null ? h : Math.min(limit, h);
    }
    customer.controls[f].usageAlerts = drawAlerts(rng, item, limit);
  }
  for (const f of Object.keys(customer.controls)) if (Object.keys(customer.controls[f]).length === 0) delete customer.controls[f];
  if (rng.chance(0.3)) customer.comment = `Account owner: ${rng.pick(OWNERS)}; contract FIN-${rng.int(1000, 9999)}.`;
  return customer;
}

/** The customer with the least controls: used when every draw would warn (rare; counted). */
function plainCustomer(catalog, index) {
  return { id: `cust_${String(index).padStart(6, '0')}`, name: `Customer ${index}`, plan: 'pro', controls: {}, entities: ENTITY_IDS.slice(0, ENTITIES_PER_CUSTOMER).map((id, k) => ({ id, inline: k < 2, name: title(id) })) };
}

// ---------------------------------------------------------------------------------------------------
// YAML output, in the style of the example policies.

const RESERVED = /^(null|true|false|yes|no|on|off|y|n|~)$/i;

function scalar(v) {
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (/^[A-Za-z_][A-Za-z0-9_ .()-]*$/.test(v) && !RESERVED.test(v) && !v.endsWith(' ')) return v;
  return JSON.stringify(v);
}

function flow(obj) {
  return `{ ${Object.entries(obj)
    .map(([k, v]) => `${k}: ${scalar(v)}`)
    .join(', ')} }`;
}

function emitControls(controls, indent) {
  const pad = ' '.repeat(indent);
  const lines = [];
  for (const [f, block] of Object.entries(controls)) {
    lines.push(`${pad}${f}:`);
    for (const [k, v] of Object.entries(block)) {
      if (k === 'usageAlerts') {
        if (v.length === 0) lines.push(`${pad}  usageAlerts: []`);
        else lines.push(`${pad}  usageAlerts:`, ...v.map((a) => `${pad}    - ${flow(a)}`));
      } else if (k === 'autoTopup') {
        lines.push(`${pad}  autoTopup:`);
        for (const [tk, tv] of Object.entries(v)) lines.push(`${pad}    ${tk}: ${typeof tv === 'object' ? flow(tv) : scalar(tv)}`);
      } else lines.push(`${pad}  ${k}: ${scalar(v)}`);
    }
  }
  return lines;
}

function customerYaml(c) {
  const lines = [];
  if (c.comment) lines.push(`# ${c.comment}`, '');
  lines.push('kind: Customer', `id: ${c.id}`, `name: ${scalar(c.name)}`, `plan: ${c.plan}`);
  if (c.extends) lines.push(`extends: [${c.extends.join(', ')}]`);
  if (Object.keys(c.controls).length > 0) lines.push('controls:', ...emitControls(c.controls, 2));
  if (c.overageLimit !== undefined) lines.push(`overageLimit: ${c.overageLimit !== null && typeof c.overageLimit === 'object' ? flow(c.overageLimit) : scalar(c.overageLimit)}`);
  const inline = c.entities.filter((e) => e.inline);
  if (inline.length > 0) {
    lines.push('entities:');
    for (const e of inline) {
      if (e.empty) {
        lines.push(`  ${e.id}: null`);
        continue;
      }
      lines.push(`  ${e.id}:`);
      if (e.name) lines.push(`    name: ${scalar(e.name)}`);
      if (e.controls) lines.push('    controls:', ...emitControls(e.controls, 6));
      if (!e.name && !e.controls) lines[lines.length - 1] += ' {}';
    }
  }
  for (const e of c.entities.filter((x) => !x.inline)) {
    lines.push('---', 'kind: Entity', `customer: ${c.id}`, `id: ${e.id}`);
    if (e.name) lines.push(`name: ${scalar(e.name)}`);
    if (e.controls) lines.push('controls:', ...emitControls(e.controls, 2));
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------

/** The stamp a fleet directory carries; bench.mjs reuses a fleet only when it matches. */
export function fleetStamp(customers, seed = DEFAULT_SEED) {
  return { generatorVersion: GENERATOR_VERSION, customers, entitiesPerCustomer: ENTITIES_PER_CUSTOMER, seed, catalog: catalogFiles().hash };
}

export function readStamp(out) {
  try {
    return JSON.parse(readFileSync(path.join(out, STAMP_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes the fleet into `out` (emptied first); returns counts for the log. */
export function generateFleet({ customers: n, out, seed = DEFAULT_SEED, log = () => {} }) {
  const started = Date.now();
  const { files } = catalogFiles();
  const catalog = readCatalog(files);
  for (const p of ['pro', 'free', 'scale-credits']) if (!catalog.plans.has(p)) throw new Error(`policies/plans has no plan "${p}"; the generator draws customers on pro, free and scale-credits.`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const name of CATALOG) {
    const from = path.join(EXAMPLE, name);
    if (existsSync(from)) cpSync(from, path.join(out, name), { recursive: true });
  }
  const stats = { customers: n, entities: 0, files: 0, bytes: 0, redraws: 0, plain: 0, plans: {}, withProfiles: 0, autoTopups: 0, overageLimits: 0 };
  for (let i = 1; i <= n; i++) {
    let customer;
    for (let attempt = 0; attempt < 20 && !customer; attempt++) {
      const c = drawCustomer(catalog, new Rng(seedFor(seed, i, attempt)), i);
      if (predictWarnings(catalog, c).length === 0) customer = c;
      else stats.redraws++;
    }
    if (!customer) {
      customer = plainCustomer(catalog, i);
      stats.plain++;
    }
    const bucket = String(Math.floor(i / BUCKET_SIZE)).padStart(4, '0');
    const dir = path.join(out, 'customers', bucket);
    if (i === 1 || i % BUCKET_SIZE === 0) mkdirSync(dir, { recursive: true });
    const text = customerYaml(customer);
    writeFileSync(path.join(dir, `${customer.id}.yaml`), text);
    stats.files++;
    stats.bytes += Buffer.byteLength(text);
    stats.entities += customer.entities.length;
    stats.plans[customer.plan] = (stats.plans[customer.plan] ?? 0) + 1;
    if (customer.extends) stats.withProfiles++;
    if (Object.values(customer.controls).some((b) => b.autoTopup)) stats.autoTopups++;
    if (customer.overageLimit !== undefined) stats.overageLimits++;
    if (i % 10000 === 0) log(`  ${i}/${n} customers written`);
  }
  writeFileSync(path.join(out, STAMP_FILE), JSON.stringify(fleetStamp(n, seed), null, 2) + '\n');
  stats.seconds = (Date.now() - started) / 1000;
  return stats;
}

function parseArgs(argv) {
  const opts = { customers: 1000, seed: DEFAULT_SEED, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--customers' || a === '-n') opts.customers = Number(value());
    else if (a === '--out' || a === '-o') opts.out = value();
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/bench/generate-fleet.mjs --customers N --out DIR [--seed S]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.customers) || opts.customers < 1 || opts.customers > 999999) throw new Error('--customers must be an integer from 1 to 999999');
  if (!Number.isInteger(opts.seed)) throw new Error('--seed must be an integer');
  opts.out ??= path.join(root, 'bench', 'out', `fleet-${opts.customers}`);
  return opts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const stats = generateFleet({ ...opts, log: (m) => console.error(m) });
    console.error(`Wrote ${stats.customers} customers (${stats.entities} entities) to ${opts.out} in ${stats.seconds.toFixed(1)}s: ${(stats.bytes / 1048576).toFixed(1)} MiB of customer files.`);
    console.error(JSON.stringify(stats));
  } catch (error) {
    console.error(`generate-fleet: ${error.message}`);
    process.exitCode = 1;
  }
}
