import path from 'node:path';
import type { AnalysisCache } from './analysis-cache.js';
import { analyze, withOverlay, type Analysis, type AnalyzeOptions } from './index.js';
import { ResidentIndex, type ResidentRun, type ValidateOutcome } from './incremental.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { PolicySet } from '../model/policy-set.js';
import { displayPath } from '../load/files.js';
import { DiskTexts } from './disk-texts.js';
import { EditorCache } from './editor-cache.js';

export interface WorkspaceSettings {
  /** Results of earlier commands (.tollgate/cache), read by the first analysis. */
  cache?: AnalysisCache;
  /** Parse the first analysis on worker threads too. */
  parallel?: boolean;
  /** The instant to resolve at (epoch ms); else the time of each analysis. */
  at?: number;
  /** The warning window before exceptions and waivers end (tollgate.yaml's `expiryWarningDays`), as validate takes it. */
  expiryWarningDays?: number;
  /** Reports carry the texts of every file their diagnostics point into (for code frames), not only of those analysed again. */
  frames?: boolean;
}

/**
 * The policy directory as an editor sees it: files on disk, with the text of open documents in place of
 * theirs (the language server's; `validate --watch` has none). Analysed again only after something changed; the texts of files on disk and the parses and checks
 * of unchanged files are kept in memory between analyses. Its diagnostics after an edit of customer files come
 * from the definitions and the edited files' groups alone (validate/incremental.ts, ResidentIndex); hover,
 * definition and references on a file outside those get an analysis of the whole, made when first asked for.
 */
export class PolicyWorkspace {
  readonly dir: string;
  private readonly open = new Map<string, string>();
  private readonly disk: DiskTexts;
  private readonly cache: EditorCache;
  private readonly index: ResidentIndex;
  /** The analysis of every file, while nothing changed since. */
  private analysis: Analysis | undefined;
  /** The diagnostics of the directory and the analysis they came from (of every file, or the part checked again), while nothing changed since. */
  private checked: ResidentRun | undefined;
  /** The latest analysis of the whole, and the latest analysis the diagnostics came from (the whole, or a part since). */
  private last: Analysis | undefined;
  private recent: Analysis | undefined;

  constructor(
    dir: string,
    private readonly settings: WorkspaceSettings = {},
  ) {
    this.dir = path.resolve(dir);
    this.disk = new DiskTexts(this.dir);
    this.cache = new EditorCache(settings.cache);
    this.index = new ResidentIndex(settings.frames ?? false);
  }

  /** Whether a file belongs to the policy directory (tollgate's diagnostics cover only those). */
  contains(file: string): boolean {
    return file.startsWith(this.dir + path.sep) && /\.ya?ml$/i.test(file);
  }

  /** Records the text an editor holds for a file; it beats the file on disk until closed. */
  setText(file: string, text: string): void {
    this.open.set(file, text);
    this.changed();
  }

  /** The editor closed the file: the disk is the truth again (read afresh: the editor may have saved it). */
  close(file: string): void {
    this.open.delete(file);
    this.disk.forget(file);
    this.changed();
  }

  /** Something changed on disk (saved, created, deleted by another program); `files`, when known, are read again. */
  changedOnDisk(files: readonly string[] = []): void {
    for (const file of files) this.disk.forget(file);
    this.changed();
  }

  private changed(): void {
    this.analysis = undefined;
    this.checked = undefined;
  }

  /** Something watches the directory and reports changes (changedOnDisk with the files): unchanged files need no stat; the next analysis compares stats once. */
  watched(): void {
    this.disk.watched();
  }

  /** The text of an open file, if the editor holds it. */
  textOf(file: string): string | undefined {
    return this.open.get(file);
  }

  /** The diagnostics of the directory with open texts in place (as `tollgate validate` would report them); reused until a change. */
  diagnostics(): Diagnostic[] {
    return this.report().diagnostics;
  }

  /** What `tollgate validate` would print of the directory with open texts in place (diagnostics, texts, guardrail tally); reused until a change. */
  report(): ValidateOutcome {
    if (!this.checked) {
      this.cache.beginRun();
      const run = this.index.run(this.dir, this.options());
      this.checked = run;
      this.recent = run.analysis;
      if (run.outcome.mode === 'whole') this.analysed(run.analysis);
      else if (run.analysis.customerKeys) this.cache.keyed(run.analysis.customerKeys);
    }
    return this.checked.outcome;
  }

  /** Work for a moment with nothing else to do, short of analysing the whole: what the next diagnostics need of the last whole analysis. */
  settle(): void {
    this.index.prepare();
  }

  /** Work for a moment with nothing else to do: the analysis of every file, and what the next diagnostics need of it. */
  idle(): void {
    this.current();
    this.index.prepare();
  }

  /** The analysis of every file of the directory with open texts in place; reused until a change. */
  current(): Analysis {
    if (!this.analysis) {
      this.cache.beginRun();
      this.analysed(analyze(this.dir, this.options()));
    }
    return this.analysis!;
  }

  /**
   * `question` asked of the directory as it is now, about `file`: first of the analysis the diagnostics came
   * from when it checked that file again (with the definitions and the files that share its customers), then,
   * when that gives no answer, of the whole.
   */
  ask<T>(file: string, question: (analysis: Analysis) => T | undefined): T | undefined {
    // the diagnostics are due anyway (the server publishes them after each change), and cost far less than the whole
    if (!this.analysis) this.diagnostics();
    const part = this.analysis ? undefined : this.checked!.analysis;
    const answer = part && part.sources.has(displayPath(file)) ? question(part) : undefined;
    return answer ?? question(this.current());
  }

  private options(): AnalyzeOptions & { overlay: Map<string, string> } {
    const { texts: overlay, listed } = this.disk.texts(this.open);
    for (const [file, text] of this.open) overlay.set(file, text);
    return {
      overlay,
      // the directory as listed for its texts, with open files not saved yet: not listed a second time
      listed: withOverlay(listed, this.dir, this.open),
      cache: this.cache,
      // worker threads pay off for the first analysis only: later ones parse the few files edited
      parallel: (this.settings.parallel ?? false) && !this.last,
      ...(this.settings.at === undefined ? {} : { at: this.settings.at }),
      ...(this.settings.expiryWarningDays === undefined ? {} : { expiryWarningDays: this.settings.expiryWarningDays }),
    };
  }

  private analysed(analysis: Analysis): void {
    this.analysis = analysis;
    this.last = analysis;
    this.recent = analysis;
    if (analysis.customerKeys) this.cache.keyed(analysis.customerKeys);
    // what an analysis of every file did not use is gone from the directory: forgotten
    this.cache.endRun();
  }

  /**
   * The policy sets of the latest analyses, even if edits came since (for answers that only need ids): the latest
   * of the whole, and the part checked again since, which holds what the last edits defined; analyses when there is none.
   */
  latestSets(): PolicySet[] {
    const whole = this.last ?? this.current();
    const part = this.recent;
    return part && part !== whole ? [whole.set, part.set] : [whole.set];
  }
}
