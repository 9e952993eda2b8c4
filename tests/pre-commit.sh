#!/usr/bin/env bash
# The pre-commit hook of .pre-commit-hooks.yaml, run as a user's pre-commit runs it:
# `pre-commit try-repo . canopy --files FILE` fails on a fixture file with an error and passes on a
# clean one. pre-commit comes from PyPI, installed on first use into a virtual environment under
# target/ (git-ignored); canopy is the debug build from this repository, put on the PATH as the
# hook's `language: system` expects. Needs python3 with venv, git and cargo.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

die() { printf 'tests/pre-commit.sh: %s\n' "$*" >&2; exit 1; }

# 1. pre-commit.
venv="$repo/target/pre-commit-venv"
if [ ! -x "$venv/bin/pre-commit" ]; then
  command -v python3 >/dev/null || die "python3 not found: it installs pre-commit (pip)"
  printf '==> installing pre-commit into %s\n' "${venv#"$repo"/}" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'pre-commit>=4,<5' || die "pip install pre-commit failed"
fi
"$venv/bin/pre-commit" --version >/dev/null || die "$venv/bin/pre-commit does not run"

# 2. canopy, where cargo put it (CARGO_TARGET_DIR included).
command -v git >/dev/null || die "git not found: pre-commit needs it"
canopy="$(cargo build --locked -p canopy --message-format=json-render-diagnostics 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*\/canopy\)".*/\1/p' | tail -n 1)"
[ -x "$canopy" ] || die "cargo build -p canopy reported no canopy executable"

# 3. The hook, from this repository as it is (try-repo includes uncommitted changes), with its
# own cache so that nothing of the user's pre-commit takes part.
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
hook() {
  PRE_COMMIT_HOME="$home" PATH="$(dirname "$canopy"):$PATH" \
    "$venv/bin/pre-commit" try-repo "$repo" canopy --files "$@" 2>&1
}

broken=fixtures/broken/modules/hosts/gruyere.nix
clean=fixtures/flake-modules/modules/hosts/gouda.nix
[ -f "$broken" ] && [ -f "$clean" ] || die "fixture files missing: $broken, $clean"

status=0
out="$(hook "$broken")" || status=$?
printf '%s\n' "$out"
[ "$status" -eq 1 ] || die "the hook on $broken exited with $status, not 1"
grep -q "$broken:[0-9]*:[0-9]*: error\[undefined-aspect\]" <<<"$out" \
  || die "the hook on $broken did not report its undefined-aspect error"
grep -q '^canopy\.*Failed' <<<"$out" || die "pre-commit did not report the hook as failed on $broken"

status=0
out="$(hook "$clean")" || status=$?
printf '%s\n' "$out"
[ "$status" -eq 0 ] || die "the hook on $clean exited with $status, not 0"
grep -q '^canopy\.*Passed' <<<"$out" || die "pre-commit did not report the hook as passed on $clean"

printf 'tests/pre-commit.sh: 2 passed, 0 failed\n'
