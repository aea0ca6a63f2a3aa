// Reaching the PostgreSQL backend fails in ways a person can fix: each gives one clear message, and the
// password appears in none of them (message, stack or any field).
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, openBackend, selectBackend } from '../../src/backend/index.js';
import { backendErrorFrom } from '../../src/backend/postgres-errors.js';
import { parsePostgresUrl } from '../../src/backend/postgres-url.js';
import { postgresForTests, unusedPort } from '../helpers/postgres.js';

const server = await postgresForTests();
afterAll(() => server?.stop());

const scope = { target: 'autumn', endpoint: 'http://127.0.0.1:1/v1' };

/** The error opening a backend throws, checked to hold none of the secrets in any form it can be shown. */
async function openFails(setting: string, secrets: string[], env: Record<string, string | undefined> = {}): Promise<BackendError> {
  const error = await Promise.resolve()
    .then(() => openBackend(selectBackend(setting, env), scope))
    .then(
      async (b) => {
        await b.close();
        return undefined;
      },
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(BackendError);
  const shown = [String(error), (error as Error).stack, inspect(error), JSON.stringify(error)].join('\n');
  for (const secret of secrets) expect(shown).not.toContain(secret);
  return error as BackendError;
}

describe('backend settings', () => {
  const secret = 'Sup3r-s3cret/pw';
  it.each([
    ['sqlite:///tmp/x', 'Unknown backend "sqlite:///tmp/x": expected "file" or a PostgreSQL URL (postgres://user@host:5432/db).'],
    ['mysql://admin:Sup3r-s3cret/pw@db.example.com/tollgate', 'Unknown backend "mysql://admin:***@db.example.com/tollgate": expected "file" or a PostgreSQL URL (postgres://user@host:5432/db).'],
    ['postgres://admin:Sup3r-s3cret/pw@db.example.com/tollgate', 'The backend URL postgres://admin:***@db.example.com/tollgate is not a valid URL (characters such as @ / # ? in the password must be percent-encoded, e.g. %40 for @).'],
    ['postgres://admin:Sup3r-s3cret%2Fpw@db.example.com:99999/tollgate', 'The backend URL postgres://admin:***@db.example.com:99999/tollgate is not a valid URL (characters such as @ / # ? in the password must be percent-encoded, e.g. %40 for @).'],
    ['postgresql://admin:Sup3r-s3cret%2Fpw@db.example.com/tollgate?sslrootcert=/x', 'The backend URL postgresql://admin:***@db.example.com/tollgate?sslrootcert=/x has the parameter "sslrootcert", which tollgate does not support (supported: sslmode, host, port, connect_timeout, application_name).'],
    ['postgres://admin:Sup3r-s3cret%2Fpw@db.example.com/tollgate?sslmode=sometimes', 'The backend URL postgres://admin:***@db.example.com/tollgate?sslmode=sometimes has sslmode=sometimes; expected one of disable, allow, prefer, require, verify-ca, verify-full.'],
    ['postgres://admin:Sup3r-s3cret%2Fpw@db.example.com/tolls%zz', 'The backend URL postgres://admin:***@db.example.com/tolls%zz has a malformed percent-encoding (%XX) in its user, password or database.'],
    ['postgres://admin@db.example.com/a/b', 'The backend URL postgres://admin@db.example.com/a/b names the database "a/b"; a database name has no "/".'],
  ])('refuses %s with a clear message', (setting, message) => {
    let error: unknown;
    try {
      selectBackend(setting, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(message);
    expect(inspect(error)).not.toContain(secret);
    expect(inspect(error)).not.toContain('Sup3r-s3cret%2Fpw');
  });

  it('takes "file" (or nothing) as the file backend, and the password from the URL or else PGPASSWORD', () => {
    expect(selectBackend(undefined, {})).toEqual({ kind: 'file' });
    expect(selectBackend(' file ', {})).toEqual({ kind: 'file' });
    const fromUrl = selectBackend('postgresql://ci:p%40ss-word@db.internal:6543/state?sslmode=verify-full', { PGPASSWORD: 'other' });
    expect(fromUrl).toMatchObject({ kind: 'postgres', settings: { host: 'db.internal', port: 6543, user: 'ci', password: 'p@ss-word', database: 'state', ssl: { rejectUnauthorized: true }, display: 'postgres://ci@db.internal:6543/state' } });
    const fromEnv = selectBackend('postgres://ci@db.internal/state', { PGPASSWORD: 'env-password' });
    expect(fromEnv).toMatchObject({ settings: { password: 'env-password', port: 5432, ssl: false } });
  });

  it('scrubs the password, in every spelling, from whatever a driver or server says', () => {
    const settings = parsePostgresUrl('postgres://ci:p%40ss%2Fword@db.internal/state', {});
    const error = backendErrorFrom(Object.assign(new Error('bad thing near "p@ss/word" (p%40ss%2Fword)'), { code: 'XX000' }), settings, 'recording customer:a');
    expect(error.message).toBe('The PostgreSQL backend postgres://ci@db.internal:5432/state failed while recording customer:a: bad thing near "***" (***) (XX000)');
  });
});

describe.skipIf(!server)('reaching a real PostgreSQL server', () => {
  it('a wrong password: says so, without the password tried or the right one', async () => {
    const wrong = 'Wrong-Passw0rd-xyz';
    const error = await openFails(`postgres://tollgate:${wrong}@127.0.0.1:${server!.port}/tollgate`, [wrong, server!.password]);
    expect(error.code).toBe('auth');
    expect(error.message).toBe(`The PostgreSQL backend postgres://tollgate@127.0.0.1:${server!.port}/tollgate refused the password of user "tollgate". Check the password in the backend URL or PGPASSWORD.`);
  });

  it('a wrong PGPASSWORD is never shown either', async () => {
    const wrong = 'Env-Wrong-Passw0rd';
    const error = await openFails(`postgres://tollgate@127.0.0.1:${server!.port}/tollgate`, [wrong], { PGPASSWORD: wrong });
    expect(error.code).toBe('auth');
  });

  it('no password at all: says where to put one', async () => {
    const error = await openFails(`postgres://tollgate@127.0.0.1:${server!.port}/tollgate`, [server!.password], {});
    expect(error.message).toBe(`The PostgreSQL backend postgres://tollgate@127.0.0.1:${server!.port}/tollgate asks for a password for user "tollgate" and none was given: put it in the backend URL or PGPASSWORD.`);
  });

  it('a refused connection: names the host and port', async () => {
    const port = await unusedPort();
    const error = await openFails(`postgres://tollgate:${encodeURIComponent(server!.password)}@127.0.0.1:${port}/tollgate`, [server!.password]);
    expect(error.code).toBe('connection-refused');
    expect(error.message).toBe(`Cannot reach the PostgreSQL backend postgres://tollgate@127.0.0.1:${port}/tollgate: connection refused. Is the server running and listening on 127.0.0.1:${port}?`);
  });

  it('a missing database: names it and how to create it', async () => {
    const error = await openFails(server!.url('no_such_db'), [server!.password]);
    expect(error.code).toBe('database-missing');
    expect(error.message).toBe(`The PostgreSQL backend's database "no_such_db" does not exist on 127.0.0.1:${server!.port}. Create it (createdb no_such_db) or fix the backend URL.`);
  });

  it('the right password from PGPASSWORD connects', async () => {
    const b = await openBackend(selectBackend(`postgres://tollgate@127.0.0.1:${server!.port}/tollgate`, { PGPASSWORD: server!.password }), scope);
    expect(b.location).toBe(`postgres://tollgate@127.0.0.1:${server!.port}/tollgate`);
    expect(await b.managedKeys()).toEqual([]);
    await b.close();
  });

  it('a user who may not create tables: says what it needs', async () => {
    const database = await server!.createDatabase('locked');
    await server!.query(`create role limited login password 'limited-pw-123'`);
    await server!.query('revoke create on schema public from public', [], database);
    const error = await openFails(`postgres://limited:limited-pw-123@127.0.0.1:${server!.port}/${database}`, ['limited-pw-123']);
    expect(error.code).toBe('permission');
    expect(error.message).toBe(
      `The PostgreSQL backend postgres://limited@127.0.0.1:${server!.port}/${database} denied user "limited" while creating or migrating the schema: permission denied for schema public. The user needs to create and write tollgate's tables.`,
    );
  });
});
