// Validates snake_case wire bodies with autumn-js's own zod schemas, which take the SDK's camelCase
// input and emit the snake_case wire form: keys are camelized in, and the output is the stored form.

/** The part of a zod issue this module reads. */
interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly expected?: string;
  readonly values?: readonly unknown[];
}

/** What autumn-js exports as `...$outboundSchema`: a zod schema from SDK input to wire output. */
export interface SdkSchema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: { issues: readonly SchemaIssue[] } };
}

/** Result of parsing a body: the normalized wire value, or a zod-style message naming each path. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

// Free-form maps whose keys belong to the caller and are never renamed.
const FREE_FORM_KEYS = new Set(['metadata', 'properties']);

/** Parses a snake_case JSON body against an SDK outbound schema; unknown keys are refused. */
export function parseWithSdkSchema<T>(schema: SdkSchema<T>, body: unknown): Parsed<T> {
  if (!isPlainObject(body)) return { ok: false, message: 'Expected a JSON object body' };
  const result = schema.safeParse(camelizeKeys(body));
  if (!result.success) {
    return { ok: false, message: result.error.issues.map((issue) => describeIssue(issue, body)).join('; ') };
  }
  const unknown: string[] = [];
  collectUnknownKeys(body, result.data, [], unknown);
  if (unknown.length > 0) {
    return { ok: false, message: unknown.map((path) => `${path}: Unrecognized key`).join('; ') };
  }
  return { ok: true, value: result.data };
}

/** Formats a path the way Autumn's errors do: `billing_controls.spend_limits[0].overage_limit`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** Whether a value is a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // Never let a body key reach an object prototype; the unknown-key check reports it instead.
    if (key === '__proto__') continue;
    out[snakeToCamel(key)] = FREE_FORM_KEYS.has(key) ? inner : camelizeKeys(inner);
  }
  return out;
}

function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function describeIssue(issue: SchemaIssue, body: unknown): string {
  const path = issue.path.map((segment) => (typeof segment === 'string' ? camelToSnake(segment) : segment));
  const received = valueAt(body, path);
  const where = formatPath(path);
  const what = issueText(issue, received);
  return where === '' ? what : `${where}: ${what}`;
}

function issueText(issue: SchemaIssue, received: { found: boolean; value: unknown }): string {
  if (!received.found && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return 'Required';
  if (issue.code === 'invalid_type' && issue.expected !== undefined) {
    return `Expected ${issue.expected}, received ${typeName(received.value)}`;
  }
  if (issue.code === 'invalid_value' && issue.values !== undefined) {
    const options = issue.values.map((option) => `'${String(option)}'`).join(' | ');
    return `Invalid enum value. Expected ${options}, received ${JSON.stringify(received.value)}`;
  }
  return issue.message;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number' && segment < current.length) {
      current = current[segment];
    } else if (isPlainObject(current) && typeof segment === 'string' && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: current };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'nan';
  return typeof value;
}

function collectUnknownKeys(input: unknown, output: unknown, path: PropertyKey[], found: string[]): void {
  if (Array.isArray(input) && Array.isArray(output)) {
    input.forEach((item, index) => collectUnknownKeys(item, output[index], [...path, index], found));
    return;
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return;
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(output, key)) {
      found.push(formatPath([...path, key]));
    } else if (!FREE_FORM_KEYS.has(key)) {
      collectUnknownKeys(input[key], output[key], [...path, key], found);
    }
  }
}
