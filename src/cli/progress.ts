import type { ApplyProgress } from '../apply/apply.js';
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
