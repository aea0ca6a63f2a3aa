// Runs the real CLI on every case folder under test/cases/<command>/<case>/ and compares its output with
// the folder's snapshot.txt (refresh with `npx vitest run test/cli -u`). A case folder holds:
//   cmd                   one step per line, run in order in one temp dir. A line is either the arguments
//                         after `tollgate` (quotes group words; a leading `tollgate` word is dropped, so a line
//                         `tollgate` alone runs it without arguments) or a runner step starting with `!` (see
//                         STEPS); blank lines and lines starting with `#` are skipped.
//   policies/, …          any files the commands read; the whole folder is copied to the temp dir
//   use-example-policies  marker: copy the repository's policies/ in as policies/
//   stdin                 piped to every tollgate step (else stdin is empty and not a terminal)
//   env                   KEY=VALUE lines added to the environment of every tollgate step; TOLLGATE_AT (the
//                         instant policies are resolved at, for exceptions and waivers) is pinned to
//                         PINNED_AT unless the case sets it, so snapshots do not change with the date
//   snapshot.txt          per step: "$ tollgate <args>" (or "! <step>"), stdout, "[stderr]" and stderr, "[exit N]"
// The CLI runs with NO_COLOR=1 and without GITHUB_ACTIONS, FORCE_COLOR or CI settings leaking in.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { scopeFolder } from '../../src/backend/file-backend.js';
import { readEffectivePolicy } from '../../src/engine/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CASES = path.join(REPO, 'test/cases');
const BIN = path.join(REPO, 'bin/tollgate.js');
/** Files of a case folder that describe the case rather than being part of its working directory. */
const CASE_FILES = new Set(['cmd', 'snapshot.txt', 'stdin', 'env', 'use-example-policies']);

interface StepResult {
  header: string;
  stdout: string;
  stderr: string;
  exit?: number;
}

/** Splits a cmd line into words; single or double quotes group words (no escapes, no expansion). */
export function splitArgs(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** Runs `node bin/tollgate.js args` in `cwd` and waits for it to exit. */
function runTollgate(args: string[], cwd: string, env: NodeJS.ProcessEnv, stdin: string): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ header: `$ tollgate ${args.join(' ')}`.trimEnd(), stdout, stderr, exit: code ?? (signal ? 128 : -1) }));
    child.stdin.end(stdin);
  });
}

/** The value at a dotted path of a JSON value ("customers.cust_123.features"); keys may not contain dots. */
function at(value: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

/** Dies at once, so its pid names a process that is no longer alive (a lock left by a crashed apply). */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '']);
  const pid = child.pid!;
  await new Promise((resolve) => child.on('close', resolve));
  return pid;
}

function lockHolder(pid: number): string {
  return JSON.stringify({ host: os.hostname(), pid, actor: 'alice', commit: 'c0ffee'.padEnd(40, '0'), command: 'tollgate apply --yes', since: '2025-01-02T03:04:05.000Z' }) + '\n';
}

/** The file backend's lock file of a target (its default endpoint unless one is named), under the case's .tollgate/. */
function lockFile(cwd: string, target: string, endpoint?: string): string {
  const endpoints: Record<string, string> = { local: '.tollgate/local/state.json' };
  return path.join(scopeFolder(path.join(cwd, '.tollgate'), { target, endpoint: endpoint ?? endpoints[target]! }), 'lock.json');
}

