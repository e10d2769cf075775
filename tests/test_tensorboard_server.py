"""The real TensorBoard server behind chapter 8's dashboard picture.

Chapter 8 shows the dashboard as a screenshot (scripts/tensorboard_screenshot.py) and
`%tensorboard` for readers with a live kernel; the server plumbing lives in
scripts/tensorboard_server.py, and these tests hold it to what the chapter says: the
server serves exactly what was logged, and it is stopped, with everything it started,
however the code using it ends.
"""
import os
import shutil
import subprocess
import sys

import pytest

from notebooks import REPO

sys.path.insert(0, str(REPO / "scripts"))
import tensorboard_server  # noqa: E402


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """Two runs of hand-written scalars, as chapter 8 writes them."""
    folder = tmp_path_factory.mktemp("logs")
    program = (
        "import os, sys\n"
        "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
        "import tensorflow as tf\n"
        "for run, scale in [('slow', 1.0), ('fast', 0.5)]:\n"
        "    writer = tf.summary.create_file_writer(os.path.join(sys.argv[1], run))\n"
        "    with writer.as_default():\n"
        "        for step in range(5):\n"
        "            tf.summary.scalar('loss', scale / (step + 1), step=step)\n"
        "    writer.close()\n"
    )
    subprocess.run([sys.executable, "-c", program, str(folder)], check=True, timeout=300)
    return str(folder)


def server_env(tmp_path):
    # the server registers itself in $TMPDIR/.tensorboard-info: keep that in tmp_path
    return {**os.environ, "TMPDIR": str(tmp_path)}


def test_the_server_serves_exactly_what_was_logged(logdir, tmp_path):
    with tensorboard_server.serving(logdir, env=server_env(tmp_path)) as url:
        runs = sorted(tensorboard_server.get_json(url, "/data/runs"))
        points = {run: tensorboard_server.get_json(url, "/data/plugin/scalars/scalars",
                                                   run=run, tag="loss") for run in runs}
    assert runs == ["fast", "slow"]
    for run, scale in [("slow", 1.0), ("fast", 0.5)]:
        assert [step for _, step, _ in points[run]] == [0, 1, 2, 3, 4]
        assert [value for _, _, value in points[run]] == pytest.approx(
            [scale / (step + 1) for step in range(5)], rel=1e-6)
    assert all(process.poll() is not None for process in tensorboard_server.STARTED)
    info = tmp_path / ".tensorboard-info"  # the server removes its own entry on exit
    assert not info.exists() or not any(info.iterdir())


def test_the_server_is_stopped_when_the_code_using_it_fails(logdir, tmp_path):
    before = len(tensorboard_server.STARTED)
    with pytest.raises(ZeroDivisionError):
        with tensorboard_server.serving(logdir, env=server_env(tmp_path)):
            1 / 0
    process = tensorboard_server.STARTED[before]
    assert process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no process of its group is left


def test_a_server_that_cannot_start_says_why(tmp_path):
    with pytest.raises(RuntimeError, match="tensorboard exited at start-up"):
        tensorboard_server.start(str(tmp_path), env={**os.environ, "PYTHONPATH": "/nonexistent",
                                                     "PYTHONNOUSERSITE": "1",
                                                     "PYTHONHOME": "/nonexistent"})


CHROMIUM = os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")


@pytest.mark.skipif(not CHROMIUM and os.environ.get("BOOK_REQUIRE_BROWSER") != "1",
                    reason="no Chromium here")
def test_the_screenshot_script_photographs_a_real_dashboard(tmp_path):
    out = tmp_path / "dashboard.jpg"
    finished = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "tensorboard_screenshot.py"), "--quick",
         "--no-stamp", "--out", str(out)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert finished.returncode == 0, finished.stderr[-3000:]
    from PIL import Image

    with Image.open(out) as picture:
        assert picture.format == "JPEG" and picture.size == (1280, 640)
        # a real dashboard, not a blank page: TensorBoard's orange header and white cards
        colours = picture.convert("RGB").getcolors(maxcolors=1_000_000)
    orange = sum(count for count, (r, g, b) in colours if r > 230 and 100 < g < 140 and b < 40)
    assert orange > 1280 * 40, "no TensorBoard header in the screenshot"
    assert sorted(os.listdir(tmp_path)) == ["dashboard.jpg"]  # the script cleaned up
