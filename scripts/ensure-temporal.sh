#!/usr/bin/env bash
# Prints the path of a usable Temporal CLI (dev server + Web UI), providing one if needed:
#   1. $TEMPORAL_BIN if set and executable
#   2. `temporal` on PATH
#   3. .tools/bin/temporal (built earlier by this script; git-ignored)
#   4. build it from the Go module proxy (v1.5.1; later tags carry a `replace` directive that breaks `go install`)
#   5. download the official release where the network allows
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="1.5.1"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin/temporal"

if [[ -n "${TEMPORAL_BIN:-}" && -x "${TEMPORAL_BIN}" ]]; then echo "$TEMPORAL_BIN"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi

mkdir -p "$TOOLS/bin"
if command -v go >/dev/null 2>&1; then
  echo "building Temporal CLI v$VERSION from the Go module proxy (first run only, a few minutes)..." >&2
  start=$(date +%s)
  # Go's own module and build caches make a rebuild in a fresh clone quick; the binary lands in .tools/bin.
  if GOBIN="$TOOLS/bin" go install -ldflags "-X github.com/temporalio/cli/temporalcli.Version=$VERSION" \
     "github.com/temporalio/cli/cmd/temporal@v$VERSION" >&2; then
    echo "built $BIN in $(( $(date +%s) - start ))s" >&2
    echo "$BIN"; exit 0
  fi
  echo "go install failed; trying the release download" >&2
fi

os=$(uname -s | tr '[:upper:]' '[:lower:]'); arch=$(uname -m)
case "$arch" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; esac
url="https://temporal.download/cli/archive/v$VERSION?platform=$os&arch=$arch"
if curl -fsSL --max-time 120 "$url" -o "$TOOLS/temporal.tgz"; then
  tar -xzf "$TOOLS/temporal.tgz" -C "$TOOLS/bin" temporal && rm -f "$TOOLS/temporal.tgz"
  echo "$BIN"; exit 0
fi
echo "cannot provide a Temporal CLI: set TEMPORAL_BIN, put temporal on PATH, install Go, or allow the download" >&2
exit 1
