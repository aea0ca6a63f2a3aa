// Who applied what, from which commit: the actor and commit an apply's lock and history name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentActor, currentCommit, describeHolder, lockHolder, newApplyId } from '../../src/backend/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-id-'));
  dirs.push(dir);
  return dir;
}

describe('actor and commit', () => {
  it('the actor is GITHUB_ACTOR, else USER', () => {
    expect(currentActor({ GITHUB_ACTOR: 'octocat', USER: 'runner' })).toBe('octocat');
    expect(currentActor({ USER: 'dana' })).toBe('dana');
    expect(currentActor({})).toBe(os.userInfo().username);
  });

  it('the commit is GITHUB_SHA, else HEAD of the repository, else none', () => {
    const repo = tempDir();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'first');
    const head = git('rev-parse', 'HEAD').trim();
    expect(currentCommit({ GITHUB_SHA: 'f'.repeat(40) }, repo)).toBe('f'.repeat(40));
    expect(currentCommit({}, repo)).toBe(head);
    expect(currentCommit({}, tempDir())).toBeUndefined();
  });

  it('a holder names host, pid, actor, commit, command and since', () => {
    const holder = lockHolder('tollgate apply --yes', { env: { GITHUB_ACTOR: 'octocat', GITHUB_SHA: 'abcdef0123456789'.padEnd(40, '0') }, now: new Date('2026-03-01T10:00:00Z') });
    expect(holder).toEqual({ host: os.hostname(), pid: process.pid, actor: 'octocat', commit: 'abcdef0123456789'.padEnd(40, '0'), command: 'tollgate apply --yes', since: '2026-03-01T10:00:00.000Z' });
    expect(describeHolder(holder)).toBe(`octocat on ${os.hostname()} (pid ${process.pid}, commit abcdef012345), since 2026-03-01T10:00:00.000Z: "tollgate apply --yes"`);
  });

  it('a holder never keeps a password given on the command line', () => {
    const holder = lockHolder('tollgate apply --backend postgres://ci:s3cret-pw@db:5432/tollgate --yes --backend=postgresql://u:pa55word@h/db', { env: {} });
    expect(holder.command).toBe('tollgate apply --backend postgres://ci:***@db:5432/tollgate --yes --backend=postgresql://u:***@h/db');
    expect(JSON.stringify(holder)).not.toMatch(/s3cret-pw|pa55word/);
  });

  it('apply ids sort by start time, even two in one millisecond', () => {
    const at = new Date('2026-03-01T10:00:00.123Z');
    const [a, b] = [newApplyId(at), newApplyId(at)];
    expect(a).toMatch(/^20260301T100000123Z-[0-9a-f]{6}$/);
    expect(a < b).toBe(true);
  });
});
