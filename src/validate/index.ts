import { capDiagnostics } from '../diagnostics/cap.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { listPolicyFiles, policyText, readPolicyFile } from '../load/files.js';
import type { SourceFile } from '../util/source-file.js';
import { parsePolicyYaml, type PolicyDoc } from '../load/yaml.js';
import { ParallelParser } from '../load/parallel-parse.js';
import { buildPolicySet, type BrokenDocument, type CustomerDef, type PolicyDocumentValue, type PolicySet } from '../model/policy-set.js';
import { strippedJson } from '../resolve/canonical.js';
import type { AnalysisCache, CustomerResult, ParsedFile } from './analysis-cache.js';
import { resolveCustomer } from '../resolve/resolve.js';
import { digestBuilder, EffectiveCustomers } from '../resolve/stream.js';
import { checkEffects } from './effects.js';
import { startPrecompile, type Precompiled } from '../resolve/precompile.js';
import { UncheckedCustomers } from './unchecked.js';
import { fileURLToPath } from 'node:url';
import { checkReferences } from './rules.js';
import { validateShape } from './schema.js';
import { checkTimeBoxes } from './exceptions.js';
import { checkGuardrailDocuments } from '../guardrails/checks.js';
import { GuardrailEvaluator } from '../guardrails/evaluate.js';
import type { GuardrailReport } from '../guardrails/report.js';
import { DEFAULT_EXPIRY_WARNING_DAYS, findLapsing, type Lapsing } from '../model/lapsing.js';
import type { OnProgress } from '../util/progress.js';

/** The worker script that parses and then compiles customers for `compile` (the `precompile` option). */
const COMPILE_WORKER = fileURLToPath(new URL('./compile-worker.js', import.meta.url));

/** Everything known about a policy directory after loading, validating and resolving it. */
export interface Analysis {
  set: PolicySet;
  /** Sorted; one per place and code; past DIAGNOSTICS_PER_CODE_AND_FILE of a code in a file, one that counts the rest. */
  diagnostics: Diagnostic[];
  sources: Map<string, SourceFile>;
  /** Effective policy per customer whose plan is known, in id order, resolved on demand. */
  customers: EffectiveCustomers;
  files: number;
  documents: number;
  /** With `digest: true`: the policy digest (as policyDigest computes it), from the resolution the checks make anyway. */
  policyDigest?: string;
  /** With a cache: per customer, the hash of everything its effective policy depends on (a key for later stages' caches). */
  customerKeys?: Map<string, string>;
  /** The outcome of each guardrail on the effective values; absent when the policies define none. */
  guardrails?: GuardrailReport;
  /** Exceptions and waivers that have lapsed, or lapse within the warning window, at the instant resolved for. */
  lapsing: Lapsing[];
  /** With `partition: true`: the diagnostics before sorting and merging, those of each customer's checks apart. */
  partition?: DiagnosticPartition;
  /** With `precompile: true` and worker threads: customers being compiled on them for the writer; close it when done. */
  precompiled?: Precompiled;
  /**
   * With `checkWhileWriting: true`: the customers whose checks are left to the writer of the artifact; their
   * diagnostics are not in `diagnostics` until its finish().
   */
  unchecked?: UncheckedCustomers;
}

/** Where each diagnostic came from: a customer's own checks (by customer id), or everything else. */
export interface DiagnosticPartition {
  general: Diagnostic[];
  byCustomer: Map<string, Diagnostic[]>;
}

export interface AnalyzeOptions {
  /** Also compute the policy digest; plan and apply need it, and resolving a fleet twice is costly. */
  digest?: boolean;
  /** Told after each file read and each customer checked: a fleet takes seconds. */
  onProgress?: OnProgress;
  /** Parse on worker threads too (one per core beside this one), when many files need parsing. */
  parallel?: boolean;
  /** Parses, schema checks and customer checks from earlier runs, reused where their inputs are unchanged. */
  cache?: AnalysisCache;
  /** Texts that replace files on disk (absolute path → text), such as an editor's unsaved buffers; new files under `dir` join. */
  overlay?: ReadonlyMap<string, string>;
  /** The instant to resolve at (epoch ms): which exceptions are active and which waivers hold. Default: now. */
  at?: number;
  /** Warn about exceptions and waivers that end within this many days (`expiryWarningDays`); default 7. */
  expiryWarningDays?: number;
  /** The files to analyse (absolute paths, sorted) and what listing them found, instead of listing `dir` again. */
  listed?: { files: readonly string[]; diagnostics: readonly Diagnostic[] };
  /** Told each file's parse (the documents it holds), as it is read. */
  onParsed?: (source: SourceFile, parsed: ParsedFile) => void;
  /** Also return the diagnostics partitioned by where they came from (see DiagnosticPartition). */
  partition?: boolean;
  /**
   * Have the worker threads that parse compile customers (every customer whose files they were given) while this
   * thread checks (resolve/precompile.ts): for `compile`, which writes every customer's artifact text.
   */
  precompile?: boolean;
  /**
   * Leave each customer's checks (of its resolved policy) to the writer of the artifact, which resolves every
   * customer anyway (Analysis.unchecked): for `compile` to a file, which keeps the file back until they pass.
   * Not with `digest` or guardrails, whose results are needed before writing.
   */
  checkWhileWriting?: boolean;
}

