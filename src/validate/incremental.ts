import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { GuardrailReport } from '../guardrails/report.js';
import { displayPath, listPolicyFiles, policyText, readPolicyFile } from '../load/files.js';
import { parsePolicyYaml } from '../load/yaml.js';
import type { PolicySet } from '../model/policy-set.js';
import type { SourceFile } from '../util/source-file.js';
import type { AnalysisCache, ParsedFile } from './analysis-cache.js';
import { analyze, finishDiagnostics, mergeDiagnostics, onlyCustomersUnusable, timeBound, withOverlay, type AnalyzeOptions, type Analysis } from './index.js';
import { isRecord, readCheckedJson, writeCheckedJson } from '../util/checked-file.js';

/*
 * Validate with one file changed, at the cost of that file. The index of the last run keeps, per policy file, its
 * size and times (so an unchanged file is not even read), its text's hash, and the customer ids it defines or
 * names; and the diagnostics of each group of customer files. A customer file holds only Customer and Entity
 * documents; customer files that share a customer id (an Entity document names the customer of another file,
 * or an id is defined twice) form one group, since their checks can meet. Every other file is a definition
 * (features, plans, profiles...). When only customer files changed, the run analyses the definitions and the
 * groups those files are in; every other group's diagnostics are the index's. Whatever the run cannot divide that
 * way it analyses whole: a changed definition, guardrails and waivers (their tally spans every customer), an
 * unusable feature, plan or profile, an entity of an unknown customer (its suggestion names any customer), or many
 * changes. Groups whose result depends on the instant (exceptions) or on a definition file's ids are checked every
 * run.
 */

/** What validate prints: the diagnostics, the texts of the files they point into, and the guardrail tally. */
export interface ValidateOutcome {
  diagnostics: Diagnostic[];
  sources: Map<string, SourceFile>;
  guardrails?: GuardrailReport;
  /** How the run went: every file analysed, or the changed groups alone. */
  mode: 'whole' | 'incremental';
}

/**
 * A file as the index keeps it: `[path, size, mtimeMs, ctimeMs, ino, hash, flags, ...ids]`, the path relative to
 * the policy directory. A file whose size and times are unchanged is taken as unchanged; `hash` is the text's
 * (empty when it could not be read); flags: CUSTOMER (only Customer and Entity documents), RACY (changed within
 * RACY_MS of its stat, so it could change again without its stat changing: its text is hashed next time); `ids`,
 * the customer ids its documents define or name.
 * Kept as the stored arrays, so that ten thousand unchanged files cost no conversion.
 */
type IndexEntry = [string, number, number, number, number, string, number, ...string[]];
type Stat = [number, number, number, number];
const HASH = 5;
const FLAGS = 6;
const IDS = 7;
const CUSTOMER = 1;
const RACY = 2;

interface StoredGroup {
  /** Paths relative to the policy directory, sorted. */
  files: string[];
  /** Checked every run: its result depends on the instant or on a definition file. */
  volatile?: boolean;
  diagnostics: Diagnostic[];
}

interface FileIndex {
  dir: string;
  cwd: string;
  /** The analysis's options that change diagnostics beside the instant, as text. */
  options: string;
  /** The last run could not be divided: the next one analyses every file. */
  whole?: true;
  /** By path relative to the policy directory. */
  files: Map<string, IndexEntry>;
  /** Groups of customer files; a customer file in none is a group by itself with no diagnostics (most are). */
  groups: StoredGroup[];
}

/** The index on disk: files as their entries, groups as `[volatile, diagnostics, ...files]`. About 1 MB at 10,000 customers. */
interface StoredIndex {
  dir: string;
  cwd: string;
  options: string;
  whole?: true;
  files: IndexEntry[];
  groups: Array<[0 | 1, Diagnostic[], ...string[]]>;
}

const RACY_MS = 2000;
/** Past this share of the files to check again, one whole analysis is cheaper than the bookkeeping. */
const MAX_INCREMENTAL_SHARE = 0.25;

export interface IncrementalOptions extends Omit<AnalyzeOptions, 'listed' | 'partition' | 'onParsed' | 'overlay' | 'digest' | 'cache'> {
  /** The index file (under the cache's folder). */
  index: string;
  /** The cache of parses and checks a whole analysis uses, and saves after it. */
  wholeCache?: () => AnalysisCache & { save(): void };
  /** A file changed within this many milliseconds before its stat is hashed again next time (default RACY_MS). */
  racyMs?: number;
}

