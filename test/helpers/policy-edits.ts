// Edits a person might make to a copy of the example policies, for tests that compare incremental analyses with
// whole ones after random sequences of them.
import { existsSync, readdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';

/** One change a person might make to the policy directory. */
export type Edit =
  | { op: 'plan'; file: number; plan: string }
  | { op: 'rename'; file: number; name: string }
  | { op: 'entity'; file: number; customer: number | 'ghost'; warn: boolean }
  | { op: 'duplicate'; file: number; of: number }
  | { op: 'exception'; file: number }
  | { op: 'break'; file: number }
  | { op: 'delete'; file: number }
  | { op: 'restore'; file: number }
  | { op: 'add'; name: string; plan: string }
  | { op: 'profile'; units: number }
  | { op: 'shared-customer'; of: number }
  | { op: 'touch'; file: number };

const fileIndex = fc.nat({ max: 15 });
/** Edits of the example policies' customer files (numbered modulo their count), definitions, and new files. */
export const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('plan' as const), file: fileIndex, plan: fc.constantFrom('free', 'pro', 'scale-credits', 'prp') }),
  fc.record({ op: fc.constant('rename' as const), file: fileIndex, name: fc.constantFrom('Acme', 'Globex Corp', 'X') }),
  fc.record({ op: fc.constant('entity' as const), file: fileIndex, customer: fc.oneof(fileIndex, fc.constant('ghost' as const)), warn: fc.boolean() }),
  fc.record({ op: fc.constant('duplicate' as const), file: fileIndex, of: fileIndex }),
  fc.record({ op: fc.constant('exception' as const), file: fileIndex }),
  fc.record({ op: fc.constant('break' as const), file: fileIndex }),
  fc.record({ op: fc.constant('delete' as const), file: fileIndex }),
  fc.record({ op: fc.constant('restore' as const), file: fileIndex }),
  fc.record({ op: fc.constant('add' as const), name: fc.constantFrom('cust_new', 'cust_newer', 'cust_123'), plan: fc.constantFrom('pro', 'free', 'gold') }),
  fc.record({ op: fc.constant('profile' as const), units: fc.constantFrom(500, 600, -1) }),
  fc.record({ op: fc.constant('touch' as const), file: fileIndex }),
  fc.record({ op: fc.constant('shared-customer' as const), of: fileIndex }),
);

/** The customer id a customer file defines (the first `id:` of a Customer document), else that of a standalone entity's customer. */
export function customerIn(text: string): string {
  return /^id: (\S+)/m.exec(text.split(/^kind: Customer$/m)[1] ?? '')?.[1] ?? /^customer: (\S+)/m.exec(text)?.[1] ?? 'cust_123';
}

/** The unedited policies (`original`, a copy of the example's) and their customer files, relative to it, sorted. */
export interface EditBase {
  original: string;
  customerFiles: string[];
}

/** The example policies' customer and entity files, relative to `dir`, sorted: what edits number. */
export function customerFilesOf(dir: string): string[] {
  return [...readdirSync(path.join(dir, 'customers')).map((f) => `customers/${f}`), ...readdirSync(path.join(dir, 'entities')).map((f) => `entities/${f}`)].sort();
}

/**
 * Applies an edit to the directory; each write gets an mtime of its own, so that only the stat tells a change.
 * Returns the file written or deleted, if any.
 */
export function applyEdit(dir: string, { original: base, customerFiles }: EditBase, e: Edit, step: number): string | undefined {
  const file = (i: number) => path.join(dir, customerFiles[i % customerFiles.length]!);
  const original = (i: number) => readFileSync(path.join(base, customerFiles[i % customerFiles.length]!), 'utf8');
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const write = (f: string, text: string): string => {
    writeFileSync(f, text);
    const when = new Date(Date.UTC(2026, 0, 1) + step * 1000);
    utimesSync(f, when, when);
    return f;
  };
  switch (e.op) {
    case 'plan':
      return write(file(e.file), read(file(e.file)).replace(/^plan: \S+/m, `plan: ${e.plan}`));
    case 'rename':
      return write(file(e.file), read(file(e.file)).replace(/^name: .*$/m, `name: ${e.name}`));
    case 'entity': {
      const owner = e.customer === 'ghost' ? 'cust_ghost' : customerIn(original(e.customer));
      const controls = e.warn ? '\ncontrols:\n  api_calls: { overage: block, maxOverageUnits: 10 }' : '';
      return write(file(e.file), `${read(file(e.file))}\n---\nkind: Entity\ncustomer: ${owner}\nid: extra_${step}${controls}\n`);
    }
    case 'duplicate':
      return write(file(e.file), `${read(file(e.file))}\n---\nkind: Customer\nid: ${customerIn(original(e.of))}\nplan: pro\n`);
    case 'exception':
      return write(file(e.file), `${read(file(e.file))}\n---\nkind: Customer\nid: timed_${step}\nplan: pro\nexceptions:\n  - id: peak\n    from: 2026-11-20\n    until: 2026-11-28\n    reason: peak\n    controls:\n      api_calls: { maxOverageUnits: 10 }\n`);
    case 'break':
      return write(file(e.file), `${read(file(e.file))}\n---\nkind: Customer\nid: [unclosed\n`);
    case 'delete':
      if (existsSync(file(e.file))) unlinkSync(file(e.file));
      return file(e.file);
    case 'restore':
      return write(file(e.file), original(e.file));
    case 'add':
      return write(path.join(dir, `customers/${e.name}-added.yaml`), `kind: Customer\nid: ${e.name}\nplan: ${e.plan}\n`);
    case 'profile': {
      const profile = path.join(dir, 'profiles/enterprise-strict.yaml');
      return write(profile, read(profile).replace(/maxOverageUnits: -?\d+ /, `maxOverageUnits: ${e.units} `));
    }
    case 'shared-customer': {
      // a customer id defined again in a definition file: the duplicate is reported there, in the definitions' part
      const profile = path.join(dir, 'profiles/enterprise-strict.yaml');
      return write(profile, `${read(profile)}\n---\nkind: Customer\nid: ${customerIn(original(e.of))}\nplan: pro\n`);
    }
    case 'touch': {
      // the same text written again: a new stat, the same hash
      const f = file(e.file);
      return existsSync(f) ? write(f, read(f)) : undefined;
    }
  }
}
