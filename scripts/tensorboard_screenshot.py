"""The TensorBoard picture in chapter 8, taken from a real server with a real browser.

    python scripts/tensorboard_screenshot.py            # train, serve, screenshot, stamp
    python scripts/tensorboard_screenshot.py --out /tmp/x.jpg --no-stamp --quick

1. trains chapter 8's runs (its `fit` run, and the learning-rate comparison of its panel)
   with the `TensorBoard` callback into a temporary log folder;
2. starts `tensorboard` on 127.0.0.1 (scripts/tensorboard_server.py);
3. opens the dashboard in headless Chromium through Playwright and saves a screenshot to
   images/tensorboard-dashboard.jpg;
4. stamps it into chapter 8: the markdown cell whose metadata has
   "tensorboard_screenshot": true shows it as a data: URI, so the picture travels with the
   notebook (Colab included). tests/test_notebook_hygiene.py checks that the picture in
   the chapter is the committed file.
Everything it started is stopped, and the log folder removed, however it ends.
Re-run it when chapter 8's runs or the TensorBoard version change, and commit both files.
"""
from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "data"))
import check_data  # noqa: E402
import tensorboard_server  # noqa: E402

IMAGE = REPO / "images" / "tensorboard-dashboard.jpg"
CHAPTER = REPO / "chapters" / "08_tensorboard.ipynb"
MARKER = "tensorboard_screenshot"
# An HTML <img> rather than ![...](...): the picture travels inside the notebook (Colab
# shows it too), and translation catalogs skip raw HTML instead of holding 125 kB of base64.
DATA_URI = re.compile(r'src="data:image/jpeg;base64,[A-Za-z0-9+/=]*"')


def train_runs(logdir: str, quick: bool) -> None:
    """Chapter 8's runs: `fit` (4 epochs, weight histograms) and lr=... comparison runs."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import keras

    (images, labels), _ = keras.datasets.fashion_mnist.load_data()
    flat = (images.reshape(len(images), 784) / 255.0).astype("float32")
    train, validation = (flat[:10_000], labels[:10_000]), (flat[50_000:], labels[50_000:])
    if quick:
        train, validation = (flat[:1_000], labels[:1_000]), (flat[50_000:51_000],
                                                            labels[50_000:51_000])

    def model(rate):
        keras.utils.set_random_seed(8)
        built = keras.Sequential([keras.Input(shape=(784,)),
                                  keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(10)])
        built.compile(optimizer=keras.optimizers.Adam(rate), metrics=["accuracy"],
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return built

    # (run, learning rate, epochs, histogram_freq, training images): as in the chapter
    runs = [("fit", 1e-3, 4, 1, 10_000)]
    runs += [(f"compare/lr={rate:g}_3-epochs", rate, 3, 0, 5_000) for rate in (1e-3, 1e-2)]
    for name, rate, epochs, histograms, count in runs[: 2 if quick else None]:
        model(rate).fit(train[0][:count], train[1][:count], validation_data=validation,
                        epochs=epochs, batch_size=128,
                        verbose=0, callbacks=[keras.callbacks.TensorBoard(
                            log_dir=os.path.join(logdir, name), histogram_freq=histograms)])


def screenshot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = (os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium")
                or shutil.which("chromium-browser"))
    if not chromium:
        raise SystemExit("no Chromium found: install Debian's `chromium` (or set BOOK_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 640})
            page.goto(f"{url}/#timeseries", wait_until="networkidle", timeout=120_000)
            # The Time Series dashboard draws one card per tag once the data has arrived.
            page.wait_for_selector("card-view", timeout=120_000)
            # What a reader would do first: the two curves that matter, unsmoothed (a few
            # epochs are too few points for the default smoothing of 0.6), settings closed.
            page.get_by_role("combobox", name="Filter tags (regex)").fill("epoch_(accuracy|loss)$")
            smoothing = page.locator("input[type=number]").filter(has_text="")
            smoothing.first.fill("0")
            smoothing.first.press("Enter")
            page.get_by_role("button", name="Close side pane").click()
            page.wait_for_load_state("networkidle", timeout=120_000)
            page.wait_for_timeout(3_000)  # let the line charts finish their first paint
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), type="jpeg", quality=80)
        finally:
            browser.close()


def stamp(image: Path, chapter: Path) -> None:
    import nbformat

    notebook = nbformat.read(chapter, as_version=4)
    cells = [cell for cell in notebook.cells if cell.metadata.get(MARKER)]
    if len(cells) != 1 or not DATA_URI.search(cells[0].source):
        raise SystemExit(f"{chapter.name} needs one markdown cell with metadata "
                         f'"{MARKER}": true holding <img src="data:image/jpeg;base64,...">')
    encoded = base64.b64encode(image.read_bytes()).decode()
    cells[0].source = DATA_URI.sub(f'src="data:image/jpeg;base64,{encoded}"',
                                  cells[0].source)
    nbformat.write(notebook, chapter)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGE)
    parser.add_argument("--no-stamp", action="store_true", help="leave chapter 8 alone")
    parser.add_argument("--quick", action="store_true", help="tiny runs (for the tests)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="tensorboard-screenshot-")
    logdir = os.path.join(workdir, "logs")
    # The server registers itself in $TMPDIR/.tensorboard-info: keep that inside workdir.
    server_env = {**os.environ, "TMPDIR": workdir}
    try:
        source = check_data.default_source()  # the pre-filled Keras cache, as the tests use
        if source is not None and "KERAS_HOME" not in os.environ:
            os.environ["KERAS_HOME"] = str(check_data.prepare_cache(
                source, Path(workdir) / "keras-home"))
        train_runs(logdir, args.quick)
        with tensorboard_server.serving(logdir, env=server_env) as url:
            screenshot(url, args.out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.no_stamp:
        stamp(args.out, CHAPTER)
    print(f"saved {args.out} ({args.out.stat().st_size:,} bytes)"
          + ("" if args.no_stamp else f", stamped into {CHAPTER.name}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
