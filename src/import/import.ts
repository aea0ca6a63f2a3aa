// tollgate import (SPEC §10): live controls in, policy files out, such that a plan against the same target
// afterwards shows no changes. What cannot be written that way is listed and left as it is.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { at, type FeatureDef, type PlanDef, type PolicySet } from '../model/policy-set.js';
import { desiredObjects } from '../plan/desired.js';
import { isEmptyControls, type ObjectControls } from '../plan/objects.js';
import { canonicalJson } from '../resolve/canonical.js';
import type { Target, ReadContext } from '../targets/target.js';
import type { OnProgress } from '../util/progress.js';
import { customerDocument, profileDocument, type CustomerDraft } from './documents.js';
import { shapeProblems, unexpressible, type Catalog } from './expressible.js';
import { catalogDefinitions, planDocument, readImportCatalog, type ImportedCatalog } from './catalog.js';
import { holdsControls, readInventory, type Inventory, type LiveCustomer } from './inventory.js';
import { shareProfiles, type GeneratedProfile } from './profiles.js';
import { renderYaml, schemaReference } from './render.js';
import { writeNewFile } from './write.js';

export interface ImportOptions {
  /** The policy directory files are written under; it may not exist yet. */
  dir: string;
  /** The policies already in `dir` (an empty set when there are none). */
  set: PolicySet;
  target: Target;
  /** Only these customers (and their entities); undefined for every customer the target lists. */
  customers?: readonly string[];
  /** Move controls that three or more customers hold alike into generated profiles. */
  profiles?: boolean;
  /** The plan of customers whose plan the target does not say (Owostack does not). */
  plan?: string;
  /** Also write the billing system's features and plans (Autumn) that the policies lack. */
  catalog?: boolean;
  /** The currency of plans written with `catalog` (Autumn's plans do not say); USD by default. */
  currency?: string;
  /** When the import runs, for the files' header comment. */
  now: Date;
  /** The project root: the schema line of each file is relative to it when the schema lies below it. */
  root?: string;
  onProgress?: OnProgress;
  /** What the state backend remembers of the target's objects (Owostack: the plan each managed customer is on). */
  context?: ReadContext;
}

/** A customer that was listed and not imported, and why. */
export interface SkippedCustomer {
  id: string;
  reasons: string[];
}

export interface ImportResult {
  /** Files written, relative to the policy directory, sorted. */
  files: string[];
  /** Ids of the customers written, sorted. */
  customers: string[];
  entities: number;
  profiles: GeneratedProfile[];
  skipped: SkippedCustomer[];
  /** Customers that hold no controls (nor their entities) and were not named: no file is written for them. */
  withoutControls: number;
  /** Skipped customers the target says tollgate manages (it wrote them): plan proposes clearing them until their policies exist. */
  skippedManaged: string[];
  /** Objects of the listed customers holding entries tollgate does not model (kept as they are), with the entries. */
  unmodeled: Array<{ object: string; entries: string[] }>;
  /** Plans and features written from the catalog. */
  catalogPlans: string[];
  catalogFeatures: string[];
  /** Catalog plans not written, and why. */
  skippedPlans: SkippedCustomer[];
  /** Plans whose plan-level controls in the billing system differ from their policy file, which import never edits. */
  planMismatches: Array<{ id: string; file: string }>;
}

/** Reads the target and writes one file per customer (and per generated profile) under `dir`; never overwrites. */
export async function importPolicies(options: ImportOptions): Promise<ImportResult> {
  const catalog = options.catalog ? await readImportCatalog(options.target, options.currency ?? DEFAULT_CURRENCY) : undefined;
  const inventory = await readInventory(options.target, options.customers, options.onProgress, options.context);
  const plan = planImport(inventory, options, catalog);
  await writeImport(plan, options);
  if (plan.result.skipped.length > 0) {
    const managed = new Set(await options.target.managedKeys());
    plan.result.skippedManaged = plan.result.skipped.map((s) => s.id).filter((id) => managed.has(`customer:${id}`));
  }
  return plan.result;
}

interface ImportPlan {
  result: ImportResult;
  /** Relative path → document values, in the order they are written, and notes for the header comment. */
  files: Array<{ file: string; values: object[]; notes?: string[] }>;
}

/** Autumn's plans say no currency; this one is assumed unless --currency says otherwise. */
export const DEFAULT_CURRENCY = 'USD';

/** What customers are checked against: the policies' definitions, then the catalog's for what they lack. */
interface Definitions {
  features: Map<string, Pick<FeatureDef, 'type'>>;
  plans: Map<string, Catalog['plan']>;
  /** Catalog plans that cannot be written, and why. */
  unwritable: Map<string, string[]>;
}

