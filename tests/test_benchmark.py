"""benchmarks/fashion_mnist_speed.py: it runs the performance study's own code (chapter 10,
part 2), the numbers the study shows are the ones it recorded, and parts 1 and 3 use the same
pipeline and models. No test here depends on how fast anything ran."""
import ast
import importlib.util
import json
import os
import statistics
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
    assert len(cells) == 1, "the performance study needs exactly one results cell"
    assert source(cells[0]) == speed.results_cell_source(recorded), (
        "the study's results cell differs from benchmarks/results/fashion_mnist_speed.json; "
        "run `python benchmarks/fashion_mnist_speed.py --record-only`, then re-execute it"
    )
    assert cells[0]["metadata"].get("cellView") == "form"  # folded where the notebook runs


def test_results_cell_is_the_json_as_python_in_80_columns(recorded):
    text = speed.results_cell_source(recorded)
    assert max(len(line) for line in text.splitlines()) <= 80
    namespace = {}
    exec(text, namespace)
    assert namespace["MEASURED"] == recorded


def functions(path):
    """{name: source} of the functions defined in a notebook's recipe cells."""
    found = {}
    for text in speed.notebook_cells("recipe", path):
        tree = ast.parse(text)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[node.name] = ast.get_source_segment(text, node)
    return found


def test_part_one_teaches_the_studys_recipes():
    """Part 1 trains with make_dataset, build_tutorial_mlp and build_fast_cnn; the study
    measures its own copies (each notebook runs alone): they must be the same code."""
    taught, measured = functions(speed.PART_ONE), functions(speed.CHAPTER)
    assert {"to_float", "make_dataset", "build_tutorial_mlp", "build_fast_cnn"} <= set(taught)
    for name, text in taught.items():
        assert text == measured.get(name), f"{name} differs between part 1 and the study"


def test_part_three_tunes_part_ones_recipes():
    """Part 3 (the explorer) carries its own copies of part 1's pipeline and models, folded,
    so that it runs alone: they must be the same code as part 1's."""
    taught, copied = functions(speed.PART_ONE), functions(speed.PART_THREE)
    assert {"to_float", "build_tutorial_mlp", "build_fast_cnn"} <= set(copied)
    for name, text in copied.items():
        assert text == taught.get(name), f"{name} differs between part 1 and part 3"


def test_recorded_run_is_complete_and_says_where_it_ran(recorded):
    assert recorded["machine"] and recorded["software"].startswith("TensorFlow")
    assert isinstance(recorded["cpu_has_bfloat16"], bool)
    assert set(recorded["load_average"]) == {"before", "after"}
    recipes = speed.load_recipes()
    assert list(recorded["pipelines"]) == list(recipes["PIPELINE_LABELS"])
    assert "not_in_this_run" not in recorded  # every pipeline measured
    measured = recorded["pipelines"]
    rounds = {len(pipeline["all_rounds"]) for pipeline in measured.values()}
    assert len(rounds) == 1 and rounds.pop() >= 5  # every pipeline, every round
    for pipeline in measured.values():
        assert pipeline["images_per_second"] > 0 and min(pipeline["all_rounds"]) > 0
        assert len(pipeline["idle_rounds"]) == len(pipeline["all_rounds"])
    assert list(recorded["model_speed"]) == list(speed.MODEL_SETTINGS)
    for name, setting in recorded["model_speed"].items():
        if setting["all_rounds"] is None:  # only bfloat16 may be left out
            assert "bfloat16" in name
        else:
            assert len(setting["all_rounds"]) >= 5 and min(setting["all_rounds"]) > 0
            assert len(setting["idle_rounds"]) == len(setting["all_rounds"])
    # the recipe's precision is the one part 2 measured faster
    chosen = speed.faster_precision(recipes, recorded["model_speed"])
    assert recorded["recipe_settings"].endswith(chosen)
    runs = recorded["time_to_accuracy"]
    assert len(runs["tutorial_mlp"]["seconds"]) == 10  # the tutorial's 10 epochs
    assert list(runs["recipe"]) == [f"seed {seed}" for seed in speed.SEEDS]
    for run in [runs["tutorial_mlp"], *runs["recipe"].values()]:
        assert len(run["seconds"]) == len(run["test_accuracy"]) >= 1
        assert len(run["idle_seconds"]) == len(run["seconds"])
        assert run["seconds"] == sorted(run["seconds"])  # cumulative training time
    assert recorded["recipe_settings"].startswith(f"width {speed.RECIPE['width']},")


