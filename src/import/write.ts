import { link, mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../util/errors.js';

/**
 * Writes a file that must not exist yet: filled and synced under a temporary name, then linked into place,
 * which fails if the name was taken meanwhile. Never half-written, never overwriting.
 */
export async function writeNewFile(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'w', 0o644);
  try {
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${file} appeared while tollgate import wrote the policies; it was left as it is. Run import again to write the rest.`);
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
