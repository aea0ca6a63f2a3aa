// `tollgate emulate`: the first line says where it listens; SIGINT and SIGTERM close it cleanly.
import { describe, expect, it } from 'vitest';
import { tollgate } from './helpers.js';

function firstLine(run: ReturnType<typeof tollgate>): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    run.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
  });
}

describe('tollgate emulate', () => {
  for (const [api, signal, path, body] of [
    ['autumn', 'SIGINT', '/v1/customers.get', { customer_id: 'nobody' }],
    ['owostack', 'SIGTERM', '/v1/customers', { customer: 'c1' }],
  ] as const) {
    it(`serves ${api} on loopback until ${signal}`, async () => {
      const run = tollgate(['emulate', api, '--secret-key', 'k', '--rate-limit', '5'], process.cwd());
      const line = await firstLine(run);
      expect(line).toMatch(/^Listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = line.slice('Listening on '.length);
      const refused = await fetch(url + path, { method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(refused.status).toBe(401);
      const answered = await fetch(url + path, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(answered.status).not.toBe(401);
      run.child.kill(signal);
      const result = await run;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`Stopped the ${api} emulator.`);
    });
  }

  it('refuses wrong option values as usage errors', async () => {
    const result = await tollgate(['emulate', 'autumn', '--fault-rate', '2'], process.cwd());
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--fault-rate must be a share between 0 and 1');
  });
});
