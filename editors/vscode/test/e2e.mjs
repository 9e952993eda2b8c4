// The extension in a real VS Code: code-server 4.100.3 (VS Code 1.100) with the extension's package
// for this platform (`npm run package:target`), which carries the repository's own canopy binary,
// driven through headless Chromium by Playwright, on a copy of fixtures/broken. No `canopy` is on
// code-server's PATH and `canopy.server.path` is unset: the server is the one in the package.
// Every failed expectation exits 1 with a message; a missing tool is a failure too, never a skip.
//
//   npm ci && npm run test:e2e        (needs cargo, Debian's chromium, and either root or the
//                                      packages libkrb5-dev pkg-config ripgrep already installed)
//
// Screenshots: target/vscode-e2e.png (definition, hover, problems, output) and
// target/vscode-e2e-missing-server.png (the messages when the server is missing or broken); on
// failure target/vscode-e2e-failure.png, and the temporary folder is kept with code-server's logs.

import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const extensionDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(extensionDir, '../..');
const target = join(repo, 'target');
const codeServerDir = join(target, 'code-server');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const failureShot = join(target, 'vscode-e2e-failure.png');
// Generous for a loaded CI machine, but bounded: a hung step fails instead of stalling CI.
const WAIT = 60_000;

const started = Date.now();
const log = (message) => console.log(`e2e [${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

class Failure extends Error {}
const fail = (message) => {
  throw new Failure(message);
};
const expect = (condition, message) => condition || fail(message);

/** Runs a command to completion with its output shown; fails on a missing command or an error. */
function run(command, args, cwd) {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.error) fail(`cannot run \`${command}\`: ${result.error.message}`);
  if (result.status !== 0)
    fail(`\`${command} ${args.join(' ')}\` exited with status ${result.status ?? result.signal}`);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
    probe.on('error', reject);
  });
}

/** Builds canopy (debug: the test run has built it already) and returns the executable cargo reports. */
function buildServer() {
  log('$ cargo build -p canopy');
  const result = spawnSync('cargo', ['build', '-p', 'canopy', '--message-format=json-render-diagnostics'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) fail(`cannot run \`cargo\`: ${result.error.message}`);
  if (result.status !== 0) fail(`\`cargo build -p canopy\` exited with status ${result.status ?? result.signal}`);
  const built = result.stdout
    .toString()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .find((m) => m.reason === 'compiler-artifact' && m.target?.name === 'canopy' && m.executable);
  return built?.executable ?? fail('cargo build reported no canopy executable');
}

/** The PATH without any folder that holds a `canopy`, so that only the packaged server can start. */
function pathWithoutCanopy() {
  const folders = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const kept = folders.filter((dir) => !existsSync(join(dir, 'canopy')));
  expect(
    kept.some((dir) => existsSync(join(dir, 'node'))),
    '`node` (which runs code-server) is only in folders that also hold a `canopy`: cannot hide canopy',
  );
  return kept.join(delimiter);
}

/** The executables of the running processes whose file is named `canopy`. */
function runningCanopies() {
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      if (exe.endsWith('/canopy')) found.push(exe);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** The counts `canopy check` reports for the fixture, from its committed expected output. */
function expectedCounts(fixture) {
  const lines = readFileSync(join(fixture, 'canopy-check.txt'), 'utf8').split('\n');
  const count = (pattern) => lines.filter((line) => pattern.test(line)).length;
  return {
    errors: count(/: error\[/),
    warnings: count(/: warning\[/),
    toplevelPkgs: count(/: warning\[toplevel-pkgs\]/),
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'canopy-vscode-e2e-'));
const workspace = join(tmp, 'broken');
const userData = join(tmp, 'data');
let codeServer;
let browser;
let page;

// The user's settings (editor side) and the remote settings (the machine code-server runs on, as
// with Remote-SSH): `canopy.server.path` and `canopy.server.args` are `machine-overridable`, a
// path on the machine that runs the server, so VS Code reads them from the remote settings only.
const settingsFiles = {
  user: join(userData, 'User', 'settings.json'),
  remote: join(userData, 'Machine', 'settings.json'),
};
const editorSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  // editSettings types JSON into an editor: nothing may be added to it.
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
};

function writeSettings(kind, settings) {
  mkdirSync(dirname(settingsFiles[kind]), { recursive: true });
  writeFileSync(settingsFiles[kind], JSON.stringify(settings, null, 2));
}

/**
 * Replaces the user or remote settings the way a user does, in the editor: the workbench in the
 * browser does not notice a settings.json written behind its back.
 */
async function editSettings(kind, settings) {
  if (kind === 'user') await runCommand('Preferences: Open User Settings (JSON)');
  else await runCommand('Preferences: Open Remote Settings (JSON)', { prefix: true });
  await waitForActiveTab('settings.json', `open the ${kind} settings`);
  // The editor area's editor, not the output panel's (also a Monaco editor).
  await page.locator('.part.editor .editor-group-container.active .monaco-editor textarea').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(JSON.stringify(settings));
  await page.keyboard.press('Control+S');
  const deadline = Date.now() + WAIT;
  while (readFileSync(settingsFiles[kind], 'utf8') !== JSON.stringify(settings)) {
    if (Date.now() > deadline) fail(`editing the ${kind} settings in the editor did not change ${settingsFiles[kind]}`);
    await page.waitForTimeout(100);
  }
  await runCommand('View: Close Editor');
}

/**
 * Runs a command from the palette (F1): the entry whose label is `label`, or starts with it when
 * `prefix` (labels that end with the remote's name).
 */
async function runCommand(label, { prefix = false } = {}) {
  // The previous palette may still be closing; F1 pressed meanwhile would be lost.
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${label}`);
  const pattern = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${prefix ? '' : '$'}`);
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: pattern }) });
  await row
    .first()
    .waitFor()
    .catch(() => fail(`the command palette has no command "${label}"`));
  await row.first().click();
}

