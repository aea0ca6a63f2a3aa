import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Fills a temp file beside `file`, fsyncs it and renames it over `file`, so readers see the old or the new
 * content, never a part; a failure at any step removes the temp file.
 */
async function replaceAtomically<T>(file: string, fill: (handle: FileHandle) => Promise<T>): Promise<T> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  try {
    let result: T;
    try {
      result = await fill(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    return result;
  } catch (error) {
    // a failed write (disk full, EIO) must not leave a half-written temp file beside the real one
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Writes a file so that readers see the old or the new content, never a part: temp file, fsync, rename. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await replaceAtomically(file, (handle) => handle.writeFile(content));
}

/** Like writeFileAtomic, for output produced piece by piece (a fleet's artifact is too large for one string). */
export async function writeStreamAtomic<T>(file: string, produce: (write: (chunk: string) => Promise<void>) => Promise<T>): Promise<T> {
  return replaceAtomically(file, async (handle) => {
    let buffer = '';
    const write = async (chunk: string): Promise<void> => {
      buffer += chunk;
      if (buffer.length >= 1 << 20) {
        await handle.write(buffer);
        buffer = '';
      }
    };
    const result = await produce(write);
    if (buffer.length > 0) await handle.write(buffer);
    return result;
  });
}

/** A person-readable reason for a failed file write: "folder out does not exist", "permission denied". */
export function writeFailureReason(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `the folder ${path.dirname(file)} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return `${path.dirname(file)} is not a folder`;
    default:
      return (error as Error).message;
  }
}
