"""Every chapter opened fresh in a real JupyterLab (scripts/jupyterlab_folds.py):
setup, data, panel toolkit, checks and solutions show their titles, not their
source. Needs Chromium and the package index (for JupyterLab's own venv);
skipped without Chromium unless BOOK_REQUIRE_BROWSER=1 (as in CI)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from notebooks import REPO

CHROMIUM = os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM and os.environ.get("BOOK_REQUIRE_BROWSER") != "1":
    pytest.skip("no Chromium here: install Debian's `chromium`", allow_module_level=True)


def test_a_chapter_opened_fresh_in_jupyterlab_shows_no_folded_source():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "jupyterlab_folds.py")],
                            cwd=REPO, capture_output=True, text=True, timeout=1500)
    print(result.stdout[-4000:], result.stderr[-2000:])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["failures"] == 0 and summary["notebooks"] >= 12
