import type { Plan } from '../plan.js';
import { formatPlanJson } from './json.js';
import { formatPlanMarkdown } from './markdown.js';
import { formatPlanText } from './text.js';

export type PlanFormat = 'text' | 'json' | 'markdown';

export interface PlanFormatContext {
  color: boolean;
  /** Warnings and guard messages shown above the changes. */
  notes: string[];
  /** The commit the policies were planned at, when known (markdown names it). */
  commit?: string;
  /** Where the plan was saved (-o), for the command that applies exactly it. */
  savedAs?: string;
}

/** Plan formatters keyed by --format; each returns the whole output. */
export const planFormatters: Record<PlanFormat, (plan: Plan, ctx: PlanFormatContext) => string> = {
  text: formatPlanText,
  json: formatPlanJson,
  markdown: (plan, ctx) => formatPlanMarkdown(plan, ctx),
};
