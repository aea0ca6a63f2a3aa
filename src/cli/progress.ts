import type { ApplyProgress } from '../apply/apply.js';
import { formatCount } from '../util/money.js';
import type { Progress } from '../util/progress.js';
import type { CliIO } from './io.js';

/** The progress line of a running apply. */
export function progressLine(p: ApplyProgress): string {
  const parts = [`apply: ${p.done}/${p.total} objects`, `${p.applied} applied`];
  if (p.failed > 0) parts.push(`${p.failed} failed`);
  if (p.inFlight > 0) parts.push(`${p.inFlight} in flight`);
  if (p.retries > 0) parts.push(`${p.retries} ${p.retries === 1 ? 'retry' : 'retries'}`);
  return `${parts.join(', ')} (${(p.elapsedMs / 1000).toFixed(1)}s)`;
}

export interface ProgressDisplay {
  update(progress: ApplyProgress): void;
  /** Ends the display (the terminal line is kept); call before printing anything else. */
  finish(): void;
}

/**
 * On a terminal, one line rewritten in place (at most ten times a second); otherwise a line every
 * tenth of the objects on long applies, and one every `everyMs` while an apply is slow.
 */
export function progressDisplay(io: CliIO, everyMs = 5000, now: () => number = Date.now): ProgressDisplay {
  let latest: ApplyProgress | undefined;
  let lastPrint = now();
  let nextStep = 0;
  let width = 0;
  let printedOnTerminal = false;
  const print = (p: ApplyProgress): void => {
    lastPrint = now();
    if (io.stderrIsTTY) {
      const line = progressLine(p);
      io.err(`\r${line}${' '.repeat(Math.max(0, width - line.length))}`);
      width = line.length;
      printedOnTerminal = true;
    } else {
      io.err(progressLine(p) + '\n');
    }
  };
  // Slow applies still report when no object finishes for a while (waiting out a Retry-After).
  const timer = setInterval(() => {
    if (latest && now() - lastPrint >= everyMs) print(latest);
  }, Math.min(everyMs, 1000));
  timer.unref();
  return {
    update(p) {
      latest = p;
      if (io.stderrIsTTY) {
        if (now() - lastPrint >= 100 || p.done === p.total) print(p);
      } else if ((p.total >= 100 && p.done > 0 && (p.done >= nextStep || p.done === p.total)) || now() - lastPrint >= everyMs) {
        nextStep = p.done + Math.ceil(p.total / 10);
        print(p);
      }
    },
    finish() {
      clearInterval(timer);
      if (printedOnTerminal) io.err('\n');
    },
  };
}

/** The progress line of a long engine step: "checking policies: 1,200/5,000 customers (2.0s)". */
export function phaseLine(p: Progress, elapsedMs: number): string {
  const seconds = `(${(elapsedMs / 1000).toFixed(1)}s)`;
  if (p.total === undefined) return p.done > 0 ? `${p.phase}: ${formatCount(p.done)} ${p.unit} ${seconds}` : `${p.phase}… ${seconds}`;
  return `${p.phase}: ${formatCount(p.done)}/${formatCount(p.total)} ${p.unit} ${seconds}`;
}

export interface PhaseDisplayOptions {
  /** A phase shorter than this shows nothing on a terminal: short runs stay quiet. */
  quietMs?: number;
  /** Elsewhere, a line every this often while a phase runs. */
  everyMs?: number;
  /** A phase with fewer things to do shows nothing, however long it takes (on a busy machine, a cold start can). */
  minItems?: number;
  now?: () => number;
}

export interface PhaseDisplay {
  /** The engine's progress callback. */
  report(progress: Progress): void;
  /** Looks at the clock again; a timer calls it while a phase waits (on the network), tests call it directly. */
  tick(): void;
  /** Ends the terminal line, if one is shown; call before printing anything else. Later progress starts anew. */
  finish(): void;
}

/**
 * When the last progress line of a run went to a log (or its first phase of at least `minItems` things began):
 * the 5 s between lines are counted across such phases and displays, so a run of many 4 s phases is not silent.
 */
const lastLogLine = new WeakMap<CliIO, number>();

/**
 * Progress of reading, checking, resolving and reading the billing system, on stderr. On a terminal, one line
 * rewritten in place (at most ten times a second) once a phase has taken `quietMs`; elsewhere, a line every
 * `everyMs` of the run, whichever phase is running then, and a phase's final count when it ends if it printed.
 * Runs that finish quickly, and phases with fewer than `minItems` things to do, print nothing.
 */
export function phaseDisplay(io: CliIO, options: PhaseDisplayOptions = {}): PhaseDisplay {
  const quietMs = options.quietMs ?? 1000;
  const everyMs = options.everyMs ?? 5000;
  const minItems = options.minItems ?? 100;
  const now = options.now ?? io.now ?? Date.now;
  let current: { progress: Progress; startedAt: number; lastPrint: number; printed: boolean; closed: boolean } | undefined;
  let width = 0;
  let lineOpen = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  const print = (t: number): void => {
    const c = current!;
    const line = phaseLine(c.progress, t - c.startedAt);
    if (io.stderrIsTTY) {
      io.err(`\r${line}${' '.repeat(Math.max(0, width - line.length))}`);
      width = line.length;
      lineOpen = true;
    } else {
      io.err(line + '\n');
      lastLogLine.set(io, t);
    }
    c.lastPrint = t;
    c.printed = true;
  };
  const consider = (t: number): void => {
    if (!current || current.closed) return;
    const { progress, startedAt, lastPrint, printed } = current;
    if (progress.total !== undefined && progress.total < minItems) return;
    const complete = progress.total !== undefined && progress.done >= progress.total;
    const due = io.stderrIsTTY
      ? t - startedAt >= quietMs && (complete || t - lastPrint >= 100)
      : complete ? printed : t - (progress.total !== undefined ? (lastLogLine.get(io) ?? lastPrint) : lastPrint) >= everyMs;
    if (!due) return;
    print(t);
    current.closed = complete;
  };
  return {
    report(progress) {
      const t = now();
      if (current?.progress.phase !== progress.phase) {
        // the run's clock starts with its first phase big enough to show; one of unknown size keeps its own
        if (!lastLogLine.has(io) && progress.total !== undefined && progress.total >= minItems) lastLogLine.set(io, t);
        current = { progress, startedAt: t, lastPrint: t, printed: false, closed: false };
      } else current.progress = progress;
      // Waiting on the network sends no events: the clock is looked at again meanwhile.
      if (timer === undefined) {
        timer = setInterval(() => consider(now()), Math.min(everyMs, 1000));
        timer.unref();
      }
      consider(t);
    },
    tick() {
      consider(now());
    },
    finish() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (lineOpen) io.err('\n');
      lineOpen = false;
      width = 0;
      current = undefined;
    },
  };
}
