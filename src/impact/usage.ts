// Current-period usage per (customer or entity, feature), from a billing system or a file (SPEC §11).
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { UsageOf } from './evaluate.js';

/** Usage by object key ("customer:<id>", "entity:<customer>/<id>", as plan objects are keyed), then by feature. */
export type UsageTable = Map<string, Map<string, number>>;

/** Where a plan's usage came from. */
export type UsageSource = { kind: 'live'; target: string } | { kind: 'file'; file: string };

/** The key usage is held under for a customer or one of its entities. */
export function usageKey(customer: string, entity?: string): string {
  return entity === undefined ? `customer:${customer}` : `entity:${customer}/${entity}`;
}

/** Adds one usage figure to a table. */
export function putUsage(table: UsageTable, key: string, feature: string, usage: number): void {
  let features = table.get(key);
  if (!features) table.set(key, (features = new Map()));
  features.set(feature, usage);
}

/** A customer's usages as evaluateCustomer reads them. */
export function usageOfCustomer(table: UsageTable, customer: string): UsageOf {
  // Called per feature for every customer of a fleet's plan: each object's map is looked up once.
  const own = table.get(usageKey(customer));
  const entities = new Map<string, Map<string, number> | undefined>();
  return (entity, feature) => {
    if (entity === undefined) return own?.get(feature);
    if (!entities.has(entity)) entities.set(entity, table.get(usageKey(customer, entity)));
    return entities.get(entity)?.get(feature);
  };
}

export const USAGE_HEADER = ['customer', 'entity', 'feature', 'usage'] as const;

/** A usage file parsed: the table, or one `file:line: message` per problem. */
export type ParsedUsage = { table: UsageTable; errors: [] } | { table?: undefined; errors: string[] };

interface Row {
  line: number;
  customer: unknown;
  entity: unknown;
  feature: unknown;
  usage: unknown;
}

/** Parses a usage file: CSV with header `customer,entity,feature,usage`, or JSON (an array of such objects). */
export function parseUsageFile(text: string, file: string): ParsedUsage {
  const body = text.replace(/^\uFEFF/, '');
  const json = file.toLowerCase().endsWith('.json') || (!file.toLowerCase().endsWith('.csv') && /^\s*[[{]/.test(body));
  const { rows, errors } = json ? jsonRows(body, file) : csvRows(body, file);
  const parsed = tableOf(rows, file);
  const all = [...errors, ...parsed.errors].sort((a, b) => lineOf(a) - lineOf(b));
  return all.length === 0 && parsed.table ? parsed : { errors: all };
}

function lineOf(error: string): number {
  return Number(/:(\d+): /.exec(error)?.[1] ?? 0);
}

function csvRows(text: string, file: string): { rows: Row[]; errors: string[] } {
  const lines = text.split(/\r?\n/);
  const header = splitCsv(lines[0] ?? '').map((h) => h.toLowerCase());
  if (header.join(',') !== USAGE_HEADER.join(',')) {
    return { rows: [], errors: [`${file}:1: the header must be "${USAGE_HEADER.join(',')}"; found "${lines[0] ?? ''}".`] };
  }
  const rows: Row[] = [];
  const errors: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const cells = splitCsv(lines[i]!);
    if (cells.length !== 4) {
      errors.push(`${file}:${i + 1}: expected 4 columns (${USAGE_HEADER.join(',')}), found ${cells.length}.`);
      continue;
    }
    const [customer, entity, feature, usage] = cells as [string, string, string, string];
    rows.push({ line: i + 1, customer, entity: entity === '' ? undefined : entity, feature, usage: usage === '' ? undefined : /^\d+(\.\d+)?$/.test(usage) ? Number(usage) : usage });
  }
  return { rows, errors };
}

/** Cells of one CSV line; a cell may be double-quoted ("" inside quotes is one quote). */
function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') cells.push(cell.trim()), (cell = '');
    else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

function jsonRows(text: string, file: string): { rows: Row[]; errors: string[] } {
  const counter = new LineCounter();
  const broken = jsonSyntaxError(text);
  if (broken !== undefined) {
    // YAML would read some broken JSON as a value: JSON's own parser decides.
    return { rows: [], errors: [`${file}:${text.slice(0, broken.offset).split('\n').length}: not valid JSON: ${broken.message}.`] };
  }
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  const lineAt = (offset: number | undefined): number => counter.linePos(offset ?? 0).line;
  if (doc.errors.length > 0) return { rows: [], errors: doc.errors.slice(0, 5).map((e) => `${file}:${lineAt(e.pos[0])}: not valid JSON: ${e.message.split('\n')[0]}`) };
  if (!isSeq(doc.contents)) return { rows: [], errors: [`${file}:${lineAt(doc.contents?.range?.[0])}: expected an array of {"customer", "entity", "feature", "usage"} objects.`] };
  const rows: Row[] = [];
  const errors: string[] = [];
  for (const item of doc.contents.items) {
    const line = lineAt((item as { range?: readonly number[] } | null)?.range?.[0]);
    if (!isMap(item)) {
      errors.push(`${file}:${line}: expected an object with "customer", "feature" and "usage" (and "entity" for an entity's usage).`);
      continue;
    }
    const fields: Record<string, unknown> = {};
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!(USAGE_HEADER as readonly string[]).includes(key)) {
        errors.push(`${file}:${lineAt((pair.key as { range?: readonly number[] } | null)?.range?.[0])}: unknown key "${key}"; the keys are ${USAGE_HEADER.join(', ')}.`);
        continue;
      }
      fields[key] = isScalar(pair.value) ? pair.value.value : pair.value === null ? undefined : '(not a value)';
    }
    rows.push({ line, customer: fields.customer, entity: fields.entity ?? undefined, feature: fields.feature, usage: fields.usage });
  }
  return { rows, errors };
}