/** Loads every policy file of `dir`, checks it in all passes, and resolves every customer. */
export function analyze(dir: string, options: AnalyzeOptions = {}): Analysis {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, SourceFile>();
  const listed = options.listed ? { files: [...options.listed.files], diagnostics: [...options.listed.diagnostics] } : withOverlay(listPolicyFiles(dir), dir, options.overlay);
  diagnostics.push(...listed.diagnostics);
  const parsedDocs: PolicyDoc[] = [];
  // Definitions whose YAML or schema is broken but that name their kind and id: what uses them gets one note.
  const broken: BrokenDocument[] = [];
  const progress = options.onProgress;
  const cache = options.cache;
  const total = listed.files.length;
  progress?.({ phase: 'reading policy files', done: 0, total, unit: 'files' });
  // Every file is read first, so that the parses the cache does not hold can be shared with worker threads.
  const reads = listed.files.map((file) => {
    const text = options.overlay?.get(file);
    return text === undefined ? readPolicyFile(file) : policyText(file, text);
  });
  const toParse = reads.flatMap((r) => (r.source && !cache?.has(r.source) ? [r.source] : []));
  const parallel = options.parallel ? ParallelParser.start(toParse, options.precompile ? COMPILE_WORKER : undefined) : undefined;
  const parse = (source: SourceFile) => parallel?.take(source) ?? parsePolicyYaml(source);
  let keepWorkers = false;
  try {
    for (const [i, read] of reads.entries()) {
      if (i > 0) progress?.({ phase: 'reading policy files', done: i, total, unit: 'files' });
      diagnostics.push(...read.diagnostics);
      if (!read.source) continue;
      sources.set(read.source.path, read.source);
      const source = read.source;
      const parsed = cache ? cache.parse(source, () => parse(source)) : parse(source);
      options.onParsed?.(source, parsed);
      append(diagnostics, parsed.diagnostics);
      append(parsedDocs, parsed.docs);
      append(broken, parsed.broken);
    }
    keepWorkers = options.precompile === true;
  } finally {
    // kept to compile on when asked to, once the policy set is built
    if (!keepWorkers) parallel?.close();
  }
  progress?.({ phase: 'reading policy files', done: total, total, unit: 'files' });
  try {
    return checkParsed(options, { diagnostics, sources, parsedDocs, broken, files: listed.files.length }, keepWorkers ? parallel : undefined);
  } catch (error) {
    if (keepWorkers) parallel?.close();
    throw error;
  }
}

