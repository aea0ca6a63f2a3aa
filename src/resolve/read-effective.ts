import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import type { CompactOrigin, CompactSources, SourceRef } from './compact-provenance.js';
import type { EffectiveCustomer, EffectiveEntity, EffectiveFeature, EffectivePolicy, Overridden, Source } from './effective.js';

/** The artifact formats this tollgate reads: 1 (provenance in full) and 2 (compact provenance). */
const READABLE = [1, 2];

/** Past V8's longest string (and readFileSync's 2 GiB), an artifact is read line by line, as compile writes it. */
const LARGE_ARTIFACT_BYTES = 256 * 1024 * 1024;

/** What an artifact says beside its customers. */
interface Head {
  asOf: string;
  digest: string;
  formatVersion: unknown;
  nextChangeAt: string | null;
  files?: string[];
  origins?: CompactOrigin[];
  sourceFields?: string[];
}

/**
 * Reads an effective-policy artifact (`tollgate compile -o`) of format 1 or 2 and returns it as format 1 has it,
 * every source in full; refuses files that are not artifacts and formats it does not know.
 */
export function readEffectivePolicy(file: string): EffectivePolicy {
  return readEffectiveFile(file, LARGE_ARTIFACT_BYTES);
}

/** readEffectivePolicy, reading line by line from `largeBytes` on (a parameter so that tests reach that path). */
export function readEffectiveFile(file: string, largeBytes: number): EffectivePolicy {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new UserError(`Cannot read the effective policy ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < largeBytes) {
      const bytes = Buffer.alloc(size);
      readSync(fd, bytes, 0, size, 0);
      return expandEffectivePolicy(parseWhole(bytes.toString('utf8'), file), file);
    }
    return readByLines(fd, size, file);
  } finally {
    closeSync(fd);
  }
}

/** An artifact already parsed, as format 1 has it: format 1 as it is, format 2 with its provenance expanded. */
export function expandEffectivePolicy(artifact: unknown, file = 'the artifact'): EffectivePolicy {
  if (typeof artifact !== 'object' || artifact === null || Array.isArray(artifact)) throw notArtifact(file, 'not a JSON object');
  const { customers, ...head } = artifact as Head & { customers?: unknown };
  const expand = customerReader(head, file);
  if (typeof customers !== 'object' || customers === null || Array.isArray(customers)) throw incomplete(file);
  const out: Record<string, EffectiveCustomer> = {};
  for (const [id, customer] of Object.entries(customers)) out[id] = expand(customer);
  return policy(head, out, file);
}

/** Compile's own layout, one customer a line: the last line (digest, files) is read first, then the customers. */
function readByLines(fd: number, size: number, file: string): EffectivePolicy {
  const tail = lastLine(fd, size);
  if (!tail.startsWith('},')) {
    // no customers (the artifact is one line), or not compile's layout
    if (Buffer.byteLength(tail) >= size - 1) return expandEffectivePolicy(parseWhole(tail, file), file);
    throw incomplete(file);
  }
  const head = parseLine(file, `{${tail.slice(2)}`) as Head;
  const expand = customerReader(head, file);
  const customers: Record<string, EffectiveCustomer> = {};
  let first = true;
  for (const line of lines(fd)) {
    if (first) {
      const start = parseLine(file, line.endsWith('"customers":{') ? `${line}}}` : '') as { asOf?: unknown };
      head.asOf = start.asOf as string;
      first = false;
    } else if (line.startsWith('"')) {
      const one = parseLine(file, `{${line.endsWith(',') ? line.slice(0, -1) : line}}`) as Record<string, unknown>;
      for (const [id, customer] of Object.entries(one)) customers[id] = expand(customer);
    } else if (line !== tail) {
      throw incomplete(file);
    }
  }
  return policy(head, customers, file);
}

function parseWhole(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw notArtifact(file, 'not JSON');
  }
}

function parseLine(file: string, text: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null) return value;
  } catch {
    // reported below
  }
  throw incomplete(file);
}

/** The format-1 object from what an artifact says beside its customers, and its customers in format 1. */
function policy(head: Head, customers: Record<string, EffectiveCustomer>, file: string): EffectivePolicy {
  if (typeof head.asOf !== 'string' || typeof head.digest !== 'string') throw incomplete(file);
  return { asOf: head.asOf, customers, digest: head.digest, formatVersion: 1, nextChangeAt: head.nextChangeAt ?? null };
}

/** How to read one customer of an artifact, once its format is known to be readable. */
function customerReader(head: Head, file: string): (customer: unknown) => EffectiveCustomer {
  if (head.formatVersion === undefined) throw notArtifact(file, 'no formatVersion');
  if (!READABLE.includes(head.formatVersion as number)) {
    throw new UserError(
      `${file} has effective-policy formatVersion ${JSON.stringify(head.formatVersion)}; this tollgate reads versions ${READABLE.join(' and ')}. Compile again with this version: tollgate compile -o ${file}`,
    );
  }
  if (head.formatVersion === 1) return (customer) => customer as EffectiveCustomer;
  const { files, origins, sourceFields } = head;
  if (!Array.isArray(files) || !Array.isArray(origins) || !Array.isArray(sourceFields)) throw incomplete(file);
  const tables = { files, origins, sourceFields };
  return (customer) => {
    try {
      return expandCustomer(customer as CompactCustomerValue, tables);
    } catch (error) {
      // an index past its table, or a part missing: the file was cut or edited
      if (error instanceof RangeError || error instanceof TypeError) throw incomplete(file);
      throw error;
    }
  };
}

type CompactFeature = Omit<EffectiveFeature, 'sources'> & { sources: number };
type CompactCustomerValue = Omit<EffectiveCustomer, 'sources' | 'features' | 'entities'> & {
  features: Record<string, CompactFeature>;
  entities: Record<string, Omit<EffectiveEntity, 'features'> & { features: Record<string, CompactFeature> }>;
  sources: CompactSources;
};

/** A value of a table by index; a RangeError (a damaged artifact) when there is none. */
function at<T>(table: readonly T[] | undefined, i: unknown): T {
  if (!Array.isArray(table) || typeof i !== 'number' || !Object.hasOwn(table, i)) throw new RangeError(`no entry ${String(i)}`);
  return table[i] as T;
}

/** What a format-2 artifact's customers refer to: its top-level `files`, `origins` and `sourceFields`. */
export interface ArtifactTables {
  files: readonly string[];
  origins: readonly CompactOrigin[];
  sourceFields: readonly string[];
}

/** A format-2 customer with every source in full, as format 1 wrote it. */
export function expandCustomer(customer: CompactCustomerValue, { files, origins: shared, sourceFields }: ArtifactTables): EffectiveCustomer {
  const { origins: own, features: lists, overageLimit } = customer.sources ?? {};
  // Members are set in format 1's order (keys sorted), so the object prints as format 1 wrote it.
  const describe = (i: number, column: boolean, rest: { overridden?: Overridden[]; value?: unknown }): Record<string, unknown> => {
    const [layer, file, line, col, ...identity] = i < 0 ? at<CompactOrigin>(own, -1 - i) : at<CompactOrigin>(shared, i);
    const isException = layer === 'exception';
    const out: Record<string, unknown> = {};
    if (column && col !== null) out.column = col;
    if (isException) out.exception = identity[0];
    if (file !== null) out.file = at(files, file);
    out.layer = layer;
    if (line !== null) out.line = line;
    if (isException) out.on = identity[1];
    if (rest.overridden) out.overridden = rest.overridden;
    if (layer === 'profile') out.profile = identity[0];
    if (isException) out.until = identity[2];
    if ('value' in rest) out.value = rest.value;
    return out;
  };
  const source = (ref: SourceRef): Source => {
    const [won, ...hidden] = Array.isArray(ref) ? ref : [ref];
    const overridden = hidden.map(([i, value]) => describe(i, false, { value }) as unknown as Overridden);
    return describe(won, true, { overridden }) as unknown as Source;
  };
  const expandFeatures = (features: Record<string, CompactFeature>): Record<string, EffectiveFeature> => {
    const out: Record<string, EffectiveFeature> = {};
    for (const [id, f] of Object.entries(features)) {
      const refs = at<SourceRef[]>(lists, f.sources);
      const sources = Object.fromEntries(sourceFields.map((field, k) => [field, source(at(refs, k))])) as EffectiveFeature['sources'];
      out[id] = { ...f, sources };
    }
    return out;
  };
  const entities: Record<string, EffectiveEntity> = {};
  for (const [id, entity] of Object.entries(customer.entities)) entities[id] = { ...entity, features: expandFeatures(entity.features) };
  return { ...customer, features: expandFeatures(customer.features), entities, sources: { overageLimit: source(overageLimit!) } };
}

/** The file's last line (without its newline), read from the end. */
function lastLine(fd: number, size: number): string {
  for (let length = 1 << 20; ; length *= 2) {
    const start = Math.max(0, size - length);
    const bytes = Buffer.alloc(size - start);
    readSync(fd, bytes, 0, bytes.length, start);
    const end = bytes[bytes.length - 1] === 10 ? bytes.length - 1 : bytes.length;
    const newline = bytes.lastIndexOf(10, end - 1);
    if (newline !== -1 || start === 0) return bytes.toString('utf8', newline + 1, end);
  }
}

/** The file's lines (without their newlines), read in chunks: a fleet's artifact is never one string. */
function* lines(fd: number): Generator<string> {
  const chunk = Buffer.alloc(16 << 20);
  let rest = Buffer.alloc(0);
  for (let position = 0; ; ) {
    const n = readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) break;
    position += n;
    const data = rest.length === 0 ? chunk.subarray(0, n) : Buffer.concat([rest, chunk.subarray(0, n)]);
    let start = 0;
    for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
      yield data.toString('utf8', start, end);
      start = end + 1;
    }
    rest = Buffer.from(data.subarray(start));
  }
  if (rest.length > 0) yield rest.toString('utf8');
}

function notArtifact(file: string, why: string): UserError {
  return new UserError(`${file} is not a tollgate effective policy (${why}). Make one with: tollgate compile -o ${file}`);
}

function incomplete(file: string): UserError {
  return new UserError(`${file} is not a complete tollgate effective policy; compile it again with: tollgate compile -o ${file}`);
}
