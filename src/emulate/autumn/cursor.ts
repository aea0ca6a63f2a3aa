// Cursor pagination as Autumn's list routes do it: an opaque base64url cursor naming the last row served.

/** Where a record sits in a listing: creation time, then id to break ties. */
export type Position = [createdAt: number, id: string];

/** Orders positions oldest first. */
export function comparePositions(a: Position, b: Position): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** The next_cursor that resumes after this position. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor names; undefined for a cursor this emulator did not issue. */
export function decodeCursor(cursor: string): Position | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string')
      return [value[0], value[1]];
  } catch {
    // Any undecodable cursor is reported by the route as invalid input.
  }
  return undefined;
}