function definitions(set: PolicySet, catalog: ImportedCatalog | undefined): Definitions {
  const fromCatalog = catalog ? catalogDefinitions(catalog) : { features: new Map(), plans: new Map() };
  const unwritable = new Map([...(catalog?.plans.values() ?? [])].filter((p) => p.problems.length > 0 && !set.plans.has(p.id)).map((p) => [p.id, p.problems]));
  return {
    features: new Map([...fromCatalog.features, ...set.features]),
    plans: new Map<string, Catalog['plan']>([...fromCatalog.plans, ...(set.plans as Map<string, PlanDef>)]),
    unwritable,
  };
}

/** Decides, without writing anything, which customers are imported, into which files, with which profiles. */
export function planImport(inventory: Inventory, options: ImportOptions, catalog?: ImportedCatalog): ImportPlan {
  const { set, dir } = options;
  const skipped: SkippedCustomer[] = [];
  const entityDocOwners = new Map(set.entityDocs.map((e) => [e.customer, at(e.origin).file]));
  const defs = definitions(set, catalog);
  const drafts: CustomerDraft[] = [];
  let withoutControls = 0;
  for (const customer of inventory.customers) {
    const reasons = skipReasons(customer, options, entityDocOwners, defs);
    if (reasons === 'empty') {
      withoutControls++;
      continue;
    }
    if (reasons.length > 0) {
      skipped.push({ id: customer.id, reasons });
      continue;
    }
    const draft: CustomerDraft = {
      id: customer.id,
      plan: (customer.plan ?? options.plan)!,
      controls: customer.controls,
      entities: customer.entities.filter((e) => !isEmptyControls(e.controls)),
    };
    if (customer.name !== undefined) draft.name = customer.name;
    const shape = shapeProblems(customerDocument(draft), defs.features);
    if (shape.length > 0) {
      skipped.push({ id: customer.id, reasons: shape });
      continue;
    }
    drafts.push(draft);
  }

  const files: ImportPlan['files'] = [];
  const written = catalog ? catalogFiles(catalog, options, new Set(drafts.map((d) => d.plan))) : { files: [], plans: [], features: [], skipped: [] };
  files.push(...written.files);
  const profiles = options.profiles
    ? shareProfiles(drafts, (id) => set.profiles.has(id) || existsSync(path.join(dir, 'profiles', `${id}.yaml`)))
    : [];
  const profileOf = new Map(profiles.flatMap((p) => p.customers.map((c) => [c, p])));
  for (const p of profiles) {
    const description = `Controls ${p.customers.length} customers held alike when imported.`;
    files.push({ file: `profiles/${p.id}.yaml`, values: [profileDocument(p.id, p.controls, description)] });
  }
  const unmodeled = unmodeledEntries(inventory);
  const unmodeledOf = new Map<string, string[]>();
  for (const u of unmodeled) {
    const [customer, entity] = u.object.split('/') as [string, string | undefined];
    unmodeledOf.set(customer, [...(unmodeledOf.get(customer) ?? []), ...u.entries.map((e) => (entity === undefined ? e : `entity ${entity}: ${e}`))]);
  }
  for (const draft of drafts) {
    const profile = profileOf.get(draft.id);
    // The profile holds them now: the customer's own copy would merely repeat it.
    const own = profile ? { ...draft, extends: [profile.id], controls: { features: {} } } : draft;
    const entries = unmodeledOf.get(draft.id);
    const notes = entries ? ['', `${options.target.name} also holds entries tollgate does not model; they are not managed by tollgate and kept on every write:`, ...entries.map((e) => `  ${e}`)] : undefined;
    files.push({ file: `customers/${draft.id}.yaml`, values: [customerDocument(own)], ...(notes ? { notes } : {}) });
  }
  const result: ImportResult = {
    files: files.map((f) => f.file).sort(),
    customers: drafts.map((d) => d.id).sort(),
    entities: drafts.reduce((n, d) => n + d.entities.length, 0),
    profiles,
    skipped,
    withoutControls,
    skippedManaged: [],
    unmodeled,
    catalogPlans: written.plans,
    catalogFeatures: written.features,
    skippedPlans: written.skipped,
    planMismatches: planMismatches(inventory, options, new Set(drafts.map((d) => d.plan))),
  };
  return { result, files };
}

/** Every listed customer and entity that holds entries tollgate does not model: "cust" or "cust/entity". */
function unmodeledEntries(inventory: Inventory): ImportResult['unmodeled'] {
  const out: ImportResult['unmodeled'] = [];
  for (const c of inventory.customers) {
    if (c.unmodeled.length > 0) out.push({ object: c.id, entries: c.unmodeled });
    for (const e of c.entities) if (e.unmodeled.length > 0) out.push({ object: `${c.id}/${e.id}`, entries: e.unmodeled });
  }
  return out;
}

