import type { SourceFile } from '../util/source-file.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnosticFormatters, type DiagnosticFormat } from '../diagnostics/format/index.js';
import type { GuardrailTally } from '../guardrails/report.js';
import { VERSION } from './version.js';

/** Where a command writes; the only place that touches process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour on stdout. */
  color: boolean;
  /** Colour on stderr. */
  colorErr: boolean;
  ask(question: string): Promise<string>;
  /** The clock progress displays read; Date.now when absent (tests pass their own). */
  now?: () => number;
  /** Calls `handler` on Ctrl-C (SIGINT) until the returned function is called; absent where there are no signals. */
  onInterrupt?(handler: () => void): () => void;
}

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org), always with FORCE_COLOR. */
export function wantsColor(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

/** Renders diagnostics in a format. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], format: DiagnosticFormat, sources: ReadonlyMap<string, SourceFile>, color: boolean, guardrails?: GuardrailTally): string {
  return diagnosticFormatters[format](diagnostics, { sources, color, toolVersion: VERSION, ...(guardrails ? { guardrails } : {}) });
}
