"""benchmarks/fashion_mnist_speed.py: it runs the chapter's own code, and the numbers the
chapter shows are the ones it recorded. No test here depends on how fast anything ran."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from notebooks import REPO, code_cells, load, source

SCRIPT = REPO / "benchmarks" / "fashion_mnist_speed.py"
spec = importlib.util.spec_from_file_location("fashion_mnist_speed", SCRIPT)
speed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(speed)  # imports no TensorFlow until a function needs it


@pytest.fixture(scope="module")
def recorded():
    return json.loads(speed.RESULTS.read_text(encoding="utf-8"))


def test_chapter_shows_exactly_the_recorded_numbers(recorded):
    cells = [c for c in code_cells(load(speed.CHAPTER)) if c["metadata"].get("benchmark") == "results"]
    assert len(cells) == 1, "chapter 10 needs exactly one results cell"
    assert source(cells[0]) == speed.results_cell_source(recorded), (
        "chapter 10's results cell differs from benchmarks/results/fashion_mnist_speed.json; "
        "run `python benchmarks/fashion_mnist_speed.py --record-only`, then re-execute the chapter"
    )


def test_recorded_run_is_complete_and_says_where_it_ran(recorded):
    assert recorded["machine"] and recorded["software"].startswith("TensorFlow")
    rates = recorded["pipeline_images_per_second"]
    assert rates["speedup"] == round(rates["fast"] / rates["per_image"], 1)
    runs = recorded["time_to_accuracy"]
    assert len(runs["tutorial_mlp"]["seconds"]) == 10  # the tutorial's 10 epochs
    for run in runs.values():
        assert len(run["seconds"]) == len(run["test_accuracy"]) >= 1
        assert run["seconds"] == sorted(run["seconds"])  # cumulative training time


def test_the_benchmark_uses_the_chapters_recipe_cells():
    recipes = "\n".join(speed.notebook_cells("recipe"))
    for name in ["make_dataset", "per_image_dataset", "build_tutorial_mlp", "build_fast_cnn",
                 "speed_table", "time_to", "images_per_second"]:
        assert f"def {name}(" in recipes, f"{name} is not in a recipe cell of chapter 10"


def test_time_to_and_the_table_report_both_ratios():
    recipes = speed.load_recipes()
    run = {"seconds": [1.0, 2.0, 3.0], "test_accuracy": [0.5, 0.93, 0.95]}
    assert recipes["time_to"](run, 0.92) == 2.0 and recipes["time_to"](run, 0.99) is None
    measured = {
        "machine": "test machine", "software": "TensorFlow x", "date": "today",
        "target_accuracy": 0.92,
        "pipeline_images_per_second": {"per_image": 1000, "fast": 25000, "speedup": 25.0},
        "time_to_accuracy": {
            "tutorial_mlp": {"seconds": [5.0, 10.0], "test_accuracy": [0.85, 0.87]},
            "fast_cnn": run,
        },
    }
    table = recipes["speed_table"](measured)
    assert "25.0x" in table
    assert "to the tutorial's final 0.870: tutorial 10.0 s, CNN 2.0 s, ratio 5.0x" in table
    assert "to 0.92: CNN 2.0 s vs the tutorial's 10.0 s of training, ratio 5.00x (target met)" in table
    measured["time_to_accuracy"]["fast_cnn"] = {"seconds": [1.0], "test_accuracy": [0.9]}
    assert "not reached by the CNN in 1 epochs (best 0.9000); target missed" in recipes["speed_table"](measured)


def test_quick_run_end_to_end(tmp_path):
    output = tmp_path / "quick.json"
    finished = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        capture_output=True, text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "Input pipeline (no model)" in finished.stdout and "Time to accuracy" in finished.stdout
    result = json.loads(output.read_text())
    assert set(result["time_to_accuracy"]) == {"tutorial_mlp", "fast_cnn"}
    assert result["pipeline_images_per_second"]["fast"] > 0


def test_quick_numbers_cannot_be_recorded():
    finished = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--record"],
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 2 and "not worth recording" in finished.stderr
