// simulate agrees with compile's artifact and with explain on every field they share, for every customer and
// entity of the example policies, through the real CLI.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EffectiveFeature, EffectivePolicy } from '../../src/resolve/effective.js';
import { simulate, type Simulation } from '../../src/impact/simulate.js';
import { analyze } from '../../src/validate/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/tollgate.js');

function tollgate(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args, '--dir', path.join(REPO, 'policies')], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
  });
}

const SHARED = ['type', 'included', 'reset', 'pricing', 'overage', 'charged', 'maxOverageUnits', 'hardLimit', 'maxOverageCharge'] as const;
const pick = (f: Partial<EffectiveFeature>): Record<string, unknown> => Object.fromEntries(SHARED.map((k) => [k, f[k]]));

describe('simulate agrees with the artifact and explain', () => {
  it('on every shared field of every customer and entity of the example policies', async () => {
    const artifact = JSON.parse(await tollgate(['compile'])) as EffectivePolicy;
    const subjects = Object.entries(artifact.customers).flatMap(([id, c]) => [id, ...Object.keys(c.entities).map((e) => `${id}/${e}`)]);
    expect(subjects.length).toBeGreaterThan(10);
    // Every subject through the engine; a few through the command line, which must print the same.
    const analysis = analyze(path.join(REPO, 'policies'));
    const engine = (subject: string): Simulation => {
      const [id, entity] = subject.split('/') as [string, string | undefined];
      return JSON.parse(JSON.stringify(simulate(analysis.set, id, analysis.customers.get(id)!, entity, new Map()))) as Simulation;
    };
    for (const subject of ['cust_123', 'cust_123/workspace_a', 'cust_hooli']) {
      expect(JSON.parse(await tollgate(['simulate', subject, '--format', 'json'])), subject).toEqual(engine(subject));
    }
    for (const subject of subjects) {
      const [id, entity] = subject.split('/') as [string, string | undefined];
      const customer = artifact.customers[id]!;
      const features = entity === undefined ? customer.features : customer.entities[entity]!.features;
      const sim = engine(subject);
      expect({ plan: sim.plan, currency: sim.currency, overageLimit: sim.overageLimit, maxOverageExposure: sim.maxOverageExposure }, subject).toEqual({
        plan: customer.plan,
        currency: customer.currency,
        overageLimit: customer.overageLimit,
        maxOverageExposure: customer.maxOverageExposure,
      });
      expect(Object.keys(sim.features).sort(), subject).toEqual(Object.keys(features).sort());
      for (const [fid, f] of Object.entries(features)) {
        expect(pick(sim.features[fid]!), `${subject} ${fid}`).toEqual(pick(f));
        // The ladder blocks where the artifact's hard limit says, unless top-ups move it or nothing stops usage.
        const block = sim.features[fid]!.ladder.find((s) => s.kind === 'blocked');
        if (f.autoTopup === null || !f.autoTopup.enabled) expect(block?.at ?? null, `${subject} ${fid}`).toBe(f.hardLimit);
      }
    }
  });

  it("shows explain's hard limit and maximum charge where the ladder blocks", async () => {
    const explain = await tollgate(['explain', 'cust_123', 'api_calls']);
    const text = await tollgate(['simulate', 'cust_123', 'api_calls=7000']);
    const hardLimit = /hard limit\s+([\d,]+) units/.exec(explain)![1]!;
    const most = /at most (\$[\d,.]+) per period/.exec(explain)![1]!;
    const apiCalls = text.slice(text.indexOf('\napi_calls'), text.indexOf('\n\n', text.indexOf('\napi_calls')));
    expect(apiCalls).toMatch(new RegExp(`\\n\\s+${hardLimit}\\s+■ blocked: spend limit reached after [\\d,]+ overage units \\(\\${most}\\)`));
    expect(apiCalls).toContain('usage now: blocked (spend limit reached)');
  });
});
