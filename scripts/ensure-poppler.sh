#!/usr/bin/env bash
# The document tests read the PDFs back with poppler (pdftotext: the Arabic text in logical order; pdftoppm: a
# rendered page kept as a test artefact). Installs Debian's poppler-utils when missing (CI runs as root).
set -euo pipefail
if command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null; then exit 0; fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
apt_install poppler-utils 'pdftotext, pdftoppm'
