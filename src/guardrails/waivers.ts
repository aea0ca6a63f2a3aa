import type { GuardrailDef, PolicySet, WaiverDef } from '../model/policy-set.js';

interface ActiveWaiver {
  def: WaiverDef;
  customers: ReadonlySet<string>;
  entities: ReadonlySet<string>;
  used: boolean;
}

/**
 * The waivers that can cover a failure at the set's instant, by guardrail: not expired, and of a known guardrail that
 * is not hard (a waiver of a hard guardrail covers nothing; validation reports it). A customer named in a waiver is
 * covered with its entities.
 */
export class WaiverIndex {
  private readonly byGuardrail = new Map<string, ActiveWaiver[]>();

  constructor(set: PolicySet) {
    for (const def of [...set.waivers.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const guardrail = set.guardrails.get(def.guardrail);
      if (!guardrail || guardrail.level === 'hard' || def.expires === undefined || def.expires <= set.asOf) continue;
      let list = this.byGuardrail.get(def.guardrail);
      if (!list) this.byGuardrail.set(def.guardrail, (list = []));
      list.push({ def, customers: new Set(def.customers), entities: new Set(def.entities), used: false });
    }
  }

  /** The waiver that covers `guardrail` failing for a customer or one of its entities, marked used; undefined when none. */
  cover(guardrail: string, customer: string, entity?: string): WaiverDef | undefined {
    const list = this.byGuardrail.get(guardrail);
    if (!list) return undefined;
    for (const w of list) {
      if (w.customers.has(customer) || (entity !== undefined && w.entities.has(`${customer}/${entity}`))) {
        w.used = true;
        return w.def;
      }
    }
    return undefined;
  }

  /** Active waivers that covered nothing; those of guardrails with plan-time rules are left out (a plan may still use them). */
  unused(guardrails: ReadonlyMap<string, GuardrailDef>): WaiverDef[] {
    const out: WaiverDef[] = [];
    for (const [id, list] of this.byGuardrail) {
      if (guardrails.get(id)?.changes.exposureIncrease !== undefined) continue;
      for (const w of list) if (!w.used) out.push(w.def);
    }
    return out;
  }
}
