import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PolicyCache } from '../cache/policy-cache.js';
import { analyze, type Analysis } from '../validate/index.js';
import { DiskTexts } from './disk-texts.js';
import { EditorCache } from './editor-cache.js';

/**
 * The policy directory as an editor sees it: files on disk, with the text of open documents in place of
 * theirs. Analysed again only after something changed; the texts of files on disk and the parses and checks
 * of unchanged files are kept in memory between analyses.
 */
export class PolicyWorkspace {
  readonly dir: string;
  private readonly open = new Map<string, string>();
  private readonly disk: DiskTexts;
  private readonly cache: EditorCache;
  private analysis: Analysis | undefined;
  private last: Analysis | undefined;

  /** `cache`: results of earlier commands (.tollgate/cache), read by the first analysis. `parallel`: parse it on worker threads too. */
  constructor(
    dir: string,
    cache?: PolicyCache,
    private readonly parallel = false,
  ) {
    this.dir = path.resolve(dir);
    this.disk = new DiskTexts(this.dir);
    this.cache = new EditorCache(cache);
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

  /** The editor closed the file: the disk is the truth again (read afresh: the editor may have saved it). */
  close(file: string): void {
    this.open.delete(file);
    this.disk.forget(file);
    this.analysis = undefined;
  }

  /** Something changed on disk (saved, created, deleted by another program); `files`, when known, are read again. */
  changedOnDisk(files: readonly string[] = []): void {
    for (const file of files) this.disk.forget(file);
    this.analysis = undefined;
  }

  /** The editor watches the directory and reports changes (changedOnDisk with the files): unchanged files need no stat. */
  watched(): void {
    this.disk.watched();
  }

  /** The text of an open file, if the editor holds it. */
  textOf(file: string): string | undefined {
    return this.open.get(file);
  }

  /** The analysis of the directory with open texts in place; reused until a change. */
  current(): Analysis {
    if (!this.analysis) {
      const overlay = this.disk.texts(this.open);
      for (const [file, text] of this.open) overlay.set(file, text);
      // worker threads pay off for the first analysis only: later ones parse the few files edited
      this.analysis = analyze(this.dir, { overlay, cache: this.cache, parallel: this.parallel && !this.last });
      this.cache.endRun();
      this.last = this.analysis;
    }
    return this.analysis;
  }

  /** The latest analysis, even if edits came since (for answers that only need ids); analyses when there is none. */
  latest(): Analysis {
    return this.last ?? this.current();
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