/** Runner steps (`! name args`) that set up or inspect the temp dir between tollgate runs. */
const STEPS: Record<string, (cwd: string, args: string[]) => string | Promise<string>> = {
  /** Deletes a file or folder. */
  rm: (cwd, [p]) => (rmSync(path.join(cwd, p!), { recursive: true }), ''),
  /** Copies a file or folder over another (e.g. a second version of a policy file). */
  cp: (cwd, [from, to]) => (cpSync(path.join(cwd, from!), path.join(cwd, to!), { recursive: true }), ''),
  mkdir: (cwd, [p]) => (mkdirSync(path.join(cwd, p!), { recursive: true }), ''),
  /** Lists a folder's entries, hidden ones included, sorted; folders end in "/". */
  ls: (cwd, [p]) =>
    readdirSync(path.join(cwd, p ?? '.'), { withFileTypes: true })
      .map((e) => e.name + (e.isDirectory() ? '/' : ''))
      .sort()
      .join('\n') + '\n',
  /** Prints a file. */
  cat: (cwd, [p]) => readFileSync(path.join(cwd, p!), 'utf8'),
  /** Prints the JSON values at dotted paths of a JSON file, one per line. */
  json: (cwd, [p, ...paths]) => {
    const value = JSON.parse(readFileSync(path.join(cwd, p!), 'utf8')) as unknown;
    return paths.map((d) => `${d} = ${JSON.stringify(at(value, d))}\n`).join('');
  },
  /** The same for compile's artifact, read by readEffectivePolicy: every source in full, whatever the artifact's format. */
  effective: (cwd, [p, ...paths]) => {
    const value = readEffectivePolicy(path.join(cwd, p!));
    return paths.map((d) => `${d} = ${JSON.stringify(at(value, d))}\n`).join('');
  },
  /** Sets the value at a dotted path of a JSON file to a JSON value (a plan's formatVersion, `objects.0.after`). */
  'set-json': (cwd, [p, dotted, json]) => {
    const file = path.join(cwd, p!);
    const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const keys = dotted!.split('.');
    const parent = keys.length === 1 ? value : at(value, keys.slice(0, -1).join('.'));
    if (parent === null || typeof parent !== 'object') throw new Error(`set-json: ${p} has nothing at ${keys.slice(0, -1).join('.')}`);
    (parent as Record<string, unknown>)[keys.at(-1)!] = JSON.parse(json!);
    writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
    return '';
  },
  /** Says whether two files are byte-identical. */
  same: (cwd, [a, b]) => {
    const x = readFileSync(path.join(cwd, a!));
    const y = readFileSync(path.join(cwd, b!));
    return x.equals(y) ? `byte-identical (${x.length} bytes)\n` : `DIFFERENT (${x.length} vs ${y.length} bytes)\n`;
  },
  /** Writes the file backend's apply lock of a target (`! lock local [endpoint]`), held by a live process: the test runner itself. */
  lock: (cwd, [target, endpoint]) => {
    const file = lockFile(cwd, target!, endpoint);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lockHolder(process.pid));
    return '';
  },
  /** The same, left behind by a process that has exited. */
  'lock-dead': async (cwd, [target, endpoint]) => {
    const file = lockFile(cwd, target!, endpoint);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lockHolder(await deadPid()));
    return '';
  },
  /** Says whether a target's file-backend apply lock is held. */
  locked: (cwd, [target, endpoint]) => `${target} ${existsSync(lockFile(cwd, target!, endpoint)) ? 'is locked' : 'is not locked'}\n`,
  /** Says whether a path exists. */
  exists: (cwd, [p]) => `${p} ${existsSync(path.join(cwd, p!)) ? 'exists' : 'does not exist'}\n`,
};

/** The instant every case resolves policies at, unless its env file or an --at flag says otherwise. */
const PINNED_AT = '2026-11-26T12:00:00Z';

function childEnv(caseDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TOLLGATE_AT: PINNED_AT };
  for (const key of ['GITHUB_ACTIONS', 'FORCE_COLOR', 'CI', 'AUTUMN_SECRET_KEY', 'OWOSTACK_SECRET_KEY', 'AUTUMN_API_URL', 'OWOSTACK_API_URL', 'TOLLGATE_BACKEND', 'GITHUB_SHA']) delete env[key];
  // the actor every apply records
  env.GITHUB_ACTOR = 'case-runner';
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'NODE_OPTIONS') delete env[key];
  const file = path.join(caseDir, 'env');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith('#')) env[line.slice(0, eq).trim()] = line.slice(eq + 1);
    }
  }
  return env;
}

