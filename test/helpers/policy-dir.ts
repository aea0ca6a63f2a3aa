import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temporary policy directory written from inline files. */
export interface PolicyDir {
  /** Absolute path of the directory, to pass to analyze(). */
  readonly path: string;
  /** How diagnostics and sources name a file of this directory: relative to the cwd, forward slashes. */
  shown(file: string): string;
  /** Adds or replaces a file (text or raw bytes) after creation. */
  write(file: string, content: string | Uint8Array): string;
  /** Removes the directory and everything in it. */
  cleanup(): void;
}

/** Writes `files` (relative path → content) into a fresh directory under the OS temp dir. */
export function policyDir(files: Record<string, string | Uint8Array> = {}): PolicyDir {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tollgate-test-'));
  const dir: PolicyDir = {
    path: root,
    shown: (file) => path.relative(process.cwd(), path.join(root, file)).split(path.sep).join('/'),
    write(file, content) {
      const full = path.join(root, file);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
      return full;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const [file, content] of Object.entries(files)) dir.write(file, content);
  return dir;
}

/**
 * Inline YAML: strips the indentation common to all lines and the leading newline, so a test can
 * indent its YAML with the code and still count lines from the first one.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').replace(/\n[ \t]*$/, '\n').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** 1-based line and column where `needle` starts in `text`; the needle must occur exactly once. */
export function positionOf(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  if (at === -1 || text.indexOf(needle, at + 1) !== -1) {
    throw new Error(`expected exactly one ${JSON.stringify(needle)} in the test YAML`);
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - (before.lastIndexOf('\n') + 1) + 1 };
}

type Controls = Record<string, Record<string, unknown> | null>;

/** Keys whose values are written on one line even when they are mappings. */
const FLOW_KEYS = new Set(['overageLimit', 'autoTopup', 'purchaseLimit', 'price', 'topUpPrice']);

/**
 * Block-style YAML for the document's structure, JSON (flow YAML) for values and lists: each control
 * value sits on its key's line, so a test can find it with positionOf().
 */
export function toYaml(value: Record<string, unknown>, indent = ''): string {
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 && !FLOW_KEYS.has(key)) {
      out += `${indent}${key}:\n${toYaml(v as Record<string, unknown>, indent + '  ')}`;
    } else {
      out += `${indent}${key}: ${JSON.stringify(v)}\n`;
    }
  }
  return out;
}

/** A policy document under construction; `toYaml()` gives its text. */
abstract class DocBuilder {
  protected readonly doc: Record<string, unknown>;

  constructor(kind: string, id: string) {
    this.doc = { kind, id };
  }

  /** Sets the controls of one feature (merged into what is there; null writes `feature: null`). */
  with(feature: string, controls: Record<string, unknown> | null): this {
    const all = ((this.doc.controls as Controls | undefined) ??= {});
    all[feature] = controls === null ? null : { ...(all[feature] ?? {}), ...controls };
    return this;
  }

  /** Sets any top-level key. */
  set(key: string, value: unknown): this {
    this.doc[key] = value;
    return this;
  }

  toYaml(): string {
    return toYaml(this.doc);
  }
}

class CustomerBuilder extends DocBuilder {
  constructor(id: string) {
    super('Customer', id);
    this.doc.plan = 'pro';
  }

  on(plan: string): this {
    return this.set('plan', plan);
  }

  extending(...profiles: string[]): this {
    return this.set('extends', profiles);
  }

  limit(overageLimit: unknown): this {
    return this.set('overageLimit', overageLimit);
  }

  /** An inline entity under `entities:`. */
  entity(id: string, controls: Controls): this {
    const entities = ((this.doc.entities as Record<string, unknown> | undefined) ??= {});
    entities[id] = { controls };
    return this;
  }
}

class ProfileBuilder extends DocBuilder {
  constructor(id: string) {
    super('Profile', id);
  }

  extending(...profiles: string[]): this {
    return this.set('extends', profiles);
  }

  limit(overageLimit: unknown): this {
    return this.set('overageLimit', overageLimit);
  }
}

class EntityBuilder extends DocBuilder {
  constructor(id: string) {
    super('Entity', id);
  }

  of(customer: string): this {
    return this.set('customer', customer);
  }
}

export const aCustomer = (id: string) => new CustomerBuilder(id);
export const aProfile = (id: string) => new ProfileBuilder(id);
export const anEntity = (id: string) => new EntityBuilder(id);
