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

/** When a process started (Linux: clock ticks since boot, from /proc), to tell a reused pid from the holder. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its closing one
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** What the lock file holds: the holder, and when its process started where that can be known. */
type StoredHolder = LockHolder & { processStart?: string };

function readHolder(lockPath: string): StoredHolder | undefined | 'absent' {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.host === 'string' && typeof value.pid === 'number' && typeof value.actor === 'string') return value as StoredHolder;
  } catch {
    // a holder killed while writing the file leaves it empty or torn
  }
  return undefined;
}

/** Whether this lock's holder is certainly gone: a process of this host that no longer runs (or whose pid now names another process). */
function holderGone(holder: StoredHolder | undefined): boolean {
  if (holder === undefined || holder.host !== os.hostname()) return false;
  if (!processAlive(holder.pid)) return true;
  const started = processStart(holder.pid);
  return holder.processStart !== undefined && started !== undefined && started !== holder.processStart;
}

/** The holder as a refusal shows it (without the process start). */
function shown(holder: StoredHolder): LockHolder {
  const { processStart: _, ...rest } = holder;
  return rest;
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
      return { ok: false, ...(current ? { holder: shown(current) } : {}), message: `Another apply holds the lock on this target${who}. Wait for it to finish; if it died, run tollgate unlock.` };
    }
    try {
      const started = processStart(holder.pid);
      writeSync(fd, JSON.stringify(started === undefined ? holder : { ...holder, processStart: started }) + '\n');
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
  const holder = current ? shown(current) : undefined;
  const sameHost = current?.host === os.hostname();
  if (holder && sameHost && !holderGone(current)) {
    return { status: 'held', holder, message: `The lock is held by a running process: ${describeHolder(holder)}. It is not stale; wait for that apply to finish.` };
  }
  if (holder && !sameHost && !force) {
    return {
      status: 'held',
      holder,
      message: `The lock is held from another host: ${describeHolder(holder)}. tollgate cannot check a process there; if you are sure that apply is gone, run tollgate unlock --force.`,
    };
  }
  removeQuietly(lockPath);
  return holder ? { status: 'cleared', holder } : { status: 'cleared' };
}
