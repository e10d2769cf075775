"""A pytest plugin: every notebook must clean up after itself.

While nbval runs a notebook, its kernel gets a home folder and a temporary folder of
its own (HOME and TMPDIR point into an empty sandbox), and a marker variable that every
process it starts inherits. After the notebook's last cell, once nbval has stopped the
kernel, the check fails the notebook (an error at teardown of its last cell) if

- a file or folder appeared in the notebook's working folder (chapters/),
- anything is left in its home or temporary folder, or
- a process it started is still running (a TensorBoard server, a worker, ...).

Cache folders that the kernel's own libraries write to (IPython, matplotlib, Jupyter)
keep pointing at the real user's folders, so only what the notebook's code writes lands
in the sandbox. Loaded by the repository's conftest.py; `-p leftover_check` loads it
elsewhere (tests/test_leftover_check.py does, on small notebooks made to leak).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

MARKER = "BOOK_NOTEBOOK_SANDBOX"  # set in the kernel's environment, inherited by its children
_state: dict = {}


def _real_cache_dirs() -> dict[str, str]:
    """Where IPython, matplotlib and Jupyter keep their files for the real user."""
    home = Path.home()
    return {
        "IPYTHONDIR": os.environ.get("IPYTHONDIR", str(home / ".ipython")),
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(home / ".cache")),
        "XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME", str(home / ".config")),
        "XDG_DATA_HOME": os.environ.get("XDG_DATA_HOME", str(home / ".local" / "share")),
        "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", str(home / ".config" / "matplotlib")),
    }


def snapshot(folder: Path) -> set[str]:
    """Every path below folder, relative to it."""
    if not folder.exists():
        return set()
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def processes_with_marker(value: str) -> list[int]:
    """Process ids whose environment holds MARKER=value (Linux /proc; [] elsewhere)."""
    found = []
    needle = f"{MARKER}={value}".encode()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return sorted(pid for pid in found if pid != os.getpid())


def _is_notebook_cell(item) -> bool:
    return getattr(item, "path", None) is not None and item.path.suffix == ".ipynb"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before a notebook's first cell (which starts its kernel): sandbox and snapshot."""
    if not _is_notebook_cell(item) or _state.get("notebook") == item.path:
        return
    sandbox = Path(tempfile.mkdtemp(prefix="notebook-sandbox-"))
    (sandbox / "home").mkdir()
    (sandbox / "tmp").mkdir()
    overrides = {**_real_cache_dirs(), "HOME": str(sandbox / "home"),
                 "TMPDIR": str(sandbox / "tmp"), MARKER: str(sandbox)}
    _state.update(
        notebook=item.path,
        started=time.monotonic(),
        sandbox=sandbox,
        saved_env={name: os.environ.get(name) for name in overrides},
        working_before=snapshot(item.path.parent),
    )
    os.environ.update(overrides)  # the kernel, started next, inherits these


def _restore_environment():
    for name, value in _state.pop("saved_env", {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def leftovers_report(notebook: Path, sandbox: Path, working_before: set[str]) -> list[str]:
    """What the notebook left behind, in plain words (empty when it cleaned up)."""
    problems = []
    new_in_working = sorted(snapshot(notebook.parent) - working_before)
    if new_in_working:
        problems.append(f"new in its working folder {notebook.parent.name}/: {new_in_working[:10]}")
    for name in ("home", "tmp"):
        left = sorted(snapshot(sandbox / name))
        if left:
            problems.append(f"left in its {name} folder: {left[:10]}")
    running = processes_with_marker(str(sandbox))
    if running:
        problems.append(f"processes it started still run: {_describe(running)}")
    return problems


def _describe(pids: list[int]) -> list[str]:
    described = []
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            command = "?"
        described.append(f"{pid}: {command.strip()[:120]}")
    return described


def _stop(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _is_last_cell(item, nextitem) -> bool:
    return (_is_notebook_cell(item) and _state.get("notebook") == item.path
            and (nextitem is None or getattr(nextitem, "path", None) != item.path))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell: stop its kernel gently, let nbval finish, then check.

    nbval stops kernels with SIGKILL, so the exit handlers that libraries register never
    run (TensorFlow's AutoGraph, for one, removes its generated files from the temporary
    folder at exit). A reader's kernel exits normally when the notebook is closed; so does
    this one, and nbval then finds it stopped.
    """
    last = _is_last_cell(item, nextitem)
    kernel = getattr(item.parent, "kernel", None) if last else None
    if kernel is not None and kernel.is_alive():
        kernel.km.shutdown_kernel(now=False)  # waits a few seconds, then kills
    try:
        return (yield)
    finally:
        if last:
            _check()


def _check():
    notebook, sandbox = _state.pop("notebook"), _state.pop("sandbox")
    _timings[notebook.name] = time.monotonic() - _state.pop("started")
    working_before = _state.pop("working_before")
    _restore_environment()
    try:
        problems = leftovers_report(notebook, sandbox, working_before)
    finally:
        _stop(processes_with_marker(str(sandbox)))  # never let one notebook's leak outlive the check
        shutil.rmtree(sandbox, ignore_errors=True)
    if problems:
        raise AssertionError(
            f"{notebook.name} did not clean up after itself:\n- " + "\n- ".join(problems))


_timings: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter):
    """Wall time per notebook (kernel start to shutdown), for the chapter-time budget.

    With BOOK_TIMINGS_JSON set, also written there as JSON, with each notebook's outcome
    (benchmarks/book_execution_time.py reads it).
    """
    target = os.environ.get("BOOK_TIMINGS_JSON")
    if target and _timings:
        failed = {Path(report.nodeid.split("::")[0]).name
                  for report in terminalreporter.stats.get("failed", [])
                  + terminalreporter.stats.get("error", [])}
        Path(target).write_text(json.dumps(
            {name: {"seconds": round(seconds, 1), "passed": name not in failed}
             for name, seconds in _timings.items()}, indent=1) + "\n", encoding="utf-8")
    if _timings:
        terminalreporter.section("seconds per notebook (wall time, kernel start included)")
        for name, seconds in _timings.items():
            terminalreporter.write_line(f"{seconds:7.1f}  {name}")
        terminalreporter.write_line(f"{sum(_timings.values()):7.1f}  in all")
