// The VS Code client for `canopy lsp`. It only starts the server, passes the settings and offers
// a few commands: every feature (diagnostics, navigation, hover, completion, rename, progress, the
// call hierarchy, code lenses) is the server's, rendered by vscode-languageclient. The one
// command the server's lenses name, `canopy.showReferences`, is run here, as rust-analyzer's
// client runs its own; "Show Aspect Graph" shows canopy's page in a webview (graph.ts).

import { constants as fsConstants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  type Location as LspLocation,
  type Position as LspPosition,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { type Launch, onSaved, showGraph, watchFiles } from './graph';
import { StatusBarProgress } from './progress';

const PATH_SETTING = 'canopy.server.path';

let client: LanguageClient | undefined;
// How the running server was started, for the commands that run the same binary.
let launch: Launch | undefined;
let extensionPath: string;
let output: vscode.OutputChannel;
let progress: vscode.StatusBarItem;
// Starts and stops run one after another: a settings change and the restart command may
// overlap, and two servers for one workspace would publish diagnostics twice.
let queue: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): void {
  extensionPath = context.extensionPath;
  // One channel for the extension's life, so a restart keeps the earlier server's log.
  output = vscode.window.createOutputChannel('canopy');
  progress = vscode.window.createStatusBarItem('canopy.progress', vscode.StatusBarAlignment.Left);
  progress.name = 'canopy progress';
  progress.command = 'canopy.showOutput';
  context.subscriptions.push(
    output,
    progress,
    vscode.commands.registerCommand('canopy.restartServer', () => enqueue(restart)),
    vscode.commands.registerCommand('canopy.showOutput', () => output.show()),
    vscode.commands.registerCommand('canopy.showReferences', showReferences),
    vscode.commands.registerCommand('canopy.showGraph', () => showGraph(client, launch)),
    vscode.workspace.onDidSaveTextDocument(onSaved),
    watchFiles(),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('canopy.server')) {
        void enqueue(restart);
      } else if (
        (event.affectsConfiguration('canopy.diagnostics') || event.affectsConfiguration('canopy.codeLens')) &&
        client !== undefined &&
        client.state !== State.Stopped
      ) {
        // The server takes the whole object each time (`canopy.trace.server` is the client's
        // own). A stopped client has nothing to tell: its next start sends the current values.
        void client.sendNotification(DidChangeConfigurationNotification.type, { settings: serverSettings() });
      }
    }),
  );
  void enqueue(start);
}

export function deactivate(): Promise<void> {
  return enqueue(stop);
}

function enqueue(task: () => Promise<void>): Promise<void> {
  queue = queue.then(task, task);
  return queue;
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const old = client;
  client = undefined;
  // A client whose server never started cannot be stopped, and there is nothing to stop.
  await old?.dispose().catch(() => undefined);
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration('canopy');
  const server = await findServer(config.get<string>('server.path', ''));
  if (!('command' in server)) {
    void showStartError(server.missing);
    return;
  }
  const { command } = server;
  output.appendLine(`canopy: starting ${command} (${server.source})`);
  const args = config.get<string[]>('server.args', ['lsp']);
  const serverOptions: ServerOptions = { command, args };
  launch = { command, args };
  // A server that fails before answering `initialize` (not canopy, an old canopy without `lsp`,
  // wrong arguments) fails again if restarted, and vscode-languageclient would restart it four
  // times, each with its own messages. Until it has run, every failure ends in one message.
  let ran = false;
  let reported = false;
  const failed = () => {
    if (!reported) {
      reported = true;
      void showStartError(
        `canopy: the language server \`${command}\` failed to start (its output is in "canopy: Show Server Output").`,
      );
    }
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'nix' },
      { scheme: 'untitled', language: 'nix' },
    ],
    // Read at every start, so a restart sends the current values.
    initializationOptions: serverSettings,
    outputChannel: output,
    initializationFailedHandler: () => {
      failed();
      return false;
    },
    errorHandler: {
      error: (error, message, count) =>
        ran ? defaults.error(error, message, count) : { action: ErrorAction.Continue, handled: true },
      closed: () => {
        if (ran) {
          return defaults.closed();
        }
        failed();
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    },
  };
  // The id `canopy` makes the client follow `canopy.trace.server` by itself.
  const current = new LanguageClient('canopy', 'canopy', serverOptions, clientOptions);
  const defaults = current.createDefaultErrorHandler();
  current.onDidChangeState(({ newState }) => {
    ran ||= newState === State.Running;
  });
  current.registerFeature(new StatusBarProgress(current, progress));
  client = current;
  // Rejects when the process cannot be spawned at all (not executable after all, wrong
  // architecture, ...); the client logged the details to the output channel.
  await current.start().catch(failed);
}

