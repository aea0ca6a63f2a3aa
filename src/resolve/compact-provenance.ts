/**
 * The compact provenance of the effective-policy artifact, format 2 (SPEC §4, §13). Format 1 wrote a full
 * `{layer, profile?, file, line, column, overridden: […]}` object for every field of every feature; format 2
 * writes the same information as indexes:
 *
 *   top level     "files": ["policies/plans/pro.yaml", …]  every file named, once, in order of first use
 *                 "origins": [origin, …]                   origins in plans and profiles (default, plan and
 *                                                           profile layers), once, in order of first use
 *                 "sourceFields": ["autoTopup", …]         the order of a feature's sources (below)
 *   customer      "sources": {"features": [[o × sourceFields], …], "origins": [origin, …], "overageLimit": o}
 *                                                           its features' distinct source lists, and the
 *                                                           origins in its own file (customer, entity and
 *                                                           exception layers)
 *   feature       "sources": k                              index into the customer's sources.features
 *   origin        [layer, file, line, column, …identity]    file an index into "files"; null where unknown
 *                                                           identity: profile id, or exception id, on, until
 *   o             i | [i, [i, value], …]                    the winning origin alone, or with each hidden
 *                                                           value (highest first) and its origin; i ≥ 0 is
 *                                                           "origins"[i], i < 0 the customer's origins[-1 - i]
 *
 * A customer is compiled alone (compactCustomer, with tables of its own) and placed in the artifact's tables as
 * it is written, so compiled customers can be cached whatever else the fleet holds. A hidden value's origin has
 * no column (format 1 recorded none).
 */
import type { EffectiveCustomer, EffectiveFeature, LayerName, Overridden, Source } from './effective.js';
import { canonicalJson, objectJson, strippedJson } from './canonical.js';

/** The fields of a feature that carry a source, in the order a format-2 source list gives them. */
export const FEATURE_SOURCE_FIELDS = ['autoTopup', 'included', 'maxOverageUnits', 'overage', 'reset', 'usageAlerts', 'usageLimits'] as const satisfies ReadonlyArray<
  keyof EffectiveFeature['sources']
>;

/** Where a value was set: layer, file index, line, column (null where unknown), then the layer's identity. */
export type CompactOrigin = [LayerName, number | null, number | null, number | null, ...string[]];

/** A field's source: the winning value's origin, alone or followed by each hidden value with its origin. */
export type SourceRef = number | [number, ...Array<[number, unknown]>];

/** A customer's provenance in format 2. */
export interface CompactSources {
  features: SourceRef[][];
  origins: CompactOrigin[];
  overageLimit: SourceRef;
}

/** A customer's provenance as compiled alone: every origin its own, file indexes into its own `files`. */
interface LocalSources extends CompactSources {
  files: string[];
}

/** A customer's format-2 text before its files and shared origins are placed in the artifact's tables. */
export interface CompactCustomer {
  /** Canonical JSON of the customer without its own `sources` (each feature's `sources` an index already). */
  body: string;
  /** JSON of its provenance (LocalSources). */
  provenance: string;
}

/** The identity a layer's name does not give: a profile's id, an exception's id, block and end. */
function identity(s: Source | Overridden): string[] {
  if (s.layer === 'profile') return [s.profile!];
  if (s.layer === 'exception') return [s.exception!, s.on!, s.until!];
  return [];
}

/** Interns values by a key: index of first appearance. */
class Interner<T> {
  readonly values: T[] = [];
  private readonly seen = new Map<string | number, number>();

  index(key: string | number, value: () => T): number {
    let i = this.seen.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.seen.set(key, i);
      this.values.push(value());
    }
    return i;
  }
}

const LAYER_CODES: Record<LayerName, number> = { default: 0, plan: 1, profile: 2, customer: 3, entity: 4, exception: 5 };

/**
 * An origin's key within one customer: a number packing layer, file, line and column (a customer resolves some 150
 * sources, and building a string key for each was a tenth of compile), else its parts joined by a character that
 * layer names, ids and instants never hold.
 */
