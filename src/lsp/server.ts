import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createConnection, DidChangeWatchedFilesNotification, StreamMessageReader, StreamMessageWriter, TextDocuments, TextDocumentSyncKind, type Connection, type TextDocumentPositionParams } from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { PolicyCache } from '../cache/policy-cache.js';
import { displayPath } from '../load/files.js';
import { completionsAt } from './completion.js';
import { targetAt, type CursorTarget } from './cursor.js';
import { diagnosticsByUri } from './diagnostics.js';
import { hoverText } from './hover.js';
import { definitionOf, referenceAt, toLspLocation, usesOf } from './navigation.js';
import { PolicyWorkspace } from '../validate/workspace.js';
import { pathToUri, uriToPath } from './paths.js';

/** How long after the last change the analysis starts: long enough for the requests sent with a keystroke. */
const SETTLE_MS = 20;
/**
 * How long after the diagnostics of a burst of edits, with no edit since, the whole directory is analysed too (the
 * diagnostics come from the part that changed, and references want the whole), and after the first, the index the
 * next edits' diagnostics are divided by is built.
 */
const WHOLE_AFTER_MS = 1000;

export interface LanguageServerOptions {
  /** The policy directory whose files get tollgate's diagnostics. */
  dir: string;
  input: Readable;
  output: Writable;
  /** Where earlier runs' results are (.tollgate/cache); read once, kept in memory, never written. */
  cacheDir?: string;
  /** Parse the first analysis on worker threads too. */
  parallel?: boolean;
  /** The warning window before exceptions and waivers end (tollgate.yaml's `expiryWarningDays`). */
  expiryWarningDays?: number;
}

/**
 * Serves the Language Server Protocol on a pair of streams until the client disconnects: diagnostics of the
 * whole policy directory (open files as typed), completion, hover, definition and references.
 */
