// Why a customer read from a billing system cannot be written as policies that validate, if it cannot.
// Such a customer is listed and skipped as a whole: writing it without the offending part would make plan
// propose removing that part, and import must leave the billing system as it is.
import type { FeatureDef, PlanDef } from '../model/policy-set.js';
import { parsePolicyYaml } from '../load/yaml.js';
import { SourceFile } from '../util/source-file.js';
import { validateShape } from '../validate/schema.js';
import { renderYaml } from './render.js';
import { usageLimitKey } from '../model/usage-limits.js';
import type { ObjectControls } from '../plan/objects.js';
import type { LiveCustomer } from './inventory.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** What the policies know that a customer's controls are checked against. */
export interface Catalog {
  features: ReadonlyMap<string, Pick<FeatureDef, 'type'>>;
  plan: Pick<PlanDef, 'id' | 'items'>;
}

/** The reasons a customer cannot be imported as it is; empty when it can. */
export function unexpressible(customer: LiveCustomer, catalog: Catalog): string[] {
  const problems: string[] = [];
  if (!ID.test(customer.id)) problems.push(`its id is not a tollgate id (letters, digits, _ . : -, at most 128)`);
  problems.push(...controlProblems(customer.controls, catalog, ''));
  for (const e of customer.entities) {
    if (!ID.test(e.id)) problems.push(`the id of entity ${e.id} is not a tollgate id`);
    problems.push(...controlProblems(e.controls, catalog, `entity ${e.id}: `));
  }
  return problems;
}

/** Why a plan's own controls cannot be written into its policy file; empty when they can. */
export function planControlProblems(controls: ObjectControls, catalog: Catalog): string[] {
  return controlProblems(controls, catalog, 'plan-level controls: ');
}

function controlProblems(controls: ObjectControls, { features, plan }: Catalog, where: string): string[] {
  const problems: string[] = [];
  for (const [id, s] of Object.entries(controls.features)) {
    const item = plan.items.get(id);
    const feature = features.get(id);
    if (!ID.test(id)) problems.push(`${where}feature ${id} is not a tollgate id`);
    else if (item === undefined) problems.push(`${where}it holds controls for ${id}, which plan ${plan.id} does not include`);
    else if (feature?.type === 'boolean') problems.push(`${where}it holds controls for ${id}, a boolean feature`);
    if (s.autoTopup !== undefined && item !== undefined && !item.topUpPrice) problems.push(`${where}its auto top-up of ${id} has no topUpPrice on plan ${plan.id}`);
    const alerts = new Set<string>();
    for (const a of s.usageAlerts ?? []) {
      if (a.type === 'usage_percentage' && (a.threshold < 0 || a.threshold > 100)) problems.push(`${where}its ${id} alert at ${a.threshold}% is outside 0-100`);
      const key = `${a.type}|${a.threshold}`;
      if (alerts.has(key)) problems.push(`${where}it holds two ${id} alerts of type ${a.type} at ${a.threshold}`);
      alerts.add(key);
    }
    const windows = new Set<string>();
    for (const l of s.usageLimits ?? []) {
      const key = usageLimitKey(l);
      if (windows.has(key)) problems.push(`${where}it holds two ${id} usage limits for one ${l.interval} window`);
      windows.add(key);
    }
  }
  return problems;
}

/**
 * What the policy schema refuses in a document written for a customer (a fractional unit count, a numeric
 * filter value, a name too long): the document is rendered and checked as validate would check it.
 */
export function shapeProblems(value: object, features: ReadonlyMap<string, Pick<FeatureDef, 'type'>>): string[] {
  const source = new SourceFile('import', renderYaml([value], []));
  const parsed = parsePolicyYaml(source);
  const types = new Map([...features].map(([id, f]) => [id, f.type]));
  const problems = parsed.diagnostics.map((d) => d.message);
  for (const doc of parsed.docs) problems.push(...validateShape(doc, types).diagnostics.map((d) => `${d.pointer}: ${d.message}`));
  return problems;
}
