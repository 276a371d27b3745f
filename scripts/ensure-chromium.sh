#!/usr/bin/env bash
# The console's browser test (test/console.test.ts) drives Debian's Chromium with playwright-core. Installs it when
# missing (CI runs as root); prints the binary's path.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
  apt_install chromium 'the browser of the console test'
fi
command -v chromium
