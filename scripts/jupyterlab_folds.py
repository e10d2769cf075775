"""Open every chapter fresh in a real JupyterLab, in Chromium: is what should be
folded folded?

    python scripts/jupyterlab_folds.py                 # every chapter
    python scripts/jupyterlab_folds.py chapters/03_*.ipynb
    python scripts/jupyterlab_folds.py --lab-venv DIR  # keep JupyterLab's venv

A reader who opens a chapter in JupyterLab should see the lesson, not the
setup code, the panel toolkit or the answers to the exercises. Every cell whose
first line is `# @title ...` (setup, data, toolkit, checks, solutions) carries
`jupyter.source_hidden` for that. This script starts the JupyterLab pinned in
scripts/panel_states_screenshot.py (its own throwaway venv, a temporary home,
127.0.0.1, a token), opens each chapter untrusted with no cell run, and asks
JupyterLab, cell by cell, whether the input is collapsed and whether its
source can be seen on the page. It prints a line per chapter and exits 1 if a
titled cell shows its source, or if an untitled cell is collapsed (the reader
could not tell what it holds). The server, its kernels and the temporary
folder are removed however it ends.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import panel_states_screenshot as lab_tools  # noqa: E402
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
}""" % lab_tools.FIND_PANEL


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
    workdir = Path(tempfile.mkdtemp(prefix="lab-folds-"))
    lab = browser = None
    failures = 0
    try:
        env = lab_tools.jupyter_env(workdir)
        venv = (args.lab_venv.resolve() if args.lab_venv
                else workdir / "lab-venv")
        jupyter = lab_tools.ensure_lab(venv, dict(os.environ))
        found = lab_tools.versions(venv)
        lab_tools.log("versions: " + ", ".join(
            f"{name} {version}" for name, version in found.items()))
        lab_tools.register_kernel(env)
        lab_tools.quiet_lab(env)
        root = workdir / "notebooks"
        root.mkdir()
        for path in paths:
            shutil.copy2(path, root / path.name)
        lab = lab_tools.Lab(jupyter, root, env)
        browser = lab_tools.Browser(lab, 0, env)
        for path in paths:
            browser.open(path.name)
            cells = browser.page.evaluate(CELLS, path.name)
            titled = sum(cell_title(c["first"]) is not None for c in cells)
            folded = sum(c["collapsed"] and not c["seen"] for c in cells)
            problems = check(cells)
            failures += bool(problems)
            said = "" if not problems else ": " + "; ".join(problems)
            lab_tools.log(f"{path.name}: {len(cells)} code cells, {titled} "
                          f"titled, {folded} folded{said}")
    finally:
        try:
            if browser is not None:
                browser.close()
        finally:
            if lab is not None:
                lab.stop()
            lab_tools.end_leftover_kernels(workdir)
            shutil.rmtree(workdir, ignore_errors=True)
    lab_tools.log(f"{len(paths)} notebooks, {failures} with problems, in "
                  f"{time.monotonic() - started:.0f} s")
    print(json.dumps({"notebooks": len(paths), "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
