/** What a plan formatter may know besides the plan; kept apart from the registry so formatters do not import it. */
export interface PlanFormatContext {
  color: boolean;
  /** Warnings and guard messages shown above the changes. */
  notes: string[];
  /** The commit the policies were planned at, when known (markdown names it). */
  commit?: string;
  /** Where the plan was saved (-o), for the command that applies exactly it. */
  savedAs?: string;
}
