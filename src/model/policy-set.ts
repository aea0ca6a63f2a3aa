import type {
  ControlsByFeature,
  CustomerDocument,
  EntityDocument,
  FeatureDocument,
  GuardrailDocument,
  OverageLimit,
  PlanDocument,
  PlanItem,
  ProfileDocument,
  WaiverDocument,
} from '../types/policy.generated.js';
import { parseInstant } from './instant.js';
import { locate, type PolicyDoc } from '../load/yaml.js';
import { toPointer } from '../load/positions.js';
import type { Location } from '../diagnostics/diagnostic.js';

/** Where a block of policy lives: a document and the pointer of the block inside it. */
export interface Origin {
  doc: PolicyDoc;
  pointer: string;
}

/** The location of `path` (a pointer relative to the block) in its file. */
export function at(origin: Origin, path = '', part: 'key' | 'value' = 'value'): Location {
  return locate(origin.doc, origin.pointer + path, part);
}

const shared = new WeakMap<PolicyDoc, Map<string, Location>>();

/** `at` for blocks every customer shares (plans, profiles): computed once per place, not once per customer. */
export function atShared(origin: Origin, path = ''): Location {
  let cache = shared.get(origin.doc);
  if (!cache) shared.set(origin.doc, (cache = new Map()));
  const pointer = origin.pointer + path;
  let loc = cache.get(pointer);
  if (!loc) cache.set(pointer, (loc = locate(origin.doc, pointer)));
  return loc;
}

export interface FeatureDef {
  id: string;
  type: FeatureDocument['type'];
  name?: string;
  origin: Origin;
}

export interface PlanDef {
  id: string;
  name?: string;
  currency: string;
  items: Map<string, PlanItem>;
  controls: ControlsByFeature;
  overageLimit: OverageLimit | undefined;
  origin: Origin;
}

export interface ProfileDef {
  id: string;
  extends: string[];
  controls: ControlsByFeature;
  overageLimit: OverageLimit | undefined;
  origin: Origin;
}

/** A time-boxed override of a customer or entity (SPEC §12). */
export interface ExceptionDef {
  id: string;
  /** Epoch ms; undefined when absent (active from the start) or not a real instant (validation reports it). */
  from?: number;
  /** Epoch ms, exclusive; undefined when not a real instant (then it is never active). */
  until?: number;
  reason: string;
  controls: ControlsByFeature;
  overageLimit?: OverageLimit;
  /** The `/exceptions/<i>` block. */
  origin: Origin;
  /** Whether `from` was written (an unreadable `from` keeps the exception inactive). */
  hasFrom: boolean;
}

/** Whether an exception is active at `asOf` (epoch ms): from <= asOf < until. */
export function isActive(e: ExceptionDef, asOf: number): boolean {
  if (e.until === undefined || asOf >= e.until) return false;
  if (e.hasFrom) return e.from !== undefined && e.from <= asOf;
  return true;
}

export interface EntityDef {
  id: string;
  customer: string;
  name?: string;
  controls: ControlsByFeature;
  exceptions: ExceptionDef[];
  /** The Entity document, or the `/entities/<id>` block of its customer. */
  origin: Origin;
}

export interface CustomerDef {
  id: string;
  name?: string;
  plan: string;
  extends: string[];
  controls: ControlsByFeature;
  overageLimit: OverageLimit | undefined;
  entities: Map<string, EntityDef>;
  exceptions: ExceptionDef[];
  origin: Origin;
}

/** A rule on effective values and plans (SPEC §12). */
export interface GuardrailDef {
  id: string;
  level: GuardrailDocument['level'];
  message: string;
  applies?: GuardrailDocument['applies'];
  require: NonNullable<GuardrailDocument['require']>;
  changes: NonNullable<GuardrailDocument['changes']>;
  origin: Origin;
}

/** A reviewed exception to a soft guardrail, for some customers and entities, until it expires. */
export interface WaiverDef {
  id: string;
  guardrail: string;
  customers: string[];
  /** "customer/entity". */
  entities: string[];
  /** Epoch ms; undefined when not a real instant (then it covers nothing). */
  expires?: number;
  reason: string;
  approvedBy?: string;
  origin: Origin;
}

