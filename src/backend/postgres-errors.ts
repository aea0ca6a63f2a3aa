import { BackendError } from './backend.js';
import { scrub, type PostgresSettings } from './postgres-url.js';

// node-postgres reports failures three ways: socket errors (ECONNREFUSED…), server errors with a SQLSTATE
// code, and plain Errors for a dropped connection. Each becomes one BackendError a person can act on; the
// password is scrubbed from whatever text the server or driver adds.

const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006']);
const LOST_TEXT = /Connection terminated|not queryable|ECONNRESET|EPIPE|socket hang up|Client was closed|Query read timeout/i;

interface DriverError {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
}

/** The BackendError for a failure of `doing` ("connecting", "recording customer:c1"); a bug in tollgate is returned as it is. */
export function backendErrorFrom(error: unknown, settings: PostgresSettings, doing: string): Error {
  if (error instanceof BackendError) return error;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  const code = typeof e.code === 'string' ? e.code : '';
  const text = scrub(typeof e.message === 'string' ? e.message : String(error), settings.secrets);
  const where = settings.display;
  const at = `${settings.host}:${settings.port}`;
  const make = (message: string, reason: string): BackendError => new BackendError(scrub(message, settings.secrets), reason);
  switch (code) {
    case 'ECONNREFUSED':
      return make(`Cannot reach the PostgreSQL backend ${where}: connection refused. Is the server running and listening on ${at}?`, 'connection-refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make(`Cannot reach the PostgreSQL backend ${where}: the host ${settings.host} was not found.`, 'connection-refused');
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make(`Cannot reach the PostgreSQL backend ${where}: ${code === 'ETIMEDOUT' ? 'the connection timed out' : 'no route to the host'}.`, 'connection-refused');
    case '28P01':
      return make(`The PostgreSQL backend ${where} refused the password of user "${settings.user}". Check the password in the backend URL or PGPASSWORD.`, 'auth');
    case '28000':
      return make(`The PostgreSQL backend ${where} refused user "${settings.user}": ${text}`, 'auth');
    case '3D000':
      return make(`The PostgreSQL backend's database "${settings.database}" does not exist on ${at}. Create it (createdb ${settings.database}) or fix the backend URL.`, 'database-missing');
    case '42501':
      return make(`The PostgreSQL backend ${where} denied user "${settings.user}" while ${doing}: ${text}. The user needs to create and write tollgate's tables.`, 'permission');
  }
  if (LOST_SQLSTATES.has(code) || LOST_TEXT.test(text)) {
    return make(`The connection to the PostgreSQL backend ${where} was lost while ${doing}: ${text}. What was recorded before stays recorded; run again once the server is back.`, 'connection-lost');
  }
  if (/timeout/i.test(text) && doing === 'connecting') {
    return make(`Cannot reach the PostgreSQL backend ${where}: no answer within ${settings.connectTimeoutMs / 1000}s.`, 'connection-refused');
  }
  if (/SASL|password must be a string/i.test(text)) {
    return make(`The PostgreSQL backend ${where} asks for a password for user "${settings.user}" and none was given: put it in the backend URL or PGPASSWORD.`, 'auth');
  }
  if (/self[- ]signed|certificate|SSL|TLS/i.test(text)) {
    return make(`Cannot open a TLS connection to the PostgreSQL backend ${where}: ${text}. Check sslmode in the backend URL.`, 'tls');
  }
  return make(`The PostgreSQL backend ${where} failed while ${doing}: ${text}${code ? ` (${code})` : ''}`, 'postgres');
}
