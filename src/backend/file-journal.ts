import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { BackendError, type AppliedRecord } from './backend.js';

// Last-applied records of one scope: a snapshot (records.json, replaced atomically) plus an append-only
// journal (records.journal, one JSON line per recorded object). A record is one write(2) of one line, so a
// process killed with SIGKILL leaves every record it confirmed; a line torn by the kill was never
// confirmed and is skipped. The journal is folded into the snapshot by whoever holds the apply lock.

const SNAPSHOT_VERSION = 1;

type JournalLine = { set: string; record: AppliedRecord } | { del: string };

interface Snapshot {
  formatVersion: typeof SNAPSHOT_VERSION;
  records: Record<string, AppliedRecord>;
}

export class RecordJournal {
  private readonly snapshotFile: string;
  private readonly journalFile: string;
  private fd: number | undefined;

  constructor(dir: string) {
    this.snapshotFile = path.join(dir, 'records.json');
    this.journalFile = path.join(dir, 'records.journal');
  }

  /** Every record: the snapshot with the journal replayed over it. */
  load(): Map<string, AppliedRecord> {
    const records = new Map(Object.entries(this.readSnapshot().records));
    let text: string;
    try {
      text = readFileSync(this.journalFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return records;
      throw error;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let entry: JournalLine;
      try {
        entry = JSON.parse(line) as JournalLine;
      } catch {
        continue; // torn by a kill mid-write: that record was never confirmed
      }
      if ('set' in entry) records.set(entry.set, entry.record);
      else records.delete(entry.del);
    }
    return records;
  }

  /** Folds the journal into a new snapshot; only the lock holder may call it (a writer appends meanwhile otherwise). */
  async compact(): Promise<void> {
    this.closeJournal();
    const records = this.load();
    const sorted: Record<string, AppliedRecord> = {};
    for (const key of [...records.keys()].sort()) sorted[key] = records.get(key)!;
    const snapshot: Snapshot = { formatVersion: SNAPSHOT_VERSION, records: sorted };
    await writeFileAtomic(this.snapshotFile, JSON.stringify(snapshot) + '\n');
    // killed between the two steps: the journal is replayed over a snapshot that already holds it (same result)
    try {
      unlinkSync(this.journalFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Appends one record; durable against a process kill when it returns. */
  append(line: JournalLine): void {
    const fd = this.openJournal();
    writeSync(fd, JSON.stringify(line) + '\n');
  }

  /** Flushes the journal to disk (against a power loss, not only a kill) and closes it. */
  closeJournal(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private openJournal(): number {
    if (this.fd !== undefined) return this.fd;
    const fd = openSync(this.journalFile, 'a+', 0o600);
    // a line torn by an earlier kill must not swallow the first line written now
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(fd, '\n');
    }
    this.fd = fd;
    return fd;
  }

  private readSnapshot(): Snapshot {
    let text: string;
    try {
      text = readFileSync(this.snapshotFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { formatVersion: SNAPSHOT_VERSION, records: {} };
      throw error;
    }
    let value: Partial<Snapshot> | null;
    try {
      value = JSON.parse(text) as Partial<Snapshot> | null;
    } catch {
      throw new BackendError(`${this.snapshotFile} is not valid JSON; restore it, or delete it (tollgate then forgets what it applied there).`, 'state-corrupt');
    }
    if (value?.formatVersion !== SNAPSHOT_VERSION || typeof value.records !== 'object' || value.records === null) {
      const version = typeof value?.formatVersion === 'number' && value.formatVersion > SNAPSHOT_VERSION;
      throw new BackendError(
        version
          ? `${this.snapshotFile} was written by a newer tollgate (formatVersion ${value!.formatVersion}; this one knows ${SNAPSHOT_VERSION}). Upgrade tollgate.`
          : `${this.snapshotFile} is not a tollgate records file of formatVersion ${SNAPSHOT_VERSION}.`,
        version ? 'schema-newer' : 'state-corrupt',
      );
    }
    return value as Snapshot;
  }
}
