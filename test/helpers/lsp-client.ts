import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tollgate.js');

interface Message {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { message: string };
}

/**
 * The real `tollgate lsp` process, spoken to in JSON-RPC over its stdin and stdout (Content-Length framing),
 * as an editor does. Notifications are kept so a test can wait for one that has already arrived.
 */
export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly notifications: Message[] = [];
  private readonly waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [BIN, 'lsp', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(message);
    }
  }

  private dispatch(message: Message): void {
    if (message.id !== undefined && message.method === undefined) {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(message.error.message));
      else waiting?.resolve(message.result);
      return;
    }
    if (message.id !== undefined) {
      // a request from the server (e.g. client/registerCapability): answer it as an editor would, and keep it
      // with the notifications, for a test to wait on
      this.send({ id: message.id, result: null });
    }
    this.notifications.push(message);
    for (const w of [...this.waiters]) {
      if (w.match(message)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(message);
      }
    }
  }

  private send(message: object): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  /** Sends a request and waits for its answer. */
  request<T = unknown>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /**
   * The first notification (or request from the server) of `method` after `since` (a count from `mark()`) that `match` accepts, arrived or to come.
   * Counting from a mark lets a test wait for the answer to its own edit, not an earlier one.
   */
  waitFor<P>(method: string, match: (params: P) => boolean, since = 0): Promise<P> {
    const test = (m: Message) => m.method === method && match(m.params as P);
    const found = this.notifications.slice(since).find(test);
    if (found) return Promise.resolve(found.params as P);
    return new Promise((resolve) => this.waiters.push({ match: test, resolve: (m) => resolve(m.params as P) }));
  }

  /** How many notifications have arrived: a point to wait from. */
  mark(): number {
    return this.notifications.length;
  }

  /** shutdown, then the pipe closed without exit (as an editor that quits does), and the process's exit code. */
  async hangUp(): Promise<number | null> {
    await this.request('shutdown', null);
    this.child.stdin.end();
    return this.exited;
  }

  /** shutdown, exit, and the process's exit code. */
  async close(): Promise<number | null> {
    await this.request('shutdown', null);
    this.notify('exit', null);
    this.child.stdin.end();
    return this.exited;
  }
}
