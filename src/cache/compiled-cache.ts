import { createHash, type Hash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { CompiledCustomer, CompiledCustomers } from '../resolve/stream.js';
import { CACHE_KEY } from './cache-key.js';

const MAGIC = 'tollgate-compiled sha256:';
/** The header has a fixed length, so it can be written last, once the checksum is known. */
const HEADER_LENGTH = MAGIC.length + 64 + ' index:'.length + 16 + 1;

type Range = [offset: number, strippedBytes: number, canonicalBytes: number];

/**
 * Compiled customers (their artifact text without and with provenance) from earlier `compile` runs, keyed by
 * the hash of everything each depends on (Analysis.customerKeys). One file: a header with a checksum, the
 * texts, then an index of byte ranges. It is rewritten as the artifact is written, one customer at a time,
 * so a fleet's texts are never all in memory; a damaged file is ignored and rebuilt.
 */
export class CompiledCache implements CompiledCustomers {
  private readonly file: string;
  private readonly old: { data: Buffer; index: Record<string, Range> } | undefined;
  private out: { fd: number; tmp: string; hash: Hash; offset: number; index: Record<string, Range> } | undefined;
  private reused = 0;
  private failed = false;

  /** `keys`: customer id → dependency key; customers without one are compiled and not kept. */
  constructor(
    root: string,
    private readonly keys: ReadonlyMap<string, string>,
  ) {
    this.file = path.join(root, CACHE_KEY, 'compiled.pack');
    this.old = readCompiled(this.file);
  }

  get(id: string, compile: () => CompiledCustomer): CompiledCustomer {
    const key = this.keys.get(id);
    if (key === undefined) return compile();
    const at = this.old && Object.hasOwn(this.old.index, key) ? this.old.index[key] : undefined;
    if (at && this.old) {
      const [offset, a, b] = at;
      const bytes = this.old.data.subarray(offset, offset + a + b);
      this.keep(key, bytes, a, b);
      this.reused++;
      return { stripped: bytes.toString('utf8', 0, a), canonical: bytes.toString('utf8', a) };
    }
    const compiled = compile();
    const stripped = Buffer.from(compiled.stripped, 'utf8');
    const canonical = Buffer.from(compiled.canonical, 'utf8');
    this.keep(key, Buffer.concat([stripped, canonical]), stripped.length, canonical.length);
    return compiled;
  }

  private keep(key: string, bytes: Buffer, strippedBytes: number, canonicalBytes: number): void {
    if (this.failed || Object.hasOwn(this.out?.index ?? {}, key)) return;
    try {
      if (!this.out) {
        mkdirSync(path.dirname(this.file), { recursive: true });
        const tmp = `${this.file}.${process.pid}.tmp`;
        const fd = openSync(tmp, 'w');
        writeSync(fd, ' '.repeat(HEADER_LENGTH));
        this.out = { fd, tmp, hash: createHash('sha256'), offset: 0, index: {} };
      }
      writeSync(this.out.fd, bytes);
      this.out.hash.update(bytes);
      this.out.index[key] = [this.out.offset, strippedBytes, canonicalBytes];
      this.out.offset += bytes.length;
    } catch {
      this.abandon(); // a read-only checkout or a full disk: the next compile computes again
    }
  }

  /** Drops a new file still being written (the artifact was not finished); a no-op after save(). */
  discard(): void {
    this.abandon();
  }

  private abandon(): void {
    this.failed = true;
    if (!this.out) return;
    try {
      closeSync(this.out.fd);
    } catch {
      // already closed
    }
    rmSync(this.out.tmp, { force: true });
    this.out = undefined;
  }

  /** Finishes the new file, unless it holds exactly what the old one did. */
  save(): void {
    const out = this.out;
    if (!out || this.failed) return;
    const unchanged = this.old !== undefined && this.reused === Object.keys(out.index).length && this.reused === Object.keys(this.old.index).length;
    if (unchanged) return this.abandon();
    try {
      const index = Buffer.from(JSON.stringify(out.index), 'utf8');
      writeSync(out.fd, index);
      out.hash.update(index);
      const header = `${MAGIC}${out.hash.digest('hex')} index:${String(out.offset).padStart(16, '0')}\n`;
      writeSync(out.fd, header, 0);
      closeSync(out.fd);
      renameSync(out.tmp, this.file);
      this.out = undefined;
    } catch {
      this.abandon();
    }
  }
}

/** The texts and their index, when the checksum matches and the ranges fit; undefined for a missing or damaged file. */
function readCompiled(file: string): { data: Buffer; index: Record<string, Range> } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < HEADER_LENGTH) return undefined;
  const header = /^tollgate-compiled sha256:([0-9a-f]{64}) index:(\d{16})\n$/.exec(bytes.toString('latin1', 0, HEADER_LENGTH));
  const rest = bytes.subarray(HEADER_LENGTH);
  if (!header || header[1] !== createHash('sha256').update(rest).digest('hex')) return undefined;
  const indexAt = Number(header[2]);
  if (indexAt > rest.length) return undefined;
  try {
    const index = JSON.parse(rest.toString('utf8', indexAt)) as Record<string, Range>;
    const data = rest.subarray(0, indexAt);
    const fits = Object.values(index).every((r) => Array.isArray(r) && r.length === 3 && r.every((n) => Number.isInteger(n) && n >= 0) && r[0] + r[1] + r[2] <= data.length);
    return fits ? { data, index } : undefined;
  } catch {
    return undefined;
  }
}