export function startLanguageServer(options: LanguageServerOptions): Promise<void> {
  const reader = new StreamMessageReader(options.input);
  const connection = createConnection(reader, new StreamMessageWriter(options.output));
  const documents = new TextDocuments(TextDocument);
  const workspace = new PolicyWorkspace(options.dir, {
    ...(options.cacheDir === undefined ? {} : { cache: new PolicyCache(options.cacheDir) }),
    ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
    ...(options.expiryWarningDays === undefined ? {} : { expiryWarningDays: options.expiryWarningDays }),
  });
  const published = new Set<string>();
  let watch: { relative: boolean } | undefined;

  connection.onInitialize(({ capabilities }) => {
    const watching = capabilities.workspace?.didChangeWatchedFiles;
    if (watching?.dynamicRegistration) watch = { relative: watching.relativePatternSupport === true };
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [':', ' ', '-', '['] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
      },
      serverInfo: { name: 'tollgate' },
    };
  });

  // Edits arrive one keystroke at a time: analyse once per burst, a moment after the last, so that the completion
  // or hover an editor asks for with a keystroke is answered before the analysis holds the thread.
  let scheduled: NodeJS.Timeout | undefined;
  let whole: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    clearTimeout(scheduled);
    clearTimeout(whole);
    scheduled = setTimeout(() => {
      scheduled = undefined;
      publish(connection, workspace, published, documents.keys());
      whole = setTimeout(() => {
        whole = undefined;
        if (!stopped) workspace.idle();
      }, WHOLE_AFTER_MS);
    }, SETTLE_MS);
  };

  // Shut down or hung up on: an analysis still due would publish into a closed connection.
  const stop = (): void => {
    stopped = true;
    clearTimeout(scheduled);
    clearTimeout(whole);
  };
  connection.onShutdown(stop);
  reader.onClose(stop);

  connection.onInitialized(() => {
    if (watch) {
      // told which files changed on disk, the server reads only those again instead of comparing every file's stat
      const pattern = '**/*.{yaml,yml}';
      const globPattern = watch.relative ? { baseUri: pathToUri(workspace.dir), pattern } : pattern;
      connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern }] }).then(
        () => workspace.watched(),
        () => undefined, // refused: stats are compared, as for a client that cannot watch
      );
    }
    schedule();
  });
  documents.onDidOpen(({ document }) => track(document));
  documents.onDidChangeContent(({ document }) => track(document));
  documents.onDidClose(({ document }) => {
    const file = uriToPath(document.uri);
    if (file === undefined || !workspace.contains(file)) return;
    workspace.close(file);
    schedule();
  });
  connection.onDidChangeWatchedFiles(({ changes }) => {
    const files = changes.flatMap((c) => uriToPath(c.uri) ?? []);
    // a watcher on the whole workspace reports files outside the policy directory too
    const inside = (file: string) => file === workspace.dir || file.startsWith(workspace.dir + path.sep) || workspace.dir.startsWith(file + path.sep);
    if (!files.some(inside)) return;
    workspace.changedOnDisk(files);
    schedule();
  });
  const track = (document: TextDocument): void => {
    const file = uriToPath(document.uri);
    if (file === undefined || !workspace.contains(file)) return;
    workspace.setText(file, document.getText());
    schedule();
  };

  /** The open document, its path, and what the cursor is on. */
  const cursor = (params: TextDocumentPositionParams): { target: CursorTarget; document: TextDocument; file: string } | undefined => {
    const document = documents.get(params.textDocument.uri);
    const file = uriToPath(params.textDocument.uri);
    if (!document || file === undefined || !workspace.contains(file)) return undefined;
    const target = targetAt(displayPath(file), document.getText(), document.offsetAt(params.position));
    return target ? { target, document, file } : undefined;
  };

  connection.onCompletion((params) => {
    const document = documents.get(params.textDocument.uri);
    const file = uriToPath(params.textDocument.uri);
    if (!document || file === undefined || !workspace.contains(file)) return [];
    // ids and keys: the latest analysis answers at once, even while one for the newest keystrokes is due
    return completionsAt(workspace.latestSets(), document.getText(), params.position.line, params.position.character);
  });

  connection.onHover((params) => {
    const at = cursor(params);
    const text = at && workspace.ask(at.file, (analysis) => hoverText(analysis, at.target));
    return text ? { contents: { kind: 'markdown', value: text } } : null;
  });

  connection.onDefinition((params) => {
    const at = cursor(params);
    const ref = at && referenceAt(at.target);
    const loc = at && ref && workspace.ask(at.file, (analysis) => definitionOf(analysis.set, ref));
    return loc ? toLspLocation(loc) : null;
  });

  connection.onReferences((params) => {
    const at = cursor(params);
    const ref = at && referenceAt(at.target);
    if (!ref || (ref.kind !== 'plan' && ref.kind !== 'profile')) return [];
    const set = workspace.current().set;
    const uses = usesOf(set, ref);
    const def = params.context.includeDeclaration ? definitionOf(set, ref) : undefined;
    return (def ? [def, ...uses] : uses).map(toLspLocation);
  });

  documents.listen(connection);
  connection.listen();
  return new Promise((resolve) => reader.onClose(() => resolve()));
}

/**
 * Publishes the directory's diagnostics per file, and an empty list for open files without any and for files
 * that had some before: an editor keeps what it was last sent. Open files come first: they are being edited.
 */
function publish(connection: Connection, workspace: PolicyWorkspace, published: Set<string>, open: string[]): void {
  const byUri = diagnosticsByUri(workspace.diagnostics());
  const mine = open.filter((uri) => workspace.contains(uriToPath(uri) ?? ''));
  const cleared = new Set([...mine, ...published].filter((uri) => !byUri.has(uri)));
  published.clear();
  for (const uri of new Set([...mine, ...byUri.keys(), ...cleared])) {
    const diagnostics = byUri.get(uri);
    if (diagnostics) published.add(uri);
    void connection.sendDiagnostics({ uri, diagnostics: diagnostics ?? [] });
  }
}
