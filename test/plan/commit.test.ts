import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { currentCommit } from '../../src/backend/identity.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-commit-'));
  dirs.push(dir);
  return dir;
}

describe('the commit a markdown plan names', () => {
  it('is GITHUB_SHA in GitHub Actions, else the git HEAD of the policy directory, else none', () => {
    const repo = tempDir();
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    writeFileSync(path.join(repo, 'a.yaml'), 'kind: Feature\n');
    git('add', '.');
    git('commit', '-qm', 'policies');
    expect(currentCommit({}, repo)).toBe(git('rev-parse', 'HEAD'));
    expect(currentCommit({ GITHUB_SHA: 'f'.repeat(40) }, repo)).toBe('f'.repeat(40));
    const plain = tempDir();
    // a temp dir inside some checkout would report that checkout's HEAD; only assert "none" where git agrees
    let insideGit = true;
    try {
      execFileSync('git', ['-C', plain, 'rev-parse', 'HEAD'], { stdio: 'ignore' });
    } catch {
      insideGit = false;
    }
    if (!insideGit) expect(currentCommit({}, plain)).toBeUndefined();
  });
});
