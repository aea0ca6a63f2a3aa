import { readdirSync, realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { isYamlName } from './files.js';

/**
 * A change in a policy directory, as a watcher names it: `file` is the path of the entry that changed (a file or
 * folder, created, written, renamed or deleted; a policy file that is a symbolic link when its target changed),
 * or undefined when the system could not say which.
 */
export type FolderChange = (file: string | undefined) => void;

interface Watched {
  watcher: FSWatcher;
  /** The folder's device and inode when it was watched: a folder deleted and made again is another one. */
  id: string;
  /** Names in the folder that are the targets of policy files linked to them, and the links' paths. */
  links: Map<string, string[]>;
  /** The folder is one of the policy directory's (else only the target of links). */
  policy: boolean;
}

/**
 * Watches every folder of a policy directory that listPolicyFiles reads (hidden folders and node_modules left
 * out, symbolic links followed), and the folders of the files its policy files link to, for changes to the
 * entries in them: one watcher per folder, on the folder itself, so that a file an editor saves by writing
 * another and renaming it over is still seen (Node 20's recursive watch on Linux watches files one by one and
 * loses such a file after its first save). Folders created, deleted or made again since (a `git checkout` of a
 * folder) are taken in or let go by `sync()`, which a change to an entry that is or was a folder calls for.
 */
export class FolderWatch {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly root: string,
    private readonly onChange: FolderChange,
  ) {}

  /** Watches the folders there are now and lets go of those gone. False when the directory itself cannot be read. */
  sync(): boolean {
    const found = policyFolders(this.root);
    if (!found) return false;
    for (const [folder, w] of this.watched) {
      const now = found.get(folder);
      if (!now || now.id !== w.id) {
        w.watcher.close();
        this.watched.delete(folder);
      } else {
        w.links = now.links;
        w.policy = now.policy;
      }
    }
    for (const [folder, { id, links, policy }] of found) {
      if (this.watched.has(folder)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(folder, (_event, name) => this.changed(folder, name));
      } catch {
        continue; // gone since it was listed: the change that removed it is reported by its parent's watcher
      }
      // a folder deleted while watched ends its watcher with an error on some systems: let go, and say something changed
      watcher.on('error', () => {
        watcher.close();
        if (this.watched.get(folder)?.watcher === watcher) this.watched.delete(folder);
        this.onChange(undefined);
      });
      this.watched.set(folder, { watcher, id, links, policy });
    }
    return true;
  }

  /** Whether `entry` is a folder watched now (so that its deletion or renaming calls for `sync()`). */
  watches(entry: string): boolean {
    return this.watched.has(entry);
  }

  close(): void {
    for (const { watcher } of this.watched.values()) watcher.close();
    this.watched.clear();
  }

  private changed(folder: string, name: string | null): void {
    const w = this.watched.get(folder);
    if (!w) return;
    if (name === null) {
      this.onChange(undefined);
      return;
    }
    if (w.policy) this.onChange(path.join(folder, name));
    for (const link of w.links.get(name) ?? []) this.onChange(link);
  }
}

/**
 * The folders of a policy directory listPolicyFiles would read, itself included, and the folders of the files
 * its policy files link to, by path, with their device and inode; undefined when the directory is not a readable
 * folder.
 */
function policyFolders(root: string): Map<string, Omit<Watched, 'watcher'>> | undefined {
  const folders = new Map<string, Omit<Watched, 'watcher'>>();
  const seen = new Set<string>();
  const targets: Array<[string, string]> = [];
  const walk = (folder: string): boolean => {
    let entries;
    let id;
    try {
      const real = realpathSync(folder);
      if (seen.has(real)) return true; // a symbolic link back up the tree
      seen.add(real);
      id = idOf(folder);
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return false;
    }
    folders.set(folder, { id, links: new Map(), policy: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isSymbolicLink()) {
        if (isFolder(full)) walk(full);
        else if (isYamlName(entry.name)) targets.push([full, entry.name]);
      }
    }
    return true;
  };
  if (!walk(path.resolve(root))) return undefined;
  for (const [link] of targets) {
    let real;
    try {
      real = realpathSync(link);
    } catch {
      continue; // a broken link: validate reports it, and its folder's watcher sees it replaced
    }
    const folder = path.dirname(real);
    let entry = folders.get(folder);
    if (!entry) {
      try {
        entry = { id: idOf(folder), links: new Map(), policy: false };
      } catch {
        continue;
      }
      folders.set(folder, entry);
    }
    const name = path.basename(real);
    entry.links.set(name, [...(entry.links.get(name) ?? []), link]);
  }
  return folders;
}

function idOf(folder: string): string {
  const stat = statSync(folder);
  return `${stat.dev}:${stat.ino}`;
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
