import path from 'node:path';
import { BackendError, type Scope, type StateBackend } from './backend.js';
import { DEFAULT_STATE_DIR, FileBackend } from './file-backend.js';
import { PostgresBackend } from './postgres-backend.js';
import { parsePostgresUrl, redactUrl, type PostgresSettings } from './postgres-url.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Which backend to use, parsed and checked before anything connects. */
export type BackendSelection = { kind: 'file' } | { kind: 'postgres'; settings: PostgresSettings };

/**
 * Parses a backend setting (`--backend`, else TOLLGATE_BACKEND, else `backend:` in tollgate.yaml; the CLI
 * picks which): absent or "file", or a postgres:// / postgresql:// URL.
 */
export function selectBackend(setting: string | undefined, env: Env = process.env): BackendSelection {
  const value = setting?.trim() ?? '';
  if (value === '' || value === 'file') return { kind: 'file' };
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', settings: parsePostgresUrl(value, env) };
  throw new BackendError(`Unknown backend "${redactUrl(value)}": expected "file" or a PostgreSQL URL (postgres://user@host:5432/db).`, 'bad-url');
}

export interface OpenOptions {
  /** Root of the file backend; `.tollgate` in the current directory by default. */
  stateDir?: string;
  /** `tollgate unlock --force`: the file backend also clears a lock held from another host. */
  forceUnlock?: boolean;
}

/** Opens the backend for one scope; PostgreSQL connects and creates or migrates its schema here. */
export async function openBackend(selection: BackendSelection, scope: Scope, options: OpenOptions = {}): Promise<StateBackend> {
  if (selection.kind === 'postgres') return PostgresBackend.open(selection.settings, scope);
  const root = path.resolve(options.stateDir ?? DEFAULT_STATE_DIR);
  return new FileBackend(root, scope, options.forceUnlock ? { forceUnlock: true } : {});
}
