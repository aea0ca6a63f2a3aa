// Runs `tollgate lsp` for the YAML files of the first folder open in VS Code. The server answers only for the
// files of its policy directory and ignores the others; it asks VS Code to watch that directory's files.
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

async function activate() {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return;
  const settings = vscode.workspace.getConfiguration('tollgate', folder);
  const [command, ...args] = settings.get('command', ['npx', '--no', 'tollgate']);
  const dir = settings.get('dir', '');
  const server = {
    command,
    args: [...args, 'lsp', ...(dir ? ['--dir', dir] : [])],
    // stdio: the client adds --stdio, which tollgate lsp accepts
    transport: TransportKind.stdio,
    // the server reads tollgate.yaml, the policy directory and .tollgate/cache relative to where it starts
    options: { cwd: folder.uri.fsPath, shell: process.platform === 'win32' },
  };
  client = new LanguageClient('tollgate', 'tollgate', server, { documentSelector: [{ scheme: 'file', language: 'yaml' }] });
  await client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