function tableOf(rows: readonly Row[], file: string): ParsedUsage {
  const table: UsageTable = new Map();
  const seen = new Map<string, number>();
  const errors: string[] = [];
  for (const row of rows) {
    const at = `${file}:${row.line}`;
    if (typeof row.customer !== 'string' || row.customer === '') errors.push(`${at}: "customer" must be a customer id.`);
    else if (row.entity !== undefined && row.entity !== null && (typeof row.entity !== 'string' || row.entity === '')) errors.push(`${at}: "entity" must be an entity id, or empty for the customer's own usage.`);
    else if (typeof row.feature !== 'string' || row.feature === '') errors.push(`${at}: "feature" must be a feature id.`);
    else if (typeof row.usage !== 'number' || !Number.isFinite(row.usage) || row.usage < 0) errors.push(`${at}: "usage" must be a number of units, 0 or more; found ${JSON.stringify(row.usage ?? null)}.`);
    else {
      const key = usageKey(row.customer, (row.entity as string | null | undefined) ?? undefined);
      const id = `${key} ${row.feature}`;
      const first = seen.get(id);
      if (first !== undefined) errors.push(`${at}: a second usage of ${row.feature} for ${key.replace(':', ' ')} (the first is on line ${first}).`);
      else {
        seen.set(id, row.line);
        putUsage(table, key, row.feature, row.usage);
      }
    }
  }
  return errors.length > 0 ? { errors } : { table, errors: [] };
}

/** Where JSON.parse fails, as an offset, and its message without the excerpt; undefined for valid JSON. */
function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  const fails = (prefix: string): { message: string; position?: number } | undefined => {
    try {
      JSON.parse(prefix);
      return undefined;
    } catch (error) {
      const message = (error as Error).message;
      const at = /at position (\d+)/.exec(message)?.[1];
      return at === undefined ? { message } : { message, position: Number(at) };
    }
  };
  const whole = fails(text);
  if (whole === undefined) return undefined;
  const message = whole.message.replace(/ in JSON at position \d+.*$/s, '').replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
  if (whole.position !== undefined && whole.position < text.length) return { offset: whole.position, message };
  // Without a position, the shortest prefix that is wrong (not merely cut short) ends at the offending character.
  const wrong = (length: number): boolean => {
    const e = fails(text.slice(0, length));
    return e !== undefined && !e.message.includes('end of JSON input') && (e.position === undefined || e.position < length);
  };
  let lo = 1;
  let hi = text.length;
  if (!wrong(hi)) return { offset: text.length, message };
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (wrong(mid)) hi = mid;
    else lo = mid + 1;
  }
  return { offset: lo - 1, message };
}
