// `tollgate validate --watch` through the real CLI: after every change to the policy files it prints what a fresh
// `tollgate validate` prints of the directory as it is then, whatever the kind of change (a file written in place,
// saved the way editors save, a new folder, a deleted one), and Ctrl-C stops it cleanly.
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/tollgate.js');
const AT = '2026-11-27';
const ENV = { ...process.env, NO_COLOR: '1', TOLLGATE_AT: AT };
/** How long a report may take before the test fails showing what the watch printed (a first run on a loaded CI machine takes seconds). */
const WAIT_MS = 30_000;

/** The watching process; its stdout and stderr as they arrive. */
class Watch {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  private read = 0;
  private readonly waiters: Array<() => void> = [];
  readonly closed: Promise<number | null>;

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [BIN, 'validate', '--watch', ...args], { cwd, env: ENV });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => this.arrived(() => (this.stdout += d)));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => this.arrived(() => (this.stderr += d)));
    this.closed = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  private arrived(add: () => void): void {
    add();
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits for output until `done`; a report that never comes fails the test with what did come, not by vitest's timeout. */
  private async until(done: () => boolean): Promise<void> {
    const limit = Date.now() + WAIT_MS;
    while (!done()) {
      if (this.child.exitCode !== null) throw new Error(`the watch exited (${this.child.exitCode}).\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      const left = limit - Date.now();
      if (left <= 0) throw new Error(`no such output in ${WAIT_MS / 1000} s.\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** The next `length` characters of stdout, once they have all arrived. */
  async next(length: number): Promise<string> {
    await this.until(() => this.stdout.length >= this.read + length);
    const text = this.stdout.slice(this.read, this.read + length);
    this.read += length;
    return text;
  }

  /** The next line of stdout (json: one report per line). */
  async nextLine(): Promise<string> {
    await this.until(() => this.stdout.indexOf('\n', this.read) >= 0);
    const end = this.stdout.indexOf('\n', this.read) + 1;
    const line = this.stdout.slice(this.read, end);
    this.read = end;
    return line;
  }

  /** Waits for the status line that follows the `n`th report on stderr. */
  async statusLines(n: number): Promise<string[]> {
    const lines = () => this.stderr.split('\n').filter((l) => l.includes('Watching for changes'));
    await this.until(() => lines().length >= n);
    return lines();
  }

  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    this.child.kill(signal);
    return this.closed;
  }
}

let root: string;
let watch: Watch | undefined;
const policies = (file: string) => path.join(root, 'policies', file);

/** What a fresh `tollgate validate` prints of the directory now (no cache). */
function validate(format: string): string {
  try {
    return execFileSync(process.execPath, [BIN, 'validate', '--format', format], { cwd: root, env: { ...ENV, TOLLGATE_CACHE: 'off' }, encoding: 'utf8' });
  } catch (error) {
    return (error as { stdout: string }).stdout; // exit 1: errors found
  }
}

const oneLine = (json: string) => `${JSON.stringify(JSON.parse(json))}\n`;

/**
 * Makes a change and waits for the report of the state it leaves. A change may be seen by more than one run (a
 * folder, then the files in it; a file written in place, seen empty by a run between truncating and writing it on
 * a loaded machine): the reports go on until one is what a fresh validate prints of that state.
 */
async function step(what: string, change: () => void, marker: string): Promise<void> {
  change();
  const expected = oneLine(validate('json'));
  expect(expected, what).toContain(marker);
  while ((await watch!.nextLine()) !== expected);
}

/** Writes a file as editors save: another file written, then renamed over it (one change, never seen half-written). */
function save(file: string, text: string): void {
  writeFileSync(`${file}.tmp~`, text);
  renameSync(`${file}.tmp~`, file);
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-watch-'));
  cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  // without guardrails and waivers a change to customer files is checked on its own, the others' results kept
  rmSync(policies('guardrails'), { recursive: true });
});

afterEach(async () => {
  if (watch && watch.child.exitCode === null) await watch.stop();
  watch = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe('tollgate validate --watch', () => {
  it('reports after each change what validate reports then, until Ctrl-C', async () => {
    watch = new Watch(['--format', 'json'], root);
    expect(await watch.nextLine()).toBe(oneLine(validate('json')));
    const globex = policies('customers/cust_globex.yaml');
    const original = readFileSync(globex, 'utf8');

    await step('written in place', () => writeFileSync(globex, original.replace('plan: pro', 'plan: prp')), 'unknown plan \\"prp\\". Did you mean \\"pro\\"?');
    // saved as editors save, twice: the second save is seen too
    await step('saved by renaming', () => save(globex, original), '"errors":0');
    await step('saved by renaming again', () => save(globex, original.replace('plan: pro', 'plan: scale')), 'unknown plan \\"scale\\"');
    await step('a new folder, and a file in it', () => {
      mkdirSync(policies('customers/more'));
      writeFileSync(policies('customers/more/c_more.yaml'), 'kind: Customer\nid: c_more\nplan: fre\n');
    }, 'unknown plan \\"fre\\"');
    await step('a file in the new folder changed', () => writeFileSync(policies('customers/more/c_more.yaml'), 'kind: Customer\nid: c_more\nplan: fee\n'), 'unknown plan \\"fee\\"');
    await step('the folder deleted', () => rmSync(policies('customers/more'), { recursive: true }), 'unknown plan \\"scale\\"');

    expect(await watch.stop()).toBe(0);
    expect(watch.stderr).toMatch(/^\[\d\d:\d\d:\d\d\] Checked policies in (\d+ ms|\d+\.\d s): 0 errors, 0 warnings\. Watching for changes; Ctrl-C stops\.\n/);
    expect(watch.stderr).toMatch(/\] policies\/customers\/cust_globex\.yaml changed; checked in (\d+ ms|\d+\.\d s): 1 error, 0 warnings\. Watching/);
    expect(watch.stderr.endsWith('Stopped watching.\n')).toBe(true);
  });

  it('shows the code frames of kept diagnostics when another file is checked again', async () => {
    // hooli has no exceptions (whose groups are checked on every run): its diagnostic is kept from the first run
    const hooli = policies('customers/cust_hooli.yaml');
    save(hooli, readFileSync(hooli, 'utf8').replace('plan: pro', 'plan: prp'));
    watch = new Watch([], root);
    const first = validate('stylish');
    expect(first).toMatch(/> 14 \| plan: prp/);
    expect(await watch.next(first.length)).toBe(first);
    await watch.statusLines(1);
    // another customer's file: its group is checked again
    const stark = policies('customers/cust_stark.yaml');
    save(stark, readFileSync(stark, 'utf8').replace(/^name: (.*)$/m, 'name: $1 (renamed)'));
    const second = validate('stylish');
    expect(second).toBe(first);
    expect(await watch.next(second.length)).toBe(second);
    await watch.statusLines(2);
    expect(await watch.stop()).toBe(0);
    // nothing printed beyond the two reports
    expect(watch.stdout).toBe(first + second);
  });

  it('follows folders deleted and made again, folders with a dot in their name, definitions and linked files', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'tollgate-watch-linked-'));
    try {
      writeFileSync(path.join(outside, 'linked.yaml'), 'kind: Customer\nid: cust_linked\nplan: free\n');
      symlinkSync(path.join(outside, 'linked.yaml'), policies('customers/cust_linked.yaml'));
      watch = new Watch(['--format', 'json'], root);
      expect(await watch.nextLine()).toBe(oneLine(validate('json')));
      // a folder deleted and made again at once (a checkout of it; the new folder may get the old one's inode),
      // then a file in it edited: the new folder is watched
      const plans = policies('plans');
      const saved = path.join(outside, 'plans');
      cpSync(plans, saved, { recursive: true });
      await step('plans deleted and made again', () => {
        rmSync(plans, { recursive: true });
        cpSync(saved, plans, { recursive: true });
      }, '"errors":0');
      await step('a plan renamed in the new folder', () => writeFileSync(path.join(plans, 'pro.yaml'), readFileSync(path.join(plans, 'pro.yaml'), 'utf8').replace(/^id: pro$/m, 'id: prox')), 'Did you mean \\"prox\\"?');
      await step('and back', () => cpSync(path.join(saved, 'pro.yaml'), path.join(plans, 'pro.yaml')), '"errors":0');

      // a folder with a dot in its name, a file in it edited, the folder moved out
      const dotted = policies('customers/region.eu');
      await step('a dotted folder with a customer', () => {
        mkdirSync(dotted);
        writeFileSync(path.join(dotted, 'cust_eu.yaml'), 'kind: Customer\nid: cust_eu\nplan: fre\n');
      }, 'unknown plan \\"fre\\"');
      await step('its customer edited', () => writeFileSync(path.join(dotted, 'cust_eu.yaml'), 'kind: Customer\nid: cust_eu\nplan: fee\n'), 'unknown plan \\"fee\\"');
      await step('the dotted folder moved out', () => renameSync(dotted, path.join(outside, 'region.eu')), '"errors":0');

      // a policy file linked after the watch started, its target then edited where it lives
      writeFileSync(path.join(outside, 'late.yaml'), 'kind: Customer\nid: cust_late\nplan: free\n');
      await step('a link added', () => symlinkSync(path.join(outside, 'late.yaml'), policies('customers/cust_late.yaml')), '"errors":0');
      await step('its target edited', () => writeFileSync(path.join(outside, 'late.yaml'), 'kind: Customer\nid: cust_late\nplan: frei\n'), 'unknown plan \\"frei\\"');

      // the file a policy file links to, edited where it lives
      await step('a linked file edited', () => writeFileSync(path.join(outside, 'linked.yaml'), 'kind: Customer\nid: cust_linked\nplan: proo\n'), 'unknown plan \\"proo\\"');

      expect(await watch.stop('SIGTERM')).toBe(0);
      expect(watch.stderr.endsWith('Stopped watching.\n')).toBe(true);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
