"""What a learner reads past, measured per chapter: the lesson-first figures.

    python scripts/lesson_metrics.py                      # all chapters
    python scripts/lesson_metrics.py chapters/03_*.ipynb  # a few
    python scripts/lesson_metrics.py --json               # machine-readable
    python scripts/lesson_metrics.py --rendered           # + the built pages

From the notebooks alone: visible cells and code lines, visible asserts (in the
book, and again where the notebook runs, since Colab and JupyterLab ignore the
book's hide tags), all asserts, code lines over 80 characters, nbval markers
left in code, prose lines (outside dropdowns and footnote definitions), source
paths inline in prose, sentences about the test suite, shared cells and
solutions left unfolded on Colab/JupyterLab, cells over 30 lines left open
there, saved panels showing an error, prose lines per visible code line.

--rendered measures the built site (_build/html, or --site DIR; build it with
`make book` first) in headless Chromium: the page's height in screens at
1280x800, the code and output blocks that scroll sideways at 1280 px, and how
wide the page is on a 390-px phone screen.

LIMITS holds the aims; tests/test_notebook_hygiene.py and
tests/test_site_in_browser.py hold every chapter to them.
"""
from __future__ import annotations

import argparse
import glob
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HIDDEN_TAGS = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
SOURCE_PATH = re.compile(
    r"\b(?:keras|tensorflow|tf_keras|jax|jaxlib|tensorboard|ipywidgets)/"
    r"[\w./-]*\.py\b")
TEST_TALK = re.compile(
    r"tests/|\bnbval\b|when this page is built|built and tested|"
    r"the test suite", re.I)
ASSERT = re.compile(r"^\s*assert\b", re.M)

# The aims (issue #22): per chapter unless the name says "book".
LIMITS = {
    "src_paths_inline": 0,
    "long_lines": 0,
    "nbval_markers": 0,
    "test_talk": 0,
    "unfolded_plumbing": 0,
    "unfolded_answers": 0,
    "panel_error_states": 0,
    "open_long_cells": 0,
    "book_visible_asserts": 36,  # in the whole book
    "book_open_asserts": 36,     # in the whole book, where the notebook runs
    "min_prose_per_code": 1.0,
    "screens": 18,               # rendered, at 1280x800
    "sideways_blocks": 0,        # rendered, at 1280 px
    "phone_overflow_px": 0,      # rendered, at 390 px
}


def _source(cell) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def folded_where_run(cell) -> bool:
    """Folded on Colab (a form) and in JupyterLab (source hidden)."""
    metadata = cell.get("metadata", {})
    colab = metadata.get("cellView") == "form"  # a title alone shows the code
    lab = metadata.get("jupyter", {}).get("source_hidden") is True
    return colab and lab


def prose_outside_folds(text: str) -> list[str]:
    """Markdown lines outside dropdown directives and footnote definitions."""
    lines, stack = [], []  # stack: [fence, is_dropdown] of open directives
    for line in text.split("\n"):
        stripped = line.strip()
        fence = re.match(r"^(`{3,}|:{3,})\s*(\{[\w-]+\})?(.*)$", stripped)
        if fence and fence.group(2):  # a directive opens
            stack.append([fence.group(1),
                          "dropdown" in fence.group(2) + fence.group(3)])
            continue
        if (fence and stack and not fence.group(3)
                and fence.group(1)[0] == stack[-1][0][0]
                and len(fence.group(1)) >= len(stack[-1][0])):
            stack.pop()  # a directive closes
            continue
        if stack and stripped.startswith(":class:") and "dropdown" in stripped:
            stack[-1][1] = True
            continue
        if any(dropdown for _, dropdown in stack):
            continue
        if re.match(r"^\[\^[^\]]+\]:", stripped):
            continue
        lines.append(line)
    return lines


