import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  host: string;
  user: string;
  startedAt: string;
  command: string;
}

/** Another apply holds the target. */
export class LockHeldError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `Another apply is running against this target: pid ${holder.pid} on ${holder.host} (user ${holder.user}), started ${holder.startedAt}: "${holder.command}". Wait for it to finish; if it died, delete ${lockPath}.`
        : `Another apply is running against this target (lock ${lockPath}). Wait for it to finish; if it died, delete the lock file.`,
    );
    this.name = 'LockHeldError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `lockPath` (created exclusively); a lock left by a dead process on this host is taken over. */
export function acquireLock(lockPath: string, command: string): () => void {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), user: os.userInfo().username, startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, JSON.stringify(holder) + '\n');
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lockPath);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let current: LockHolder | undefined;
      try {
        current = JSON.parse(readFileSync(lockPath, 'utf8')) as LockHolder;
      } catch {
        current = undefined;
      }
      if (attempt === 0 && current && current.host === holder.host && !alive(current.pid)) {
        unlinkSync(lockPath);
        continue;
      }
      throw new LockHeldError(lockPath, current);
    }
  }
  throw new LockHeldError(lockPath, undefined);
}
