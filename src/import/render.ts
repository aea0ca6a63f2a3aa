// Policy documents as YAML files in the style of the example repository: the editor's schema line, a comment
// saying where the file came from, block mappings down to the feature, and one-line entries for alerts, usage
// limits, top-ups, prices and overage limits.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isPair, isScalar, isSeq, visit, type Node } from 'yaml';

/** Keys whose value is written on one line (`{ threshold: 80, type: usage_percentage }`). */
const ONE_LINE = new Set(['extends', 'autoTopup', 'overageLimit', 'price', 'topUpPrice', 'purchaseLimit']);
/** Keys whose list items are written one line each. */
const ONE_LINE_ITEMS = new Set(['usageAlerts', 'usageLimits']);
/** Keys holding plan items, written one line each (`api_calls: { included: 1000, reset: month }`). */
const ITEM_MAPS = new Set(['features']);

/** The policy schema shipped with this tollgate (dist/import/render.js → schema/). */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/policy.schema.json', import.meta.url));

/**
 * The `$schema` reference for a file: relative to the file when the schema lies under `root` (the project,
 * e.g. node_modules/tollgate/schema), else its absolute path.
 */
export function schemaReference(file: string, root: string): string {
  const fromRoot = path.relative(root, SCHEMA_FILE);
  if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) return SCHEMA_FILE.split(path.sep).join('/');
  return path.relative(path.dirname(file), SCHEMA_FILE).split(path.sep).join('/');
}

/** One YAML text for `values` (documents separated by `---`), after a comment block of `header` lines. */
export function renderYaml(values: readonly object[], header: readonly string[]): string {
  const body = values.map((v) => renderDocument(v)).join('---\n');
  return `${header.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n')}\n\n${body}`;
}

function renderDocument(value: object): string {
  const doc = new Document(value);
  visit(doc, {
    Pair(_key, pair) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const v = pair.value as Node | null;
      if (ONE_LINE.has(key) && (isMap(v) || isSeq(v))) v.flow = true;
      if (ONE_LINE_ITEMS.has(key) && isSeq(v)) for (const item of v.items) if (isMap(item)) item.flow = true;
      if (ITEM_MAPS.has(key) && isMap(v)) for (const item of v.items) if (isPair(item) && isMap(item.value)) item.value.flow = true;
    },
  });
  // Maps read `{ a: 1 }` and lists `[a, b]`, as in the example repository.
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true }).replace(/^(\s*extends: )\[ (.*) \]$/gm, '$1[$2]');
}
