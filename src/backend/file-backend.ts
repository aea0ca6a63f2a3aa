import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFailureReason, writeFileAtomic } from '../util/atomic-write.js';
import {
  BackendError,
  newApplyId,
  type AppliedRecord,
  type ApplyCounts,
  type ApplyMeta,
  type ApplyResult,
  type HistoryEntry,
  type HistoryQuery,
  type Lock,
  type LockHolder,
  type LockResult,
  type ObjectOutcome,
  type Scope,
  type StateBackend,
  type UnlockResult,
} from './backend.js';
import { RecordJournal } from './file-journal.js';
import { clearFileLock, takeFileLock } from './file-lock.js';

// The embedded backend: one folder per scope under .tollgate/state/, holding
//   scope.json        the target and endpoint the folder is for (its name is a slug and a hash)
//   lock.json         the apply lock and its holder
//   records.json      last-applied records (the managed set is their keys), plus records.journal
//   history/<id>.json one apply; history/<id>.outcomes.json its per-object outcomes

/** The default root of the file backend, relative to the repository root. */
export const DEFAULT_STATE_DIR = '.tollgate';

/** The folder of one scope: readable, and unique per endpoint. */
export function scopeFolder(root: string, scope: Scope): string {
  const hash = createHash('sha256').update(`${scope.target}\n${scope.endpoint}`).digest('hex').slice(0, 10);
  const slug = scope.endpoint.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60);
  const name = (slug === '' ? '' : `${slug}-`) + hash;
  return path.join(root, 'state', scope.target.replace(/[^A-Za-z0-9._-]+/g, '_'), name);
}

interface StoredEntry extends Omit<HistoryEntry, 'outcomes'> {}

export class FileBackend implements StateBackend {
  readonly kind = 'file' as const;
  readonly location: string;
  private readonly dir: string;
  private readonly journal: RecordJournal;
  private lock: Lock | undefined;

  constructor(
    root: string,
    readonly scope: Scope,
    /** With `force`, unlock also clears a lock held from another host. */
    private readonly options: { forceUnlock?: boolean } = {},
  ) {
    this.dir = scopeFolder(root, scope);
    this.location = this.dir;
    this.journal = new RecordJournal(this.dir);
  }

  private get lockPath(): string {
    return path.join(this.dir, 'lock.json');
  }

  private historyFile(id: string, outcomes = false): string {
    if (!/^[0-9A-Za-z.-]+$/.test(id)) throw new Error(`not an apply id: ${id}`);
    return path.join(this.dir, 'history', `${id}${outcomes ? '.outcomes' : ''}.json`);
  }

  private async ensureFolder(): Promise<void> {
    mkdirSync(path.join(this.dir, 'history'), { recursive: true });
    const file = path.join(this.dir, 'scope.json');
    try {
      readFileSync(file);
    } catch {
      await writeFileAtomic(file, JSON.stringify(this.scope, null, 2) + '\n');
    }
  }

  async acquireLock(holder: LockHolder): Promise<LockResult> {
    const result = await this.writing('taking the apply lock', async () => {
      await this.ensureFolder();
      return takeFileLock(this.lockPath, holder);
    });
    if (!result.ok) return result;
    const release = result.lock.release;
    const lock: Lock = {
      holder,
      signal: result.lock.signal,
      lost: () => undefined,
      release: async () => {
        if (this.lock !== lock) return;
        this.lock = undefined;
        try {
          this.journal.closeJournal();
        } finally {
          await release();
        }
      },
    };
    this.lock = lock;
    try {
      // only the lock holder may fold the journal: nobody appends meanwhile
      await this.writing('folding the records journal', () => this.journal.compact());
    } catch (error) {
      await lock.release();
      throw error;
    }
    return { ok: true, lock };
  }

  async unlock(): Promise<UnlockResult> {
    return clearFileLock(this.lockPath, this.options.forceUnlock);
  }

  async managedKeys(): Promise<string[]> {
    return [...this.journal.load().keys()].sort();
  }

