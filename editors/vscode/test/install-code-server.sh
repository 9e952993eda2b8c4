#!/usr/bin/env bash
# Installs a real VS Code, code-server 4.100.3 (VS Code 1.100, runs on Node 20), into DIR using only
# the npm registry and Debian packages. code-server's own install scripts download ripgrep and
# other binaries, which fails offline, so it is installed without them and their work done here.
# Idempotent: a second run with the same version returns at once.
#   usage: install-code-server.sh DIR        then: DIR/node_modules/.bin/code-server --version
# About 300 MB under DIR: keep it out of git (test/e2e.mjs uses target/code-server).
set -euo pipefail
version=4.100.3
dir=${1:?usage: install-code-server.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ "$(cat "$dir/.installed" 2>/dev/null)" = "$version" ]; then
  exit 0
fi

# Build dependencies of its native modules (kerberos needs gssapi headers) and the ripgrep it
# would have downloaded.
need=()
for p in libkrb5-dev pkg-config ripgrep; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-code-server.sh: missing Debian packages: ${need[*]} (apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

cd "$dir"
[ -f package.json ] || echo '{"private": true}' > package.json
npm install --no-audit --no-fund --ignore-scripts "code-server@$version" >/dev/null
npm_config_yes=true npm_config_nodedir=/usr npm rebuild argon2 >/dev/null

cd node_modules/code-server/lib/vscode
npm install --no-audit --no-fund --omit=dev --ignore-scripts >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm_config_yes=true npm_config_nodedir=/usr npm rebuild >/dev/null
# What code-server's post-install script would have done.
[ -e node_modules.asar ] || ln -s node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --no-audit --no-fund --omit=dev >/dev/null)

echo "$version" > "$dir/.installed"
