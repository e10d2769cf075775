"""Test-session set-up shared by the unit tests and strict nbval.

Keras reads $KERAS_HOME when it is imported, and nbval's kernels inherit this
process's environment, so KERAS_HOME is set here, before any kernel starts:
to a checked, writable copy of the pre-filled cache when one exists
(../shared/data/keras, or $BOOK_KERAS_SOURCE), else left alone so Keras
downloads as usual.
"""
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "data"))
import check_data  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))
pytest_plugins = ["leftover_check"]  # every notebook must leave no files or processes behind

_temporary_home = None
_keras_home_note = "KERAS_HOME: not set by the tests (Keras uses ~/.keras and downloads what is missing)"


def pytest_configure(config):
    global _keras_home_note, _temporary_home
    source = check_data.default_source()
    if source is None or os.environ.get("BOOK_USE_OWN_KERAS_HOME"):
        return
    try:
        home = check_data.prepare_cache(source, Path(tempfile.mkdtemp(prefix="keras-home-")))
    except RuntimeError as problem:
        pytest.exit(f"Test data check failed.\n{problem}", returncode=3)
    os.environ["KERAS_HOME"] = str(home)
    _temporary_home = home
    _keras_home_note = f"KERAS_HOME: a checked temporary copy of {source}"


def pytest_report_header(config):
    return _keras_home_note


def pytest_unconfigure(config):
    if _temporary_home is not None:
        shutil.rmtree(_temporary_home, ignore_errors=True)


def _missing_module(tag: str) -> str | None:
    """'requires-torch' -> 'torch' when torch cannot be imported here."""
    if not tag.startswith("requires-"):
        return None
    module = tag.removeprefix("requires-")
    return module if importlib.util.find_spec(module) is None else None


def pytest_collection_modifyitems(config, items):
    """Skip, visibly, notebook cells tagged `requires-<module>` where <module> is absent.

    Some stacks cannot install a package a chapter uses (PyTorch on Colab's Python
    3.13 here, tf_keras beside a TensorFlow release candidate): those cells, and only
    those, are reported as skipped with the reason, and every other cell still runs.
    """
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is None:
            continue
        for tag in cell.get("metadata", {}).get("tags", []):
            module = _missing_module(tag)
            if module:
                item.add_marker(pytest.mark.skip(
                    reason=f"needs {module}, which is not installed in this environment"))