/** Validates `dir`, reusing the index's results for every group of customer files that did not change. */
export function validateIncrementally(dir: string, options: IncrementalOptions): ValidateOutcome {
  const { index: indexFile, wholeCache, racyMs = RACY_MS, ...analyzeOptions } = options;
  const root = path.resolve(dir);
  const listed = listPolicyFiles(dir);
  const racyFrom = Date.now() - racyMs;
  const stats = new Map(listed.files.map((file) => [file, statOf(file)]));
  const settings = JSON.stringify([options.expiryWarningDays ?? null]);
  const old = readIndex(indexFile);
  const usable = old && old.dir === root && old.cwd === process.cwd() && old.options === settings && !old.whole ? old : undefined;
  const whole = (): ValidateOutcome => analyzeWhole(dir, root, listed, stats, racyFrom, settings, indexFile, { ...analyzeOptions, ...(wholeCache ? { wholeCache } : {}) });
  if (!usable || listed.files.length === 0) return whole();

  // Which files changed: by stat first, by hash when the stat moved.
  const current = new Map<string, IndexEntry>();
  const changed = new Set<string>();
  let touched = false;
  for (const file of listed.files) {
    const rel = relative(root, file);
    const before = usable.files.get(rel);
    const stat = stats.get(file);
    if (before && stat && !(before[FLAGS] & RACY) && sameStat(before, stat)) {
      current.set(rel, before);
      continue;
    }
    touched = true;
    const read = readPolicyFile(file);
    if (!read.source || !stat) return whole();
    const hash = hashOf(read.source.text);
    if (before && before[HASH] === hash) {
      current.set(rel, entry(rel, stat, racyFrom, hash, before[FLAGS] & CUSTOMER, idsOf(before)));
      continue;
    }
    const summary = summarize(parsePolicyYaml(read.source));
    if (!summary.customer || (before && !(before[FLAGS] & CUSTOMER))) return whole();
    current.set(rel, entry(rel, stat, racyFrom, hash, CUSTOMER, summary.ids));
    changed.add(rel);
  }
  const removed = [...usable.files.keys()].filter((rel) => !current.has(rel));
  if (removed.length > 0) touched = true;
  const run = rerun(dir, root, usable, current, changed, removed, analyzeOptions);
  if (!run) return whole();
  if (touched || run.rechecked) writeIndex(indexFile, run.index);
  return reported(run.index, [...listed.diagnostics, ...run.general], run.analysis.sources, 'incremental', diskSource);
}

/**
 * A run from the last one's index, once it is known which files changed (`current` holds every file's entry now;
 * `changed`, the customer files whose text changed; `removed`, files gone): the definitions and the groups to
 * check again are analysed, every other group's diagnostics kept. Undefined when the run cannot be divided so and
 * must analyse the whole.
 */
