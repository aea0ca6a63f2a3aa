import type { Plan } from '../plan.js';

/**
 * The plan artifact in pieces, one object and one customer effect per line: a fleet's first plan is too large
 * for one string, and a line per object keeps diffs of saved plans readable.
 */
export function* planJsonChunks(plan: Plan): Generator<string> {
  const { objects, effect, ...head } = plan;
  yield `${JSON.stringify(head).slice(0, -1)},\n"objects":[`;
  for (let i = 0; i < objects.length; i++) yield `${i === 0 ? '' : ','}\n${JSON.stringify(objects[i])}`;
  yield '\n],\n"effect":{"customers":[';
  for (let i = 0; i < effect.customers.length; i++) yield `${i === 0 ? '' : ','}\n${JSON.stringify(effect.customers[i])}`;
  yield '\n]}}\n';
}

/** Writes the plan artifact piece by piece. */
export async function writePlanJson(plan: Plan, write: (chunk: string) => Promise<void> | void): Promise<void> {
  for (const chunk of planJsonChunks(plan)) await write(chunk);
}

/** The plan artifact as one string, for plans small enough to hold in one. */
export function formatPlanJson(plan: Plan): string {
  return [...planJsonChunks(plan)].join('');
}

/**
 * Parses a plan too large for one string (past V8's ~512 MiB limit) from the line layout planJsonChunks
 * writes; returns undefined when the bytes are not in that layout.
 */
export function parseLargePlanJson(bytes: Buffer): unknown {
  const lines: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    lines.push(bytes.toString('utf8', start, end));
    start = end + 1;
  }
  const trim = (line: string): string => (line.endsWith(',') ? line.slice(0, -1) : line);
  try {
    const head = JSON.parse(trim(lines[0] ?? '') + '}') as Record<string, unknown>;
    if (lines[1] !== '"objects":[') return undefined;
    let i = 2;
    const objects: unknown[] = [];
    for (; i < lines.length && lines[i] !== '],'; i++) objects.push(JSON.parse(trim(lines[i]!)));
    if (lines[i + 1] !== '"effect":{"customers":[') return undefined;
    const customers: unknown[] = [];
    for (i += 2; i < lines.length && lines[i] !== ']}}'; i++) customers.push(JSON.parse(trim(lines[i]!)));
    if (lines[i] !== ']}}') return undefined;
    return { ...head, objects, effect: { customers } };
  } catch {
    return undefined;
  }
}
