import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { diagnostic, type Diagnostic, type Location } from '../diagnostics/diagnostic.js';
import { MAX_FILE_BYTES } from './limits.js';
import { SourceFile } from '../util/source-file.js';
import { formatCount } from '../util/money.js';

export { MAX_FILE_BYTES } from './limits.js';

/** The display form of a path: relative to the current directory, with forward slashes. */
export function displayPath(absolute: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, absolute) || '.';
  return rel.split(path.sep).join('/');
}

function fileLocation(file: string): Location {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1, pointer: '' };
}

/** Every *.yaml / *.yml file below dir (hidden folders and node_modules skipped), sorted by path. */
export function listPolicyFiles(dir: string): { files: string[]; diagnostics: Diagnostic[] } {
  const shown = displayPath(path.resolve(dir));
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    return { files: [], diagnostics: [diagnostic('dir-not-found', `Policy directory "${shown}" does not exist; pass --dir or set "dir" in tollgate.yaml.`, fileLocation(shown))] };
  }
  if (!stat.isDirectory()) {
    return { files: [], diagnostics: [diagnostic('dir-not-found', `"${shown}" is not a directory; --dir takes the folder that holds the policy files.`, fileLocation(shown))] };
  }
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  walkPolicyTree(dir, {
    file: (file) => files.push(file),
    unreadable: (folder, code) =>
      diagnostics.push(diagnostic('file-unreadable', `Cannot read the folder (${code}); its policy files were not checked.`, fileLocation(displayPath(folder)))),
  });
  files.sort();
  if (files.length === 0 && diagnostics.length === 0) {
    return { files, diagnostics: [diagnostic('dir-empty', `No *.yaml or *.yml files in "${shown}"; nothing to check.`, fileLocation(shown))] };
  }
  return { files, diagnostics };
}

/** What walking a policy directory meets. */
export interface PolicyTreeVisitor {
  /** A folder read (the directory itself first). */
  folder?(folder: string): void;
  /** A policy file (*.yaml, *.yml); `linked` when it is a symbolic link (perhaps a broken one). */
  file(file: string, linked: boolean): void;
  /** A folder that could not be read, with the system's error code. */
  unreadable(folder: string, code: string): void;
}

/**
 * Walks a policy directory as tollgate reads it: hidden entries and node_modules skipped, symbolic links followed
 * like any editor would (a link back up the tree once), files and folders in the order the system lists them.
 * listPolicyFiles lists what it meets; `validate --watch` watches the folders (load/watch.ts).
 */
export function walkPolicyTree(dir: string, visit: PolicyTreeVisitor): void {
  const walked = new Set<string>();
  const walk = (current: string): void => {
    let entries;
    try {
      const real = realpathSync(current);
      if (walked.has(real)) return; // a symbolic link back up the tree
      walked.add(real);
      entries = readdirSync(current, { withFileTypes: true });
    } catch (error) {
      visit.unreadable(current, (error as NodeJS.ErrnoException).code ?? 'unknown error');
      return;
    }
    visit.folder?.(current);
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      // `current` is resolved already: joining by hand saves normalizing ten thousand paths
      const full = current.endsWith(path.sep) ? current + entry.name : current + path.sep + entry.name;
      const yamlName = isYamlName(entry.name);
      if (entry.isSymbolicLink()) {
        // a broken link to a policy file is reported when it is read
        let target;
        try {
          target = statSync(full);
        } catch {
          if (yamlName) visit.file(full, true);
          continue;
        }
        if (target.isDirectory()) walk(full);
        else if (target.isFile() && yamlName) visit.file(full, true);
      } else if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && yamlName) visit.file(full, false);
    }
  };
  walk(path.resolve(dir));
}

/** `*.yaml` or `*.yml`, in any case. */
export function isYamlName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return false;
  const ext = name.slice(dot + 1).toLowerCase();
  return ext === 'yaml' || ext === 'yml';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads one policy file as UTF-8 text, or explains why it cannot be read. */
export function readPolicyFile(absolute: string): { source?: SourceFile; diagnostics: Diagnostic[] } {
  const shown = displayPath(absolute);
  let bytes: Buffer;
  try {
    const size = statSync(absolute).size;
    if (size > MAX_FILE_BYTES) {
      const mib = MAX_FILE_BYTES / 1024 / 1024;
      return { diagnostics: [diagnostic('file-too-large', `File is ${formatCount(size)} bytes; tollgate reads files up to ${formatCount(MAX_FILE_BYTES)} bytes (${mib} MiB). Split it, e.g. one file per customer.`, fileLocation(shown))] };
    }
    bytes = readFileSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const reason = code === 'ENOENT' ? 'it does not exist; is it a broken symbolic link?' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
    return { diagnostics: [diagnostic('file-unreadable', `Cannot read the file: ${reason} (${code}).`, fileLocation(shown))] };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { diagnostics: [diagnostic('file-not-utf8', 'File is UTF-16; save it as UTF-8.', fileLocation(shown))] };
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const prefix = new SourceFile(shown, bytes.subarray(0, at).toString('utf8'));
    const pos = prefix.position(prefix.text.length);
    const byte = bytes[at]!.toString(16).padStart(2, '0');
    return {
      diagnostics: [
        diagnostic('file-not-utf8', `File is not valid UTF-8: byte 0x${byte} at offset ${at}. Save it as UTF-8.`, {
          file: shown, line: pos.line, column: pos.column, endLine: pos.line, endColumn: pos.column + 1, pointer: '',
        }),
      ],
    };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { source: new SourceFile(shown, text), diagnostics: [] };
}

/** A policy file whose text is already known (an editor's unsaved buffer), as readPolicyFile returns it. */
export function policyText(absolute: string, text: string): { source: SourceFile; diagnostics: Diagnostic[] } {
  return { source: new SourceFile(displayPath(absolute), text.charCodeAt(0) === 0xfeff ? text.slice(1) : text), diagnostics: [] };
}

/**
 * Offset of the first byte that breaks UTF-8 decoding. The second byte's range is narrower after E0, ED,
 * F0 and F4 (no overlong forms, no surrogates, nothing above U+10FFFF), exactly as the decoder rejects them.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    const [lo, hi] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return Math.max(0, bytes.length - 1);
}
