#!/usr/bin/env bash
# Drives canopy's language server from a real Kakoune with kakoune-lsp, using the configuration
# in editors/kakoune/canopy.kak, and checks diagnostics, go to definition and hover. Any failed
# check fails the run; a missing kak, kak-lsp or canopy is a failure too, not a skip.
#
# Kakoune runs headless (`-ui dummy`: a real client with no terminal); the test sends it commands
# with `kak -p` and reads its state back through `echo -to-file`, so it never scrapes a screen.
#
# Needs Kakoune (Debian: apt-get install kakoune), kak-lsp 18 or newer on the PATH
# (cargo install --locked kak-lsp: several minutes of compiling) and cargo.
#
# Environment: CANOPY_BIN (a canopy binary to test instead of building target/debug/canopy),
# KAK_LSP (the kak-lsp binary, default the one on the PATH).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

die() { printf 'editors/kakoune/test.sh: %s\n' "$*" >&2; exit 1; }

command -v kak >/dev/null || die "no kak on the PATH (on Debian: apt-get install kakoune)"
kak_lsp="${KAK_LSP:-$(command -v kak-lsp || true)}"
[ -n "$kak_lsp" ] && [ -x "$kak_lsp" ] || die "no kak-lsp on the PATH (cargo install --locked kak-lsp)"

if [ -z "${CANOPY_BIN:-}" ]; then
  printf '==> cargo build -p canopy\n' >&2
  cargo build --quiet --locked -p canopy || die "cargo build -p canopy failed"
  CANOPY_BIN="$repo/target/debug/canopy"
fi
[ -x "$CANOPY_BIN" ] || die "CANOPY_BIN=$CANOPY_BIN is not executable"

tmp="$(mktemp -d)"
session="canopy-test-$$"
cleanup() {
  printf 'kill!\n' | kak -p "$session" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# `canopy` and `kak-lsp` by name, as the documented configuration starts them.
mkdir -p "$tmp/bin" "$tmp/config" "$tmp/out"
ln -s "$(cd "$(dirname "$CANOPY_BIN")" && pwd)/$(basename "$CANOPY_BIN")" "$tmp/bin/canopy"
ln -s "$kak_lsp" "$tmp/bin/kak-lsp"
export PATH="$tmp/bin:$PATH"

# A configuration folder of its own: Kakoune's system kakrc still loads the standard scripts
# (the `nix` filetype among them) and then this kakrc, which is what the README tells users to add.
{
  printf 'evaluate-commands %%sh{kak-lsp}\n'
  # Less the [nixd] table (nixd is not installed here, and kakoune-lsp starts no server of the
  # list when one of them is missing), and with one setting changed, to see settings arrive.
  sed -e '/^ *\[nixd\]$/,/^ *$/d' \
    -e 's/^\( *diagnostics.disabled = \)\[\]$/\1["unknown-class"]/' "$here/canopy.kak"
  printf 'hook global WinSetOption filetype=nix %%{ lsp-enable-window }\n'
} >"$tmp/config/kakrc"

cp -R fixtures/flake-modules fixtures/broken "$tmp/"

passed=0
fail() { printf 'FAIL: %s\n' "$*" >&2; [ -f "$tmp/out/debug" ] && tail -n 30 "$tmp/out/debug" >&2; exit 1; }
ok() { passed=$((passed + 1)); printf 'ok: %s\n' "$*"; }

# Runs Kakoune commands in the client, as if typed at its prompt.
kak_do() { printf 'evaluate-commands -client client0 %%{ %s }\n' "$1" | kak -p "$session"; }

# Writes the value of a Kakoune expansion to a file and prints it.
kak_get() {
  local file="$tmp/out/value"
  rm -f "$file"
  kak_do "echo -to-file $file \"$1\""
  for _ in $(seq 50); do [ -f "$file" ] && break; sleep 0.1; done
  [ -f "$file" ] || fail "Kakoune did not answer for $1"
  cat "$file"
}

# Waits until the expansion $1 evaluates to $2 (30 s at most).
kak_wait() {
  local got
  for _ in $(seq 150); do
    got="$(kak_get "$1")"
    [ "$got" = "$2" ] && return 0
    sleep 0.2
  done
  kak_do "evaluate-commands -buffer *debug* %{ write -force $tmp/out/debug }"
  sleep 0.5
  fail "waited for $1 to be '$2'; it is '$got'"
}

start() {
  KAKOUNE_CONFIG_DIR="$tmp/config" kak -ui dummy -s "$session" -e "edit $1" </dev/null >"$tmp/out/kak.log" 2>&1 &
  for _ in $(seq 50); do kak -l | grep -qx "$session" && return 0; sleep 0.1; done
  fail "Kakoune did not start"
}

# 1. Diagnostics, with a setting: gruyere.nix has canopy check's four, less `unknown-class`.
start "$tmp/broken/modules/hosts/gruyere.nix"
kak_wait '%opt{filetype}' nix
kak_wait '%opt{lsp_diagnostic_error_count} %opt{lsp_diagnostic_warning_count}' '3 0'
ok "gruyere.nix: 3 errors, 0 warnings (undefined-aspect and two wrong-class-import; unknown-class disabled by the settings)"
# The undefined aspect, as lsp-find-error reaches it from the top of the file: line 3 first, then 7.
kak_do 'execute-keys gg; lsp-find-error; lsp-find-error'
kak_wait '%val{cursor_line}:%val{cursor_column}' '7:7'
ok "lsp-find-error walks to the undefined aspect at 7:7"
printf 'kill!\n' | kak -p "$session"
wait

# 2. Definition across files and hover, in the clean fixture.
start "$tmp/flake-modules/modules/hosts/gouda.nix"
kak_wait '%opt{filetype}' nix
kak_do 'select 7.9,7.11; lsp-definition'
kak_wait '%val{buffile}:%val{cursor_line}' "$tmp/flake-modules/modules/base/ssh.nix:3"
ok "lsp-definition on \`ssh\` in hosts/gouda.nix opens base/ssh.nix at line 3"
kak_do "buffer $tmp/flake-modules/modules/hosts/gouda.nix; select 6.9,6.15; lsp-hover-buffer"
hover=""
for _ in $(seq 50); do
  kak_do "try %{ evaluate-commands -buffer *hover* %{ write -force $tmp/out/hover } }"
  sleep 0.2
  [ -s "$tmp/out/hover" ] && hover="$(cat "$tmp/out/hover")" && break
done
for expected in 'desktop' '`nixos` · 2 files' '`homeManager` · 1 file' 'gouda'; do
  case "$hover" in *"$expected"*) ;; *) fail "the *hover* buffer lacks '$expected': $hover" ;; esac
done
ok "lsp-hover-buffer on \`desktop\` shows \`nixos\` · 2 files and \`homeManager\` · 1 file"

echo
echo "kakoune: $passed passed, 0 failed"
