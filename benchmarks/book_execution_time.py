"""How long the whole book takes to execute: seconds per chapter under strict nbval, and the total.

    python benchmarks/book_execution_time.py                 # every chapter, writes JSON
    python benchmarks/book_execution_time.py chapters/03_compile_fit.ipynb   # some chapters
    python benchmarks/book_execution_time.py --show          # print the last recorded run

It runs the test command for the chapters (`python -m pytest chapters/...`: strict nbval,
every cell re-executed and every output compared, as in CI) and reads the wall time of each
notebook, from its kernel's start to its shutdown, that the suite's leftover check measures
(tests/leftover_check.py, through $BOOK_TIMINGS_JSON). The result goes to
benchmarks/results/book_execution_time.json with the machine and versions, so the book's
execution time can be tracked as chapters are added; the README's budget is about a minute
or two per chapter. A run on a busy machine measures the machine, not the book: run it
alone. Nothing in the tests depends on these timings.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "book_execution_time.json"
sys.path.insert(0, str(REPO / "benchmarks"))
from fashion_mnist_speed import machine_description  # noqa: E402


def table(result: dict) -> str:
    lines = [f"Machine:  {result['machine']}",
             f"Software: {result['software']}; measured {result['date']}",
             "", f"{'seconds':>9}  notebook (strict nbval, kernel start to shutdown)"]
    for name, chapter in result["chapters"].items():
        outcome = "" if chapter["passed"] else "  FAILED"
        lines.append(f"{chapter['seconds']:>9.1f}  {name}{outcome}")
    lines.append(f"{result['total_seconds']:>9.1f}  all {len(result['chapters'])} notebooks")
    return "\n".join(lines)


def versions() -> str:
    found = subprocess.run(
        [sys.executable, "-c", "import tensorflow as tf, keras; "
         "print(f'TensorFlow {tf.__version__}, Keras {keras.__version__}')"],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    return f"{found.stdout.strip() or 'TensorFlow ?'}, Python {platform.python_version()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: chapters/*.ipynb")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--show", action="store_true", help="print --output, run nothing")
    args = parser.parse_args(argv)
    if args.show:
        print(table(json.loads(args.output.read_text(encoding="utf-8"))))
        return 0

    paths = [str(path) for path in args.notebooks] or ["chapters"]
    with tempfile.TemporaryDirectory(prefix="book-timings-") as scratch:
        timings_file = Path(scratch) / "timings.json"
        finished = subprocess.run(
            [sys.executable, "-m", "pytest", *paths, "-p", "no:randomly", "-q",
             "--durations", "15"],  # and the 15 slowest cells
            cwd=REPO, env=dict(os.environ, BOOK_TIMINGS_JSON=str(timings_file)),
        )
        if not timings_file.exists():
            print("no notebook ran; nothing recorded", file=sys.stderr)
            return finished.returncode or 1
        chapters = json.loads(timings_file.read_text(encoding="utf-8"))
    result = {
        "machine": machine_description(),
        "software": versions(),
        "date": datetime.date.today().isoformat(),
        "command": f"python -m pytest {' '.join(paths)} -p no:randomly -q --durations 15",
        "chapters": chapters,
        "total_seconds": round(sum(c["seconds"] for c in chapters.values()), 1),
        "all_passed": finished.returncode == 0,
    }
    print()
    print(table(result))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}")
    return finished.returncode


if __name__ == "__main__":
    sys.exit(main())
