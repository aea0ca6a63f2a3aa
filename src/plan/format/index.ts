import type { Plan } from '../plan.js';
import { formatPlanJson } from './json.js';
import { formatPlanMarkdown } from './markdown.js';
import { formatPlanText } from './text.js';
import type { PlanFormatContext } from './context.js';

export type { PlanFormatContext } from './context.js';

export type PlanFormat = 'text' | 'json' | 'markdown';

/** Plan formatters keyed by --format; each returns the whole output. */
export const planFormatters: Record<PlanFormat, (plan: Plan, ctx: PlanFormatContext) => string> = {
  text: formatPlanText,
  json: formatPlanJson,
  markdown: (plan, ctx) => formatPlanMarkdown(plan, ctx),
};
