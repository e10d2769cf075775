"""The cells that several chapters share, and the metadata that folds cells.

Every notebook must run alone (on Colab, say), so it cannot import helpers from
this repository. The shared code is ordinary Python in bookkit/ (linted, and
imported by the unit tests); a cell whose metadata says {"shared_cell": NAME}
holds a verbatim copy of that module's text. `scripts/execute_notebooks.py`
writes the copies before executing, and tests/test_notebook_hygiene.py fails if
any copy drifts from its module.

A code cell whose first line is `# @title <title>` is folded wherever the
notebook runs: on Colab (a form: `cellView: "form"`), in JupyterLab
(`jupyter.source_hidden`), and in the book (a hide tag, and MyST-NB's
`code_prompt_show`/`code_prompt_hide`, so that the fold bar says what it holds).
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
BOOKKIT = REPO / "bookkit"

SHARED_MODULES = {
    "setup": "setup_cell.py",
    "load-fashion-mnist": "fashion_mnist.py",
    "fashion-mnist-arrays": "fashion_mnist_arrays.py",
    "load-pretrained": "pretrained.py",
    "panel-toolkit": "panel_toolkit.py",
}
SHARED_CELLS = {
    name: (BOOKKIT / file).read_text(encoding="utf-8").rstrip("\n")
    for name, file in SHARED_MODULES.items()
}
SETUP = SHARED_CELLS["setup"]
LOAD_FASHION_MNIST = SHARED_CELLS["load-fashion-mnist"]
FASHION_MNIST_ARRAYS = SHARED_CELLS["fashion-mnist-arrays"]
LOAD_PRETRAINED = SHARED_CELLS["load-pretrained"]
PANEL_TOOLKIT = SHARED_CELLS["panel-toolkit"]

# Tags every shared cell carries: the book shows their output and folds their
# code behind a toggle, since readers meet the same code on every page.
SHARED_CELL_TAGS = ["hide-input"]
HIDE_TAGS = {"hide-input", "hide-cell", "hide-output", "remove-input",
             "remove-cell"}
TITLE = re.compile(r"^#\s*@title\s+([^{\s][^{]*?)\s*(\{.*\})?\s*$")


def cell_title(source: str) -> str | None:
    """The `# @title` of a code cell's first line, or None."""
    first = source.lstrip("\n").split("\n", 1)[0]
    match = TITLE.match(first)
    return match.group(1) if match else None


def fold_metadata(title: str, tags: list[str]) -> dict:
    """The metadata that folds a titled cell on Colab, in JupyterLab and in
    the book. The book's fold bar reads "Show <title>" / "Hide <title>"."""
    wanted_tags = list(tags)
    if not HIDE_TAGS & set(tags):
        default = "hide-cell" if title.startswith("Solution") else "hide-input"
        wanted_tags.append(default)
    safe = title.replace("{", "(").replace("}", ")")  # MyST-NB formats these
    return {
        "cellView": "form",
        "jupyter": {"source_hidden": True},
        "mystnb": {"code_prompt_show": f"Show {safe}",
                   "code_prompt_hide": f"Hide {safe}"},
        "tags": wanted_tags,
    }


def _repository(key: str) -> str:
    """A key of _config.yml's `repository:` block, the one place it lives."""
    config = (REPO / "_config.yml").read_text(encoding="utf-8")
    block = re.search(r"^repository:\s*\n((?:[ \t]+.*\n?)+)", config, re.M)
    found = block and re.search(rf"^\s+{key}:\s*(\S+)", block.group(1), re.M)
    if not found:
        raise SystemExit(f"_config.yml's repository block has no {key}")
    return found.group(1).strip("\"'")


def repository_url() -> str:
    return _repository("url").rstrip("/")


def launch_links(relative_path: str) -> str:
    """The markdown line under a chapter's title: Colab, download, source."""
    url, branch = repository_url(), _repository("branch")
    owner_repo = url.split("github.com/", 1)[1]
    path = quote(relative_path)
    colab = ("https://colab.research.google.com/github/"
             f"{owner_repo}/blob/{branch}/{path}")
    raw = f"https://raw.githubusercontent.com/{owner_repo}/{branch}/{path}"
    source = f"{url}/blob/{branch}/{path}"
    return (f"[Run in Colab]({colab}) · [Download notebook]({raw}) · "
            f"[View source]({source})")
