// The product owns the API contracts (SPEC §8): the emulators import them from src/targets, never the other way round.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('API contracts', () => {
  it('are imported by the emulators; nothing but the emulate command imports src/emulate', () => {
    const allowed = new Set([path.join(SRC, 'cli/commands/emulate.ts')]);
    const offenders = sources(SRC)
      .filter((file) => !file.startsWith(path.join(SRC, 'emulate') + path.sep) && !allowed.has(file))
      .filter((file) => [...readFileSync(file, 'utf8').matchAll(/from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].some((m) => path.resolve(path.dirname(file), m[1] ?? m[2]!).startsWith(path.join(SRC, 'emulate'))))
      .map((file) => path.relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it('of Owostack live in src/targets/owostack/routes.ts, which the emulator imports', () => {
    const emulator = readFileSync(path.join(SRC, 'emulate/owostack/emulator.ts'), 'utf8');
    expect(emulator).toContain("from '../../targets/owostack/routes.js'");
  });
});
