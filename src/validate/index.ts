import { capDiagnostics } from '../diagnostics/cap.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { listPolicyFiles, readPolicyFile } from '../load/files.js';
import type { SourceFile } from '../util/source-file.js';
import { parsePolicyYaml, type PolicyDoc } from '../load/yaml.js';
import { buildPolicySet, type BrokenDocument, type PolicyDocumentValue, type PolicySet } from '../model/policy-set.js';
import { resolveCustomer } from '../resolve/resolve.js';
import { digestBuilder, EffectiveCustomers } from '../resolve/stream.js';
import { checkEffects } from './effects.js';
import { checkReferences } from './rules.js';
import { validateShape } from './schema.js';
import { checkTimeBoxes } from './exceptions.js';
import { checkGuardrailDocuments } from '../guardrails/checks.js';
import { GuardrailEvaluator } from '../guardrails/evaluate.js';
import type { GuardrailReport } from '../guardrails/report.js';
import { DEFAULT_EXPIRY_WARNING_DAYS, findLapsing, type Lapsing } from '../model/lapsing.js';
import type { OnProgress } from '../util/progress.js';

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
  /** The outcome of each guardrail on the effective values; absent when the policies define none. */
  guardrails?: GuardrailReport;
  /** Exceptions and waivers that have lapsed, or lapse within the warning window, at the instant resolved for. */
  lapsing: Lapsing[];
}

export interface AnalyzeOptions {
  /** Also compute the policy digest; plan and apply need it, and resolving a fleet twice is costly. */
  digest?: boolean;
  /** Told after each file read and each customer checked: a fleet takes seconds. */
  onProgress?: OnProgress;
  /** The instant to resolve at (epoch ms): which exceptions are active and which waivers hold. Default: now. */
  at?: number;
  /** Warn about exceptions and waivers that end within this many days (`expiryWarningDays`); default 7. */
  expiryWarningDays?: number;
}

/** Loads every policy file of `dir`, checks it in all passes, and resolves every customer. */
export function analyze(dir: string, options: AnalyzeOptions = {}): Analysis {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, SourceFile>();
  const listed = listPolicyFiles(dir);
  diagnostics.push(...listed.diagnostics);
  const parsedDocs: PolicyDoc[] = [];
  // Definitions whose YAML or schema is broken but that name their kind and id: what uses them gets one note.
  const broken: BrokenDocument[] = [];
  const progress = options.onProgress;
  const total = listed.files.length;
  progress?.({ phase: 'reading policy files', done: 0, total, unit: 'files' });
  for (const [i, file] of listed.files.entries()) {
    if (i > 0) progress?.({ phase: 'reading policy files', done: i, total, unit: 'files' });
    const read = readPolicyFile(file);
    diagnostics.push(...read.diagnostics);
    if (!read.source) continue;
    sources.set(read.source.path, read.source);
    const parsed = parsePolicyYaml(read.source);
    append(diagnostics, parsed.diagnostics);
    append(parsedDocs, parsed.docs);
    append(broken, parsed.broken);
  }
  progress?.({ phase: 'reading policy files', done: total, total, unit: 'files' });
  // Feature ids and types, read before any shape is checked, so that schema messages can name features.
  const features = new Map<string, string>();
  for (const { value } of parsedDocs) {
    const v = value as { kind?: unknown; id?: unknown; type?: unknown } | null;
    if (v?.kind === 'Feature' && typeof v.id === 'string' && typeof v.type === 'string' && !features.has(v.id)) features.set(v.id, v.type);
  }
  const valid: Array<{ doc: PolicyDoc; value: PolicyDocumentValue }> = [];
  for (const doc of parsedDocs) {
    const shape = validateShape(doc, features);
    append(diagnostics, shape.diagnostics);
    if (shape.kind) valid.push({ doc, value: doc.value as PolicyDocumentValue });
    else {
      const named = brokenDocument(doc, shape.diagnostics);
      if (named) broken.push(named);
    }
  }
  const documents = parsedDocs.length;
  const { set, duplicates } = buildPolicySet(valid, broken, options.at ?? Date.now());
  const windowDays = options.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS;
  const customers = set.customers.size;
  progress?.({ phase: 'checking policies', done: 0, total: customers, unit: 'customers' });
  diagnostics.push(...checkReferences(set, duplicates));
  append(diagnostics, checkTimeBoxes(set, windowDays));
  append(diagnostics, checkGuardrailDocuments(set));
  const guardrails = set.guardrails.size > 0 ? new GuardrailEvaluator(set) : undefined;
  // Checks point at the winning layers themselves, so resolving without provenance is enough here; so is the
  // digest, which leaves provenance out. Ids in order, customers that do not resolve skipped, as policyDigest does.
  const digest = options.digest ? digestBuilder() : undefined;
  let checked = 0;
  for (const id of [...set.customers.keys()].sort()) {
    if (checked > 0) progress?.({ phase: 'checking policies', done: checked, total: customers, unit: 'customers' });
    checked++;
    const resolved = resolveCustomer(set, set.customers.get(id)!, false);
    if (!resolved) continue;
    diagnostics.push(...checkEffects(set, id, resolved));
    if (guardrails) append(diagnostics, guardrails.checkCustomer(id, resolved));
    digest?.add(id, resolved.effective);
  }
  if (guardrails) append(diagnostics, guardrails.unusedWaivers());
  progress?.({ phase: 'checking policies', done: customers, total: customers, unit: 'customers' });
  const analysis: Analysis = {
    set,
    diagnostics: capDiagnostics(dedupe(sortDiagnostics(diagnostics))),
    sources,
    customers: new EffectiveCustomers(set),
    files: listed.files.length,
    documents,
    lapsing: findLapsing(set, windowDays),
  };
  if (digest) analysis.policyDigest = digest.digest();
  if (guardrails) analysis.guardrails = guardrails.report();
  return analysis;
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
