import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PLAN_COMMENT_MARKER } from '../../src/plan/format/markdown.js';
import { readAction, runAction } from '../helpers/action.js';

const repo = path.resolve(__dirname, '../..');

function help(command: string): string {
  return execFileSync(process.execPath, [path.join(repo, 'bin/tollgate.js'), command, '--help'], { encoding: 'utf8' });
}

/** Checks that `tollgate <command>` exists and has every flag; `line` names the place in failures. */
function checkCommand(command: string, words: string[], line: string): void {
  const text = help(command);
  expect(text, `${line}: no tollgate ${command}`).toMatch(new RegExp(`^Usage: tollgate ${command}\\b`, 'm'));
  const flags = words.filter((w) => w.startsWith('-')).map((w) => w.split('=')[0]!);
  for (const flag of flags) expect(text, `${line}: tollgate ${command} has no ${flag}`).toMatch(new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, '\\-')}([\\s,]|$)`, 'm'));
}

/** Every `npx tollgate <command> --flags` (or `npx --no tollgate …`) invocation in a shell script, up to a shell operator. */
function invocations(script: string): Array<{ command: string; words: string[]; line: string }> {
  return script.split('\n').flatMap((line) =>
    [...line.matchAll(/npx (?:--no )?tollgate (\w+)([^;|&>}]*)/g)].map((m) => ({ command: m[1]!, words: m[2]!.trim().split(/\s+/).filter(Boolean), line })),
  );
}

function checkInvocations(script: string): number {
  const found = invocations(script);
  for (const { command, words, line } of found) checkCommand(command, words, line);
  return found.length;
}

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}

const workflow = parse(readFileSync(path.join(repo, 'docs/ci/github-actions.yml'), 'utf8')) as {
  on: Record<string, unknown>;
  env: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
};
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
/** The workflow's steps that use the tollgate action (action.yml at this repository's root). */
const actionSteps = steps.filter((s) => /\/tollgate@/.test(s.uses ?? ''));

describe('CI examples in docs/', () => {
  it('the GitHub Actions workflow parses and only runs tollgate commands and flags that exist', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push']);
    const scripts = steps.map((s) => s.run ?? '');
    for (const script of scripts) checkInvocations(script);
    // Every tollgate call goes through the action: the policy repository has no package.json for `npx tollgate`.
    expect(scripts.join('\n')).not.toMatch(/npm ci|npx tollgate/);
    const action = readAction(repo);
    for (const step of actionSteps) {
      for (const input of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs), `${step.name}: the action has no input ${input}`).toContain(input);
      const words = (step.with?.args ?? '').split(/\s+/).filter(Boolean);
      checkCommand(step.with!.command!, words, `${step.name}: ${step.with!.command} ${step.with?.args ?? ''}`);
    }
    const calls = actionSteps.map((s) => `tollgate ${s.with!.command} ${s.with?.args ?? ''}`);
    expect(calls).toContain('tollgate apply plan.json --yes --report apply-report.json');
    expect(calls.filter((c) => c.startsWith('tollgate plan '))).toHaveLength(1);
  });

  it('the workflow updates tollgate\'s own comment, found by the marker the markdown plan starts with', () => {
    const workflow = parse(readFileSync(path.join(repo, 'docs/ci/github-actions.yml'), 'utf8')) as { jobs: Record<string, { steps: Array<{ run?: string }> }> };
    const post = workflow.jobs.plan!.steps.map((s) => s.run ?? '').find((run) => run.includes('plan.md') && run.includes('gh '));
    expect(post).toBeDefined();
    // --edit-last edits whatever comment this token wrote last, which may be another workflow's
    expect(post).not.toContain('--edit-last');
    expect(post).toContain(`startswith("${PLAN_COMMENT_MARKER}")`);
    expect(post).toMatch(/gh api --method PATCH "repos\/\$\{\{ github\.repository \}\}\/issues\/comments\/\$id" -F body=@plan\.md/);
    expect(post).toMatch(/gh api --method POST "\$COMMENTS" -F body=@plan\.md/);
    execFileSync('bash', ['-n', '-c', post!.replace(/\$\{\{[^}]*\}\}/g, 'x')]);
  });

  it('the workflow can run against production: plan and apply get --live from one reviewed setting, off by default', () => {
    expect(workflow.env.TOLLGATE_LIVE).toBe('false');
    const live = actionSteps.filter((s) => ['plan', 'apply'].includes(s.with!.command!));
    expect(live.map((s) => s.with!.command)).toEqual(['plan', 'apply']);
    for (const step of live) expect(step.with!.live, `${step.name}`).toBe('${{ env.TOLLGATE_LIVE }}');
  });

  it('the daily drift workflow parses, runs only tollgate commands and flags that exist, and keeps one issue', () => {
    const drift = parse(readFileSync(path.join(repo, 'docs/ci/drift.yml'), 'utf8')) as {
      on: Record<string, unknown>;
      jobs: Record<string, { steps: Step[] }>;
    };
    expect(Object.keys(drift.on)).toEqual(['schedule', 'workflow_dispatch']);
    const driftSteps = Object.values(drift.jobs).flatMap((job) => job.steps);
    const action = readAction(repo);
    const tollgateSteps = driftSteps.filter((s) => /\/tollgate@/.test(s.uses ?? ''));
    expect(tollgateSteps.map((s) => s.with!.command)).toEqual(['drift']);
    for (const step of tollgateSteps) {
      for (const input of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs), `${step.name}: the action has no input ${input}`).toContain(input);
      checkCommand(step.with!.command!, (step.with?.args ?? '').split(/\s+/).filter(Boolean), `${step.name}`);
    }
    const script = driftSteps.map((s) => s.run ?? '').find((run) => run.includes('gh issue'))!;
    execFileSync('bash', ['-n', '-c', script.replace(/\$\{\{[^}]*\}\}/g, 'x')]);
    // exit 2 from --detailed-exitcode is drift: the issue is opened or updated; otherwise an open one is closed
    expect(script).toMatch(/if \[ "\$DRIFTED" = "2" \]/);
    expect(script).toContain('gh issue edit');
    expect(script).toContain('gh issue close');
  });

  it('the generic CI script is valid shell, only runs tollgate commands and flags that exist, and passes --live when asked', () => {
    const script = readFileSync(path.join(repo, 'docs/ci/generic-ci.sh'), 'utf8');
    execFileSync('bash', ['-n', path.join(repo, 'docs/ci/generic-ci.sh')]);
    expect(checkInvocations(script)).toBeGreaterThanOrEqual(3);
    const writes = invocations(script).filter((i) => i.command === 'plan' || i.command === 'apply');
    expect(writes.map((i) => i.command)).toEqual(['plan', 'apply']);
    for (const { words, line } of writes) expect(words, line).toContain('$live');
    expect(script).toMatch(/true\) live="--live"/);
  });
});

describe('the GitHub Action (action.yml)', () => {
  const action = readAction(repo);

  it('is a composite action whose steps are valid shell and never paste an input into a script', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.inputs.command?.required).toBe(true);
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    for (const step of action.runs.steps) {
      expect(step.shell).toBe('bash');
      expect(step.run).not.toContain('${{');
      execFileSync('bash', ['-n'], { input: step.run });
    }
    expect(action.outputs['exit-code']?.value).toBe('${{ steps.run.outputs.exit-code }}');
  });

  it('runs tollgate: the plan goes to the stdout file, exit 2 (changes) passes, --live is added for live: true', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'tollgate-action-run-'));
    try {
      cpSync(path.join(repo, 'test/cases/plan/fresh-state/policies'), path.join(cwd, 'policies'), { recursive: true });
      const validate = await runAction(repo, { command: 'validate', args: '--format json' }, cwd);
      expect(validate.code).toBe(0);
      expect(JSON.parse(validate.stdout)).toMatchObject({ diagnostics: [] });

      const plan = await runAction(repo, { command: 'plan', args: '--format markdown --detailed-exitcode -o plan.json', stdout: 'plan.md', live: 'true' }, cwd);
      expect(plan).toMatchObject({ code: 0, outputs: { 'exit-code': '2' } });
      expect(readFileSync(path.join(cwd, 'plan.md'), 'utf8')).toContain('4 to add');

      // A live key (am_sk_live_) against an Autumn endpoint: without live the target refuses; the action adds --live.
      const env = { ...process.env, AUTUMN_SECRET_KEY: 'am_sk_live_x', AUTUMN_API_URL: 'http://127.0.0.1:9' };
      const refused = await runAction(repo, { command: 'plan', args: '--target autumn' }, cwd, env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('pass --live');
      const allowed = await runAction(repo, { command: 'plan', args: '--target autumn', live: 'true' }, cwd, env);
      expect(allowed.stderr).not.toContain('pass --live');

      const apply = await runAction(repo, { command: 'apply', args: 'plan.json --yes' }, cwd);
      expect(apply).toMatchObject({ code: 0, outputs: { 'exit-code': '0' } });

      const wrong = await runAction(repo, { command: 'plan', live: 'yes' }, cwd);
      expect(wrong.code).toBe(64);
      expect(wrong.stdout).toContain('live must be true or false');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('fails the step with tollgate exit code on invalid policies', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'tollgate-action-run-'));
    try {
      cpSync(path.join(repo, 'test/cases/validate/unknown-key/policies'), path.join(cwd, 'policies'), { recursive: true });
      const run = await runAction(repo, { command: 'validate', args: '--format github' }, cwd);
      expect(run).toMatchObject({ code: 1, outputs: { 'exit-code': '1' } });
      expect(run.stdout).toContain('::error file=policies/');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
