import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { LockHolder } from './backend.js';
import { redactUrl } from './postgres-url.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Who runs tollgate: GITHUB_ACTOR, else USER, else the OS account name. */
export function currentActor(env: Env = process.env): string {
  const named = env.GITHUB_ACTOR || env.USER;
  if (named) return named;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The commit being planned or applied: GITHUB_SHA, else `git rev-parse HEAD` in `cwd` (not a checkout, or no git: undefined). */
export function currentCommit(env: Env = process.env, cwd = process.cwd()): string | undefined {
  const fromEnv = env.GITHUB_SHA?.trim();
  if (fromEnv) return fromEnv;
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
  const sha = git.status === 0 ? git.stdout.trim() : '';
  return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
}

/** The holder this process names when it takes the apply lock; a password in the command line (`--backend postgres://u:pw@…`) is not kept. */
export function lockHolder(command: string, options: { env?: Env; cwd?: string; now?: Date } = {}): LockHolder {
  const holder: LockHolder = {
    host: os.hostname(),
    pid: process.pid,
    actor: currentActor(options.env),
    command: command.split(' ').map(redactUrl).join(' '),
    since: (options.now ?? new Date()).toISOString(),
  };
  const commit = currentCommit(options.env, options.cwd);
  if (commit !== undefined) holder.commit = commit;
  return holder;
}