/** Waits until the active editor tab's title names `name`. */
async function waitForActiveTab(name, what) {
  await page
    .waitForFunction(
      (name) => document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.includes(name),
      name,
      { timeout: WAIT },
    )
    .catch(async () => {
      const title = await page
        .locator('.tabs-container .tab.active')
        .getAttribute('aria-label')
        .catch(() => null);
      fail(`${what}: expected the editor tab "${name}", the active tab is ${title === null ? 'none' : `"${title}"`}`);
    });
}

/** Shows the hover at the cursor, on the aspect `audio`: its name and its one class. */
async function checkHover(where) {
  await runCommand('Show or Focus Hover');
  const hover = page.locator('.monaco-hover-content', { hasText: 'aspect' }).first();
  await hover.waitFor().catch(() => fail(`no hover appeared on ${where}`));
  const text = (await hover.innerText()).replace(/\s+/g, ' ');
  log(`hover on ${where}: ${text}`);
  expect(/aspect audio/.test(text), `the hover on ${where} does not name the aspect \`audio\`: "${text}"`);
  expect(/nixos · 1 file/.test(text), `the hover on ${where} does not show the class \`nixos · 1 file\`: "${text}"`);
}

/** Opens `file` from quick open and puts the cursor at `line`:`column`. */
async function openAt(file, line, column) {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(file);
  // Clicked rather than Enter: the list may still show the files opened before (the one this
  // test just left first among them) while it filters.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().click();
  await waitForActiveTab(file, 'quick open');
  await page.locator('.monaco-editor .view-lines').first().waitFor();
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator('#status\\.editor\\.selection', { hasText: `Ln ${line}, Col ${column}` }).waitFor();
}

/** The hover on `portable`, defined in four of the flake's module outputs: one aspect in four
 * classes (dendritic.md §8.2). */
