// The target's catalog against the policies, at plan time: warnings are told and the plan goes on; errors stop it.
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { DesiredObject } from '../plan/objects.js';
import type { Target } from '../targets/target.js';
import type { Analysis } from '../validate/index.js';

/** The policies name catalog objects the target lacks where controls must go: every difference, per place; nothing was planned. */
export class CatalogMismatchError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly targetName: string,
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    super(`The policies set controls on ${errors} plan${errors === 1 ? '' : 's'} target ${targetName} does not have; nothing was planned.`);
    this.name = 'CatalogMismatchError';
  }
}

/** Compares the policies with the target's catalog, when it has one: warnings go to `onWarnings`, errors throw CatalogMismatchError. */
export async function checkCatalog(
  analysis: Analysis,
  target: Target,
  desired: ReadonlyMap<string, DesiredObject>,
  onWarnings: (diagnostics: Diagnostic[]) => void = () => undefined,
): Promise<void> {
  const found = sortDiagnostics((await target.checkCatalog?.(analysis.set, desired)) ?? []);
  if (found.some((d) => d.severity === 'error')) throw new CatalogMismatchError(found, target.name);
  if (found.length > 0) onWarnings(found);
}
