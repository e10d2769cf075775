"""The clean-up check (tests/leftover_check.py) catches what a notebook leaves behind.

Each test writes a small notebook into a temporary folder and runs strict nbval on it
in a separate pytest process with only the clean-up plugin loaded.
"""
import os
import subprocess
import sys
import time

import nbformat
import pytest

from notebooks import REPO
from leftover_check import MARKER


def run_nbval(folder, cells):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(notebook, folder / "example.ipynb")
    environment = {**os.environ, "PYTHONPATH": str(REPO / "tests")}
    environment.pop(MARKER, None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "leftover_check", "-p", "no:cacheprovider",
         "--nbval", "--nbval-current-env", "example.ipynb"],
        cwd=folder, env=environment, capture_output=True, text=True, timeout=300,
    )


def running(command_line):
    """Process ids whose command line is exactly command_line."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as file:
                    if file.read().replace(b"\0", b" ").decode().strip() == command_line:
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="the process check reads /proc (Linux)")
def test_a_leaking_notebook_fails_and_its_process_is_stopped(tmp_path):
    result = run_nbval(tmp_path, [
        "open('written_here.txt', 'w').write('left behind')",
        "import os; os.makedirs(os.path.expanduser('~/.leaky-cache'))",
        "import tempfile; scratch = tempfile.mkdtemp(prefix='never-removed-')",
        "import subprocess; server = subprocess.Popen(['sleep', '417'], start_new_session=True)",
    ])
    report = result.stdout + result.stderr
    assert result.returncode != 0, report
    assert "did not clean up after itself" in report
    assert "written_here.txt" in report
    assert ".leaky-cache" in report
    assert "never-removed-" in report
    assert "sleep 417" in report
    for _ in range(50):  # the check kills what it found; give the kernel's child a moment
        if not running("sleep 417"):
            break
        time.sleep(0.1)
    assert not running("sleep 417"), "the leaked process outlived the check"


def test_a_notebook_that_cleans_up_passes(tmp_path):
    result = run_nbval(tmp_path, [
        "import os, shutil, subprocess, tempfile\n"
        "scratch = tempfile.mkdtemp(prefix='removed-')\n"
        "open(os.path.join(scratch, 'model.txt'), 'w').write('kept only while needed')",
        "subprocess.run(['true'], check=True)",
        "shutil.rmtree(scratch)",
        # Removed only by an exit handler, as TensorFlow's AutoGraph removes its files:
        # passes only because the check lets the kernel exit normally.
        "import atexit\n"
        "at_exit = tempfile.mkdtemp(prefix='removed-at-exit-')\n"
        "_ = atexit.register(shutil.rmtree, at_exit)",
    ])
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "example.ipynb").exists() and len(list(tmp_path.iterdir())) == 1
