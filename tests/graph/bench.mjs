// The aspect graph's benchmark (docs/performance.md, "The aspect graph"): on a generated
// workspace, how long `canopy graph --format html` takes (best and median of RUNS), how big the
// page is, and how long headless Chromium takes from navigation to the page's first complete
// render (the script sets body[data-ready] once every node and edge is drawn, then one animation
// frame lets the browser paint).
//
//   cargo build --release -p canopy -p canopy-bench
//   (cd tests/graph && npm ci && node bench.mjs [--files 10000] [--runs 5])
//
// Timings, not assertions: CI does not run this; the figures go in docs/performance.md.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const files = option("files", 10000);
const runs = option("runs", 5);
const canopy = join(repo, "target/release/canopy");
const bench = join(repo, "target/release/canopy-bench");
for (const binary of [canopy, bench]) {
  if (!existsSync(binary)) {
    console.error(`bench.mjs: ${binary} missing: cargo build --release -p canopy -p canopy-bench`);
    process.exit(1);
  }
}

const workspace = join(repo, `target/graph-bench/ws-${files}`);
if (!existsSync(workspace)) {
  mkdirSync(dirname(workspace), { recursive: true });
  const made = spawnSync(bench, ["gen", "--files", String(files), workspace], { stdio: "inherit" });
  if (made.status !== 0) process.exit(1);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times = [];
let page = "";
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  const run = spawnSync(canopy, ["graph", workspace, "--format", "html"], { encoding: "utf8", maxBuffer: 1 << 30 });
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (run.status !== 0) {
    console.error(run.stderr);
    process.exit(1);
  }
  page = run.stdout;
}
const json = JSON.parse(
  spawnSync(canopy, ["graph", workspace, "--format", "json"], { encoding: "utf8", maxBuffer: 1 << 30 }).stdout,
);
const html = join(dirname(workspace), `graph-${files}.html`);
rmSync(html, { force: true });
writeFileSync(html, page);

const chrome = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const renders = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await chrome.newContext({ viewport: { width: 1400, height: 900 }, offline: true });
    const tab = await context.newPage();
    const start = Date.now();
    await tab.goto(pathToFileURL(html).href);
    await tab.waitForSelector("body[data-ready=true]", { timeout: 60000 });
    await tab.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    renders.push(Date.now() - start);
    await context.close();
  }
} finally {
  await chrome.close();
}

const grouped = json.grouped ? `, grouped from ${json.grouped} nodes` : "";
console.log(`workspace: ${files} files (${workspace})`);
console.log(`graph: ${json.nodes.length} nodes, ${json.edges.length} edges${grouped}`);
console.log(`canopy graph --format html: best ${Math.min(...times).toFixed(0)} ms, median ${median(times).toFixed(0)} ms over ${runs} runs; page ${(statSync(html).size / 1024).toFixed(0)} KiB`);
console.log(`first render in headless Chromium: best ${Math.min(...renders)} ms, median ${median(renders)} ms over ${runs} runs`);