function rerun(
  dir: string,
  root: string,
  usable: FileIndex,
  current: Map<string, IndexEntry>,
  changed: ReadonlySet<string>,
  removed: readonly string[],
  analyzeOptions: AnalyzeOptions,
): { index: FileIndex; general: Diagnostic[]; analysis: Analysis; rechecked: boolean } | undefined {
  if (removed.some((rel) => !(usable.files.get(rel)![FLAGS] & CUSTOMER))) return undefined;

  // The groups to check again: any with a changed file, any that is not what it was, and the volatile ones. The
  // groups are the last run's unless a file came, went, or now names other customers.
  const oldGroupOf = new Map<string, StoredGroup>();
  for (const group of usable.groups) for (const rel of group.files) oldGroupOf.set(rel, group);
  const groupOf = (rel: string): StoredGroup => oldGroupOf.get(rel) ?? { files: [rel], diagnostics: [] };
  const regroup = removed.length > 0 || [...changed].some((rel) => !usable.files.has(rel) || !sameList(idsOf(usable.files.get(rel)!), idsOf(current.get(rel)!)));
  let kept: StoredGroup[];
  let recheck: string[][];
  if (regroup) {
    kept = [];
    recheck = [];
    for (const files of groupFiles(current)) {
      const before = groupOf(files[0]!);
      if (usable.files.has(files[0]!) && !before.volatile && sameList(before.files, files) && files.every((rel) => !changed.has(rel))) kept.push(before);
      else recheck.push(files);
    }
  } else {
    const again = new Set<StoredGroup>(usable.groups.filter((g) => g.volatile));
    const singles: string[][] = [];
    for (const rel of changed) {
      const group = oldGroupOf.get(rel);
      if (group) again.add(group);
      else singles.push([rel]);
    }
    kept = usable.groups.filter((g) => !again.has(g));
    recheck = [...[...again].map((g) => g.files), ...singles];
  }
  const rechecked = recheck.reduce((n, files) => n + files.length, 0);
  if (rechecked > current.size * MAX_INCREMENTAL_SHARE) return undefined;

  // The definitions are analysed every run (their diagnostics can depend on the instant), with the groups to check.
  const definitions = [...current].filter(([, e]) => !(e[FLAGS] & CUSTOMER)).map(([rel]) => rel);
  const subset = [...definitions, ...recheck.flat()].map((rel) => path.join(root, rel)).sort();
  const analysis = analyze(dir, { ...analyzeOptions, listed: { files: subset, diagnostics: [] }, partition: true });
  if (!divisible(analysis)) return undefined;
  const fresh = divide(analysis, root, recheck, current);
  const index: FileIndex = { dir: root, cwd: process.cwd(), options: usable.options, files: current, groups: [...kept, ...fresh.groups] };
  return { index, general: fresh.general, analysis, rechecked: recheck.length > 0 };
}

/** What a run of a ResidentIndex gives: what validate would print, and the analysis it made (of a part of the files, or all). */
export interface ResidentRun {
  outcome: ValidateOutcome;
  analysis: Analysis;
}

/**
 * The same division for a process that stays up, such as the language server: the index is kept in memory, and
 * the texts of the files are given (an editor's buffers, and the disk's as last read), so a file whose text is
 * the one its entry was made from has not changed: nothing is stat'ed or hashed for it.
 */
export class ResidentIndex {
  /** `frames`: a run's outcome carries the texts of every file its diagnostics point into (from the overlay), for code frames. */
  constructor(private readonly frames = false) {}

  private index: FileIndex | undefined;
  /** The text each entry of the index was made from, by path relative to the policy directory. */
  private texts = new Map<string, string>();
  /** Builds the index from the last whole analysis: left until the next run, or prepare(), so the whole's diagnostics come first. */
  private build: (() => void) | undefined;

  /** Builds the index from the last whole analysis now, if that is still to be done (a moment with nothing else to do). */
  prepare(): void {
    const build = this.build;
    this.build = undefined;
    build?.();
  }

  /**
   * Validates `dir` with `options.overlay` (absolute path → text) in place of its files (`options.listed`: the
   * directory's listing with the overlay's files, when the caller has it); a file the overlay does not hold (one
   * that does not read cleanly) makes the run whole, for analyze() to read it and say why.
   */
  run(dir: string, options: AnalyzeOptions & { overlay: ReadonlyMap<string, string> }): ResidentRun {
    this.prepare();
    const root = path.resolve(dir);
    const overlay = options.overlay;
    const listed = options.listed ?? withOverlay(listPolicyFiles(dir), dir, overlay);
    const settings = JSON.stringify([options.expiryWarningDays ?? null]);
    const usable = this.index && this.index.options === settings && !this.index.whole ? this.index : undefined;
    if (!usable || listed.files.length === 0) return this.whole(dir, root, listed, settings, options);
    const current = new Map<string, IndexEntry>();
    const texts = new Map<string, string>();
    const changed = new Set<string>();
    for (const file of listed.files) {
      const rel = relative(root, file);
      const text = overlay.get(file);
      if (text === undefined) return this.whole(dir, root, listed, settings, options);
      texts.set(rel, text);
      const before = usable.files.get(rel);
      const hash = before && this.texts.get(rel) === text ? before[HASH] : hashOf(text);
      if (before && before[HASH] === hash) {
        current.set(rel, before);
        continue;
      }
      const summary = summarize(parsePolicyYaml(policyText(file, text).source));
      if (!summary.customer || (before && !(before[FLAGS] & CUSTOMER))) return this.whole(dir, root, listed, settings, options);
      current.set(rel, residentEntry(rel, hash, CUSTOMER, summary.ids));
      changed.add(rel);
    }
    const removed = [...usable.files.keys()].filter((rel) => !current.has(rel));
    const run = rerun(dir, root, usable, current, changed, removed, options);
    if (!run) return this.whole(dir, root, listed, settings, options);
    this.index = run.index;
    this.texts = texts;
    // an editor shows no code frames: the texts of the files the kept diagnostics point into are wanted only with `frames`
    const more = this.frames ? (shown: string) => textSource(overlay, shown) : undefined;
    return { outcome: reported(run.index, [...listed.diagnostics, ...run.general], run.analysis.sources, 'incremental', more), analysis: run.analysis };
  }

