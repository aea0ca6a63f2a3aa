// The file backend (.tollgate/state/…): the shared backend suite, and what only files can get wrong.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockHolder, openBackend, scopeFolder, selectBackend, type Scope } from '../../src/backend/index.js';
import { backendContract, freshScope } from './contract.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const open = (scope: Scope, forceUnlock = false) => openBackend(selectBackend('file'), scope, { stateDir: root, forceUnlock });

describe('file backend', () => {
  backendContract({ setting: () => 'file', stateDir: () => root, open: (scope) => open(scope), lockFreed: async () => undefined });

  it('keeps one readable folder per scope, naming its target and endpoint', async () => {
    const scope: Scope = { target: 'autumn', endpoint: 'https://api.useautumn.com/v1' };
    const b = await open(scope);
    await b.startApply({ actor: 'a', host: 'h', policyDigest: 'sha256:p' });
    await b.close();
    const dir = scopeFolder(root, scope);
    expect(path.relative(root, dir)).toMatch(/^state[/\\]autumn[/\\]api\.useautumn\.com_v1-[0-9a-f]{10}$/);
    expect(JSON.parse(readFileSync(path.join(dir, 'scope.json'), 'utf8'))).toEqual(scope);
    expect(scopeFolder(root, { ...scope, endpoint: 'https://api.useautumn.com/v1/' })).not.toBe(dir);
  });

  it('skips a journal line torn by a kill, and the next record starts on a line of its own', async () => {
    const scope = freshScope();
    const b = await open(scope);
    const record = { controls: { features: {} }, fingerprint: 'f', policyDigest: 'p', at: '2026-01-01T00:00:00.000Z' };
    await b.recordApplied('customer:a', record);
    await b.close();
    const journal = path.join(scopeFolder(root, scope), 'records.journal');
    appendFileSync(journal, '{"set":"customer:torn","rec');
    const c = await open(scope);
    expect(await c.managedKeys()).toEqual(['customer:a']);
    await c.recordApplied('customer:b', record);
    expect(await c.managedKeys()).toEqual(['customer:a', 'customer:b']);
    // taking the lock folds the journal into records.json
    const lock = await c.acquireLock(lockHolder('tollgate apply'));
    expect(lock.ok).toBe(true);
    expect(readdirSync(scopeFolder(root, scope))).not.toContain('records.journal');
    expect(Object.keys(JSON.parse(readFileSync(path.join(scopeFolder(root, scope), 'records.json'), 'utf8')).records)).toEqual(['customer:a', 'customer:b']);
    await c.close();
  });

  it('unlock refuses a lock held from another host unless forced', async () => {
    const scope = freshScope();
    const b = await open(scope);
    await b.startApply({ actor: 'a', host: 'h', policyDigest: 'sha256:p' });
    const other = { host: 'runner-7', pid: 4242, actor: 'ci', command: 'tollgate apply --yes', since: '2026-01-01T00:00:00.000Z' };
    writeFileSync(path.join(scopeFolder(root, scope), 'lock.json'), JSON.stringify(other));
    const refused = await b.acquireLock(lockHolder('tollgate apply'));
    expect(refused).toMatchObject({ ok: false, holder: other });
    const held = await b.unlock();
    expect(held).toMatchObject({ status: 'held', holder: other });
    if (held.status === 'held') expect(held.message).toContain('tollgate unlock --force');
    expect(await (await open(scope, true)).unlock()).toEqual({ status: 'cleared', holder: other });
    expect((await b.acquireLock(lockHolder('tollgate apply'))).ok).toBe(true);
    await b.close();
  });

  it('refuses records written by a newer tollgate', async () => {
    const scope = freshScope();
    const b = await open(scope);
    await b.startApply({ actor: 'a', host: 'h', policyDigest: 'sha256:p' });
    writeFileSync(path.join(scopeFolder(root, scope), 'records.json'), JSON.stringify({ formatVersion: 2, records: {} }));
    await expect(b.managedKeys()).rejects.toThrow(/written by a newer tollgate \(formatVersion 2; this one knows 1\)/);
  });

  it('a lock whose pid now names another process (a restarted container) is stale: taken over', async () => {
    const scope = freshScope();
    const b = await open(scope);
    await b.startApply({ actor: 'a', host: 'h', policyDigest: 'sha256:p' });
    const reused = { host: os.hostname(), pid: process.pid, actor: 'ci', command: 'tollgate apply --yes', since: '2026-01-01T00:00:00.000Z', processStart: '1' };
    writeFileSync(path.join(scopeFolder(root, scope), 'lock.json'), JSON.stringify(reused));
    const { processStart: _, ...holder } = reused;
    expect(await b.unlock()).toEqual({ status: 'cleared', holder });
    writeFileSync(path.join(scopeFolder(root, scope), 'lock.json'), JSON.stringify(reused));
    expect((await b.acquireLock(lockHolder('tollgate apply'))).ok).toBe(true);
    await b.close();
  });
});
