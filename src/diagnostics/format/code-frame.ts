import type { SourceFile } from '../../util/source-file.js';

/** A 1-based range; `endColumn` is exclusive, as in every tollgate Location. */
export interface FrameRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Paint for the parts of a frame; identity functions give plain text. */
export interface FramePaint {
  gutter: (text: string) => string;
  marker: (text: string) => string;
}

// Policy files nest downwards, so the parents that explain a line sit above it: show more above than below.
const LINES_BEFORE = 2;
const LINES_AFTER = 1;

/**
 * The source lines around `range`, with a line-number gutter, `>` at the marked line and `^` under the
 * range. Returns the lines without a trailing newline, or [] when the range lies outside the file.
 */
export function codeFrame(source: SourceFile, range: FrameRange, paint: FramePaint): string[] {
  const total = source.lineCount;
  if (range.line < 1 || range.line > total) return [];
  const first = Math.max(1, range.line - LINES_BEFORE);
  const last = Math.min(total, range.line + LINES_AFTER);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = printable(source.line(n));
    const gutter = paint.gutter(`${String(n).padStart(width)} |`);
    const body = text === '' ? '' : ' ' + text;
    if (n !== range.line) {
      out.push(`  ${gutter}${body}`);
      continue;
    }
    out.push(`${paint.marker('>')} ${gutter}${body}`);
    out.push(`  ${paint.gutter(`${' '.repeat(width)} |`)} ${underline(text, range, paint)}`);
  }
  return out;
}

/** Padding up to the start column, then carets to the end of the range on this line. */
function underline(text: string, range: FrameRange, paint: FramePaint): string {
  const start = Math.max(1, range.column);
  // A range running onto later lines is marked to the end of its first line's content.
  const end = range.endLine === range.line ? range.endColumn : text.trimEnd().length + 1;
  const width = Math.max(1, end - start);
  const before = text.slice(0, start - 1);
  // Keep tabs as tabs so the carets line up with the text however wide the terminal draws a tab.
  const pad = before.replace(/[^\t]/g, ' ') + ' '.repeat(Math.max(0, start - 1 - before.length));
  return pad + paint.marker('^'.repeat(width));
}

/**
 * Replaces control characters (other than tab) one-for-one with U+FFFD, so text from a policy file can
 * neither move the terminal's cursor nor inject escape sequences, and columns still line up.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}
