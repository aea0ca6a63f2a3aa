import type { Plan } from '../plan.js';

/** A shared policy (a plan or a profile) whose change reaches many customers. */
export interface FanOut {
  /** "plan pro" or "profile enterprise". */
  source: string;
  customers: string[];
  entities: number;
}

/** Which plan and profile changes reach which customers: the blast radius a reviewer must see. */
export function fanOuts(plan: Plan): FanOut[] {
  const reached = new Map<string, Set<string>>();
  const add = (source: string, customer: string): void => {
    let s = reached.get(source);
    if (!s) reached.set(source, (s = new Set()));
    s.add(customer);
  };
  // only customers whose effective policy moves: one that overrides the changed control is not reached
  for (const effect of plan.effect.customers) {
    if (!effect.customerChanged && effect.entities.length === 0) continue;
    for (const cause of effect.causes) if (cause.startsWith('plan:')) add(`plan ${cause.slice('plan:'.length)}`, effect.id);
  }
  for (const o of plan.objects) {
    if (o.ref.kind !== 'customer') continue;
    for (const c of o.changes) if (c.setBy?.startsWith('profile ')) add(c.setBy, o.ref.id);
  }
  const entitiesOf = new Map(plan.effect.customers.map((e) => [e.id, e.entities.length]));
  return [...reached.keys()].sort().map((source) => {
    const customers = [...reached.get(source)!].sort();
    return { source, customers, entities: customers.reduce((n, c) => n + (entitiesOf.get(c) ?? 0), 0) };
  });
}

/** "a, b, c and 12 more". */
export function listSome(ids: readonly string[], max: number): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}
