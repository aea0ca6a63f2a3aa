import { statSync, type Stats } from 'node:fs';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { listPolicyFiles, MAX_FILE_BYTES, readPolicyFile } from '../load/files.js';

/** A file's text as last read, and the stat it had just before. */
interface Known {
  text: string;
  mtimeMs: number;
  ctimeMs: number;
  size: number;
}

/** A file modified this recently may change again within the same timestamp: it is read again next time. */
const SETTLE_MS = 2000;

/**
 * The texts of the policy directory's files as they are on disk, kept between analyses so that an edit in an
 * editor does not read the whole directory again. Without a file watcher, each file's stat is compared with
 * the one its text was read under; with one (`watching`), only the files it reports changed are read again.
 * The directory is listed every time, so files created or deleted (folders too) are always seen.
 */
export class DiskTexts {
  private readonly known = new Map<string, Known>();
  private watching = false;
  private verifyOnce = false;

  constructor(private readonly dir: string) {}

  /** The editor now reports changes to the directory's files; the next call still compares stats once (changes before it watched). */
  watched(): void {
    this.watching = true;
    this.verifyOnce = true;
  }

  /** A file changed, appeared or disappeared on disk: read it again. */
  forget(file: string): void {
    this.known.delete(file);
  }

  /**
   * The text of every policy file of the directory that reads cleanly, except those in `skip` (open in the
   * editor), and the listing they come from (an analysis need not list the directory again). A file that does not
   * read cleanly (too large, not UTF-8, unreadable) is left out, for analyze() to read and explain.
   */
  texts(skip: ReadonlyMap<string, string>): { texts: Map<string, string>; listed: { files: string[]; diagnostics: Diagnostic[] } } {
    const verify = !this.watching || this.verifyOnce;
    this.verifyOnce = false;
    const listing = listPolicyFiles(this.dir);
    const listed = listing.files;
    const now = Date.now();
    const out = new Map<string, string>();
    let seen = 0;
    for (const file of listed) {
      if (!skip.has(file)) {
        let known = this.known.get(file);
        if (known && verify && !same(known, statOf(file))) known = undefined;
        known ??= this.read(file, now);
        if (known) out.set(file, known.text);
      }
      if (this.known.has(file)) seen++;
    }
    // files deleted since: forgotten, so that memory follows the directory
    if (this.known.size > seen) {
      const present = new Set(listed);
      for (const file of this.known.keys()) if (!present.has(file)) this.known.delete(file);
    }
    return { texts: out, listed: listing };
  }

  private read(file: string, now: number): Known | undefined {
    this.known.delete(file);
    const stat = statOf(file);
    if (!stat?.isFile() || stat.size > MAX_FILE_BYTES) return undefined;
    // stat before read: a write after the stat changes the stat, so the next comparison reads the file again
    const { source, diagnostics } = readPolicyFile(file);
    // an overlay's text loses a leading byte-order mark: one that still starts with one (the file had two) is left out
    if (!source || diagnostics.length > 0 || source.text.charCodeAt(0) === 0xfeff) return undefined;
    const known = { text: source.text, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, size: stat.size };
    if (now - stat.mtimeMs > SETTLE_MS) this.known.set(file, known);
    return known;
  }
}

/** The file's stat, or undefined when it cannot be had (deleted, no permission): it is then read by analyze(), which says why. */
function statOf(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function same(known: Known, stat: Stats | undefined): boolean {
  return stat !== undefined && stat.mtimeMs === known.mtimeMs && stat.ctimeMs === known.ctimeMs && stat.size === known.size;
}
