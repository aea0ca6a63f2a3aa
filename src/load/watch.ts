import { lstatSync, realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { isYamlName, walkPolicyTree } from './files.js';

/**
 * A change in a policy directory, as a watcher names it: `file` is the path of the entry that changed (a file or
 * folder, created, written, renamed or deleted; a policy file that is a symbolic link when its target changed),
 * or undefined when the system could not say which (the directory itself replaced, a watcher lost).
 */
export type FolderChange = (file: string | undefined) => void;

interface Watched {
  watcher: FSWatcher;
  /** Names in the folder that are the targets of policy files linked to them, and the links' paths. */
  links: Map<string, string[]>;
  /** The folder is one of the policy directory's (else only the target of links). */
  policy: boolean;
}

type Found = Omit<Watched, 'watcher'>;

/** Watching a folder failed for a reason other than the folder being gone (the system's limit of watches, say). */
export class WatchError extends Error {
  constructor(
    readonly folder: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(`cannot watch ${folder}: ${cause.code === 'ENOSPC' ? "the system's limit of watched folders is reached (on Linux, raise fs.inotify.max_user_watches)" : cause.code === 'EMFILE' ? 'too many open files' : cause.message}`);
  }
}

/**
 * Watches every folder of a policy directory that listPolicyFiles reads (hidden folders and node_modules left
 * out, symbolic links followed), and the folders of the files its policy files link to, for changes to the
 * entries in them: one watcher per folder, on the folder itself, so that a file an editor saves by writing
 * another and renaming it over is still seen (Node 20's recursive watch on Linux watches files one by one and
 * loses such a file after its first save). `sync()` takes in folders created since and lets go of those gone; a
 * folder that a change names (deleted and made again, as a checkout does; the new one may even get the old
 * inode) is watched afresh with everything under it, and so is the whole directory when its own watcher reports
 * that the directory itself was moved or deleted.
 */
export class FolderWatch {
  private readonly watched = new Map<string, Watched>();
  /** Folders to watch afresh at the next sync (with the folders under them). */
  private readonly stale = new Set<string>();
  private readonly root: string;

  constructor(
    root: string,
    private readonly onChange: FolderChange,
    private readonly onError: (error: WatchError) => void,
  ) {
    this.root = path.resolve(root);
  }

  /**
   * Watches the folders there are now, afresh where a change named them, and lets go of those gone. False when
   * the directory itself cannot be read. Throws WatchError when a folder there is cannot be watched.
   */
  sync(): boolean {
    const found = policyFolders(this.root);
    const stale = [...this.stale];
    this.stale.clear();
    const under = (folder: string) => stale.some((s) => folder === s || folder.startsWith(s + path.sep));
    for (const [folder, w] of this.watched) {
      const now = found?.get(folder);
      if (!now || under(folder)) {
        w.watcher.close();
        this.watched.delete(folder);
      } else {
        w.links = now.links;
        w.policy = now.policy;
      }
    }
    if (!found) return false;
    for (const [folder, { links, policy }] of found) {
      if (this.watched.has(folder)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(folder, (_event, name) => this.changed(folder, name));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue; // gone since it was listed: its parent's watcher says so
        throw new WatchError(folder, error as NodeJS.ErrnoException);
      }
      watcher.on('error', (error: NodeJS.ErrnoException) => {
        watcher.close();
        if (this.watched.get(folder)?.watcher === watcher) this.watched.delete(folder);
        // a folder deleted while watched may end its watcher so: something changed; anything else is an error
        if (error.code === 'ENOENT' || error.code === 'EPERM') this.onChange(undefined);
        else this.onError(new WatchError(folder, error));
      });
      this.watched.set(folder, { watcher, links, policy });
    }
    return true;
  }

  /** Whether a change to `entry` calls for `sync()`: it is or was a watched folder, a folder, or a linked policy file. */
  reshapes(entry: string): boolean {
    if (this.watched.has(entry)) return true;
    try {
      const stat = lstatSync(entry);
      return stat.isDirectory() || (stat.isSymbolicLink() && (isYamlName(entry) || statSync(entry).isDirectory()));
    } catch {
      // gone: a link that was followed, or a folder never watched (hidden, say)
      for (const w of this.watched.values()) for (const links of w.links.values()) if (links.includes(entry)) return true;
      return false;
    }
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
    const entry = path.join(folder, name);
    // the directory itself moved or deleted: its watcher names it, as an entry of itself that is not there
    if (folder === this.root && name === path.basename(folder) && !exists(entry)) {
      this.stale.add(this.root);
      this.onChange(undefined);
      return;
    }
    // a folder named by a change (deleted, made again, renamed): watched afresh, with what is under it
    if (this.watched.has(entry)) this.stale.add(entry);
    if (w.policy) this.onChange(entry);
    for (const link of w.links.get(name) ?? []) this.onChange(link);
  }
}

function exists(entry: string): boolean {
  try {
    lstatSync(entry);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folders of a policy directory listPolicyFiles would read, itself included, and the folders of the files
 * its policy files link to; undefined when the directory is not a readable folder.
 */
function policyFolders(root: string): Map<string, Found> | undefined {
  const folders = new Map<string, Found>();
  const targets: string[] = [];
  let readable = true;
  walkPolicyTree(root, {
    folder: (folder) => folders.set(folder, { links: new Map(), policy: true }),
    file: (file, linked) => {
      if (linked) targets.push(file);
    },
    unreadable: (folder) => {
      if (folder === root) readable = false;
    },
  });
  if (!readable) return undefined;
  for (const link of targets) {
    let real;
    try {
      real = realpathSync(link);
    } catch {
      continue; // a broken link: validate reports it, and its folder's watcher sees it replaced
    }
    const folder = path.dirname(real);
    let entry = folders.get(folder);
    if (!entry) {
      entry = { links: new Map(), policy: false };
      folders.set(folder, entry);
    }
    const name = path.basename(real);
    entry.links.set(name, [...(entry.links.get(name) ?? []), link]);
  }
  return folders;
}