def measure(path: Path) -> dict:
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    row = dict(visible_cells=0, visible_code_lines=0, visible_asserts=0,
               open_asserts=0, all_asserts=0, long_lines=0, nbval_markers=0,
               prose_lines=0, src_paths_inline=0, test_talk=0,
               unfolded_plumbing=0, unfolded_answers=0, open_long_cells=0,
               panel_error_states=0)
    for cell in notebook["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            lines = prose_outside_folds(text)
            row["prose_lines"] += sum(1 for line in lines if line.strip())
            row["src_paths_inline"] += sum(
                len(SOURCE_PATH.findall(line)) for line in lines)
            row["test_talk"] += sum(
                1 for line in lines if TEST_TALK.search(line))
            continue
        if cell["cell_type"] != "code":
            continue
        tags = set(cell["metadata"].get("tags", []))
        shared = cell["metadata"].get("shared_cell")
        asserts = len(ASSERT.findall(text))
        row["all_asserts"] += asserts
        row["long_lines"] += sum(
            1 for line in text.split("\n") if len(line) > 80)
        folded = folded_where_run(cell)
        if not folded:  # what Colab and JupyterLab show, whatever the tags
            row["open_asserts"] += asserts
            row["open_long_cells"] += text.count("\n") + 1 > 30
            if shared:
                row["unfolded_plumbing"] += 1
            elif "hide-cell" in tags:
                row["unfolded_answers"] += 1
        if shared or tags & HIDDEN_TAGS:
            continue
        lines = text.split("\n")
        row["visible_cells"] += 1
        row["visible_code_lines"] += len(lines)
        row["visible_asserts"] += asserts
        row["nbval_markers"] += sum(1 for line in lines if "NBVAL_" in line)
    state = json.dumps(notebook.get("metadata", {}).get("widgets", {}))
    row["panel_error_states"] = len(re.findall(
        r"Not run:|Not redrawn:|\\u26a0|must be a number|"
        r"outside the allowed range", state))
    row["prose_per_code"] = round(
        row["prose_lines"] / max(1, row["visible_code_lines"]), 2)
    return row


def chapter_paths(arguments: list[str]) -> list[Path]:
    found = [Path(p) for p in arguments] or [
        Path(p) for p in sorted(glob.glob(str(REPO / "chapters" / "*.ipynb")))]
    return found


def totals(rows: dict) -> dict:
    first = next(iter(rows.values()))
    total = {key: sum(row[key] for row in rows.values()) for key in first
             if key != "prose_per_code" and isinstance(first[key], int)}
    total["prose_per_code"] = round(
        total["prose_lines"] / max(1, total["visible_code_lines"]), 2)
    return total


# --- the rendered pages -----------------------------------------------------

MEASURE_PAGE = """() => {
  const sideways = [], seen = new Set();
  const blocks = document.querySelectorAll(
    'article pre, article .cell_output, article table, article .output');
  for (const el of blocks) {
    if (el.offsetParent === null || !el.getClientRects().length
        || !(el.innerText || '').trim()) continue;  // folded: not on screen
    if (el.scrollWidth > el.clientWidth + 1) {
      const box = el.closest('.cell') || el;         // one entry per cell
      if (seen.has(box)) continue;
      seen.add(box);
      sideways.push((box.innerText || '').trim().slice(0, 60));
    }
  }
  return {height: document.documentElement.scrollHeight,
          sideways: sideways};
}"""


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_views(path: Path) -> int:
    """How many widget views (panels) a notebook's outputs show."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return sum(WIDGET_VIEW in output.get("data", {})
               for cell in notebook["cells"]
               for output in cell.get("outputs", []))


def measure_rendered(pages: dict[str, int], site: Path) -> dict:
    """Screens at 1280x800, sideways blocks at 1280 px, overflow at 390 px.
    pages: {page path without .html: widget views to wait for}."""
    import functools
    import http.server
    import shutil
    import threading

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("--rendered needs Chromium (apt-get install chromium)")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu"])
            desktop = browser.new_page(viewport={"width": 1280, "height": 800})
            phone = browser.new_page(viewport={"width": 390, "height": 844},
                                     is_mobile=True, device_scale_factor=2)
            for page, views in pages.items():
                url = f"http://127.0.0.1:{server.server_port}/{page}.html"
                desktop.goto(url, wait_until="networkidle")
                if views:  # measured once the saved panels are drawn
                    desktop.wait_for_function(
                        "n => document.querySelectorAll("
                        "'.cell_output .jupyter-widgets.widget-vbox')"
                        ".length >= n",
                        arg=views, timeout=30_000)
                desktop.wait_for_timeout(500)
                found = desktop.evaluate(MEASURE_PAGE)
                phone.goto(url, wait_until="load")
                phone.wait_for_timeout(300)
                width = phone.evaluate(
                    "() => document.documentElement.scrollWidth")
                results[page] = {
                    "screens": round(found["height"] / 800, 1),
                    "sideways_blocks": len(found["sideways"]),
                    "sideways_examples": found["sideways"][:3],
                    "phone_overflow_px": max(0, width - 390),
                }
            browser.close()
    finally:
        server.shutdown()
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rendered", action="store_true",
                        help="also measure the built pages in Chromium")
    parser.add_argument("--site", type=Path, default=REPO / "_build" / "html")
    args = parser.parse_args(argv)
    paths = chapter_paths(args.notebooks)
    rows = {path.stem: measure(path) for path in paths}
    if args.rendered:
        if not (args.site / "index.html").exists():
            raise SystemExit(f"no built site in {args.site}: run `make book`")
        pages = {path.stem: f"{path.parent.name}/{path.stem}" for path in paths}
        rendered = measure_rendered(
            {page: widget_views(path)
             for path, page in zip(paths, pages.values())},
            args.site)
        for stem, page in pages.items():
            rows[stem].update(rendered[page])
    total = totals(rows)
    if args.json:
        print(json.dumps({"chapters": rows, "total": total}, indent=1))
        return 0
    short = {"visible_cells": "cells", "visible_code_lines": "code",
             "visible_asserts": "vis.asrt", "open_asserts": "open.asrt",
             "all_asserts": "all.asrt", "long_lines": ">80ch",
             "nbval_markers": "NBVAL", "prose_lines": "prose",
             "src_paths_inline": "srcpath", "test_talk": "testtalk",
             "unfolded_plumbing": "open.plmb", "unfolded_answers": "open.answ",
             "open_long_cells": "open.long", "panel_error_states": "panel.err",
             "prose_per_code": "prose/code", "screens": "screens",
             "sideways_blocks": "sideways", "phone_overflow_px": "phone+px"}
    keys = [key for key in short if key in total or
            (args.rendered and key in next(iter(rows.values())))]
    print("chapter".ljust(28) + "".join(f"{short[k]:>11}" for k in keys))
    for stem, row in rows.items():
        print(stem[:27].ljust(28)
              + "".join(f"{row.get(k, ''):>11}" for k in keys))
    print("all".ljust(28)
          + "".join(f"{total.get(k, ''):>11}" for k in keys))
    if args.rendered:
        for stem, row in rows.items():
            for example in row.get("sideways_examples", []):
                print(f"  {stem}: scrolls sideways: {example!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
