import { readdirSync, realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/**
 * A change in a policy directory's folders, as a watcher names it: `file` is the path of the entry that changed
 * (a file or folder, created, written, renamed or deleted), or undefined when the system could not say which.
 */
export type FolderChange = (file: string | undefined) => void;

/**
 * Watches every folder of a policy directory that listPolicyFiles reads (hidden folders and node_modules left
 * out, symbolic links followed) for changes to the entries in it: one watcher per folder, on the folder itself, so
 * that a file an editor saves by writing another and renaming it over is still seen (Node 20's recursive watch on
 * Linux watches files one by one and loses such a file after its first save). Folders created or deleted since
 * are taken in or let go by `sync()`, which a change to an entry that may be a folder calls for.
 */
export class FolderWatch {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly root: string,
    private readonly onChange: FolderChange,
  ) {}

  /** Watches the folders there are now and lets go of those gone. False when the directory itself cannot be read. */
  sync(): boolean {
    const folders = policyFolders(this.root);
    if (!folders) return false;
    for (const [folder, watcher] of this.watchers) {
      if (!folders.has(folder)) {
        watcher.close();
        this.watchers.delete(folder);
      }
    }
    for (const folder of folders) {
      if (this.watchers.has(folder)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(folder, (_event, name) => this.onChange(name === null ? undefined : path.join(folder, name)));
      } catch {
        continue; // gone since it was listed: the change that removed it is reported by its parent's watcher
      }
      // a folder deleted while watched ends its watcher with an error on some systems: let go, and say something changed
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(folder);
        this.onChange(undefined);
      });
      this.watchers.set(folder, watcher);
    }
    return true;
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}

/** The folders of a policy directory listPolicyFiles would read, itself included; undefined when it is not a readable folder. */
function policyFolders(root: string): Set<string> | undefined {
  const folders = new Set<string>();
  const seen = new Set<string>();
  const walk = (folder: string): boolean => {
    let entries;
    try {
      const real = realpathSync(folder);
      if (seen.has(real)) return true; // a symbolic link back up the tree
      seen.add(real);
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return false;
    }
    folders.add(folder);
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() || (entry.isSymbolicLink() && isFolder(full))) walk(full);
    }
    return true;
  };
  return walk(path.resolve(root)) ? folders : undefined;
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
