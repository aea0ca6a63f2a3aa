import { writeFailureReason, writeFileAtomic, writeStreamAtomic } from '../util/atomic-write.js';
import { UserError } from './errors.js';

/** Writes an output file the user named (-o, --report); a failure is the user's to fix, not a bug. */
export async function writeOutputFile(file: string, content: string): Promise<void> {
  try {
    await writeFileAtomic(file, content);
  } catch (error) {
    throw new UserError(`Cannot write ${file}: ${writeFailureReason(file, error)}.`);
  }
}

/** Writes a large output file piece by piece, atomically; a failure is the user's to fix. */
export async function writeOutputStream<T>(file: string, produce: (write: (chunk: string) => Promise<void>) => Promise<T>): Promise<T> {
  try {
    return await writeStreamAtomic(file, produce);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw new UserError(`Cannot write ${file}: ${writeFailureReason(file, error)}.`);
  }
}
