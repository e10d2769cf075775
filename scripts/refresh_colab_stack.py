"""Write tests/colab-stack.txt: Colab's versions of every package the book's notebooks use.

    python scripts/refresh_colab_stack.py ../shared/colab/pip-freeze-2026-08-19.txt

Colab publishes the package list of its runtime (the public repository
googlecolab/backend-info, file pip-freeze.txt). This script installs the packages of
requirements.txt that the notebooks and strict nbval need (not the site builder or the
browser driver) into a throwaway virtual environment, with Colab's list as pip
constraints, so that every package Colab ships comes in at Colab's version. The
environment's `pip freeze` becomes tests/colab-stack.txt, which `make test-colab` installs.
Packages Colab does not ship (nbval and what it needs) keep the version pip chose; they
are marked in the file.

Refresh it when Colab's image changes: copy the new pip-freeze.txt into ../shared/colab/
under its date, run this script with that file, re-run `make test-colab`, and resolve every
difference in the book.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "tests" / "colab-stack.txt"
NOT_FOR_NOTEBOOKS = {"jupyter-book", "playwright"}  # build the site / drive the browser
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;]+)$")


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


def wanted_packages() -> list[str]:
    names = []
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name = re.split(r"[=<>!~\[ ]", line)[0]
            if normalise(name) not in NOT_FOR_NOTEBOOKS:
                names.append(name)
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("colab_freeze", type=Path, help="Colab's pip-freeze.txt (dated copy)")
    args = parser.parse_args()
    colab = pins(args.colab_freeze.read_text().splitlines())
    with tempfile.TemporaryDirectory(prefix="colab-stack-") as scratch:
        constraints = Path(scratch) / "constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in colab.values()))
        python = Path(scratch) / "venv" / "bin" / "python"
        subprocess.run([sys.executable, "-m", "venv", str(python.parent.parent)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-c", str(constraints),
                        *wanted_packages()], check=True)
        frozen = subprocess.run([str(python), "-m", "pip", "freeze"], check=True,
                                capture_output=True, text=True).stdout
    resolved = pins(frozen.splitlines())
    differing = [n for n, (_, v) in resolved.items() if n in colab and colab[n][1] != v]
    if differing:
        raise SystemExit(f"pip did not honour Colab's versions of {differing}")
    lines = [
        "# Colab's versions of every package the notebooks use, for `make test-colab`.",
        f"# Source: googlecolab/backend-info, pip-freeze.txt ({args.colab_freeze.name}).",
        "# Written by scripts/refresh_colab_stack.py (its docstring says how to refresh);",
        "# installed with --no-deps, so every package is listed. Colab runs these on its own",
        "# Python; the test stage uses this machine's.",
    ]
    for key in sorted(resolved):
        name, version = resolved[key]
        note = "" if key in colab else "  # not on Colab: the test runner's own"
        lines.append(f"{name}=={version}{note}")
    OUTPUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUTPUT.relative_to(REPO)}: {len(resolved)} packages, "
          f"{sum(k not in colab for k in resolved)} not on Colab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