/** The rest of analyze(), once every file is parsed: schema, policy set, checks, resolution. */
function checkParsed(
  options: AnalyzeOptions,
  read: { diagnostics: Diagnostic[]; sources: Map<string, SourceFile>; parsedDocs: PolicyDoc[]; broken: BrokenDocument[]; files: number },
  parser: ParallelParser | undefined,
): Analysis {
  const { diagnostics, sources, parsedDocs, broken } = read;
  const progress = options.onProgress;
  const cache = options.cache;
  // Feature ids and types, read before any shape is checked, so that schema messages can name features.
  const features = new Map<string, string>();
  for (const { value } of parsedDocs) {
    const v = value as { kind?: unknown; id?: unknown; type?: unknown } | null;
    if (v?.kind === 'Feature' && typeof v.id === 'string' && typeof v.type === 'string' && !features.has(v.id)) features.set(v.id, v.type);
  }
  const valid: Array<{ doc: PolicyDoc; value: PolicyDocumentValue }> = [];
  const featuresKey = cache ? hashOf(JSON.stringify([...features].sort())) : '';
  for (const doc of parsedDocs) {
    const shape = cache ? cache.shape(doc, featuresKey, () => validateShape(doc, features)) : validateShape(doc, features);
    append(diagnostics, shape.diagnostics);
    if (shape.kind) valid.push({ doc, value: doc.value as PolicyDocumentValue });
    else {
      const named = brokenDocument(doc, shape.diagnostics);
      if (named) broken.push(named);
    }
  }
  const documents = parsedDocs.length;
  const { set, duplicates } = buildPolicySet(valid, broken, options.at ?? Date.now());
  const effective = new EffectiveCustomers(set);
  // Checks point at the winning layers themselves, so resolving without provenance is enough for them; so is the
  // digest, which leaves provenance out. Ids in order, customers that do not resolve skipped, as policyDigest does.
  const digest = options.digest ? digestBuilder() : undefined;
  // customers left to the writer of the artifact, to check on the resolution it compiles them from (unchecked.ts)
  const unchecked = options.checkWhileWriting && !digest && set.guardrails.size === 0 ? new Map<string, string | undefined>() : undefined;
  // The workers compile while this thread checks; the writer takes what they compiled only once the checks pass,
  // or, for the customers left unchecked, the workers check them too, and the writer keeps the artifact back.
  const precompiled = parser ? startPrecompile(set, [...effective.keys()], parser, (file) => sources.get(file)!.text, unchecked !== undefined) : undefined;
  if (!precompiled) parser?.close();
  const windowDays = options.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS;
  const customers = set.customers.size;
  progress?.({ phase: 'checking policies', done: 0, total: customers, unit: 'customers' });
  diagnostics.push(...checkReferences(set, duplicates));
  append(diagnostics, checkTimeBoxes(set, windowDays));
  append(diagnostics, checkGuardrailDocuments(set));
  const guardrails = set.guardrails.size > 0 ? new GuardrailEvaluator(set) : undefined;
  // Unusable definitions make customers' results depend on more than their files (an unusable customer is only
  // left out), and guardrails and waivers make them depend on every customer (the tally, unused waivers): those
  // runs check afresh.
  const dependencies = cache && onlyCustomersUnusable(set) && guardrails === undefined && set.waivers.size === 0 ? customerDependencies(set, cache) : undefined;
  const customerKeys = new Map<string, string>();
  const byCustomer = new Map<string, Diagnostic[]>();
  let checked = 0;
  for (const id of [...set.customers.keys()].sort()) {
    if (checked > 0) progress?.({ phase: 'checking policies', done: checked, total: customers, unit: 'customers' });
    checked++;
    const customer = set.customers.get(id)!;
    const check = (): CustomerResult => {
      const resolved = resolveCustomer(set, customer, false);
      if (!resolved) return { resolved: false, diagnostics: [] };
      const found = checkEffects(set, id, resolved);
      if (guardrails) append(found, guardrails.checkCustomer(id, resolved));
      return { resolved: true, diagnostics: found, ...(digest ? { stripped: strippedJson(resolved.effective) } : {}) };
    };
    // what an exception sets depends on the instant resolved at: such a customer is checked afresh every run
    const key = timeBound(customer) ? undefined : dependencies?.of(customer);
    if (unchecked && (key === undefined || !cache!.hasCustomer(key))) {
      // checked on the resolution the artifact is written from (unchecked.ts); a customer that does not resolve has nothing to check
      if (!effective.has(id)) continue;
      unchecked.set(id, key);
      if (key !== undefined) customerKeys.set(id, key);
      continue;
    }
    const result = key !== undefined ? cache!.customer(key, digest !== undefined, check) : check();
    if (key !== undefined && result.resolved) customerKeys.set(id, key);
    if (!result.resolved) continue;
    if (result.diagnostics.length > 0) byCustomer.set(id, result.diagnostics);
    digest?.addJson(id, result.stripped!);
  }
  if (guardrails) append(diagnostics, guardrails.unusedWaivers());
  progress?.({ phase: 'checking policies', done: customers, total: customers, unit: 'customers' });
  const general = options.partition ? [...diagnostics] : [];
  for (const found of byCustomer.values()) append(diagnostics, found);
  const analysis: Analysis = {
    set,
    diagnostics: finishDiagnostics(diagnostics),
    sources,
    customers: effective,
    files: read.files,
    documents,
    lapsing: findLapsing(set, windowDays),
  };
  if (digest) analysis.policyDigest = digest.digest();
  if (dependencies) analysis.customerKeys = customerKeys;
  if (guardrails) analysis.guardrails = guardrails.report();
  if (options.partition) analysis.partition = { general, byCustomer };
  if (precompiled) analysis.precompiled = precompiled;
  // the diagnostics as found: those of the customers checked later join them before they are capped
  if (unchecked && unchecked.size > 0) analysis.unchecked = new UncheckedCustomers(set, unchecked, (found) => finishDiagnostics([...diagnostics, ...found]), cache);
  return analysis;
}

