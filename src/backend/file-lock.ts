import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeHolder, type LockHolder, type LockResult, type UnlockResult } from './backend.js';

// The file backend's apply lock: a file created exclusively, holding its holder. A lock left by a dead
// process on this host is taken over; one from another host cannot be checked from here, so only
// `tollgate unlock --force` clears it (a CI cache can bring such a file back).

/** Whether a process of this host is running (EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(lockPath: string): LockHolder | undefined | 'absent' {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.host === 'string' && typeof value.pid === 'number' && typeof value.actor === 'string') return value as LockHolder;
  } catch {
    // a holder killed while writing the file leaves it empty or torn
  }
  return undefined;
}

/** Whether this lock's holder is certainly gone: a process of this host that no longer runs. */
function holderGone(holder: LockHolder | undefined): boolean {
  return holder !== undefined && holder.host === os.hostname() && !processAlive(holder.pid);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Takes the lock file, or names the apply that holds it. */
export function takeFileLock(lockPath: string, holder: LockHolder): LockResult {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readHolder(lockPath);
      if (current === 'absent') continue;
      if (attempt === 0 && holderGone(current)) {
        removeQuietly(lockPath);
        continue;
      }
      const who = current ? `: ${describeHolder(current)}` : ` (its holder is unreadable: ${lockPath})`;
      return { ok: false, ...(current ? { holder: current } : {}), message: `Another apply holds the lock on this target${who}. Wait for it to finish; if it died, run tollgate unlock.` };
    }
    try {
      writeSync(fd, JSON.stringify(holder) + '\n');
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      ok: true,
      lock: {
        holder,
        signal: new AbortController().signal,
        lost: () => undefined,
        release: async () => {
          if (released) return;
          released = true;
          removeQuietly(lockPath);
        },
      },
    };
  }
  return { ok: false, message: `Another apply took the lock on this target (${lockPath}) at the same moment; try again.` };
}

/** Clears a lock whose holder is gone; `force` also clears one held on another host (which cannot be checked). */
export function clearFileLock(lockPath: string, force = false): UnlockResult {
  const current = readHolder(lockPath);
  if (current === 'absent') return { status: 'free' };
  const sameHost = current?.host === os.hostname();
  if (current && sameHost && processAlive(current.pid)) {
    return { status: 'held', holder: current, message: `The lock is held by a running process: ${describeHolder(current)}. It is not stale; wait for that apply to finish.` };
  }
  if (current && !sameHost && !force) {
    return {
      status: 'held',
      holder: current,
      message: `The lock is held from another host: ${describeHolder(current)}. tollgate cannot check a process there; if you are sure that apply is gone, run tollgate unlock --force.`,
    };
  }
  removeQuietly(lockPath);
  return current ? { status: 'cleared', holder: current } : { status: 'cleared' };
}
