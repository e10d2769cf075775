# Two entry points, both starting from a fresh machine (Python 3.11+, make, Node.js/npm):
#   make book   set up, then build the HTML book into _build/html (open _build/html/index.html)
#   make test   set up, then run the full test suite: unit tests, strict nbval on every
#               chapter, and the rendered site in a real browser
#   make test-colab   every chapter under strict nbval on Colab's package versions
#               (tests/colab-stack.txt, in a second environment .venv-colab); CI runs it too
# `make setup` alone creates .venv, installs requirements.txt, and the system programs the
# tests use (Graphviz, Chromium) when it can. The npm packages the site needs are installed
# by scripts/build_book.sh, which both `make book` and the browser tests run.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
COLAB_VENV  := .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed

.PHONY: setup book test test-colab execute clean

setup: $(STAMP)

$(STAMP): requirements.txt
	@scripts/install_system_packages.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

book: setup
	BOOK_PYTHON=$(BIN)/python scripts/build_book.sh
	@echo "Open $(CURDIR)/_build/html/index.html in a browser (or serve _build/html with any web server)."

test: setup
	$(BIN)/python -m pytest

# The pinned list is complete (every dependency listed), hence --no-deps: pip installs
# exactly Colab's versions. System programs (Graphviz) come from `make setup`.
$(COLAB_STAMP): tests/colab-stack.txt
	@scripts/install_system_packages.sh
	rm -rf $(COLAB_VENV)
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --no-deps -r tests/colab-stack.txt
	@touch $(COLAB_STAMP)

# Strict nbval as on Colab: only the setup cell's version line is sanitized in addition.
test-colab: $(COLAB_STAMP)
	cat tests/sanitize.cfg tests/sanitize-colab.cfg > $(COLAB_VENV)/sanitize.cfg
	PYDEVD_DISABLE_FILE_VALIDATION=1 $(COLAB_VENV)/bin/python -m pytest chapters \
	  --nbval-sanitize-with=$(COLAB_VENV)/sanitize.cfg

# Re-execute notebooks in place after editing them: make execute [NOTEBOOKS=chapters/03_compile_fit.ipynb]
execute: setup
	$(BIN)/python scripts/execute_notebooks.py $(NOTEBOOKS)

clean:
	rm -rf _build _site_assets
