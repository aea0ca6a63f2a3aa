import pc from 'picocolors';
import { sortDiagnostics, summarize, type Diagnostic, type Location } from '../diagnostic.js';
import { formatCount } from '../../util/money.js';
import { codeFrame, printable } from './code-frame.js';
import type { FormatContext } from './context.js';
import { tallyLine } from '../guardrail-tally.js';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * Terminal output: per diagnostic `file:line:col  severity  message  code`, a code frame when the
 * source is known, related places beneath; sorted so each file's diagnostics stay together; then a summary.
 */
export function formatStylish(diagnostics: readonly Diagnostic[], ctx: FormatContext): string {
  const c = pc.createColors(ctx.color);
  const sorted = sortDiagnostics([...diagnostics]);
  const tally = ctx.guardrails ? tallyLine(ctx.guardrails) + '.\n' : '';
  if (sorted.length === 0) return c.green('No problems found.') + '\n' + tally;
  const blocks = sorted.map((d) => block(d, ctx, c));
  return blocks.join('\n\n') + '\n\n' + summaryLine(sorted, c) + '\n' + tally;
}

function block(d: Diagnostic, ctx: FormatContext, c: Colors): string {
  const paintSeverity = d.severity === 'error' ? c.red : c.yellow;
  const [firstLine, ...moreLines] = printable(d.message).split('\n');
  const lines = [`${c.bold(where(d))}  ${paintSeverity(d.severity)}  ${firstLine}  ${c.dim(d.code)}`];
  for (const more of moreLines) lines.push(`    ${more}`);
  const source = ctx.sources.get(d.file);
  if (source) {
    const frame = codeFrame(source, d, { gutter: c.dim, marker: (s) => c.bold(paintSeverity(s)) });
    if (frame.length > 0) lines.push('', ...frame.map((l) => `  ${l}`));
  }
  for (const r of d.related ?? []) {
    lines.push(`  ${c.cyan('↳')} ${printable(r.message)} at ${c.bold(where(r))}`);
  }
  return lines.join('\n');
}

/** `file:line:col`, the form terminals and editors turn into a link; less when the position is unknown. */
function where(loc: Location): string {
  const file = printable(loc.file);
  if (loc.line < 1) return file;
  return `${file}:${loc.line}:${Math.max(1, loc.column)}`;
}

function summaryLine(diagnostics: readonly Diagnostic[], c: Colors): string {
  const { errors, warnings } = summarize(diagnostics);
  const parts: string[] = [];
  if (errors > 0) parts.push(plural(errors, 'error'));
  if (warnings > 0) parts.push(plural(warnings, 'warning'));
  const text = `✖ ${parts.join(', ')}`;
  return errors > 0 ? c.bold(c.red(text)) : c.bold(c.yellow(text));
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}