/** The diagnostics as a run reports them: sorted, one per place and code, and past a number of one code in a file, counted. */
export function finishDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return capDiagnostics(mergeDiagnostics(diagnostics));
}

/**
 * Sorted, one per place and code. Merging merged lists gives the merge of the whole (the sort is total), so parts
 * of a run's diagnostics can be merged apart and kept.
 */
export function mergeDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return dedupe(sortDiagnostics(diagnostics));
}

/** Whether no feature, plan or profile is unusable: another customer's checks do not depend on a customer's file. */
export function onlyCustomersUnusable(set: PolicySet): boolean {
  return [...set.unusable.keys()].every((kind) => kind === 'customer');
}

/** Whether a customer's effective policy depends on the instant: it or one of its entities has exceptions. */
export function timeBound(customer: CustomerDef): boolean {
  return customer.exceptions.length > 0 || [...customer.entities.values()].some((e) => e.exceptions.length > 0);
}

/** The files of `dir` plus the overlay's policy files under it that are not on disk yet, sorted by path. */
export function withOverlay(listed: { files: string[]; diagnostics: Diagnostic[] }, dir: string, overlay: ReadonlyMap<string, string> | undefined): { files: string[]; diagnostics: Diagnostic[] } {
  if (!overlay || overlay.size === 0) return listed;
  const root = path.resolve(dir) + path.sep;
  const known = new Set(listed.files);
  const added = [...overlay.keys()].filter((f) => f.startsWith(root) && /\.ya?ml$/i.test(f) && !known.has(f));
  if (added.length === 0) return listed;
  const files = [...listed.files, ...added].sort();
  return { files, diagnostics: listed.diagnostics.filter((d) => d.code !== 'dir-empty') };
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What a customer's checks and digest input depend on: its own file, the files of its standalone entities,
 * and every file that defines a feature, plan or profile (the paths and texts, hashed).
 */
function customerDependencies(set: PolicySet, cache: AnalysisCache): { of(customer: CustomerDef): string } {
  const shared = new Set<string>();
  for (const def of [...set.features.values(), ...set.plans.values(), ...set.profiles.values()]) shared.add(cache.fileKey(def.origin.doc.source));
  const sharedKey = hashOf([...shared].sort().join(','));
  return {
    of(customer) {
      const files = new Set<string>();
      for (const entity of customer.entities.values()) if (entity.origin.doc !== customer.origin.doc) files.add(cache.fileKey(entity.origin.doc.source));
      return hashOf(`${customer.id}\u0000${sharedKey}\u0000${cache.fileKey(customer.origin.doc.source)}\u0000${[...files].sort().join(',')}`);
    },
  };
}

/** push(...items) without spreading tens of thousands of arguments onto the stack. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** A profile or plan shared by many customers would repeat one finding per customer: keep the first per place. */
function dedupe(sorted: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return sorted.filter((d) => {
    // Two guardrails failing at one value are two findings: the guardrail's own place tells them apart.
    const rule = d.code.startsWith('guardrail-') && d.related?.[0] ? `|${d.related[0].file}|${d.related[0].line}|${d.related[0].column}` : '';
    const key = `${d.code}|${d.file}|${d.line}|${d.column}${rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The kind and id of a document that failed the schema, when it still names both: others may refer to it. */
function brokenDocument(doc: PolicyDoc, errors: readonly Diagnostic[]): BrokenDocument | undefined {
  const value = doc.value as { kind?: unknown; id?: unknown } | null;
  if (value === null || typeof value !== 'object' || typeof value.kind !== 'string' || typeof value.id !== 'string' || errors.length === 0) return undefined;
  const { file, line, column, endLine, endColumn, pointer } = sortDiagnostics([...errors])[0]!;
  return { kind: value.kind, id: value.id, at: { file, line, column, endLine, endColumn, pointer } };
}
