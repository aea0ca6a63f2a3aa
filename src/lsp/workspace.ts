import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PolicyCache } from '../cache/policy-cache.js';
import { analyze, type Analysis } from '../validate/index.js';

/**
 * The policy directory as an editor sees it: files on disk, with the text of open documents in place of
 * theirs. Analysed again only after something changed.
 */
export class PolicyWorkspace {
  readonly dir: string;
  private readonly open = new Map<string, string>();
  private analysis: Analysis | undefined;

  /** `cache`: results kept between analyses, so a keystroke re-checks only what it changed. */
  constructor(
    dir: string,
    private readonly cache?: PolicyCache,
  ) {
    this.dir = path.resolve(dir);
  }

  /** Whether a file belongs to the policy directory (tollgate's diagnostics cover only those). */
  contains(file: string): boolean {
    return file.startsWith(this.dir + path.sep) && /\.ya?ml$/i.test(file);
  }

  /** Records the text an editor holds for a file; it beats the file on disk until closed. */
  setText(file: string, text: string): void {
    this.open.set(file, text);
    this.analysis = undefined;
  }

  /** The editor closed the file: the disk is the truth again. */
  close(file: string): void {
    this.open.delete(file);
    this.analysis = undefined;
  }

  /** Something changed on disk (saved, created, deleted by another program). */
  changedOnDisk(): void {
    this.analysis = undefined;
  }

  /** The text of an open file, if the editor holds it. */
  textOf(file: string): string | undefined {
    return this.open.get(file);
  }

  /** The analysis of the directory with open texts in place; reused until a change. */
  current(): Analysis {
    if (!this.analysis) {
      this.analysis = analyze(this.dir, { overlay: this.open, ...(this.cache ? { cache: this.cache } : {}) });
      this.cache?.save(false);
    }
    return this.analysis;
  }
}

/** The absolute path of a file named the way diagnostics and provenance name it (relative to the current directory). */
export function absolutePath(shown: string): string {
  return path.resolve(shown);
}

/** file:// URI → absolute path; undefined for other schemes (untitled buffers, remote files). */
export function uriToPath(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

/** Absolute path → file:// URI. */
export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}
