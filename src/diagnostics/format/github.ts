import { sortDiagnostics, type Diagnostic } from '../diagnostic.js';
import type { FormatContext } from './context.js';
import { tallyLine } from '../guardrail-tally.js';

/*
 * GitHub Actions workflow commands, one line per diagnostic:
 *   ::error file=…,line=…,col=…,endLine=…,endColumn=…,title=<code>::<message>
 * The output is nothing but commands (no summary line), so every line becomes an annotation
 * and the runner's log stays free of noise; with no diagnostics it is empty.
 * Escaping follows @actions/core (packages/core/src/command.ts): the runner splits on
 * newlines, on `::` and, inside properties, on `,`, and percent-decodes what is left.
 */

/** Escapes command data (the message): `%`, CR and LF, as @actions/core's escapeData does. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value: as data, plus `:` and `,` which delimit properties (@actions/core's escapeProperty). */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error`/`::warning` workflow command per diagnostic, each on its own line. */
export function formatGithub(diagnostics: readonly Diagnostic[], ctx: FormatContext): string {
  const tally = ctx.guardrails ? `::notice title=guardrails::${escapeData(tallyLine(ctx.guardrails))}\n` : '';
  return (
    sortDiagnostics([...diagnostics])
      .map((d) => command(d) + '\n')
      .join('') + tally
  );
}

function command(d: Diagnostic): string {
  const props: Array<[string, string | number]> = [];
  if (d.file !== '') props.push(['file', d.file]);
  // Lines below 1 mean "no position known": an annotation on the file alone is better than a wrong line.
  if (d.line >= 1) {
    props.push(['line', d.line]);
    if (d.column >= 1) props.push(['col', d.column]);
    if (d.endLine >= d.line) {
      props.push(['endLine', d.endLine]);
      if (d.endColumn >= 1) props.push(['endColumn', d.endColumn]);
    }
  }
  props.push(['title', d.code]);
  const properties = props.map(([key, value]) => `${key}=${escapeProperty(String(value))}`).join(',');
  // Annotations cannot point at a second place, so related locations travel in the message text.
  const related = (d.related ?? []).map((r) => `\n${r.message} at ${r.file}:${r.line}:${r.column}`).join('');
  return `::${d.severity} ${properties}::${escapeData(d.message + related)}`;
}
