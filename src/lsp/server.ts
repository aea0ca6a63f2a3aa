import type { Readable, Writable } from 'node:stream';
import { createConnection, StreamMessageReader, StreamMessageWriter, TextDocuments, TextDocumentSyncKind, type Connection, type TextDocumentPositionParams } from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { PolicyCache } from '../cache/policy-cache.js';
import { displayPath } from '../load/files.js';
import { completionsAt } from './completion.js';
import { targetAt, type CursorTarget } from './cursor.js';
import { diagnosticsByUri } from './diagnostics.js';
import { hoverText } from './hover.js';
import { definitionOf, referenceAt, toLspLocation, usesOf } from './navigation.js';
import { PolicyWorkspace, uriToPath } from './workspace.js';

export interface LanguageServerOptions {
  /** The policy directory whose files get tollgate's diagnostics. */
  dir: string;
  input: Readable;
  output: Writable;
  /** Where earlier runs' results are (.tollgate/cache); read once, kept in memory, never written. */
  cacheDir?: string;
}

/**
 * Serves the Language Server Protocol on a pair of streams until the client disconnects: diagnostics of the
 * whole policy directory (open files as typed), completion, hover, definition and references.
 */
export function startLanguageServer(options: LanguageServerOptions): Promise<void> {
  const reader = new StreamMessageReader(options.input);
  const connection = createConnection(reader, new StreamMessageWriter(options.output));
  const documents = new TextDocuments(TextDocument);
  const workspace = new PolicyWorkspace(options.dir, options.cacheDir === undefined ? undefined : new PolicyCache(options.cacheDir));
  const published = new Set<string>();

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [':', ' ', '-', '['] },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
    },
    serverInfo: { name: 'tollgate' },
  }));

  // Edits arrive one keystroke at a time: analyse once per burst, after the queued messages are handled.
  let scheduled = false;
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      publish(connection, workspace, published, documents.keys());
    });
  };

  connection.onInitialized(() => schedule());
  documents.onDidOpen(({ document }) => track(document));
  documents.onDidChangeContent(({ document }) => track(document));
  documents.onDidClose(({ document }) => {
    const file = uriToPath(document.uri);
    if (file === undefined || !workspace.contains(file)) return;
    workspace.close(file);
    schedule();
  });
  connection.onDidChangeWatchedFiles(() => {
    workspace.changedOnDisk();
    schedule();
  });
  const track = (document: TextDocument): void => {
    const file = uriToPath(document.uri);
    if (file === undefined || !workspace.contains(file)) return;
    workspace.setText(file, document.getText());
    schedule();
  };

  /** The open document, its path, and what the cursor is on. */
  const cursor = (params: TextDocumentPositionParams): { target: CursorTarget; document: TextDocument } | undefined => {
    const document = documents.get(params.textDocument.uri);
    const file = uriToPath(params.textDocument.uri);
    if (!document || file === undefined || !workspace.contains(file)) return undefined;
    const target = targetAt(displayPath(file), document.getText(), document.offsetAt(params.position));
    return target ? { target, document } : undefined;
  };

  connection.onCompletion((params) => {
    const document = documents.get(params.textDocument.uri);
    const file = uriToPath(params.textDocument.uri);
    if (!document || file === undefined || !workspace.contains(file)) return [];
    return completionsAt(workspace.current().set, document.getText(), params.position.line, params.position.character);
  });

  connection.onHover((params) => {
    const at = cursor(params);
    const text = at && hoverText(workspace.current(), at.target);
    return text ? { contents: { kind: 'markdown', value: text } } : null;
  });

  connection.onDefinition((params) => {
    const at = cursor(params);
    const ref = at && referenceAt(at.target);
    const loc = ref && definitionOf(workspace.current().set, ref);
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
 * that had some before: an editor keeps what it was last sent.
 */
function publish(connection: Connection, workspace: PolicyWorkspace, published: Set<string>, open: string[]): void {
  const byUri = diagnosticsByUri(workspace.current().diagnostics);
  const cleared = new Set([...published, ...open.filter((uri) => workspace.contains(uriToPath(uri) ?? ''))]);
  for (const uri of cleared) if (!byUri.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
  published.clear();
  for (const [uri, diagnostics] of byUri) {
    published.add(uri);
    void connection.sendDiagnostics({ uri, diagnostics });
  }
}