async function checkFamilyHover() {
  await runCommand('Show or Focus Hover');
  const hover = page.locator('.monaco-hover-content', { hasText: 'portable' }).first();
  await hover.waitFor().catch(() => fail('no hover appeared on `portable` in portable.nix'));
  const text = (await hover.innerText()).replace(/\s+/g, ' ');
  log(`hover on \`portable\`: ${text}`);
  for (const kind of ['darwin', 'homeManager', 'nixOnDroid', 'nixos']) {
    expect(
      new RegExp(`${kind} · 1 file`).test(text),
      `the hover on \`portable\` does not list the class \`${kind} · 1 file\`: "${text}"`,
    );
  }
}

/** Waits until the status bar's problem counts equal `want`. */
async function waitForProblems(want, what) {
  const read = () =>
    page.evaluate(() => {
      const label = document.getElementById('status.problems')?.getAttribute('aria-label') ?? '';
      // "Errors: 7, Warnings: 4", or "No Problems"; absent before the workbench is up.
      const number = (kind) => Number(new RegExp(`${kind}s?: (\\d+)`).exec(label)?.[1] ?? (label ? 0 : NaN));
      return { errors: number('Error'), warnings: number('Warning'), label };
    });
  const deadline = Date.now() + WAIT;
  let got = await read();
  while (got.errors !== want.errors || got.warnings !== want.warnings) {
    if (Date.now() > deadline) {
      fail(
        `${what}: expected ${want.errors} errors and ${want.warnings} warnings in the status bar, it says "${got.label}"`,
      );
    }
    await page.waitForTimeout(250);
    got = await read();
  }
  return got.label;
}

