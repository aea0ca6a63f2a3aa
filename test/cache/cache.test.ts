// The cache under .tollgate/cache/ through the real CLI: output with it, without it, cold and warm, after
// edits to one customer and to a shared profile, and from a damaged cache, is the same output.
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutProgress } from '../helpers/progress-lines.js';
import { TextPack } from '../../src/cache/text-pack.js';
import { CompiledCache } from '../../src/cache/compiled-cache.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/tollgate.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function node(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', TOLLGATE_AT: '2026-11-26T12:00:00Z', ...env }, maxBuffer: 1 << 30 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr: withoutProgress(stderr) }),
    );
  });
}

let root: string;
const cacheDir = () => path.join(root, '.tollgate/cache');
/** validate (JSON), compile to stdout and to a file (which checks customers as it writes), and plan, as one comparable record. */
async function outputs(env: Record<string, string> = {}): Promise<Run[]> {
  const artifact = path.join(root, 'effective.json');
  const toFile = await node([BIN, 'compile', '--dir', 'policies', '-o', artifact], root, env);
  const written = existsSync(artifact) ? readFileSync(artifact, 'utf8') : '(no file)';
  rmSync(artifact, { force: true });
  return [
    await node([BIN, 'validate', '--dir', 'policies', '--format', 'json'], root, env),
    await node([BIN, 'compile', '--dir', 'policies'], root, env),
    { ...toFile, stdout: written },
    await node([BIN, 'plan', '--dir', 'policies', '--format', 'json', '--state', 'state.json'], root, env),
  ];
}
const uncached = () => outputs({ TOLLGATE_CACHE: 'off' });
const packs = () => readdirSync(cacheDir(), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-cache-'));
  // a fleet of customers beside the example policies, and a warning so that diagnostics are cached too
  const fleet = await node([path.join(REPO, 'scripts/bench/generate-fleet.mjs'), '--customers', '40', '--out', path.join(root, 'policies')], REPO);
  expect(fleet.code).toBe(0);
  cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  // the generated fleet is not made to meet the example's guardrails (with guardrails the customer checks are
  // not cached anyway: their tally needs every customer)
  rmSync(path.join(root, 'policies/guardrails'), { recursive: true });
  appendFileSync(path.join(root, 'policies/customers/cust_globex.yaml'), '\n');
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the cache', () => {
  it('gives the output of an uncached run, cold and warm, and after edits to one file', async () => {
    const expected = await uncached();
    expect(expected.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(expected[2]!.stdout).toBe(expected[1]!.stdout);
    expect(await outputs()).toEqual(expected); // cold: fills the cache
    expect(packs().map((p) => path.basename(p)).sort()).toEqual(['analysis.pack', 'compiled.pack', 'digest.pack', 'validate.index', 'validators.v8']);
    expect(await outputs()).toEqual(expected); // warm

    // one customer changes: a new spend limit that has no effect (a warning) and a typo (an error), then fixed
    const customer = path.join(root, 'policies/customers/cust_123.yaml');
    const original = readFileSync(customer, 'utf8');
    writeFileSync(customer, original.replace('overage: allow                    # beats', 'overage: block                    # beats'));
    const blocked = await uncached();
    expect(blocked[0]!.stdout).toContain('ineffective-spend-limit');
    expect(await outputs()).toEqual(blocked);
    writeFileSync(customer, original.replace('plan: pro', 'plan: prp'));
    const typo = await uncached();
    expect(typo[0]!.code).toBe(1);
    expect(await outputs()).toEqual(typo);
    // an error only the resolved policy shows (a profile's auto top-up of API calls, which pro sells no top-up
    // of): compile to a file finds it as it writes, and writes nothing
    const refill = path.join(root, 'policies/profiles/auto-refill.yaml');
    writeFileSync(refill, 'kind: Profile\nid: auto-refill\ncontrols: { api_calls: { autoTopup: { threshold: 10, quantity: 100 } } }\n');
    writeFileSync(customer, original.replace('extends: [enterprise-strict]', 'extends: [enterprise-strict, auto-refill]'));
    const topUp = await uncached();
    expect(topUp[0]!.stdout).toContain('auto-topup-without-price');
    expect(topUp.map((r) => r.code)).toEqual([1, 1, 1, 1]);
    expect(topUp[2]!.stdout).toBe('(no file)');
    expect(await outputs()).toEqual(topUp);
    rmSync(refill);
    writeFileSync(customer, original);
    expect(await outputs()).toEqual(expected);

    // a shared file changes: every customer extending the profile resolves differently
    const profile = path.join(root, 'policies/profiles/enterprise-strict.yaml');
    writeFileSync(profile, readFileSync(profile, 'utf8').replace('maxOverageUnits: 500 ', 'maxOverageUnits: 600 '));
    const changed = await uncached();
    expect(changed[1]!.stdout).not.toEqual(expected[1]!.stdout);
    expect(changed[2]!.stdout).toBe(changed[1]!.stdout);
    expect(await outputs()).toEqual(changed);
  }, 180_000);

  it('ignores a damaged cache and rebuilds it: truncated, a byte changed, garbage', async () => {
    const expected = await uncached();
    await outputs();
    const damage: Array<(file: string) => void> = [
      (file) => truncateSync(file, Math.floor(statSync(file).size / 2)),
      (file) => {
        const bytes = readFileSync(file);
        bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x20;
        writeFileSync(file, bytes);
      },
      (file) => writeFileSync(file, 'not a cache\n{"files":'),
    ];
    for (const hurt of damage) {
      for (const pack of packs()) hurt(pack);
      expect(await outputs()).toEqual(expected);
      // rebuilt: the next run reads a sound cache and still agrees
      expect(await outputs()).toEqual(expected);
    }
  }, 180_000);

  it('never copies compiled texts of another artifact format into the artifact', async () => {
    const expected = await uncached();
    await outputs();
    const pack = packs().find((p) => path.basename(p) === 'compiled.pack')!;
    // the pack's index (after its fixed-length header) names each customer's key, prefixed with the format
    const bytes = readFileSync(pack);
    const header = /index:(\d{16})\n/.exec(bytes.toString('latin1', 0, 120))!;
    const rest = bytes.subarray(header.index + header[0].length);
    const keys = Object.keys(JSON.parse(rest.toString('utf8', Number(header[1]))) as Record<string, unknown>).map((k) => k.replace(/^2:/, ''));
    expect(keys.length).toBeGreaterThan(40);
    // as format 1 kept them (two texts under the bare key), and three texts under the bare key
    const stale: Array<[number, string[]]> = [
      [2, ['{}', '{"formatVersion 1 text":true}']],
      [3, ['{}', '{"formatVersion 1 text":true}', '{"features":[],"files":[],"origins":[],"overageLimit":0}']],
    ];
    for (const [count, texts] of stale) {
      rmSync(pack);
      const old = new TextPack(pack, count);
      for (const key of keys) old.get(key, () => texts);
      old.save();
      expect(readFileSync(pack, 'utf8')).toContain('formatVersion 1 text');
      expect(await outputs()).toEqual(expected);
    }
  }, 180_000);
});

