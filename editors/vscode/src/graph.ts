// "canopy: Show Aspect Graph": the page `canopy graph --format html` draws, in a webview beside the
// editor, centred on the aspect or host under the cursor when there is one. Everything about the
// graph is canopy's (the nodes, their marks, the layout, the page); this file asks the server
// what is under the cursor (`canopy/graph`, docs/server.md), runs the same binary as the server
// for the page, opens a definition when a node is clicked, and draws again when a `.nix` file is
// saved or changes on disk.

import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

/** How the server was started: the graph runs the same binary. */
export type Launch = { command: string; args: string[] };

type Focus = { flag: '--host' | '--aspect'; name: string } | undefined;

type GraphNode = { kind: string; name: string };

let panel: vscode.WebviewPanel | undefined;
let drawn: { root: string; focus: Focus; launch: Launch } | undefined;

export async function showGraph(client: LanguageClient | undefined, launch: Launch | undefined): Promise<void> {
  if (launch === undefined) {
    void vscode.window.showErrorMessage('canopy: the language server is not running; the graph needs its binary.');
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const folder =
    (editor && vscode.workspace.getWorkspaceFolder(editor.document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    void vscode.window.showErrorMessage('canopy: open a folder to see its aspect graph.');
    return;
  }
  const focus = await focusAt(client, editor);
  drawn = { root: folder.uri.fsPath, focus, launch };
  if (panel === undefined) {
    panel = vscode.window.createWebviewPanel('canopy.graph', 'canopy: aspect graph', vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
    });
    panel.onDidDispose(() => {
      panel = undefined;
      drawn = undefined;
    });
    panel.webview.onDidReceiveMessage((message) => void openDefinition(message));
  } else {
    panel.reveal(vscode.ViewColumn.Beside, true);
  }
  await draw();
}

/** Draws again after a save, when the view is open. */
export function onSaved(document: vscode.TextDocument): void {
  if (panel !== undefined && document.languageId === 'nix') {
    redraw();
  }
}

/** Draws again when a `.nix` file changes on disk (a branch checked out, a file generated),
 * once a burst of events has passed. */
export function watchFiles(): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.nix');
  const changed = () => {
    if (panel !== undefined) {
      redraw();
    }
  };
  watcher.onDidChange(changed);
  watcher.onDidCreate(changed);
  watcher.onDidDelete(changed);
  return watcher;
}

let pending: ReturnType<typeof setTimeout> | undefined;

function redraw(): void {
  if (pending !== undefined) {
    clearTimeout(pending);
  }
  pending = setTimeout(() => {
    pending = undefined;
    void draw();
  }, 300);
}

/** The aspect or host under the cursor, as the server names it. */
async function focusAt(client: LanguageClient | undefined, editor: vscode.TextEditor | undefined): Promise<Focus> {
  if (client === undefined || editor === undefined || editor.document.languageId !== 'nix') {
    return undefined;
  }
  try {
    const answer = await client.sendRequest<{ focus?: string; nodes: GraphNode[] } | null>('canopy/graph', {
      textDocument: { uri: editor.document.uri.toString() },
      position: client.code2ProtocolConverter.asPosition(editor.selection.active),
    });
    const name = answer?.focus;
    if (name === undefined) {
      return undefined;
    }
    const host = answer?.nodes.some((n) => n.kind === 'host' && n.name === name);
    return { flag: host ? '--host' : '--aspect', name };
  } catch {
    return undefined;
  }
}

async function draw(): Promise<void> {
  const view = panel;
  const what = drawn;
  if (view === undefined || what === undefined) {
    return;
  }
  view.title = what.focus ? `canopy: ${what.focus.name}` : 'canopy: aspect graph';
  const extra = what.focus ? [what.focus.flag, what.focus.name] : [];
  // The server's arguments end in `lsp` (or wrap a command that ends in it, `nix run ... -- lsp`):
  // the same command with `graph ...` in its place draws the page.
  const args = [...what.launch.args];
  const at = args.lastIndexOf('lsp');
  const graph = ['graph', what.root, '--format', 'html', ...extra];
  args.splice(at < 0 ? args.length : at, at < 0 ? 0 : 1, ...graph);
  try {
    view.webview.html = await run(what.launch.command, args, what.root);
  } catch (err) {
    view.webview.html = `<!DOCTYPE html><html><body><p>canopy graph failed: ${escape(String(err))}</p></body></html>`;
  }
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(stderr.trim() || err.message));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** A click on a node: the page posts its first definition, relative to the root. */
async function openDefinition(message: unknown): Promise<void> {
  const open = (message as { open?: { path: string; range: { start: { line: number; character: number } } } }).open;
  if (drawn === undefined || open === undefined || typeof open.path !== 'string') {
    return;
  }
  const uri = vscode.Uri.file(path.join(drawn.root, open.path));
  const start = new vscode.Position(open.range.start.line, open.range.start.character);
  await vscode.window.showTextDocument(uri, {
    viewColumn: vscode.ViewColumn.One,
    selection: new vscode.Range(start, start),
  });
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
