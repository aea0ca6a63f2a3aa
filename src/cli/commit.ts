import { execFileSync } from 'node:child_process';

/** The commit being planned: GITHUB_SHA in GitHub Actions, else the policy directory's git HEAD, else undefined. */
export function currentCommit(env: NodeJS.ProcessEnv, dir: string): string | undefined {
  const fromEnv = env.GITHUB_SHA?.trim();
  if (fromEnv) return fromEnv;
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return /^[0-9a-f]{7,64}$/.test(head) ? head : undefined;
  } catch {
    return undefined; // not a git checkout, or no git: the comment simply names no commit
  }
}