/** Every policy object by kind and id, as written (not yet resolved). */
export interface PolicySet {
  features: Map<string, FeatureDef>;
  plans: Map<string, PlanDef>;
  profiles: Map<string, ProfileDef>;
  customers: Map<string, CustomerDef>;
  /** Standalone Entity documents, attached to their customers when the customer exists. */
  entityDocs: EntityDef[];
  guardrails: Map<string, GuardrailDef>;
  waivers: Map<string, WaiverDef>;
  /** Ids that are defined but cannot be used (not in the maps above): see Unusable. */
  unusable: Map<UnusableKind, Map<string, Unusable>>;
  /** The instant (epoch ms) the policies are resolved at: it decides which exceptions are active and which waivers hold. */
  asOf: number;
}

export type UnusableKind = 'feature' | 'plan' | 'profile' | 'customer';

/**
 * A definition that exists but cannot be used: it failed the schema, or its id is defined twice so which one
 * is meant is unknown. What refers to it is neither an "unknown" error nor resolved, so that one broken plan
 * does not bury its own error under one per customer.
 */
export interface Unusable {
  why: 'invalid' | 'duplicate';
  /** Where its own error is (the first schema error, or the duplicate-id error): a note about it goes beside it. */
  at: Location;
}

/** Whether `id` of `kind` is defined but unusable. */
export function isUnusable(set: PolicySet, kind: UnusableKind, id: string): boolean {
  return set.unusable.get(kind)?.has(id) ?? false;
}

/** A second definition of an id already taken. */
export interface Duplicate {
  kind: 'feature' | 'plan' | 'profile' | 'customer' | 'entity' | 'guardrail' | 'waiver';
  id: string;
  first: Origin;
  second: Origin;
}

/** A document that failed the schema but still names its kind and id. */
export interface BrokenDocument {
  kind: string;
  id: string;
  /** Its first schema error. */
  at: Location;
}

const UNUSABLE_KINDS: Record<string, UnusableKind> = { Feature: 'feature', Plan: 'plan', Profile: 'profile', Customer: 'customer' };

/**
 * Indexes shape-valid documents by kind and id; duplicates are returned. A customer or entity defined twice
 * keeps its first definition; a feature, plan or profile defined twice, or one that failed the schema
 * (`broken`), is unusable: others refer to it, and picking one definition silently would report the wrong errors.
 */
