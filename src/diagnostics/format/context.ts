import type { SourceFile } from '../../util/source-file.js';
import type { Diagnostic } from '../diagnostic.js';
import type { GuardrailTally } from '../guardrail-tally.js';

/** What a formatter may know besides the diagnostics; formatters never read the environment themselves. */
export interface FormatContext {
  /** Source texts by the path diagnostics name, for code frames; a missing entry prints no frame. */
  sources: ReadonlyMap<string, SourceFile>;
  /** Paint with ANSI colours; the CLI decides from the terminal and NO_COLOR. */
  color: boolean;
  /** The tollgate version, recorded in machine-readable reports. */
  toolVersion: string;
  /** How the guardrails came out, when the policies define any: every format reports the tally. */
  guardrails?: GuardrailTally;
}

/** Turns diagnostics into the full text to write: a pure function, no I/O. */
export type DiagnosticFormatter = (diagnostics: readonly Diagnostic[], ctx: FormatContext) => string;
