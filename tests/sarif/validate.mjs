// Validates `canopy check --format sarif` with Microsoft's SARIF multitool (the reference
// validator: the SARIF 2.1.0 JSON schema and the SARIF specification's rules), on fixtures whose
// reports hold errors, warnings, hints, fixes and paths with spaces and brackets.
//
// The multitool exits with 0 whatever it finds, so its findings are read from its own SARIF log
// (`-o`): any finding, down to a note, fails the test. Then the report is held to what canopy's
// JSON output says of the same fixture, so that a valid but empty or wrong report fails too.
//
// Usage: node validate.mjs [path/to/canopy]   (default: ../../target/debug/canopy)

import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const canopy = resolve(process.argv[2] ?? join(repo, "target/debug/canopy"));
// The package's main export is its binary's path. Run it directly: the `.bin` wrapper goes through
// a shell, which would split the `;` lists of its options.
const multitool = createRequire(import.meta.url)("@microsoft/sarif-multitool");
const out = join(repo, "target/sarif");
mkdirSync(out, { recursive: true });

for (const [what, path] of [["canopy", canopy], ["the SARIF multitool (npm ci in tests/sarif)", multitool]]) {
  if (!existsSync(path)) {
    console.error(`validate.mjs: ${what} not found at ${path}`);
    process.exit(1);
  }
}

// A flake whose diagnostics sit in paths a URI must escape.
const hostile = join(out, "hostile");
mkdirSync(join(hostile, "modules/a b [c]"), { recursive: true });
writeFileSync(join(hostile, "flake.nix"),
  "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n");
writeFileSync(join(hostile, "modules/a b [c]/ça #1.nix"),
  "{ config, ... }:\n{\n  configurations.nixos.h.module.imports = [ config.flake.modules.nixos.gone ];\n}\n");

const fixtures = ["broken", "paths with spaces [and brackets]", "den", "two-flakes", hostile];
let failures = 0;
const fail = (message) => {
  console.error(`FAIL ${message}`);
  failures += 1;
};

for (const fixture of fixtures) {
  const folder = resolve(repo, "fixtures", fixture);
  const run = (format) => {
    const result = spawnSync(canopy, ["check", folder, "--format", format], { encoding: "utf8" });
    if (result.status !== 0 && result.status !== 1) {
      throw new Error(`canopy check ${fixture} --format ${format} exited with ${result.status}: ${result.stderr}`);
    }
    return result.stdout;
  };
  const sarifText = run("sarif");
  const report = join(out, `${fixture.replace(/[^a-z0-9-]/gi, "_").slice(-40)}.sarif`);
  const log = `${report}.validation.sarif`;
  writeFileSync(report, sarifText);
  rmSync(log, { force: true });
  // Errors and warnings: the schema, and the specification's rules. Its notes only recommend
  // what a tool could add (code snippets, version-control details, reachable help links offline).
  execFileSync(multitool, ["validate", "--level", "Error;Warning", "-o", log, report], { stdio: "pipe" });
  const findings = JSON.parse(readFileSync(log, "utf8")).runs.flatMap((r) => r.results ?? []);
  for (const finding of findings) {
    fail(`${fixture}: ${finding.ruleId} (${finding.level}): ${finding.message?.text ?? JSON.stringify(finding.message)}`);
  }

  // The same diagnostics as the JSON output, each at the same place.
  const sarif = JSON.parse(sarifText);
  const json = JSON.parse(run("json"));
  const results = sarif.runs[0].results;
  if (results.length !== json.diagnostics.length) {
    fail(`${fixture}: ${results.length} SARIF results, ${json.diagnostics.length} diagnostics in the JSON output`);
  }
  json.diagnostics.forEach((d, i) => {
    const r = results[i];
    const location = r?.locations?.[0]?.physicalLocation;
    const uri = location && decodeURIComponent(location.artifactLocation.uri);
    if (r?.ruleId !== d.code || uri !== d.path || location.region.startLine !== d.range.start.line + 1 ||
      location.region.startColumn !== d.range.start.character + 1) {
      fail(`${fixture}: result ${i} is ${JSON.stringify(r?.ruleId)} at ${uri}, expected ${d.code} at ${d.path}:${d.range.start.line + 1}`);
    }
  });
  const rules = sarif.runs[0].tool.driver.rules;
  for (const r of results) {
    if (rules[r.ruleIndex]?.id !== r.ruleId) fail(`${fixture}: ruleIndex ${r.ruleIndex} does not name ${r.ruleId}`);
  }
  if (fixture === "broken" && !results.some((r) => r.fixes?.length)) {
    fail("broken: no result carries a fix, though canopy has fixes for its diagnostics");
  }
  if (fixture === hostile && !results.some((r) => r.locations[0].physicalLocation.artifactLocation.uri.includes("%20"))) {
    fail("hostile: no escaped path among the results");
  }
  console.log(`ok ${fixture}: ${results.length} results, valid SARIF 2.1.0`);
}

// The validator itself: a report with a result that has no message must fail it.
{
  const broken = JSON.parse(readFileSync(join(out, "broken.sarif"), "utf8"));
  delete broken.runs[0].results[0].message;
  const report = join(out, "invalid.sarif");
  const log = `${report}.validation.sarif`;
  writeFileSync(report, JSON.stringify(broken));
  rmSync(log, { force: true });
  execFileSync(multitool, ["validate", "--level", "Error;Warning", "-o", log, report], { stdio: "pipe" });
  const findings = JSON.parse(readFileSync(log, "utf8")).runs.flatMap((r) => r.results ?? []);
  if (!findings.some((f) => f.level === "error")) fail("the validator accepted a result without a message");
}

if (failures > 0) {
  console.error(`validate.mjs: ${failures} failure(s)`);
  process.exit(1);
}
