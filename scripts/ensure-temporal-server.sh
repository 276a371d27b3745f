#!/usr/bin/env bash
# Prints the folder holding the production Temporal server, providing it if needed (TEMPORAL_ENGINE=server):
#   <dir>/bin/server   go.temporal.io/server/cmd/server
#   <dir>/bin/sql      go.temporal.io/server/cmd/tools/sql (creates and migrates its databases)
#   <dir>/schema/      the PostgreSQL schema shipped in the same module (postgresql/v12/{temporal,visibility})
# <dir> is .tools/temporal-server-<version> (git-ignored). The first run builds both from the Go module proxy
# (about 9 minutes on 2 busy cores; later clones reuse Go's build cache and are much quicker).
# v1.29.x: later minor versions need a newer Go than the 1.26.8 these machines have.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="1.29.1"
DIR="$ROOT/.tools/temporal-server-$VERSION"

ready() { [[ -x "$DIR/bin/server" && -x "$DIR/bin/sql" && -d "$DIR/schema/postgresql/v12/temporal/versioned" ]]; }
if ready; then echo "$DIR"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "cannot provide the Temporal server v$VERSION: Go is not installed (https://go.dev/dl/), or use TEMPORAL_ENGINE=dev" >&2
  exit 1
fi
mkdir -p "$DIR/bin"
# Tests, the bench and `npm start` may ask at the same time: one build, the others wait for it.
exec 9>"$DIR.lock"
flock 9
if ready; then echo "$DIR"; exit 0; fi

echo "building the Temporal server v$VERSION from the Go module proxy (first run only, several minutes)..." >&2
start=$(date +%s)
GOBIN="$DIR/bin" go install \
  "go.temporal.io/server/cmd/server@v$VERSION" "go.temporal.io/server/cmd/tools/sql@v$VERSION" >&2
module="$(go env GOMODCACHE)/go.temporal.io/server@v$VERSION"
rm -rf "$DIR/schema" && mkdir -p "$DIR/schema"
cp -R "$module/schema/postgresql" "$DIR/schema/"
chmod -R u+w "$DIR/schema" # the module cache is read-only
echo "built the Temporal server v$VERSION in $(( $(date +%s) - start ))s" >&2
echo "$DIR"
