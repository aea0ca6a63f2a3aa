import type pg from 'pg';
import { BackendError } from './backend.js';

// tollgate's tables in the backend database, created on first use. tollgate_schema_version holds one row
// per migration applied; a database migrated by a newer tollgate is refused rather than misread.

/** The schema version this tollgate reads and writes. */
export const SCHEMA_VERSION = 1;

/** Advisory-lock namespace of tollgate (the bytes "toll"); the second key picks what is locked. */
export const LOCK_NAMESPACE = 0x746f6c6c;
/** The second key of the lock held while migrating (scopes hash to other values with near certainty). */
const MIGRATION_LOCK = 0;

/** Statements taking the schema from version i to i + 1, at index i. */
const MIGRATIONS: readonly string[][] = [
  [
    `create table tollgate_lock_holders (
       target text not null, endpoint text not null,
       host text not null, pid integer not null, actor text not null, commit text, command text not null,
       since timestamptz not null, session_pid integer not null,
       primary key (target, endpoint))`,
    `create table tollgate_applied (
       target text not null, endpoint text not null, key text not null,
       controls jsonb not null, fingerprint text not null, plan_digest text, policy_digest text not null,
       applied_at timestamptz not null, apply_id text, plan text,
       primary key (target, endpoint, key))`,
    `create index tollgate_applied_by_apply on tollgate_applied (apply_id)`,
    `create table tollgate_applies (
       id text primary key, seq bigserial not null,
       target text not null, endpoint text not null,
       actor text not null, commit text, host text not null,
       policy_digest text not null, plan_digest text,
       started_at timestamptz not null, finished_at timestamptz,
       applied integer, failed integer, not_attempted integer,
       result text not null default 'unfinished')`,
    `create index tollgate_applies_by_scope on tollgate_applies (target, endpoint, seq desc)`,
    `create table tollgate_apply_outcomes (
       apply_id text not null references tollgate_applies (id) on delete cascade,
       key text not null, outcome text not null, message text,
       primary key (apply_id, key))`,
  ],
];

async function currentVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ found: boolean }>(`select to_regclass('tollgate_schema_version') is not null as found`);
  if (!exists.rows[0]?.found) return 0;
  const version = await client.query<{ version: number | null }>('select max(version) as version from tollgate_schema_version');
  return version.rows[0]?.version ?? 0;
}

function refuseNewer(version: number, where: string): BackendError {
  return new BackendError(
    `The PostgreSQL backend ${where} holds tollgate schema version ${version}; this tollgate knows version ${SCHEMA_VERSION} at most. Upgrade tollgate (a newer one migrated this database).`,
    'schema-newer',
  );
}

/** Creates or migrates tollgate's tables; refuses a schema newer than this tollgate knows. */
export async function ensureSchema(client: pg.ClientBase, where: string): Promise<void> {
  const seen = await currentVersion(client);
  if (seen > SCHEMA_VERSION) throw refuseNewer(seen, where);
  if (seen === SCHEMA_VERSION) return;
  await client.query('begin');
  try {
    // two first runs at once: the second waits, then finds the tables made
    await client.query('select pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, MIGRATION_LOCK]);
    await client.query('create table if not exists tollgate_schema_version (version integer primary key, applied_at timestamptz not null default now())');
    const version = await currentVersion(client);
    if (version > SCHEMA_VERSION) throw refuseNewer(version, where);
    for (let v = version; v < SCHEMA_VERSION; v++) {
      for (const statement of MIGRATIONS[v]!) await client.query(statement);
      await client.query('insert into tollgate_schema_version (version) values ($1)', [v + 1]);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}