def test_the_recipe_trains_in_mixed_precision_only_where_it_measured_faster():
    recipes = speed.load_recipes()

    def speeds(mixed):
        return {"float32, steps_per_execution=16": {"all_rounds": [5.0, 5.2, 5.1]},
                "mixed_bfloat16, steps_per_execution=16": {"all_rounds": mixed}}

    assert speed.faster_precision(recipes, speeds([4.0, 4.1, 4.2])) == "mixed_bfloat16"
    assert speed.faster_precision(recipes, speeds([7.0, 7.1, 7.2])) == "float32"
    assert speed.faster_precision(recipes, speeds([4.9, 5.3, 5.0])) == "float32"  # no diff
    assert speed.faster_precision(recipes, speeds(None)) == "float32"  # not run


def test_the_clock_counts_a_wait_as_idle_and_work_as_busy():
    import time

    with speed.EpochClock() as waiting:
        time.sleep(0.3)
    with speed.EpochClock() as working:
        end = time.process_time() + 0.3
        while time.process_time() < end:
            pass
    cores = os.cpu_count() or 1
    assert waiting.idle > 0.25  # asleep: every core idle for this process
    assert working.idle < working.seconds * (1 - 1 / cores) + 0.05  # one core busy


def test_the_benchmark_uses_the_chapters_recipe_cells():
    recipes = "\n".join(speed.notebook_cells("recipe"))
    for name in ["make_dataset", "per_image_dataset", "without_prefetch", "scale_per_batch",
                 "index_gather", "build_tutorial_mlp", "build_fast_cnn", "speed_table",
                 "time_to", "best_within", "images_per_second", "bfloat16_runs",
                 "slowed", "round_ratios", "measurable", "compare"]:
        assert f"def {name}(" in recipes, f"{name} is not in a recipe cell of the study"


@pytest.mark.parametrize("pipeline", ["make_dataset", "scale_per_batch", "without_prefetch",
                                      "index_gather"])
def test_every_shuffling_pipeline_gives_each_image_once_in_a_new_order(pipeline):
    """The study may only compare pipelines that train correctly: each pass every image
    exactly once, a new order every pass, and the same orders again from the same seed."""
    import numpy as np

    recipes = speed.load_recipes()
    images, labels = np.zeros((300, 28, 28), np.uint8), np.arange(300)

    def build():
        if pipeline == "make_dataset":
            return recipes["make_dataset"](images, labels, batch_size=32, shuffle=True, seed=1)
        return recipes[pipeline](images, labels, batch_size=32, seed=1)

    def one_pass(dataset):
        return np.concatenate([batch_labels.numpy() for _, batch_labels in dataset])

    dataset = build()
    first, second = one_pass(dataset), one_pass(dataset)
    assert sorted(first) == sorted(second) == list(range(300))
    assert not np.array_equal(first, second)
    assert np.array_equal(one_pass(build()), first)
    pixels, _ = next(iter(dataset))
    assert pixels.shape == (32, 28, 28, 1) and pixels.dtype == "float32"


def test_without_prefetch_really_has_none():
    """tf.data adds a prefetch after a final batch unless told not to (inject_prefetch)."""
    import numpy as np

    recipes = speed.load_recipes()
    dataset = recipes["without_prefetch"](np.zeros((64, 28, 28), np.uint8), np.arange(64))
    assert dataset.options().experimental_optimization.inject_prefetch is False
    book = recipes["make_dataset"](np.zeros((64, 28, 28), np.uint8), np.arange(64))
    assert type(book).__name__ == "_PrefetchDataset"


