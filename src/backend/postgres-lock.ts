import { createHash } from 'node:crypto';
import type pg from 'pg';
import { describeHolder, type Lock, type LockHolder, type LockResult, type Scope, type UnlockResult } from './backend.js';
import { attempt, connectClient } from './postgres-client.js';
import { LOCK_NAMESPACE } from './postgres-schema.js';
import type { PostgresSettings } from './postgres-url.js';

// The apply lock on PostgreSQL: a session advisory lock on a hash of the scope, held by a connection of its
// own for as long as the apply runs. The server releases it when that session ends for any reason (a
// holder killed with SIGKILL included), so a dead apply never blocks the next. A row in
// tollgate_lock_holders names the holder for the refusal message; a row whose session is gone is stale.

/** The two int4 keys of a scope's advisory lock: tollgate's namespace and a hash of (target, endpoint). */
export function scopeLockKeys(scope: Scope): [number, number] {
  const hash = createHash('sha256').update(`${scope.target}\n${scope.endpoint}`).digest();
  const key = hash.readInt32BE(0);
  // 0 is the migration lock
  return [LOCK_NAMESPACE, key === 0 ? 1 : key];
}

interface HolderRow {
  host: string;
  pid: number;
  actor: string;
  commit: string | null;
  command: string;
  since: Date;
  session_pid: number;
}

function holderOf(row: HolderRow): LockHolder {
  const holder: LockHolder = { host: row.host, pid: row.pid, actor: row.actor, command: row.command, since: row.since.toISOString() };
  if (row.commit !== null) holder.commit = row.commit;
  return holder;
}

/** The holder row, when the session that wrote it still holds the lock. */
async function liveHolder(client: pg.ClientBase, scope: Scope): Promise<LockHolder | undefined> {
  const [namespace, key] = scopeLockKeys(scope);
  const rows = await client.query<HolderRow>(
    `select h.* from tollgate_lock_holders h
      where h.target = $1 and h.endpoint = $2
        and exists (select 1 from pg_locks l
                     where l.locktype = 'advisory' and l.granted and l.pid = h.session_pid
                       and l.database = (select oid from pg_database where datname = current_database())
                       and l.classid = $3::int::oid and l.objid = $4::int::oid and l.objsubid = 2)`,
    [scope.target, scope.endpoint, namespace, key],
  );
  return rows.rows[0] ? holderOf(rows.rows[0]) : undefined;
}

/** Takes the scope's advisory lock on a session of its own, or names the apply that holds it. */
export async function takeAdvisoryLock(settings: PostgresSettings, scope: Scope, holder: LockHolder): Promise<LockResult> {
  const controller = new AbortController();
  let released = false;
  const client = await connectClient(settings, (error) => {
    if (!released) controller.abort(error);
  });
  const [namespace, key] = scopeLockKeys(scope);
  try {
    const taken = await attempt(settings, 'taking the apply lock', () =>
      client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [namespace, key]),
    );
    if (!taken.rows[0]?.ok) {
      const current = await attempt(settings, 'reading the lock holder', () => liveHolder(client, scope));
      released = true;
      await client.end().catch(() => undefined);
      const who = current ? `: ${describeHolder(current)}` : ' (it has not named itself yet)';
      return { ok: false, ...(current ? { holder: current } : {}), message: `Another apply holds the lock on ${scope.target} at ${scope.endpoint}${who}. Wait for it to finish.` };
    }
    await attempt(settings, 'naming the lock holder', () =>
      client.query(
        `insert into tollgate_lock_holders (target, endpoint, host, pid, actor, commit, command, since, session_pid)
         values ($1, $2, $3, $4, $5, $6, $7, $8, pg_backend_pid())
         on conflict (target, endpoint) do update set host = excluded.host, pid = excluded.pid, actor = excluded.actor,
           commit = excluded.commit, command = excluded.command, since = excluded.since, session_pid = excluded.session_pid`,
        [scope.target, scope.endpoint, holder.host, holder.pid, holder.actor, holder.commit ?? null, holder.command, holder.since],
      ),
    );
  } catch (error) {
    released = true;
    await client.end().catch(() => undefined);
    throw error;
  }
  const lock: Lock = {
    holder,
    signal: controller.signal,
    lost: () => (controller.signal.aborted ? (controller.signal.reason as Error).message : undefined),
    release: async () => {
      if (released) return;
      released = true;
      if (!controller.signal.aborted) {
        // ending the session releases the advisory lock even if these fail
        await client.query('delete from tollgate_lock_holders where target = $1 and endpoint = $2 and session_pid = pg_backend_pid()', [scope.target, scope.endpoint]).catch(() => undefined);
        await client.query('select pg_advisory_unlock($1, $2)', [namespace, key]).catch(() => undefined);
      }
      await client.end().catch(() => undefined);
    },
  };
  return { ok: true, lock };
}

/** Clears a holder row whose session is gone; refuses while the lock is held (the server frees it when its holder dies). */
export async function clearAdvisoryLock(settings: PostgresSettings, scope: Scope): Promise<UnlockResult> {
  const client = await connectClient(settings);
  const [namespace, key] = scopeLockKeys(scope);
  try {
    const taken = await attempt(settings, 'taking the apply lock', () => client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [namespace, key]));
    if (!taken.rows[0]?.ok) {
      const current = await attempt(settings, 'reading the lock holder', () => liveHolder(client, scope));
      const who = current ? `: ${describeHolder(current)}` : '';
      return {
        status: 'held',
        ...(current ? { holder: current } : {}),
        message: `An apply holds the lock on ${scope.target} at ${scope.endpoint}${who}. PostgreSQL frees it when that apply's session ends, so it is not stale; wait for it to finish.`,
      };
    }
    const stale = await attempt(settings, 'clearing the lock holder', () =>
      client.query<HolderRow>('delete from tollgate_lock_holders where target = $1 and endpoint = $2 returning *', [scope.target, scope.endpoint]),
    );
    await attempt(settings, 'releasing the apply lock', () => client.query('select pg_advisory_unlock($1, $2)', [namespace, key]));
    return stale.rows[0] ? { status: 'cleared', holder: holderOf(stale.rows[0]) } : { status: 'free' };
  } finally {
    await client.end().catch(() => undefined);
  }
}
