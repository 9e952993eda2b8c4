// The server's work-done progress (indexing a folder: "canopy: indexing NAME", "3 of 12 files") as
// a status bar item. vscode-languageclient reports it with `ProgressLocation.Window`, which VS Code
// (1.9x and later) turns into a silent notification: only a dot on the bell, nothing to read.

import * as vscode from 'vscode';
import {
  type FeatureState,
  type LanguageClient,
  type StaticFeature,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';

export class StatusBarProgress implements StaticFeature {
  // Running tasks by token, in the order they began; the item shows the latest.
  private readonly running = new Map<string | number, { title: string; message?: string; dispose(): void }>();

  constructor(
    private readonly client: LanguageClient,
    private readonly item: vscode.StatusBarItem,
  ) {}

  fillClientCapabilities(): void {
    // The built-in ProgressFeature already announces `window.workDoneProgress`.
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  initialize(): void {
    // Features initialise in registration order, after the built-in ones, so this handler
    // replaces the ProgressFeature's for every token the server creates.
    this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const listener = this.client.onProgress(WorkDoneProgress.type, token, (value) => {
        if (value.kind === 'begin') {
          this.running.set(token, { title: value.title, message: value.message, dispose: () => listener.dispose() });
        } else if (value.kind === 'report') {
          const task = this.running.get(token);
          if (task !== undefined) {
            task.message = value.message ?? task.message;
          }
        } else {
          listener.dispose();
          this.running.delete(token);
        }
        this.render();
      });
    });
  }

  clear(): void {
    for (const task of this.running.values()) {
      task.dispose();
    }
    this.running.clear();
    this.render();
  }

  private render(): void {
    const task = [...this.running.values()].pop();
    if (task === undefined) {
      this.item.hide();
      return;
    }
    const text = task.message ? `${task.title} (${task.message})` : task.title;
    this.item.text = `$(sync~spin) ${text}`;
    this.item.tooltip = text;
    this.item.show();
  }
}
