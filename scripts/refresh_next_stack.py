"""Write tests/next-stack.txt: the next TensorFlow and Keras releases with the book's other pins.

    python scripts/refresh_next_stack.py 2.22.0rc0 3.16.0.dev2026102704

The arguments are a TensorFlow version (a release candidate, typically) and a dated
`keras-nightly` version. TensorFlow's release candidates depend on `keras-nightly`, which
provides the `keras` module itself, so `keras` is not installed beside it. The script
installs, into a throwaway virtual environment of the Python that runs it (the pinned
stack's, 3.11), the packages of requirements.txt that the notebooks and strict nbval need
(not the site builder or the browser driver), each at its pinned version, except:

- tensorflow at the given version, and keras-nightly at the given version instead of keras;
- packages that cannot be installed beside that TensorFlow (tf-keras follows TensorFlow's
  minor release: tf-keras 2.21.0 requires tensorflow<2.22): the script tries them, and
  leaves out what pip refuses, saying so here and in the file. Notebook cells tagged
  `requires-<module>` for such a package are skipped on this stack, each reported with
  its reason (conftest.py).

The environment's `pip freeze` becomes tests/next-stack.txt, complete (installed with
--no-deps), which `make test-next` installs into .venv-next.

Refresh it for a new release candidate or a newer nightly, re-run `make test-next`, and
resolve every difference in the book (a version-robust output that names each behaviour
and the versions that show it).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from refresh_colab_stack import (  # one list of what only builds the site
    NOT_FOR_NOTEBOOKS,
    normalise,
    pins,
    requirement_lines,
)

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "tests" / "next-stack.txt"
# Tried with the next TensorFlow and left out if pip refuses: why, and the module
# whose `requires-<module>` cells are then skipped.
MAY_NOT_FIT = {"tf-keras": ("tf-keras follows TensorFlow's minor release", "tf_keras")}
CUDA = re.compile(r"^nvidia-|^triton$")  # what PyPI's Linux torch wheels bring


def requirements(tensorflow: str, keras_nightly: str) -> list[tuple[str, str]]:
    """(normalised name, requirement) for the next stack, in requirements.txt's order."""
    wanted = []
    for name, line in requirement_lines():
        key = normalise(name)
        if key in NOT_FOR_NOTEBOOKS:
            continue
        if key == "tensorflow":
            line = f"tensorflow=={tensorflow}"
        elif key == "keras":
            key, line = "keras-nightly", f"keras-nightly=={keras_nightly}"
        wanted.append((key, line))
    return wanted


def pip_install(python: Path, lines: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "pip", "install", "--quiet", *lines],
                          capture_output=True, text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tensorflow", help="TensorFlow version, e.g. 2.22.0rc0")
    parser.add_argument("keras_nightly", help="keras-nightly version, e.g. 3.16.0.dev2026102704")
    args = parser.parse_args()
    wanted = requirements(args.tensorflow, args.keras_nightly)
    left_out = []
    with tempfile.TemporaryDirectory(prefix="next-stack-") as scratch:
        python = Path(scratch) / "venv" / "bin" / "python"
        subprocess.run([sys.executable, "-m", "venv", str(python.parent.parent)], check=True)
        core = [line for key, line in wanted if key not in MAY_NOT_FIT]
        result = pip_install(python, core)
        if result.returncode:
            raise SystemExit(f"pip could not install the next stack:\n{result.stderr}")
        for key, line in wanted:
            if key in MAY_NOT_FIT:
                tried = pip_install(python, [*core, line])
                if tried.returncode:
                    left_out.append((key, line))
                    print(f"left out {line}: pip cannot install it beside "
                          f"tensorflow=={args.tensorflow}")
        frozen = subprocess.run(  # --all: setuptools and wheel too (torch needs setuptools)
            [str(python), "-m", "pip", "freeze", "--all", "--exclude", "pip"],
            check=True, capture_output=True, text=True).stdout
        used = subprocess.run([str(python), "-c", "import platform; "
                               "print(platform.python_version())"],
                              check=True, capture_output=True, text=True).stdout.strip()
    resolved = pins(frozen.splitlines())
    problems = []
    if "keras" in resolved:
        problems.append("keras came in beside keras-nightly (both provide the module)")
    cuda = sorted(k for k in resolved if CUDA.search(k))
    if cuda:
        problems.append(f"PyPI's CUDA build of torch came in ({', '.join(cuda)})")
    for key, line in wanted:
        pin = pins([line]).get(key)
        if pin and key in resolved \
                and resolved[key][1].split("+")[0] != pin[1].split("+")[0]:
            problems.append(f"{line} resolved to {resolved[key][1]}")
    if problems:
        raise SystemExit("; ".join(problems))

    lines = [
        "# The next release: TensorFlow's release candidate with a dated keras-nightly (which",
        "# provides the `keras` module; `keras` itself is not installed), and the other pins",
        "# of requirements.txt, for `make test-next`. Written by",
        f"#   scripts/refresh_next_stack.py {args.tensorflow} {args.keras_nightly}",
        "# (its docstring says how to refresh); installed with --no-deps, so every package",
        f"# is listed. Python: {used} (the pinned stack's).",
    ]
    if "torch" in resolved:
        lines += [
            f"# torch=={resolved['torch'][1]}: PyTorch's CPU build (this machine's wheel folder;",
            "# elsewhere PyTorch's CPU index, see the README's \"Installing PyTorch\").",
        ]
    for key, line in left_out:
        why, module = MAY_NOT_FIT[key]
        lines += textwrap.wrap(
            f"Left out: {line}: pip cannot install it beside tensorflow=={args.tensorflow}"
            f" ({why}); cells tagged requires-{module} are skipped on this stack, with the"
            " reason.", 88, initial_indent="# ", subsequent_indent="# ")
    lines += [f"{name}=={version}" for _, (name, version) in sorted(resolved.items())]
    OUTPUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUTPUT.relative_to(REPO)} (Python {used}): {len(resolved)} packages, "
          f"{len(left_out)} left out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