  private whole(dir: string, root: string, listed: { files: readonly string[]; diagnostics: readonly Diagnostic[] }, settings: string, options: AnalyzeOptions): ResidentRun {
    const run = analyzeSummarizing(dir, listed, options);
    this.index = undefined;
    this.build = () => {
      const texts = new Map<string, string>();
      // a file that could not be read is a definition, analysed on every run
      this.index = wholeIndex(run, root, listed, settings, (rel, _file, read) => {
        if (!read) return residentEntry(rel, '', 0, []);
        texts.set(rel, read.text);
        return residentEntry(rel, hashOf(read.text), read.summary.customer ? CUSTOMER : 0, read.summary.ids);
      });
      this.texts = texts;
    };
    return { outcome: wholeOutcome(run.analysis), analysis: run.analysis };
  }
}

/** An entry of a resident index: no stat, the text tells. */
function residentEntry(rel: string, hash: string, flags: number, ids: readonly string[]): IndexEntry {
  return [rel, -1, -1, -1, -1, hash, flags, ...ids];
}

/** Analyses every file, and keeps what the next run needs to reuse its results. */
function analyzeWhole(
  dir: string,
  root: string,
  listed: { files: readonly string[]; diagnostics: readonly Diagnostic[] },
  stats: ReadonlyMap<string, Stat | undefined>,
  racyFrom: number,
  settings: string,
  indexFile: string,
  options: Omit<IncrementalOptions, 'index' | 'racyMs'>,
): ValidateOutcome {
  const { wholeCache, ...analyzeOptions } = options;
  const cache = wholeCache?.();
  const run = analyzeSummarizing(dir, listed, { ...analyzeOptions, ...(cache ? { cache } : {}) });
  cache?.save();
  // a file that could not be read or stat'ed is a definition, analysed on every run, and racy, read again
  const index = wholeIndex(run, root, listed, settings, (rel, file, read) => {
    const stat = stats.get(file);
    return stat && read ? entry(rel, stat, racyFrom, hashOf(read.text), read.summary.customer ? CUSTOMER : 0, read.summary.ids) : [rel, -1, -1, -1, -1, '', RACY];
  });
  writeIndex(indexFile, index);
  return wholeOutcome(run.analysis);
}

/** Analyses every listed file, keeping what each file's parse summarizes (what an index is made from). */
function analyzeSummarizing(dir: string, listed: { files: readonly string[]; diagnostics: readonly Diagnostic[] }, options: AnalyzeOptions): { analysis: Analysis; summaries: Map<string, FileSummary> } {
  const summaries = new Map<string, FileSummary>();
  const analysis = analyze(dir, { ...options, listed, partition: true, onParsed: (source, parsed) => summaries.set(source.path, summarize(parsed)) });
  return { analysis, summaries };
}

/**
 * The index a whole analysis leaves: an entry per listed file, made by `entryOf` from the file's text and
 * summary (none for a file that could not be read), and the groups with their diagnostics, unless the analysis
 * does not divide (the next run is then whole too).
 */
function wholeIndex(
  run: { analysis: Analysis; summaries: ReadonlyMap<string, FileSummary> },
  root: string,
  listed: { files: readonly string[] },
  settings: string,
  entryOf: (rel: string, file: string, read: { text: string; summary: FileSummary } | undefined) => IndexEntry,
): FileIndex {
  const current = new Map<string, IndexEntry>();
  for (const file of listed.files) {
    const source = run.analysis.sources.get(displayPath(file));
    const summary = source && run.summaries.get(source.path);
    const rel = relative(root, file);
    current.set(rel, entryOf(rel, file, source && summary ? { text: source.text, summary } : undefined));
  }
  const index: FileIndex = { dir: root, cwd: process.cwd(), options: settings, files: new Map(), groups: [] };
  if (divisible(run.analysis)) {
    index.files = current;
    index.groups = divide(run.analysis, root, groupFiles(current), current).groups;
  } else index.whole = true;
  return index;
}

