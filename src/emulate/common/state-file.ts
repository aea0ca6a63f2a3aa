import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { EmulatorStartError } from './start-error.js';

let tempCounter = 0;

/** Reads and parses a state file; undefined when it does not exist, an EmulatorStartError when it is unusable. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return undefined;
    if (isErrnoException(error) && error.code !== undefined) throw new EmulatorStartError(`Cannot read state file ${path}: ${readFailureReason(error.code, error.message)}`, 'state-file');
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EmulatorStartError(`State file ${path} is not valid JSON: ${jsonProblem(text, (error as Error).message)}`, 'state-file');
  }
}

function readFailureReason(code: string, message: string): string {
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return message;
}

/** V8's JSON.parse message on one line, without the quoted excerpt (which may span lines), with line:column when V8 gives a position. */
function jsonProblem(text: string, message: string): string {
  const problem = message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '').replace(/\s+/g, ' ');
  const position = /at position (\d+)/.exec(message);
  if (position === null) return problem;
  const before = text.slice(0, Number(position[1])).split('\n');
  return `${problem} at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** Writes a file so readers see the old or the new content, never half of it: temp file, fsync, rename. */
export function writeFileAtomic(path: string, text: string): void {
  tempCounter += 1;
  const temp = `${path}.${process.pid}.${tempCounter}.tmp`;
  mkdirSync(dirname(path), { recursive: true });
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // The temp file may never have been created; the original error is the one that matters.
    }
    throw error;
  }
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
