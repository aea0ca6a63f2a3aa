import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PLAN_COMMENT_MARKER } from '../../src/plan/format/markdown.js';

const repo = path.resolve(__dirname, '../..');

function help(command: string): string {
  return execFileSync(process.execPath, [path.join(repo, 'bin/tollgate.js'), command, '--help'], { encoding: 'utf8' });
}

/** Every `npx tollgate <command> --flags` invocation in a shell script. */
function invocations(script: string): Array<{ command: string; flags: string[]; line: string }> {
  return script
    .split('\n')
    .filter((line) => /npx tollgate \w/.test(line))
    .map((line) => {
      const words = line.slice(line.indexOf('npx tollgate') + 'npx tollgate'.length).trim().split(/\s+/);
      return { command: words[0]!, flags: words.filter((w) => w.startsWith('-')).map((w) => w.split('=')[0]!), line };
    });
}

function checkInvocations(script: string): number {
  const found = invocations(script);
  for (const { command, flags, line } of found) {
    const text = help(command);
    for (const flag of flags) expect(text, `${line}: tollgate ${command} has no ${flag}`).toMatch(new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, '\\-')}([\\s,]|$)`, 'm'));
  }
  return found.length;
}

describe('CI examples in docs/', () => {
  it('the GitHub Actions workflow parses and only runs tollgate commands and flags that exist', () => {
    const workflow = parse(readFileSync(path.join(repo, 'docs/ci/github-actions.yml'), 'utf8')) as {
      on: Record<string, unknown>;
      jobs: Record<string, { steps: Array<{ run?: string; uses?: string }> }>;
    };
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push']);
    const scripts = Object.values(workflow.jobs).flatMap((job) => job.steps.map((s) => s.run ?? ''));
    const count = scripts.reduce((n, s) => n + checkInvocations(s), 0);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(scripts.join('\n')).toMatch(/tollgate apply plan\.json --yes/);
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

  it('the generic CI script is valid shell and only runs tollgate commands and flags that exist', () => {
    const script = readFileSync(path.join(repo, 'docs/ci/generic-ci.sh'), 'utf8');
    execFileSync('bash', ['-n', path.join(repo, 'docs/ci/generic-ci.sh')]);
    expect(checkInvocations(script)).toBeGreaterThanOrEqual(3);
  });
});
