import type { ObjectControls } from '../plan/objects.js';

// The state backend of SPEC §9: what tollgate remembers between runs, per (target, endpoint) scope.
// Two implementations sit behind this one interface: files under .tollgate/ and PostgreSQL.

/** What one backend instance is about: one target at one endpoint. */
export interface Scope {
  target: string;
  /** Base URL or state file, as the target names it; never holds a secret. */
  endpoint: string;
}

/** Who holds, or asks for, the apply lock: shown when another apply is refused. */
export interface LockHolder {
  host: string;
  pid: number;
  /** GITHUB_ACTOR, else USER. */
  actor: string;
  /** GITHUB_SHA, else `git rev-parse HEAD`; absent outside a repository. */
  commit?: string;
  /** The command line, e.g. "tollgate apply --yes plan.json". */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** The apply lock, held until released (or, on PostgreSQL, until the holder's session dies). */
export interface Lock {
  readonly holder: LockHolder;
  /** Aborted when the lock is lost (its PostgreSQL session dropped): stop starting writes, another apply may hold it now. */
  readonly signal: AbortSignal;
  /** Why the lock can no longer be trusted (its PostgreSQL session dropped); undefined while it holds. */
  lost(): string | undefined;
  /** Gives the lock up; safe to call twice. */
  release(): Promise<void>;
}

/** The lock, or the apply that holds it. */
export type LockResult = { ok: true; lock: Lock } | { ok: false; holder?: LockHolder; message: string };

/** What `tollgate unlock` found and did. */
export type UnlockResult =
  | { status: 'free' }
  | { status: 'cleared'; holder?: LockHolder }
  | { status: 'held'; holder?: LockHolder; message: string };

/** What tollgate last wrote to one object (kubectl's last-applied-configuration). */
export interface AppliedRecord {
  controls: ObjectControls;
  /** Fingerprint of `controls` as the plan computes it. */
  fingerprint: string;
  planDigest?: string;
  policyDigest: string;
  /** ISO time the write was confirmed. */
  at: string;
  /** The apply that wrote it. */
  applyId?: string;
  /** For customers and entities: the plan the policies put them on when written (Owostack cannot say which plan a customer is on). */
  plan?: string;
}

/** Written when an apply starts. */
export interface ApplyMeta {
  actor: string;
  commit?: string;
  host: string;
  policyDigest: string;
  planDigest?: string;
  /** ISO time; now when absent. */
  startedAt?: string;
}

export interface ApplyCounts {
  applied: number;
  failed: number;
  notAttempted: number;
}

/** How an apply ended; `unfinished` is an apply whose process died before finishApply. */
export type ApplyResult = 'succeeded' | 'failed' | 'interrupted' | 'unfinished';

/** What happened to one object in one apply. */
export interface ObjectOutcome {
  key: string;
  outcome: 'applied' | 'failed' | 'not-attempted';
  message?: string;
}

/** One apply as the history shows it. */
export interface HistoryEntry extends ApplyMeta {
  id: string;
  target: string;
  endpoint: string;
  startedAt: string;
  finishedAt?: string;
  counts?: ApplyCounts;
  result: ApplyResult;
  /** Only when one apply is asked for by id. For an unfinished apply: the objects its records show it wrote. */
  outcomes?: ObjectOutcome[];
}

export interface HistoryQuery {
  /** Most entries, newest first; 20 when absent. */
  limit?: number;
  /** One apply, with its per-object outcomes. */
  id?: string;
}

/**
 * The state backend for one scope. Every write is durable when its promise resolves, so an apply killed
 * halfway leaves records true for what it wrote; failures a user can cause are thrown as BackendError.
 */
export interface StateBackend {
  readonly kind: 'file' | 'postgres';
  /** Where the state lives, for messages: ".tollgate/autumn/…" or "postgres://user@host:5432/db" (no password). */
  readonly location: string;
  readonly scope: Scope;
  /** Takes the apply lock, or says who holds it. */
  acquireLock(holder: LockHolder): Promise<LockResult>;
  /** Clears a lock whose holder is gone; refuses while the holder may still be running. */
  unlock(): Promise<UnlockResult>;
  /** Keys of the objects tollgate wrote and that still hold its controls, sorted. */
  managedKeys(): Promise<string[]>;
  /** Records one object as written with these controls (adds it to the managed set). */
  recordApplied(key: string, record: AppliedRecord): Promise<void>;
  /** Records one object as cleared by tollgate (drops it from the managed set and its record). */
  recordRemoved(key: string): Promise<void>;
  /** The last-applied record of each of these keys that has one. */
  lastApplied(keys: readonly string[]): Promise<Map<string, AppliedRecord>>;
  /** Opens a history entry; returns its id. */
  startApply(meta: ApplyMeta): Promise<string>;
  /** Closes a history entry with its counts, result and per-object outcomes. */
  finishApply(id: string, counts: ApplyCounts, result: Exclude<ApplyResult, 'unfinished'>, outcomes: readonly ObjectOutcome[]): Promise<void>;
  /** Applies of this scope, newest first; with `id`, that one apply (an empty list when unknown). */
  history(query?: HistoryQuery): Promise<HistoryEntry[]>;
  /** Releases connections and files; the lock, if still held, is released too. */
  close(): Promise<void>;
}

/** A backend failure the user can fix (unreachable server, wrong password, newer schema): shown as a message. */
export class BackendError extends Error {
  override name = 'BackendError';
  constructor(
    message: string,
    /** A machine-readable reason, e.g. "connection-refused", "auth", "schema-newer", "connection-lost". */
    readonly code: string,
  ) {
    super(message);
  }
}

/** The sentence a refused apply shows: who holds the lock, from where, since when. */
export function describeHolder(holder: LockHolder): string {
  const commit = holder.commit ? `, commit ${holder.commit.slice(0, 12)}` : '';
  return `${holder.actor} on ${holder.host} (pid ${holder.pid}${commit}), since ${holder.since}: "${holder.command}"`;
}

let lastIdMs = 0;

/** A new apply id, "20261126T153350123Z-1a2b3c": sortable by start time (to the millisecond, increasing within a process), unique across machines. */
export function newApplyId(now = new Date()): string {
  lastIdMs = Math.max(now.getTime(), lastIdMs + 1);
  const stamp = new Date(lastIdMs).toISOString().replace(/[-:.]/g, '');
  const random = Math.floor(Math.random() * 0x1000000).toString(16).padStart(6, '0');
  return `${stamp}-${random}`;
}