export function buildPolicySet(
  documents: Array<{ doc: PolicyDoc; value: PolicyDocumentValue }>,
  broken: readonly BrokenDocument[] = [],
  asOf = Date.now(),
): {
  set: PolicySet;
  duplicates: Duplicate[];
} {
  const set: PolicySet = { features: new Map(), plans: new Map(), profiles: new Map(), customers: new Map(), entityDocs: [], guardrails: new Map(), waivers: new Map(), unusable: new Map(), asOf };
  const duplicates: Duplicate[] = [];
  const put = <T extends { id: string; origin: Origin }>(map: Map<string, T>, kind: Duplicate['kind'], def: T): void => {
    const existing = map.get(def.id);
    if (existing) duplicates.push({ kind, id: def.id, first: existing.origin, second: def.origin });
    else map.set(def.id, def);
  };
  for (const { doc, value } of documents) {
    const origin: Origin = { doc, pointer: '' };
    switch (value.kind) {
      case 'Feature':
        put(set.features, 'feature', { id: value.id, type: value.type, name: value.name, origin });
        break;
      case 'Plan':
        put(set.plans, 'plan', {
          id: value.id,
          name: value.name,
          currency: value.currency,
          items: new Map(Object.entries(value.features ?? {})),
          controls: value.controls ?? {},
          overageLimit: value.overageLimit,
          origin,
        });
        break;
      case 'Profile':
        put(set.profiles, 'profile', {
          id: value.id,
          extends: value.extends ?? [],
          controls: value.controls ?? {},
          overageLimit: value.overageLimit,
          origin,
        });
        break;
      case 'Customer': {
        const entities = new Map<string, EntityDef>();
        for (const [id, block] of Object.entries(value.entities ?? {})) {
          entities.set(id, {
            id,
            customer: value.id,
            name: block?.name,
            controls: block?.controls ?? {},
            exceptions: exceptionDefs(doc, toPointer(['entities', id]), block?.exceptions),
            origin: { doc, pointer: toPointer(['entities', id]) },
          });
        }
        put(set.customers, 'customer', {
          id: value.id,
          name: value.name,
          plan: value.plan,
          extends: value.extends ?? [],
          controls: value.controls ?? {},
          overageLimit: value.overageLimit,
          entities,
          exceptions: exceptionDefs(doc, '', value.exceptions),
          origin,
        });
        break;
      }
      case 'Entity':
        set.entityDocs.push({ id: value.id, customer: value.customer, name: value.name, controls: value.controls ?? {}, exceptions: exceptionDefs(doc, '', value.exceptions), origin });
        break;
      case 'Guardrail':
        put(set.guardrails, 'guardrail', {
          id: value.id,
          level: value.level,
          message: value.message,
          applies: value.applies,
          require: value.require ?? {},
          changes: value.changes ?? {},
          origin,
        });
        break;
      case 'Waiver':
        put(set.waivers, 'waiver', {
          id: value.id,
          guardrail: value.guardrail,
          customers: value.customers ?? [],
          entities: value.entities ?? [],
          expires: parseInstant(value.expires),
          reason: value.reason,
          approvedBy: value.approvedBy,
          origin,
        });
        break;
    }
  }
  const markUnusable = (kind: UnusableKind, id: string, why: Unusable['why'], where: () => Location): void => {
    let ids = set.unusable.get(kind);
    if (!ids) set.unusable.set(kind, (ids = new Map()));
    if (!ids.has(id)) ids.set(id, { why, at: where() });
  };
  for (const b of broken) {
    const kind = UNUSABLE_KINDS[b.kind];
    if (kind) markUnusable(kind, b.id, 'invalid', () => b.at);
  }
  for (const d of duplicates) {
    // the duplicate-id error is at the second definition's id
    if (d.kind === 'feature' || d.kind === 'plan' || d.kind === 'profile') markUnusable(d.kind, d.id, 'duplicate', () => at(d.second, '/id'));
  }
  for (const [kind, ids] of set.unusable) {
    const map: Map<string, unknown> = kind === 'feature' ? set.features : kind === 'plan' ? set.plans : kind === 'profile' ? set.profiles : set.customers;
    for (const id of ids.keys()) map.delete(id);
  }
  // Standalone entities join their customer after every file is read, so file order never matters.
  for (const entity of set.entityDocs) {
    const customer = set.customers.get(entity.customer);
    if (!customer) continue;
    const existing = customer.entities.get(entity.id);
    if (existing) duplicates.push({ kind: 'entity', id: `${entity.customer}/${entity.id}`, first: existing.origin, second: entity.origin });
    else customer.entities.set(entity.id, entity);
  }
  return { set, duplicates };
}

export type PolicyDocumentValue = FeatureDocument | PlanDocument | ProfileDocument | CustomerDocument | EntityDocument | GuardrailDocument | WaiverDocument;

/** The exceptions of a customer or entity block (at `base` in its document), with their instants read. */
function exceptionDefs(
  doc: PolicyDoc,
  base: string,
  list: ReadonlyArray<{ id: string; from?: string; until: string; reason: string; controls?: ControlsByFeature; overageLimit?: OverageLimit }> | undefined,
): ExceptionDef[] {
  return (list ?? []).map((e, i) => {
    const def: ExceptionDef = {
      id: e.id,
      until: parseInstant(e.until),
      reason: e.reason,
      controls: e.controls ?? {},
      origin: { doc, pointer: `${base}/exceptions/${i}` },
      hasFrom: e.from !== undefined,
    };
    if (e.from !== undefined) def.from = parseInstant(e.from);
    if (e.overageLimit !== undefined) def.overageLimit = e.overageLimit;
    return def;
  });
}
