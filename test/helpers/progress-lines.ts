// Progress lines on stderr come and go with the machine's speed (a phase prints once it has run a few seconds),
// so tests that compare what the CLI said take them out first; test/plan/progress.test.ts checks them on a fake clock.

/** A progress line as src/cli/progress.ts writes it off a terminal: it ends with the phase's time, e.g. "(5.0s)". */
const PROGRESS_LINE = /^[^\n]* \(\d+\.\ds\)\n/gm;

/** The CLI's stderr without its progress lines. */
export function withoutProgress(stderr: string): string {
  return stderr.replace(PROGRESS_LINE, '');
}