def measured_example(recipe_accuracies, bfloat16=True):
    seconds = [10.0, 20.0, 30.0]
    rounds = {  # book's: 5 s, one round slowed to 10.2 s
        "per_image": [7.0, 10.2, 6.9, 7.2], "per_image_parallel": [5.5, 5.6, 5.4, 11.0],
        "book": [5.0, 5.1, 10.2, 5.2], "scale_per_batch": [4.9, 5.3, 5.0, 5.1],
        "no_prefetch": [5.6, 5.5, 5.7, 5.9], "index_gather": [4.6, 4.7, 4.6, 5.2],
        "numpy_arrays": [5.1, 5.0, 5.1, 5.3],
    }
    return {
        "machine": "test machine", "software": "TensorFlow x", "date": "today",
        "target_accuracy": 0.92,
        "pipelines": {key: {"images_per_second": 1000 * (n + 1), "all_rounds": rounds[key],
                            "idle_rounds": [0.5] * 4}
                      for n, key in enumerate(speed.load_recipes()["PIPELINE_LABELS"])},
        "model_speed": {
            "float32": {"all_rounds": [9.0, 9.2, 18.0, 9.1]},
            "float32, steps_per_execution=16": {"all_rounds": [8.6, 9.4, 8.8, 9.0]},
            "mixed_bfloat16": {"all_rounds": [6.0, 6.2, 6.1, 6.0] if bfloat16 else None},
            "mixed_bfloat16, steps_per_execution=16": {
                "all_rounds": [5.0, 5.1, 5.0, 5.2] if bfloat16 else None},
        },
        "recipe_settings": "width 32, the rest",
        "time_to_accuracy": {
            "tutorial_mlp": {"seconds": [5.0, 25.0], "test_accuracy": [0.85, 0.87]},
            "recipe": {f"seed {n}": {"seconds": seconds, "test_accuracy": accuracies}
                       for n, accuracies in enumerate(recipe_accuracies)},
        },
    }


def test_slowed_rounds_and_ratios_with_their_range():
    """A round at least SLOW times a variant's best, or STALLED seconds more idle than its
    least idle round, is slowed and left out; a difference is measured only when every
    normal round of one variant was faster than every normal round of the other."""
    recipes = speed.load_recipes()
    assert (recipes["SLOW"], recipes["STALLED"]) == (1.4, 1.0)

    def v(rounds, idle=None):
        return {"all_rounds": rounds, "idle_rounds": idle}

    assert recipes["slowed"](v([5.0, 10.2, 6.9, 7.0])) == [False, True, False, True]
    # a stall: 1.3 times the best, but the process did not run for 1.6 s longer
    assert recipes["slowed"](v([7.5, 10.2, 7.4], [1.3, 2.9, 1.4])) == [False, True, False]
    assert recipes["slowed"](v([7.8, 7.9], [1.0, 1.9])) == [False, False]
    # every normal round against every normal round: round 2 (slowed) left out
    ratios = recipes["round_ratios"](v([6.0, 12.0, 6.6]), v([5.0, 5.0, 5.2]))
    assert sorted(round(r, 2) for r in ratios) == [1.15, 1.2, 1.2, 1.27, 1.32, 1.32]
    assert recipes["measurable"](v([6.0, 12.0, 6.6]), v([5.0, 5.0, 5.2]))
    assert recipes["compare"](v([6.0, 12.0, 6.6]), v([5.0, 5.0, 5.2])) == "1.23x (1.15-1.32)"
    assert not recipes["measurable"](v([4.6, 4.7, 5.2]), v([5.1, 5.1, 5.0]))
    assert recipes["compare"](v([4.6, 4.7, 5.2]), v([5.1, 5.1, 5.0])) == "no diff (0.90-1.04)"
    assert recipes["compare"](v([5.0, 9.0]), v([5.0, 5.0])) == "too few rounds"


