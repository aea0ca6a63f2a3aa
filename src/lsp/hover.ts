import type { Analysis } from '../validate/index.js';
import type { EffectiveCustomer, EffectiveFeature, FeatureField, Source } from '../resolve/effective.js';
import { formatValue } from '../plan/format/values.js';
import { formatCount, formatMoney } from '../util/money.js';
import { kindOf, type CursorTarget } from './cursor.js';

/** What a hover shows effective values for: a customer or one of its entities, all features or one. */
interface Subject {
  customer: string;
  entity?: string;
  feature?: string;
}

/**
 * The subject under the cursor: anywhere in a customer document is that customer, under `entities.<id>` that
 * entity, under `controls.<feature>` that feature; an Entity document is its entity.
 */
function subjectAt(target: CursorTarget): Subject | undefined {
  const value = target.doc.value as { id?: unknown; customer?: unknown } | null;
  const kind = kindOf(target.doc);
  const path = target.path;
  const featureAfter = (i: number) => (path[i] === 'controls' && path[i + 1] !== undefined ? path[i + 1] : undefined);
  if (kind === 'Customer' && typeof value?.id === 'string') {
    if (path[0] === 'entities' && path[1] !== undefined) return { customer: value.id, entity: path[1], feature: featureAfter(2) };
    return { customer: value.id, feature: featureAfter(0) };
  }
  if (kind === 'Entity' && typeof value?.id === 'string' && typeof value.customer === 'string') {
    return { customer: value.customer, entity: value.id, feature: featureAfter(0) };
  }
  return undefined;
}

/** Markdown for a hover: the effective values of the customer, entity or control under the cursor, and where each was set. */
export function hoverText(analysis: Analysis, target: CursorTarget): string | undefined {
  const subject = subjectAt(target);
  if (!subject) return undefined;
  const customer = analysis.customers.get(subject.customer);
  if (!customer) return undefined;
  const features = subject.entity === undefined ? customer.features : customer.entities[subject.entity]?.features;
  if (!features) return undefined;
  const title = subject.entity === undefined ? `customer \`${subject.customer}\`` : `entity \`${subject.customer}/${subject.entity}\``;
  const lines = [`**${title}** — plan \`${customer.plan}\`, ${customer.currency}`, ''];
  if (subject.feature === undefined && subject.entity === undefined) lines.push(...customerLines(customer), '');
  const ids = subject.feature === undefined ? Object.keys(features).sort() : features[subject.feature] ? [subject.feature] : [];
  if (ids.length === 0) return lines.concat(`No controllable feature \`${subject.feature}\` on plan \`${customer.plan}\`.`).join('\n');
  for (const id of ids) lines.push(...featureLines(id, features[id]!, customer.currency), '');
  return lines.join('\n').trimEnd();
}

function customerLines(c: EffectiveCustomer): string[] {
  return [
    `- overage limit: ${formatValue('overageLimit', c.overageLimit, c.currency)} — ${where(c.sources.overageLimit, (v) => formatValue('overageLimit', v, c.currency))}`,
    `- max exposure: ${formatMoney(c.maxOverageExposure, c.currency)} per period (customer and entities)`,
  ];
}

const FIELDS: FeatureField[] = ['overage', 'maxOverageUnits', 'usageAlerts', 'usageLimits', 'autoTopup'];

function featureLines(id: string, f: EffectiveFeature, currency: string): string[] {
  const period = f.reset === null ? '' : f.reset === 'never' ? ', never reset' : ` per ${f.reset}`;
  const hard = f.hardLimit === null ? 'none' : `${formatCount(f.hardLimit)} units`;
  const charge = !f.charged ? 'not charged' : f.maxOverageCharge === null ? 'charged, no cap on the amount' : `charged, at most ${formatMoney(f.maxOverageCharge, currency)}`;
  const out = [`**${id}** (${f.type}, ${formatCount(f.included)} included${period}, pricing ${f.pricing}; hard limit ${hard}; overage ${charge})`, ''];
  for (const field of FIELDS) {
    const show = (v: unknown) => formatValue(field, v, currency);
    out.push(`- ${field}: ${show(f[field])} — ${where(f.sources[field], show)}`);
  }
  return out;
}

/** "set by customer at file:line; overrides plan: block (file:line)". */
function where(s: Source, show: (value: unknown) => string): string {
  // overridden values are as written (defaults not filled in): lists and objects are shown as written too
  const written = (v: unknown) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : show(v));
  const layer = (l: { layer: string; profile?: string }) => (l.layer === 'profile' ? `profile \`${l.profile}\`` : l.layer === 'default' ? 'plan item default' : l.layer);
  const place = (file?: string, line?: number) => (file ? ` at ${file}:${line}` : '');
  const overridden = s.overridden.map((o) => `overrides ${layer(o)}: ${written(o.value)}${o.file ? ` (${o.file}:${o.line})` : ''}`);
  return [`set by ${layer(s)}${place(s.file, s.line)}`, ...overridden].join('; ');
}
