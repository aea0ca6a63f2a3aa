import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, renameSync, rmSync, closeSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { CompiledCustomer, CompiledCustomers } from '../resolve/stream.js';
import { CACHE_KEY } from './cache-key.js';

const HEADER = 'tollgate-compiled sha256:';

/**
 * Compiled customers (their artifact text with and without provenance) from earlier `compile` runs, keyed by
 * the hash of everything each depends on (Analysis.customerKeys). One file: a checksummed header, an index
 * of byte ranges, then the texts; a damaged file is ignored and rebuilt.
 */
export class CompiledCache implements CompiledCustomers {
  private readonly file: string;
  private readonly data: Buffer | undefined;
  private readonly index: Record<string, [number, number, number]> = {};
  private readonly used = new Map<string, CompiledCustomer>();
  private changed = false;

  /** `keys`: customer id → dependency key; customers without one are compiled and not kept. */
  constructor(
    root: string,
    private readonly keys: ReadonlyMap<string, string>,
  ) {
    this.file = path.join(root, CACHE_KEY, 'compiled.pack');
    const read = readCompiled(this.file);
    if (read) ({ data: this.data, index: this.index } = read);
  }

  get(id: string, compile: () => CompiledCustomer): CompiledCustomer {
    const key = this.keys.get(id);
    if (key === undefined) return compile();
    const at = Object.hasOwn(this.index, key) ? this.index[key] : undefined;
    if (at && this.data) {
      const [offset, strippedBytes, canonicalBytes] = at;
      const found = {
        stripped: this.data.toString('utf8', offset, offset + strippedBytes),
        canonical: this.data.toString('utf8', offset + strippedBytes, offset + strippedBytes + canonicalBytes),
      };
      this.used.set(key, found);
      return found;
    }
    const compiled = compile();
    this.used.set(key, compiled);
    this.changed = true;
    return compiled;
  }

  /** Writes the customers this run compiled or reused, when that differs from what was read. */
  save(): void {
    if (!this.changed && this.used.size === Object.keys(this.index).length) return;
    const index: Record<string, [number, number, number]> = {};
    const parts: Buffer[] = [];
    let offset = 0;
    for (const [key, { stripped, canonical }] of this.used) {
      const a = Buffer.from(stripped, 'utf8');
      const b = Buffer.from(canonical, 'utf8');
      index[key] = [offset, a.length, b.length];
      parts.push(a, b);
      offset += a.length + b.length;
    }
    const indexText = Buffer.from(JSON.stringify(index) + '\n', 'utf8');
    const hash = createHash('sha256').update(indexText);
    for (const p of parts) hash.update(p);
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, `${HEADER}${hash.digest('hex')}\n`);
        writeSync(fd, indexText);
        for (const p of parts) writeSync(fd, p);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch {
      // a read-only checkout or a full disk: the next compile computes again
      rmSync(tmp, { force: true });
    }
  }
}

/** The texts and their index, when the checksum matches; undefined for a missing or damaged file. */
function readCompiled(file: string): { data: Buffer; index: Record<string, [number, number, number]> } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const headerEnd = bytes.indexOf(10);
  if (headerEnd < 0 || bytes.toString('latin1', 0, HEADER.length) !== HEADER) return undefined;
  const rest = bytes.subarray(headerEnd + 1);
  if (bytes.toString('latin1', HEADER.length, headerEnd) !== createHash('sha256').update(rest).digest('hex')) return undefined;
  const indexEnd = rest.indexOf(10);
  try {
    const index = JSON.parse(rest.toString('utf8', 0, indexEnd)) as Record<string, [number, number, number]>;
    const data = rest.subarray(indexEnd + 1);
    const fits = Object.values(index).every((r) => Array.isArray(r) && r.length === 3 && r.every((n) => Number.isInteger(n) && n >= 0) && r[0] + r[1] + r[2] <= data.length);
    return fits ? { data, index } : undefined;
  } catch {
    return undefined;
  }
}
