import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { readCheckedBytes, writeChecked } from '../util/checked-file.js';
import type { Ajv2020 as Ajv, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import policySchema from '../../schema/policy.schema.json' with { type: 'json' };
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { locate, type PolicyDoc } from '../load/yaml.js';
import { findSpan, pointerSegments, toPointer } from '../load/positions.js';
import { FEATURE_CONTROLS } from '../plan/objects.js';

export const DOCUMENT_KINDS = ['Feature', 'Plan', 'Profile', 'Customer', 'Entity', 'Guardrail', 'Waiver'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

type SchemaNode = {
  title?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  minimum?: number;
  pattern?: string;
};

const defs = (policySchema as unknown as { $defs: Record<string, SchemaNode> }).$defs;

/** The options the validators are compiled with, here and by the build (scripts/gen-validators.mjs). */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false } as const;

/** The schema of each kind's document as the validators check it: its refs inlined (see withRefsInlined). */
export function documentSchema(kind: DocumentKind): object {
  return withRefsInlined(defs[`${kind}Document`]!) as object;
}

/** Where the build writes the validators it compiled ahead of time, beside this module. */
export const PRECOMPILED_VALIDATORS = 'schema-validators.cjs';

let validators: Map<DocumentKind, ValidateFunction> | undefined;

/**
 * One validator per kind. The build compiles them ahead of time (compiling takes 0.2 s, a warm validate's
 * budget); without that file (the tests run the sources) they are compiled here, once per process.
 */
function validatorFor(kind: DocumentKind): ValidateFunction {
  validators ??= precompiled() ?? compiled();
  return validators.get(kind)!;
}

/** V8's compiled code of the precompiled validators, kept between runs (useValidatorCodeCache). */
const code: { file?: string; script?: Script; reused: boolean } = { reused: false };

/**
 * Keeps the machine code V8 compiles for the precompiled validators in `file` (a cache file, checksummed;
 * V8 refuses code from another version itself): their first calls cost a run 50 ms without it.
 */
export function useValidatorCodeCache(file: string): void {
  code.file = file;
}

/** Writes the validators' compiled code to the file useValidatorCodeCache named, unless it was read from there. */
export function saveValidatorCodeCache(): void {
  if (code.file && code.script && !code.reused) writeChecked(code.file, code.script.createCachedData());
}

function precompiled(): Map<DocumentKind, ValidateFunction> | undefined {
  const file = fileURLToPath(new URL(`./${PRECOMPILED_VALIDATORS}`, import.meta.url));
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // loaded as require would, but through a Script, which takes and gives V8's code cache
  const cachedData = code.file ? readCheckedBytes(code.file) : undefined;
  const script = new Script(`(function (exports, require, module) {${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  code.script = script;
  code.reused = cachedData !== undefined && !script.cachedDataRejected;
  const module = { exports: {} as Record<string, ValidateFunction> };
  (script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object) => void)(module.exports, createRequire(file), module);
  const exported = module.exports;
  return DOCUMENT_KINDS.every((k) => typeof exported[k] === 'function') ? new Map(DOCUMENT_KINDS.map((k) => [k, exported[k]!])) : undefined;
}

function compiled(): Map<DocumentKind, ValidateFunction> {
  // loaded here, not at start-up: with the precompiled validators, ajv itself is never needed
  const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv };
  const ajv = new Ajv2020(AJV_OPTIONS);
  return new Map(DOCUMENT_KINDS.map((k) => [k, ajv.compile(documentSchema(k))]));
}

/**
 * A copy of a schema with every `$ref` replaced by the definition it names (the schema has no cycles).
 * ajv compiles a `$ref` that itself holds refs into a function of its own and appends that function's
 * errors with `concat`, copying all earlier errors once per failing value: a customer with 20,000 invalid
 * entities took minutes. Inlined, every error is a push onto one list.
 */
function withRefsInlined(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withRefsInlined);
  if (node === null || typeof node !== 'object') return node;
  const { $ref, ...rest } = node as SchemaNode & Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) out[key] = key === 'enum' || key === 'const' ? value : withRefsInlined(value);
  if ($ref === undefined) return out;
  const target = resolveRef({ $ref });
  if (!target) throw new Error(`policy schema: unresolved $ref ${$ref}`);
  // the definition's own keywords (and title) win; a sibling such as "description" only annotates
  return { ...out, ...(withRefsInlined(target) as object) };
}

/**
 * Checks one document against the schema of its kind; returns the kind when the shape is valid. `features`
 * (id → type, from the Feature documents) only improves messages.
 */
export function validateShape(doc: PolicyDoc, features?: ReadonlyMap<string, string>): { kind?: DocumentKind; diagnostics: Diagnostic[] } {
  const value = doc.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      diagnostics: [diagnostic('invalid-type', `A policy document must be a mapping with a "kind"; got ${describeValue(value)}.`, locate(doc, ''))],
    };
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind === undefined || kind === null) {
    return {
      diagnostics: [diagnostic('missing-kind', `Document has no "kind"; set it to one of ${DOCUMENT_KINDS.join(', ')}.`, locate(doc, ''))],
    };
  }
  if (typeof kind !== 'string' || !(DOCUMENT_KINDS as readonly string[]).includes(kind)) {
    return {
      diagnostics: [
        diagnostic(
          'unknown-kind',
          `Unknown kind ${JSON.stringify(kind)}; expected one of ${DOCUMENT_KINDS.join(', ')}.${typeof kind === 'string' ? didYouMean(kind, DOCUMENT_KINDS) : ''}`,
          locate(doc, '/kind'),
        ),
      ],
    };
  }
  const validate = validatorFor(kind as DocumentKind);
  const valid = validate(value);
  const misplaced = misplacedControls(doc, kind as DocumentKind, features);
  if (valid && misplaced.length === 0) return { kind: kind as DocumentKind, diagnostics: [] };
  // errors inside a misplaced control come from reading it as a feature's controls: its own message says it all
  const at = new Set(misplaced.map((m) => m.pointer));
  const inside = (p: string) => ancestors(p, true).some((a) => at.has(a));
  const errors = collapseErrors(valid ? [] : (validate.errors ?? [])).filter((e) => misplaced.length === 0 || !inside(e.instancePath));
  return { diagnostics: [...misplaced, ...errors.map((e) => toDiagnostic(doc, e))] };
}

/** The keys of one feature's controls; written directly under `controls`, they were meant one level deeper. */
const CONTROL_KEYS: readonly string[] = FEATURE_CONTROLS;

/**
 * A control key written where a feature id belongs (`controls: { autoTopup: … }`), named as what it is
 * rather than read as a feature. The feature it belongs under is guessed as the feature written just above
 * it, else one of a fitting type.
 */
function misplacedControls(doc: PolicyDoc, kind: DocumentKind, features?: ReadonlyMap<string, string>): Diagnostic[] {
  if (kind === 'Feature') return [];
  const value = doc.value as { controls?: unknown; entities?: unknown };
  const blocks: Array<[string, unknown]> = [['/controls', value.controls]];
  if (kind === 'Customer' && value.entities !== null && typeof value.entities === 'object') {
    for (const [id, entity] of Object.entries(value.entities)) {
      if (entity !== null && typeof entity === 'object') blocks.push([toPointer(['entities', id, 'controls']), (entity as { controls?: unknown }).controls]);
    }
  }
  const out: Diagnostic[] = [];
  for (const [base, controls] of blocks) {
    if (controls === null || typeof controls !== 'object' || Array.isArray(controls)) continue;
    let above: string | undefined;
    for (const key of Object.keys(controls)) {
      if (!CONTROL_KEYS.includes(key) || features?.has(key)) {
        above = key;
        continue;
      }
      const under = above ?? exampleFeature(key, features);
      const where = under === undefined ? 'under the feature it controls' : `under a feature such as "${under}"`;
      out.push(diagnostic('unknown-key', `${key} is not a feature: indent it ${where}.`, locate(doc, `${base}/${key}`, 'key')));
    }
  }
  return out;
}

/** A feature a control suits: a credits feature for an auto top-up, a metered one for the others. */
function exampleFeature(control: string, features?: ReadonlyMap<string, string>): string | undefined {
  if (!features) return undefined;
  const want = control === 'autoTopup' ? 'credits' : 'metered';
  for (const [id, type] of features) if (type === want) return id;
  for (const [id, type] of features) if (type !== 'boolean') return id;
  return undefined;
}

/**
 * ajv reports every failed branch of an anyOf; a person needs one message per place.
 * A branch whose type does not fit the value fails right at the anyOf's place with `type`/`const`/`enum`:
 * those are dropped. If the branch that fits the value failed on something more specific (a key, a bound,
 * a deeper value), that is what is reported; otherwise the anyOf error alone stands, worded from the
 * alternatives. Branch errors are matched by place, not schema path: after a `$ref` ajv's schema paths
 * restart at the referenced definition.
 */
function collapseErrors(errors: ErrorObject[]): ErrorObject[] {
  // One pass to index by place, so a document with thousands of errors is not compared pairwise.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  // A value of the wrong type also fails the enum of its place (currency: 12): the type error says it all.
  const typePaths = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const mismatch = (e: ErrorObject) =>
    (anyOfPaths.has(e.instancePath) && (e.keyword === 'type' || e.keyword === 'const' || e.keyword === 'enum')) ||
    (typePaths.has(e.instancePath) && !anyOfPaths.has(e.instancePath) && (e.keyword === 'const' || e.keyword === 'enum'));
  /** Places at or above a specific error. */
  const specificAtOrBelow = new Set<string>();
  /** Places strictly above an anyOf error. */
  const anyOfBelow = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'anyOf') ancestors(e.instancePath, false).forEach((p) => anyOfBelow.add(p));
    else if (e.keyword !== 'if' && e.keyword !== 'propertyNames' && !mismatch(e)) ancestors(e.instancePath, true).forEach((p) => specificAtOrBelow.add(p));
  }
  const kept: ErrorObject[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames' || mismatch(e)) continue;
    if (e.keyword === 'anyOf' && (anyOfBelow.has(e.instancePath) || specificAtOrBelow.has(e.instancePath))) continue;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(e);
  }
  return kept;
}

/** The pointers above `pointer` (from the root down), and `pointer` itself when `self`. */
function ancestors(pointer: string, self: boolean): string[] {
  const out = [''];
  for (let i = pointer.indexOf('/', 1); i > 0; i = pointer.indexOf('/', i + 1)) out.push(pointer.slice(0, i));
  if (self && pointer !== '') out.push(pointer);
  return out;
}

function toDiagnostic(doc: PolicyDoc, e: ErrorObject): Diagnostic {
  const path = e.instancePath;
  const parent = e.parentSchema as SchemaNode | undefined;
  const where = describePath(path);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const pointer = toPointer([...pointerSegments(path), key]);
      const known = Object.keys(parent?.properties ?? {});
      const hint = didYouMean(key, known) || (known.length > 0 ? ` Allowed keys: ${known.join(', ')}.` : '');
      return diagnostic('unknown-key', `Unknown key "${key}"${where ? ` in ${where}` : ''}.${hint}`, locate(doc, pointer, 'key'));
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return diagnostic('missing-key', `Missing required key "${key}"${where ? ` in ${where}` : ''}.`, locate(doc, path, 'key'));
    }
    case 'pattern': {
      if (e.propertyName !== undefined || parent?.title === 'Id') {
        const name = e.propertyName ?? String(e.data);
        const pointer = e.propertyName !== undefined ? toPointer([...pointerSegments(path), e.propertyName]) : path;
        return diagnostic(
          'invalid-id',
          `"${name}" is not a valid id: use a letter or digit, then letters, digits, "_", ".", ":" or "-" (at most 128 characters).`,
          locate(doc, pointer, e.propertyName !== undefined ? 'key' : 'value'),
        );
      }
      return diagnostic('invalid-value', `${where || 'Value'} must match ${parent?.pattern ?? (e.params as { pattern: string }).pattern}; got ${describeValue(e.data)}.`, locate(doc, path));
    }
    case 'anyOf': {
      const words = (parent?.anyOf ?? []).flatMap((s) => {
        const r = resolveRef(s);
        return [...(r?.enum ?? []), ...(r?.const !== undefined ? [r.const] : [])].filter((w): w is string => typeof w === 'string');
      });
      return diagnostic(
        parent?.anyOf?.some((s) => resolveRef(s)?.title === 'MinorUnits') ? 'invalid-money' : 'invalid-value',
        `${where || 'Value'} must be ${describeSchema(parent ?? {})}; got ${describeValue(e.data)}.${typeof e.data === 'string' ? didYouMean(e.data, words) : ''}`,
        locate(doc, path),
      );
    }
    case 'maximum': {
      // 99999999999999999999999 reads back as 1e+23: quote the number as it is written
      const limit = (e.params as { limit: number }).limit;
      const unit = parent?.title === 'MinorUnits' ? ' minor units' : '';
      return diagnostic(parent?.title === 'MinorUnits' ? 'invalid-money' : 'invalid-value', `${where || 'Value'} is ${written(doc, path)}, which exceeds the maximum of ${limit}${unit}.`, locate(doc, path));
    }
    default: {
      if (parent?.title === 'MinorUnits') {
        return diagnostic('invalid-money', `${where || 'Amount'} must be a non-negative whole number of minor units (e.g. 1999 for 19.99); got ${describeValue(e.data)}.`, locate(doc, path));
      }
      if (e.keyword === 'type' || e.keyword === 'minimum') {
        const code = e.keyword === 'type' ? 'invalid-type' : 'invalid-value';
        return diagnostic(code, `${where || 'Value'} must be ${describeSchema(parent ?? {})}; got ${describeValue(e.data)}.`, locate(doc, path));
      }
      if (e.keyword === 'enum' || e.keyword === 'const') {
        const allowed = parent?.enum ?? [parent?.const];
        const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed.filter((a): a is string => typeof a === 'string')) : '';
        // a long list (currency codes) is named, not spelt out
        const expected = allowed.length > 12 ? describeSchema(parent ?? {}) : allowed.map(fmt).join(' or ');
        return diagnostic('invalid-value', `${where || 'Value'} must be ${expected}; got ${describeValue(e.data)}.${hint}`, locate(doc, path));
      }
      return diagnostic('invalid-value', `${where || 'Value'} ${e.message ?? 'is invalid'}; got ${describeValue(e.data)}.`, locate(doc, path));
    }
  }
}

/** The text of a value as written in its file. */
function written(doc: PolicyDoc, pointer: string): string {
  const { span } = findSpan(doc.value, doc.span, pointer);
  return doc.source.text.slice(span[1], span[2]).trim();
}

function resolveRef(s: SchemaNode): SchemaNode | undefined {
  if (s.$ref?.startsWith('#/$defs/')) return defs[s.$ref.slice('#/$defs/'.length)];
  return s;
}

/** A short English description of what a schema accepts. */
function describeSchema(schema: SchemaNode): string {
  const s = resolveRef(schema) ?? schema;
  if (s.title === 'Currency') return 'an ISO 4217 currency code in capitals, such as "USD" or "EUR"';
  if (s.anyOf) return joinOr(s.anyOf.map(describeSchema));
  if (s.const !== undefined) return fmt(s.const);
  if (s.enum) return joinOr(s.enum.map(fmt));
  const type = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  switch (type) {
    case 'integer':
      return s.minimum === 0 ? 'a whole number ≥ 0' : s.minimum !== undefined ? `a whole number ≥ ${s.minimum}` : 'a whole number';
    case 'number':
      return s.minimum !== undefined ? `a number ≥ ${s.minimum}` : 'a number';
    case 'null':
      return 'null (inherit)';
    case 'object':
      return mappingWords(s);
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    default:
      return type ?? 'a valid value';
  }
}

/** What a mapping holds, in the words of the policy files rather than the schema's type names. */
function mappingWords(s: SchemaNode): string {
  if (s.title === 'ControlsByFeature') return 'a mapping of feature ids to their controls';
  if (s.title === 'FeatureControls') return `a mapping of one feature's controls (${FEATURE_CONTROLS.join(', ')})`;
  const keys = Object.keys(s.properties ?? {}).filter((k) => k !== 'kind');
  return keys.length > 0 ? `a mapping with ${joinOr(keys).replace(/ or /, ' and ')}` : 'a mapping';
}

function joinOr(parts: string[]): string {
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

function fmt(v: unknown): string {
  return v === null ? 'null' : JSON.stringify(v);
}

/** How a value reads in a message. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  return String(v);
}

function describePath(pointer: string): string {
  const segments = pointerSegments(pointer);
  return segments.length === 0 ? '' : `"${segments.join('.')}"`;
}
