"""Re-execute chapter notebooks in place: a fresh kernel, top to bottom, widget state stored.

    python scripts/execute_notebooks.py                  # every notebook in chapters/
    python scripts/execute_notebooks.py chapters/03_*.ipynb

Before executing, the shared cells (bookkit/, see scripts/shared_cells.py) are
refreshed, every `# @title` cell gets the metadata that folds it on Colab, in
JupyterLab and in the book, and the chapter's launch links are (re)written.
The kernel runs with the same KERAS_HOME the tests use: a checked copy of the
pre-filled cache when ../shared/data/keras exists, otherwise your own cache
(~/.keras, downloading as usual). Outputs are what `pytest` later compares,
so run this after every edit and commit the result.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "data"))
sys.path.insert(0, str(REPO / "scripts"))
import check_data  # noqa: E402
from shared_cells import (  # noqa: E402
    SHARED_CELL_TAGS,
    SHARED_CELLS,
    cell_title,
    fold_metadata,
    launch_links,
)


def sync_shared_cells(notebook) -> int:
    """Overwrite every cell tagged with metadata shared_cell=NAME by its module."""
    changed = 0
    for cell in notebook.cells:
        name = cell.get("metadata", {}).get("shared_cell")
        if name is None:
            continue
        if name not in SHARED_CELLS:
            raise SystemExit(f"unknown shared_cell {name!r}; known: {sorted(SHARED_CELLS)}")
        tags = cell.metadata.get("tags", [])
        wanted_tags = tags + [tag for tag in SHARED_CELL_TAGS if tag not in tags]
        if cell.source != SHARED_CELLS[name] or tags != wanted_tags:
            cell.source, cell.metadata["tags"] = SHARED_CELLS[name], wanted_tags
            changed += 1
    return changed


def fold_titled_cells(notebook) -> int:
    """Give every `# @title` code cell the metadata that folds it everywhere."""
    changed = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        title = cell_title(cell.source)
        if title is None:  # no title, no fold: the reader could not tell what it holds
            cell.metadata.pop("cellView", None)
            cell.metadata.get("jupyter", {}).pop("source_hidden", None)
            for key in ("code_prompt_show", "code_prompt_hide"):
                cell.metadata.get("mystnb", {}).pop(key, None)
            for key in ("jupyter", "mystnb"):
                if cell.metadata.get(key) == {}:
                    del cell.metadata[key]
            continue
        wanted = fold_metadata(title, cell.metadata.get("tags", []))
        for key, value in wanted.items():
            if isinstance(value, dict):  # keep other keys (outputs_hidden, ...)
                value = {**cell.metadata.get(key, {}), **value}
            if cell.metadata.get(key) != value:
                cell.metadata[key] = value
                changed += 1
    return changed


def add_launch_links(notebook, path: Path) -> None:
    """Under the chapter's title: Run in Colab, Download notebook, View source.

    The title gets a markdown cell of its own, the links the next one (marked
    with metadata launch_links), so that they stand right under the heading.
    """
    resolved = path.resolve()
    relative = (resolved.relative_to(REPO).as_posix() if REPO in resolved.parents
                else f"chapters/{path.name}")
    links = launch_links(relative)
    cells = notebook.cells
    for index, cell in enumerate(cells):
        if cell.get("metadata", {}).get("launch_links"):
            cell.source = links
            return
    first = cells[0]
    if first.cell_type != "markdown" or not first.source.startswith("# "):
        raise SystemExit(f"{path.name}: the first cell must be the '# Title' markdown")
    heading, _, rest = first.source.partition("\n")
    if rest.strip():
        first.source = heading
        cells.insert(1, nbformat.v4.new_markdown_cell(rest.strip("\n"), id="chapter-intro"))
    cells.insert(1, nbformat.v4.new_markdown_cell(
        links, id="launch-links", metadata={"launch_links": True}))


def execute(path: Path, timeout: int) -> float:
    notebook = nbformat.read(path, as_version=4)
    sync_shared_cells(notebook)
    fold_titled_cells(notebook)
    add_launch_links(notebook, path)
    # start clean, so nothing stale survives a failed run: no outputs, and no
    # widget state (a notebook split from one with a panel would keep its models)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=timeout,
        store_widget_state=True,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},  # same working folder as nbval
    )
    started = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - started
    notebook.metadata.pop("papermill", None)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return elapsed


def write_chinese_twin(path: Path) -> None:
    """Give the Chinese notebook (zh_CN/chapters) the code and outputs just made."""
    sys.path.insert(0, str(REPO / "scripts"))
    import i18n  # noqa: PLC0415
    from i18n_notebooks import translate_notebook  # noqa: PLC0415

    catalog = i18n.PO_DIR / "chapters" / (path.stem + ".po")
    if path.parent != REPO / "chapters" or not catalog.exists():
        return
    try:
        text, english_left = translate_notebook(path, catalog)
    except ValueError as error:  # the English prose changed since the catalog
        print(f"  Chinese notebook not updated: {error}\n  run `make catalogs`, "
              "translate, then `make zh-notebooks` (README, 'The Chinese edition')")
        return
    (REPO / i18n.LANG / "chapters" / path.name).write_text(text, encoding="utf-8")
    if english_left:  # new or changed paragraphs the catalog lacks
        print(f"  Chinese notebook still has {len(english_left)} English "
              "paragraph(s): run `make catalogs`, translate, `make zh-notebooks`")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: chapters/*.ipynb")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args()
    paths = args.notebooks or sorted((REPO / "chapters").glob("*.ipynb"))

    source = check_data.default_source()
    with tempfile.TemporaryDirectory(prefix="keras-home-") as scratch:
        if source is not None:
            os.environ["KERAS_HOME"] = str(check_data.prepare_cache(source, Path(scratch)))
            print(f"KERAS_HOME: a checked copy of {source}")
        else:
            print(f"KERAS_HOME: {check_data.default_keras_home()} (Keras downloads what is missing)")
        for path in paths:
            shown = path.resolve().relative_to(REPO) if REPO in path.resolve().parents else path
            print(f"executing {shown} ...", flush=True)
            print(f"  done in {execute(path.resolve(), args.timeout):.0f} s", flush=True)
            write_chinese_twin(path.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
