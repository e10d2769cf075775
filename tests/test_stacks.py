"""The other stacks the book is tested on (README, "Tested versions"): the stack files
are complete pin lists that hold what requirements.txt and the stack promise, the
Colab stage finds Colab's Python (or says in one line that it falls back), and an
environment is made again when its stack file changes."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from notebooks import REPO

sys.path.insert(0, str(REPO / "scripts"))
import refresh_colab_stack as colab  # noqa: E402
import refresh_next_stack as nxt  # noqa: E402

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+?)(  # .*)?$")
SHARED_COLAB = REPO.parent / "shared" / "colab"


def stack(path: Path) -> dict[str, str]:
    """{normalised name: version} of a stack file; every other line is a comment."""
    found = {}
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: not a pin: {line!r}"
        found[colab.normalise(match.group(1))] = match.group(2)
    return found


def required() -> dict[str, str]:
    return {colab.normalise(name): line.split("==", 1)[1]
            for name, line in colab.requirement_lines() if "==" in line}


def test_colab_stack_is_colabs_versions_on_colabs_python():
    text = (REPO / "tests" / "colab-stack.txt").read_text()
    pinned = stack(REPO / "tests" / "colab-stack.txt")
    assert re.search(r"^# Python: 3\.13 ", text, re.M), "Colab runs Python 3.13"
    assert "torch" not in pinned and "keras-nightly" not in pinned
    if "torch" in required():
        assert "# Left out: torch:" in text  # and why, for the reader of the file
    for name in set(required()) - colab.NOT_FOR_NOTEBOOKS - set(colab.LEFT_OUT):
        assert name in pinned, f"{name} (requirements.txt) is missing from Colab's stack"
    freeze = SHARED_COLAB / re.search(r"\((pip-freeze-[\d-]+\.txt)\)", text).group(1)
    if not freeze.exists():
        pytest.skip(f"{freeze} is not here")
    colabs = colab.pins(freeze.read_text().splitlines())
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            name, version = colab.normalise(match.group(1)), match.group(2)
            if name in colabs:
                assert version == colabs[name][1], f"{line}: Colab has {colabs[name][1]}"
            else:
                assert line.endswith("# not on Colab: the test runner's own"), line


def test_next_stack_is_the_release_candidate_with_the_books_other_pins():
    text = (REPO / "tests" / "next-stack.txt").read_text()
    pinned = stack(REPO / "tests" / "next-stack.txt")
    # a release candidate now; the final release once it is out
    assert re.fullmatch(r"\d+\.\d+\.\d+(rc\d+)?", pinned["tensorflow"])
    assert re.fullmatch(r"\d+\.\d+\.\d+\.dev\d+", pinned["keras-nightly"])
    assert "keras" not in pinned, "keras-nightly provides the keras module alone"
    assert "tf-keras" not in pinned and "# Left out: tf-keras" in text
    assert not [name for name in pinned if nxt.CUDA.search(name)], "a CPU build only"
    refresh = re.search(r"scripts/refresh_next_stack.py (\S+) (\S+)", text)
    assert refresh.groups() == (pinned["tensorflow"], pinned["keras-nightly"])
    for name, version in required().items():
        if name in nxt.NOT_FOR_NOTEBOOKS | {"tensorflow", "keras", "tf-keras"}:
            continue
        assert pinned.get(name, "").split("+")[0] == version, (
            f"{name}=={version} (requirements.txt), next stack: {pinned.get(name)}")


def fake_python(path: Path, answer: str | None) -> Path:
    """An executable that answers the version probe like a Python `answer` (or fails
    like a pyenv shim for a version that is not selected)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = (f"echo {answer}" if answer
            else "echo 'pyenv: python3.13: command not found' >&2; exit 127")
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_colab_python_is_found_on_path_or_in_pyenv(tmp_path, monkeypatch, capsys):
    shims, pyenv = tmp_path / "shims", tmp_path / "pyenv"
    fake_python(shims / "python3.13", None)  # a pyenv shim: on PATH, but it fails
    older = fake_python(pyenv / "versions" / "3.13.0" / "bin" / "python3.13", "3.13")
    newer = fake_python(pyenv / "versions" / "3.13.10" / "bin" / "python3.13", "3.13")
    fake_python(pyenv / "versions" / "3.12.1" / "bin" / "python3.12", "3.12")
    monkeypatch.setenv("PATH", f"{shims}:/usr/bin:/bin")
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    assert colab.candidates("3.13")[:3] == [str(shims / "python3.13"), str(newer), str(older)]
    if Path("/usr/bin/python3.13").exists() or Path("/usr/local/bin/python3.13").exists():
        pytest.skip("this machine has a system Python 3.13")
    assert colab.colab_python("3.13") == str(newer)
    assert capsys.readouterr().err == ""

    newer.unlink(), older.unlink()
    assert colab.colab_python("3.13") == sys.executable
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and said[0].startswith("No Python 3.13 found"), said
    assert "instead" in said[0]

    fake_python(shims / "python3.13", "3.13")  # python3.13 on PATH that works
    assert colab.colab_python("3.13") == str(shims / "python3.13")


def test_colab_python_version_comes_from_colabs_os_info(tmp_path):
    freeze = tmp_path / "pip-freeze-2027-01-01.txt"
    freeze.write_text("numpy==2.1.3\n")
    (tmp_path / "os-info-2027-01-01.txt").write_text("Ubuntu 22.04.5 LTS\nPython 3.14.2\n")
    assert colab.colab_python_version(freeze) == "3.14"
    assert colab.colab_python_version() == "3.13"  # from tests/colab-stack.txt


@pytest.mark.parametrize("target,listing", [
    (".venv-next/.installed", "tests/next-stack.txt"),
    (".venv-colab/.installed", "tests/colab-stack.txt"),
])
def test_an_environment_is_made_again_when_its_stack_file_changes(target, listing):
    """`make -n -W FILE` shows what make would run were FILE just changed."""
    venv = target.split("/")[0]
    result = subprocess.run(["make", "-n", "-W", listing, target], cwd=REPO,
                            capture_output=True, text=True, env={**os.environ, "MAKEFLAGS": ""})
    assert result.returncode == 0, result.stderr
    assert f"rm -rf {venv}" in result.stdout
    assert f"-m venv {venv}" in result.stdout
    assert f"--no-deps -r {listing}" in result.stdout
