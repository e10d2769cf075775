"""The shared code the notebooks carry (bookkit/) and the scripts that stamp and
measure it are ordinary, linted Python (ruff.toml: pyflakes, pycodestyle, isort,
80 columns)."""
import shutil
import subprocess
import sys

import pytest

from notebooks import REPO

LINTED = ["bookkit", "scripts/shared_cells.py", "scripts/lesson_metrics.py",
          "scripts/jupyterlab_folds.py", "scripts/i18n.py",
          "scripts/i18n_notebooks.py", "_ext/book_i18n.py"]


def test_shared_code_passes_the_linter():
    ruff = shutil.which("ruff", path=str(REPO / ".venv" / "bin")) or shutil.which("ruff")
    if ruff is None:
        ruff_module = subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True)
        if ruff_module.returncode:
            pytest.fail("ruff is missing: pip install -r requirements.txt")
        command = [sys.executable, "-m", "ruff"]
    else:
        command = [ruff]
    result = subprocess.run([*command, "check", *LINTED], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_shared_module_is_a_notebook_cell():
    sys.path.insert(0, str(REPO / "scripts"))
    from shared_cells import SHARED_MODULES, cell_title

    on_disk = {path.name for path in (REPO / "bookkit").glob("*.py")} - {"__init__.py"}
    assert on_disk == set(SHARED_MODULES.values())
    for name in SHARED_MODULES.values():
        text = (REPO / "bookkit" / name).read_text(encoding="utf-8")
        assert cell_title(text), f"bookkit/{name} must start with `# @title ...` (its fold bar)"
