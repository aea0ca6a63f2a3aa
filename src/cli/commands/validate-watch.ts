import path from 'node:path';
import { CACHE_DIR, PolicyCache } from '../../cache/policy-cache.js';
import { summarize, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { DiagnosticFormat } from '../../diagnostics/format/index.js';
import { tallyOf } from '../../guardrails/report.js';
import { displayPath, isYamlName } from '../../load/files.js';
import { FolderWatch, WatchError } from '../../load/watch.js';
import { PolicyWorkspace } from '../../validate/workspace.js';
import type { ValidateOutcome } from '../../validate/incremental.js';
import { renderDiagnostics, type CliIO } from '../io.js';
import type { ValidateOptions } from './validate.js';

/** How long after the last change a run starts: an editor's save is several events within a few milliseconds. */
const SETTLE_MS = 20;

export interface WatchOptions extends Omit<ValidateOptions, 'strict'> {
  /** The instant was given (--at, TOLLGATE_AT): every run resolves at it. Otherwise each run resolves at its own time. */
  fixedTime: boolean;
}

/**
 * `tollgate validate --watch`: validates, then again after every change to the policy directory's files, until
 * Ctrl-C (or SIGTERM). The files, their parses and checks stay in memory between runs, and a run after a change to
 * customer files checks the definitions and those files' groups alone (validate/incremental.ts), so it reports in
 * a fraction of the first run's time. Each run prints what `tollgate validate` would print then (json and sarif:
 * one document per line); a line on stderr says when and how long.
 */
export async function validateWatching(options: WatchOptions, io: CliIO): Promise<number> {
  const shown = displayPath(path.resolve(options.dir));
  const workspace = new PolicyWorkspace(options.dir, {
    ...(io.env.TOLLGATE_CACHE === 'off' ? {} : { cache: new PolicyCache(CACHE_DIR) }),
    parallel: io.env.TOLLGATE_WORKERS !== 'off',
    ...(options.fixedTime && options.time ? { at: options.time.at } : {}),
    ...(options.time?.expiryWarningDays === undefined ? {} : { expiryWarningDays: options.time.expiryWarningDays }),
    frames: true,
  });

  // watching starts before the first run, so that a change made during it is seen (it makes a second run)
  const changed = new Set<string>();
  const seen = new Set<string>();
  let everything = false;
  let folders = false;
  let timer: NodeJS.Timeout | undefined;
  const watcher = new FolderWatch(workspace.dir, (entry) => {
    if (entry === undefined) {
      everything = folders = true; // the system could not say what changed
    } else {
      const name = path.basename(entry);
      // validate reads neither hidden entries nor node_modules, and an editor's swap and backup files are not policy files
      if (name.startsWith('.') || name === 'node_modules') return;
      // a folder created, deleted, renamed or made again, or a link: the folders watched are taken again
      const reshapes = watcher.reshapes(entry);
      const policyFile = isYamlName(name);
      if (!reshapes && !policyFile) return;
      if (reshapes) folders = true;
      if (policyFile) changed.add(entry);
      seen.add(entry);
    }
    clearTimeout(timer);
    // a run that fails unexpectedly ends the watch as any command's failure ends it, watchers closed
    timer = setTimeout(() => {
      try {
        run();
      } catch (error) {
        crash(error);
      }
    }, SETTLE_MS);
  }, (error) => failed(error));
  let stop!: (code: number) => void;
  let crash!: (error: unknown) => void;
  const stopped = new Promise<number>((resolve, reject) => {
    stop = resolve;
    crash = reject;
  });
  const failed = (error: WatchError): void => {
    io.err(`error: ${error.message}; stopped watching.\n`);
    stop(1);
  };
  let readable: boolean;
  try {
    readable = watcher.sync();
  } catch (error) {
    if (!(error instanceof WatchError)) throw error;
    watcher.close();
    io.err(`error: ${error.message}.\n`);
    return 1;
  }
  if (!readable) {
    // the directory is missing or not one: validate's own diagnostic says so
    io.out(render(workspace.report(), options.format, io.color));
    io.err(`error: cannot watch "${shown}": it is not a folder that can be read.\n`);
    return 1;
  }

  let first = true;
  function run(): void {
    timer = undefined;
    const files = [...changed];
    const shownChange = seen.size === 1 ? `${displayPath([...seen][0]!)} changed` : seen.size > 1 ? `${seen.size} files or folders changed` : 'Something changed';
    changed.clear();
    seen.clear();
    if (everything) workspace.watched(); // a change the watcher could not name: every file's stat is compared once
    // the folders watched follow the directory's before it is listed: a file created in a new folder after this is reported
    let gone = false;
    if (folders) {
      try {
        gone = !watcher.sync();
      } catch (error) {
        if (!(error instanceof WatchError)) throw error;
        failed(error);
        return;
      }
    }
    everything = folders = false;
    workspace.changedOnDisk(files);
    const started = performance.now();
    const report = workspace.report();
    const ms = performance.now() - started;
    io.out(render(report, options.format, io.color));
    const what = first ? `Checked ${shown}` : `${shownChange}; checked`;
    io.err(`[${clock()}] ${what} in ${ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`}: ${counts(report.diagnostics)}.${gone ? '' : ' Watching for changes; Ctrl-C stops.'}\n`);
    first = false;
    if (gone) {
      io.err(`error: "${shown}" is no longer a folder that can be read; stopped watching.\n`);
      stop(1);
      return;
    }
    // what the next run needs of this one (an index of the whole, after a whole run), while nothing else is due
    setImmediate(() => workspace.settle());
  }

  const signal = (): void => stop(0);
  process.once('SIGINT', signal);
  process.once('SIGTERM', signal);
  try {
    // until the first run is over, the watcher only records changes (none of its callbacks runs during it)
    workspace.watched();
    run();
    const code = await stopped;
    if (code === 0) io.err('Stopped watching.\n');
    return code;
  } finally {
    process.off('SIGINT', signal);
    process.off('SIGTERM', signal);
    clearTimeout(timer);
    watcher.close();
  }
}

/** What validate prints of a report; json and sarif on one line, so that each run is one line. */
function render(report: ValidateOutcome, format: DiagnosticFormat, color: boolean): string {
  const tally = report.guardrails ? tallyOf(report.guardrails) : undefined;
  const text = renderDiagnostics(report.diagnostics, format, report.sources, color, tally);
  return format === 'json' || format === 'sarif' ? `${JSON.stringify(JSON.parse(text))}\n` : text;
}

function counts(diagnostics: readonly Diagnostic[]): string {
  const { errors, warnings } = summarize(diagnostics);
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}
