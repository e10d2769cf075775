"""Chapter 12, part 2 stops every worker process it starts, even when a cell fails.

The notebook starts its worker processes with `start_workers`, a context manager defined
in the code cell tagged "worker-launcher". These tests run that cell's code, as it stands
in the notebook, in a fresh Python process together with jobs made to fail:

- the code inside the `with` block raises while both workers hang (one of them ignores
  SIGTERM, so only the kill after the grace period stops it);
- one worker crashes while the other hangs, and waiting for their reports must fail at
  once with the crashed worker's own error output instead of waiting forever;
- both workers hang and waiting for them times out;
- the code inside the `with` block raises, and while the launcher waits out the grace
  period for two workers that ignore SIGTERM, the caller is interrupted (SIGINT, as
  Jupyter's "Interrupt the kernel" sends): the KeyboardInterrupt must reach the caller
  and the workers must still be killed;
- the process that started the workers (the notebook's kernel) is killed with SIGKILL
  while they run: on Linux they must die with it.

Each time the exception must reach the caller with a clear message, and afterwards no
process started by the launcher may still run (checked by process id in /proc; a process
id counts only while its command line still names the stand-in worker script, since the
system may give an id that has been freed to an unrelated process).
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notebooks import REPO, code_cells, load, source

NOTEBOOK = REPO / "chapters" / "12b_multi_worker.ipynb"

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
import json, os, signal, sys, threading

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
    except BaseException as error:  # KeyboardInterrupt too
        outcome["error"] = {"type": type(error).__name__, "message": str(error)}
    outcome["pids"] = [process.pid for process in started]
    outcome["all waited for"] = bool(started) and all(
        process.poll() is not None for process in started)
    return outcome


def raise_inside(workers):
    workers.wait_until_all_print("ready", timeout=60)
    raise ValueError("deliberate failure inside the with block")


def interrupt_while_stopping(workers):
    workers.wait_until_all_print("ready", timeout=60)
    # SIGINT in 1 s: within the 5-s grace period for the stubborn workers
    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
    raise ValueError("leaving the with block")


results = {
    "raise inside": run("raise-inside", ["hang", "stubborn"], raise_inside),
    "interrupted while stopping": run(
        "interrupted", ["stubborn", "stubborn"], interrupt_while_stopping),
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
    assert len(cells) == 1, "chapter 12b needs exactly one code cell tagged 'worker-launcher'"
    return source(cells[0])


def is_running(pid, script):
    """True while process `pid` runs `script` and is not a zombie (Linux /proc).

    Checking the command line keeps a freed process id that the system has given to
    another process from counting (or from being killed by the fixture)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if os.fsencode(script) not in command_line:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def failing_jobs(tmp_path_factory):
    """Run the launcher cell with the failing jobs once; kill whatever it left running."""
    tmp_path = tmp_path_factory.mktemp("distributed-cleanup")
    (tmp_path / "launcher.py").write_text(launcher_cell_source())
    (tmp_path / "worker.py").write_text(WORKER)
    (tmp_path / "driver.py").write_text(DRIVER)
    # In a session of its own, so that if the driver hangs, one killpg stops it together
    # with every worker it started.
    driver = subprocess.Popen(
        [sys.executable, str(tmp_path / "driver.py"), str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        stdout, stderr = driver.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(driver.pid, signal.SIGKILL)
        stdout, stderr = driver.communicate()
        pytest.fail(f"the driver hung for 180 s and was killed; it wrote:\n{stderr[-3000:]}")
    assert driver.returncode == 0, stderr[-3000:]
    results = json.loads(stdout.splitlines()[-1])
    results["worker script"] = str(tmp_path / "worker.py")
    yield results
    for job in JOBS:  # a failing check must not leak processes either
        for pid in results[job]["pids"]:
            if is_running(pid, results["worker script"]):
                os.kill(pid, signal.SIGKILL)


JOBS = ["raise inside", "worker crashes", "timeout", "interrupted while stopping"]
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


def test_an_interrupt_during_the_grace_period_reaches_the_caller(failing_jobs):
    outcome = failing_jobs["interrupted while stopping"]
    assert outcome["error"]["type"] == "KeyboardInterrupt"


def test_waiting_too_long_ends_in_a_timeout(failing_jobs):
    outcome = failing_jobs["timeout"]
    assert outcome["error"] == {
        "type": "TimeoutError",
        "message": "gave up after 1 s waiting for every worker to finish"}


@pytest.mark.parametrize("job", JOBS)
def test_no_worker_process_survives(failing_jobs, job):
    outcome = failing_jobs[job]
    assert len(outcome["pids"]) == 2
    assert outcome["all waited for"], "start_workers returned before its processes ended"
    still_running = [pid for pid in outcome["pids"]
                     if is_running(pid, failing_jobs["worker script"])]
    assert not still_running, f"{job}: worker processes still running: {still_running}"


# Starts two workers, prints their process ids, then sleeps until it is killed.
ORPHANING_DRIVER = """
import json, os, sys, time

folder = sys.argv[1]
with open(os.path.join(folder, "launcher.py")) as cell:
    exec(compile(cell.read(), "worker-launcher cell", "exec"))
worker = os.path.join(folder, "worker.py")
with start_workers([worker, "hang", "stubborn"],
                   folder=os.path.join(folder, "orphans")) as workers:
    workers.wait_until_all_print("ready", timeout=60)
    print(json.dumps([process.pid for process in workers.processes]), flush=True)
    time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the death signal (PR_SET_PDEATHSIG) is Linux only")
def test_workers_die_with_a_killed_kernel(tmp_path):
    """SIGKILL to the process that started the workers: no cleanup code of its own
    runs, and yet no worker may outlive it."""
    (tmp_path / "launcher.py").write_text(launcher_cell_source())
    (tmp_path / "worker.py").write_text(WORKER)
    (tmp_path / "driver.py").write_text(ORPHANING_DRIVER)
    script = str(tmp_path / "worker.py")
    driver = subprocess.Popen(
        [sys.executable, str(tmp_path / "driver.py"), str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    pids = []
    try:
        line = driver.stdout.readline()  # the workers' ids, once both are ready
        assert line, f"the driver ended early; it wrote:\n{driver.stderr.read()[-3000:]}"
        pids = json.loads(line)
        assert len(pids) == 2 and all(is_running(pid, script) for pid in pids)
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(is_running(pid, script) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        still_running = [pid for pid in pids if is_running(pid, script)]
        assert not still_running, f"workers outlived their killed parent: {still_running}"
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
        for pid in pids:  # a failing check must not leak processes either
            if is_running(pid, script):
                os.kill(pid, signal.SIGKILL)