async function main() {
  rmSync(failureShot, { force: true });
  try {
    accessSync(chromiumPath, constants.X_OK);
  } catch {
    fail(`no Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM to its path)`);
  }
  const fixture = join(repo, 'fixtures', 'broken');
  const counts = expectedCounts(fixture);
  expect(
    counts.errors > 0 && counts.toplevelPkgs > 0,
    `unexpected ${fixture}/canopy-check.txt: no errors or no toplevel-pkgs warning`,
  );

  const platform = `${process.platform}-${process.arch}`;
  const platforms = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];
  expect(platforms.includes(platform), `no package of the extension for ${platform} (${platforms.join(', ')})`);
  const server = buildServer();
  run('bash', [join(extensionDir, 'test', 'install-code-server.sh'), codeServerDir], extensionDir);
  const codeServerBin = join(codeServerDir, 'node_modules', '.bin', 'code-server');
  run('npm', ['run', 'package:target', '--', platform, '--binary', server], extensionDir);
  const { name, version } = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
  const vsix = join(extensionDir, `${name}-${platform}-${version}.vsix`);
  const path = pathWithoutCanopy();

  cpSync(fixture, workspace, { recursive: true });
  // Padding, so that indexing lasts long enough to show: a dozen files take milliseconds, and a
  // status bar item shown and hidden within one tick never reaches the screen. Aspects nothing
  // uses only raise `unused-aspect` hints, which are off by default and not in the counts.
  mkdirSync(join(workspace, 'modules', 'padding'));
  for (let i = 0; i < 3000; i++) {
    writeFileSync(
      join(workspace, 'modules', 'padding', `aspect-${i}.nix`),
      `{ flake.modules.nixos.padding-${i} = { }; }\n`,
    );
  }
  // `toplevel-pkgs` off from the start: the first count proves the settings reach the server at
  // initialisation; turning it back on later proves a change reaches it too.
  writeSettings('user', { ...editorSettings, 'canopy.diagnostics.disabled': ['toplevel-pkgs'] });
  // `canopy.server.path` unset: the extension looks on the PATH, then takes the server it carries.
  writeSettings('remote', {});
  const common = [
    '--config',
    join(tmp, 'config.yaml'),
    '--user-data-dir',
    userData,
    '--extensions-dir',
    join(tmp, 'extensions'),
  ];
  run(codeServerBin, [...common, '--install-extension', vsix], extensionDir);

  const port = await freePort();
  const logFile = join(tmp, 'code-server.log');
  log(`starting code-server on port ${port} (log: ${logFile})`);
  // Its own process group, so that the whole tree (extension host, canopy) can be stopped.
  codeServer = spawn(
    codeServerBin,
    [
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      workspace,
    ],
    {
      detached: true,
      env: { ...process.env, PATH: path },
      stdio: ['ignore', openSync(logFile, 'w'), openSync(logFile, 'a')],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + WAIT;
  for (;;) {
    if (codeServer.exitCode !== null)
      fail(`code-server exited with status ${codeServer.exitCode}:\n${readFileSync(logFile, 'utf8')}`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline)
      fail(`code-server did not answer on ${url} within ${WAIT / 1000}s:\n${readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(WAIT);
  // The progress item lives for about a second: record every text it shows rather than hoping
  // to catch it in a screenshot.
  await page.addInitScript(() => {
    window.canopyProgress = [];
    new MutationObserver(() => {
      for (const item of document.querySelectorAll('[id$="canopy.progress"]')) {
        const text = item.textContent?.trim();
        if (text && window.canopyProgress.at(-1) !== text) window.canopyProgress.push(text);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  log(`opening ${workspace}`);
  await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench .part.statusbar').waitFor();

  // Diagnostics: the workspace has a flake.nix, so the extension starts without a file open and
  // the server publishes every file's diagnostics.
  const initial = { errors: counts.errors, warnings: counts.warnings - counts.toplevelPkgs };
  log(`problems: ${await waitForProblems(initial, 'diagnostics with `toplevel-pkgs` disabled')}`);
  // They came from the server in the installed package.
  const extensions = realpathSync(join(tmp, 'extensions'));
  const serving = runningCanopies();
  const packaged = serving.filter((exe) => exe.startsWith(`${extensions}/`) && exe.endsWith('/server/canopy'));
  expect(
    packaged.length > 0,
    `no canopy runs from the installed package under ${extensions} (running: ${JSON.stringify(serving)})`,
  );
  log(`server: ${packaged[0]}`);
  const progress = await page.evaluate(() => window.canopyProgress);
  expect(
    progress.some((text) => /canopy: indexing broken/.test(text)),
    `indexing progress never showed in the status bar (seen: ${JSON.stringify(progress)})`,
  );
  log(`progress shown: "${progress[0]}" ... "${progress.at(-1)}"`);

  // Open the host and put the cursor on `audio` (line 12), an aspect defined in another file.
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('gruyere.nix');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'gruyere.nix' }).first().waitFor();
  await page.keyboard.press('Enter');
  await waitForActiveTab('gruyere.nix', 'quick open');
  await page.locator('.monaco-editor .view-lines').first().waitFor();
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').fill(':12:8');
  await page.keyboard.press('Enter');
  await page.locator('#status\\.editor\\.selection', { hasText: 'Ln 12, Col 8' }).waitFor();

  // Hover: the aspect and its classes.
  await checkHover('`audio` in gruyere.nix');
  await page.keyboard.press('Escape');

  // An aspect in four output families lists the four classes; then back to the host.
  await openAt('portable.nix', 4, 24);
  await checkFamilyHover();
  await page.keyboard.press('Escape');
  await openAt('gruyere.nix', 12, 8);

  // Go to definition: `audio` is defined in modules/features/shadowed-config.nix, line 2.
  await runCommand('Go to Definition');
  await waitForActiveTab('shadowed-config.nix', 'go to definition on `audio`');
  // The cursor lands on the name in `flake.modules.nixos.audio =`.
  const selection = page.locator('#status\\.editor\\.selection');
  await selection
    .filter({ hasText: 'Ln 2, Col 23' })
    .waitFor()
    .catch(async () =>
      fail(`go to definition put the cursor at "${await selection.innerText()}", not on \`audio\` (Ln 2, Col 23)`),
    );
  log('definition: shadowed-config.nix, Ln 2, Col 23');

  // The aspect graph, centred on `audio` under the cursor: a webview with canopy's page, whose
  // nodes open their definitions.
  await openAt('gruyere.nix', 12, 8);
  await runCommand('canopy: Show Aspect Graph');
  let graphFrame;
  const graphDeadline = Date.now() + WAIT;
  while (graphFrame === undefined && Date.now() < graphDeadline) {
    for (const frame of page.frames()) {
      const ready = await frame.evaluate(() => document.body?.dataset.ready === 'true').catch(() => false);
      if (ready) {
        graphFrame = frame;
      }
    }
    if (graphFrame === undefined) {
      await page.waitForTimeout(250);
    }
  }
  expect(graphFrame !== undefined, 'no webview with the aspect graph appeared after "canopy: Show Aspect Graph"');
  const labels = await graphFrame.$$eval('.node', (nodes) => nodes.map((n) => n.querySelector('text').textContent));
  log(`graph nodes: ${labels.join(', ')}`);
  for (const name of ['audio', 'gruyere']) {
    expect(labels.includes(name), `the graph centred on \`audio\` does not show \`${name}\`: ${labels.join(', ')}`);
  }
  expect(!labels.includes('orphan'), `the graph centred on \`audio\` shows the unrelated \`orphan\``);
  // The view is narrow beside the editor: searching the name brings the node into view.
  await graphFrame.fill('#search', 'audio');
  await graphFrame.locator('.node[data-id="aspect:flake.modules.nixos.audio"]').click();
  await waitForActiveTab('shadowed-config.nix', 'a click on the `audio` node of the graph');
  log('graph: a webview centred on audio; clicking it opened shadowed-config.nix');
  await page.screenshot({ path: join(repo, 'target/vscode-graph.png') });

  // A file that imports `audio` appears on disk: the view draws it.
  writeFileSync(
    join(workspace, 'modules/features/listener.nix'),
    '{ config, ... }:\n{\n  flake.modules.nixos.listener.imports = [ config.flake.modules.nixos.audio ];\n}\n',
  );
  let redrawn = false;
  const redrawDeadline = Date.now() + WAIT;
  while (!redrawn && Date.now() < redrawDeadline) {
    for (const frame of page.frames()) {
      const names = await frame
        .$$eval('.node text:first-of-type', (texts) => texts.map((t) => t.textContent))
        .catch(() => []);
      redrawn ||= names.includes('listener');
    }
    if (!redrawn) {
      await page.waitForTimeout(250);
    }
  }
  expect(redrawn, 'the graph view did not draw `listener`, written to disk after it opened');
  rmSync(join(workspace, 'modules/features/listener.nix'));
  log('graph: redrawn with `listener` once its file appeared on disk');

  // A settings change reaches the running server: `toplevel-pkgs` comes back.
  await editSettings('user', editorSettings);
  log(`problems: ${await waitForProblems(counts, 'diagnostics after enabling `toplevel-pkgs`')}`);

  // The commands.
  await runCommand('canopy: Show Server Output');
  await page
    .waitForFunction(
      () =>
        [...document.querySelectorAll('.part.panel select')].some((s) => s.selectedOptions[0]?.text === 'canopy') &&
        document.activeElement?.closest('.part.panel') !== null,
      null,
      { timeout: WAIT },
    )
    .catch(() => fail('"canopy: Show Server Output" did not show and focus the output channel `canopy`'));
  log('output: the panel shows the channel `canopy`');
  const indexedBefore = (await page.evaluate(() => window.canopyProgress)).length;
  await runCommand('canopy: Restart Server');
  await page
    .waitForFunction((n) => window.canopyProgress.length > n, indexedBefore, { timeout: WAIT })
    .catch(() => fail('"canopy: Restart Server" did not start a server that indexes the workspace'));
  await waitForProblems(counts, 'diagnostics after restarting the server');
  log('restart: the new server indexed the workspace and published the same problems');
  // The new server answers too: hover on the definition itself (the cursor is on `audio`).
  await page.locator('.part.editor .editor-group-container.active .monaco-editor textarea').focus();
  await checkHover('the definition of `audio`, after the restart');
  await page.screenshot({ path: join(target, 'vscode-e2e.png'), animations: 'disabled' });
  await page.keyboard.press('Escape');

  // The quick fix through the light bulb: on the misspelt `deskotp` (gruyere.nix, line 7), the
  // bulb offers "Replace with `desktop`"; applying it clears that error from the Problems count.
  await openAt('gruyere.nix', 7, 8);
  const bulb = page.locator('.codicon-lightbulb-autofix, .codicon-lightbulb');
  await bulb
    .first()
    .waitFor()
    .catch(() => fail('no light bulb on `deskotp` in gruyere.nix'));
  await bulb.first().click();
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Replace with `desktop`' });
  await fix
    .first()
    .waitFor()
    .catch(() => fail('the light bulb on `deskotp` offers no "Replace with `desktop`"'));
  // The preferred fix is the one the menu focuses (a click is caught by the menu's pointer block).
  await page
    .locator('.action-widget .monaco-list-row.focused', { hasText: 'Replace with `desktop`' })
    .waitFor()
    .catch(() => fail('the light bulb menu does not focus the preferred fix "Replace with `desktop`"'));
  await page.keyboard.press('Enter');
  const fixed = { errors: counts.errors - 1, warnings: counts.warnings };
  log(`quick fix: ${await waitForProblems(fixed, 'problems after the quick fix on `deskotp`')}`);

  // A server that is not there: a message naming the setting, with a button that opens it.
  const missing = join(tmp, 'no-such-dir', 'canopy');
  await editSettings('remote', { 'canopy.server.path': missing });
  const toast = page.locator('.notification-toast', { hasText: 'canopy.server.path' });
  await toast.waitFor().catch(() => fail(`no message naming \`canopy.server.path\` after setting it to ${missing}`));
  log(`message: ${(await toast.locator('.notification-list-item-message').innerText()).trim()}`);
  await toast.getByRole('button', { name: 'Open Setting' }).click();
  await page
    .locator('.settings-editor .setting-item-contents', { hasText: 'Server: Path' })
    .first()
    .waitFor()
    .catch(() => fail('"Open Setting" did not open the settings editor on `canopy.server.path`'));
  log('missing server: message names canopy.server.path, "Open Setting" opens it');

  // A program that exists but is no language server (an old canopy, a wrong path) exits at once:
  // one message that points at the setting, no restarts. vscode-languageclient adds a message of
  // its own, which can push this one out of the toasts: look in the notification centre.
  await editSettings('remote', { 'canopy.server.path': '/bin/false' });
  await runCommand('Notifications: Show Notifications');
  const failed = page
    .locator('.notifications-center .notification-list-item', { hasText: 'failed to start' })
    .filter({ hasText: 'canopy.server.path' });
  await failed
    .first()
    .waitFor()
    .catch(() => fail('no message naming `canopy.server.path` when the server exits at start (/bin/false)'));
  log(`message: ${(await failed.first().locator('.notification-list-item-message').innerText()).trim()}`);
  const restarts = await page.locator('.notifications-center .notification-list-item', { hasText: 'crashed' }).count();
  expect(restarts === 0, 'the client kept restarting a server that exits at start ("crashed ... times")');
  await page.screenshot({ path: join(target, 'vscode-e2e-missing-server.png'), animations: 'disabled' });
}

let status = 0;
try {
  await main();
  log(`PASS (screenshots: ${join(target, 'vscode-e2e.png')}, ${join(target, 'vscode-e2e-missing-server.png')})`);
} catch (error) {
  status = 1;
  console.error(`e2e FAIL: ${error instanceof Failure ? error.message : (error?.stack ?? error)}`);
  if (page) {
    await page.screenshot({ path: failureShot }).then(
      () => console.error(`screenshot: ${failureShot}`),
      () => undefined,
    );
  }
} finally {
  await browser?.close().catch(() => undefined);
  if (codeServer?.pid !== undefined && codeServer.exitCode === null) {
    try {
      process.kill(-codeServer.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  if (status === 0) rmSync(tmp, { recursive: true, force: true });
  else console.error(`kept for inspection: ${tmp}`);
}
process.exit(status);