describe('compile to a file with the cache', () => {
  /** A copy of the example policies without guardrails (with them, every customer is checked first), and `files` added. */
  const policies = (files: Record<string, string>): string => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'tollgate-compile-cache-'));
    cpSync(path.join(REPO, 'policies'), path.join(home, 'policies'), { recursive: true });
    rmSync(path.join(home, 'policies/guardrails'), { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(home, 'policies', file), text);
    return home;
  };

  it('refuses with the counts validate prints when some customers were checked from the cache and some as written', async () => {
    // 60 customers whose spend limit has no effect (a warning each) and 5 more with exceptions, never cached: the
    // same warning 65 times in one file, past the 50 printed; and an error elsewhere
    const blocked = (i: number) => `kind: Customer\nid: blocked_${i}\nplan: pro\ncontrols: { api_calls: { overage: block, maxOverageUnits: ${i + 1} } }\n`;
    const excepted = (i: number) => `${blocked(100 + i)}exceptions:\n  - { id: peak, until: "2026-12-31T00:00:00Z", reason: Peak, controls: { api_calls: { maxOverageUnits: 7 } } }\n`;
    const home = policies({
      'customers/many.yaml': [...Array.from({ length: 60 }, (_, i) => blocked(i)), ...Array.from({ length: 5 }, (_, i) => excepted(i))].join('---\n'),
      'customers/typo.yaml': 'kind: Customer\nid: typo\nplan: prp\n',
    });
    try {
      const validate = await node([BIN, 'validate', '--dir', 'policies'], home);
      expect(validate.stdout).toContain('and 15 more');
      const toStdout = await node([BIN, 'compile', '--dir', 'policies'], home);
      const toFile = await node([BIN, 'compile', '--dir', 'policies', '-o', 'effective.json'], home);
      expect(toFile.code).toBe(1);
      expect(toFile.stderr).toContain('and 15 more');
      expect(toFile).toEqual(toStdout);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('keeps what the analysis worked out when the artifact cannot be written', async () => {
    const home = policies({});
    try {
      const failed = await node([BIN, 'compile', '--dir', 'policies', '-o', 'missing/effective.json'], home);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('Cannot write missing/effective.json');
      const kept = readdirSync(path.join(home, '.tollgate/cache'), { recursive: true }).map((f) => path.basename(String(f)));
      expect(kept).toContain('analysis.pack');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('the compiled cache', () => {
  it('gives a customer it compiles as it came, with the checks of its resolution, and one it holds as kept', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'tollgate-compiled-'));
    try {
      const warning = { code: 'ineffective-spend-limit', severity: 'warning', message: 'm', file: 'c.yaml', line: 1, column: 1, endLine: 1, endColumn: 2, pointer: '' } as const;
      const compiled = { body: '{"plan":"pro","sources":0}', provenance: '{}', stripped: '{"plan":"pro"}', checked: [warning] };
      const first = new CompiledCache(home, new Map([['acme', 'key-1']]));
      // compiled here: the customer's checks (validate/unchecked.ts) come with it, not run again
      expect(first.get('acme', () => compiled)).toBe(compiled);
      first.save();
      const kept = new CompiledCache(home, new Map([['acme', 'key-1']])).get('acme', () => {
        throw new Error('compiled again');
      });
      expect(kept).toEqual({ body: compiled.body, provenance: compiled.provenance, stripped: compiled.stripped });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
