"""Check (and, for tests, prepare) the Keras cache that the book's notebooks read.

The notebooks load data with the real Keras loaders, which look in $KERAS_HOME
(default ~/.keras) and download what is missing. This module checks the files
in such a cache against data/manifest.json, so a damaged or missing file is
reported in plain words instead of as a traceback from deep inside Keras.

    python data/check_data.py                    # check $KERAS_HOME or ~/.keras
    python data/check_data.py --keras-home DIR   # check DIR

The tests use prepare_cache() to copy a pre-filled cache (../shared/data/keras
beside the repository, or $BOOK_KERAS_SOURCE) to a temporary KERAS_HOME.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

MANIFEST = Path(__file__).with_name("manifest.json")
REPO = Path(__file__).resolve().parent.parent


def default_keras_home() -> Path:
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def default_source() -> Path | None:
    """The pre-filled cache to copy for offline runs, if there is one."""
    candidate = os.environ.get("BOOK_KERAS_SOURCE") or REPO.parent / "shared" / "data" / "keras"
    candidate = Path(candidate)
    return candidate if candidate.is_dir() else None


def manifest_entries(manifest: Path = MANIFEST) -> list[dict]:
    return json.loads(manifest.read_text(encoding="utf-8"))["files"]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_problems(keras_home: Path, manifest: Path = MANIFEST) -> list[str]:
    """One line per missing or damaged file; an empty list means all is well."""
    problems = []
    for entry in manifest_entries(manifest):
        path = Path(keras_home) / entry["path"]
        if not path.is_file():
            problems.append(f"missing: {entry['path']}")
        elif path.stat().st_size != entry["bytes"]:
            problems.append(f"damaged: {entry['path']} has {path.stat().st_size:,} bytes, expected {entry['bytes']:,}")
        elif sha256_of(path) != entry["sha256"]:
            problems.append(f"damaged: {entry['path']} has the right size but the wrong SHA-256")
    return problems


def explain(problems: list[str], keras_home: Path) -> str:
    """The message a learner or instructor sees: what is wrong and what to do."""
    lines = [f"The Keras data cache in {keras_home} is not usable:"]
    lines += [f"  - {problem}" for problem in problems]
    lines += [
        "What to do:",
        "  * With internet access: delete the damaged files; Keras downloads them again the next time",
        "    a notebook calls the loader (for example keras.datasets.fashion_mnist.load_data()).",
        "  * Offline: copy good files into that folder, keeping the layout shown above",
        "    (a pre-filled cache lives in ../shared/data/keras beside this repository),",
        "    or point $BOOK_KERAS_SOURCE at such a folder before running the tests.",
    ]
    return "\n".join(lines)


def prepare_cache(source: Path, destination: Path) -> Path:
    """Copy a pre-filled cache to a writable KERAS_HOME and check it. Raises RuntimeError with explain()."""
    destination = Path(destination)
    for sub in ("datasets", "models"):
        if (Path(source) / sub).is_dir():
            shutil.copytree(Path(source) / sub, destination / sub, dirs_exist_ok=True)
    problems = find_problems(destination)
    if problems:
        raise RuntimeError(explain(problems, destination))
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras-home", type=Path, default=None, help="cache folder to check (default: $KERAS_HOME or ~/.keras)")
    args = parser.parse_args(argv)
    keras_home = args.keras_home or default_keras_home()
    problems = find_problems(keras_home)
    if problems:
        print(explain(problems, keras_home), file=sys.stderr)
        return 1
    print(f"All {len(manifest_entries())} files in {keras_home} match data/manifest.json.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