/** What validate prints from a whole analysis. */
export function wholeOutcome(analysis: Analysis): ValidateOutcome {
  return { diagnostics: analysis.diagnostics, sources: analysis.sources, ...(analysis.guardrails ? { guardrails: analysis.guardrails } : {}), mode: 'whole' };
}

/** Whether the analysis's diagnostics are the sum of its groups' and the definitions' (see the top of this file). */
function divisible(analysis: Analysis): boolean {
  const set: PolicySet = analysis.set;
  if (set.guardrails.size > 0 || set.waivers.size > 0 || !onlyCustomersUnusable(set)) return false;
  const { general, byCustomer } = analysis.partition!;
  const global = (d: Diagnostic) => d.code === 'unknown-customer';
  return !general.some(global) && ![...byCustomer.values()].some((found) => found.some(global));
}

/** Splits an analysis's diagnostics between the groups it checked and the rest (definitions, listing). */
function divide(analysis: Analysis, root: string, groups: readonly string[][], current: ReadonlyMap<string, IndexEntry>): { groups: StoredGroup[]; general: Diagnostic[] } {
  // customer ids that definition files define or name: the groups that share one meet a definition file
  const sharedIds = new Set<string>();
  for (const e of current.values()) if (!(e[FLAGS] & CUSTOMER)) for (const id of idsOf(e)) sharedIds.add(id);
  const groupOf = new Map<string, number>();
  groups.forEach((files, i) => files.forEach((rel) => groupOf.set(rel, i)));
  const found: Diagnostic[][] = groups.map(() => []);
  const volatile: boolean[] = groups.map((files) => files.some((rel) => idsOf(current.get(rel)!).some((id) => sharedIds.has(id))));
  const general: Diagnostic[] = [];
  const place = (file: string): number | undefined => groupOf.get(relative(root, path.resolve(file)));
  const { general: rest, byCustomer } = analysis.partition!;
  for (const d of rest) {
    const i = place(d.file);
    (i === undefined ? general : found[i]!).push(d);
  }
  for (const [id, list] of byCustomer) {
    const i = place(analysis.set.customers.get(id)!.origin.doc.source.path);
    for (const d of list) (i === undefined ? general : found[i]!).push(d);
  }
  for (const customer of analysis.set.customers.values()) {
    const i = place(customer.origin.doc.source.path);
    if (i !== undefined && timeBound(customer)) volatile[i] = true;
  }
  return {
    groups: groups.map((files, i) => ({ files, ...(volatile[i] ? { volatile: true as const } : {}), diagnostics: mergeDiagnostics(found[i]!) })),
    general,
  };
}

/**
 * The outcome from the index's groups plus this run's other diagnostics, and the texts of the files they point
 * into (for code frames): from `known` (the files the run analysed), else from `more` (none when absent).
 */
function reported(index: FileIndex, general: Diagnostic[], known: Map<string, SourceFile>, mode: ValidateOutcome['mode'], more?: (shown: string) => SourceFile | undefined): ValidateOutcome {
  const all = [...general];
  for (const group of index.groups) for (const d of group.diagnostics) all.push(d);
  const diagnostics = finishDiagnostics(all);
  if (!more) return { diagnostics, sources: known, mode };
  const sources = new Map<string, SourceFile>();
  for (const d of diagnostics) {
    if (sources.has(d.file)) continue;
    const source = known.get(d.file) ?? more(d.file);
    if (source) sources.set(d.file, source);
  }
  return { diagnostics, sources, mode };
}

/** A file's text on disk, by the name diagnostics give it. */
function diskSource(shown: string): SourceFile | undefined {
  return readPolicyFile(path.resolve(shown)).source;
}

/** A file's text in an overlay (absolute path → text), by the name diagnostics give it. */
function textSource(overlay: ReadonlyMap<string, string>, shown: string): SourceFile | undefined {
  const file = path.resolve(shown);
  const text = overlay.get(file);
  return text === undefined ? undefined : policyText(file, text).source;
}

interface FileSummary {
  customer: boolean;
  ids: string[];
}

