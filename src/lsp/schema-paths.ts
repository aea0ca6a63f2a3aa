import policySchema from '../../schema/policy.schema.json' with { type: 'json' };

/** The parts of a JSON Schema node that completion reads. */
export interface SchemaNode {
  $ref?: string;
  description?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  propertyNames?: SchemaNode;
  items?: SchemaNode;
}

const schema = policySchema as unknown as SchemaNode & { $defs: Record<string, SchemaNode>; properties: { kind: { enum: string[] } } };

/** The document kinds the schema knows, in its order. */
export const KINDS: readonly string[] = schema.properties.kind.enum;

function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  let n = node;
  for (let i = 0; n?.$ref !== undefined && i < 16; i++) n = schema.$defs[n.$ref.replace('#/$defs/', '')];
  return n;
}

/** The members of a node (itself, or each of its `anyOf`), references followed. */
function members(node: SchemaNode | undefined): SchemaNode[] {
  const n = deref(node);
  if (!n) return [];
  return n.anyOf ? n.anyOf.flatMap(members) : [n];
}

/** The schema of the value at `path` (keys; "[]" for a list item) in a document of `kind`. */
export function schemaAt(kind: string, path: readonly string[]): SchemaNode[] {
  let nodes = members(schema.$defs[`${kind}Document`]);
  for (const segment of path) {
    nodes = nodes.flatMap((n) => {
      if (segment === '[]') return members(n.items);
      const named = n.properties?.[segment];
      if (named) return members(named);
      return typeof n.additionalProperties === 'object' ? members(n.additionalProperties) : [];
    });
  }
  return nodes;
}

/** The keys a mapping at `path` may hold, with their descriptions. */
export function keysAt(kind: string, path: readonly string[]): Array<{ key: string; description?: string }> {
  const out = new Map<string, string | undefined>();
  for (const n of schemaAt(kind, path)) for (const [key, node] of Object.entries(n.properties ?? {})) out.set(key, node.description ?? deref(node)?.description);
  return [...out].map(([key, description]) => (description === undefined ? { key } : { key, description }));
}

/** Whether the mapping at `path` is keyed by ids (feature ids under `controls`, entity ids under `entities`). */
export function keyedByIds(kind: string, path: readonly string[]): boolean {
  return schemaAt(kind, path).some((n) => n.propertyNames !== undefined && typeof n.additionalProperties === 'object');
}

/** The fixed values the value at `path` may take (enums, constants, booleans), null left out. */
export function valuesAt(kind: string, path: readonly string[]): string[] {
  const out = new Set<string>();
  for (const n of schemaAt(kind, path)) {
    for (const v of [...(n.enum ?? []), ...(n.const !== undefined ? [n.const] : [])]) if (v !== null) out.add(String(v));
    if (n.type === 'boolean') ['true', 'false'].forEach((v) => out.add(v));
  }
  return [...out];
}
