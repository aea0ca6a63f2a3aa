// Answers that differ from the documented shapes, from a loopback server started here, through the real CLI:
// each is a clear error naming the route and the field (no stack, no "internal error"), exit 1, and no write.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { policyDir, yaml } from '../helpers/policy-dir.js';
import { tollgate } from './owostack/helpers.js';

/** One answer the server gives to every request; `body` as a function streams chunks. */
interface Answer {
  status: number;
  contentType?: string;
  body: string | ((res: ServerResponse) => Promise<void>);
}

interface Case {
  name: string;
  answer: Answer;
  /** What stderr must say: the route and the field, or what the body was. */
  says: string[];
}

const HTML = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1></body></html>\n';
const json = (value: unknown): Answer => ({ status: 200, contentType: 'application/json', body: JSON.stringify(value) });

/** 50 MB of a JSON array, in 1 MB chunks, without Content-Length; stops when the client goes away. */
async function fiftyMegabytes(res: ServerResponse): Promise<void> {
  const chunk = `${'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",'.repeat(10_000)}`;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('[');
  for (let sent = 0; sent < 50 * 1024 * 1024 && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end('""]');
}

/** Resolves once the response takes writes again or is closed, and removes both listeners (a race of two `once` left the loser's behind on every chunk). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Answers that are wrong for any API, each with what the message must name for `route`. */
function transportCases(route: string, status502: string): Case[] {
  return [
    { name: 'an HTML page with 200', answer: { status: 200, contentType: 'text/html; charset=utf-8', body: HTML }, says: [route, 'a text/html body that is not JSON: "<!DOCTYPE html> <html><head><title>502 Bad Gateway'] },
    { name: 'an HTML page with 502 (retried, then reported)', answer: { status: 502, contentType: 'text/html', body: HTML }, says: [status502, '<title>502 Bad Gateway</title>'] },
    { name: 'truncated JSON', answer: { status: 200, contentType: 'application/json', body: '{"success":true,"id":"cust_123","list":[{"id":"cust_1' }, says: [route, 'body that is not JSON: "{\\"success\\":true'] },
    { name: 'a 50 MB body', answer: { status: 200, body: fiftyMegabytes }, says: [route, 'is larger than 32 MiB; tollgate stopped reading it'] },
    { name: 'an empty body with 200', answer: { status: 200, body: '' }, says: [route, 'an empty body'] },
  ];
}

const OWOSTACK_READ = "Owostack's answer to GET /customers/cust_123 does not have the documented shape:";
const owostackCases: Case[] = [
  {
    name: 'the reported null featureConfigs entry, in a {data} envelope',
    answer: json({ success: true, data: { id: 'cust_123', billing: { overageLimit: null, featureConfigs: [null] } } }),
    says: [OWOSTACK_READ, 'id is missing, expected "cust_123"'],
  },
  { name: 'a null featureConfigs entry', answer: json({ success: true, id: 'cust_123', billing: { overageLimit: null, featureConfigs: [null] } }), says: [OWOSTACK_READ, 'billing.featureConfigs[0] is null, expected an object {feature, overage, maxOverageUnits}'] },
  { name: 'no overageLimit', answer: json({ success: true, id: 'cust_123', billing: { featureConfigs: [] } }), says: [OWOSTACK_READ, 'billing.overageLimit is missing, expected null or an object {maxOverageAmount, onLimitReached}'] },
  {
    name: 'an entry with a null feature and a number for overage',
    answer: json({ success: true, id: 'cust_123', billing: { overageLimit: null, featureConfigs: [{ feature: null, overage: 7 }] } }),
    says: [OWOSTACK_READ, 'billing.featureConfigs[0].feature is null, expected an object {id, slug}'],
  },
  {
    name: 'a number for overage',
    answer: json({ success: true, id: 'cust_123', billing: { overageLimit: null, featureConfigs: [{ feature: { id: 'f1', slug: 'api_calls' }, overage: 7, maxOverageUnits: null }] } }),
    says: [OWOSTACK_READ, 'billing.featureConfigs[0].overage is number 7, expected null or "block" or "charge"'],
  },
  {
    name: 'a string cap',
    answer: json({ success: true, id: 'cust_123', billing: { overageLimit: null, featureConfigs: [{ feature: { id: 'f1', slug: 'api_calls' }, overage: 'charge', maxOverageUnits: '1000' }] } }),
    says: [OWOSTACK_READ, 'billing.featureConfigs[0].maxOverageUnits is the string "1000", expected null or a whole number of 0 or more'],
  },
  {
    name: 'an overage limit with an unknown action',
    answer: json({ success: true, id: 'cust_123', billing: { overageLimit: { maxOverageAmount: 5, onLimitReached: 'stop' }, featureConfigs: [] } }),
    says: [OWOSTACK_READ, 'billing.overageLimit.onLimitReached is the string "stop", expected "block" or "notify"'],
  },
  { name: 'no success', answer: json({ id: 'cust_123', billing: { overageLimit: null, featureConfigs: [] } }), says: [OWOSTACK_READ, 'success is missing, expected true'] },
  {
    name: 'an HTML 404 page (a wrong base URL, not an unknown customer)',
    answer: { status: 404, contentType: 'text/html', body: '<html><body>Not Found</body></html>' },
    says: ['Owostack customer answered 404: unexpected response: <html><body>Not Found</body></html>. That is not Owostack\'s answer: check the endpoint'],
  },
  ...transportCases('GET /customers/cust_123', 'Owostack customer answered 502: unexpected response:'),
];

const AUTUMN_LIST = "Autumn's answer to customers.list is not what autumn-js expects:";
const customer = (extra: Record<string, unknown>) => ({ list: [{ id: 'cust_123', ...extra }], next_cursor: null });
const autumnCases: Case[] = [
  { name: 'a null customer', answer: json({ list: [null] }), says: [AUTUMN_LIST, 'list[0] is null, expected a customer object'] },
  { name: 'no list', answer: json({ data: [] }), says: [AUTUMN_LIST, 'list is missing, expected an array'] },
  { name: 'a number for an id', answer: json({ list: [{ id: 42 }] }), says: [AUTUMN_LIST, 'list[0].id is number 42, expected the customer id'] },
  { name: 'a null spend limit', answer: json(customer({ billing_controls: { spend_limits: [null] } })), says: [AUTUMN_LIST, 'list[0].billing_controls.spend_limits.0: is null, expected an object'] },
  { name: 'metadata that is a string', answer: json(customer({ metadata: 'tollgate_managed v1' })), says: [AUTUMN_LIST, 'list[0].metadata is the string "tollgate_managed v1", expected an object'] },
  { name: 'a number for next_cursor', answer: json({ list: [], next_cursor: 7 }), says: [AUTUMN_LIST, 'next_cursor is number 7, expected a string or null'] },
  ...transportCases('/v1/customers.list', 'Autumn answered 502 server_error:'),
];

const POLICIES = yaml`
  kind: Feature
  id: api_calls
  type: metered
  ---
  kind: Plan
  id: pro
  currency: USD
  features:
    api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
  ---
  kind: Customer
  id: cust_123
  plan: pro
  controls:
    api_calls: { overage: allow, maxOverageUnits: 1000 }
`;
const dir = policyDir({ 'policies.yaml': POLICIES });
afterAll(() => dir.cleanup());

/** Serves `answer` to every request and records each; closed when the run is over. */
async function hostileServer(answer: Answer): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    if (typeof answer.body === 'function') {
      void answer.body(res);
      return;
    }
    res.writeHead(answer.status, { ...(answer.contentType === undefined ? {} : { 'content-type': answer.contentType }), 'content-length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const TARGETS = [
  { target: 'owostack', cases: owostackCases, env: (url: string) => ({ OWOSTACK_API_URL: `${url}/v1`, OWOSTACK_SECRET_KEY: 'owo_sk_test_hostile' }), isWrite: (r: string) => !r.startsWith('GET ') },
  { target: 'autumn', cases: autumnCases, env: (url: string) => ({ AUTUMN_API_URL: url, AUTUMN_SECRET_KEY: 'am_sk_test_hostile' }), isWrite: (r: string) => /\.(update|create|get_or_create)$/.test(r) },
] as const;

const COMMANDS = [['plan'], ['apply', '--yes']] as const;

describe.each(TARGETS)('answers that differ from the documented shape, target $target', ({ target, cases, env, isWrite }) => {
  const table = cases.flatMap((c) => COMMANDS.map((command) => ({ ...c, command, title: `${command.join(' ')}: ${c.name}` })));
  it.concurrent.each(table)('$title', async ({ answer, says, command }) => {
    const server = await hostileServer(answer);
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'tollgate-hostile-'));
    try {
      const result = await tollgate([...command, '--dir', dir.path, '--target', target], cwd, env(server.url));
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^error: /);
      for (const text of says) expect(result.stderr).toContain(text);
      expect(result.stderr).not.toContain('internal error');
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stderr.length).toBeLessThan(2000);
      expect(result.stdout).not.toContain('Apply complete');
      expect(server.requests.length).toBeGreaterThan(0);
      expect(server.requests.filter(isWrite)).toEqual([]);
    } finally {
      await server.close();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
