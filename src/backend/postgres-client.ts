import pg from 'pg';
import { backendErrorFrom } from './postgres-errors.js';
import type { PostgresSettings } from './postgres-url.js';

/** node-postgres settings, given in full so that it reads nothing from the environment itself. */
export function clientConfig(settings: PostgresSettings): pg.ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    database: settings.database,
    ssl: settings.ssl,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // a server that vanishes without closing the connection is noticed in seconds, not hours
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    query_timeout: 120_000,
    application_name: 'tollgate',
  };
}

/**
 * A connected client of its own (the lock session); `onLost` hears of the connection dropping. Without an
 * 'error' listener a dropped idle connection would crash the process.
 */
export async function connectClient(settings: PostgresSettings, onLost: (error: Error) => void = () => undefined): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(settings));
  client.on('error', (error) => onLost(backendErrorFrom(error, settings, 'holding the connection')));
  // a server that closes the session cleanly (shutdown, pg_terminate_backend) may send no error
  client.on('end', () => onLost(backendErrorFrom(new Error('Connection terminated'), settings, 'holding the connection')));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw backendErrorFrom(error, settings, 'connecting');
  }
  return client;
}

/** Runs `work`, turning driver failures into BackendErrors that say what was being done. */
export async function attempt<T>(settings: PostgresSettings, doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw backendErrorFrom(error, settings, doing);
  }
}