function originKey(layer: LayerName, file: number | null, line: number | undefined, column: number | undefined, id: string[]): string | number {
  // 3 + 10 + 22 + 13 bits: exact in a double
  if (id.length === 0 && file !== null && file < 1024 && line !== undefined && line < 2 ** 22 && (column === undefined || column < 2 ** 13 - 1)) {
    return ((LAYER_CODES[layer] * 1024 + file) * 2 ** 22 + line) * 2 ** 13 + (column === undefined ? 0 : column + 1);
  }
  return [layer, file, line, column, ...id].join('\u0000');
}

/** A customer in format 2: features name their provenance by index, and the customer holds it once. */
export function compactCustomer(customer: EffectiveCustomer): CompactCustomer {
  // The customer's own sources are spliced in last by ProvenanceTables.place: no key may sort after them.
  if (Object.keys(customer).some((k) => k > 'sources')) throw new Error(`a customer key sorts after "sources": ${Object.keys(customer).join(', ')}`);
  const files = new Interner<string>();
  const origins = new Interner<CompactOrigin>();
  const lists = new Interner<SourceRef[]>();
  const origin = (s: Source | Overridden, column: number | undefined): number => {
    const file = s.file === undefined ? null : files.index(s.file, () => s.file!);
    const id = identity(s);
    return origins.index(originKey(s.layer, file, s.line, column, id), () => [s.layer, file, s.line ?? null, column ?? null, ...id]);
  };
  const ref = (s: Source): SourceRef => {
    const won = origin(s, s.column);
    return s.overridden.length === 0 ? won : [won, ...s.overridden.map((o): [number, unknown] => [origin(o, undefined), o.value])];
  };
  // an entity feature its own layers do not set is the customer's feature itself (resolve.ts): compacted once
  const compacted = new Map<EffectiveFeature, Record<string, unknown>>();
  const compactFeatures = (features: Record<string, EffectiveFeature>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const id of Object.keys(features).sort()) {
      const f = features[id]!;
      let c = compacted.get(f);
      if (!c) {
        const refs = FEATURE_SOURCE_FIELDS.map((field) => ref(f.sources[field]));
        const key = refs.every((r) => typeof r === 'number') ? refs.join(',') : JSON.stringify(refs);
        compacted.set(f, (c = { ...f, sources: lists.index(key, () => refs) }));
      }
      out[id] = c;
    }
    return out;
  };
  const features = compactFeatures(customer.features);
  const entities: Record<string, unknown> = {};
  for (const id of Object.keys(customer.entities).sort()) {
    const entity = customer.entities[id]!;
    entities[id] = { ...entity, features: compactFeatures(entity.features) };
  }
  const overageLimit = ref(customer.sources.overageLimit);
  const { sources: _sources, ...rest } = customer;
  const local: LocalSources = { features: lists.values, files: files.values, origins: origins.values, overageLimit };
  // canonical once here (hidden values' keys sorted), so placing it needs no more sorting than JSON.parse keeps
  return { body: bodyJson({ ...rest, features, entities }), provenance: canonicalJson(local) };
}

/** The keys of a compacted feature (its `sources` an index), in canonical order: what featureJson writes by hand. */
const FEATURE_KEYS = ['autoTopup', 'charged', 'hardLimit', 'included', 'maxOverageCharge', 'maxOverageUnits', 'overage', 'pricing', 'reset', 'sources', 'type', 'usageAlerts', 'usageLimits'];

/**
 * canonicalJson of a compacted customer, with its features written member by member: sorting every one of a
 * fleet's features was most of writing the artifact. A feature with other members than FEATURE_KEYS, or an
 * object where a value is expected, is left to canonicalJson.
 */
function bodyJson(body: Record<string, unknown> & { features: Record<string, unknown>; entities: Record<string, unknown> }): string {
  const members: Record<string, string | undefined> = {};
  for (const key of Object.keys(body)) members[key] = key === 'features' ? featuresJson(body.features) : key === 'entities' ? entitiesJson(body.entities) : canonicalJson(body[key]);
  return objectJson(members);
}

function entitiesJson(entities: Record<string, unknown>): string {
  const members: Record<string, string> = {};
  for (const id of Object.keys(entities)) {
    const entity = entities[id] as Record<string, unknown>;
    const inner: Record<string, string | undefined> = {};
    for (const key of Object.keys(entity)) inner[key] = key === 'features' && isPlainObject(entity.features) ? featuresJson(entity.features) : canonicalJson(entity[key]);
    members[id] = objectJson(inner);
  }
  return objectJson(members);
}

