"""Chapter 12 stops every worker process it starts, even when a cell fails.

The chapter starts its worker processes with `start_workers`, a context manager defined
in the code cell tagged "worker-launcher". These tests run that cell's code, as it stands
in the notebook, in a fresh Python process together with jobs made to fail:

- the code inside the `with` block raises while both workers hang (one of them ignores
  SIGTERM, so only the kill after the grace period stops it);
- one worker crashes while the other hangs, and waiting for their reports must fail at
  once with the crashed worker's own error output instead of waiting forever;
- both workers hang and waiting for them times out.

Each time the exception must reach the caller with a clear message, and afterwards no
process started by the launcher may still run (checked by process id in /proc).
"""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from notebooks import REPO, code_cells, load, source

NOTEBOOK = REPO / "chapters" / "12_distributed.ipynb"

# A stand-in worker: its role comes from the command line, one role per worker index.
WORKER = """
import json, os, signal, sys, time

index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
role = sys.argv[1 + index]
if role == "crash":
    time.sleep(0.5)
    sys.exit("worker crashed on purpose")  # to stderr, exit status 1
if role == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # only SIGKILL stops it
print("ready", flush=True)
while True:  # hangs forever
    time.sleep(1)
"""

# Runs the launcher cell, then the failing jobs; prints what happened as JSON.
DRIVER = """
import json, os, sys

folder = sys.argv[1]
with open(os.path.join(folder, "launcher.py")) as cell:
    exec(compile(cell.read(), "worker-launcher cell", "exec"))
worker = os.path.join(folder, "worker.py")


def run(name, roles, body):
    started = []
    outcome = {"error": None}
    try:
        with start_workers([worker, *roles], folder=os.path.join(folder, name)) as workers:
            started = workers.processes
            body(workers)
    except Exception as error:
        outcome["error"] = {"type": type(error).__name__, "message": str(error)}
    outcome["pids"] = [process.pid for process in started]
    outcome["all waited for"] = bool(started) and all(
        process.poll() is not None for process in started)
    return outcome


def raise_inside(workers):
    workers.wait_until_all_print("ready", timeout=60)
    raise ValueError("deliberate failure inside the with block")


results = {
    "raise inside": run("raise-inside", ["hang", "stubborn"], raise_inside),
    "worker crashes": run("crash", ["hang", "crash"],
                          lambda workers: workers.reports(timeout=60)),
    "timeout": run("timeout", ["hang", "hang"],
                   lambda workers: workers.reports(timeout=1)),
}
print(json.dumps(results))
"""


def launcher_cell_source():
    cells = [cell for cell in code_cells(load(NOTEBOOK))
             if "worker-launcher" in cell.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, "chapter 12 needs exactly one code cell tagged 'worker-launcher'"
    return source(cells[0])


def is_running(pid):
    """True while the process exists and is not a zombie (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def failing_jobs(tmp_path_factory):
    """Run the launcher cell with the failing jobs once; kill whatever it left running."""
    tmp_path = tmp_path_factory.mktemp("distributed-cleanup")
    (tmp_path / "launcher.py").write_text(launcher_cell_source())
    (tmp_path / "worker.py").write_text(WORKER)
    (tmp_path / "driver.py").write_text(DRIVER)
    finished = subprocess.run(
        [sys.executable, str(tmp_path / "driver.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=180,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads(finished.stdout.splitlines()[-1])
    yield results
    for outcome in results.values():  # a failing check must not leak processes either
        for pid in outcome["pids"]:
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)


pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc (Linux)")


def test_the_error_raised_inside_the_with_block_reaches_the_caller(failing_jobs):
    outcome = failing_jobs["raise inside"]
    assert outcome["error"] == {"type": "ValueError",
                                "message": "deliberate failure inside the with block"}


def test_a_crashed_worker_is_reported_with_its_own_words(failing_jobs):
    outcome = failing_jobs["worker crashes"]
    assert outcome["error"]["type"] == "RuntimeError"
    assert "worker 1 failed with exit status 1" in outcome["error"]["message"]
    assert "worker crashed on purpose" in outcome["error"]["message"]


def test_waiting_too_long_ends_in_a_timeout(failing_jobs):
    outcome = failing_jobs["timeout"]
    assert outcome["error"] == {
        "type": "TimeoutError",
        "message": "gave up after 1 s waiting for every worker to finish"}


@pytest.mark.parametrize("job", ["raise inside", "worker crashes", "timeout"])
def test_no_worker_process_survives(failing_jobs, job):
    outcome = failing_jobs[job]
    assert len(outcome["pids"]) == 2
    assert outcome["all waited for"], "start_workers returned before its processes ended"
    still_running = [pid for pid in outcome["pids"] if is_running(pid)]
    assert not still_running, f"{job}: worker processes still running: {still_running}"
