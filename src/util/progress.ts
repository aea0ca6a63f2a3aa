/**
 * How far one long engine step has got: `done` of `total` things counted in `unit` (total absent while
 * it is not known yet, e.g. while a billing system is being listed).
 */
export interface Progress {
  /** What is being done, in words: "checking policies", "reading the billing system". */
  phase: string;
  done: number;
  total?: number;
  /** What is counted: "files", "customers", "objects". */
  unit: string;
}

/** Called by the engine as a step advances; the CLI decides whether and how to show it (the engine never prints). */
export type OnProgress = (progress: Progress) => void;
