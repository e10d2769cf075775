"""How a saved panel looks in JupyterLab, photographed from a real server by a real browser.

    python scripts/panel_states_screenshot.py                # -> images/panel-states.png
    python scripts/panel_states_screenshot.py --lab-venv DIR # keep JupyterLab's venv in DIR
    python scripts/panel_states_screenshot.py --no-run       # only (a) and (b): nothing runs

Run it with the book's .venv (its Python is the notebook's kernel). It needs the package
index once (for JupyterLab's venv) and Debian's `chromium` (scripts/install_system_packages.sh).

1. starts the JupyterLab of scripts/live_lab.py (4.6.6 in a throwaway virtual environment,
   pinned there as LAB_PACKAGES, with the book's ipywidgets 8.1.9, which pins
   jupyterlab_widgets 3.0.17, and ipykernel 7.4.0; with --lab-venv DIR it is made there once
   and reused);
2. copies one chapter with a panel (chapter 7: its panel is small and the chapter quick) into a
   temporary folder, and starts `jupyter lab` on 127.0.0.1 (a free port, a token, no browser)
   with every Jupyter folder (config, data with the trust database, runtime, settings,
   workspaces, HOME, IPYTHONDIR) inside that temporary folder. The notebook runs on the book's
   own Python (this script's interpreter: the pinned TensorFlow and Keras), registered as the
   kernel `python3` for this server only, with the Keras cache the tests use (or ~/.keras).
   Two JupyterLab settings keep the picture steady: no news prompt, and every cell laid out
   at once (windowing "none"); neither changes what an output shows;
3. opens the notebook in headless Chromium through Playwright, scrolls to the panel and
   photographs its output in four states:
   (a) as a reader who cloned the repository first sees it (this server has never seen the
       notebook, so it is not trusted);
   (c) after Run > Run All Cells in (a) (skipped, with (d), by --no-run): the live panel;
   (d) after (c), saved, closed with its kernel shut down, and opened again;
   (b) an untouched copy of the committed file after `jupyter trust` (the only change: its
       signature in the trust database), opened with a fresh kernel;
   and logs what it found in each: the kind of output, how many outputs JupyterLab
   trusted, whether moving the slider one step recomputed anything, whether the saved file
   holds the state of the model its output names, and the browser console's errors;
4. puts the photographs under one another in the order (a) to (d), each under a caption
   made from what was found, into images/panel-states.png (a 64-colour PNG).
The server, its kernels and the temporary folder are removed however it ends; nothing is
written to the home folder. Re-run it when ipywidgets or the pinned JupyterLab change, check
the states it prints against how_to_use.md ("What a panel looks like before you run it"), and
commit the picture.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import live_lab  # noqa: E402
from live_lab import FIND_PANEL, LAB_PACKAGES, log  # noqa: E402,F401  (LAB_PACKAGES: the tests)

IMAGE = REPO / "images" / "panel-states.png"
CHAPTER = REPO / "chapters" / "07_metrics.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# -- what a photograph shows ------------------------------------------------------------------

TRUST = """name => {
  const cells = (%s)(name).content.widgets.filter(
      cell => cell.model.type === 'code' && cell.model.outputs.length > 0);
  return {trusted: cells.filter(cell => cell.model.trusted).length, with_outputs: cells.length};
}""" % FIND_PANEL

DESCRIBE_OUTPUT = """element => {
  const text = element.innerText.trim();
  const error = text.match(/Error displaying widget[^\\n]*/);
  if (error) return {kind: 'error', text: error[0]};
  if (element.querySelector('.widget-vbox, .widget-box, .widget-slider'))
    return {kind: 'widget', text: text.split('\\n').slice(0, 3).join(' | '),
            // jupyterlab_widgets marks a view whose model has no kernel behind it (comm_live
            // false) with this class, drawn as a broken-link icon
            disconnected: element.querySelectorAll('.jupyter-widgets-disconnected').length};
  return {kind: 'text', text: text};
}"""

def describe(state: dict, nudged: dict | None = None) -> str:
    """What the photograph shows, in words, from what was found in the output."""
    if state["kind"] == "text":
        return f"the text summary {state['text'].splitlines()[-1]}, no panel"
    if state["kind"] == "error":
        return f"\u201c{state['text']}\u201d instead of the panel"
    words = "the panel and its plot, drawn from the widget state saved in the notebook"
    if state.get("disconnected"):
        words += ", marked disconnected (no kernel behind it)"
    if nudged and nudged["before"]["slider"] != nudged["after"]["slider"] and (
            nudged["before"]["status"] == nudged["after"]["status"]):
        words += ": the slider moves, nothing is recomputed"
    return words


def photograph(browser, out: Path) -> dict:
    output = browser.output()
    for _ in range(2):  # again after the first paint, in case the layout moved
        output.evaluate("element => element.scrollIntoView({block: 'center'})")
        browser.page.wait_for_timeout(1_500)
    state = output.evaluate(DESCRIBE_OUTPUT)
    state.update(browser.page.evaluate(TRUST, browser.notebook))
    output.screenshot(path=str(out), timeout=60_000)
    return state


def nudge_slider(browser) -> dict:
    """Press the right arrow on the panel's slider; report the slider and status line."""
    output = browser.output()
    handle = output.locator(".noUi-handle, .widget-slider .ui-slider-handle").first
    # the handle's own position (the toolkit hides the slider's readout, which clamps
    # typed values without a word, and shows the value in a box the kernel fills)
    read = ("element => { const handle = element.querySelector('.noUi-handle');"
            " return {slider: handle && (handle.getAttribute('aria-valuenow')"
            " || handle.getAttribute('aria-valuetext')),"
            " status: (element.querySelector('.widget-html b') || {}).innerText}; }")
    before = output.evaluate(read)
    handle.focus()
    handle.press("ArrowRight")
    browser.page.wait_for_timeout(4_000)
    return {"before": before, "after": output.evaluate(read)}