/** Why a customer is not imported: reasons, none, or 'empty' for one that holds nothing and was not named. */
function skipReasons(customer: LiveCustomer, options: ImportOptions, entityDocOwners: ReadonlyMap<string, string>, defs: Definitions): string[] | 'empty' {
  const { set, dir } = options;
  const defined = set.customers.get(customer.id);
  if (defined) return [`already defined in the policies (${at(defined.origin).file})`];
  if (set.unusable.get('customer')?.has(customer.id)) return ['already defined in the policies'];
  const entityFile = entityDocOwners.get(customer.id);
  if (entityFile !== undefined) return [`the policies already hold entities of it (${entityFile})`];
  const file = path.join(dir, 'customers', `${customer.id}.yaml`);
  if (existsSync(file)) return [`${path.join('customers', `${customer.id}.yaml`)} already exists (import never overwrites a file)`];
  if (options.customers === undefined && !holdsControls(customer)) return 'empty';
  const planId = customer.plan ?? options.plan;
  if (planId === undefined) {
    return [options.target.name === 'owostack' ? `${options.target.name} does not say which plan it is on: name one with --plan` : `it is on no plan in ${options.target.name}`];
  }
  const plan = defs.plans.get(planId);
  const unwritable = defs.unwritable.get(planId);
  if (unwritable) return [`its plan ${planId} cannot be written as a policy: ${unwritable.join('; ')}`];
  if (!plan) return [`its plan ${planId} is not defined in the policies${options.target.name === 'autumn' && !options.catalog ? ' (import with --catalog to write it)' : ''}`];
  return unexpressible(customer, { features: defs.features, plan });
}

/**
 * The catalog's features and plans the policies lack, as files: features.yaml (or features-imported.yaml beside
 * an existing one) and plans/<id>.yaml per plan, archived plans only when an imported customer is on one.
 */
function catalogFiles(catalog: ImportedCatalog, options: ImportOptions, used: ReadonlySet<string>) {
  const { set, dir } = options;
  const currency = options.currency ?? DEFAULT_CURRENCY;
  const files: ImportPlan['files'] = [];
  const skipped: SkippedCustomer[] = [];
  const plans: string[] = [];
  for (const plan of [...catalog.plans.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (set.plans.has(plan.id) || set.unusable.get('plan')?.has(plan.id)) continue;
    if (plan.archived && !used.has(plan.id)) continue;
    const file = `plans/${plan.id}.yaml`;
    const reasons = existsSync(path.join(dir, file)) ? [`${file} already exists (import never overwrites a file)`] : plan.problems;
    if (reasons.length > 0) {
      skipped.push({ id: plan.id, reasons });
      continue;
    }
    files.push({ file, values: [planDocument(plan, currency)] });
    plans.push(plan.id);
  }
  const features = [...catalog.features.values()].filter((f) => !set.features.has(f.id) && !set.unusable.get('feature')?.has(f.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (features.length > 0) {
    const file = ['features.yaml', 'features-imported.yaml'].find((f) => !existsSync(path.join(dir, f))) ?? 'features-imported.yaml';
    files.unshift({ file, values: features });
  }
  return { files, plans, features: features.map((f) => f.id), skipped };
}

/** Plans some imported customer is on whose policy file says other plan-level controls than the billing system holds. */
function planMismatches(inventory: Inventory, { set, target }: ImportOptions, used: ReadonlySet<string>): ImportResult['planMismatches'] {
  const written = desiredObjects({ ...set, customers: new Map() });
  // As the target stores it: Autumn leaves a plan that sets no controls alone, whatever it holds.
  const desired = target.express?.(written, set).desired ?? written;
  const out: ImportResult['planMismatches'] = [];
  for (const id of [...used].sort()) {
    const def = set.plans.get(id);
    if (!def) continue;
    if (!desired.has(`plan:${id}`)) continue;
    const want = desired.get(`plan:${id}`)?.controls;
    const have = inventory.plans.get(id);
    if (!sameControls(want, have)) out.push({ id, file: at(def.origin).file });
  }
  return out;
}

function sameControls(a: ObjectControls | undefined, b: ObjectControls | undefined): boolean {
  if (isEmptyControls(a) || isEmptyControls(b)) return isEmptyControls(a) && isEmptyControls(b);
  return canonicalJson(a) === canonicalJson(b);
}

/** Writes every planned file, each only if it does not exist yet. */
async function writeImport(plan: ImportPlan, options: ImportOptions): Promise<void> {
  const stamp = options.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const source = `${options.target.name} (${options.target.endpoint})`;
  const root = options.root ?? process.cwd();
  for (const { file, values, notes } of plan.files) {
    const full = path.join(options.dir, file);
    const header = [`yaml-language-server: $schema=${schemaReference(full, root)}`, '', `Imported from ${source} on ${stamp} by tollgate import.`, ...(notes ?? [])];
    await writeNewFile(full, renderYaml(values, header));
  }
}
