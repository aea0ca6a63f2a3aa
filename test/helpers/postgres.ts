// A throwaway PostgreSQL cluster for tests: initdb in a temp folder, a free port on 127.0.0.1, password
// authentication (SCRAM), stopped and removed after. As root the server runs as the `postgres` user.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** A URL with the password, for `database` (the default one, "tollgate", when absent). */
  url(database?: string): string;
  /** Creates a fresh database and returns its name. */
  createDatabase(prefix?: string): Promise<string>;
  /** Runs one statement as the superuser. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[], database?: string): Promise<R[]>;
  /** Stops the server at once (as a crash or an outage would), keeping its data. */
  halt(): Promise<void>;
  /** Starts it again on the same port. */
  resume(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** The folder holding initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/<v>/bin. */
export function findPostgresBin(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port on 127.0.0.1 where nothing listens (for "connection refused"). */
export const unusedPort = freePort;

/** Starts a cluster; `fsync: false` (the default) trades crash safety for speed, as tests need. */
export async function startPostgres(options: { fsync?: boolean } = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('no initdb found on PATH or under /usr/lib/postgresql/*/bin (install the postgresql package)');
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-pg-'));
  const data = path.join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}-S3cr3t`;
  const pwfile = path.join(dir, 'pwfile');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    owner = { uid: Number(uid.trim()), gid: Number(gid.trim()) };
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  chmodSync(dir, 0o700);
  // as root, initdb and postgres refuse to run: they run as the postgres user
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, name), ...args]) : run(path.join(bin, name), args);
  const user = 'tollgate';
  const fail = (step: string, error: unknown): never => {
    const log = existsSync(path.join(dir, 'log')) ? readFileSync(path.join(dir, 'log'), 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${step} failed: ${(error as { stderr?: string }).stderr || (error as Error).message}\n${log}`);
  };
  try {
    await tool('initdb', ['-D', data, '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  } catch (error) {
    fail('initdb', error);
  }
  let port = 0;
  const start = async (): Promise<void> => {
    const settings = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=${options.fsync ? 'on' : 'off'}`;
    await tool('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', path.join(dir, 'log'), '-o', settings]);
  };
  // another process may take the free port between the probe and the start: try a few
  for (let tries = 0; ; tries++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (tries === 2) fail('pg_ctl start', error);
    }
  }
  const url = (database = 'tollgate') => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const query = async <R extends pg.QueryResultRow>(sql: string, values: unknown[] = [], database = 'postgres'): Promise<R[]> => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  await query('create database tollgate');
  let databases = 0;
  let running = true;
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    url,
    query,
    async createDatabase(prefix = 'db') {
      const name = `${prefix}_${++databases}_${Math.random().toString(36).slice(2, 8)}`;
      await query(`create database ${name}`);
      return name;
    },
    async halt() {
      await tool('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', data]);
      running = false;
    },
    async resume() {
      await start();
      running = true;
    },
    async stop() {
      if (running) await tool('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', data]).catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The server for a test file, or undefined (with a loud warning) when it truly cannot start. Under CI
 * (CI=true) it never skips: a server that cannot start fails the run.
 */
export async function postgresForTests(options: { fsync?: boolean } = {}): Promise<PostgresServer | undefined> {
  try {
    return await startPostgres(options);
  } catch (error) {
    const reason = (error as Error).message;
    if (process.env.CI === 'true') throw new Error(`PostgreSQL tests cannot run under CI: ${reason}`);
    console.warn(`\n!!! SKIPPING PostgreSQL backend tests: a throwaway server could not start.\n!!! ${reason.split('\n').join('\n!!! ')}\n`);
    return undefined;
  }
}
