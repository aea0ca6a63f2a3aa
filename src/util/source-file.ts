/** The text of one policy file with a fast offset → line:column mapping. */
export class SourceFile {
  private lineStarts: number[] | undefined;

  constructor(
    /** The path as shown to people: relative to the current directory. */
    readonly path: string,
    readonly text: string,
  ) {}

  /** 1-based line and column of a character offset. */
  position(offset: number): { line: number; column: number } {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    let clamped = Math.max(0, Math.min(offset, this.text.length));
    // The \n of a CRLF is not a column of its own: a position there is the end of the line, like the \r.
    if (clamped > 0 && this.text.charCodeAt(clamped) === 10 && this.text.charCodeAt(clamped - 1) === 13) clamped--;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: clamped - starts[lo]! + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  line(line: number): string {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    const start = starts[line - 1];
    if (start === undefined) return '';
    const end = starts[line] ?? this.text.length;
    return this.text.slice(start, end).replace(/(?:\r\n|\r|\n)$/, '');
  }

  get lineCount(): number {
    return (this.lineStarts ??= computeLineStarts(this.text)).length;
  }
}

/** Line breaks as YAML and editors see them: LF, CRLF, and a lone CR. */
function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}
