// Checks `canopy graph` where its readers read it:
//
// - Mermaid: every fixture's output, and one of names built to break the syntax, parsed by
//   Mermaid's own parser (the `mermaid` package from the npm registry, under jsdom); a broken
//   diagram must fail it, so the check itself is checked.
// - HTML: the page of the broken fixture opened in headless Chromium (Debian's, driven by
//   playwright-core) with every request other than the page itself refused, so it must work
//   offline: every node's label is drawn, searching a name highlights that node, selecting one
//   lists its definition. A screenshot goes to target/graph.png, the README's picture.
//
// Usage: node check.mjs [path/to/canopy]   (default: ../../target/debug/canopy)

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { JSDOM } from "jsdom";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const canopy = resolve(process.argv[2] ?? join(repo, "target/debug/canopy"));
const out = join(repo, "target/graph");
mkdirSync(out, { recursive: true });
const browser = process.env.CHROMIUM ?? "/usr/bin/chromium";
for (const [what, path] of [["canopy", canopy], ["Chromium (Debian's chromium; or set CHROMIUM)", browser]]) {
  if (!existsSync(path)) {
    console.error(`check.mjs: ${what} not found at ${path}`);
    process.exit(1);
  }
}

let failures = 0;
const fail = (message) => {
  console.error(`FAIL ${message}`);
  failures += 1;
};
const graph = (folder, ...args) => {
  const result = spawnSync(canopy, ["graph", folder, ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`canopy graph ${folder} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
};

// ---- Mermaid ---------------------------------------------------------------------------------

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
const parses = async (text) => {
  try {
    await mermaid.parse(text);
    return null;
  } catch (err) {
    return err.message ?? String(err);
  }
};

const hostile = join(out, "hostile");
mkdirSync(join(hostile, "modules"), { recursive: true });
writeFileSync(join(hostile, "flake.nix"),
  "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n");
writeFileSync(join(hostile, "modules/odd.nix"), [
  "{ config, ... }: {",
  '  flake.modules.nixos."a\\"b]]-->c".imports = [ config.flake.modules.nixos."x; end %% y" ];',
  '  flake.modules.nixos."<b>#1`{}".imports = [ config.flake.modules.nixos."a\\"b]]-->c" ];',
  '  configurations.nixos."click n0 call alert()".module.imports = [ config.flake.modules.nixos."<b>#1`{}" ];',
  "}",
  "",
].join("\n"));

const fixtures = readdirSync(join(repo, "fixtures")).map((f) => join(repo, "fixtures", f))
  .filter((f) => statSync(f).isDirectory());
for (const folder of [...fixtures, hostile]) {
  const text = graph(folder);
  const error = await parses(text);
  if (error) fail(`${folder}: Mermaid rejects the output: ${error}\n${text}`);
  const nodes = JSON.parse(graph(folder, "--format", "json")).nodes.length;
  const drawn = (text.match(/^ {2}n\d+\[/gm) ?? []).length;
  if (drawn !== nodes) fail(`${folder}: ${drawn} Mermaid nodes for ${nodes} in the JSON`);
}
if (!(await parses("flowchart LR\n  a[[\"x\"]] ==> b[\n"))) fail("Mermaid's parser accepted a broken diagram");
console.log(`ok Mermaid: ${fixtures.length + 1} graphs parsed by mermaid ${mermaid.version ?? ""}`.trim());

// ---- HTML ------------------------------------------------------------------------------------

const page = join(out, "broken.html");
writeFileSync(page, graph(join(repo, "fixtures/broken"), "--format", "html"));
const expected = JSON.parse(graph(join(repo, "fixtures/broken"), "--format", "json")).nodes;
const chrome = await chromium.launch({ executablePath: browser, args: ["--no-sandbox"] });
try {
  const context = await chrome.newContext({ viewport: { width: 1400, height: 800 }, offline: true });
  const tab = await context.newPage();
  const pageUrl = pathToFileURL(page).href;
  const refused = [];
  await tab.route("**/*", (route) => {
    if (route.request().url() === pageUrl) return route.continue();
    refused.push(route.request().url());
    return route.abort();
  });
  const problems = [];
  tab.on("pageerror", (err) => problems.push(err.message));
  tab.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  await tab.goto(pageUrl);
  await tab.waitForSelector("body[data-ready=true]", { timeout: 10000 });
  if (refused.length) fail(`the page asked for other resources: ${refused.join(", ")}`);
  if (problems.length) fail(`the page reported errors: ${problems.join("; ")}`);

  // Every node's label, read from the page itself.
  const labels = await tab.$$eval(".node", (nodes) => nodes.map((n) => [n.dataset.id, n.querySelector("text").textContent]));
  const drawn = new Map(labels);
  for (const node of expected) {
    const label = drawn.get(node.id);
    if (label === undefined) fail(`node ${node.id} is not drawn`);
    else if (!node.name.startsWith(label.replace(/…$/, ""))) fail(`node ${node.id} reads "${label}", not "${node.name}"`);
    else {
      const box = await tab.evaluate((id) => {
        const node = [...document.querySelectorAll(".node")].find((n) => n.dataset.id === id);
        const b = node?.querySelector("rect").getBoundingClientRect();
        return Boolean(b && b.width > 0 && b.height > 0);
      }, node.id);
      if (!box) fail(`node ${node.id} has no visible box`);
    }
  }

  // Searching a name highlights exactly the nodes with it.
  await tab.fill("#search", "deskotp");
  const matches = await tab.$$eval(".node.match", (nodes) => nodes.map((n) => n.dataset.id));
  const wanted = expected.filter((n) => n.name.includes("deskotp")).map((n) => n.id);
  if (JSON.stringify(matches) !== JSON.stringify(wanted) || wanted.length === 0) {
    fail(`searching "deskotp" highlights ${JSON.stringify(matches)}, expected ${JSON.stringify(wanted)}`);
  }
  const undefinedMark = await tab.$$eval(".node.match.undefined", (nodes) => nodes.length);
  if (undefinedMark !== 1) fail("the undefined aspect `deskotp` is not marked undefined");

  // Selecting a node shows where it is defined and dims what is not its neighbour.
  await tab.fill("#search", "");
  const gruyere = expected.find((n) => n.kind === "aspect" && n.name === "gruyere");
  await tab.evaluate((id) => {
    const node = [...document.querySelectorAll(".node")].find((n) => n.dataset.id === id);
    node.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  }, gruyere.id);
  const details = await tab.textContent("#details");
  if (!details.includes(`${gruyere.definitions[0].path}:${gruyere.definitions[0].range.start.line + 1}`)) {
    fail(`selecting gruyere does not list its definition: ${details}`);
  }
  const dimmed = await tab.$$eval(".node.dim", (nodes) => nodes.length);
  if (dimmed === 0 || dimmed >= expected.length) fail(`selecting gruyere dims ${dimmed} of ${expected.length} nodes`);
  await tab.screenshot({ path: join(repo, "target/graph.png") });
  console.log(`ok HTML: ${expected.length} nodes drawn offline, search and selection work; target/graph.png`);
} finally {
  await chrome.close();
}

if (failures > 0) {
  console.error(`check.mjs: ${failures} failure(s)`);
  process.exit(1);
}