def test_time_to_best_within_and_the_table():
    recipes = speed.load_recipes()
    run = {"seconds": [1.0, 2.0, 3.0], "test_accuracy": [0.5, 0.93, 0.95]}
    assert recipes["time_to"](run, 0.92) == 2.0 and recipes["time_to"](run, 0.99) is None
    assert recipes["best_within"](run, 2.5) == 0.93 and recipes["best_within"](run, 0.5) == 0.0
    # the budget is 25 s: only the first two epochs (10 s, 20 s) of each seed count
    table = recipes["speed_table"](measured_example(
        [[0.90, 0.921, 0.99], [0.91, 0.925, 0.93], [0.89, 0.90, 0.99]]))
    assert "per image: map, shuffle, batch" in table
    assert max(len(line) for line in table.splitlines()) <= 80  # fits a page and a notebook
    lines = {line[:34].strip(): line[34:] for line in table.splitlines()}
    # per image's normal rounds 1, 3 and 4 against the book's 1, 2 and 4
    assert lines["per image: map, shuffle, batch"].split()[1:] == [
        "6.9", "1", "of", "4", "1.38x", "(1.33-1.44)"]
    assert lines["book's: scale once, then shuffle"].split()[-1] == "-"
    assert "no diff (0.88-1.04)" in lines["shuffled indices, gather batches"]
    assert "slowed epochs (the first left out): 0" in table
    models = {line[:43].strip(): line[43:] for line in table.splitlines()}
    assert models["float32"].split() == ["9.0", "1", "of", "4", "-"]
    assert "1.50x (1.45-1.53)" in models["mixed_bfloat16"]  # 9.0/6.2 to 9.2/6.0
    assert "no diff" in models["float32, steps_per_execution=16"]
    assert "median of 3 seeds: 0.9210 (range 0.9000 to 0.9250); target 0.92 met" in table
    seeds = [line for line in table.splitlines() if line.startswith("  recipe, seed")]
    assert ["20.0 s" in seeds[0], "20.0 s" in seeds[1], "30.0 s" in seeds[2]] == [True] * 3
    table = recipes["speed_table"](measured_example(
        [[0.90, 0.921, 0.99], [0.91, 0.919, 0.93], [0.89, 0.90, 0.91]], bfloat16=False))
    assert "median of 3 seeds: 0.9190" in table and "target 0.92 missed" in table
    assert table.count("not run: no bfloat16 here") == 2
    seeds = [line for line in table.splitlines() if line.startswith("  recipe, seed")]
    assert seeds[2].split()[6] == "-"  # seed 2 never reached 0.92


def test_the_parallel_per_image_pipeline_gives_the_same_images():
    import numpy as np
    import tensorflow as tf

    recipes = speed.load_recipes()
    images = np.arange(250, dtype=np.uint8).repeat(784).reshape(250, 28, 28)
    labels = np.arange(250) % 10

    def one_pass(**options):
        batches = recipes["per_image_dataset"](images, labels, batch_size=32, **options)
        return np.concatenate([x.numpy()[:, 0] for x, _ in batches])

    parallel = one_pass(num_parallel_calls=tf.data.AUTOTUNE)
    assert sorted(parallel) == sorted(one_pass())
    assert np.allclose(sorted(parallel), np.arange(250) / 255)


