// Packs the extension for one platform with the canopy server inside (server/canopy, or
// server/canopy.exe on Windows), which the extension starts when `canopy.server.path` is unset and
// no `canopy` is on the PATH. VS Code installs the package whose target matches its platform.
//
//   npm run package:target -- TARGET [--binary PATH]
//
// TARGET is one of the keys of TARGETS below. Without --binary the server is built here with
// `cargo build --release --target TRIPLE`, which needs that Rust target and its linker: a release
// builds each target on a machine of that platform. --binary takes a canopy already built (the
// end-to-end test gives it the debug build of the test run); its format and architecture are
// checked against TARGET, so that no package carries a server its platform cannot run.
// Writes canopy-TARGET-VERSION.vsix here.

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// VS Code's target → Rust's target triple, the binary's format and its machine (ELF e_machine,
// Mach-O cputype, PE machine).
const TARGETS = {
  'linux-x64': { triple: 'x86_64-unknown-linux-gnu', format: 'elf', machine: 0x3e },
  'linux-arm64': { triple: 'aarch64-unknown-linux-gnu', format: 'elf', machine: 0xb7 },
  'darwin-x64': { triple: 'x86_64-apple-darwin', format: 'mach-o', machine: 0x01000007 },
  'darwin-arm64': { triple: 'aarch64-apple-darwin', format: 'mach-o', machine: 0x0100000c },
  'win32-x64': { triple: 'x86_64-pc-windows-msvc', format: 'pe', machine: 0x8664 },
};

const extensionDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(extensionDir, '../..');

function fail(message) {
  console.error(`package-target: ${message}`);
  process.exit(1);
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with status ${result.status ?? result.signal}`);
  return result;
}

/** Builds canopy for `triple` and returns the executable's path, as cargo reports it. */
function build(triple) {
  const args = ['build', '--release', '--locked', '-p', 'canopy', '--target', triple];
  console.log(`package-target: cargo ${args.join(' ')}`);
  const result = run('cargo', [...args, '--message-format=json-render-diagnostics'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const executables = result.stdout
    .toString()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((m) => m.reason === 'compiler-artifact' && m.target?.name === 'canopy' && m.executable);
  if (executables.length !== 1) fail(`cargo reported ${executables.length} canopy executables, not one`);
  return executables[0].executable;
}

/** The binary's format and machine, read from its header; undefined when it is none of the three. */
function identify(file) {
  const header = Buffer.alloc(0x200);
  const fd = openSync(file, 'r');
  const length = readSync(fd, header, 0, header.length, 0);
  if (length >= 20 && header.readUInt32BE(0) === 0x7f454c46) {
    // ELF: EI_DATA at 5 (1: little-endian), e_machine at 18.
    const machine = header[5] === 1 ? header.readUInt16LE(18) : header.readUInt16BE(18);
    return { format: 'elf', machine };
  }
  if (length >= 8 && header.readUInt32LE(0) === 0xfeedfacf) {
    return { format: 'mach-o', machine: header.readUInt32LE(4) };
  }
  if (length >= 0x40 && header.toString('latin1', 0, 2) === 'MZ') {
    const pe = header.readUInt32LE(0x3c);
    if (pe + 6 <= length && header.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      return { format: 'pe', machine: header.readUInt16LE(pe + 4) };
    }
  }
  return undefined;
}

const [target, ...rest] = process.argv.slice(2);
const spec = TARGETS[target];
if (spec === undefined)
  fail(`usage: package-target.mjs TARGET [--binary PATH], TARGET one of ${Object.keys(TARGETS).join(', ')}`);
let binary;
if (rest.length === 2 && rest[0] === '--binary') binary = resolve(rest[1]);
else if (rest.length !== 0) fail(`unexpected arguments: ${rest.join(' ')}`);

binary ??= build(spec.triple);
if (!existsSync(binary)) fail(`no canopy binary at ${binary}`);
const found = identify(binary);
if (found?.format !== spec.format || found.machine !== spec.machine) {
  fail(
    `${binary} is not a ${spec.format} binary for ${target} (found: ${found ? `${found.format}, machine 0x${found.machine.toString(16)}` : 'no known executable format'})`,
  );
}

const { name, version } = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
const server = join(extensionDir, 'server');
const out = join(extensionDir, `${name}-${target}-${version}.vsix`);
rmSync(server, { recursive: true, force: true });
try {
  mkdirSync(server);
  const inside = join(server, target.startsWith('win32') ? 'canopy.exe' : 'canopy');
  copyFileSync(binary, inside);
  chmodSync(inside, 0o755);
  // vsce's own script, run by this node: node_modules/.bin/vsce is a shell script, or a .cmd.
  const vsce = join(extensionDir, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--target', target, '--out', out], {
    cwd: extensionDir,
  });
} finally {
  // The universal package (`npm run package`) must not pick up a server left here.
  rmSync(server, { recursive: true, force: true });
}
console.log(`package-target: ${out} (server: ${binary})`);
