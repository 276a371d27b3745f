#!/usr/bin/env bash
# The document tests read the PDFs back with poppler (pdftotext: the Arabic text in logical order; pdftoppm: a
# rendered page kept as a test artefact). Installs Debian's poppler-utils when missing (CI runs as root).
set -euo pipefail
if command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null; then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "poppler-utils (pdftotext, pdftoppm) is missing: install it (apt-get install -y poppler-utils)" >&2
  exit 1
fi
echo "installing poppler-utils..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends poppler-utils >&2
