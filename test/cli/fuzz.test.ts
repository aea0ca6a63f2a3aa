// Fuzzing the real CLI with mutated copies of the example policies: byte flips, truncation, swapped values,
// duplicated and deeply nested documents. Whatever a pull request puts in the policy folder, tollgate must
// answer with exit 0 or 1, a JSON report that parses, and no stack trace; a run that hangs is killed and fails.
// The seed is fixed so CI runs the same cases (TOLLGATE_FUZZ_SEED changes it, TOLLGATE_FUZZ_RUNS raises the count).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/tollgate.js');
const EXAMPLE = path.join(REPO, 'policies');
const RUNS = Number(process.env.TOLLGATE_FUZZ_RUNS ?? 30);
/** The same cases on every CI run; TOLLGATE_FUZZ_SEED picks others for a longer soak. */
const SEED = Number(process.env.TOLLGATE_FUZZ_SEED ?? 20261126);
/** The largest policy file a mutation writes: a little past the 16 MiB limit of one file. */
const MAX_MUTATED_BYTES = 18 * 1024 * 1024;
/** A run that takes longer than this is a hang, not a slow machine: the child is killed and the case fails. */
const HANG_MS = 20_000;

const work = mkdtempSync(path.join(os.tmpdir(), 'tollgate-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every policy file of the example repository, relative to its root. */
function policyFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const child = path.join(rel, name);
    if (statSync(path.join(dir, child)).isDirectory()) return policyFiles(dir, child);
    return /\.ya?ml$/.test(name) ? [child] : [];
  });
}
const FILES = policyFiles(EXAMPLE).sort();

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], cwd: string): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GITHUB_ACTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: HANG_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** One way to damage a policy file; each takes the file's text and random numbers from fast-check. */
type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'delete-line'; at: number }
  | { kind: 'duplicate'; times: number }
  | { kind: 'nest'; depth: number }
  | { kind: 'profile-chain'; length: number }
  | { kind: 'wide'; keys: number }
  | { kind: 'replace-value'; at: number; value: string };

const STRANGE_VALUES = ['null', '~', '-1', '1.5', '0x10', '.inf', '.nan', '1e400', '99999999999999999999999', '[]', '{}', '"', "'", '&a', '*a', '!!binary AA==', '__proto__', 'constructor', '? x', '|', '>-', '@', '`', '%YAML 1.1', '---', '...', 'unlimited', 'allow', 'block', "''", '"\\u0000"'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), times: fc.integer({ min: 2, max: 2000 }) }),
  fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 50, max: 5000 }) }),
  fc.record({ kind: fc.constant('profile-chain' as const), length: fc.integer({ min: 2, max: 6000 }) }),
  fc.record({ kind: fc.constant('wide' as const), keys: fc.integer({ min: 10, max: 20000 }) }),
  fc.record({ kind: fc.constant('replace-value' as const), at: fc.nat(), value: fc.constantFrom(...STRANGE_VALUES) }),
);

/** The scalar values of a YAML text, as [start, end) offsets after a `key: ` or `- `. */
function valueSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const re = /(?::|-) +([^\s#{}[\],][^\n#,}\]]*)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index + m[0].length - m[1]!.length;
    spans.push([start, start + m[1]!.trimEnd().length]);
  }
  return spans;
}

/** Applies a mutation to a file's bytes. */
export function mutate(text: string, m: Mutation): Buffer | string {
  switch (m.kind) {
    case 'flip': {
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length === 0) return bytes;
      bytes[m.at % bytes.length] = m.byte;
      return bytes;
    }
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'swap': {
      const spans = valueSpans(text);
      if (spans.length < 2) return text;
      const [x, y] = [spans[m.a % spans.length]!, spans[m.b % spans.length]!].sort((p, q) => p[0] - q[0]) as [[number, number], [number, number]];
      if (x[1] > y[0]) return text;
      return text.slice(0, x[0]) + text.slice(y[0], y[1]) + text.slice(x[1], y[0]) + text.slice(x[0], x[1]) + text.slice(y[1]);
    }
    case 'delete-line': {
      const lines = text.split('\n');
      lines.splice(m.at % lines.length, 1);
      return lines.join('\n');
    }
    case 'duplicate':
      // Up to a little past the 16 MiB file limit, so that limit is tried too, but never past V8's longest string.
      return Array.from({ length: Math.max(1, Math.min(m.times, Math.floor(MAX_MUTATED_BYTES / (text.length + 5)))) }, () => text).join('\n---\n');
    case 'nest':
      return `${text}\n---\nkind: Customer\nid: deep\nplan: pro\nname: ${'['.repeat(m.depth)}${']'.repeat(m.depth)}\n`;
    case 'profile-chain': {
      // Each profile extends the next; a customer stands at the head of the chain.
      const profiles = Array.from({ length: m.length }, (_, i) => `kind: Profile\nid: fz${i}\n${i + 1 < m.length ? `extends: [fz${i + 1}]\n` : ''}controls: { api_calls: { maxOverageUnits: ${i + 1} } }`);
      return `${text}\n---\n${profiles.join('\n---\n')}\n---\nkind: Customer\nid: fz_head\nplan: pro\nextends: [fz0]\n`;
    }
    case 'wide': {
      const keys = Array.from({ length: m.keys }, (_, i) => `    feature_${i}: { overage: allow }`);
      return `${text}\n---\nkind: Customer\nid: fz_wide\nplan: pro\ncontrols:\n${keys.join('\n')}\n`;
    }
    case 'replace-value': {
      const spans = valueSpans(text);
      if (spans.length === 0) return text;
      const [start, end] = spans[m.at % spans.length]!;
      return text.slice(0, start) + m.value + text.slice(end);
    }
  }
}

/** What no output of tollgate may contain: a JavaScript stack frame or the internal-error banner. */
function expectNoCrash(o: Outcome, what: string): void {
  expect(o.signal, `${what} was killed (hang past ${HANG_MS} ms)`).toBeNull();
  expect([0, 1], `${what} exit code\n${o.stderr}`).toContain(o.code);
  expect(o.stderr).not.toMatch(/internal error|^\s+at .+\(.*:\d+:\d+\)$/m);
  expect(o.stdout).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
}

describe('fuzzing the example policies through the CLI', () => {
  let caseNo = 0;
  it(`${RUNS} mutated policy folders: validate (json) and plan exit 0 or 1, with no stack trace`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FILES), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (file, mutations) => {
        const cwd = path.join(work, `case-${caseNo++}`);
        cpSync(EXAMPLE, path.join(cwd, 'policies'), { recursive: true });
        const target = path.join(cwd, 'policies', file);
        let content: Buffer | string = readFileSync(target, 'utf8');
        for (const m of mutations) content = mutate(Buffer.isBuffer(content) ? content.toString('latin1') : content, m);
        writeFileSync(target, content);

        const validate = await runCli(['validate', '--format', 'json'], cwd);
        expectNoCrash(validate, 'validate');
        const report = JSON.parse(validate.stdout) as { diagnostics: unknown[]; summary: { errors: number; warnings: number } };
        expect(report.summary.errors > 0).toBe(validate.code === 1);

        const plan = await runCli(['plan', '--format', 'json'], cwd);
        expectNoCrash(plan, 'plan');
        if (plan.code === 0) expect(JSON.parse(plan.stdout)).toHaveProperty('formatVersion');
        rmSync(cwd, { recursive: true, force: true });
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, RUNS * 2 * HANG_MS);
});