/** The settings the server reads (docs/server.md, "Settings"). */
function serverSettings(): object {
  const config = vscode.workspace.getConfiguration('canopy');
  return {
    diagnostics: {
      disabled: config.get<string[]>('diagnostics.disabled', []),
      unusedAspect: config.get<boolean>('diagnostics.unusedAspect', false),
    },
    codeLens: { enable: config.get<boolean>('codeLens.enable', true) },
  };
}

/**
 * The command of the server's aspect lenses (docs/server.md, "Code lens"): its arguments are
 * the document, the lens's position and the references, in the protocol's types, as
 * rust-analyzer's `showReferences` takes them; VS Code's own peek view shows them.
 */
async function showReferences(uri: string, position: LspPosition, locations: LspLocation[]): Promise<void> {
  const current = client;
  if (current === undefined) {
    return;
  }
  const convert = current.protocol2CodeConverter;
  await vscode.commands.executeCommand(
    'editor.action.showReferences',
    vscode.Uri.parse(uri),
    convert.asPosition(position),
    locations.map((location) => convert.asLocation(location)),
  );
}

async function showStartError(message: string): Promise<void> {
  const open = 'Open Setting';
  const choice = await vscode.window.showErrorMessage(
    `${message} Install canopy (see the extension's README: cargo, Nix, or this extension's package ` +
      `for your platform, which carries it) or set \`${PATH_SETTING}\` to the canopy executable, then run ` +
      `"canopy: Restart Server".`,
    open,
  );
  if (choice === open) {
    // The setting is machine-overridable: in a remote window (SSH, WSL, containers, code-server)
    // it lives in the remote's settings, and the User tab does not even list it.
    const command = vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
    await vscode.commands.executeCommand(command, { query: PATH_SETTING });
  }
}

type Server = { command: string; source: string } | { missing: string };

/**
 * The server to start, in this order: `canopy.server.path` when it is set; else `canopy` on the
 * PATH; else the `canopy` this extension carries (`server/canopy`, in the package built for one
 * platform: `npm run package:target`). Checked before starting because a failed spawn only
 * surfaces as a generic "couldn't create connection".
 */
async function findServer(setting: string): Promise<Server> {
  if (setting.trim() !== '') {
    const command = await findExecutable(setting);
    return command !== undefined
      ? { command, source: PATH_SETTING }
      : { missing: `canopy: the language server \`${setting}\` (\`${PATH_SETTING}\`) was not found.` };
  }
  const onPath = await findExecutable('canopy');
  if (onPath !== undefined) {
    return { command: onPath, source: 'canopy on the PATH' };
  }
  const bundled = path.join(extensionPath, 'server', process.platform === 'win32' ? 'canopy.exe' : 'canopy');
  if (await isExecutable(bundled)) {
    return { command: bundled, source: 'the server this extension carries' };
  }
  return {
    missing:
      'canopy: the language server was not found: `canopy` is not on the PATH, and this package of the ' +
      'extension carries no server (only the packages built for one platform do).',
  };
}

/**
 * The executable `setting` names. A bare name is looked up on the PATH, as a shell would; a
 * relative path is taken from the first workspace folder (`./target/debug/canopy`).
 */
async function findExecutable(setting: string): Promise<string | undefined> {
  const name = setting.trim().replace(/^~(?=$|[\\/])/, os.homedir());
  if (name === '') {
    return undefined;
  }
  if (name.includes('/') || name.includes(path.sep)) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    return (await isExecutable(path.resolve(folder, name))) ? path.resolve(folder, name) : undefined;
  }
  // Windows finds `canopy.exe` for `canopy`; elsewhere the name is used as is.
  const suffixes = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE').split(';')] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const suffix of suffixes) {
      const candidate = path.join(dir, name + suffix);
      if (await isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}
