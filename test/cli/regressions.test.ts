// Bugs found by the CLI cases and properties, each written as the behaviour it should have; all fixed,
// kept so they stay fixed.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/tollgate.js');
const TINY = path.join(REPO, 'test/cases/plan/fresh-state/policies');
const INTERNAL = 'internal error';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'tollgate-bug-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function tollgate(args: string[], nodeArgs: string[] = []): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GITHUB_ACTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeArgs, BIN, ...args], { cwd, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A module for `node --import` that makes FileHandle#sync fail for the local state, as on a disk that went away. */
function failingSyncPreload(): string {
  const file = path.join(cwd, 'fail-sync.mjs');
  writeFileSync(
    file,
    [
      "import fs from 'node:fs';",
      "const handle = await fs.promises.open(process.execPath, 'r');",
      'const proto = Object.getPrototypeOf(handle);',
      'await handle.close();',
      // only the local target's state files: the state backend's own files (under .tollgate/state/) still write
      'const sync = proto.sync;',
      "proto.sync = async function () { if (!fs.readlinkSync('/proc/self/fd/' + this.fd).includes('/.tollgate/local/')) return sync.call(this); throw Object.assign(new Error('EIO: i/o error, fsync (injected)'), { code: 'EIO' }); };",
    ].join('\n'),
  );
  return file;
}

describe('regressions', () => {
  // src/util/atomic-write.ts: the temp file is unlinked only when rename fails; when writeFile or sync throws
  // (disk full, EIO) the half-written `.state.json.<pid>.<ms>.tmp` stays next to the state forever.
  it('a failed state write leaves no temp file behind (atomic-write.ts)', async () => {
    cpSync(TINY, path.join(cwd, 'policies'), { recursive: true });
    const run = await tollgate(['apply', '--yes'], ['--import', failingSyncPreload()]);
    expect(run.code).toBe(1);
    expect(readdirSync(path.join(cwd, '.tollgate/local'))).toEqual([]);
  });

  // src/targets/local/local-target.ts flush() lets the fs error escape; apply.ts calls target.flush() outside
  // any try, so main.ts sorts it as a bug: "tollgate hit an internal error ... please report it" plus a stack.
  // A full or read-only disk is the user's to fix: it should be a TargetError naming the state file.
  it('a failed state write is reported as a failure to write the state, not as an internal bug (local-target.ts)', async () => {
    cpSync(TINY, path.join(cwd, 'policies'), { recursive: true });
    const run = await tollgate(['apply', '--yes'], ['--import', failingSyncPreload()]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain(INTERNAL);
    expect(run.stderr).toContain('.tollgate/local/state.json');
  });

  // src/cli/commands/compile.ts and plan.ts call writeFileAtomic on the -o path as given; a missing folder
  // gives ENOENT from open() of the temp file, shown as an internal bug with a stack naming the temp file.
  it('compile -o and plan -o into a folder that does not exist say so, without a stack (compile.ts, plan.ts)', async () => {
    cpSync(TINY, path.join(cwd, 'policies'), { recursive: true });
    for (const args of [['compile', '-o', 'out/effective.json'], ['plan', '-o', 'out/plan.json']]) {
      const run = await tollgate(args);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toContain(INTERNAL);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).toContain('out/');
    }
  });

  // src/cli/main.ts processIO() writes to process.stdout with no 'error' listener: `tollgate compile | head`
  // crashes with an unhandled EPIPE and a Node stack trace (SPEC §3: no input ever produces a stack trace).
  it('a reader that closes the pipe early (compile | head -1) gets no EPIPE stack (main.ts)', async () => {
    cpSync(path.join(REPO, 'policies'), path.join(cwd, 'policies'), { recursive: true });
    const env = { ...process.env, NO_COLOR: '1' };
    const child = spawn(process.execPath, [BIN, 'compile'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // The artifact is ~230 kB, far past a pipe buffer: closing after the first chunk cuts the write short.
    child.stdout.once('data', () => child.stdout.destroy());
    await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  // src/plan/format/fan-out.ts counts every customer whose plan object changed (plan.ts adds `plan:<id>` to the
  // causes of every customer on the plan), while the entity count and the summary line count only customers
  // whose effective policy moves. A customer that overrides the changed control is listed as reached.
  it('the blast radius of a plan change lists only customers whose effective policy changes (fan-out.ts)', async () => {
    const caseDir = path.join(REPO, 'test/cases/plan/plan-control-fan-out');
    cpSync(path.join(caseDir, 'policies'), path.join(cwd, 'policies'), { recursive: true });
    expect((await tollgate(['apply', '--yes'])).code).toBe(0);
    cpSync(path.join(caseDir, 'next/pro.yaml'), path.join(cwd, 'policies/plans/pro.yaml'));
    const run = await tollgate(['plan']);
    expect(run.stdout).toContain('(2 customers, 1 entity affected)');
    expect(run.stdout).toContain('plan pro reaches 2 customers and 1 entity: acme, initech');
  });

  // Fixed: suggest.ts counts a transposition as one edit; schema.ts matches anyOf branch errors by place.
  it('an unknown key gets "did you mean" for a transposition and no contradictory cascade (schema.ts)', async () => {
    cpSync(path.join(REPO, 'test/cases/validate/unknown-key/policies'), path.join(cwd, 'policies'), { recursive: true });
    const run = await tollgate(['validate', '--format', 'json']);
    const { diagnostics } = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; message: string; line: number }> };
    expect(diagnostics.find((d) => d.line === 4)?.message).toContain('Did you mean "plan"?');
    expect(diagnostics.filter((d) => d.line === 7).map((d) => d.code)).toEqual(['unknown-key']);
  });

  // src/targets/local/local-target.ts load() checks only formatVersion and that `objects` is an object; a
  // hand-edited key such as "bogus" reaches parseObjectKey in plan.ts, which throws a bare Error (an internal
  // bug with a stack). It should be refused like other malformed state: a message naming the file and the key.
  it('a malformed object key in the local state is refused with a message, not a stack (local-target.ts)', async () => {
    cpSync(TINY, path.join(cwd, 'policies'), { recursive: true });
    mkdirSync(path.join(cwd, '.tollgate/local'), { recursive: true });
    writeFileSync(path.join(cwd, '.tollgate/local/state.json'), JSON.stringify({ formatVersion: 1, objects: { bogus: { controls: { features: {} } } } }));
    const run = await tollgate(['plan']);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain(INTERNAL);
    expect(run.stderr).toContain('bogus');
  });
});

// Not bugs, but what the known-bug tests above rely on: the preload really makes the state write fail,
// and the state left behind is the one from before.
describe('fault injection used above', () => {
  it('the failing-sync preload makes apply fail and leaves no state file', async () => {
    cpSync(TINY, path.join(cwd, 'policies'), { recursive: true });
    const run = await tollgate(['apply', '--yes'], ['--import', failingSyncPreload()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EIO: i/o error, fsync (injected)');
    expect(existsSync(path.join(cwd, '.tollgate/local/state.json'))).toBe(false);
    expect(readFileSync(path.join(cwd, 'policies/plans/pro.yaml'), 'utf8')).toContain('kind: Plan');
  });
});
