import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const HEADER = 'tollgate-cache sha256:';
const BYTES_HEADER_LENGTH = HEADER.length + 64 + 1;

// Cache files carry a sha256 of their content on a first line, so that a damaged one is never trusted.

/**
 * A cache file's JSON value, when its first line's sha256 matches the rest and `valid` accepts the value;
 * undefined otherwise (missing, truncated, a byte changed, someone else's file): the caller computes afresh.
 */
export function readCheckedJson<T>(file: string, valid: (value: unknown) => value is T): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const newline = text.indexOf('\n');
  if (!text.startsWith(HEADER) || newline < 0) return undefined;
  const body = text.slice(newline + 1);
  if (text.slice(HEADER.length, newline) !== createHash('sha256').update(body).digest('hex')) return undefined;
  try {
    const value: unknown = JSON.parse(body);
    return valid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a cache file (checksum line, then the JSON) through a temporary file; one that cannot be written is skipped. */
export function writeCheckedJson(file: string, value: unknown): void {
  writeChecked(file, Buffer.from(JSON.stringify(value)));
}

/** A cache file's bytes after the checksum line, when the checksum matches; undefined otherwise. */
export function readCheckedBytes(file: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < BYTES_HEADER_LENGTH || bytes.toString('latin1', 0, HEADER.length) !== HEADER || bytes[BYTES_HEADER_LENGTH - 1] !== 0x0a) return undefined;
  const body = bytes.subarray(BYTES_HEADER_LENGTH);
  return bytes.toString('latin1', HEADER.length, BYTES_HEADER_LENGTH - 1) === createHash('sha256').update(body).digest('hex') ? body : undefined;
}

/** Writes bytes as a cache file, behind a checksum line (readCheckedBytes reads them). */
export function writeChecked(file: string, body: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${HEADER}${createHash('sha256').update(body).digest('hex')}\n`), body]));
    renameSync(tmp, file);
  } catch {
    // a read-only checkout or a full disk: the next run computes again
    rmSync(tmp, { force: true });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
