import { writeFailureReason, writeFileAtomic } from '../util/atomic-write.js';
import { UserError } from './errors.js';

/** Writes an output file the user named (-o, --report); a failure is the user's to fix, not a bug. */
export async function writeOutputFile(file: string, content: string): Promise<void> {
  try {
    await writeFileAtomic(file, content);
  } catch (error) {
    throw new UserError(`Cannot write ${file}: ${writeFailureReason(file, error)}.`);
  }
}
