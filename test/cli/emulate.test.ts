// `tollgate emulate` start-up failures the user causes, and the explicit "no rate limit", through the real CLI.
import { execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/tollgate.js');

function tollgate(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('tollgate emulate', () => {
  // The README's command run twice: the second one found the port taken and printed an internal-error stack.
  it('a port in use is one line naming the port, exit 1, no stack', async () => {
    const holder = createServer();
    const port = await listen(holder);
    try {
      for (const api of ['autumn', 'owostack']) {
        const run = await tollgate(['emulate', api, '--port', String(port), '--secret-key', 'k']);
        expect(run.code).toBe(1);
        expect(run.stderr).toBe(`error: Cannot start the ${api} emulator: port ${port} on 127.0.0.1 is already in use; stop what listens there, or choose another --port (without --port a free one is picked).\n`);
      }
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('--rate-limit none serves a burst past the default 25 per second without a 429', async () => {
    const child = spawn(process.execPath, [BIN, 'emulate', 'owostack', '--rate-limit', 'none', '--secret-key', 'k'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const closed = new Promise((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        void closed.then(() => reject(new Error('the emulator exited before listening')));
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('\n')) resolve(out.split('\n')[0]!.slice('Listening on '.length));
        });
      });
      const statuses = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          fetch(`${url}/v1/customers`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ customer: `c${i}` }) }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 429)).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await closed;
    }
  });
});
