import os from 'node:os';
import { BackendError } from './backend.js';

type Env = Readonly<Record<string, string | undefined>>;

/** How to reach the PostgreSQL backend; `display` is the URL without its password, for messages. */
export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  ssl: false | { rejectUnauthorized: boolean };
  connectTimeoutMs: number;
  display: string;
  /** Every form of the password, to scrub from any text shown (server messages included). */
  secrets: string[];
}

const PARAMETERS = ['sslmode', 'host', 'port', 'connect_timeout', 'application_name'];
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** A URL-ish text with whatever sits between "scheme://user:" and the last "@" replaced by "***". */
export function redactUrl(text: string): string {
  const start = text.indexOf('://');
  const at = text.lastIndexOf('@');
  if (start < 0 || at < start) return text;
  const userinfo = text.slice(start + 3, at);
  const colon = userinfo.indexOf(':');
  return colon < 0 ? text : `${text.slice(0, start + 3)}${userinfo.slice(0, colon)}:***${text.slice(at)}`;
}

/** Replaces every secret in a text with "***" (longest first, so one secret inside another goes too). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

function secretForms(password: string): string[] {
  // too short to scrub without mangling every message; tollgate never writes it into one anyway
  if (password.length < 4) return [];
  return [...new Set([password, encodeURIComponent(password), encodeURI(password)])];
}

/** Parses a postgres:// or postgresql:// URL; the password comes from the URL, else PGPASSWORD. */
export function parsePostgresUrl(text: string, env: Env = process.env): PostgresSettings {
  const shown = redactUrl(text);
  const bad = (why: string): BackendError => new BackendError(`The backend URL ${shown} ${why}`, 'bad-url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('is not a valid URL (characters such as @ / # ? in the password must be percent-encoded, e.g. %40 for @).');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw bad('must start with postgres:// or postgresql://.');
  let password: string | undefined;
  let user: string;
  let database: string;
  try {
    password = url.password !== '' ? decodeURIComponent(url.password) : env.PGPASSWORD || undefined;
    user = url.username !== '' ? decodeURIComponent(url.username) : env.PGUSER || os.userInfo().username;
    database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    throw bad('has a malformed percent-encoding (%XX) in its user, password or database.');
  }
  const secrets = password === undefined ? [] : secretForms(password);
  if (database === '') database = env.PGDATABASE || user;
  if (database.includes('/')) throw bad(`names the database "${database}"; a database name has no "/".`);
  for (const name of url.searchParams.keys()) {
    if (!PARAMETERS.includes(name)) throw bad(`has the parameter "${name}", which tollgate does not support (supported: ${PARAMETERS.join(', ')}).`);
  }
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  if (!SSL_MODES.includes(sslmode)) throw bad(`has sslmode=${sslmode}; expected one of ${SSL_MODES.join(', ')}.`);
  const host = url.searchParams.get('host') || decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')) || env.PGHOST || 'localhost';
  const portText = url.searchParams.get('port') || url.port || env.PGPORT || '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`has the port "${portText}"; expected a number from 1 to 65535.`);
  const timeoutText = url.searchParams.get('connect_timeout') ?? '10';
  const timeout = Number(timeoutText);
  if (!(timeout > 0)) throw bad(`has connect_timeout=${timeoutText}; expected a number of seconds above 0.`);
  const display = `postgres://${encodeURIComponent(user)}@${host.includes(':') ? `[${host}]` : host}:${port}/${encodeURIComponent(database)}`;
  return {
    host,
    port,
    user,
    ...(password !== undefined ? { password } : {}),
    database,
    // node-postgres cannot fall back from TLS to plain, so "prefer" and "allow" connect without TLS
    ssl: sslmode === 'require' ? { rejectUnauthorized: false } : sslmode.startsWith('verify-') ? { rejectUnauthorized: true } : false,
    connectTimeoutMs: timeout * 1000,
    display,
    secrets,
  };
}
