import { redactUrl } from '../backend/postgres-url.js';
import { UsageError } from './errors.js';

// Apart from opening a backend, so that every command can read the setting without loading the PostgreSQL client.

/** The backend setting of this run and where it came from: --backend, else TOLLGATE_BACKEND, else tollgate.yaml "backend". */
export interface BackendSetting {
  value?: string;
  from?: string;
}

/** Picks the backend setting by precedence; a password written into tollgate.yaml is refused (the file is committed). */
export function backendSetting(flag: string | undefined, env: NodeJS.ProcessEnv, config: { backend?: string }): BackendSetting {
  if (flag !== undefined) return { value: flag, from: '--backend' };
  if (env.TOLLGATE_BACKEND !== undefined && env.TOLLGATE_BACKEND.trim() !== '') return { value: env.TOLLGATE_BACKEND, from: 'TOLLGATE_BACKEND' };
  if (config.backend === undefined) return {};
  if (redactUrl(config.backend) !== config.backend) {
    throw new UsageError(
      `tollgate.yaml "backend" holds a password (${redactUrl(config.backend)}), and tollgate.yaml is committed: remove it from the URL and set PGPASSWORD in the environment instead.`,
    );
  }
  return { value: config.backend, from: 'tollgate.yaml "backend"' };
}
