import type { SourceFile } from '../../load/source.js';
import type { Diagnostic } from '../diagnostic.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatStylish } from './stylish.js';

/** The names accepted by `validate --format`, in the order help text lists them. */
export const DIAGNOSTIC_FORMATS = ['stylish', 'json', 'github', 'sarif'] as const;

export type DiagnosticFormat = (typeof DIAGNOSTIC_FORMATS)[number];

/** What a formatter may know besides the diagnostics; formatters never read the environment themselves. */
export interface FormatContext {
  /** Source texts by the path diagnostics name, for code frames; a missing entry prints no frame. */
  sources: ReadonlyMap<string, SourceFile>;
  /** Paint with ANSI colours; the CLI decides from the terminal and NO_COLOR. */
  color: boolean;
  /** The tollgate version, recorded in machine-readable reports. */
  toolVersion: string;
}

/** Turns diagnostics into the full text to write: a pure function, no I/O. */
export type DiagnosticFormatter = (diagnostics: readonly Diagnostic[], ctx: FormatContext) => string;

/** Every diagnostic formatter, keyed by its `--format` name. */
export const diagnosticFormatters: Record<DiagnosticFormat, DiagnosticFormatter> = {
  stylish: formatStylish,
  json: formatJson,
  github: formatGithub,
  sarif: formatSarif,
};
