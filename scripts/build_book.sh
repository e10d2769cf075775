#!/usr/bin/env bash
# Build the HTML book into _build/html: a self-contained site that works offline.
#   1. npm ci: the browser libraries the pages need (widget manager, RequireJS, MathJax),
#      pinned by package-lock.json (skipped when node_modules is up to date);
#   2. copy them into _site_assets (scripts/vendor_site_assets.py);
#   3. jupyter-book build . -W: warnings are errors; the committed outputs are shown as they are;
#   4. the Chinese edition from the same sources and locales/zh_CN (scripts/i18n.py), also
#      with -W, into _build/html/zh_CN: each page's language switch goes to its twin.
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
jupyter_book() {
  "$BOOK_PYTHON" -c 'import sys; from jupyter_book.cli.main import main; sys.argv[0] = "jupyter-book"; sys.exit(main())' "$@"
}
started=$SECONDS
jupyter_book build . -W --keep-going
echo "English site built in $((SECONDS - started)) s"
started=$SECONDS
# The Chinese site: its own configuration, table of contents and search dictionary
# (written from _config.yml, _toc.yml, the catalogs and the glossary), its own
# Sphinx environment (_build/zh_CN), then copied beside the English pages.
"$BOOK_PYTHON" scripts/i18n.py build-files _build/zh_CN
jupyter_book build . -W --keep-going --config _build/zh_CN/_config.yml \
  --toc _build/zh_CN/_toc.yml --path-output _build/zh_CN
rm -rf _build/html/zh_CN
cp -r _build/zh_CN/_build/html _build/html/zh_CN
echo "Chinese site built in $((SECONDS - started)) s (_build/html/zh_CN)"
