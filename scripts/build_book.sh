#!/usr/bin/env bash
# Build the HTML book into _build/html: a self-contained site that works offline.
#   1. npm ci: the browser libraries the pages need (widget manager, RequireJS, MathJax),
#      pinned by package-lock.json (skipped when node_modules is up to date);
#   2. copy them into _site_assets (scripts/vendor_site_assets.py);
#   3. jupyter-book build . -W: warnings are errors; the committed outputs are shown as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: install Node.js (which brings npm) to build the book." >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
"$BIN/python" scripts/vendor_site_assets.py
"$BIN/jupyter-book" build . -W --keep-going
