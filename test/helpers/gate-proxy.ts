// A loopback HTTP proxy in front of an emulator that can hold requests until the test lets them through: two
// processes can then be made to overlap at a chosen request, on an event rather than a timer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GateProxy {
  /** The proxy's base URL: the emulator's, with the proxy's host and port. */
  readonly url: string;
  /** From now on requests for which `matches(method, path)` is true wait; resolves when the first one arrives. */
  hold(matches: (method: string, path: string) => boolean): Promise<void>;
  /** Lets every held request (and those to come) through. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (a base URL such as http://127.0.0.1:1234/v1) on a free loopback port. */
export async function startGateProxy(target: string): Promise<GateProxy> {
  const upstream = new URL(target);
  let matches: ((method: string, path: string) => boolean) | undefined;
  let held: Array<() => void> = [];
  let arrived: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    const forward = (): void => {
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (matches?.(req.method ?? 'GET', req.url ?? '/')) {
      held.push(forward);
      arrived?.();
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/+$/, '')}`,
    hold(predicate) {
      matches = predicate;
      return new Promise<void>((resolve) => (arrived = resolve));
    },
    release() {
      matches = undefined;
      for (const go of held) go();
      held = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
