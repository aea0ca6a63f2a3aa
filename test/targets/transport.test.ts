// One transport for every remote target: the same failure, served over real HTTP from a loopback server,
// is classified the same way by the Autumn and the Owostack client.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/targets/backoff.js';
import { AutumnClient } from '../../src/targets/autumn/client.js';
import { OwostackClient } from '../../src/targets/owostack/client.js';
import { TargetError, type TargetErrorOptions } from '../../src/targets/target.js';
import { scrubKey } from '../../src/targets/transport.js';
import { systemClock } from '../../src/util/clock.js';

const KEY = 'sk_test_transport_51f0';
/** Short enough that the hanging case ends soon; the other cases answer at once. */
const TIMEOUT_MS = 300;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A loopback server answering every request with `handler`; its base URL. */
async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    handler(req, res);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = async (): Promise<void> => {
    if (!server.listening) return;
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  servers.push({ close });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The base URL of a port nothing listens on any more. */
async function refusedUrl(): Promise<string> {
  const url = await serve(() => undefined);
  await servers.pop()!.close();
  return url;
}

const answer =
  (status: number, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': body.startsWith('<') ? 'text/html' : 'application/json', ...headers }).end(body);
  };

interface FailureCase {
  name: string;
  url: () => Promise<string>;
  expected: Pick<TargetErrorOptions, 'retryable' | 'fatal' | 'status' | 'retryAfterMs'>;
}

const CASES: FailureCase[] = [
  { name: 'a refused connection', url: refusedUrl, expected: { retryable: true } },
  { name: 'no answer within the timeout', url: () => serve(() => undefined), expected: { retryable: true } },
  { name: 'a dropped connection', url: () => serve((req) => req.socket.destroy()), expected: { retryable: true } },
  { name: '429 with Retry-After', url: () => serve(answer(429, '{"message":"slow down","code":"rate_limited"}', { 'retry-after': '2' })), expected: { status: 429, retryable: true, retryAfterMs: 2000 } },
  { name: '503', url: () => serve(answer(503, '{"message":"down for maintenance","code":"unavailable"}')), expected: { status: 503, retryable: true } },
  { name: 'an HTML 502 page', url: () => serve(answer(502, '<html><body><h1>502 Bad Gateway</h1></body></html>')), expected: { status: 502, retryable: true } },
  { name: 'a refused key', url: () => serve(answer(401, '{"message":"invalid key","code":"unauthorized"}')), expected: { status: 401, retryable: false, fatal: true } },
  { name: 'a rejected body', url: () => serve(answer(400, '{"message":"bad","code":"invalid_request"}')), expected: { status: 400, retryable: false } },
];

/** One read through each client, with no retries: the failure as thrown. */
const CLIENTS = {
  autumn: (url: string) =>
    new AutumnClient({ baseUrl: url, secretKey: KEY, clock: systemClock, random: Math.random, timeoutMs: TIMEOUT_MS, retry: DEFAULT_RETRY }).send('/v1/customers.get', { customer_id: 'c1' }),
  owostack: (url: string) => new OwostackClient({ baseUrl: `${url}/v1`, secretKey: KEY, timeoutMs: TIMEOUT_MS }).customer('c1'),
};

async function failure(promise: Promise<unknown>): Promise<TargetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TargetError);
  return error as TargetError;
}

/** The part of a failure the executor acts on. */
function classification(error: TargetError): FailureCase['expected'] {
  const { retryable, fatal, status, retryAfterMs } = error.options;
  return {
    retryable: retryable ?? false,
    ...(fatal ? { fatal } : {}),
    ...(status === undefined ? {} : { status }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

describe('the shared transport', () => {
  it.each(CASES)('classifies $name the same way on every target', async ({ url, expected }) => {
    const base = await url();
    const seen: Record<string, FailureCase['expected']> = {};
    for (const [target, send] of Object.entries(CLIENTS)) {
      const error = await failure(send(base));
      expect(error.message).not.toContain(KEY);
      seen[target] = classification(error);
    }
    const want = { retryable: false, ...expected };
    expect(seen).toEqual({ autumn: want, owostack: want });
  });

  it('scrubs the key from an API message on every target', async () => {
    const base = await serve(answer(400, JSON.stringify({ message: `bad key ${KEY}`, error: `bad key ${KEY}` })));
    for (const send of Object.values(CLIENTS)) {
      const error = await failure(send(base));
      expect(error.message).not.toContain(KEY);
      expect(error.message).toMatch(/bad key \[(AUTUMN|OWOSTACK)_SECRET_KEY\]/);
    }
  });

  it('scrubs keys of 8 characters or more, and leaves shorter ones (they would mangle every message)', () => {
    expect(scrubKey('a 12345678 b', '12345678', 'K')).toBe('a [K] b');
    expect(scrubKey('a 1234567 b', '1234567', 'K')).toBe('a 1234567 b');
  });
});
