#!/usr/bin/env bash
# Runs editors/emacs/test.el: canopy's language server driven by eglot in a real Emacs, against
# the canopy binary built from this repository. Any failed check fails the run; a missing Emacs,
# eglot or canopy is a failure too, not a skip.
#
# Needs Emacs 28+ with eglot (on Debian 12: apt-get install emacs-nox elpa-eglot), git (the test
# makes its fixture copies git repositories, as a user's flake is) and cargo.
#
# Environment: EMACS (the Emacs to run, default `emacs`), CANOPY_BIN (a canopy binary to test
# instead of building target/debug/canopy), EMACS_TEST_TIMEOUT (seconds, default 120).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

die() { printf 'editors/emacs/test.sh: %s\n' "$*" >&2; exit 1; }

emacs="${EMACS:-emacs}"
command -v "$emacs" >/dev/null || die "no Emacs ($emacs) on the PATH (on Debian: apt-get install emacs-nox elpa-eglot)"
command -v git >/dev/null || die "git not found"

if [ -z "${CANOPY_BIN:-}" ]; then
  printf '==> cargo build -p canopy\n' >&2
  cargo build --quiet --locked -p canopy || die "cargo build -p canopy failed"
  CANOPY_BIN="$repo/target/debug/canopy"
fi
[ -x "$CANOPY_BIN" ] || die "CANOPY_BIN=$CANOPY_BIN is not executable"

# The test starts `canopy` by name, as the documented configuration does: put the binary under
# test first on the PATH, under that name.
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
ln -s "$(cd "$(dirname "$CANOPY_BIN")" && pwd)/$(basename "$CANOPY_BIN")" "$bin/canopy"

# A home of its own, so that the user's init files, packages and eglot settings take no part.
# `-q', not `-Q': `-Q' would also skip site-lisp, where Debian's elpa-eglot is.
printf '==> emacs --batch -q -l editors/emacs/test.el\n' >&2
HOME="$bin" PATH="$bin:$PATH" timeout "${EMACS_TEST_TIMEOUT:-120}" \
  "$emacs" --batch -q -l "$here/test.el" </dev/null \
  || die "FAILED (exit status $?)"