def test_cpu_feature_detection_reads_the_flags_and_what_onednn_may_use(monkeypatch):
    flags = set()
    if os.path.exists("/proc/cpuinfo"):
        flags = set(open("/proc/cpuinfo").read().split())
    native = bool(flags & {"avx512_bf16", "amx_bf16"})
    for name in ["ONEDNN_MAX_CPU_ISA", "TF_ENABLE_ONEDNN_OPTS"]:
        monkeypatch.delenv(name, raising=False)
    assert speed.cpu_has_bfloat16() == native
    assert speed.onednn_may_use_bfloat16({})
    assert speed.onednn_may_use_bfloat16({"ONEDNN_MAX_CPU_ISA": "avx512_core_amx"})
    for laptop in [{"ONEDNN_MAX_CPU_ISA": "AVX2"}, {"ONEDNN_MAX_CPU_ISA": "SSE41"},
                   {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, {"TF_ENABLE_ONEDNN_OPTS": "0"}]:
        assert not speed.onednn_may_use_bfloat16(laptop)
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert speed.cpu_has_bfloat16() is False


def test_quick_run_end_to_end(tmp_path):
    output = tmp_path / "quick.json"
    finished = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        capture_output=True, text=True, timeout=600, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    for heading in ["1. Input pipelines", "2. The CNN, fed by", "3. Time to accuracy"]:
        assert heading in finished.stdout
    result = json.loads(output.read_text())
    assert set(result["time_to_accuracy"]) == {"tutorial_mlp", "recipe"}
    assert set(result["pipelines"]) == set(speed.load_recipes()["PIPELINE_LABELS"])


def test_quick_numbers_cannot_be_recorded():
    finished = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--record"],
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 2 and "not worth recording" in finished.stderr


def test_stall_study_quick_run_end_to_end(tmp_path):
    """benchmarks/stalled_epochs.py (the study's dropdown on stalled epochs) runs: both
    ways trained, every epoch's wall and idle seconds kept; --quick writes no JSON."""
    script = REPO / "benchmarks" / "stalled_epochs.py"
    output = tmp_path / "stalls.json"
    finished = subprocess.run(
        [sys.executable, str(script), "--quick", "--output", str(output)],
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "autotune on (the book's): " in finished.stdout
    assert "autotune off: " in finished.stdout and not output.exists()


def test_recorded_stall_study_is_complete():
    recorded = json.loads((REPO / "benchmarks" / "results" / "stalled_epochs.json")
                          .read_text(encoding="utf-8"))
    recipes = speed.load_recipes()
    assert list(recorded["ways"]) == ["autotune on (the book's)", "autotune off"]
    for variant in recorded["ways"].values():
        assert len(variant["all_rounds"]) == len(variant["idle_rounds"]) >= 10
        assert variant["slowed"] == sum(recipes["slowed"](variant))


def stall_ends(variant, recipes):
    return sorted(s for s, slow in zip(variant["all_rounds"], recipes["slowed"](variant))
                  if slow)


def test_the_chapters_words_on_the_recorded_stall_study():
    """The dropdown "What is a stalled epoch?" in chapter 10b quotes this run."""
    recorded = json.loads((REPO / "benchmarks" / "results" / "stalled_epochs.json")
                          .read_text(encoding="utf-8"))
    recipes = speed.load_recipes()
    tuned, untuned = recorded["ways"].values()
    assert tuned["slowed"] == untuned["slowed"] == 3 and len(tuned["all_rounds"]) == 14
    assert [round(s, 1) for s in stall_ends(tuned, recipes)] == [10.2, 10.3, 20.5]
    assert [round(s, 1) for s in stall_ends(untuned, recipes)] == [10.1, 11.5, 14.0]


def test_the_chapters_words_on_the_november_run():
    """The dropdown "Another machine, another answer" in chapter 10b quotes the AMD run,
    read with the chapter's own rules."""
    recorded = json.loads((REPO / "benchmarks" / "results" /
                           "fashion_mnist_speed-2026-11-22.json").read_text(encoding="utf-8"))
    recipes = speed.load_recipes()
    assert recorded["machine"].startswith("AMD EPYC")
    speeds = recorded["model_speed"]
    f32 = speeds["float32"]
    assert recipes["compare"](f32, speeds["mixed_bfloat16, steps_per_execution=16"]) == (
        "1.35x (1.07-1.50)")
    assert recipes["compare"](f32, speeds["mixed_bfloat16"]) == "no diff (1.00-1.21)"
    assert recipes["compare"](f32, speeds["float32, steps_per_execution=16"]) == (
        "no diff (0.90-1.31)")
    assert recipes["compare"](speeds["float32, steps_per_execution=16"],
                              speeds["mixed_bfloat16, steps_per_execution=16"]) == (
        "no diff (0.91-1.50)")
