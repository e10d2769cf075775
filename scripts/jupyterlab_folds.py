"""Open every chapter fresh in a real JupyterLab, in Chromium: is what should be
folded folded?

    python scripts/jupyterlab_folds.py                 # every chapter
    python scripts/jupyterlab_folds.py chapters/03_*.ipynb
    python scripts/jupyterlab_folds.py --lab-venv DIR  # keep JupyterLab's venv

A reader who opens a chapter in JupyterLab should see the lesson, not the
setup code, the panel toolkit or the answers to the exercises. Every cell whose
first line is `# @title ...` (setup, data, toolkit, checks, solutions) carries
`jupyter.source_hidden` for that. This script starts the JupyterLab pinned in
scripts/live_lab.py (its own throwaway venv, a temporary home, 127.0.0.1, a
token), opens each chapter untrusted with no cell run, and asks
JupyterLab, cell by cell, whether the input is collapsed and whether its
source can be seen on the page. It prints a line per chapter and exits 1 if a
titled cell shows its source, or if an untitled cell is collapsed (the reader
could not tell what it holds). The server, its kernels and the temporary
folder are removed however it ends.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import live_lab  # noqa: E402
from shared_cells import cell_title  # noqa: E402

CELLS = """name => {
  const panel = (%s)(name);
  return panel.content.widgets.filter(c => c.model.type === 'code').map(c => {
    const area = c.node.querySelector('.jp-Cell-inputArea');
    const editor = area && area.querySelector('.cm-content');
    const seen = !!(area && area.offsetParent !== null && editor
                    && editor.getBoundingClientRect().height > 0);
    return {collapsed: c.inputHidden === true, seen: seen,
            first: c.model.sharedModel.getSource().split('\\n')[0]};
  });
}""" % live_lab.FIND_PANEL


def check(cells: list[dict]) -> list[str]:
    """What a reader would wrongly see (or not see) in these cells."""
    problems = []
    for number, cell in enumerate(cells, 1):
        titled = cell_title(cell["first"]) is not None
        if titled and (cell["seen"] or not cell["collapsed"]):
            problems.append(f"code cell {number} ({cell['first'][:50]}) "
                            "shows its source")
        if not titled and cell["collapsed"]:
            problems.append(f"code cell {number} is collapsed without a title")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--lab-venv", type=Path,
                        help="make JupyterLab's venv here and keep it")
    args = parser.parse_args()
    paths = args.notebooks or sorted((REPO / "chapters").glob("*.ipynb"))
    started = time.monotonic()
    failures = 0
    with live_lab.session("lab-folds-", args.lab_venv, paths) as lab:
        for path in paths:
            lab.browser.open(path.name)
            cells = lab.browser.page.evaluate(CELLS, path.name)
            titled = sum(cell_title(c["first"]) is not None for c in cells)
            folded = sum(c["collapsed"] and not c["seen"] for c in cells)
            problems = check(cells)
            failures += bool(problems)
            said = "" if not problems else ": " + "; ".join(problems)
            live_lab.log(f"{path.name}: {len(cells)} code cells, {titled} "
                         f"titled, {folded} folded{said}")
    live_lab.log(f"{len(paths)} notebooks, {failures} with problems, in "
                 f"{time.monotonic() - started:.0f} s")
    print(json.dumps({"notebooks": len(paths), "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
