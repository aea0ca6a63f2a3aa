import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { ApiCall, ApiOutcome, EmulatedApi, LoggedRequest, PipelineErrorCode } from './api.js';
import { bearerToken, isAcceptedKey } from './auth.js';
import { faultSequence, type FaultKind } from './faults.js';
import { dropConnection, loggableHeaders, readBody, sendJson } from './http-io.js';
import { resolveOptions, type EmulatorOptions } from './options.js';
import { TokenBucketLimiter } from './rate-limiter.js';
import { EmulatorStartError } from './start-error.js';
import { loadStateFile, saveStateFile } from './state-store.js';

/** A running emulator: where it listens, and in-process access for tests and the CLI. */
export interface EmulatorCore<S> {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  port: number;
  /** The fault seed in use, so a run can be reproduced. */
  faultSeed: number;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
  /** A copy of the whole state. */
  state(): S;
  /** A copy of the request log, oldest first. */
  requests(): LoggedRequest[];
  clearRequests(): void;
  /** Writes the state file now (after in-process seeding); a no-op without a state path. */
  persist(): void;
}

/** Starts the shared HTTP pipeline (auth, rate limit, faults, idempotency, persistence) for one API. */
export async function startEmulatorCore<S>(api: EmulatedApi<S>, options: EmulatorOptions): Promise<EmulatorCore<S>> {
  const opts = resolveOptions(options);
  const limiter = new TokenBucketLimiter(opts.rateLimit, opts.now);
  const nextFault = faultSequence(opts.faultRate, opts.faultSeed, opts.faultKinds);
  const idempotencyKeys = new Set<string>();
  const log: LoggedRequest[] = [];
  const inFlight = new Set<Promise<void>>();
  let seq = 0;

  if (opts.statePath !== undefined) {
    const loaded = loadStateFile(opts.statePath, api.name);
    if (loaded !== undefined) {
      restoreFrom(api, loaded.state, opts.statePath);
      for (const key of loaded.idempotencyKeys) idempotencyKeys.add(key);
    }
  }

  const persist = (): void => {
    if (opts.statePath === undefined) return;
    saveStateFile(opts.statePath, api.name, api.snapshot(), [...idempotencyKeys]);
  };

  const record = (entry: LoggedRequest): void => {
    log.push(entry);
    if (log.length > opts.maxLoggedRequests) log.splice(0, log.length - opts.maxLoggedRequests);
    opts.onRequest?.(structuredClone(entry));
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    seq += 1;
    // Drawn first, before any await, so the fault of the n-th request never depends on timing.
    const fault: FaultKind | null = nextFault();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = loggableHeaders(req);
    const entry: LoggedRequest = {
      seq,
      method: req.method ?? 'GET',
      path: url.pathname,
      headers,
      body: undefined,
      status: null,
      fault: null,
      object: null,
      stored: false,
    };
    const answer = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
      entry.status = status;
      record(entry);
      sendJson(res, status, body, extra);
    };
    const fail = (status: number, code: PipelineErrorCode, message: string, key: string | null, extra = {}): void =>
      answer(status, api.pipelineError(code, message, key), extra);

    const raw = await readBody(req);
    if (raw === null) return fail(413, 'payload_too_large', 'Request body is too large', null);
    const parsed = parseJson(raw);
    entry.body = parsed.ok ? parsed.value : raw;

    const token = bearerToken(req.headers.authorization);
    if (!isAcceptedKey(token, opts.secretKey)) {
      return fail(401, 'unauthorized', 'Missing or invalid API key: send Authorization: Bearer <secret key>', null);
    }
    const rate = limiter.take(token);
    if (!rate.ok) {
      const message = `Rate limit of ${opts.rateLimit} requests per second exceeded`;
      return fail(429, 'rate_limited', message, token, { 'retry-after': String(rate.retryAfterSeconds) });
    }

    entry.fault = fault;
    if (opts.latencyMs > 0) await delay(opts.latencyMs);
    if (fault === 'server_error') return fail(500, 'server_error', 'Internal server error (injected fault)', token);
    if (fault === 'rate_limited') {
      const retryAfter = { 'retry-after': String(opts.faultRetryAfterSeconds) };
      return fail(429, 'rate_limited', 'Too many requests (injected fault)', token, retryAfter);
    }
    if (fault === 'slow') await delay(opts.slowMs);
    if (!parsed.ok) return fail(400, 'invalid_json', `Request body is not valid JSON: ${parsed.error}`, token);

    const idempotencyKey = headers['idempotency-key'];
    if (idempotencyKey !== undefined && idempotencyKeys.has(idempotencyKey)) {
      const message = `Idempotency key '${idempotencyKey}' was already used`;
      return fail(409, 'duplicate_idempotency_key', message, token);
    }

    const call: ApiCall = {
      method: entry.method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: parsed.value,
      apiKey: token,
    };
    const outcome: ApiOutcome = api.handle(call);
    if (fault === 'drop_before_write') {
      record(entry);
      return dropConnection(req, res);
    }
    if (outcome.status < 400) {
      if (outcome.write !== undefined) {
        outcome.write.apply();
        entry.object = outcome.write.object;
        entry.stored = true;
      }
      // Only a request that succeeded consumes its key, so a retry after a failure still goes through.
      if (idempotencyKey !== undefined) idempotencyKeys.add(idempotencyKey);
      if (outcome.write !== undefined || idempotencyKey !== undefined) persist();
    }
    if (fault === 'drop_after_write') {
      record(entry);
      return dropConnection(req, res);
    }
    answer(outcome.status, outcome.body, outcome.headers);
  };

  const server = createServer((req, res) => {
    const task = serve(req, res).catch((error: unknown) => {
      // An exception here is an emulator bug; answer 500 rather than crash the process.
      if (!res.headersSent) {
        sendJson(res, 500, api.pipelineError('server_error', `Emulator bug: ${String(error)}`, null));
      } else {
        res.destroy();
      }
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(listenError(error, opts.port));
    server.once('error', failed);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', failed);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    faultSeed: opts.faultSeed,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.allSettled([...inFlight]);
        server.closeIdleConnections();
        await closed;
      })();
      return closing;
    },
    state: () => structuredClone(api.snapshot()),
    requests: () => structuredClone(log),
    clearRequests: () => {
      log.length = 0;
    },
    persist,
  };
}

/** A taken or forbidden port is the caller's to fix; other listen failures stay bugs. */
function listenError(error: NodeJS.ErrnoException, port: number): Error {
  if (error.code === 'EADDRINUSE') return new EmulatorStartError(`Port ${port} on 127.0.0.1 is already in use`, 'port');
  if (error.code === 'EACCES') return new EmulatorStartError(`Port ${port} on 127.0.0.1 needs more privileges than this process has`, 'port');
  return error;
}

/** The APIs' restore throws on a malformed state; at start-up that is a bad state file, not a bug. */
function restoreFrom<S>(api: EmulatedApi<S>, state: unknown, path: string): void {
  try {
    api.restore(state);
  } catch (error) {
    throw new EmulatorStartError(`State file ${path} is malformed: ${(error as Error).message}`, 'state-file');
  }
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
