"""Start, query and stop a real TensorBoard server on 127.0.0.1.

Used by scripts/tensorboard_screenshot.py (the dashboard picture in chapter 8) and by
tests/test_tensorboard_server.py. The server runs in its own process group, so stopping
it also stops anything it started; `stop` reports whether the whole group is gone.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

STARTED = []  # every server process this module started (the tests check they all ended)

# Talk to 127.0.0.1 directly, never through a proxy from the environment.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(url: str, path: str, **query):
    address = f"{url}{path}?{urllib.parse.urlencode(query)}" if query else f"{url}{path}"
    return json.loads(_LOCAL.open(address, timeout=10).read())


def start(logdir: str, timeout: float = 120, env: dict | None = None):
    """Start `tensorboard --logdir logdir`; return (process, url) once it serves runs."""
    port = free_port()
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server cannot block
    process = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--host", "127.0.0.1",
         "--port", str(port), "--load_fast", "false"],
        stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True, env=env)
    process.errors = errors
    STARTED.append(process)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors.seek(0)
            error = errors.read().decode(errors="replace")[-2000:]
            errors.close()
            raise RuntimeError(f"tensorboard exited at start-up with code "
                               f"{process.returncode}:\n{error}")
        try:
            if get_json(url, "/data/runs"):
                return process, url
        except OSError:
            pass  # not listening yet, or no run loaded yet
        time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"tensorboard did not serve the runs in {logdir} within {timeout} s")


def stop(process) -> bool:
    """Stop the server and its process group; True once none of the group is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    process.errors.close()
    try:
        os.killpg(process.pid, 0)  # signal 0 only asks: does the group still exist?
        return False
    except ProcessLookupError:
        return True


@contextlib.contextmanager
def serving(logdir: str, **options):
    """with serving(logdir) as url: ... -- the server is stopped however the block ends."""
    process, url = start(logdir, **options)
    try:
        yield url
    finally:
        if not stop(process):
            raise RuntimeError("the tensorboard process group outlived SIGTERM and SIGKILL")
