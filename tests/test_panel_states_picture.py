"""The picture of a panel's states in JupyterLab (how_to_use.md), checked offline.

scripts/panel_states_screenshot.py takes the picture from a real JupyterLab; these tests
need no JupyterLab: the page shows the committed picture, the picture is small, and the
versions the page names are the ones the script pins, which are the book's own.
"""
import re
import sys

from notebooks import REPO

sys.path.insert(0, str(REPO / "scripts"))
import panel_states_screenshot as screenshot  # noqa: E402

PAGE = REPO / "how_to_use.md"
PICTURE = REPO / "images" / "panel-states.png"


def pinned(requirements: str) -> dict:
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", requirements, re.MULTILINE))


def test_the_page_shows_the_committed_picture():
    figures = re.findall(r"```\{figure\} (\S+)", PAGE.read_text(encoding="utf-8"))
    assert "images/panel-states.png" in figures
    assert PICTURE.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert PICTURE.stat().st_size < 250_000
    assert screenshot.IMAGE == PICTURE


def test_the_page_names_the_versions_the_script_pins():
    page = PAGE.read_text(encoding="utf-8")
    lab = pinned("\n".join(screenshot.LAB_PACKAGES))
    assert f"JupyterLab {lab['jupyterlab']}" in page
    assert f"ipywidgets {lab['ipywidgets']}" in page
    book = pinned((REPO / "requirements.txt").read_text(encoding="utf-8"))
    # the picture shows the book's own widget packages: re-make it when they change
    assert lab["ipywidgets"] == book["ipywidgets"]
    assert lab["ipykernel"] == book["ipykernel"]


def test_captions_say_what_was_found():
    assert screenshot.describe({"kind": "text", "text": "[17]:\nPanel(x=1)"}) == (
        "the text summary Panel(x=1), no panel")
    assert "model not found" in screenshot.describe(
        {"kind": "error", "text": "Error displaying widget: model not found"})
    saved = {"kind": "widget", "text": "", "disconnected": 3}
    nudged = {"before": {"slider": "0.30", "status": "a"},
              "after": {"slider": "0.35", "status": "a"}}
    assert screenshot.describe(saved, nudged).endswith(
        "marked disconnected (no kernel behind it): the slider moves, nothing is recomputed")


def test_compose_stacks_the_shots_with_captions(tmp_path):
    from PIL import Image

    shots = []
    for key, height in [("a", 40), ("b", 300)]:
        Image.new("RGB", (500, height), "lightblue").save(tmp_path / f"{key}.png")
        shots.append((f"({key}) title", "a caption long enough to wrap " * 5,
                      tmp_path / f"{key}.png"))
    screenshot.compose(shots, tmp_path / "out.png", "a note")
    with Image.open(tmp_path / "out.png") as out:
        assert out.width == 524 and out.height > 340 + 4 * 19
