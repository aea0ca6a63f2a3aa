import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { DAY_MS, describeInstant } from '../model/instant.js';
import { findLapsing } from '../model/lapsing.js';
import { at, type ExceptionDef, type PolicySet } from '../model/policy-set.js';

/**
 * Checks of exceptions and waivers in time (SPEC §12): instants that are not real dates, a `from` not before its
 * `until`, exception ids used twice within a customer, and what has lapsed or lapses within `windowDays`.
 */
export function checkTimeBoxes(set: PolicySet, windowDays: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const customer of set.customers.values()) {
    const seen = new Map<string, ExceptionDef>();
    const blocks: Array<[string, readonly ExceptionDef[]]> = [[`customer "${customer.id}"`, customer.exceptions]];
    for (const entity of customer.entities.values()) blocks.push([`entity "${customer.id}/${entity.id}"`, entity.exceptions]);
    for (const [owner, exceptions] of blocks) {
      for (const e of exceptions) {
        out.push(...instantProblems(e, owner));
        const first = seen.get(e.id);
        if (first) {
          const firstAt = at(first.origin, '/id');
          out.push(diagnostic('duplicate-id', `Exception "${e.id}" is defined twice for customer "${customer.id}": here and at ${firstAt.file}:${firstAt.line}:${firstAt.column}. Exception ids are unique within their customer; rename one.`, at(e.origin, '/id'), [{ ...firstAt, message: `first exception "${e.id}"` }]));
        } else seen.set(e.id, e);
      }
    }
  }
  for (const w of set.waivers.values()) {
    if (w.expires === undefined) out.push(notAnInstant(at(w.origin, '/expires'), `"expires" of waiver "${w.id}"`));
  }
  const asOf = describeInstant(set.asOf);
  for (const l of findLapsing(set, windowDays)) {
    const where = at(l.origin, l.pointer);
    const when = describeInstant(l.endsAt);
    if (l.kind === 'exception') {
      out.push(
        l.lapsed
          ? diagnostic('exception-lapsed', `Exception "${l.id}" of ${l.subject} ended on ${when} (policies resolved at ${asOf}); it no longer applies. Remove it.`, where)
          : diagnostic('exception-expiring', `Exception "${l.id}" of ${l.subject} ends on ${when}, ${inDays(l.endsAt - set.asOf)}: then the values below it apply again. Extend "until" if it must last, or let it lapse.`, where),
      );
    } else {
      out.push(
        l.lapsed
          ? diagnostic('waiver-lapsed', `Waiver "${l.id}" of ${l.subject} expired on ${when} (policies resolved at ${asOf}) and covers nothing now. Remove it, or renew it with a new review.`, where)
          : diagnostic('waiver-expiring', `Waiver "${l.id}" of ${l.subject} expires on ${when}, ${inDays(l.endsAt - set.asOf)}: then what it covers fails again. Renew it, or fix what it covers.`, where),
      );
    }
  }
  return out;
}

function instantProblems(e: ExceptionDef, owner: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (e.hasFrom && e.from === undefined) out.push(notAnInstant(at(e.origin, '/from'), `"from" of exception "${e.id}" of ${owner}`));
  if (e.until === undefined) out.push(notAnInstant(at(e.origin, '/until'), `"until" of exception "${e.id}" of ${owner}`));
  if (e.from !== undefined && e.until !== undefined && e.from >= e.until) {
    out.push(diagnostic('exception-window', `Exception "${e.id}" of ${owner} starts on ${describeInstant(e.from)}, not before it ends on ${describeInstant(e.until)}, so it never applies. "from" must be before "until" (which is exclusive).`, at(e.origin, '/from')));
  }
  return out;
}

function notAnInstant(where: ReturnType<typeof at>, what: string): Diagnostic {
  return diagnostic('invalid-value', `${what} is not a real date or time; write a date (2026-12-01, meaning 00:00 UTC) or an RFC 3339 time (2026-12-01T09:00:00Z).`, where);
}

/** "in 3 days", "in less than a day". */
function inDays(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  return days < 1 ? 'in less than a day' : `in ${days} day${days === 1 ? '' : 's'}`;
}
