# Two entry points, both starting from a fresh machine:
#   make book   set up, then build the HTML book into _build/html (open _build/html/index.html)
#   make test   set up, then run the full test suite (strict nbval on every chapter + unit tests)
# `make setup` alone creates .venv and installs requirements.txt (and Graphviz, if it can).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup book test execute clean

setup: $(STAMP)

$(STAMP): requirements.txt
	@command -v dot >/dev/null 2>&1 || scripts/install_graphviz.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

book: setup
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "Open $(CURDIR)/_build/html/index.html in a browser."

test: setup
	$(BIN)/python -m pytest

# Re-execute notebooks in place after editing them: make execute [NOTEBOOKS=chapters/03_compile_fit.ipynb]
execute: setup
	$(BIN)/python scripts/execute_notebooks.py $(NOTEBOOKS)

clean:
	rm -rf _build
