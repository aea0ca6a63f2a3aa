import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import planSchema from '../../schema/plan.schema.json' with { type: 'json' };

const repo = path.resolve(__dirname, '../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'tollgate-plan-schema-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tollgate(args: string[]): string {
  return execFileSync(process.execPath, [path.join(repo, 'bin/tollgate.js'), ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
}

describe('plan --format json', () => {
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(planSchema);
  cpSync(path.join(repo, 'policies'), path.join(work, 'policies'), { recursive: true });

  it('matches schema/plan.schema.json and equals the saved plan file', () => {
    const printed = JSON.parse(tollgate(['plan', '--format', 'json', '-o', 'plan.json']));
    expect(validate(printed), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(printed.objects.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(path.join(work, 'plan.json'), 'utf8'))).toEqual(printed);
  });

  it('matches the schema with what a saved plan records to be applied with no flag: dir, workingDir, live', () => {
    mkdirSync(path.join(work, 'out'), { recursive: true });
    const printed = JSON.parse(tollgate(['plan', '--format', 'json', '--dir', './policies/', '--live', '-o', 'out/plan.json']));
    expect(validate(printed), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect([printed.dir, printed.workingDir, printed.target.live]).toEqual(['policies', '..', true]);
    expect(validate({ ...printed, dir: '' })).toBe(false);
  });

  it('matches the schema with the impact at current usage and the blocked-now count', () => {
    writeFileSync(path.join(work, 'usage.csv'), 'customer,entity,feature,usage\ncust_123,,api_calls,7000\ncust_123,workspace_a,api_calls,2500\n');
    const printed = JSON.parse(tollgate(['plan', '--format', 'json', '--usage', 'usage.csv']));
    expect(validate(printed), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(printed.impact.rows.length).toBeGreaterThan(0);
    expect(printed.summary.blockedNow).toBe(printed.impact.blockedNow.customers);
    expect(validate({ ...printed, impact: { ...printed.impact, rows: [{ customer: 'x' }] } })).toBe(false);
  });

  it('is refused by the schema when it claims an unknown format version', () => {
    const plan = JSON.parse(tollgate(['plan', '--format', 'json']));
    expect(validate({ ...plan, formatVersion: 2 })).toBe(false);
  });
});