# -- the picture ------------------------------------------------------------------------------

def wrap(text: str, font, width: int) -> list[str]:
    lines = [""]
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and font.getlength(candidate) > width:
            lines.append(word)
        else:
            lines[-1] = candidate
    return lines


def compose(shots: list[tuple[str, str, Path]], out: Path, note: str) -> None:
    """The photographs under one another, each under a title and a line saying what it shows."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    bold = ImageFont.truetype(str(fonts / "DejaVuSans-Bold.ttf"), 16)
    plain = ImageFont.truetype(str(fonts / "DejaVuSans.ttf"), 14)
    images = [Image.open(path).convert("RGB") for *_, path in shots]
    width = max(image.width for image in images) + 24
    blocks = [([title], wrap(text, plain, width - 24), image)
              for (title, text, _), image in zip(shots, images)]
    notes = wrap(note, plain, width - 24)
    line, gap = 19, 16
    height = 8 + sum(line * (1 + len(text)) + 6 + image.height + gap
                     for _, text, image in blocks) + line * len(notes) + 8
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    y = 8
    for title, text, image in blocks:
        for row, font, colour in [(title[0], bold, "#202020")] + [(t, plain, "#303030")
                                                                  for t in text]:
            draw.text((12, y), row, fill=colour, font=font)
            y += line
        y += 6
        sheet.paste(image, (12, y))
        draw.rectangle([11, y - 1, 12 + image.width, y + image.height], outline="#b0b0b0")
        y += image.height + gap
    for row in notes:
        draw.text((12, y), row, fill="#606060", font=plain)
        y += line
    out.parent.mkdir(parents=True, exist_ok=True)
    # 64 colours keep a screenshot of a user interface sharp and the file small
    sheet.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, optimize=True)


def panel_cell_index(notebook: Path) -> int:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if any(WIDGET_VIEW in output.get("data", {}) for output in cell.get("outputs", [])):
            return index
    raise SystemExit(f"{notebook.name} has no saved widget output")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGE)
    parser.add_argument("--chapter", type=Path, default=CHAPTER)
    parser.add_argument("--lab-venv", type=Path,
                        help="make JupyterLab's venv here and keep it (default: a throwaway one)")
    parser.add_argument("--no-run", action="store_true", help="skip (c) and (d)")
    args = parser.parse_args()
    started = time.monotonic()
    notebook = args.chapter.name
    copies = [(args.chapter, notebook),  # for (a), (c) and (d)
              (args.chapter, f"trusted/{notebook}")]  # the same file, for (b)
    with live_lab.session("panel-states-", args.lab_venv, copies, keras_home=True,
                          panel_cell=panel_cell_index(args.chapter)) as lab:
        browser, root, shots, states = lab.browser, lab.root, {}, {}

        def take(key: str, title: str, text: str | None = None) -> None:
            path = lab.workdir / f"{key}.png"
            states[key] = state = photograph(browser, path)
            log(f"({key}) {title}: {state}")
            shots[key] = (f"({key}) {title}", text or describe(state), path)

        browser.open(notebook)
        take("a", "Opened in JupyterLab, never trusted, no cell run")
        if not args.no_run:
            log("Run > Run All Cells ...")
            log(f"ran: {browser.run_all()}")
            take("c", "After Run > Run All Cells in (a)",
                 "the live panel, made by the kernel that ran the cells")
            log(f"(c) slider moved one step: {nudge_slider(browser)}")
            browser.save()
            saved = json.loads((root / notebook).read_text(encoding="utf-8"))
            shown = [output["data"][WIDGET_VIEW]["model_id"]
                     for output in saved["cells"][browser.panel_cell]["outputs"]
                     if WIDGET_VIEW in output.get("data", {})]
            kept = saved["metadata"].get("widgets", {}).get(
                "application/vnd.jupyter.widget-state+json", {}).get("state", {})
            log(f"(c) saved: the panel's output names model {shown}; the widget state saved "
                f"in the file has it: {all(model in kept for model in shown)}")
            browser.open(notebook)
            take("d", "After (c): saved, closed, opened again with a new kernel, no cell run")
        # (b): the untouched copy, after changing nothing but the trust database
        subprocess.run([str(lab.jupyter), "trust", str(root / "trusted" / notebook)],
                       check=True, env=lab.env, capture_output=True)
        browser.open(f"trusted/{notebook}")
        take("b", "The same file after `jupyter trust`, no cell run")
        nudged = nudge_slider(browser)  # after the photograph: it shows the saved value
        log(f"(b) slider moved one step, no cell run: {nudged}")
        shots["b"] = (shots["b"][0], describe(states["b"], nudged), shots["b"][2])
        found = lab.versions
        note = (f"JupyterLab {found['jupyterlab']}, jupyterlab_widgets "
                f"{found['jupyterlab_widgets']}, ipywidgets {found['ipywidgets']}; "
                f"chapters/{notebook}")
        compose([shots[key] for key in sorted(shots)], args.out, note)
        if browser.console:
            log("browser console (errors and warnings):\n  " + "\n  ".join(
                dict.fromkeys(browser.console)))
    log(f"saved {args.out} ({args.out.stat().st_size:,} bytes) in "
        f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