/** The text of each compacted feature, written once however many entities share it (compactCustomer). */
const featureTexts = new WeakMap<object, string>();

function featuresJson(features: Record<string, unknown>): string {
  const members: Record<string, string> = {};
  for (const id of Object.keys(features)) {
    const f = features[id] as Record<string, unknown>;
    let text = featureTexts.get(f);
    if (text === undefined) featureTexts.set(f, (text = featureJson(f)));
    members[id] = text;
  }
  return objectJson(members);
}

function featureJson(f: Record<string, unknown>): string {
  const keys = Object.keys(f);
  if (keys.length !== FEATURE_KEYS.length || !FEATURE_KEYS.every((k) => Object.hasOwn(f, k))) return canonicalJson(f);
  let out = '{';
  for (const key of FEATURE_KEYS) {
    const v = f[key];
    if (v === undefined) continue;
    out += (out.length > 1 ? ',' : '') + '"' + key + '":' + (v !== null && typeof v === 'object' ? canonicalJson(v) : JSON.stringify(v));
  }
  return out + '}';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The customer's canonical JSON without provenance (strippedJson, the digest's input) from its format-2 body: the
 * body less each feature's `,"sources":k` (no JSON string can hold that text: its quote would be escaped), which
 * saves sorting the customer twice. strippedJson also drops ids named "sources": such a customer is stripped afresh.
 */
export function strippedFromBody(customer: EffectiveCustomer, body: string): string {
  const named = (ids: object): boolean => Object.hasOwn(ids, 'sources');
  if (named(customer.features) || named(customer.entities) || Object.values(customer.entities).some((e) => named(e.features))) return strippedJson(customer);
  return bodyLessSources(body);
}

/** A format-2 body less each feature's source index: the digest's input, but for ids named "sources". */
export function bodyLessSources(body: string): string {
  return body.replace(/,"sources":\d+/g, '');
}

/** Layers whose values are set in files every customer shares (plans, profiles): their origins are the artifact's. */
const SHARED_LAYERS: ReadonlySet<LayerName> = new Set(['default', 'plan', 'profile']);

/** A shared origin's key in the artifact's table: its parts joined by a character that layer names and ids never hold. */
const sharedKey = (o: CompactOrigin): string => o.join('\u0000');

/**
 * The artifact's tables, filled as customers are written: every file once, and the origins in shared files (plan
 * and profile layers) once, each in order of first use.
 */
export class ProvenanceTables {
  private readonly files = new Interner<string>();
  private readonly origins = new Interner<CompactOrigin>();

  /** A compiled customer's text in the artifact: its files and shared origins placed in these tables. */
  place(customer: CompactCustomer): string {
    const local = JSON.parse(customer.provenance) as LocalSources;
    const fileAt = local.files.map((file) => this.files.index(file, () => file));
    const own: CompactOrigin[] = [];
    const refAt = local.origins.map(([layer, file, ...rest]): number => {
      const origin: CompactOrigin = [layer, file === null ? null : fileAt[file]!, ...rest];
      if (SHARED_LAYERS.has(layer)) return this.origins.index(sharedKey(origin), () => origin);
      own.push(origin);
      return -own.length;
    });
    const placeRef = (r: SourceRef): SourceRef =>
      typeof r === 'number' ? refAt[r]! : [refAt[r[0]]!, ...(r.slice(1) as Array<[number, unknown]>).map(([o, value]): [number, unknown] => [refAt[o]!, value])];
    const sources: CompactSources = { features: local.features.map((list) => list.map(placeRef)), origins: own, overageLimit: placeRef(local.overageLimit) };
    return `${customer.body.slice(0, -1)},"sources":${JSON.stringify(sources)}}`;
  }

  /** The top-level members the tables give, sorted among the artifact's keys by the caller: `files` and `origins`. */
  get filesJson(): string {
    return JSON.stringify(this.files.values);
  }

  get originsJson(): string {
    return JSON.stringify(this.origins.values);
  }
}