/** Replaces what differs between machines and runs: temp paths, the repository path, the lock holder's pid, host and user. */
function normalize(text: string, cwd: string): string {
  let out = text;
  for (const dir of new Set([realpathSync(cwd), cwd])) out = out.split(dir).join('<TMP>');
  out = out.split(REPO).join('<REPO>');
  const host = os.hostname();
  const user = os.userInfo().username;
  out = out.replace(/pid \d+ on (\S+) \(user ([^)]*)\)/g, (m, h: string, u: string) => `pid <PID> on ${h === host ? '<HOST>' : h} (user ${u === user ? '<USER>' : u})`);
  // a lock holder as describeHolder names it: "alice on host (pid 123, commit …)"
  out = out.replace(/ on (\S+) \(pid \d+/g, (m, h: string) => ` on ${h === host ? '<HOST>' : h} (pid <PID>`);
  out = out.split(`"host": "${host}"`).join('"host": "<HOST>"');
  // apply ids (start time and a random part) and the times of history entries
  out = out.replace(/\b\d{8}T\d{9}Z-[0-9a-f]{6}\b/g, '<APPLY-ID>')
    // times of this run: with milliseconds (toISOString), or as history prints them; fixed times in cases stay
    .replace(/\b\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d\.\d{3}Z| \d\d:\d\d:\d\dZ)/g, '<TIME>').replace(/\(\d+\.\d s\)/g, '(<SECONDS> s)');
  return out;
}

function render(results: StepResult[]): string {
  return results
    .map((r) => {
      const parts = [r.header];
      if (r.stdout) parts.push(r.stdout.replace(/\n$/, ''));
      if (r.stderr) parts.push('[stderr]', r.stderr.replace(/\n$/, ''));
      if (r.exit !== undefined) parts.push(`[exit ${r.exit}]`);
      return parts.join('\n');
    })
    .join('\n\n') + '\n';
}

/** Copies the case to a fresh temp dir, runs its steps there, and returns the normalized transcript. */
async function runCase(caseDir: string): Promise<string> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'tollgate-case-'));
  try {
    for (const entry of readdirSync(caseDir)) {
      if (!CASE_FILES.has(entry)) cpSync(path.join(caseDir, entry), path.join(cwd, entry), { recursive: true });
    }
    if (existsSync(path.join(caseDir, 'use-example-policies'))) cpSync(path.join(REPO, 'policies'), path.join(cwd, 'policies'), { recursive: true });
    const env = childEnv(caseDir);
    const stdin = existsSync(path.join(caseDir, 'stdin')) ? readFileSync(path.join(caseDir, 'stdin'), 'utf8') : '';
    const lines = readFileSync(path.join(caseDir, 'cmd'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const results: StepResult[] = [];
    for (const line of lines) {
      if (line.startsWith('!')) {
        const [name, ...args] = splitArgs(line.slice(1));
        const step = STEPS[name!];
        if (!step) throw new Error(`${caseDir}/cmd: unknown runner step "! ${name}"; known: ${Object.keys(STEPS).join(', ')}`);
        results.push({ header: `! ${name} ${args.join(' ')}`.trimEnd(), stdout: await step(cwd, args), stderr: '' });
      } else {
        const words = splitArgs(line);
        results.push(await runTollgate(words[0] === 'tollgate' ? words.slice(1) : words, cwd, env, stdin));
      }
    }
    return normalize(render(results), cwd);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

function caseDirs(): string[] {
  const dirs: string[] = [];
  for (const command of readdirSync(CASES).sort()) {
    const commandDir = path.join(CASES, command);
    if (!statSync(commandDir).isDirectory()) continue;
    for (const name of readdirSync(commandDir).sort()) {
      if (existsSync(path.join(commandDir, name, 'cmd'))) dirs.push(path.join(commandDir, name));
    }
  }
  return dirs;
}

describe.concurrent('tollgate CLI cases (test/cases)', () => {
  for (const dir of caseDirs()) {
    it(path.relative(CASES, dir), async ({ expect }) => {
      await expect(await runCase(dir)).toMatchFileSnapshot(path.join(dir, 'snapshot.txt'));
    }, 180_000); // a case runs several node processes; give them room on a loaded CI machine
  }
});
