#!/usr/bin/env bash
# Build the HTML book into _build/html: a self-contained site that works offline.
#   1. npm ci: the browser libraries the pages need (widget manager, RequireJS, MathJax),
#      pinned by package-lock.json (skipped when node_modules is up to date);
#   2. copy them into _site_assets (scripts/vendor_site_assets.py);
#   3. jupyter-book build . -W: warnings are errors; the committed outputs are shown as they are.
# BOOK_PYTHON is the interpreter whose packages build the book (default .venv/bin/python; the
# browser tests pass the interpreter that runs them, so any environment with requirements.txt works).
set -euo pipefail
cd "$(dirname "$0")/.."
BOOK_PYTHON=${BOOK_PYTHON:-.venv/bin/python}
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: install Node.js (which brings npm) to build the book." >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
"$BOOK_PYTHON" scripts/vendor_site_assets.py
"$BOOK_PYTHON" -c 'import sys; from jupyter_book.cli.main import main; sys.argv[0] = "jupyter-book"; sys.exit(main())' \
  build . -W --keep-going