/** Whether a file holds only Customer and Entity documents, and the customer ids they define or name. */
function summarize(parsed: ParsedFile): FileSummary {
  const ids = new Set<string>();
  let customer = true;
  for (const { value } of parsed.docs) {
    const v = isRecord(value) ? value : undefined;
    if (v?.kind === 'Customer' && typeof v.id === 'string') ids.add(v.id);
    else if (v?.kind === 'Entity' && typeof v.customer === 'string') ids.add(v.customer);
    else if (v?.kind !== 'Customer' && v?.kind !== 'Entity') customer = false;
  }
  for (const broken of parsed.broken) {
    if (broken.kind === 'Customer') ids.add(broken.id);
    else if (broken.kind !== 'Entity') customer = false;
  }
  return { customer, ids: [...ids].sort() };
}

/** Customer files joined by the ids they share, each group's files sorted; groups in the order of their first file. */
function groupFiles(entries: ReadonlyMap<string, IndexEntry>): string[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    for (let up = parent.get(x)!; up !== x; x = up, up = parent.get(x)!) parent.set(x, parent.get(up)!); // path halving
    return x;
  };
  const owner = new Map<string, string>();
  for (const [rel, e] of entries) {
    if (!(e[FLAGS] & CUSTOMER)) continue;
    parent.set(rel, rel);
    for (const id of idsOf(e)) {
      const other = owner.get(id);
      if (other === undefined) owner.set(id, rel);
      else parent.set(find(rel), find(other));
    }
  }
  const groups = new Map<string, string[]>();
  for (const rel of [...parent.keys()].sort()) {
    const root = find(rel);
    const group = groups.get(root);
    if (group) group.push(rel);
    else groups.set(root, [rel]);
  }
  return [...groups.values()];
}

function statOf(file: string): Stat | undefined {
  try {
    const s = statSync(file);
    return [s.size, s.mtimeMs, s.ctimeMs, s.ino];
  } catch {
    return undefined;
  }
}

/** `racyFrom`: a file whose inode changed after this instant could change again within the same tick, its stat unchanged. */
function entry(rel: string, stat: Stat, racyFrom: number, hash: string, flags: number, ids: readonly string[]): IndexEntry {
  // ctime, not mtime: a program can set mtime to anything, but every change sets ctime to the clock
  const racy = stat[2] >= racyFrom ? RACY : 0;
  return [rel, ...stat, hash, flags | racy, ...ids];
}

function idsOf(e: IndexEntry): string[] {
  return e.slice(IDS) as string[];
}

function sameStat(e: IndexEntry, stat: Stat): boolean {
  return e[1] === stat[0] && e[2] === stat[1] && e[3] === stat[2] && e[4] === stat[3];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A listed file's path relative to the policy directory (the listing joins names onto the resolved directory). */
function relative(root: string, file: string): string {
  const rel = file.startsWith(root + path.sep) ? file.slice(root.length + 1) : path.relative(root, file);
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}

/** Enough of a sha256 to tell a file's texts apart. */
function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

function readIndex(file: string): FileIndex | undefined {
  const stored = readCheckedJson(file, isStoredIndex);
  if (!stored) return undefined;
  const files = new Map<string, IndexEntry>();
  for (const e of stored.files) files.set(e[0], e);
  const groups = stored.groups.map(([volatile, diagnostics, ...list]) => ({ files: list, volatile: volatile === 1, diagnostics }));
  return { dir: stored.dir, cwd: stored.cwd, options: stored.options, ...(stored.whole ? { whole: true as const } : {}), files, groups };
}

function writeIndex(file: string, index: FileIndex): void {
  const stored: StoredIndex = {
    dir: index.dir,
    cwd: index.cwd,
    options: index.options,
    ...(index.whole ? { whole: true as const } : {}),
    files: [...index.files.values()],
    groups: index.groups.filter((g) => g.files.length > 1 || g.volatile || g.diagnostics.length > 0).map((g) => [g.volatile ? 1 : 0, g.diagnostics, ...g.files]),
  };
  writeCheckedJson(file, stored);
}

function isStoredIndex(value: unknown): value is StoredIndex {
  return isRecord(value) && typeof value.dir === 'string' && typeof value.cwd === 'string' && typeof value.options === 'string' && Array.isArray(value.files) && Array.isArray(value.groups);
}
