import type { DiagnosticFormatter } from './context.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatStylish } from './stylish.js';

export type { DiagnosticFormatter, FormatContext } from './context.js';

/** The names accepted by `validate --format`, in the order help text lists them. */
export const DIAGNOSTIC_FORMATS = ['stylish', 'json', 'github', 'sarif'] as const;

export type DiagnosticFormat = (typeof DIAGNOSTIC_FORMATS)[number];

/** Every diagnostic formatter, keyed by its `--format` name. */
export const diagnosticFormatters: Record<DiagnosticFormat, DiagnosticFormatter> = {
  stylish: formatStylish,
  json: formatJson,
  github: formatGithub,
  sarif: formatSarif,
};
