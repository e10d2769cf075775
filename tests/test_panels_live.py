"""The chapters' panels driven in a real JupyterLab, in Chromium (scripts/panels_live.py):
every panel chapter (1, 2, 3, 7, 9, 10c, 11) run all, then driven: settings changed and
run, a rapid double click, a click sent during a run, a run that learns nothing, a
diverging run, Kernel > Interrupt during a run and typed out-of-range values each end in
a clear status line and a ready panel, with no second run queued, each dropped click
reported, every run called done above chance, and no error shown only in JupyterLab's
log. Needs Chromium and the package index (for JupyterLab's own venv); skipped without
Chromium unless BOOK_REQUIRE_BROWSER=1 (as in CI). About 9 minutes on a 2-core machine."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from notebooks import REPO

sys.path.insert(0, str(REPO / "scripts"))
import panels_live  # noqa: E402

CHROMIUM = (os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


def test_a_kernel_message_is_read_from_either_websocket_protocol():
    header = {"msg_type": "error"}
    parent = {"msg_type": "comm_msg"}
    content = {"ename": "RuntimeError", "evalue": "boom"}
    text = json.dumps({"header": header, "parent_header": parent, "content": content})
    assert panels_live.kernel_message(text)["content"] == content
    parts = [b"iopub"] + [json.dumps(part).encode() for part in (header, parent, {}, content)]
    offsets, at = [], 8 + 8 * len(parts)
    for part in parts:
        offsets.append(at)
        at += len(part)
    frame = (len(parts).to_bytes(8, "little")
             + b"".join(offset.to_bytes(8, "little") for offset in offsets) + b"".join(parts))
    assert panels_live.kernel_message(frame) == {"header": header, "parent_header": parent,
                                                 "content": content}


def test_a_status_names_its_run():
    assert panels_live.run_number("⚠ Run 12 learned nothing in 3 epochs: ...") == 12
    assert panels_live.run_number("Run 3 done: validation accuracy 0.812 after 3 epochs.") == 3
    assert panels_live.run_number("Not run: ...") is None


@pytest.mark.skipif(not CHROMIUM and os.environ.get("BOOK_REQUIRE_BROWSER") != "1",
                    reason="no Chromium here: install Debian's `chromium`")
def test_panels_driven_in_jupyterlab_end_in_a_clear_status_and_a_ready_panel():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "panels_live.py")],
                            cwd=REPO, capture_output=True, text=True, timeout=2400)
    print(result.stdout[-6000:], result.stderr[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["failures"] == 0 and set(summary["chapters"]) == set(panels_live.DEFAULT)


def test_every_run_called_done_must_be_above_chance():
    steps = panels_live.Steps("demo")
    steps.done_above_chance("Run 3 done: validation accuracy 0.812 after 3 epochs.")
    steps.done_above_chance("Run 4 done, but learning slowly: after 2 epochs the training "
                            "loss of the last epoch is still 93% of the first epoch's, "
                            "validation accuracy 0.346; try a larger learning rate or "
                            "more epochs.")
    steps.done_above_chance("⚠ Run 5 learned nothing in 3 epochs: validation accuracy "
                            "0.102 is no better than guessing (1 in 10); ...")
    assert steps.failures == []
    steps.done_above_chance("Run 6 done: validation accuracy 0.102 after 3 epochs.")
    steps.done_above_chance("Run 7 done: loss 2.30 after 3 epochs.")  # no accuracy shown
    assert len(steps.failures) == 2
