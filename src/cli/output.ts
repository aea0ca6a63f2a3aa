import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { writeFailureReason, writeFileAtomic, writeStreamAtomic } from '../util/atomic-write.js';
import { UserError } from './errors.js';

/**
 * Why an output file the user named could not be written, checked before any work so that a bad path fails
 * first, not after the work is done; undefined when its folder exists and takes new files. Nothing is created.
 */
export function unwritableReason(file: string): string | undefined {
  try {
    // the file is written as a temp file in its folder, then renamed over the name
    accessSync(path.dirname(path.resolve(file)), constants.W_OK | constants.X_OK);
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return 'it is a folder';
    return undefined;
  } catch (error) {
    return writeFailureReason(file, error);
  }
}

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
