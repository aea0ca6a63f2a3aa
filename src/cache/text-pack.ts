import { createHash, type Hash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

const MAGIC = 'tollgate-texts sha256:';
/** The header has a fixed length, so it can be written last, once the checksum is known. */
const HEADER_LENGTH = MAGIC.length + 64 + ' index:'.length + 16 + 1;

/** Where a key's texts are: the offset of the first, then the byte length of each. */
type Range = number[];

/**
 * Texts kept by key in one file: a header with a checksum, the texts as bytes, then an index of byte ranges.
 * Reading it parses only the index; a text is decoded when asked for. A new file is written as texts are
 * used, one at a time, so a fleet's texts are never all in memory; a damaged file is ignored and rebuilt.
 */
export class TextPack {
  private readonly old: { data: Buffer; index: Record<string, Range> } | undefined;
  private out: { fd: number; tmp: string; hash: Hash; offset: number; index: Record<string, Range> } | undefined;
  private reused = 0;
  private failed = false;

  /** `count`: how many texts each key holds. */
  constructor(
    private readonly file: string,
    private readonly count: number,
  ) {
    this.old = readTexts(file, count);
  }

  /** The texts kept for `key`, or those `make` returns (then kept). */
  get(key: string, make: () => string[]): string[] {
    const at = this.old && Object.hasOwn(this.old.index, key) ? this.old.index[key] : undefined;
    if (at && this.old) {
      const [offset, ...lengths] = at as [number, ...number[]];
      const bytes = this.old.data.subarray(offset, offset + lengths.reduce((a, b) => a + b, 0));
      this.keep(key, bytes, lengths);
      this.reused++;
      let start = 0;
      return lengths.map((n) => bytes.toString('utf8', start, (start += n)));
    }
    const texts = make();
    const parts = texts.map((t) => Buffer.from(t, 'utf8'));
    this.keep(key, Buffer.concat(parts), parts.map((p) => p.length));
    return texts;
  }

  private keep(key: string, bytes: Buffer, lengths: number[]): void {
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
      this.out.index[key] = [this.out.offset, ...lengths];
      this.out.offset += bytes.length;
    } catch {
      this.discard(); // a read-only checkout or a full disk: the next run computes again
    }
  }

  /** Drops a new file still being written (the run did not finish); a no-op after save(). */
  discard(): void {
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
    if (this.old !== undefined && this.reused === Object.keys(out.index).length && this.reused === Object.keys(this.old.index).length) return this.discard();
    try {
      const index = Buffer.from(JSON.stringify(out.index), 'utf8');
      writeSync(out.fd, index);
      out.hash.update(index);
      writeSync(out.fd, `${MAGIC}${out.hash.digest('hex')} index:${String(out.offset).padStart(16, '0')}\n`, 0);
      closeSync(out.fd);
      renameSync(out.tmp, this.file);
      this.out = undefined;
    } catch {
      this.discard();
    }
  }
}

/** The texts and their index, when the checksum matches and the ranges fit; undefined for a missing or damaged file. */
function readTexts(file: string, count: number): { data: Buffer; index: Record<string, Range> } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < HEADER_LENGTH) return undefined;
  const header = /^tollgate-texts sha256:([0-9a-f]{64}) index:(\d{16})\n$/.exec(bytes.toString('latin1', 0, HEADER_LENGTH));
  const rest = bytes.subarray(HEADER_LENGTH);
  if (!header || header[1] !== createHash('sha256').update(rest).digest('hex')) return undefined;
  const indexAt = Number(header[2]);
  if (indexAt > rest.length) return undefined;
  try {
    const index = JSON.parse(rest.toString('utf8', indexAt)) as Record<string, Range>;
    const data = rest.subarray(0, indexAt);
    const fits = (r: unknown): boolean =>
      Array.isArray(r) && r.length === count + 1 && r.every((n) => Number.isInteger(n) && n >= 0) && (r as number[]).reduce((a, b) => a + b, 0) <= data.length;
    return Object.values(index).every(fits) ? { data, index } : undefined;
  } catch {
    return undefined;
  }
}
