# Two entry points, both starting from a fresh machine (Python 3.11+, make, Node.js/npm):
#   make book   set up, then build the HTML book into _build/html (open _build/html/index.html)
#   make test   set up, then run the full test suite: unit tests, strict nbval on every
#               chapter, and the rendered site in a real browser
# Two more stacks, each in its own environment, every chapter under strict nbval (CI runs both):
#   make test-colab   Colab's package versions (tests/colab-stack.txt) on Colab's Python
#               (3.13: python3.13 on PATH or pyenv's; without one it says so and uses $(PYTHON)),
#               in .venv-colab
#   make test-next    the next TensorFlow and Keras releases (tests/next-stack.txt: a release
#               candidate and a dated keras-nightly, the book's other pins), in .venv-next
#   Add NOTEBOOKS=chapters/01_layers.ipynb (one or more) to run only those chapters.
# `make setup` alone creates .venv, installs requirements.txt, and the system programs the
# tests use (Graphviz, Chromium) when it can. The npm packages the site needs are installed
# by scripts/build_book.sh, which both `make book` and the browser tests run.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
COLAB_VENV  := .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed
NEXT_PYTHON ?= $(PYTHON)
NEXT_VENV   ?= .venv-next
NEXT_STAMP  := $(NEXT_VENV)/.installed
NOTEBOOKS_OR_ALL = $(if $(NOTEBOOKS),$(NOTEBOOKS),chapters)

.PHONY: setup book test test-colab test-next execute clean catalogs zh-notebooks

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

# The stack lists are complete (every dependency listed), hence --no-deps: pip installs
# exactly those versions. System programs (Graphviz) come from `make setup`. An environment
# is made again from scratch when its list changes (and .venv-colab when the Python that
# `--which-python` answers is not the one it was made with: its stamp holds that path).
$(COLAB_STAMP): tests/colab-stack.txt
	@scripts/install_system_packages.sh
	rm -rf $(COLAB_VENV)
	python=$$($(PYTHON) scripts/refresh_colab_stack.py --which-python 2>/dev/null) && \
	  "$$python" -m venv $(COLAB_VENV) && \
	  $(COLAB_VENV)/bin/python -m pip install --quiet --no-deps -r tests/colab-stack.txt && \
	  echo "$$python" > $(COLAB_STAMP)

$(NEXT_STAMP): tests/next-stack.txt
	@scripts/install_system_packages.sh
	rm -rf $(NEXT_VENV)
	$(NEXT_PYTHON) -m venv $(NEXT_VENV)
	$(NEXT_VENV)/bin/python -m pip install --quiet --no-deps -r tests/next-stack.txt
	@touch $(NEXT_STAMP)

# Strict nbval on each stack: only the setup cell's version line is sanitized in addition
# (tests/sanitize-colab.cfg, tests/sanitize-next.cfg). Every other difference is resolved
# in the book itself.
test-colab:
	@python=$$($(PYTHON) scripts/refresh_colab_stack.py --which-python) && \
	  { [ "$$(cat $(COLAB_STAMP) 2>/dev/null)" = "$$python" ] || rm -f $(COLAB_STAMP); }
	@$(MAKE) --no-print-directory $(COLAB_STAMP)
	cat tests/sanitize.cfg tests/sanitize-colab.cfg > $(COLAB_VENV)/sanitize.cfg
	PYDEVD_DISABLE_FILE_VALIDATION=1 $(COLAB_VENV)/bin/python -m pytest $(NOTEBOOKS_OR_ALL) \
	  --nbval-sanitize-with=$(COLAB_VENV)/sanitize.cfg

test-next: $(NEXT_STAMP)
	cat tests/sanitize.cfg tests/sanitize-next.cfg > $(NEXT_VENV)/sanitize.cfg
	PYDEVD_DISABLE_FILE_VALIDATION=1 $(NEXT_VENV)/bin/python -m pytest $(NOTEBOOKS_OR_ALL) \
	  --nbval-sanitize-with=$(NEXT_VENV)/sanitize.cfg

# Re-execute notebooks in place after editing them: make execute [NOTEBOOKS=chapters/03_compile_fit.ipynb]
execute: setup
	$(BIN)/python scripts/execute_notebooks.py $(NOTEBOOKS)

clean:
	rm -rf _build _site_assets

# The Chinese edition (README, "The Chinese edition"): update the catalogs from the English
# sources; after translating, check them and write the Chinese notebooks.
catalogs: setup
	$(BIN)/python scripts/i18n.py extract

zh-notebooks: setup
	$(BIN)/python scripts/i18n.py check
	$(BIN)/python scripts/i18n.py notebooks
