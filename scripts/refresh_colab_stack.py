"""Write tests/colab-stack.txt: Colab's versions of every package the book's notebooks use.

    python scripts/refresh_colab_stack.py ../shared/colab/pip-freeze-2026-08-19.txt
    python scripts/refresh_colab_stack.py --which-python   # the interpreter `make test-colab` uses

Colab publishes the package list of its runtime and the Python it runs (the public
repository googlecolab/backend-info, files pip-freeze.txt and os-info.txt). This script
finds an interpreter of Colab's Python version (3.13 today: `python3.13` on PATH, or
pyenv's ~/.pyenv/versions/3.13*/bin/python3.13), installs the packages of
requirements.txt that the notebooks and strict nbval need (not the site builder or the
browser driver) into a throwaway virtual environment of that interpreter, with Colab's
list as pip constraints, so that every package Colab ships comes in at Colab's version.
The environment's `pip freeze` becomes tests/colab-stack.txt, which `make test-colab`
installs into .venv-colab with the same Python version. Packages Colab does not ship
(nbval and what it needs) keep the version pip chose; they are marked in the file.

Left out: PyTorch. Colab's torch is a CPU wheel from PyTorch's own package index, which
the test machines cannot reach, and PyPI's torch wheels pull NVIDIA's CUDA packages
(several GB). On this stack the notebook cells tagged `requires-torch` are skipped, each
reported with its reason (conftest.py), and every other cell runs.

Without an interpreter of Colab's Python version, the script says so in one line and
uses the Python that runs it.

Refresh it when Colab's image changes: copy the new pip-freeze.txt and os-info.txt into
../shared/colab/ under their date, run this script with the pip-freeze file, re-run
`make test-colab`, and resolve every difference in the book.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "tests" / "colab-stack.txt"
# build the site (both editions: polib, jieba) / drive the browser
NOT_FOR_NOTEBOOKS = {"jupyter-book", "playwright", "polib", "jieba"}
LEFT_OUT = {
    "torch": ("Colab's torch is a CPU wheel from PyTorch's own index (not reachable from "
              "the test machines) and PyPI's torch pulls NVIDIA's CUDA packages: cells "
              "tagged requires-torch are skipped on this stack, with the reason"),
}
DEFAULT_PYTHON = "3.13"  # Colab's, when neither os-info.txt nor the stack file says
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)")
PYTHON_LINE = re.compile(r"^# Python: (\d+\.\d+)\b")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines) -> dict[str, tuple[str, str]]:
    """name==version lines only (Colab's list also has URLs and git installs)."""
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[normalise(match.group(1))] = (match.group(1), match.group(2))
    return found


def requirement_lines() -> list[tuple[str, str]]:
    """(name, the requirement as written) for each line of requirements.txt."""
    found = []
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            found.append((re.split(r"[=<>!~\[ ;@]", line)[0], line))
    return found


def wanted_packages() -> list[str]:
    return [name for name, _ in requirement_lines()
            if normalise(name) not in NOT_FOR_NOTEBOOKS | set(LEFT_OUT)]


def left_out_packages() -> list[str]:
    return [name for name, _ in requirement_lines() if normalise(name) in LEFT_OUT]


def python_version(python: str | os.PathLike) -> str | None:
    """'3.13' for an interpreter that runs and can make a virtual environment."""
    try:
        result = subprocess.run(
            [str(python), "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def candidates(version: str) -> list[str]:
    """Where an interpreter of `version` may be: PATH first, then pyenv's versions
    (newest patch release first), then the usual system places."""
    found = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    pattern = os.path.join(pyenv_root, "versions", f"{version}*", "bin", f"python{version}")
    patch = re.compile(rf"{re.escape(version)}\.(\d+)$")

    def newest_first(path: str) -> int:
        match = patch.search(Path(path).parent.parent.name)
        return -int(match.group(1)) if match else 0

    found += sorted(glob.glob(pattern), key=newest_first)
    found += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    return list(dict.fromkeys(found))


def find_python(version: str) -> str | None:
    """The first candidate that is really Python `version` (a pyenv shim on PATH
    answers for versions pyenv does not make global only with an error)."""
    for python in candidates(version):
        if python_version(python) == version:
            return python
    return None


def colab_python_version(colab_freeze: Path | None = None) -> str:
    """Colab's Python as major.minor: from os-info-<date>.txt beside the
    pip-freeze file when refreshing, else from the stack file's header."""
    if colab_freeze is not None:
        os_info = colab_freeze.with_name(colab_freeze.name.replace("pip-freeze", "os-info"))
        if os_info.exists():
            match = re.search(r"^Python (\d+\.\d+)(\.\d+)?", os_info.read_text(), re.M)
            if match:
                return match.group(1)
    if OUTPUT.exists():
        for line in OUTPUT.read_text().splitlines():
            match = PYTHON_LINE.match(line)
            if match:
                return match.group(1)
    return DEFAULT_PYTHON


def colab_python(version: str) -> str:
    """An interpreter of Colab's Python version, or (said in one line on stderr)
    the one running this script."""
    python = find_python(version)
    if python is None:
        here = "%d.%d.%d" % sys.version_info[:3]
        print(f"No Python {version} found (python{version} on PATH, ~/.pyenv/versions/"
              f"{version}*): Colab's packages are tested on Python {here} instead.",
              file=sys.stderr)
        return sys.executable
    return python


def full_version(python: str) -> str:
    return subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                          check=True, capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("colab_freeze", type=Path, nargs="?",
                        help="Colab's pip-freeze.txt (dated copy; os-info.txt of the same "
                             "date beside it gives Colab's Python)")
    parser.add_argument("--which-python", action="store_true",
                        help="print the interpreter for Colab's stack and stop")
    args = parser.parse_args()
    if args.which_python:
        print(colab_python(colab_python_version()))
        return 0
    if args.colab_freeze is None:
        parser.error("give Colab's pip-freeze.txt (or --which-python)")

    colab = pins(args.colab_freeze.read_text().splitlines())
    version = colab_python_version(args.colab_freeze)
    python = colab_python(version)
    used = full_version(python)
    os_info = args.colab_freeze.with_name(args.colab_freeze.name.replace("pip-freeze", "os-info"))
    colab_full = re.search(r"^Python (\S+)", os_info.read_text(), re.M).group(1) \
        if os_info.exists() else version
    for name in left_out_packages():
        print(f"left out {name}: {LEFT_OUT[normalise(name)]}")
    with tempfile.TemporaryDirectory(prefix="colab-stack-") as scratch:
        constraints = Path(scratch) / "constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in colab.values()))
        venv_python = Path(scratch) / "venv" / "bin" / "python"
        subprocess.run([python, "-m", "venv", str(venv_python.parent.parent)], check=True)
        subprocess.run([str(venv_python), "-m", "pip", "install", "--quiet", "-c",
                        str(constraints), *wanted_packages()], check=True)
        frozen = subprocess.run(  # --all: setuptools and wheel too (a venv may lack them)
            [str(venv_python), "-m", "pip", "freeze", "--all", "--exclude", "pip"],
            check=True, capture_output=True, text=True).stdout
    resolved = pins(frozen.splitlines())
    differing = [n for n, (_, v) in resolved.items() if n in colab and colab[n][1] != v]
    if differing:
        raise SystemExit(f"pip did not honour Colab's versions of {differing}")
    stray = set(resolved) & set(LEFT_OUT)
    if stray:
        raise SystemExit(f"{sorted(stray)} came in as a dependency; it must stay out")
    lines = [
        "# Colab's versions of every package the notebooks use, for `make test-colab`.",
        f"# Source: googlecolab/backend-info, pip-freeze.txt ({args.colab_freeze.name}).",
        "# Written by scripts/refresh_colab_stack.py (its docstring says how to refresh);",
        "# installed with --no-deps, so every package is listed.",
        f"# Python: {version} (Colab runs {colab_full}; resolved here on {used};",
        "# `make test-colab` finds this version, or says in one line that it falls back).",
    ]
    for name in left_out_packages():
        lines += textwrap.wrap(f"Left out: {name}: {LEFT_OUT[normalise(name)]}.", 88,
                               initial_indent="# ", subsequent_indent="# ")
    for key in sorted(resolved):
        name, pinned = resolved[key]
        note = "" if key in colab else "  # not on Colab: the test runner's own"
        lines.append(f"{name}=={pinned}{note}")
    OUTPUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUTPUT.relative_to(REPO)} (Python {used}): {len(resolved)} packages, "
          f"{sum(k not in colab for k in resolved)} not on Colab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
