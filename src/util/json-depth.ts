/**
 * Where JSON text first nests deeper than `max` levels of objects and arrays, as 1-based line and column, or
 * undefined. Code that reads parsed JSON back (canonical JSON, JSON.stringify) recurses, and a hostile file
 * would overflow its call stack; one pass over the text, before parsing, costs a fraction of JSON.parse.
 */
export function jsonTooDeep(text: string, max: number): { line: number; column: number } | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return lineColumn(text, i);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}