  async recordApplied(key: string, record: AppliedRecord): Promise<void> {
    await this.writing(`recording ${key}`, async () => {
      mkdirSync(this.dir, { recursive: true });
      this.journal.append({ set: key, record });
    });
  }

  async recordRemoved(key: string): Promise<void> {
    await this.writing(`recording ${key} as removed`, async () => {
      mkdirSync(this.dir, { recursive: true });
      this.journal.append({ del: key });
    });
  }

  /** Runs a write, turning a file-system failure (disk full, read-only, a file in the way) into a BackendError. */
  private async writing<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') throw error;
      const file = (error as NodeJS.ErrnoException).path ?? this.dir;
      const reason = code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way of a folder' : writeFailureReason(file, error);
      throw new BackendError(`Cannot write the state under ${this.dir} while ${doing}: ${reason} (${file}).`, 'state-write');
    }
  }

  async lastApplied(keys: readonly string[]): Promise<Map<string, AppliedRecord>> {
    const all = this.journal.load();
    const found = new Map<string, AppliedRecord>();
    for (const key of keys) {
      const record = all.get(key);
      if (record) found.set(key, record);
    }
    return found;
  }

  async startApply(meta: ApplyMeta): Promise<string> {
    await this.writing('starting the apply history entry', () => this.ensureFolder());
    const startedAt = meta.startedAt ?? new Date().toISOString();
    const id = newApplyId(new Date(startedAt));
    const entry: StoredEntry = { id, ...this.scope, ...meta, startedAt, result: 'unfinished' };
    await writeFileAtomic(this.historyFile(id), JSON.stringify(entry, null, 2) + '\n');
    return id;
  }

  async finishApply(id: string, counts: ApplyCounts, result: Exclude<ApplyResult, 'unfinished'>, outcomes: readonly ObjectOutcome[]): Promise<void> {
    const entry = this.readEntry(id);
    if (!entry) throw new Error(`no apply ${id} was started in ${this.dir}`);
    await this.writing('finishing the apply history entry', async () => {
      // outcomes first: an entry marked finished always has them
      await writeFileAtomic(this.historyFile(id, true), JSON.stringify(outcomes) + '\n');
      const finished: StoredEntry = { ...entry, finishedAt: new Date().toISOString(), counts, result };
      await writeFileAtomic(this.historyFile(id), JSON.stringify(finished, null, 2) + '\n');
    });
  }

  async history(query: HistoryQuery = {}): Promise<HistoryEntry[]> {
    if (query.id !== undefined) {
      if (!/^[0-9A-Za-z.-]+$/.test(query.id)) return [];
      const entry = this.readEntry(query.id);
      if (!entry) return [];
      return [{ ...entry, outcomes: this.outcomesOf(entry) }];
    }
    let names: string[];
    try {
      names = readdirSync(path.join(this.dir, 'history'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const ids = names
      .filter((n) => n.endsWith('.json') && !n.endsWith('.outcomes.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .sort()
      .reverse();
    const entries: HistoryEntry[] = [];
    for (const id of ids.slice(0, query.limit ?? 20)) {
      const entry = this.readEntry(id);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async close(): Promise<void> {
    await this.lock?.release();
    this.journal.closeJournal();
  }

  private readEntry(id: string): StoredEntry | undefined {
    try {
      return JSON.parse(readFileSync(this.historyFile(id), 'utf8')) as StoredEntry;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (error instanceof SyntaxError) throw new BackendError(`${this.historyFile(id)} is not valid JSON; restore or delete it.`, 'state-corrupt');
      throw error;
    }
  }

  /** A finished apply's outcomes; for an unfinished one, the objects whose records it wrote. */
  private outcomesOf(entry: StoredEntry): ObjectOutcome[] {
    if (entry.result !== 'unfinished') {
      try {
        return JSON.parse(readFileSync(this.historyFile(entry.id, true), 'utf8')) as ObjectOutcome[];
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    }
    const outcomes: ObjectOutcome[] = [];
    for (const [key, record] of this.journal.load()) if (record.applyId === entry.id) outcomes.push({ key, outcome: 'applied' });
    return outcomes.sort((a, b) => (a.key < b.key ? -1 : 1));
  }
}
